// Each example scenario runs for at least a simulated year on the simulated pump with the real
// TherapyEngine, and the summary (the JSON a user sees, or the result it is made from) must
// show the properties the example exists to demonstrate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <map>
#include <sstream>
#include <string>

#include "itdd/host/wall_time.h"
#include "itdd/sim/runner.h"
#include "itdd/sim/summary.h"
#include "scenario_outcome.h"
#include "scenario_test_support.h"

namespace itdd::sim {
namespace {

using nlohmann::json;

using test_runs::Outcome;
using test_runs::run;

json example(const std::string& name) {
  return testing::load_source_json("examples/" + name + ".json");
}

json deterministic(json doc) {
  doc["pump"]["stroke_variability_percent"] = 0;
  return doc;
}

// Drug of one stroke at a concentration, in ng.
double stroke_drug_ng(const scenario::Scenario& s, Concentration c) {
  return static_cast<double>(s.pump.spec.model.stroke_volume.count()) *
         static_cast<double>(c.count()) / kNanolitresPerMillilitre;
}

void expect_common_invariants(const Outcome& o) {
  const json& totals = o.summary["totals"];
  EXPECT_GE(o.result.duration, days(365));
  // The implant's own account: programmed minus delivered stays within one stroke.
  const std::int64_t gap = totals["programmed_minus_implant_delivered_nl"];
  EXPECT_GE(gap, 0);
  EXPECT_LT(gap, o.scenario.pump.spec.model.stroke_volume.count());
  // The reservoir is never negative, in the implant's estimate or in reality.
  for (const json& sample : o.summary["reservoir"]) {
    EXPECT_GE(sample["implant_estimate_nl"].get<std::int64_t>(), 0);
    EXPECT_GE(sample["actual_nl"].get<std::int64_t>(), 0);
  }
  EXPECT_EQ(o.summary["daily"].size(),
            static_cast<std::size_t>(
                std::ceil(static_cast<double>(o.result.duration.count()) / kMillisPerDay)));
  // Every command the scenario gave was accepted (the parser checked them).
  for (const json& c : o.summary["commands"]) EXPECT_TRUE(c["ok"].get<bool>()) << c.dump();
  EXPECT_EQ(o.result.engine_idle_wakeups, 0);
}

// Never ran dry, never even alarmed: the refills came in time.
void expect_refilled_in_time(const Outcome& o) {
  for (const json& f : o.summary["fills"]) {
    EXPECT_TRUE(f["implant_low_alarm"].is_null()) << f.dump();
    EXPECT_TRUE(f["actual_low"].is_null()) << f.dump();
    EXPECT_TRUE(f["actual_dry"].is_null()) << f.dump();
    EXPECT_TRUE(f["implant_empty"].is_null()) << f.dump();
  }
  EXPECT_EQ(o.summary["totals"]["short_volume_nl"].get<std::int64_t>(), 0);
}

// ---- morphine, simple continuous ----

TEST(MorphineContinuous, DeterministicDeliversTheProgramExactly) {
  const Outcome o = run(deterministic(example("morphine-continuous")));
  expect_common_invariants(o);
  expect_refilled_in_time(o);
  const json& totals = o.summary["totals"];
  // With nominal strokes the mechanism moves exactly what the implant counts.
  EXPECT_EQ(totals["delivered_volume_nl"], totals["implant_delivered_volume_nl"]);
  // Programmed: the priming volume, then 4 mg/day at 25 mg/mL (0.16 mL/day) for the rest of
  // the 365 days (basal pauses while priming runs).
  const Volume priming = o.result.catheter_dead_volume;
  const Duration priming_time = time_to_deliver(priming, o.scenario.pump.spec.model.priming_rate);
  const std::int64_t programmed =
      priming.count() + volume_over(FlowRate(160'000), days(365) - priming_time).count();
  EXPECT_LE(std::llabs(totals["delivered_volume_nl"].get<std::int64_t>() - programmed), 1000);
  // Each full day after priming day gives 4 mg at the tip, within one stroke's drug (25 ug).
  const double per_stroke = stroke_drug_ng(o.scenario, o.scenario.initial_solution.concentration);
  const json& daily = o.summary["daily"];
  for (std::size_t d = 1; d < daily.size(); ++d) {
    EXPECT_NEAR(daily[d]["drug_ng"].get<double>(), 4e6, per_stroke) << "day " << d;
    EXPECT_NEAR(daily[d]["drug"].get<double>(), 4.0, 0.025) << "day " << d;
  }
  // Priming pushes the saline that filled the line out in its first 26 minutes: the first
  // hour moves the whole dead volume but only the few basal strokes after it carry drug.
  const HourBin& first_hour = o.result.hourly.at(0);
  EXPECT_GE(first_hour.volume_nl, priming.count());
  EXPECT_LE(static_cast<double>(first_hour.drug_fg) / kDrugUnitsPerNanogram, 5 * per_stroke);
}

TEST(MorphineContinuous, WithStrokeSpreadTheDoseStaysWithinTheSpread) {
  const Outcome o = run(example("morphine-continuous"));
  expect_common_invariants(o);
  expect_refilled_in_time(o);
  const json& daily = o.summary["daily"];
  for (std::size_t d = 1; d < daily.size(); ++d) {
    // +-2 % per stroke, mostly averaging out over 160 strokes, plus one stroke of timing.
    EXPECT_NEAR(daily[d]["drug"].get<double>(), 4.0, 4.0 * 0.02 + 0.025) << "day " << d;
  }
  // The real reservoir drifts from the implant's estimate by the accumulated spread only.
  const json& final_reservoir = o.summary["final_reservoir"];
  EXPECT_LT(std::llabs(final_reservoir["actual_nl"].get<std::int64_t>() -
                       final_reservoir["implant_estimate_nl"].get<std::int64_t>()),
            50'000);
  EXPECT_EQ(o.summary["fills"].size(), 5u);
}

TEST(MorphineContinuous, ProjectedLowAndEmptyMatchWhatHappensWithoutRefills) {
  json doc = deterministic(example("morphine-continuous"));
  doc["events"] = json::array();
  const Outcome o = run(doc);
  const FillRecord& fill = o.result.fills.at(0);
  // Projection from the start: (18 - 0.434 priming - 2) mL at 0.16 mL/day = 97.3 days.
  ASSERT_FALSE(fill.projected.low_reservoir.is_never());
  ASSERT_FALSE(fill.implant_low_alarm.is_never());
  ASSERT_FALSE(fill.actual_low.is_never());
  // The projection lets priming finish first, then counts strokes: it is exact to the
  // millisecond but for the rounding of the flow.
  const std::int64_t tolerance_ms = 2;
  EXPECT_LE(std::abs((fill.implant_low_alarm - fill.projected.low_reservoir).count()),
            tolerance_ms);
  EXPECT_EQ(fill.actual_low, fill.implant_low_alarm);  // nominal strokes: reality agrees
  EXPECT_NEAR(static_cast<double>(fill.implant_low_alarm.ms()) / kMillisPerDay,
              (18.0 - 0.434 - 2.0) / 0.16, 0.1);
  // The pump stops when less than a stroke is left, as projected.
  ASSERT_FALSE(fill.implant_empty.is_never());
  EXPECT_LE(std::abs((fill.implant_empty - fill.projected.empty).count()), tolerance_ms);
  EXPECT_TRUE(fill.actual_dry.is_never());  // the implant stopped first
  // Weeks with an empty reservoir: the implant never asks to be woken at once for nothing (the
  // loop no longer skips such wake-ups; it would stop the run on a busy loop).
  EXPECT_EQ(o.result.engine_idle_wakeups, 0);
  // After it stopped, nothing more left the tip.
  const json& daily = o.summary["daily"];
  const std::size_t empty_day = static_cast<std::size_t>(fill.implant_empty.ms() / kMillisPerDay);
  for (std::size_t d = empty_day + 1; d < daily.size(); ++d) {
    EXPECT_EQ(daily[d]["volume_nl"].get<std::int64_t>(), 0) << "day " << d;
  }
  EXPECT_LE(o.result.moved, millilitres(18));
  EXPECT_EQ(o.summary["events"].back()["name"], "reservoir_empty");
}

TEST(MorphineContinuous, OverInfusingPumpRunsDryBeforeTheImplantKnows) {
  // Strokes 10 % larger than nominal: the implant's projection, made from the programmed rate,
  // is late; the real reservoir reaches the alarm level and runs dry first.
  json doc = deterministic(example("morphine-continuous"));
  doc["events"] = json::array();
  doc["pump"]["stroke_mean_nl"] = 1100;
  const Outcome o = run(doc);
  const FillRecord& fill = o.result.fills.at(0);
  ASSERT_FALSE(fill.actual_low.is_never());
  ASSERT_FALSE(fill.actual_dry.is_never());
  EXPECT_LT(fill.actual_low, fill.implant_low_alarm);
  EXPECT_LT(fill.actual_dry, fill.projected.empty);
  EXPECT_GT(o.result.short_by.count(), 0);
  EXPECT_EQ(o.result.moved, millilitres(18));  // every drop left, and no more
}

// ---- baclofen, flexible with patient boluses ----

TEST(BaclofenFlexPtm, PatientBolusLimitsHold) {
  const Outcome o = run(example("baclofen-flex-ptm"));
  expect_common_invariants(o);
  expect_refilled_in_time(o);
  const auto& pb = o.scenario.prescription.patient_bolus;
  const json& requests = o.summary["patient_bolus"]["requests"];
  std::deque<std::int64_t> window;  // grants in the last 24 h
  std::int64_t last_grant = -1;
  std::int64_t lockout_refusals = 0;
  std::int64_t daily_limit_refusals = 0;
  for (const json& r : requests) {
    const std::int64_t at = r["elapsed_ms"];
    while (!window.empty() && at - window.front() >= kMillisPerDay) window.pop_front();
    if (r["granted"].get<bool>()) {
      EXPECT_TRUE(last_grant < 0 || at - last_grant >= pb.lockout.count()) << r.dump();
      EXPECT_LT(window.size(), pb.max_per_24h) << r.dump();
      window.push_back(at);
      last_grant = at;
      EXPECT_GE(r["next_allowed_elapsed_ms"].get<std::int64_t>(), at + pb.lockout.count());
    } else {
      const std::string reason = r["reason"];
      lockout_refusals += reason == "lockout";
      daily_limit_refusals += reason == "daily_limit";
      EXPECT_TRUE(reason == "lockout" || reason == "daily_limit") << r.dump();
      // A refusal says when the next bolus is allowed, and that is later.
      EXPECT_GT(r["next_allowed_elapsed_ms"].get<std::int64_t>(), at) << r.dump();
      EXPECT_FALSE(r["reason_text"].get<std::string>().empty());
    }
  }
  EXPECT_GT(lockout_refusals, 0);
  EXPECT_GT(daily_limit_refusals, 0);
  // The summary's counts agree with the list and with the engine's own events.
  const json& counts = o.summary["patient_bolus"];
  EXPECT_EQ(counts["granted"].get<std::int64_t>() + counts["refused"].get<std::int64_t>(),
            static_cast<std::int64_t>(requests.size()));
  std::int64_t granted_events = 0;
  for (const json& e : o.summary["events"]) granted_events += e["name"] == "patient_bolus_granted";
  EXPECT_EQ(granted_events, counts["granted"].get<std::int64_t>());
}

TEST(BaclofenFlexPtm, DailyDrugFollowsTheWeekdayProgramPlusBoluses) {
  const Outcome o = run(deterministic(example("baclofen-flex-ptm")));
  expect_common_invariants(o);
  const therapy::Prescription& rx = o.scenario.prescription;
  const double bolus_ng = static_cast<double>(rx.patient_bolus.dose.count());
  const double per_stroke = stroke_drug_ng(o.scenario, rx.concentration);
  const json& daily = o.summary["daily"];
  std::vector<int> grants_per_day(daily.size(), 0);
  for (const json& r : o.summary["patient_bolus"]["requests"]) {
    if (r["granted"].get<bool>()) {
      ++grants_per_day[static_cast<std::size_t>(r["elapsed_ms"].get<std::int64_t>() /
                                                kMillisPerDay)];
    }
  }
  // Until the clock moves for daylight saving time (day 83), elapsed days are program days.
  const std::int64_t first_day = floor_div(o.scenario.start.ms(), kMillisPerDay);
  for (std::size_t d = 1; d < 83; ++d) {
    const Weekday wd = weekday_of_day(first_day + static_cast<std::int64_t>(d));
    const double expected = static_cast<double>(therapy::basal_daily_dose(rx, wd).count()) +
                            grants_per_day[d] * bolus_ng;
    EXPECT_NEAR(daily[d]["drug_ng"].get<double>(), expected, per_stroke + 1) << "day " << d;
  }
  // Weekends are programmed lower than weekdays, and the summary shows it: Sat 2026-01-10.
  EXPECT_LT(daily[5]["drug_ng"].get<double>(), daily[4]["drug_ng"].get<double>());
}

TEST(BaclofenFlexPtm, ClockChangesLoseAndRepeatNothing) {
  // Across both daylight-saving changes the delivered total equals the programmed integral.
  const Outcome o = run(deterministic(example("baclofen-flex-ptm")));
  int clock_events = 0;
  for (const json& e : o.summary["events"]) clock_events += e["name"] == "clock_set";
  EXPECT_EQ(clock_events, 2);
  const json& totals = o.summary["totals"];
  EXPECT_EQ(totals["delivered_volume_nl"], totals["implant_delivered_volume_nl"]);
  // Independent integral: 52 weeks and a day of program + boluses + priming.
  const therapy::Prescription& rx = o.scenario.prescription;
  const std::int64_t first_day = floor_div(o.scenario.start.ms(), kMillisPerDay);
  // Priming first (basal paused meanwhile: Monday 00:00 runs at 540 mcg/day).
  const Duration priming_time =
      time_to_deliver(o.result.catheter_dead_volume, o.scenario.pump.spec.model.priming_rate);
  std::int64_t expected =
      o.result.catheter_dead_volume.count() -
      volume_over(therapy::flow_of(rx, rx.flex.days[0].steps[0].dose_rate()), priming_time).count();
  for (std::int64_t d = 0; d < 365; ++d) {
    expected += therapy::basal_volume_per_day(rx, weekday_of_day(first_day + d)).count();
  }
  expected += o.summary["patient_bolus"]["granted"].get<std::int64_t>() *
              therapy::patient_bolus_volume(rx).count();
  // Within a stroke, plus the rounding of each day's flow (under 1 nL per step per day).
  EXPECT_NEAR(totals["programmed_volume_nl"].get<double>(), static_cast<double>(expected),
              1000.0 + 5 * 365);
}

// ---- ziconotide at the minimum rate ----

TEST(ZiconotideMinimumRate, RunsAtTheMinimumRateAndRefillsPerTheLabel) {
  const Outcome o = run(example("ziconotide-minimum-rate"));
  expect_common_invariants(o);
  expect_refilled_in_time(o);
  const therapy::Prescription& rx = o.scenario.prescription;
  EXPECT_EQ(therapy::flow_of(rx, rx.continuous_dose), o.scenario.pump.spec.model.min_rate);
  // 1.2 mcg/day at the tip on every full day, within the 2 % spread and one stroke (25 ng).
  const json& daily = o.summary["daily"];
  for (std::size_t d = 1; d < daily.size(); ++d) {
    EXPECT_NEAR(daily[d]["drug"].get<double>(), 1.2, 1.2 * 0.02 + 0.025) << "day " << d;
    EXPECT_NEAR(daily[d]["volume_nl"].get<double>(), 48'000, 48'000 * 0.02 + 1000) << "day " << d;
  }
  // First refill within 14 days of the first fill, then at most 40 days apart (diluted).
  const json& fills = o.summary["fills"];
  ASSERT_GE(fills.size(), 2u);
  EXPECT_LE(fills[1]["elapsed_ms"].get<std::int64_t>() - fills[0]["elapsed_ms"].get<std::int64_t>(),
            days(14).count());
  for (std::size_t i = 2; i < fills.size(); ++i) {
    EXPECT_LE(
        fills[i]["elapsed_ms"].get<std::int64_t>() - fills[i - 1]["elapsed_ms"].get<std::int64_t>(),
        days(40).count());
  }
  EXPECT_LE(days(365).count() - fills.back()["elapsed_ms"].get<std::int64_t>(), days(40).count());
}

// ---- concentration change with a bridge bolus ----

TEST(RefillConcentrationChange, BridgeKeepsTheDailyDoseAcrossTheChange) {
  const Outcome o = run(example("refill-concentration-change"));
  expect_common_invariants(o);
  expect_refilled_in_time(o);
  // Two changes (10 -> 20 and 20 -> 10 mg/mL), each bridged.
  int bridges = 0;
  for (const json& f : o.summary["fills"]) bridges += f["bridge"]["started"].get<bool>();
  EXPECT_EQ(bridges, 2);
  // 2 mg/day at the tip on every full day, within one stroke at the stronger solution (20 ug).
  const double tolerance_mg = 0.020;
  const json& daily = o.summary["daily"];
  for (std::size_t d = 1; d < daily.size(); ++d) {
    EXPECT_NEAR(daily[d]["drug"].get<double>(), 2.0, tolerance_mg) << "day " << d;
  }
  // While the volume per day halves and doubles back.
  EXPECT_NEAR(daily[50]["volume_nl"].get<double>(), 200'000, 1000);
  EXPECT_NEAR(daily[100]["volume_nl"].get<double>(), 100'000, 1000);
  EXPECT_NEAR(daily[300]["volume_nl"].get<double>(), 200'000, 1000);
}

TEST(RefillConcentrationChange, WithoutTheBridgeTheDoseDips) {
  // The same refill without a bridge bolus: the old 10 mg/mL in the line is pushed at the new,
  // halved rate, so for about two days the patient gets about half the dose.
  json doc = example("refill-concentration-change");
  doc["events"][0]["bridge"] = false;
  const Outcome o = run(doc);
  const json& daily = o.summary["daily"];
  EXPECT_LT(daily[61]["drug"].get<double>(), 1.5);
}

// ---- every event type (tests/data/every-event-type.json) ----

TEST(EveryEventType, EachCommandTakesEffectOrIsRefusedWithAReason) {
  const Outcome o = run(testing::load_source_json("tests/data/every-event-type.json"));
  std::map<std::string, int> names;
  for (const json& e : o.summary["events"]) ++names[e["name"].get<std::string>()];
  EXPECT_EQ(names["refilled"], 3);
  EXPECT_EQ(names["bridge_bolus_started"], 1);
  EXPECT_EQ(names["bridge_bolus_ended"], 1);
  EXPECT_EQ(names["priming_started"], 1);
  EXPECT_EQ(names["priming_ended"], 1);
  EXPECT_EQ(names["clinician_bolus_started"], 1);
  EXPECT_EQ(names["clinician_bolus_ended"], 1);
  EXPECT_EQ(names["clock_set"], 2);
  EXPECT_EQ(names["prescription_programmed"], 4);
  EXPECT_GE(names["patient_bolus_granted"], 3);
  // The second clinician bolus came while the first ran: refused, recorded, run went on.
  int refused = 0;
  for (const json& c : o.summary["commands"]) {
    if (!c["ok"].get<bool>()) {
      ++refused;
      EXPECT_EQ(c["source"], "events[3]");
      EXPECT_NE(c["error"].get<std::string>().find("another bolus is running"), std::string::npos);
    }
  }
  EXPECT_EQ(refused, 1);
  // After the refill with another drug, boluses are refused until a prescription enables them;
  // after the stop on day 60 nothing more is delivered.
  const json& requests = o.summary["patient_bolus"]["requests"];
  EXPECT_EQ(requests.back()["reason"], "not_enabled");
  const json& daily = o.summary["daily"];
  for (std::size_t d = 61; d < daily.size(); ++d) EXPECT_EQ(daily[d]["volume_nl"], 0) << d;
  EXPECT_GT(daily[55]["volume_nl"].get<std::int64_t>(), 90'000);  // hydromorphone 0.1 mL/day
  EXPECT_EQ(o.summary["final_reservoir"]["concentration_ng_per_ml"], 10'000'000);
  const std::string text = format_text_summary(o.scenario, o.result);
  // Morphine, then hydromorphone: each totalled apart in its unit, adding up to the tip's.
  EXPECT_NE(text.find("drug delivered, per drug (the scenario changes drug):\n    morphine "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n    hydromorphone "), std::string::npos) << text;
  ASSERT_EQ(o.result.drugs.size(), 2u);
  EXPECT_GT(o.result.drugs[1].tip_drug_fg, 0);
  EXPECT_EQ(o.result.drugs[0].tip_drug_fg + o.result.drugs[1].tip_drug_fg, o.result.tip_drug_fg);
  EXPECT_EQ(o.summary["totals"]["by_drug"][1]["name"], "hydromorphone");
  EXPECT_TRUE(o.summary["totals"]["delivered_drug"].is_null());
}

TEST(Summary, SameSeedSameRunOtherSeedOtherRun) {
  json doc = example("baclofen-flex-ptm");
  doc["duration_days"] = 20;  // before the 38 mL fill runs low
  doc["events"] = json::array();
  const json a = run(doc).summary;
  const json b = run(doc).summary;
  EXPECT_EQ(a, b);
  doc["pump"]["seed"] = 43;
  const json c = run(doc).summary;
  EXPECT_NE(a["totals"]["delivered_volume_nl"], c["totals"]["delivered_volume_nl"]);
  EXPECT_EQ(a["totals"]["strokes"], c["totals"]["strokes"]);  // the implant cannot tell
}

TEST(Summary, JsonHasTheDocumentedKeys) {
  const json s = run(example("morphine-continuous")).summary;
  for (const char* key : {"scenario", "totals", "daily", "patient_bolus", "reservoir", "fills",
                          "commands", "events", "final_reservoir", "battery", "diagnostics"}) {
    EXPECT_TRUE(s.contains(key)) << key;
  }
  for (const char* key : {"volume_nl", "volume_ml", "drug_ng", "drug", "date", "day", "by_drug"}) {
    EXPECT_TRUE(s["daily"][0].contains(key)) << key;
  }
  for (const char* key : {"name", "unit", "drug_ng", "drug"}) {
    EXPECT_TRUE(s["daily"][0]["by_drug"][0].contains(key)) << key;
  }
  for (const char* key :
       {"name", "unit", "delivered_drug_ng", "delivered_drug", "in_line_at_end_ng"}) {
    EXPECT_TRUE(s["totals"]["by_drug"][0].contains(key)) << key;
  }
  for (const char* key : {"projected_low", "projected_empty", "implant_low_alarm", "actual_low",
                          "implant_empty", "actual_dry", "bridge"}) {
    EXPECT_TRUE(s["fills"][0].contains(key)) << key;
  }
  EXPECT_EQ(s["daily"][0]["date"], "2026-01-05");
  EXPECT_EQ(s["scenario"]["unit"], "mg");
  // Each fill's own time and the elapsed times of its six milestones, both kept (one key
  // "elapsed_ms" used to hold the one and lose the other).
  const json& fill = s["fills"][0];
  EXPECT_EQ(fill["elapsed_ms"], 0);
  ASSERT_TRUE(fill.contains("elapsed_ms_of"));
  const json& of = fill["elapsed_ms_of"];
  for (const char* key : {"projected_low", "projected_empty", "implant_low_alarm", "actual_low",
                          "implant_empty", "actual_dry"}) {
    ASSERT_TRUE(of.contains(key)) << key;
  }
  ASSERT_TRUE(of["projected_low"].is_number_integer());
  EXPECT_GT(of["projected_low"].get<std::int64_t>(), 0);
  EXPECT_LT(of["projected_low"].get<std::int64_t>(), of["projected_empty"].get<std::int64_t>());
}

// The summary's times follow set_clock: after the clock is put forward an hour, a time an
// elapsed whole day after the start reads 01:00, in the JSON, the text and the hourly CSV.
TEST(Summary, TimesFollowSetClock) {
  json doc = deterministic(example("morphine-continuous"));
  doc["events"] =
      json::array({{{"at", "day 2 00:00"}, {"type", "set_clock"}, {"shift_minutes", 60}}});
  const Outcome o = run(doc);
  ASSERT_EQ(o.result.clock_changes.size(), 1u);
  const WallTime start = o.scenario.start;
  const auto wall = [&](std::int64_t elapsed_ms, std::int64_t shift_ms) {
    return host::format_wall_time(WallTime(start.ms() + elapsed_ms + shift_ms));
  };
  bool seen_before = false;
  bool seen_after = false;
  for (const json& sample : o.summary["reservoir"]) {
    const std::int64_t at = sample["elapsed_ms"];
    if (at == days(1).count()) {
      EXPECT_EQ(sample["time"], wall(at, 0));
      seen_before = true;
    }
    if (at == days(3).count()) {
      EXPECT_EQ(sample["time"], wall(at, hours(1).count()));
      seen_after = true;
    }
  }
  EXPECT_TRUE(seen_before && seen_after);
  const json& set = o.summary["commands"].back();
  EXPECT_EQ(set["type"], "set_clock");
  EXPECT_EQ(set["time"], wall(days(2).count(), hours(1).count()));
  std::ostringstream csv;
  write_hourly_csv(csv, o.scenario, o.result);
  EXPECT_NE(csv.str().find(wall(days(3).count(), hours(1).count()) + ","), std::string::npos);
  // Days run from local midnight: the day the clock went forward holds 23 hours, and every
  // date appears once, in order.
  const json& daily = o.summary["daily"];
  ASSERT_GE(daily.size(), 4u);
  for (std::size_t d = 0; d < 4; ++d) {
    EXPECT_EQ(daily[d]["date"], host::format_date(WallTime(start.ms() + days(d).count())));
  }
  const std::int64_t full = daily[1]["volume_nl"];
  const std::int64_t short_day = daily[2]["volume_nl"];
  EXPECT_LT(short_day, full);
  EXPECT_NEAR(static_cast<double>(short_day), static_cast<double>(full) * 23 / 24, 2000);
  EXPECT_NEAR(static_cast<double>(daily[3]["volume_nl"].get<std::int64_t>()),
              static_cast<double>(full), 1000);
}

TEST(Summary, TextAndCsvCarryUnits) {
  const Outcome o = run(example("ziconotide-minimum-rate"));
  const std::string text = format_text_summary(o.scenario, o.result);
  for (const char* needle :
       {"mcg/day", " mL", "2026-01-05 00:00", "Battery (simulated cell): used", "J of",
        "Battery (implant's estimate): ok", "% remaining", "projected longevity",
        "years at the current program", "projected", "Final reservoir: implant estimate"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
  std::ostringstream csv;
  write_hourly_csv(csv, o.scenario, o.result);
  const std::string out = csv.str();
  EXPECT_TRUE(out.starts_with("hour_start,volume_nl,drug_ng\n2026-01-05 00:00,"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 366 * 24 + 1);
}

// ---- faults (issue: safety) ----

const AlarmPeriod* find_alarm(const std::vector<AlarmPeriod>& periods, alarms::AlarmKind kind) {
  for (const AlarmPeriod& a : periods) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

TEST(FaultsMorphine, EveryFaultIsAnnouncedAndTherapyRecovers) {
  const Outcome o = run(example("faults-morphine"));
  const std::vector<AlarmPeriod> periods = alarm_periods(o.result);
  const auto raised_between = [&](alarms::AlarmKind kind, double from_day, double to_day) {
    const AlarmPeriod* a = find_alarm(periods, kind);
    if (a == nullptr) return false;
    const double day = static_cast<double>(a->raised.ms()) / kMillisPerDay;
    return day >= from_day && day <= to_day && !a->cleared.is_never();
  };
  // MRI: the stall is raised at the first missed stroke and cleared when the rotor turns.
  EXPECT_TRUE(raised_between(alarms::AlarmKind::kMotorStall, 10.37, 10.4));
  // Kinked catheter for a day: occlusion raised within an hour, cleared after it.
  EXPECT_TRUE(raised_between(alarms::AlarmKind::kOcclusion, 20.33, 20.38));
  // Clock lost until set; RAM flip caught within a day; runaway tripped within minutes.
  EXPECT_TRUE(raised_between(alarms::AlarmKind::kClockLost, 40.4, 40.6));
  EXPECT_TRUE(raised_between(alarms::AlarmKind::kCriticalMemoryError, 50.4, 51.0));
  EXPECT_TRUE(raised_between(alarms::AlarmKind::kSafetyMonitorTrip, 70.41, 70.43));
  EXPECT_LE(o.result.uncommanded_strokes, 20);
  // The power cut: the implant came back with its therapy, from its records.
  ASSERT_EQ(o.result.boots.size(), 1u);
  EXPECT_TRUE(o.result.boots[0].resumed);
  EXPECT_LT(o.result.boots[0].assumed_delivered, microlitres(10));
  // The +15 % drift is invisible to the implant but shows at the refill: the real reservoir
  // holds less than it believes.
  EXPECT_LT(o.result.final_actual, o.result.final_implant_estimate - microlitres(500));
  // The failing cell (90 % of its energy lost on day 95): the implant flags it from its voltage
  // against its own energy counters and raises ERI within a day; only a new pump clears it.
  const AlarmPeriod* eri = find_alarm(periods, alarms::AlarmKind::kElectiveReplacement);
  ASSERT_NE(eri, nullptr);
  EXPECT_GE(eri->raised, ImplantTime(days(95).count()));
  EXPECT_LE(eri->raised, ImplantTime(days(96).count()));
  EXPECT_TRUE(eri->cleared.is_never());
  ASSERT_TRUE(o.result.battery_monitor_valid);
  EXPECT_TRUE(o.result.battery_state.faulty);
  EXPECT_EQ(o.result.battery_state.eri_reason, power::BatteryReason::kFaultyCell);
  EXPECT_EQ(o.summary["battery"]["implant_estimate"]["eri_reason"], "faulty_cell");
  // Every other alarm was cleared by the end, and tones sounded for them.
  for (const AlarmPeriod& a : periods) {
    if (a.kind == alarms::AlarmKind::kElectiveReplacement) continue;
    EXPECT_FALSE(a.cleared.is_never()) << alarms::name(a.kind);
  }
  EXPECT_EQ(o.result.engine_idle_wakeups, 0);
  EXPECT_GT(o.result.tones_played, 0);
  // The JSON summary lists alarms with their raise and clear times.
  ASSERT_TRUE(o.summary.contains("alarms"));
  EXPECT_EQ(o.summary["alarms"].size(), periods.size());
  EXPECT_TRUE(o.summary["alarms"][0].contains("raised"));
  EXPECT_TRUE(o.summary["alarms"][0].contains("cleared"));
}

TEST(FaultsMorphine, WithoutFaultsNoAlarm) {
  json doc = example("faults-morphine");
  json kept = json::array();
  for (const json& e : doc["events"]) {
    if (e["type"] == "refill") kept.push_back(e);
  }
  doc["events"] = kept;
  const Outcome o = run(doc);
  EXPECT_TRUE(alarm_periods(o.result).empty());
  EXPECT_EQ(o.result.final_actual, o.result.final_implant_estimate);
}

TEST(FaultsMorphine, FaultyCellDrainsTheSimulatedBattery) {
  json doc = example("faults-morphine");
  doc["events"] = json::array();
  const Outcome healthy = run(doc);
  doc["events"].push_back(
      {{"at", "day 1 00:00"}, {"type", "faulty_cell"}, {"capacity_loss_percent", 40}});
  const Outcome faulty = run(doc);
  // The same energy was used, but 40 % of the cell is gone.
  EXPECT_EQ(faulty.result.battery_used_uj, healthy.result.battery_used_uj);
  EXPECT_LT(faulty.result.battery_remaining_percent,
            healthy.result.battery_remaining_percent - 30.0);
}

// A cell that loses 97 % of its energy: ERI within days of the fault, then EOS stops therapy
// while the cell can still hold the electronics up; the implant never strokes on after EOS.
TEST(FaultyCell, EndOfServiceStopsTherapyBeforeTheCellDies) {
  json doc = example("faults-morphine");
  doc["events"] = json::array(
      {{{"at", "day 5 00:00"}, {"type", "faulty_cell"}, {"capacity_loss_percent", 97}}});
  const Outcome o = run(doc);
  const std::vector<AlarmPeriod> periods = alarm_periods(o.result);
  const AlarmPeriod* eri = find_alarm(periods, alarms::AlarmKind::kElectiveReplacement);
  const AlarmPeriod* eos = find_alarm(periods, alarms::AlarmKind::kEndOfService);
  ASSERT_NE(eri, nullptr);
  ASSERT_NE(eos, nullptr);
  EXPECT_LE(eri->raised, ImplantTime(days(12).count()));
  EXPECT_LT(eri->raised, eos->raised);
  EXPECT_EQ(o.result.battery_state.status, power::BatteryStatus::kEndOfService);
  // No stroke after the hour EOS was declared in, and no brown-out while delivering: the only
  // brown-out is the cell running out of energy with the pump already stopped.
  const std::size_t eos_hour = static_cast<std::size_t>(eos->raised.ms() / kMillisPerHour);
  for (std::size_t h = eos_hour + 1; h < o.result.hourly.size(); ++h) {
    ASSERT_EQ(o.result.hourly[h].volume_nl, 0) << "hour " << h;
  }
  EXPECT_LE(o.result.brown_outs, 1);
  for (const BootRecord& b : o.result.boots) EXPECT_FALSE(b.brown_out);
  EXPECT_EQ(find_alarm(periods, alarms::AlarmKind::kLowBatteryReset), nullptr);
  EXPECT_EQ(o.summary["battery"]["implant_estimate"]["status"], "end_of_service");
}

// The resistive film: the cell's internal resistance climbs so fast (150 ohm a day) that it
// collapses under a stroke before a daily check sees it. The electronics brown out; at the
// restart the implant raises the critical low-battery-reset alarm and, the brown-out counting
// as confirmation, reads the collapsed cell and declares EOS at once: no stroke browns it out
// again.
TEST(FaultyCell, ABrownOutRaisesLowBatteryResetAndEndOfService) {
  json doc = example("faults-morphine");
  doc["events"] = json::array(
      {{{"at", "day 30 00:00"}, {"type", "faulty_cell"}, {"resistance_rise_ohm_per_day", 150}}});
  const Outcome o = run(doc);
  EXPECT_EQ(o.result.brown_outs, 1);
  ASSERT_EQ(o.result.boots.size(), 1u);
  EXPECT_TRUE(o.result.boots[0].brown_out);
  const std::vector<AlarmPeriod> periods = alarm_periods(o.result);
  const AlarmPeriod* reset = find_alarm(periods, alarms::AlarmKind::kLowBatteryReset);
  const AlarmPeriod* eos = find_alarm(periods, alarms::AlarmKind::kEndOfService);
  ASSERT_NE(reset, nullptr);
  ASSERT_NE(eos, nullptr);
  EXPECT_EQ(reset->raised, o.result.boots[0].at);
  EXPECT_EQ(eos->raised, o.result.boots[0].at);
  EXPECT_EQ(o.result.battery_state.eos_reason, power::BatteryReason::kVoltage);
  const std::size_t boot_hour =
      static_cast<std::size_t>(o.result.boots[0].at.ms() / kMillisPerHour);
  for (std::size_t h = boot_hour; h < o.result.hourly.size(); ++h) {
    ASSERT_EQ(o.result.hourly[h].volume_nl, 0) << "hour " << h;
  }
  EXPECT_EQ(o.summary["boots"][0]["brown_out"], true);
  // The boot stopped therapy at end of service, and the summary says so, not "resumed".
  EXPECT_TRUE(o.result.boots[0].end_of_service);
  EXPECT_EQ(o.summary["boots"][0]["end_of_service"], true);
  const std::string text = format_text_summary(o.scenario, o.result);
  EXPECT_NE(text.find("the cell is at end of service: therapy stopped"), std::string::npos) << text;
  EXPECT_EQ(text.find("therapy resumed"), std::string::npos) << text;
}

// A stroke-volume drift is invisible to the implant (it counts strokes, not volume); the
// programmer's refill check (withdrawn against expected) is what shows it.
TEST(RefillCheck, StrokeVolumeDriftShowsAtTheRefill) {
  json doc = example("faults-morphine");
  json refill;
  for (const json& e : doc["events"]) {
    if (e["type"] == "refill") refill = e;
  }
  doc["events"] = json::array({refill});
  const Outcome healthy = run(doc);
  ASSERT_EQ(healthy.result.fills.size(), 2u);
  ASSERT_TRUE(healthy.result.fills[1].refill_check.has_value());
  EXPECT_EQ(healthy.result.fills[1].refill_check->difference, Volume(0));
  EXPECT_FALSE(healthy.result.fills[1].refill_check->needs_acknowledgement());
  EXPECT_FALSE(healthy.result.fills[0].refill_check.has_value());  // nothing to withdraw

  doc["events"] =
      json::array({{{"at", "day 1 00:00"}, {"type", "stroke_drift"}, {"percent", 115}}, refill});
  const Outcome drifted = run(doc);
  ASSERT_TRUE(drifted.result.fills[1].refill_check.has_value());
  const programmer::RefillCheck& c = *drifted.result.fills[1].refill_check;
  // 4 mg/day of 25 mg/mL is 0.16 mL/day; 15 % more for 84 days is about 2 mL.
  EXPECT_LT(c.difference, millilitres(-1));
  EXPECT_EQ(c.finding, programmer::RefillFinding::kLessThanExpected);
  EXPECT_EQ(drifted.summary["fills"][1]["refill_check"]["finding"], "less_than_expected");
  EXPECT_EQ(drifted.summary["fills"][1]["refill_check"]["needs_acknowledgement"], true);
  EXPECT_NE(format_text_summary(drifted.scenario, drifted.result).find("needs the clinician"),
            std::string::npos);
}

}  // namespace
}  // namespace itdd::sim
