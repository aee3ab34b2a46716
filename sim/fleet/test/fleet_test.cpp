// The campaign as a whole: the report is the same bytes whatever order and split the pumps ran
// in; the Garwood interval against published values; a fault the implant cannot sense found by
// the campaign and written as a scenario that, replayed alone, shows the break.
#include "itdd/sim/fleet/fleet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "fleet_support.h"
#include "itdd/scenario/gas_scenario.h"
#include "itdd/sim/fleet/pump_plan.h"
#include "itdd/sim/runner.h"

namespace itdd::sim::fleet {
namespace {

namespace fs = std::filesystem;

Campaign campaign(const std::string& file) {
  host::Checked<Campaign> c =
      parse_campaign_text(test::test_data(file), test::models(), test::csf());
  EXPECT_TRUE(c.ok()) << c.error().text();
  return std::move(c).value();
}

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() /
                       ("itdd_fleet_test_" + name + "_" +
                        std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir);
  return dir;
}

// Every file under `dir`, relative path -> bytes.
std::map<std::string, std::string> files_of(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file())
      out[fs::relative(e.path(), dir).string()] = test::read_text(e.path().string());
  }
  return out;
}

TEST(Fleet, ReportIsTheSameBytesForAnySplitAndOrder) {
  const Campaign c = campaign("small-campaign.json");
  const FleetInputs in{c, test::models(), test::csf()};
  // In order on one "rank".
  const std::vector<PumpOutcome> one = run_items(in, 0, 1);
  ASSERT_EQ(one.size(), 12u);
  // Three "ranks", each its every third item, run last rank first, the items of each reversed.
  std::vector<PumpOutcome> three;
  for (std::int64_t rank = 2; rank >= 0; --rank) {
    std::vector<PumpOutcome> part = run_items(in, rank, 3);
    std::reverse(part.begin(), part.end());
    three.insert(three.end(), part.begin(), part.end());
  }
  // And each item alone, shuffled.
  std::vector<std::int64_t> items(12);
  for (std::int64_t i = 0; i < 12; ++i) items[static_cast<std::size_t>(i)] = i;
  std::shuffle(items.begin(), items.end(), std::mt19937(3));
  std::vector<PumpOutcome> shuffled;
  for (std::int64_t i : items) shuffled.push_back(run_item(in, i));

  const fs::path a = temp_dir("a"), b = temp_dir("b"), d = temp_dir("d");
  ASSERT_TRUE(write_report(in, one, a).ok());
  ASSERT_TRUE(write_report(in, three, b).ok());
  ASSERT_TRUE(write_report(in, shuffled, d).ok());
  const auto fa = files_of(a);
  EXPECT_EQ(fa, files_of(b));
  EXPECT_EQ(fa, files_of(d));
  EXPECT_TRUE(fa.count("summary.json") && fa.count("summary.csv") && fa.count("pumps.csv"));
  for (const fs::path& p : {a, b, d}) fs::remove_all(p);
}

TEST(Fleet, PracticesShareTheirPopulationAndFaults) {
  // The same pump under the two practices: the same model, drug, dose and faults; only the
  // refills differ (common random numbers: what the comparison shows is the practice's).
  const Campaign c = campaign("small-campaign.json");
  for (std::int64_t pump = 0; pump < c.pumps; ++pump) {
    const PumpPlan p0 = plan_pump(c, 0, pump, test::models(), test::csf());
    const PumpPlan p1 = plan_pump(c, 1, pump, test::models(), test::csf());
    EXPECT_EQ(p0.model, p1.model);
    EXPECT_EQ(p0.drug, p1.drug);
    EXPECT_EQ(p0.patient, p1.patient);
    EXPECT_EQ(p0.stall_faults, p1.stall_faults);
    EXPECT_EQ(p0.drift_faults, p1.drift_faults);
    // From "pump" to "events": the model, stroke seed, catheter, drug, fill and prescription.
    const auto setup = [](const std::string& s) {
      const std::size_t from = s.find("\"pump\"");
      return s.substr(from, s.find("\"events\"") - from);
    };
    EXPECT_EQ(setup(p0.scenario_json), setup(p1.scenario_json));
  }
}

TEST(Fleet, EveryPlannedScenarioReads) {
  const Campaign c = campaign("small-campaign.json");
  for (std::size_t practice = 0; practice < 2; ++practice) {
    for (std::int64_t pump = 0; pump < 40; ++pump) {
      const PumpPlan p = plan_pump(c, practice, pump, test::models(), test::csf());
      const auto read = scenario::parse_any_scenario_text(p.scenario_json, test::models());
      EXPECT_TRUE(read.ok()) << pump << ": " << read.error().text() << "\n" << p.scenario_json;
    }
  }
}

TEST(Fleet, GarwoodIntervalMatchesPublishedValues) {
  // Exact Poisson 95 % limits (Garwood 1936; the chi-square tables): 0 -> [0, 3.689],
  // 1 -> [0.0253, 5.572], 10 -> [4.795, 18.39], 100 -> [81.36, 121.63].
  const auto near = [](std::int64_t k, double lo, double hi) {
    const auto [l, h] = garwood_interval(k);
    EXPECT_NEAR(l, lo, lo * 1e-3 + 1e-9) << k;
    EXPECT_NEAR(h, hi, hi * 1e-3) << k;
  };
  near(0, 0.0, 3.6889);
  near(1, 0.02532, 5.5716);
  near(10, 4.7954, 18.390);
  near(100, 81.364, 121.627);
}

TEST(Fleet, AFaultTheImplantCannotSenseIsFoundAndReplays) {
  // Stroke drift to 118-125 %: the real reservoir runs dry before the implant's estimate
  // reaches its low-reservoir volume. The campaign must find it ...
  const Campaign c = campaign("drift-campaign.json");
  const FleetInputs in{c, test::models(), test::csf()};
  std::vector<PumpOutcome> outcomes = run_items(in, 0, 1);
  std::int64_t broken = 0;
  for (const PumpOutcome& o : outcomes) {
    if ((o.broken & kDryWithoutLowAlarm) != 0) ++broken;
    EXPECT_GT(o.drift_faults, 0);
  }
  ASSERT_GT(broken, 0);
  const fs::path dir = temp_dir("drift");
  ASSERT_TRUE(write_report(in, outcomes, dir).ok());
  // ... and write each such pump as a scenario that, run alone, shows the break.
  std::int64_t replayed = 0;
  for (const auto& e : fs::directory_iterator(dir / "replays")) {
    const auto read = scenario::load_any_scenario_file(e.path(), test::models());
    ASSERT_TRUE(read.ok()) << read.error().text();
    const SimulationResult r = run_scenario(std::get<scenario::Scenario>(read.value()));
    bool dry_without_alarm = false;
    for (const FillRecord& f : r.fills) {
      if (f.actual_dry.is_never()) continue;
      bool alarmed = false;
      for (const alarms::AlarmEvent& a : r.alarm_events) {
        alarmed |= a.kind == alarms::AlarmKind::kLowReservoir &&
                   a.action == alarms::AlarmAction::kRaised && a.at >= f.at && a.at <= f.actual_dry;
      }
      dry_without_alarm |= !alarmed;
    }
    EXPECT_TRUE(dry_without_alarm) << e.path();
    ++replayed;
  }
  EXPECT_EQ(replayed, broken);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace itdd::sim::fleet
