// The session's opening, the interrogation, the pairing window, the paired devices and a
// revocation as use cases against the implant's firmware and radio in this process
// (tests/radio_rig.h); a revocation recorded in a SQLite clinic database.
#include "itdd/programmer/use_cases/access.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "../../../tests/radio_rig.h"
#include "clinic_fixture.h"

namespace itdd::programmer {
namespace {

using testing::Device;
using testing::Implanted;
using use_case_test::Clinic;
using use_case_test::kNow;

struct Bench {
  Implanted implanted;
  std::unique_ptr<Device> clinician = testing::provisioned(implanted, link::Role::kClinician);
  std::unique_ptr<Device> patient = testing::provisioned(implanted, link::Role::kPatient);
  Clinic clinic;
  host::TimeZone paris = host::find_time_zone("Europe/Paris").value();
  UseCaseSession session{clinician->client,   implanted.crypto, "the implant", &paris,
                         [] { return kNow; }, &clinic.recorder};
  UseCaseSession patient_session{patient->client, implanted.crypto,    "the implant",
                                 nullptr,         [] { return kNow; }, nullptr};

  const PairedDevice* listed(const std::vector<PairedDevice>& devices, const Device& d) {
    const auto it = std::find_if(devices.begin(), devices.end(),
                                 [&](const PairedDevice& p) { return p.key == d.keys.public_key; });
    return it == devices.end() ? nullptr : &*it;
  }
};

TEST(AccessUseCases, TheOpeningInterrogatesAndChecksTheClockOnlyWithTheClinicsZone) {
  Bench b;
  const host::Checked<ClinicOpening> opened = open_clinic_session(b.session);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_TRUE(opened->status.has_value());
  ASSERT_TRUE(opened->clock.has_value());
  // The rig's implant starts on its own date, far from the host's fixed clock: it differs.
  EXPECT_TRUE(opened->clock->differs);
  EXPECT_EQ(opened->clock->clinic_local, b.paris.local(kNow));
  // The interrogation reuses what the opening read.
  const host::Checked<ImplantStatus> again = interrogation(b.session, opened.value());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->wall, opened->status->wall);

  // Without a zone nothing is sent and nothing compared; the interrogation then asks.
  UseCaseSession unzoned = b.session;
  unzoned.zone = nullptr;
  const std::size_t sent = b.clinician->loop.sent.size();
  const host::Checked<ClinicOpening> bare = open_clinic_session(unzoned);
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->status.has_value());
  EXPECT_FALSE(bare->clock.has_value());
  EXPECT_EQ(b.clinician->loop.sent.size(), sent);
  const host::Checked<ImplantStatus> asked = interrogation(unzoned, bare.value());
  ASSERT_TRUE(asked.ok()) << asked.error().message;
  EXPECT_GT(b.clinician->loop.sent.size(), sent);
}

TEST(AccessUseCases, APairingWindowIsCheckedThenOpenedWithItsCode) {
  Bench b;
  const std::optional<host::Refusal> no_role = check_pairing_window(link::Role::kNone, 60);
  ASSERT_TRUE(no_role.has_value());
  EXPECT_EQ(no_role->field, "role");
  EXPECT_EQ(outcome_of(*no_role), Outcome::kInvalidInput);
  EXPECT_EQ(check_pairing_window(link::Role::kPatient, 0)->field, "window_s");
  EXPECT_EQ(check_pairing_window(link::Role::kPatient, kMaxPairingWindowS + 1)->field, "window_s");
  EXPECT_FALSE(check_pairing_window(link::Role::kPatient, kMaxPairingWindowS).has_value());
  // Refused before anything is sent.
  const std::size_t sent = b.clinician->loop.sent.size();
  EXPECT_FALSE(open_pairing_window(b.session, link::Role::kPatient, 0).ok());
  EXPECT_EQ(b.clinician->loop.sent.size(), sent);

  const host::Checked<PairingWindow> w = open_pairing_window(b.session, link::Role::kPatient, 120);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->code.size(), 6U) << w->code;
  EXPECT_EQ(w->code.find_first_not_of("0123456789"), std::string::npos) << w->code;
  EXPECT_EQ(w->role, itdd_Role_ROLE_PATIENT);
  const host::Checked<ImplantStatus> st = interrogate(b.session);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(w->expires_at_wall_ms, st->wall.ms() + 120'000);

  // The patient's device may not open one: the implant's refusal, in its words.
  const host::Checked<PairingWindow> refused =
      open_pairing_window(b.patient_session, link::Role::kClinician, 60);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(outcome_of(refused.error()), Outcome::kRefused);
  EXPECT_NE(refused.error().message.find("the implant answered: not authorised"), std::string::npos)
      << refused.error().message;
}

TEST(AccessUseCases, ADeviceIsFoundRevokedReadBackAndRecorded) {
  Bench b;
  const host::Checked<std::vector<PairedDevice>> before = list_devices(b.session);
  ASSERT_TRUE(before.ok()) << before.error().message;
  ASSERT_EQ(before->size(), 2U);
  const PairedDevice* patient = b.listed(before.value(), *b.patient);
  ASSERT_NE(patient, nullptr);
  EXPECT_EQ(patient->role, itdd_Role_ROLE_PATIENT);

  // A number the implant does not list: nothing changed, field "device".
  const host::Checked<RevokePlan> unknown =
      prepare_revoke(b.session, DeviceChoice{999, std::nullopt}, b.clinician->keys.public_key);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "device");
  EXPECT_EQ(outcome_of(unknown.error()), Outcome::kRefused);

  const host::Checked<RevokePlan> plan = prepare_revoke(
      b.session, DeviceChoice{patient->number, std::nullopt}, b.clinician->keys.public_key);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_FALSE(plan->self());
  EXPECT_EQ(plan->target.key, b.patient->keys.public_key);
  const host::Checked<RevokeOutcome> done = commit_revoke(b.session, plan.value());
  ASSERT_TRUE(done.ok()) << done.error().message;
  const std::vector<ChangeRecord> changes = b.clinic.changes(done->recorded);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].kind, ChangeKind::kRevoke);
  EXPECT_EQ(changes[0].what, done->what);
  EXPECT_NE(done->what.find("(patient, key"), std::string::npos) << done->what;

  const host::Checked<std::vector<PairedDevice>> after = list_devices(b.session);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 1U);
  EXPECT_EQ(b.listed(after.value(), *b.patient), nullptr);
  // Revoked again (a retry): the read-back still decides, and the implant no longer lists it.
  const host::Checked<RevokeOutcome> twice = commit_revoke(b.session, plan.value());
  EXPECT_TRUE(twice.ok()) << twice.error().message;
}

TEST(AccessUseCases, TheImplantsRoleRuleIsGivenInItsWords) {
  Bench b;
  const host::Checked<std::vector<PairedDevice>> listed = list_devices(b.patient_session);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(outcome_of(listed.error()), Outcome::kRefused);
  EXPECT_NE(
      listed.error().message.find("the implant answered: not authorised for this device's role"),
      std::string::npos)
      << listed.error().message;
  // A revocation it may not send is refused before anything changes.
  const host::Checked<RevokePlan> plan =
      prepare_revoke(b.patient_session, DeviceChoice{1, std::nullopt}, b.patient->keys.public_key);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(list_devices(b.session)->size(), 2U);
}

}  // namespace
}  // namespace itdd::programmer
