// The patient device's decisions: which keys it starts with, and what each possible answer to a
// bolus request means (granted, refused by the pump's rules with when to try again, not
// authorised, not given, uncertain), including the answers lost in the air.
#include "itdd/ptm/patient_device.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "itdd/programmer/key_files.h"

namespace itdd::ptm {
namespace {

constexpr std::int64_t kNow = 1'767'618'000'000;  // 2026-01-05 13:00
constexpr std::int64_t kHour = 3'600'000;
constexpr std::uint64_t kId = 0x1234;

itdd_ImplantStatus wire_status_with_boluses() {
  itdd_ImplantStatus s{};
  s.activity = itdd_Activity_ACTIVITY_BASAL;
  s.has_prescription = true;
  s.prescription.mode = itdd_BasalMode_BASAL_MODE_CONTINUOUS;
  s.prescription.has_drug = true;
  std::strcpy(s.prescription.drug.name, "morphine");
  s.prescription.drug.unit = itdd_DoseUnit_DOSE_UNIT_MILLIGRAM;
  s.prescription.has_patient_bolus = true;
  s.prescription.patient_bolus = {true, 500'000, 600'000, 3, 3'600'000};
  s.has_patient_bolus = true;
  s.patient_bolus = {0, 3, 3, true, itdd_BolusRefusal_BOLUS_REFUSAL_NONE, false, 0};
  s.wall_ms = kNow;
  s.clock_valid = true;
  return s;
}

// The host's model of it, as the patient's device works on it.
programmer::ImplantStatus status_with_boluses() {
  return programmer::implant_status_from_wire(wire_status_with_boluses()).value();
}

protocol::Response decision(bool granted, itdd_BolusRefusal why, std::uint32_t left,
                            std::optional<std::int64_t> next_allowed = std::nullopt) {
  protocol::Response r{};
  r.result = itdd_ResultCode_RESULT_OK;
  r.which_payload = itdd_Response_patient_bolus_tag;
  r.payload.patient_bolus.granted = granted;
  r.payload.patient_bolus.refusal = why;
  r.payload.patient_bolus.left_in_24h = left;
  r.payload.patient_bolus.has_next_allowed_wall_ms = next_allowed.has_value();
  r.payload.patient_bolus.next_allowed_wall_ms = next_allowed.value_or(0);
  return r;
}

programmer::CommandResult answered(programmer::Delivery d, protocol::Response r) {
  programmer::CommandResult c;
  c.delivery = d;
  c.learned = programmer::LearnedFrom::kAnswer;
  c.response = r;
  return c;
}

TEST(PatientBolus, GrantedWithTheDoseAndWhatIsLeft) {
  const BolusOutcome b =
      judge_bolus(answered(programmer::Delivery::kApplied,
                           decision(true, itdd_BolusRefusal_BOLUS_REFUSAL_NONE, 2)),
                  kId, status_with_boluses());
  EXPECT_EQ(b.answer, BolusAnswer::kGranted);
  EXPECT_FALSE(b.answer_lost);
  EXPECT_EQ(b.dose, "0.500 mg");
  EXPECT_EQ(b.left_in_24h, 2u);
  EXPECT_EQ(b.command_id, kId);
}

TEST(PatientBolus, RefusedByThePumpsRulesSaysWhyAndWhen) {
  const BolusOutcome b = judge_bolus(
      answered(programmer::Delivery::kNotApplied,
               decision(false, itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT, 2, kNow + kHour)),
      kId, status_with_boluses());
  EXPECT_EQ(b.answer, BolusAnswer::kRefused);
  EXPECT_EQ(b.refusal_name, "lockout");
  EXPECT_EQ(b.reason, "too soon after your last bolus: the next is allowed at 14:00");
  ASSERT_TRUE(b.next_allowed.has_value());
  EXPECT_EQ(*b.next_allowed, "2026-01-05 14:00");
  const BolusOutcome limit =
      judge_bolus(answered(programmer::Delivery::kNotApplied,
                           decision(false, itdd_BolusRefusal_BOLUS_REFUSAL_NOT_ENABLED, 0)),
                  kId, status_with_boluses());
  EXPECT_EQ(limit.answer, BolusAnswer::kRefused);
  EXPECT_FALSE(limit.next_allowed.has_value());
}

TEST(PatientBolus, ADeviceNotAuthorisedIsToldSo) {
  protocol::Response r{};
  r.result = itdd_ResultCode_RESULT_NOT_AUTHORISED;
  EXPECT_EQ(judge_bolus(answered(programmer::Delivery::kNotApplied, r), kId, status_with_boluses())
                .answer,
            BolusAnswer::kNotAuthorised);
  r.result = itdd_ResultCode_RESULT_REFUSED;
  EXPECT_EQ(judge_bolus(answered(programmer::Delivery::kNotApplied, r), kId, status_with_boluses())
                .answer,
            BolusAnswer::kNotGiven);
}

TEST(PatientBolus, NoAnswerAtAllIsNotGivenOrUncertainNeverGranted) {
  programmer::CommandResult failed;
  failed.delivery = programmer::Delivery::kNotApplied;
  failed.detail = "the implant did not answer";
  const BolusOutcome b = judge_bolus(failed, kId, status_with_boluses());
  EXPECT_EQ(b.answer, BolusAnswer::kNotGiven);
  EXPECT_FALSE(b.answer_lost);
  programmer::CommandResult unknown;
  unknown.delivery = programmer::Delivery::kUncertain;
  EXPECT_EQ(judge_bolus(unknown, kId, status_with_boluses()).answer, BolusAnswer::kUncertain);
}

// The decision was lost, but the implant, asked about the command id, says what it did.
TEST(PatientBolus, ALostAnswerIsWhatTheImplantSaysItDid) {
  programmer::CommandResult applied;
  applied.delivery = programmer::Delivery::kApplied;
  applied.learned = programmer::LearnedFrom::kStatusQuery;
  BolusOutcome b = judge_bolus(applied, kId, status_with_boluses());
  EXPECT_EQ(b.answer, BolusAnswer::kGranted);
  EXPECT_TRUE(b.answer_lost);
  programmer::CommandResult none = applied;
  none.delivery = programmer::Delivery::kNotApplied;
  protocol::Response ok{};
  ok.result = itdd_ResultCode_RESULT_OK;
  none.response = ok;  // a status answer, not the decision
  b = judge_bolus(none, kId, status_with_boluses());
  EXPECT_EQ(b.answer, BolusAnswer::kNotGiven);
  EXPECT_TRUE(b.answer_lost);
}

class PairingFile : public ::testing::Test {
 protected:
  // An implant file as pairing writes it, for a device paired as `role`.
  std::string paired_as(link::Role role) {
    std::filesystem::remove(path_);
    link::Paired paired{};
    paired.implant.fill(0x5a);
    paired.role = role;
    paired.peer = 3;
    EXPECT_TRUE(programmer::write_implant_file(path_, paired).ok());
    return path_.string();
  }
  std::string bare_key() {
    std::filesystem::remove(path_);
    std::ofstream(path_) << std::string(64, 'a') << "\n";
    return path_.string();
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::filesystem::path path_ =
      std::filesystem::path(::testing::TempDir()) / "ptm_pairing_test.implant";
};

TEST_F(PairingFile, OnlyAPatientsOrABareKeyIsAccepted) {
  EXPECT_FALSE(check_patient_pairing(paired_as(link::Role::kPatient)).has_value());
  EXPECT_FALSE(check_patient_pairing(bare_key()).has_value());
  const std::optional<host::Refusal> clinician =
      check_patient_pairing(paired_as(link::Role::kClinician));
  ASSERT_TRUE(clinician.has_value());
  EXPECT_EQ(clinician->field, path_.string());
  EXPECT_TRUE(
      clinician->message.starts_with("this device was paired as a clinician device, not "
                                     "a patient's"))
      << clinician->message;
  EXPECT_TRUE(check_patient_pairing(paired_as(link::Role::kService)).has_value());
  const std::optional<host::Refusal> missing = check_patient_pairing("/no/such/file.implant");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->field, "/no/such/file.implant");
}

}  // namespace
}  // namespace itdd::ptm
