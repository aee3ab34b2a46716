// The programmer's client against the implant's radio, in one process: every frame the client
// sends goes through ImplantRadio::on_frame and every reply comes back, with the link's real
// cryptography (libsodium). What the secured link must refuse (docs/threat-model.md, 5.3) is
// refused here with the implant's state unchanged, and a command is never applied twice nor
// reported as applied when nobody knows.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../firmware/power/test/test_battery_config.h"
#include "../firmware/therapy/test/test_prescriptions.h"
#include "itdd/app/implant.h"
#include "itdd/app/radio.h"
#include "itdd/hal/fake_buzzer.h"
#include "itdd/hal/fake_motor.h"
#include "itdd/hal/fake_nvm.h"
#include "itdd/hal/fake_power_sense.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/requests.h"
#include "itdd/protocol/prescription_wire.h"
#include "itdd/storage/layout.h"
#include "radio_rig.h"

namespace itdd {
namespace {

using programmer::Delivery;

using testing::Device;
using testing::Implanted;
using testing::is_error_frame;
using testing::kStart;
using testing::Loopback;
using testing::new_keys;
using testing::provisioned;

using programmer::interrogate_request;

// The device's journal lane on the implant (its slot in the peer table).
app::CommandSource lane(Implanted& i, const Device& d) {
  const link::LinkState& state = i.radio->responder()->state();
  const std::int32_t slot = link::find_peer(state, d.keys.public_key);
  EXPECT_GE(slot, 0);
  return app::command_source(state, state.peers[static_cast<std::size_t>(slot)].id).value();
}

protocol::Request revoke_request(const link::PublicKey& device) {
  protocol::Request r{};
  r.which_payload = itdd_Request_revoke_paired_device_tag;
  r.payload.revoke_paired_device.device_id.size = static_cast<pb_size_t>(device.size());
  std::copy(device.begin(), device.end(), r.payload.revoke_paired_device.device_id.bytes);
  return r;
}

// The event log's records with this link outcome.
std::vector<storage::LogRecord> link_records(Implanted& i, link::Outcome outcome) {
  std::vector<storage::LogRecord> records(6000);
  const std::size_t n = i.implant->event_log().read_from(1, records).value();
  std::vector<storage::LogRecord> out;
  for (std::size_t k = 0; k < n; ++k) {
    if (records[k].code ==
        app::kLinkLogCodeFirst + static_cast<std::uint16_t>(static_cast<std::uint8_t>(outcome))) {
      out.push_back(records[k]);
    }
  }
  return out;
}

link::PeerId peer_id(Implanted& i, const hal::KeyPair& keys) {
  const link::LinkState& state = i.radio->responder()->state();
  const std::int32_t slot = link::find_peer(state, keys.public_key);
  return slot < 0 ? link::kNoPeer : state.peers[static_cast<std::size_t>(slot)].id;
}

protocol::Response interrogate(Device& d) {
  const Result<protocol::Response> r = d.client.call(interrogate_request());
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : protocol::Response{};
}

protocol::Request refill_request(std::uint64_t id, std::int64_t volume_ml) {
  return programmer::refill_request(id, therapy::make_drug("morphine", DoseUnit::kMilligram),
                                    therapy::testing::kMorphine25, millilitres(volume_ml))
      .value();
}

protocol::Request program_request(std::uint64_t id, std::uint64_t token,
                                  const therapy::Prescription& rx) {
  return programmer::program_request(id, token, rx).value();
}

// 1 mg over 30 minutes.
protocol::Request clinician_bolus_request(std::uint64_t id) {
  return programmer::clinician_bolus_request(id, DrugAmount(1'000'000), minutes(30));
}

therapy::Prescription with_patient_bolus() {
  therapy::Prescription rx = therapy::testing::morphine_continuous(DoseRate(4'000'000));
  rx.patient_bolus = therapy::testing::patient_bolus(DrugAmount(500'000), minutes(10), 4, hours(3));
  return rx;
}

// A filled and programmed implant and its clinician.
struct Clinic {
  Implanted implanted;
  std::unique_ptr<Device> clinician = provisioned(implanted, link::Role::kClinician);

  Clinic() {
    EXPECT_EQ(clinician->client.command(refill_request(11, 18), 11).delivery, Delivery::kApplied);
    const std::uint64_t token = interrogate(*clinician).payload.status.prescription_token;
    EXPECT_EQ(
        clinician->client.command(program_request(12, token, with_patient_bolus()), 12).delivery,
        Delivery::kApplied);
  }
  std::uint64_t token() { return implanted.implant->prescription_token(); }
  std::uint32_t newest_log_seq() { return implanted.implant->event_log().newest_seq(); }
};

TEST(RadioEndToEnd, AProvisionedClinicianFillsProgramsAndReadsItBack) {
  Clinic c;
  const protocol::Response r = interrogate(*c.clinician);
  ASSERT_EQ(r.result, itdd_ResultCode_RESULT_OK);
  const itdd_ImplantStatus& st = r.payload.status;
  EXPECT_EQ(st.reservoir.remaining_nl, millilitres(18).count());
  EXPECT_EQ(st.activity, itdd_Activity_ACTIVITY_BASAL);
  EXPECT_EQ(st.prescription.continuous_dose_ng_per_day, 4'000'000);
  EXPECT_EQ(st.prescription_token, c.token());
  EXPECT_TRUE(st.has_battery);
  EXPECT_EQ(st.battery.status, itdd_BatteryStatus_BATTERY_STATUS_OK);
  EXPECT_TRUE(st.reservoir.has_low_at_wall_ms);
}

TEST(RadioEndToEnd, AStaleTokenCannotOverwriteANewerProgram) {
  Clinic c;
  const std::uint64_t before = c.token();
  const programmer::CommandResult r =
      c.clinician->client.command(program_request(21, before ^ 1, with_patient_bolus()), 21);
  EXPECT_EQ(r.delivery, Delivery::kNotApplied);
  ASSERT_TRUE(r.response.has_value());
  EXPECT_EQ(r.response->result, itdd_ResultCode_RESULT_STALE_TOKEN);
  EXPECT_EQ(c.token(), before);
}

// The implant's refusal of a rate under the pump's minimum reaches the programmer with both
// rates, and the programmer says them.
TEST(RadioEndToEnd, ARateRefusalSaysTheRequestedAndTheAllowedRate) {
  Clinic c;
  const std::uint64_t before = c.token();
  therapy::Prescription rx = with_patient_bolus();
  rx.continuous_dose = DoseRate(1'000'000);  // 1 mg/day at 25 mg/mL: 0.04 mL/day
  const programmer::CommandResult r =
      c.clinician->client.command(program_request(22, before, rx), 22);
  EXPECT_EQ(r.delivery, Delivery::kNotApplied);
  ASSERT_TRUE(r.response.has_value());
  EXPECT_EQ(r.response->error.requested, 40'000);
  EXPECT_EQ(r.response->error.allowed, 48'000);
  EXPECT_NE(r.detail.find("0.04 mL/day requested, this pump's minimum is 0.048 mL/day"),
            std::string::npos)
      << r.detail;
  EXPECT_EQ(c.token(), before);
}

TEST(RadioEndToEnd, AnUnpairedProgrammerIsRefusedAndChangesNothing) {
  Clinic c;
  const std::uint64_t token = c.token();
  Device stranger(c.implanted, new_keys(c.implanted.crypto));
  EXPECT_FALSE(stranger.client.connect().ok());
  EXPECT_FALSE(stranger.client.command(clinician_bolus_request(31), 31).delivery ==
               Delivery::kApplied);
  EXPECT_EQ(c.token(), token);
  EXPECT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kBasal);
}

TEST(RadioEndToEnd, AReplayedFrameIsRefusedAndChangesNothing) {
  Clinic c;
  // The bolus command's record, as a radio listener would have recorded it.
  ASSERT_EQ(c.clinician->client.command(clinician_bolus_request(41), 41).delivery,
            Delivery::kApplied);
  const std::vector<std::uint8_t> recorded = c.clinician->loop.sent.back();
  c.implanted.advance(hours(1));  // the bolus has ended
  ASSERT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kBasal);
  const Volume delivered = c.implanted.implant->engine().delivered();
  // Replayed in the same session, then into a later session: refused both times.
  const std::vector<std::uint8_t> first = c.clinician->loop.raw(recorded);
  EXPECT_TRUE(is_error_frame(first)) << first.size();
  ASSERT_TRUE(c.clinician->client.close().ok());
  ASSERT_TRUE(c.clinician->client.connect().ok());
  EXPECT_TRUE(is_error_frame(c.clinician->loop.raw(recorded)));
  EXPECT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kBasal);
  EXPECT_EQ(c.implanted.implant->engine().delivered(), delivered);
}

TEST(RadioEndToEnd, ATamperedFrameIsRefusedAndChangesNothing) {
  Clinic c;
  ASSERT_TRUE(c.clinician->client.connect().ok());
  // A bolus request sealed for this session, changed in flight: one ciphertext bit, with the
  // frame's CRC made right again (the CRC is no defence; the record's tag is).
  protocol::Request req = clinician_bolus_request(51);
  std::vector<std::uint8_t> plain(protocol::kMaxMessageSize);
  const std::size_t n = protocol::encode(req, plain).value();
  link::Initiator evil_twin(c.implanted.crypto, c.clinician->keys, c.implanted.radio->public_key());
  Loopback wire(c.implanted);
  const link::HelloBytes hello = evil_twin.hello().value();
  std::vector<std::uint8_t> frame(protocol::kMaxFrameSize);
  frame.resize(protocol::encode_frame(protocol::FrameType::kHandshake, hello, frame).value());
  const std::vector<std::uint8_t> accept_frame = wire.raw(frame);
  ASSERT_FALSE(is_error_frame(accept_frame));
  ASSERT_TRUE(
      evil_twin.on_accept(protocol::decode_frame(accept_frame)->payload, ImplantTime(0)).ok());
  std::vector<std::uint8_t> sealed(link::kMaxRecordSize);
  sealed.resize(evil_twin.seal(std::span(plain.data(), n), sealed, ImplantTime(0)).value());
  sealed[sealed.size() / 2] ^= 0x01;
  frame.assign(protocol::kMaxFrameSize, 0);
  frame.resize(protocol::encode_frame(protocol::FrameType::kRecord, sealed, frame).value());
  EXPECT_TRUE(is_error_frame(wire.raw(frame)));
  // Damaged without the CRC fixed: dropped as radio noise, not answered.
  frame[frame.size() / 2] ^= 0x10;
  EXPECT_TRUE(wire.raw(frame).empty());
  EXPECT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kBasal);
  EXPECT_EQ(c.implanted.implant->command_outcome(lane(c.implanted, *c.clinician), 51),
            app::CommandOutcome::kUnknown);
}

TEST(RadioEndToEnd, APatientDeviceMayAskForABolusButNeverProgram) {
  Clinic c;
  // The clinician opens a pairing window for a patient device; the patient types the code.
  const Result<protocol::Response> window =
      c.clinician->client.call(programmer::open_pairing_request(link::Role::kPatient, Duration(0)));
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->result, itdd_ResultCode_RESULT_OK);
  const std::string code = window->payload.pairing_window.code;
  ASSERT_EQ(code.size(), 6u);
  const hal::KeyPair patient_keys = new_keys(c.implanted.crypto);
  Loopback pairing_wire(c.implanted);
  const Result<link::Paired> paired = programmer::pair(
      c.implanted.crypto, patient_keys, code, pairing_wire, std::chrono::milliseconds(100));
  ASSERT_TRUE(paired.ok()) << paired.error().message;
  EXPECT_EQ(paired->role, link::Role::kPatient);

  Device patient(c.implanted, patient_keys);
  const std::uint64_t token = c.token();
  const programmer::CommandResult prog =
      patient.client.command(program_request(61, token, with_patient_bolus()), 61);
  EXPECT_EQ(prog.delivery, Delivery::kNotApplied);
  ASSERT_TRUE(prog.response.has_value());
  EXPECT_EQ(prog.response->result, itdd_ResultCode_RESULT_NOT_AUTHORISED);
  EXPECT_EQ(c.token(), token);
  // Nor silence a critical alarm, nor open a window for a clinician device.
  const programmer::CommandResult granted =
      patient.client.command(programmer::patient_bolus_request(62), 62);
  EXPECT_EQ(granted.delivery, Delivery::kApplied);
  ASSERT_TRUE(granted.response.has_value());
  EXPECT_TRUE(granted.response->payload.patient_bolus.granted);
  // A second one at once: within the lockout, refused with the time it will be allowed.
  const programmer::CommandResult refused =
      patient.client.command(programmer::patient_bolus_request(63), 63);
  ASSERT_TRUE(refused.response.has_value());
  EXPECT_FALSE(refused.response->payload.patient_bolus.granted);
  EXPECT_EQ(refused.response->payload.patient_bolus.refusal,
            itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT);
  EXPECT_TRUE(refused.response->payload.patient_bolus.has_next_allowed_wall_ms);
}

TEST(RadioEndToEnd, ServiceMayNotPairAClinicianDevice) {
  Clinic c;
  std::unique_ptr<Device> service = provisioned(c.implanted, link::Role::kService);
  const Result<protocol::Response> r =
      service->client.call(programmer::open_pairing_request(link::Role::kClinician, Duration(0)));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->result, itdd_ResultCode_RESULT_NOT_AUTHORISED);
  EXPECT_FALSE(c.implanted.radio->responder()->pairing().open);
}

TEST(RadioEndToEnd, StrangersLockNobodyOutAndFloodNoLog) {
  Clinic c;
  const std::uint32_t seq_before = c.newest_log_seq();
  const std::uint64_t epoch_before = c.implanted.radio->responder()->state().epoch;
  for (int i = 0; i < 50; ++i) {
    Device guess(c.implanted, new_keys(c.implanted.crypto));
    const Status s = guess.client.connect();
    ASSERT_FALSE(s.ok());
    // Answered within the budget ("not paired"); then silence.
    EXPECT_TRUE(std::string_view(s.error().field) == "implant.not_paired" ||
                std::string_view(s.error().field) == "transport")
        << s.error().field;
  }
  // Junk that claims no paired key raises nobody's backoff: the clinician gets in at once.
  EXPECT_FALSE(c.implanted.radio->responder()->locked_out(
      c.implanted.radio->responder()->state().peers[0].id, c.implanted.now));
  EXPECT_EQ(interrogate(*c.clinician).result, itdd_ResultCode_RESULT_OK);
  // Fifty refusals, at most the log's budget of records: the log cannot be flushed from the
  // radio (the rest are counted and summarised by reason).
  EXPECT_LE(c.newest_log_seq() - seq_before, 10u + 2u);  // + the clinician's session records
  EXPECT_EQ(c.implanted.radio->responder()->state().epoch, epoch_before);
}

TEST(RadioEndToEnd, ALostReplyNeverAppliesACommandTwice) {
  Clinic c;
  // The implant applies the bolus, but its reply is lost; the client asks again with the same
  // command id and is told it was applied: one bolus, not two.
  c.clinician->loop.lose_replies = 1;
  const programmer::CommandResult r = c.clinician->client.command(clinician_bolus_request(71), 71);
  EXPECT_EQ(r.delivery, Delivery::kApplied);
  EXPECT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kClinicianBolus);
  EXPECT_EQ(c.implanted.implant->command_outcome(lane(c.implanted, *c.clinician), 71),
            app::CommandOutcome::kApplied);
  c.implanted.advance(hours(1));
  const Volume after_one = c.implanted.implant->engine().delivered();
  // Sending it once more by hand: answered with what happened then, not run again.
  const programmer::CommandResult again =
      c.clinician->client.command(clinician_bolus_request(71), 71);
  EXPECT_EQ(again.delivery, Delivery::kApplied);
  ASSERT_TRUE(again.response.has_value());
  EXPECT_EQ(again.response->which_payload, itdd_Response_command_status_tag);
  EXPECT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kBasal);
  c.implanted.advance(minutes(30));
  EXPECT_LT(c.implanted.implant->engine().delivered() - after_one, microlitres(100));
}

TEST(RadioEndToEnd, APrimingIsAppliedOnceAndOnlyForAClinician) {
  Clinic c;
  std::unique_ptr<Device> patient = provisioned(c.implanted, link::Role::kPatient);
  const programmer::CommandResult refused =
      patient->client.command(programmer::prime_request(74, microlitres(250)), 74);
  EXPECT_EQ(refused.delivery, Delivery::kNotApplied);
  ASSERT_TRUE(refused.response.has_value());
  EXPECT_EQ(refused.response->result, itdd_ResultCode_RESULT_NOT_AUTHORISED);
  EXPECT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kBasal);
  // The reply is lost: the client asks, the implant says it primed; once.
  c.clinician->loop.lose_replies = 1;
  const programmer::CommandResult r =
      c.clinician->client.command(programmer::prime_request(75, microlitres(250)), 75);
  EXPECT_EQ(r.delivery, Delivery::kApplied) << r.detail;
  EXPECT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kPriming);
  const ImplantTime ends = c.implanted.implant->engine().scheduler().override_delivery().end;
  c.implanted.advance(minutes(5));
  const programmer::CommandResult again =
      c.clinician->client.command(programmer::prime_request(75, microlitres(250)), 75);
  EXPECT_EQ(again.delivery, Delivery::kApplied);
  ASSERT_TRUE(again.response.has_value());
  EXPECT_EQ(again.response->which_payload, itdd_Response_command_status_tag);
  EXPECT_EQ(c.implanted.implant->engine().scheduler().override_delivery().end, ends);
  EXPECT_EQ(interrogate(*c.clinician).payload.status.catheter_volume_nl, 250'000);
}

TEST(RadioEndToEnd, WhenNobodyCanKnowTheClientSaysUncertain) {
  Clinic c;
  c.clinician->loop.lose_replies = 1'000;  // the link dies after the command leaves
  const programmer::CommandResult r = c.clinician->client.command(clinician_bolus_request(81), 81);
  EXPECT_EQ(r.delivery, Delivery::kUncertain);
  // (The implant did apply it: exactly why the client must not guess "not applied".)
  EXPECT_EQ(c.implanted.implant->command_outcome(lane(c.implanted, *c.clinician), 81),
            app::CommandOutcome::kApplied);
}

TEST(RadioEndToEnd, WhatWasAppliedIsKnownAfterAResetAndTheKeysStay) {
  Clinic c;
  ASSERT_EQ(c.clinician->client.command(clinician_bolus_request(91), 91).delivery,
            Delivery::kApplied);
  const link::PublicKey key = c.implanted.radio->public_key();
  const std::uint64_t epoch = c.implanted.radio->responder()->state().epoch;
  c.implanted.now = c.implanted.now + minutes(1);
  c.implanted.power_up();  // a reset: RAM gone, flash kept
  EXPECT_EQ(c.implanted.radio->public_key(), key);
  EXPECT_EQ(c.implanted.radio->responder()->state().epoch, epoch);
  Device again(c.implanted, c.clinician->keys);
  const Result<protocol::Response> r = again.client.call(programmer::query_command_request(91));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload.command_status.state, itdd_CommandState_COMMAND_STATE_APPLIED);
  EXPECT_EQ(again.client.call(programmer::query_command_request(92))->payload.command_status.state,
            itdd_CommandState_COMMAND_STATE_UNKNOWN);
}

// Pairs a new device of `role` through a window the `opener` opens; its keys, or nothing.
std::optional<hal::KeyPair> pair_device(Implanted& i, Device& opener, link::Role role) {
  const Result<protocol::Response> window =
      opener.client.call(programmer::open_pairing_request(role, Duration(0)));
  if (!window.ok() || window->result != itdd_ResultCode_RESULT_OK) return std::nullopt;
  const hal::KeyPair keys = new_keys(i.crypto);
  Loopback wire(i);
  const Result<link::Paired> paired = programmer::pair(
      i.crypto, keys, window->payload.pairing_window.code, wire, std::chrono::milliseconds(100));
  if (!paired.ok()) return std::nullopt;
  return keys;
}

// The findings: a service session removed the implant's only clinician (nothing over
// the radio could pair one again), and paired its own device as a patient's, with bolus rights.
TEST(RadioEndToEnd, AServiceToolCanNeitherRevokeTheClinicianNorPairAPatientDevice) {
  Clinic c;
  std::unique_ptr<Device> service = provisioned(c.implanted, link::Role::kService);
  const link::PeerId clinician = peer_id(c.implanted, c.clinician->keys);
  const Result<protocol::Response> revoked =
      service->client.call(revoke_request(c.clinician->keys.public_key));
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->result, itdd_ResultCode_RESULT_NOT_AUTHORISED);
  EXPECT_STREQ(revoked->error.field, "device_id");
  EXPECT_EQ(peer_id(c.implanted, c.clinician->keys), clinician);
  // The attempt is in the log, with who made it.
  const std::vector<storage::LogRecord> refused =
      link_records(c.implanted, link::Outcome::kPeerRemovalRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].a, clinician);
  EXPECT_EQ(refused[0].b, app::link_who(peer_id(c.implanted, service->keys), link::Role::kService,
                                        link::Role::kClinician));
  // No patient window either; a service tool's own kind it may still pair.
  const Result<protocol::Response> window =
      service->client.call(programmer::open_pairing_request(link::Role::kPatient, Duration(0)));
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->result, itdd_ResultCode_RESULT_NOT_AUTHORISED);
  EXPECT_FALSE(c.implanted.radio->responder()->pairing().open);
  const std::optional<hal::KeyPair> tool = pair_device(c.implanted, *service, link::Role::kService);
  ASSERT_TRUE(tool.has_value());
  // The clinician still programs the pump.
  EXPECT_EQ(c.clinician->client.command(program_request(16, c.token(), with_patient_bolus()), 16)
                .delivery,
            Delivery::kApplied);
}

TEST(RadioEndToEnd, TheLastClinicianCannotBeRevokedAndEveryChangeSaysWhoMadeIt) {
  Clinic c;
  const link::PeerId clinician = peer_id(c.implanted, c.clinician->keys);
  const Result<protocol::Response> self =
      c.clinician->client.call(revoke_request(c.clinician->keys.public_key));
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self->result, itdd_ResultCode_RESULT_REFUSED);
  EXPECT_NE(std::string(self->error.message).find("last clinician"), std::string::npos);
  EXPECT_EQ(peer_id(c.implanted, c.clinician->keys), clinician);
  // The clinician pairs a patient device, then revokes it: both in the log with who did it.
  const std::optional<hal::KeyPair> ptm =
      pair_device(c.implanted, *c.clinician, link::Role::kPatient);
  ASSERT_TRUE(ptm.has_value());
  const link::PeerId patient = peer_id(c.implanted, *ptm);
  const Result<protocol::Response> revoked =
      c.clinician->client.call(revoke_request(ptm->public_key));
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->result, itdd_ResultCode_RESULT_OK);
  EXPECT_EQ(peer_id(c.implanted, *ptm), link::kNoPeer);
  const std::vector<storage::LogRecord> opened =
      link_records(c.implanted, link::Outcome::kPairingOpened);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].b, app::link_who(clinician, link::Role::kClinician, link::Role::kPatient,
                                       link::kPairingValidity.count() / kMillisPerSecond));
  const std::vector<storage::LogRecord> paired = link_records(c.implanted, link::Outcome::kPaired);
  ASSERT_EQ(paired.size(), 1u);
  EXPECT_EQ(paired[0].a, patient);
  EXPECT_EQ(paired[0].b, app::link_who(clinician, link::Role::kClinician, link::Role::kPatient));
  const std::vector<storage::LogRecord> removed =
      link_records(c.implanted, link::Outcome::kPeerRemoved);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].a, patient);
  EXPECT_EQ(removed[0].b, app::link_who(clinician, link::Role::kClinician, link::Role::kPatient));
  const std::vector<storage::LogRecord> refused =
      link_records(c.implanted, link::Outcome::kPeerRemovalRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].reason, static_cast<std::uint8_t>(link::Reason::kLastClinician));
}

// The finding: 32 patient-bolus requests pushed a clinician's refill out of the
// implant's journal; the refill sent again with its id filled the reservoir a second time, and
// the programmer took the journal's "unknown" for "not applied".
TEST(RadioEndToEnd, PatientTrafficNeverMakesAClinicianRefillApplyTwice) {
  Clinic c;
  std::unique_ptr<Device> patient = provisioned(c.implanted, link::Role::kPatient);
  // Boluses as often as the pump allows: 0.5 mg over 10 minutes, one every 10 minutes, 24 a day.
  therapy::Prescription rx = with_patient_bolus();
  rx.patient_bolus =
      therapy::testing::patient_bolus(DrugAmount(500'000), minutes(10), 24, minutes(10));
  ASSERT_EQ(c.clinician->client.command(program_request(13, c.token(), rx), 13).delivery,
            Delivery::kApplied);
  c.implanted.advance(hours(1));
  ASSERT_EQ(interrogate(*c.clinician).result, itdd_ResultCode_RESULT_OK);  // a live session
  // The refill is applied, and the link dies before any answer comes back.
  c.clinician->loop.lose_replies = 1'000;
  EXPECT_EQ(c.clinician->client.command(refill_request(5001, 18), 5001).delivery,
            Delivery::kUncertain);
  c.clinician->loop.lose_replies = 0;
  c.clinician->loop.replies.clear();
  c.implanted.advance(minutes(1));  // the lockout the unanswered handshakes started is over
  const std::int64_t remaining = interrogate(*c.clinician).payload.status.reservoir.remaining_nl;
  // The patient's device asks for a bolus every five minutes for four hours: every other one is
  // granted, the rest refused (within the lockout).
  int granted = 0;
  int refused = 0;
  for (int k = 0; k < 48; ++k) {
    c.implanted.advance(minutes(5));
    const std::uint64_t id = programmer::new_command_id(c.implanted.crypto);
    const programmer::CommandResult r =
        patient->client.command(programmer::patient_bolus_request(id), id);
    ASSERT_TRUE(r.response.has_value());
    (r.response->payload.patient_bolus.granted ? granted : refused) += 1;
  }
  // Far more than any shared journal would hold, of both kinds.
  EXPECT_GE(granted, 20);
  EXPECT_GE(refused, 20);
  // The clinic asks what became of the refill, and sends it again: applied once, and only once.
  const Result<protocol::Response> status =
      c.clinician->client.call(programmer::query_command_request(5001));
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(programmer::delivery_of(status->payload.command_status.state), Delivery::kApplied);
  const std::int64_t before = interrogate(*c.clinician).payload.status.reservoir.remaining_nl;
  EXPECT_LT(before, remaining);  // the patient's boluses came out of it
  const programmer::CommandResult again =
      c.clinician->client.command(refill_request(5001, 18), 5001);
  EXPECT_EQ(again.delivery, Delivery::kApplied);
  ASSERT_TRUE(again.response.has_value());
  EXPECT_EQ(again.response->which_payload, itdd_Response_command_status_tag);
  EXPECT_EQ(interrogate(*c.clinician).payload.status.reservoir.remaining_nl, before);
}

// A command the implant has no record of may have been applied and forgotten as well as never
// received: the programmer says "uncertain - interrogate", never "not applied".
TEST(RadioEndToEnd, AnIdTheImplantDoesNotKnowIsUncertainNotNotApplied) {
  Clinic c;
  // Every send of the bolus is lost on the way (three attempts); the question gets through.
  c.clinician->loop.drop_records = 3;
  const programmer::CommandResult r = c.clinician->client.command(clinician_bolus_request(83), 83);
  EXPECT_EQ(r.delivery, Delivery::kUncertain) << r.detail;
  EXPECT_NE(r.detail.find("no record"), std::string::npos) << r.detail;
  EXPECT_EQ(c.implanted.implant->command_outcome(lane(c.implanted, *c.clinician), 83),
            app::CommandOutcome::kUnknown);
  EXPECT_EQ(c.implanted.implant->engine().activity(), engine::Activity::kBasal);
  EXPECT_EQ(programmer::delivery_of(itdd_CommandState_COMMAND_STATE_UNKNOWN), Delivery::kUncertain);
  EXPECT_EQ(programmer::delivery_of(itdd_CommandState_COMMAND_STATE_NOT_APPLIED),
            Delivery::kNotApplied);
}

TEST(RadioEndToEnd, SessionsAreWrittenToTheEventLog) {
  Clinic c;
  std::vector<storage::LogRecord> records(6000);
  const std::size_t n = c.implanted.implant->event_log().read_from(1, records).value();
  int opened = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (records[i].code ==
        app::kLinkLogCodeFirst + static_cast<std::uint16_t>(link::Outcome::kSessionOpened)) {
      ++opened;
    }
  }
  EXPECT_GE(opened, 1);
  // Each authenticated session's radio energy is counted by the battery monitor.
  EXPECT_GE(c.implanted.implant->battery()->state().radio_sessions, 1);
}

// `itdd programmer devices` shows when each device last opened a session: its newest one, kept
// across a reset (rebuilt from the event log), and nothing for a device that never connected.
TEST(RadioEndToEnd, PairedDevicesSayWhenEachWasLastSeenAcrossAReset) {
  Implanted i;
  auto clinician = provisioned(i, link::Role::kClinician);
  auto patient = provisioned(i, link::Role::kPatient);
  auto spare = provisioned(i, link::Role::kService);  // never connects
  const auto session_at = [&](Device& d) {
    const ImplantTime at = i.now;
    interrogate(d);
    EXPECT_TRUE(d.client.close().ok());
    return at;
  };
  session_at(*patient);
  i.advance(hours(1));
  const ImplantTime patient_seen = session_at(*patient);  // the newest counts
  i.advance(hours(2));
  const auto list = [&](Device& d) {
    const Result<protocol::Response> r = d.client.call(programmer::list_paired_devices_request());
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->which_payload, itdd_Response_paired_devices_tag);
    return r.ok() ? r->payload.paired_devices : itdd_PairedDevices{};
  };
  const auto check = [&](const itdd_PairedDevices& l, ImplantTime clinician_seen) {
    ASSERT_EQ(l.devices_count, 3u);
    for (pb_size_t k = 0; k < l.devices_count; ++k) {
      const itdd_PairedDevice& d = l.devices[k];
      EXPECT_EQ(d.peer_id, k + 1);
      switch (d.role) {
        case itdd_Role_ROLE_CLINICIAN:
          EXPECT_TRUE(d.seen);
          EXPECT_EQ(d.last_seen_wall_ms, kStart.ms() + clinician_seen.ms());
          break;
        case itdd_Role_ROLE_PATIENT:
          EXPECT_TRUE(d.seen);
          EXPECT_EQ(d.last_seen_wall_ms, kStart.ms() + patient_seen.ms());
          break;
        default:
          EXPECT_FALSE(d.seen);
          EXPECT_EQ(d.last_seen_wall_ms, 0);
      }
    }
  };
  const ImplantTime clinician_seen = i.now;
  check(list(*clinician), clinician_seen);
  (void)clinician->client.close();

  i.advance(minutes(5));
  i.power_up();  // a reset: RAM gone, flash (and the event log) kept
  Device again(i, clinician->keys);
  const ImplantTime seen_again = i.now;
  check(list(again), seen_again);
  (void)spare;
}

}  // namespace
}  // namespace itdd
