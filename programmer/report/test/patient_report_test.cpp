#include "itdd/programmer/patient_report.h"

#include <gtest/gtest.h>

#include <cstring>

namespace itdd::programmer {
namespace {

// The wire's status in the host's form, as the programmer converts an interrogation.
inline ImplantStatus host(const itdd_ImplantStatus& wire) {
  return implant_status_from_wire(wire).value();
}

constexpr std::int64_t kNow = 1'767'618'000'000;  // 2026-01-05 13:00
constexpr std::int64_t kHour = 3'600'000;

itdd_ImplantStatus with_boluses() {
  itdd_ImplantStatus s{};
  s.activity = itdd_Activity_ACTIVITY_BASAL;
  s.has_prescription = true;
  s.prescription.has_drug = true;
  std::strcpy(s.prescription.drug.name, "morphine");
  s.prescription.drug.unit = itdd_DoseUnit_DOSE_UNIT_MILLIGRAM;
  s.prescription.mode = itdd_BasalMode_BASAL_MODE_CONTINUOUS;
  s.prescription.concentration_ng_per_ml = 10'000'000;
  s.prescription.continuous_dose_ng_per_day = 2'000'000;
  s.prescription.has_patient_bolus = true;
  s.prescription.patient_bolus = {true, 500'000, 600'000, 3, 3'600'000};
  s.has_patient_bolus = true;
  s.patient_bolus = {
      1, 3, 2, false, itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT, true, kNow + kHour + 5 * 60'000};
  s.wall_ms = kNow;
  s.clock_valid = true;
  return s;
}

TEST(PatientReport, WhenIsSaidRelativeToToday) {
  EXPECT_EQ(when_text(kNow + kHour, kNow), "at 14:00");
  EXPECT_EQ(when_text(kNow + 20 * kHour, kNow), "tomorrow at 09:00");
  EXPECT_EQ(when_text(kNow + 44 * kHour, kNow), "on 2026-01-07 at 09:00");
}

TEST(PatientReport, StatusInPlainWords) {
  itdd_ImplantStatus s = with_boluses();
  std::string text = format_patient_status(host(s));
  for (const char* expected :
       {"therapy     running (basal)", "reservoir   ok",
        "boluses     0.500 mg each; 1 of 3 used in the last 24 hours, 2 left",
        "next bolus  too soon after your last bolus: the next is allowed at 14:05",
        "alarms      none"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  s.activity = itdd_Activity_ACTIVITY_RESERVOIR_EMPTY;
  s.alarms_count = 2;
  s.alarms[0] = {itdd_AlarmKind_ALARM_KIND_RESERVOIR_EMPTY, itdd_AlarmClass_ALARM_CLASS_CRITICAL,
                 false, false, 0};
  s.alarms[1] = {itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR, itdd_AlarmClass_ALARM_CLASS_NON_CRITICAL,
                 true, false, 0};
  s.patient_bolus = {
      3, 3, 0, false, itdd_BolusRefusal_BOLUS_REFUSAL_DAILY_LIMIT, true, kNow + 20 * kHour};
  text = format_patient_status(host(s));
  for (const char* expected :
       {"therapy     NOT RUNNING (reservoir empty): contact your clinic",
        "reservoir   LOW: call your clinic to arrange a refill",
        "next bolus  you have had the 3 boluses allowed in 24 hours: the next is allowed "
        "tomorrow at 09:00",
        "alarms      The pump's drug reservoir is empty: it has stopped delivering. Contact your "
        "clinic now.",
        "The pump's drug reservoir is low. Call your clinic to arrange a refill. (silenced)"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

TEST(PatientReport, RefusalsSayWhyAndWhen) {
  EXPECT_EQ(bolus_refusal_text(itdd_BolusRefusal_BOLUS_REFUSAL_NOT_ENABLED, false, 0, kNow, 0),
            "boluses are not part of your prescription");
  EXPECT_EQ(bolus_refusal_text(itdd_BolusRefusal_BOLUS_REFUSAL_OTHER_BOLUS_RUNNING, true,
                               kNow + kHour / 2, kNow, 3),
            "another bolus is being given: try again at 13:30");
  EXPECT_EQ(bolus_refusal_text(itdd_BolusRefusal_BOLUS_REFUSAL_RESERVOIR_LOW, false, 0, kNow, 3),
            "not enough drug left in the pump for a bolus: contact your clinic");
  EXPECT_EQ(bolus_refusal_text(itdd_BolusRefusal_BOLUS_REFUSAL_THERAPY_STOPPED, false, 0, kNow, 3),
            "the pump's therapy is stopped: contact your clinic");
}

TEST(PatientReport, NoBolusesAndJson) {
  itdd_ImplantStatus s = with_boluses();
  nlohmann::json j = patient_status_json(host(s));
  EXPECT_TRUE(j["therapy_running"].get<bool>());
  EXPECT_FALSE(j["reservoir_low"].get<bool>());
  EXPECT_EQ(j["boluses"]["used_in_24h"], 1);
  EXPECT_EQ(j["boluses"]["left_in_24h"], 2);
  EXPECT_EQ(j["boluses"]["refusal"], "lockout");
  EXPECT_EQ(j["boluses"]["next_allowed"], "2026-01-05 14:05");
  EXPECT_EQ(j["boluses"]["dose"]["unit"], "mg");
  EXPECT_DOUBLE_EQ(j["boluses"]["dose"]["value"].get<double>(), 0.5);
  EXPECT_EQ(j["boluses"]["reason"], "too soon after your last bolus: the next is allowed at 14:05");
  s.prescription.patient_bolus.enabled = false;
  EXPECT_NE(format_patient_status(host(s)).find("boluses     not part of your prescription"),
            std::string::npos);
  j = patient_status_json(host(s));
  EXPECT_FALSE(j["boluses"]["enabled"].get<bool>());
  EXPECT_EQ(patient_bolus_dose_text(host(s)), "");
}

}  // namespace
}  // namespace itdd::programmer
