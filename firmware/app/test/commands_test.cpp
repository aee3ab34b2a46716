// The command layer (commands.h) on an implant of fakes: requests as the radio hands them over,
// with the role the link knows the device by. Priming from the radio and what an interrogation
// says about the patient's boluses.
#include "itdd/app/commands.h"

#include <gtest/gtest.h>

#include <string>

#include "command_rig.h"

namespace itdd::app {
namespace {

using engine::Activity;
using rig::Body;
using rig::clinician_bolus_request;
using rig::interrogate_request;
using rig::kMonday;
using rig::patient_bolus_request;
using rig::PeerTable;
using rig::prime_request;
using rig::Rig;
using therapy::testing::morphine_continuous;

// 0.5 mg over 10 minutes, at most `max` in 24 hours, one an hour.
therapy::Prescription with_boluses(std::uint8_t max) {
  therapy::Prescription rx = morphine_continuous(DoseRate(4'000'000));
  rx.patient_bolus =
      therapy::testing::patient_bolus(DrugAmount(500'000), minutes(10), max, hours(1));
  return rx;
}

struct Commands {
  Body body;
  Rig rig{body};
  PeerTable pairing;  // a clinician (slot 0), a patient device (1) and a service tool (2)

  static std::size_t slot(link::Role role) {
    return role == link::Role::kClinician ? 0 : role == link::Role::kPatient ? 1 : 2;
  }
  protocol::Response send(const protocol::Request& request,
                          link::Role role = link::Role::kClinician) {
    protocol::Response out{};
    rig::handle_request(*rig.implant, pairing, request, pairing.caller(slot(role)), rig.now, out);
    return out;
  }
  CommandSource lane(link::Role role) const { return pairing.lane(slot(role)); }
  itdd_ImplantStatus status() {
    const protocol::Response r = send(interrogate_request(), link::Role::kPatient);
    EXPECT_EQ(r.result, itdd_ResultCode_RESULT_OK);
    EXPECT_TRUE(r.payload.status.has_patient_bolus);
    return r.payload.status;
  }
  std::int64_t wall(ImplantTime t) const { return kMonday.ms() + t.ms(); }
};

TEST(Commands, PrimeFillsDeadVolumeAndCatheterAndIsJournaled) {
  Commands c;
  c.rig.start(morphine_continuous(DoseRate(4'000'000)));
  c.rig.run_for(hours(1));
  const therapy::PumpModel& pump = c.body.config.pump;
  const Volume delivered_before = c.rig.implant->engine().delivered();
  const protocol::Response r = c.send(prime_request(7, microlitres(250)));
  ASSERT_EQ(r.result, itdd_ResultCode_RESULT_OK) << r.error.field << ": " << r.error.message;
  ASSERT_EQ(r.which_payload, itdd_Response_priming_tag);
  const Volume volume = pump.pump_dead_volume + microlitres(250);
  EXPECT_EQ(r.payload.priming.volume_nl, volume.count());
  EXPECT_EQ(r.payload.priming.ends_at_wall_ms,
            c.wall(c.rig.now + time_to_deliver(volume, pump.priming_rate)));
  EXPECT_EQ(c.rig.implant->engine().activity(), Activity::kPriming);
  EXPECT_EQ(c.rig.implant->command_outcome(c.lane(link::Role::kClinician), 7),
            CommandOutcome::kApplied);
  EXPECT_TRUE(c.rig.has_log(static_cast<std::uint16_t>(engine::EventKind::kPrimingStarted)));

  const itdd_ImplantStatus st = c.status();
  EXPECT_EQ(st.catheter_volume_nl, microlitres(250).count());
  EXPECT_EQ(st.pump_dead_volume_nl, pump.pump_dead_volume.count());
  EXPECT_EQ(st.priming_rate_nl_per_day, pump.priming_rate.count());
  EXPECT_EQ(st.reservoir.capacity_nl, pump.reservoir_capacity.count());
  EXPECT_EQ(st.activity, itdd_Activity_ACTIVITY_PRIMING);

  // The same id again (a lost reply retried): answered with what happened, not primed twice.
  c.rig.run_for(minutes(10));
  const ImplantTime ends = c.rig.implant->engine().scheduler().override_delivery().end;
  const protocol::Response again = c.send(prime_request(7, microlitres(250)));
  ASSERT_EQ(again.result, itdd_ResultCode_RESULT_OK);
  ASSERT_EQ(again.which_payload, itdd_Response_command_status_tag);
  EXPECT_EQ(again.payload.command_status.state, itdd_CommandState_COMMAND_STATE_APPLIED);
  EXPECT_EQ(c.rig.implant->engine().scheduler().override_delivery().end, ends);
  // Priming over, basal goes on; what was primed is the volume asked for, once (within a
  // stroke, with a minute of basal after it).
  c.rig.run_until(ends + minutes(1));
  EXPECT_EQ(c.rig.implant->engine().activity(), Activity::kBasal);
  const Volume primed = c.rig.implant->engine().delivered() - delivered_before;
  EXPECT_GE(primed, volume - pump.stroke_volume);
  EXPECT_LE(primed, volume + pump.stroke_volume * 2);
}

// A prescription below the pump's minimum rate is refused, changes nothing, and its refusal
// carries the rate asked for and the one allowed, for the programmer to print.
TEST(Commands, ARateRefusalCarriesTheRequestedAndTheAllowedRate) {
  Commands c;
  c.rig.start(morphine_continuous(DoseRate(4'000'000)));
  const std::uint64_t token = c.rig.implant->prescription_token();
  // 1 mg/day at 25 mg/mL: 0.04 mL/day, under the 0.048 mL/day minimum.
  protocol::Response r =
      c.send(rig::program_request(31, token, morphine_continuous(DoseRate(1'000'000))));
  EXPECT_EQ(r.result, itdd_ResultCode_RESULT_INVALID);
  ASSERT_TRUE(r.has_error);
  EXPECT_EQ(r.error.limit, itdd_ErrorLimit_ERROR_LIMIT_MINIMUM);
  EXPECT_EQ(r.error.unit, itdd_ErrorUnit_ERROR_UNIT_NANOLITRES_PER_DAY);
  EXPECT_EQ(r.error.requested, 40'000);
  EXPECT_EQ(r.error.allowed, 48'000);
  EXPECT_EQ(c.rig.implant->prescription_token(), token);
  EXPECT_EQ(c.rig.implant->engine().prescription().continuous_dose, DoseRate(4'000'000));
  // 25 mL/day: over the 24 mL/day maximum.
  r = c.send(rig::program_request(32, token, morphine_continuous(DoseRate(625'000'000))));
  EXPECT_EQ(r.result, itdd_ResultCode_RESULT_INVALID);
  EXPECT_EQ(r.error.limit, itdd_ErrorLimit_ERROR_LIMIT_MAXIMUM);
  EXPECT_EQ(r.error.requested, 25'000'000);
  EXPECT_EQ(r.error.allowed, 24'000'000);
  EXPECT_EQ(c.rig.implant->engine().prescription().continuous_dose, DoseRate(4'000'000));
}

TEST(Commands, OnlyAClinicianMayPrime) {
  Commands c;
  c.rig.start(morphine_continuous(DoseRate(4'000'000)));
  for (const link::Role role : {link::Role::kPatient, link::Role::kService}) {
    const protocol::Response r = c.send(prime_request(8, microlitres(250)), role);
    EXPECT_EQ(r.result, itdd_ResultCode_RESULT_NOT_AUTHORISED);
    EXPECT_TRUE(r.has_error);
  }
  EXPECT_FALSE(allowed(link::Role::kPatient, itdd_Request_prime_catheter_tag));
  EXPECT_FALSE(allowed(link::Role::kService, itdd_Request_prime_catheter_tag));
  EXPECT_TRUE(allowed(link::Role::kClinician, itdd_Request_prime_catheter_tag));
  EXPECT_EQ(c.rig.implant->engine().activity(), Activity::kBasal);
  for (const link::Role role : {link::Role::kPatient, link::Role::kService}) {
    EXPECT_EQ(c.rig.implant->command_outcome(c.lane(role), 8), CommandOutcome::kUnknown);
  }
}

TEST(Commands, ABadPrimeIsRefusedWithItsFieldAndRecordedAsNotApplied) {
  Commands c;
  c.rig.start(morphine_continuous(DoseRate(4'000'000)));
  const protocol::Response too_long = c.send(prime_request(9, millilitres(3)));
  EXPECT_EQ(too_long.result, itdd_ResultCode_RESULT_INVALID);
  EXPECT_STREQ(too_long.error.field, "catheter_volume");
  EXPECT_EQ(c.rig.implant->command_outcome(c.lane(link::Role::kClinician), 9),
            CommandOutcome::kNotApplied);
  const protocol::Response no_id = c.send(prime_request(0, microlitres(250)));
  EXPECT_EQ(no_id.result, itdd_ResultCode_RESULT_INVALID);
  EXPECT_STREQ(no_id.error.field, "command_id");
  EXPECT_EQ(c.rig.implant->engine().activity(), Activity::kBasal);
  // Nothing in the reservoir: refused, the implant's state says why.
  Commands empty;
  const protocol::Response r = empty.send(prime_request(10, microlitres(250)));
  EXPECT_EQ(r.result, itdd_ResultCode_RESULT_REFUSED);
  EXPECT_EQ(empty.rig.implant->engine().activity(), Activity::kStopped);
}

TEST(Commands, InterrogationCountsThePatientsBolusesInTheRolling24Hours) {
  Commands c;
  c.rig.start(with_boluses(3));
  const ImplantTime first = c.rig.now;
  itdd_ImplantStatus st = c.status();
  EXPECT_EQ(st.patient_bolus.used_in_24h, 0u);
  EXPECT_EQ(st.patient_bolus.max_per_24h, 3u);
  EXPECT_EQ(st.patient_bolus.left_in_24h, 3u);
  EXPECT_TRUE(st.patient_bolus.allowed_now);
  EXPECT_FALSE(st.patient_bolus.has_next_allowed_wall_ms);

  protocol::Response d = c.send(patient_bolus_request(21), link::Role::kPatient);
  ASSERT_TRUE(d.payload.patient_bolus.granted);
  EXPECT_EQ(d.payload.patient_bolus.left_in_24h, 2u);
  st = c.status();
  EXPECT_EQ(st.patient_bolus.used_in_24h, 1u);
  EXPECT_EQ(st.patient_bolus.left_in_24h, 2u);
  EXPECT_FALSE(st.patient_bolus.allowed_now);
  EXPECT_EQ(st.patient_bolus.refusal, itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT);
  ASSERT_TRUE(st.patient_bolus.has_next_allowed_wall_ms);
  EXPECT_EQ(st.patient_bolus.next_allowed_wall_ms, c.wall(first + hours(1)));

  // Refused within the lockout: the count does not move.
  d = c.send(patient_bolus_request(22), link::Role::kPatient);
  EXPECT_FALSE(d.payload.patient_bolus.granted);
  EXPECT_EQ(d.payload.patient_bolus.left_in_24h, 2u);

  c.rig.run_for(hours(1));
  ASSERT_TRUE(
      c.send(patient_bolus_request(23), link::Role::kPatient).payload.patient_bolus.granted);
  c.rig.run_for(hours(1));
  d = c.send(patient_bolus_request(24), link::Role::kPatient);
  ASSERT_TRUE(d.payload.patient_bolus.granted);
  EXPECT_EQ(d.payload.patient_bolus.left_in_24h, 0u);
  st = c.status();
  EXPECT_EQ(st.patient_bolus.used_in_24h, 3u);
  EXPECT_EQ(st.patient_bolus.left_in_24h, 0u);
  EXPECT_FALSE(st.patient_bolus.allowed_now);
  EXPECT_EQ(st.patient_bolus.refusal, itdd_BolusRefusal_BOLUS_REFUSAL_DAILY_LIMIT);
  EXPECT_EQ(st.patient_bolus.next_allowed_wall_ms, c.wall(first + hours(24)));

  // 24 hours after the first, its place is free again.
  c.rig.run_until(first + hours(24));
  st = c.status();
  EXPECT_EQ(st.patient_bolus.used_in_24h, 2u);
  EXPECT_EQ(st.patient_bolus.left_in_24h, 1u);
  EXPECT_TRUE(st.patient_bolus.allowed_now);
  EXPECT_FALSE(st.patient_bolus.has_next_allowed_wall_ms);
}

TEST(Commands, InterrogationSaysWhenNoBolusCanBeHad) {
  Commands c;
  c.rig.start(morphine_continuous(DoseRate(4'000'000)));  // no patient boluses
  itdd_ImplantStatus st = c.status();
  EXPECT_EQ(st.patient_bolus.max_per_24h, 0u);
  EXPECT_EQ(st.patient_bolus.left_in_24h, 0u);
  EXPECT_FALSE(st.patient_bolus.allowed_now);
  EXPECT_EQ(st.patient_bolus.refusal, itdd_BolusRefusal_BOLUS_REFUSAL_NOT_ENABLED);
  EXPECT_FALSE(st.patient_bolus.has_next_allowed_wall_ms);
  const protocol::Response d = c.send(patient_bolus_request(31), link::Role::kPatient);
  EXPECT_FALSE(d.payload.patient_bolus.granted);
  EXPECT_EQ(d.payload.patient_bolus.left_in_24h, 0u);

  // A clinician bolus running: allowed by the limits, not by the pump; time lifts it.
  Commands busy;
  busy.rig.start(with_boluses(3));
  ASSERT_TRUE(busy.rig.implant->clinician_bolus(milligrams(1), minutes(30), busy.rig.now).ok());
  st = busy.status();
  EXPECT_FALSE(st.patient_bolus.allowed_now);
  EXPECT_EQ(st.patient_bolus.refusal, itdd_BolusRefusal_BOLUS_REFUSAL_OTHER_BOLUS_RUNNING);
  EXPECT_EQ(st.patient_bolus.next_allowed_wall_ms, busy.wall(busy.rig.now + minutes(30)));
  EXPECT_EQ(st.patient_bolus.left_in_24h, 3u);
}

// A clinician bolus from the radio beyond the implant's own limits is refused with the limit
// named, and nothing starts: at the pump's maximum rate while a patient bolus runs on top (the
// safety monitor would count both and stop the pump). Once the patient bolus has ended the same
// bolus runs its hour, and the safety monitor, counting it, lets it through.
TEST(Commands, ClinicianBolusBeyondThePumpsMaximumRateIsRefused) {
  Commands c;
  c.rig.start(with_boluses(3));
  ASSERT_TRUE(
      c.send(patient_bolus_request(41), link::Role::kPatient).payload.patient_bolus.granted);
  // 25 mg at 25 mg/mL over an hour: 1 mL/h, the pump's maximum, plus the patient bolus.
  protocol::Response r = c.send(clinician_bolus_request(42, milligrams(25), hours(1)));
  EXPECT_EQ(r.result, itdd_ResultCode_RESULT_REFUSED);
  EXPECT_STREQ(r.error.field, "duration");
  EXPECT_NE(std::string(r.error.message).find("pump's maximum rate would be exceeded"),
            std::string::npos)
      << r.error.message;
  EXPECT_NE(c.rig.implant->engine().activity(), Activity::kClinicianBolus);
  // Too long a bolus and too fast a one, with nothing else running, name their limits too.
  c.rig.run_for(minutes(10));
  r = c.send(clinician_bolus_request(43, milligrams(1), hours(25)));
  EXPECT_EQ(r.result, itdd_ResultCode_RESULT_INVALID);
  EXPECT_STREQ(r.error.message, "must be between 1 minute and 24 hours");
  r = c.send(clinician_bolus_request(44, milligrams(25) + DrugAmount(25), hours(1)));
  EXPECT_EQ(r.result, itdd_ResultCode_RESULT_INVALID);
  EXPECT_STREQ(r.error.message, "too short: the bolus would exceed the pump's maximum rate");

  r = c.send(clinician_bolus_request(45, milligrams(25), hours(1)));
  ASSERT_EQ(r.result, itdd_ResultCode_RESULT_OK) << r.error.message;
  c.rig.run_for(hours(1) + minutes(1));
  EXPECT_EQ(c.rig.implant->engine().activity(), Activity::kBasal);
}

}  // namespace
}  // namespace itdd::app
