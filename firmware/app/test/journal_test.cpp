// The command journal (command_journal.h): a lane per device, so that no other device's
// traffic can push a clinician's command out and make its retry run again; refused patient
// requests are not journalled; and the journal is committed with the change it records, so a
// power cut at any flash write never lets a retry apply a command twice.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "command_rig.h"
#include "itdd/app/command_journal.h"

namespace itdd::app {
namespace {

using rig::answered_from_journal;
using rig::CommandRig;
using rig::freshly_applied;
using therapy::testing::morphine_continuous;

constexpr std::uint64_t kNotAnId = 0;

// 4 mg a day; patient boluses of 0.5 mg over 10 minutes, at most `max` in 24 hours, one every
// `lockout`.
therapy::Prescription with_boluses(std::uint8_t max = 24, Duration lockout = minutes(10)) {
  therapy::Prescription rx = morphine_continuous(DoseRate(4'000'000));
  rx.patient_bolus =
      therapy::testing::patient_bolus(DrugAmount(500'000), minutes(10), max, lockout);
  return rx;
}

// A patient-bolus decision that granted one (not an answer from the journal, not a refusal).
bool granted(const protocol::Response& r) {
  return r.result == itdd_ResultCode_RESULT_OK &&
         r.which_payload == itdd_Response_patient_bolus_tag && r.payload.patient_bolus.granted;
}
// A patient-bolus decision that refused one.
bool refused(const protocol::Response& r) {
  return r.result == itdd_ResultCode_RESULT_OK &&
         r.which_payload == itdd_Response_patient_bolus_tag && !r.payload.patient_bolus.granted;
}

std::int64_t program_count(const Implant& implant) {
  return static_cast<std::int64_t>(implant.prescription_token() >> 32);
}

// ---- the journal itself ----

TEST(CommandJournal, OnlyADevicesOwnCommandsMoveItsLane) {
  CommandJournal j;
  const CommandSource clinician{0, 1};
  const CommandSource patient{1, 2};
  ASSERT_TRUE(record_command(j, clinician, 77, CommandOutcome::kApplied));
  // Far more than a lane holds, from another device: the clinician's entry stays.
  for (std::uint64_t id = 1000; id < 1000 + 10 * kJournalEntriesPerDevice; ++id) {
    ASSERT_TRUE(record_command(j, patient, id, CommandOutcome::kApplied));
  }
  EXPECT_EQ(find_command(j, clinician, 77), CommandOutcome::kApplied);
  // The patient's lane keeps its own newest entries, oldest first out.
  EXPECT_EQ(find_command(j, patient, 1000 + 10 * kJournalEntriesPerDevice - 1),
            CommandOutcome::kApplied);
  EXPECT_EQ(find_command(j, patient, 1000 + 9 * kJournalEntriesPerDevice - 1),
            CommandOutcome::kUnknown);
  // The clinician's own commands do move its lane: the 16th newer one pushes 77 out.
  for (std::uint64_t id = 1; id < kJournalEntriesPerDevice; ++id) {
    ASSERT_TRUE(record_command(j, clinician, id, CommandOutcome::kApplied));
  }
  EXPECT_EQ(find_command(j, clinician, 77), CommandOutcome::kApplied);
  ASSERT_TRUE(record_command(j, clinician, 5000, CommandOutcome::kApplied));
  EXPECT_EQ(find_command(j, clinician, 77), CommandOutcome::kUnknown);
  // A device asking about another's id learns nothing.
  EXPECT_EQ(find_command(j, patient, 5000), CommandOutcome::kUnknown);
}

TEST(CommandJournal, ARefusalIsUpdatedWhenTheSameIdIsAppliedLater) {
  CommandJournal j;
  const CommandSource clinician{2, 9};
  ASSERT_TRUE(record_command(j, clinician, 5, CommandOutcome::kNotApplied));
  EXPECT_EQ(find_command(j, clinician, 5), CommandOutcome::kNotApplied);
  ASSERT_TRUE(record_command(j, clinician, 5, CommandOutcome::kApplied));
  EXPECT_EQ(find_command(j, clinician, 5), CommandOutcome::kApplied);
  EXPECT_EQ(j.lanes[2].next, 1u);  // one entry, not two
}

TEST(CommandJournal, TheDevicePairedIntoARemovedDevicesSlotStartsWithAnEmptyLane) {
  CommandJournal j;
  ASSERT_TRUE(record_command(j, CommandSource{3, 4}, 42, CommandOutcome::kApplied));
  // Peer 4 was removed; peer 11 took slot 3 (peer ids are never reused).
  EXPECT_EQ(find_command(j, CommandSource{3, 11}, 42), CommandOutcome::kUnknown);
  ASSERT_TRUE(record_command(j, CommandSource{3, 11}, 43, CommandOutcome::kApplied));
  EXPECT_EQ(find_command(j, CommandSource{3, 11}, 42), CommandOutcome::kUnknown);
  EXPECT_EQ(find_command(j, CommandSource{3, 4}, 42), CommandOutcome::kUnknown);
}

TEST(CommandJournal, NothingIsRecordedWithoutAnIdALaneOrAPeer) {
  CommandJournal j;
  const CommandJournal empty = j;
  EXPECT_FALSE(record_command(j, CommandSource{0, 1}, kNotAnId, CommandOutcome::kApplied));
  EXPECT_FALSE(record_command(j, CommandSource{kJournalLanes, 1}, 3, CommandOutcome::kApplied));
  EXPECT_FALSE(record_command(j, CommandSource{0, link::kNoPeer}, 3, CommandOutcome::kApplied));
  EXPECT_EQ(std::memcmp(&j, &empty, sizeof(j)), 0);
  EXPECT_EQ(find_command(j, CommandSource{kJournalLanes, 1}, 3), CommandOutcome::kUnknown);
}

// ---- through the command layer ----

// The finding: 32 patient-bolus requests pushed a clinician's refill out of the shared
// journal, and the refill's retry filled the reservoir again.
TEST(Journal, PatientBolusesCannotPushAClinicianRefillOut) {
  CommandRig c;  // clinician in slot 0, patient device 1, service tool 2
  c.rig.start(with_boluses());
  c.rig.run_for(hours(2));
  const protocol::Response filled = c.send(rig::refill_request(5001, millilitres(18)), 0);
  ASSERT_TRUE(freshly_applied(filled)) << filled.error.field << ": " << filled.error.message;
  const std::int64_t count = program_count(*c.rig.implant);
  int grants = 0;
  for (std::uint64_t id = 1; id <= 3 * kJournalEntriesPerDevice; ++id) {
    c.rig.run_for(minutes(5));  // every other one within the lockout: granted and refused
    grants += granted(c.send(rig::patient_bolus_request(id), 1)) ? 1 : 0;
  }
  ASSERT_GE(grants, 20);
  ASSERT_LT(grants, static_cast<int>(3 * kJournalEntriesPerDevice));
  const Volume left = c.rig.implant->engine().snapshot().reservoir_remaining;
  const protocol::Response again = c.send(rig::refill_request(5001, millilitres(18)), 0);
  EXPECT_TRUE(answered_from_journal(again, itdd_CommandState_COMMAND_STATE_APPLIED));
  EXPECT_EQ(program_count(*c.rig.implant), count);
  EXPECT_EQ(c.rig.implant->engine().snapshot().reservoir_remaining, left);
}

TEST(Journal, RefusedPatientRequestsAreNotJournalled) {
  CommandRig c;
  c.rig.start(with_boluses(24, hours(1)));
  const CommandSource patient = c.peers.lane(1);
  ASSERT_TRUE(granted(c.send(rig::patient_bolus_request(11), 1)));
  EXPECT_EQ(c.rig.implant->command_outcome(patient, 11), CommandOutcome::kApplied);
  ASSERT_TRUE(refused(c.send(rig::patient_bolus_request(12), 1)));
  EXPECT_EQ(c.rig.implant->command_outcome(patient, 12), CommandOutcome::kUnknown);
  const CommandJournal::Lane& lane = c.rig.implant->command_journal().lanes[1];
  EXPECT_EQ(lane.next, 1u);  // the grant only
  // Its retry is simply asked again (still within the lockout: refused again, nothing given).
  const std::uint32_t used = c.rig.implant->engine().patient_boluses_in_last_24h(c.rig.now);
  EXPECT_TRUE(refused(c.send(rig::patient_bolus_request(12), 1)));
  EXPECT_EQ(c.rig.implant->engine().patient_boluses_in_last_24h(c.rig.now), used);
  // The granted one's retry is answered from the journal: no second bolus, even after the
  // lockout.
  c.rig.run_for(hours(2));
  EXPECT_TRUE(answered_from_journal(c.send(rig::patient_bolus_request(11), 1),
                                    itdd_CommandState_COMMAND_STATE_APPLIED));
  EXPECT_EQ(c.rig.implant->engine().patient_boluses_in_last_24h(c.rig.now), used);
}

TEST(Journal, ADeviceNeitherReadsNorAnswersForAnotherDevicesCommand) {
  CommandRig c;
  c.rig.start(with_boluses());
  ASSERT_TRUE(freshly_applied(c.send(rig::refill_request(77, millilitres(18)), 0)));
  // The patient device sends the clinician's id: its own request, judged as such.
  EXPECT_TRUE(granted(c.send(rig::patient_bolus_request(77), 1)));
  // Asking about it: each device hears about its own commands only.
  const protocol::Response service = c.send(rig::query_request(77), 2);
  EXPECT_EQ(service.payload.command_status.state, itdd_CommandState_COMMAND_STATE_UNKNOWN);
  EXPECT_EQ(c.send(rig::query_request(77), 1).payload.command_status.state,
            itdd_CommandState_COMMAND_STATE_APPLIED);
  EXPECT_EQ(c.send(rig::query_request(77), 0).payload.command_status.state,
            itdd_CommandState_COMMAND_STATE_APPLIED);
  // A second clinician programmer has a lane of its own too.
  CommandRig two({link::Role::kClinician, link::Role::kClinician});
  two.rig.start(with_boluses());
  ASSERT_TRUE(freshly_applied(two.send(rig::refill_request(5, millilitres(18)), 0)));
  EXPECT_TRUE(freshly_applied(two.send(rig::refill_request(5, millilitres(10)), 1)));
  EXPECT_EQ(two.rig.implant->engine().snapshot().reservoir_remaining, millilitres(10));
}

TEST(Journal, ADeviceNoLongerPairedIsRefusedTherapyCommands) {
  CommandRig c;
  c.rig.start(with_boluses());
  const Caller gone{99, link::Role::kClinician};
  protocol::Response out{};
  rig::handle_request(*c.rig.implant, c.peers, rig::refill_request(3, millilitres(18)), gone,
                      c.rig.now, out);
  EXPECT_EQ(out.result, itdd_ResultCode_RESULT_REFUSED);
  EXPECT_STREQ(out.error.field, "session");
  rig::handle_request(*c.rig.implant, c.peers, rig::query_request(3), gone, c.rig.now, out);
  EXPECT_EQ(out.payload.command_status.state, itdd_CommandState_COMMAND_STATE_UNKNOWN);
}

// ---- any interleaving of other devices' traffic ----

// Devices in the table: clinician A (slot 0, whose command is retried), clinician B (1), the
// patient's device (2), a service tool (3).
enum class Kind : std::uint8_t { kRefill, kProgram, kClinicianBolus, kPrime };
enum class Traffic : std::uint8_t {
  kPatientBolus,      // granted or refused, as the limits say
  kPatientReusesId,   // the patient device sends A's command id as its own request
  kServiceClock,      // set clock
  kServiceAlarmTest,  // alarm test
  kServiceQuery,      // asks about A's id
  kOtherClinician,    // B: a refill, program, bolus or prime, with its own id or A's
  kReset,             // a watchdog reset: RAM gone, flash kept
  kWait,
};
struct Step {
  Traffic traffic = Traffic::kWait;
  int choice = 0;        // which of B's commands; which clock
  bool same_id = false;  // B reuses A's id
  std::int64_t wait_min = 0;
};

protocol::Request command(Kind kind, std::uint64_t id, const Implant& implant) {
  switch (kind) {
    case Kind::kRefill:
      return rig::refill_request(id, millilitres(15));
    case Kind::kProgram:
      return rig::program_request(id, implant.prescription_token(), with_boluses(24, minutes(20)));
    case Kind::kClinicianBolus:
      return rig::clinician_bolus_request(id, DrugAmount(1'000'000), minutes(30));
    case Kind::kPrime:
      break;
  }
  return rig::prime_request(id, microlitres(200));
}

bool changes_program_count(Kind kind) {
  return kind == Kind::kRefill || kind == Kind::kProgram;
}

RC_GTEST_PROP(Journal, NoInterleavingOfOtherDevicesTrafficAppliesACommandTwice, ()) {
  const Kind kind =
      *rc::gen::element(Kind::kRefill, Kind::kProgram, Kind::kClinicianBolus, Kind::kPrime);
  const std::uint64_t id = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  const auto step = rc::gen::build<Step>(
      rc::gen::set(&Step::traffic,
                   rc::gen::weightedElement<Traffic>({{12, Traffic::kPatientBolus},
                                                      {2, Traffic::kPatientReusesId},
                                                      {1, Traffic::kServiceClock},
                                                      {1, Traffic::kServiceAlarmTest},
                                                      {1, Traffic::kServiceQuery},
                                                      {3, Traffic::kOtherClinician},
                                                      {1, Traffic::kReset},
                                                      {2, Traffic::kWait}})),
      rc::gen::set(&Step::choice, rc::gen::inRange(0, 4)),
      rc::gen::set(&Step::same_id, rc::gen::arbitrary<bool>()),
      rc::gen::set(&Step::wait_min, rc::gen::inRange<std::int64_t>(0, 90)));
  const std::vector<Step> steps = *rc::gen::container<std::vector<Step>>(step);

  CommandRig c(
      {link::Role::kClinician, link::Role::kClinician, link::Role::kPatient, link::Role::kService});
  c.rig.start(with_boluses());
  c.rig.run_for(minutes(30));

  // A's command, whose reply is lost: A will send it again with the same id.
  const protocol::Request original = command(kind, id, *c.rig.implant);
  const protocol::Response first = c.send(original, 0);
  int applications = freshly_applied(first) ? 1 : 0;
  std::int64_t expected_count = program_count(*c.rig.implant);

  std::uint64_t next_id = 2'000'000;
  for (const Step& s : steps) {
    c.rig.run_for(minutes(s.wait_min));
    switch (s.traffic) {
      case Traffic::kPatientBolus:
        (void)c.send(rig::patient_bolus_request(next_id++), 2);
        break;
      case Traffic::kPatientReusesId:
        (void)c.send(rig::patient_bolus_request(id), 2);
        break;
      case Traffic::kServiceClock:
        (void)c.send(rig::set_clock_request(WallTime(rig::kMonday.ms() + c.rig.now.ms() +
                                                     (s.choice - 2) * kMillisPerHour)),
                     3);
        break;
      case Traffic::kServiceAlarmTest:
        (void)c.send(rig::request(itdd_Request_alarm_test_tag), 3);
        break;
      case Traffic::kServiceQuery:
        RC_ASSERT(c.send(rig::query_request(id), 3).payload.command_status.state ==
                  itdd_CommandState_COMMAND_STATE_UNKNOWN);
        break;
      case Traffic::kOtherClinician: {
        const Kind other = static_cast<Kind>(s.choice % 4);
        const protocol::Response r =
            c.send(command(other, s.same_id ? id : next_id++, *c.rig.implant), 1);
        if (freshly_applied(r) && changes_program_count(other)) ++expected_count;
        break;
      }
      case Traffic::kReset:
        c.rig.reset(c.rig.now + minutes(1));
        break;
      case Traffic::kWait:
        break;
    }
    if (changes_program_count(kind)) {
      RC_ASSERT(program_count(*c.rig.implant) == expected_count);
    }
  }
  // Long enough for any bolus or priming to end, so a second run would not be refused as busy.
  c.rig.run_for(hours(3));
  const protocol::Response retry = c.send(original, 0);
  applications += freshly_applied(retry) ? 1 : 0;
  RC_ASSERT(applications <= 1);
  if (freshly_applied(first)) {
    RC_ASSERT(answered_from_journal(retry, itdd_CommandState_COMMAND_STATE_APPLIED));
    if (changes_program_count(kind)) RC_ASSERT(program_count(*c.rig.implant) == expected_count);
  }
  RC_TAG(static_cast<int>(kind));
}

// ---- power cuts ----

// Radio commands from a clinician (slot 0) and the patient's device (slot 1), the flash cut at
// one write. What the devices sent; the one in flight when the power went is the last.
struct Sent {
  protocol::Request request;
  std::size_t slot = 0;
};

std::vector<Sent> run_commands(CommandRig& c, std::int64_t cut_after) {
  if (cut_after >= 0) c.body.flash.cut_power_after(static_cast<std::uint64_t>(cut_after));
  std::vector<Sent> sent;
  const auto send = [&](const protocol::Request& r, std::size_t slot) {
    if (!c.body.flash.powered()) return;
    sent.push_back({r, slot});
    (void)c.send(r, slot);
  };
  send(rig::refill_request(1, millilitres(18)), 0);
  send(rig::program_request(2, c.rig.implant->prescription_token(), with_boluses(4, minutes(20))),
       0);
  c.rig.run_for(hours(1));
  send(rig::patient_bolus_request(101), 1);
  c.rig.run_for(minutes(40));
  send(rig::clinician_bolus_request(3, DrugAmount(1'000'000), minutes(30)), 0);
  c.rig.run_for(hours(1));
  send(rig::patient_bolus_request(102), 1);
  c.rig.run_for(hours(2));
  send(rig::prime_request(4, microlitres(200)), 0);
  c.rig.run_for(hours(1));
  send(rig::patient_bolus_request(103), 1);
  c.rig.run_for(minutes(30));
  send(rig::refill_request(5, millilitres(16)), 0);
  c.rig.run_for(minutes(10));
  return sent;
}

TEST(Journal, PowerCutAtEveryWriteNeverAppliesACommandTwice) {
  std::uint64_t writes = 0;
  {
    CommandRig c;
    const std::uint64_t at_boot = c.body.flash.operations();
    const std::vector<Sent> sent = run_commands(c, -1);
    ASSERT_EQ(sent.size(), 8u);
    ASSERT_EQ(c.rig.implant->engine().patient_boluses_in_last_24h(c.rig.now), 3u);
    writes = c.body.flash.operations() - at_boot;
  }
  ASSERT_GT(writes, 50u);
  for (std::uint64_t k = 0; k < writes; ++k) {
    SCOPED_TRACE(testing::Message() << "power cut at write " << k << " of " << writes);
    CommandRig c;
    const std::vector<Sent> sent = run_commands(c, static_cast<std::int64_t>(k));
    ASSERT_FALSE(c.body.flash.powered());
    c.body.flash.power_restore();
    c.rig.reset(c.rig.now + minutes(30));
    // Every device sends again what it sent, in order, with the same ids.
    int refills_and_programs = 0;
    int patient_requests = 0;
    for (std::size_t i = 0; i < sent.size(); ++i) {
      SCOPED_TRACE(testing::Message() << "command " << i << " of " << sent.size());
      const protocol::Request& r = sent[i].request;
      const protocol::Response again = c.send(r, sent[i].slot);
      const bool last = i + 1 == sent.size();
      if (!last) {
        // Committed before the cut: answered from the journal, whatever the power did after.
        EXPECT_TRUE(answered_from_journal(again, itdd_CommandState_COMMAND_STATE_APPLIED))
            << again.which_payload;
      } else {
        // In flight: either committed with its journal entry, or neither and applied now.
        EXPECT_TRUE(answered_from_journal(again, itdd_CommandState_COMMAND_STATE_APPLIED) ||
                    freshly_applied(again))
            << again.result << " " << again.error.field << ": " << again.error.message;
      }
      refills_and_programs +=
          r.which_payload == itdd_Request_refill_tag || r.which_payload == itdd_Request_program_tag
              ? 1
              : 0;
      patient_requests += r.which_payload == itdd_Request_patient_bolus_tag ? 1 : 0;
    }
    // Each applied exactly once: the program count moves once per refill and program, the
    // rolling count once per patient request.
    EXPECT_EQ(program_count(*c.rig.implant), refills_and_programs);
    EXPECT_EQ(c.rig.implant->engine().patient_boluses_in_last_24h(c.rig.now),
              static_cast<std::uint32_t>(patient_requests));
  }
  std::printf("power cut at each of %llu write points: no command applied twice\n",
              static_cast<unsigned long long>(writes));
}

}  // namespace
}  // namespace itdd::app
