#include "itdd/programmer/status_report.h"

#include <gtest/gtest.h>

#include <cstring>

namespace itdd::programmer {
namespace {

// The wire's status in the host's form, as the programmer converts an interrogation.
inline ImplantStatus host(const itdd_ImplantStatus& wire) {
  return implant_status_from_wire(wire).value();
}

itdd_ImplantStatus filled_status() {
  itdd_ImplantStatus s{};
  s.activity = itdd_Activity_ACTIVITY_BASAL;
  s.prescription_token = 0x1234abcdULL;
  s.has_prescription = true;
  s.prescription.has_drug = true;
  std::strcpy(s.prescription.drug.name, "morphine");
  s.prescription.drug.unit = itdd_DoseUnit_DOSE_UNIT_MILLIGRAM;
  s.prescription.concentration_ng_per_ml = 10'000'000;
  s.prescription.mode = itdd_BasalMode_BASAL_MODE_CONTINUOUS;
  s.prescription.continuous_dose_ng_per_day = 2'500'000;
  s.has_reservoir = true;
  s.reservoir.filled = true;
  s.reservoir.has_drug = true;
  s.reservoir.drug = s.prescription.drug;
  s.reservoir.concentration_ng_per_ml = 10'000'000;
  s.reservoir.remaining_nl = 12'500'000;
  s.reservoir.low_threshold_nl = 2'000'000;
  s.reservoir.has_low_at_wall_ms = true;
  s.reservoir.low_at_wall_ms = 1'700'000'000'000;
  s.has_battery = true;
  s.battery.status = itdd_BatteryStatus_BATTERY_STATUS_OK;
  s.battery.remaining_permille = 995;
  s.battery.longevity_ms = static_cast<std::int64_t>(6.2 * 365.25 * 86'400'000);
  s.alarms_count = 1;
  s.alarms[0].kind = itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR;
  s.alarms[0].alarm_class = itdd_AlarmClass_ALARM_CLASS_NON_CRITICAL;
  s.implant_ms = 90'061'001;  // 1 d 01:01:01.001
  s.wall_ms = 1'700'000'000'000;
  s.clock_valid = true;
  s.delivered_nl = 250'000;
  s.current_flow_nl_per_day = 250'000;
  return s;
}

TEST(StatusReport, WallDates) {
  EXPECT_EQ(format_wall(0), "1970-01-01 00:00");
  EXPECT_EQ(format_wall(-60'000), "1969-12-31 23:59");
  EXPECT_EQ(format_wall(1'700'000'000'000), "2023-11-14 22:13");
  EXPECT_EQ(format_wall(1'709'164'800'000), "2024-02-29 00:00");
}

TEST(StatusReport, AnEmptyImplant) {
  itdd_ImplantStatus s{};
  s.activity = itdd_Activity_ACTIVITY_STOPPED;
  s.has_reservoir = true;
  s.clock_valid = true;
  const std::string text = format_status(host(s));
  EXPECT_NE(text.find("reservoir     not filled"), std::string::npos) << text;
  EXPECT_NE(text.find("prescription  none programmed"), std::string::npos) << text;
  EXPECT_NE(text.find("alarms        none"), std::string::npos) << text;
  EXPECT_NE(text.find("token         0x0000000000000000"), std::string::npos) << text;
  const nlohmann::json j = status_json(host(s));
  EXPECT_FALSE(j["reservoir"]["filled"].get<bool>());
  EXPECT_TRUE(j["prescription"].is_null());
  EXPECT_TRUE(j["reservoir"]["projected_empty"].is_null());
  EXPECT_TRUE(j["battery"].is_null());
}

// Issue 11: after a damaged newest settings copy the implant is stopped with the critical memory
// alarm; the interrogation says so, and that nothing older was resumed.
TEST(StatusReport, ACriticalMemoryErrorSaysTherapyStoppedAndNothingOlderRuns) {
  itdd_ImplantStatus s{};
  s.activity = itdd_Activity_ACTIVITY_STOPPED;
  s.has_reservoir = true;
  s.clock_valid = true;
  s.alarms_count = 1;
  s.alarms[0].kind = itdd_AlarmKind_ALARM_KIND_CRITICAL_MEMORY_ERROR;
  s.alarms[0].alarm_class = itdd_AlarmClass_ALARM_CLASS_CRITICAL;
  const std::string text = format_status(host(s));
  EXPECT_NE(text.find("alarms        critical-memory-error (critical)"), std::string::npos) << text;
  EXPECT_NE(text.find("the pump stopped therapy: its memory failed a check"), std::string::npos)
      << text;
  EXPECT_NE(text.find("no older prescription was resumed"), std::string::npos) << text;
  // Not said for other alarms.
  EXPECT_EQ(format_status(host(filled_status())).find("memory failed"), std::string::npos);
}

TEST(StatusReport, EveryNumberHasItsUnit) {
  const std::string text = format_status(host(filled_status()));
  for (const char* expected :
       {"wall 2023-11-14 22:13; implant day 1 01:01:01.001", "basal, current flow 0.250 mL/day",
        "morphine at 10.000 mg/mL, continuous 2.500 mg/day", "token         0x000000001234abcd",
        "12.500 mL of morphine at 10.000 mg/mL (low-reservoir alarm at 2.000 mL)",
        "low 2023-11-14 22:13, empty never", "0.250 mL since implant",
        "ok, 99.5 % remaining, longevity 6.2 years", "low-reservoir (non-critical)"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  const nlohmann::json j = status_json(host(filled_status()));
  EXPECT_EQ(j["prescription_token"], "0x000000001234abcd");
  EXPECT_DOUBLE_EQ(j["reservoir"]["remaining_ml"].get<double>(), 12.5);
  EXPECT_EQ(j["reservoir"]["remaining_nl"].get<std::int64_t>(), 12'500'000);
  EXPECT_EQ(j["reservoir"]["concentration"]["unit"], "mg/mL");
  EXPECT_EQ(j["reservoir"]["projected_low"], "2023-11-14 22:13");
  EXPECT_EQ(j["prescription"]["dose_per_day"]["unit"], "mg/day");
  EXPECT_DOUBLE_EQ(j["prescription"]["dose_per_day"]["value"].get<double>(), 2.5);
  EXPECT_NEAR(j["battery"]["longevity_years"].get<double>(), 6.2, 1e-9);
  EXPECT_EQ(j["alarms"][0]["kind"], "low-reservoir");
  EXPECT_EQ(j["clock"]["implant_ms"], 90'061'001);
}

TEST(StatusReport, MicrogramDrugsAndAnInvalidClock) {
  itdd_ImplantStatus s = filled_status();
  std::strcpy(s.prescription.drug.name, "ziconotide");
  s.prescription.drug.unit = itdd_DoseUnit_DOSE_UNIT_MICROGRAM;
  s.prescription.concentration_ng_per_ml = 25'000;
  s.prescription.continuous_dose_ng_per_day = 1'200;
  s.clock_valid = false;
  const std::string text = format_status(host(s));
  EXPECT_NE(text.find("ziconotide at 25.000 mcg/mL, continuous 1.200 mcg/day"), std::string::npos)
      << text;
  EXPECT_NE(text.find("NOT VALID"), std::string::npos);
}

TEST(StatusReport, PatientBolusUsagePumpAndCatheter) {
  itdd_ImplantStatus s = filled_status();
  s.has_patient_bolus = true;
  s.patient_bolus = {
      1, 3, 2, false, itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT, true, 1'700'003'600'000};
  s.reservoir.capacity_nl = 20'000'000;
  s.pump_dead_volume_nl = 200'000;
  s.priming_rate_nl_per_day = 24'000'000;
  s.catheter_volume_nl = 250'000;
  const std::string text = format_status(host(s));
  for (const char* expected :
       {"bolus usage   1 of 3 used in the last 24 h, 2 left; next allowed 2023-11-14 23:13 "
        "(lockout)",
        "pump          reservoir capacity 20.000 mL, dead volume 0.200 mL, priming at 24.000 "
        "mL/day; catheter 0.250 mL"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
  const nlohmann::json j = status_json(host(s));
  EXPECT_EQ(j["patient_bolus_usage"]["left_in_24h"], 2);
  EXPECT_EQ(j["patient_bolus_usage"]["refusal"], "lockout");
  EXPECT_EQ(j["patient_bolus_usage"]["next_allowed"], "2023-11-14 23:13");
  EXPECT_EQ(j["reservoir"]["capacity_nl"], 20'000'000);
  EXPECT_EQ(j["pump"]["catheter_volume_nl"], 250'000);
  EXPECT_DOUBLE_EQ(j["pump"]["priming_rate_ml_per_day"].get<double>(), 24.0);
  // Allowed now: no refusal, no time.
  s.patient_bolus = {0, 3, 3, true, itdd_BolusRefusal_BOLUS_REFUSAL_NONE, false, 0};
  EXPECT_NE(format_status(host(s)).find("0 of 3 used in the last 24 h, 3 left; next allowed now"),
            std::string::npos);
  EXPECT_TRUE(status_json(host(s))["patient_bolus_usage"]["refusal"].is_null());
  EXPECT_TRUE(status_json(host(s))["patient_bolus_usage"]["next_allowed"].is_null());
}

}  // namespace
}  // namespace itdd::programmer
