// Trumpet curves against hand arithmetic, a property of their bounds, and both pump kinds'
// scenarios end to end with their refusals.
#include "itdd/sim/trumpet.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <sstream>

#include "itdd/sim/trumpet_run.h"
#include "scenario_test_support.h"

namespace itdd::sim {
namespace {

TrumpetInput pattern(std::vector<std::int64_t> one_cycle, int cycles, FlowRate rate) {
  TrumpetInput in;
  in.set_rate = rate;
  for (int c = 0; c < cycles; ++c) {
    in.sample_volume_nl.insert(in.sample_volume_nl.end(), one_cycle.begin(), one_cycle.end());
  }
  return in;
}

TEST(Trumpet, AnExactlySteadyFlowHasNoError) {
  // 2.88 mL/day is 1000 nL every 30 s.
  const TrumpetResult r = analyse_trumpet(pattern({1000}, 240, FlowRate(2'880'000)), {2, 5, 31});
  EXPECT_EQ(r.period, hours(2));
  EXPECT_DOUBLE_EQ(r.overall_error_percent, 0.0);
  EXPECT_EQ(r.mean_flow, FlowRate(2'880'000));
  for (const TrumpetWindow& w : r.windows) {
    EXPECT_DOUBLE_EQ(w.ep_max_percent, 0.0);
    EXPECT_DOUBLE_EQ(w.ep_min_percent, 0.0);
  }
  EXPECT_EQ(r.windows[0].positions, 240u - 4 + 1);
}

// A 1000 nL stroke every 2 minutes (0.72 mL/day): a 2 min window always holds one stroke, a
// 5 min window two or three where 2.5 are due (±20 %), an 11 min window five or six where 5.5
// are due (±9.09 %).
TEST(Trumpet, StrokesMinutesApartAgainstHandArithmetic) {
  const TrumpetResult r =
      analyse_trumpet(pattern({1000, 0, 0, 0}, 60, FlowRate(720'000)), {2, 5, 11, 180});
  EXPECT_DOUBLE_EQ(r.windows[0].ep_max_percent, 0.0);
  EXPECT_DOUBLE_EQ(r.windows[0].ep_min_percent, 0.0);
  EXPECT_DOUBLE_EQ(r.windows[1].ep_max_percent, 20.0);
  EXPECT_DOUBLE_EQ(r.windows[1].ep_min_percent, -20.0);
  EXPECT_NEAR(r.windows[2].ep_max_percent, 100.0 / 11.0, 1e-9);
  EXPECT_NEAR(r.windows[2].ep_min_percent, -100.0 / 11.0, 1e-9);
  EXPECT_EQ(r.windows[3].positions, 0u);  // 3 h does not fit in 2 h
  EXPECT_DOUBLE_EQ(r.overall_error_percent, 0.0);
}

TEST(Trumpet, AnOverInfusingPumpShowsInTheOverallError) {
  // 1100 nL where 1000 are due: +10 % everywhere.
  const TrumpetResult r = analyse_trumpet(pattern({1100}, 120, FlowRate(2'880'000)), {2});
  EXPECT_NEAR(r.overall_error_percent, 10.0, 1e-9);
  EXPECT_NEAR(r.windows[0].ep_max_percent, 10.0, 1e-9);
  EXPECT_NEAR(r.windows[0].ep_min_percent, 10.0, 1e-9);
}

// When the period is a whole number of windows, the windows that tile it average to the overall
// error, so it lies between Ep(min) and Ep(max).
RC_GTEST_PROP(TrumpetProperty, TheOverallErrorLiesWithinEveryWindowsBounds, ()) {
  const std::int64_t window_min = *rc::gen::element<std::int64_t>(2, 5, 11);
  const int tiles = *rc::gen::inRange(1, 20);
  TrumpetInput in;
  in.set_rate = FlowRate(*rc::gen::inRange<std::int64_t>(1'000, 50'000'000));
  in.sample_volume_nl = *rc::gen::container<std::vector<std::int64_t>>(
      static_cast<std::size_t>(window_min * 2 * tiles), rc::gen::inRange<std::int64_t>(0, 5'000));
  const TrumpetResult r = analyse_trumpet(in, {window_min});
  RC_ASSERT(r.windows[0].ep_min_percent <= r.overall_error_percent + 1e-9);
  RC_ASSERT(r.overall_error_percent <= r.windows[0].ep_max_percent + 1e-9);
}

TEST(Trumpet, CsvAndSvg) {
  const TrumpetResult r = analyse_trumpet(pattern({1000, 0, 0, 0}, 60, FlowRate(720'000)));
  std::ostringstream csv;
  write_trumpet_csv(csv, r);
  EXPECT_EQ(csv.str().rfind("window_min,positions,ep_max_percent,ep_min_percent\n2,237,0.000,"
                            "0.000\n5,231,20.000,-20.000\n",
                            0),
            0u)
      << csv.str();
  EXPECT_NE(csv.str().find("1440,0,,"), std::string::npos);
  std::ostringstream flow;
  write_flow_csv(flow, pattern({1000, 0}, 2, FlowRate(1)));
  EXPECT_EQ(flow.str(),
            "minute,volume_nl,flow_ml_per_h\n0,1000,0.120000\n0.5,0,0.000000\n1,1000,0.120000\n"
            "1.5,0,0.000000\n");
  const std::string svg = trumpet_svg(r, "a <test> & more");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("a &lt;test&gt; &amp; more"), std::string::npos);
  EXPECT_NE(svg.find("Ep(max)"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

scenario::AnyScenario example(const std::string& name) {
  host::Checked<scenario::AnyScenario> r = scenario::parse_any_scenario_text(
      testing::load_source_json("examples/" + name + ".json").dump(), testing::pump_catalog());
  if (!r.ok()) throw std::runtime_error(r.error().text());
  return std::move(r).value();
}

// A gas pump at rest delivers smoothly: every window near the overall error, which is the
// bellows' push of a reservoir fuller than half (the first days of a 30 mL fill: under +1 %).
TEST(TrumpetRun, AGasPumpsCurveIsFlat) {
  const host::Checked<TrumpetInput> in =
      trumpet_input(example("gas-fever-morphine"), TrumpetPeriod{hours(1), hours(48)});
  ASSERT_TRUE(in.ok()) << in.error().text();
  EXPECT_EQ(in->set_rate, FlowRate(1'000'000));
  EXPECT_EQ(in->sample_volume_nl.size(), 48u * 120);
  const TrumpetResult r = analyse_trumpet(*in);
  EXPECT_GT(r.overall_error_percent, 0.5);
  EXPECT_LT(r.overall_error_percent, 1.0);
  for (const TrumpetWindow& w : r.windows) {
    EXPECT_LT(w.ep_max_percent - w.ep_min_percent, 1.0) << w.minutes;
  }
}

// A stroke pump at 0.16 mL/day strokes every 9 minutes: its short windows swing from -100 %
// (no stroke) to several times the rate.
TEST(TrumpetRun, AStrokePumpsCurveIsATrumpet) {
  const host::Checked<TrumpetInput> in =
      trumpet_input(example("morphine-continuous"), TrumpetPeriod{hours(1), hours(48)});
  ASSERT_TRUE(in.ok()) << in.error().text();
  EXPECT_EQ(in->set_rate, FlowRate(160'000));
  const TrumpetResult r = analyse_trumpet(*in);
  EXPECT_DOUBLE_EQ(r.windows[0].ep_min_percent, -100.0);  // 2 min without a stroke
  EXPECT_GT(r.windows[0].ep_max_percent, 300.0);
  // Not a smooth trumpet: a window holds a whole number of strokes, so its error is bounded by
  // one stroke (1 uL, within 2 % variability) against what the window is due, plus the spread,
  // and the bound narrows as the window grows (19 min hold 2 or 3 strokes, 31 min 3 or 4:
  // Ep(min) is -7 % at 19 min, -14 % at 31: docs/trumpet.md).
  for (const TrumpetWindow& w : r.windows) {
    const double due_nl = 160'000.0 * static_cast<double>(w.minutes) / 1440.0;
    const double bound = 100.0 * 1'020.0 / due_nl + 2.5;
    EXPECT_LE(w.ep_max_percent, bound) << w.minutes;
    EXPECT_GE(w.ep_min_percent, -bound) << w.minutes;
  }
  EXPECT_LT(std::abs(r.overall_error_percent), 5.0);
  EXPECT_LT(r.windows.back().ep_max_percent - r.windows.back().ep_min_percent, 5.0);
}

TEST(TrumpetRun, Refusals) {
  host::Checked<TrumpetInput> in =
      trumpet_input(example("gas-fever-morphine"), TrumpetPeriod{hours(1), days(60)});
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().field, "--hours");
  EXPECT_NE(in.error().message.find("after the scenario's end"), std::string::npos);
  in = trumpet_input(example("gas-fever-morphine"), TrumpetPeriod{seconds(10), hours(1)});
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().field, "--from-hours");
  in = trumpet_input(example("baclofen-flex-ptm"), TrumpetPeriod{});
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.error().field, "prescription");
  EXPECT_NE(in.error().message.find("continuous"), std::string::npos);
}

}  // namespace
}  // namespace itdd::sim
