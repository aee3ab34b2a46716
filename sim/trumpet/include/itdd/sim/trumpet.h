// Trumpet curves (IEC 60601-2-24's accuracy test of infusion pumps; docs/trumpet.md): the
// volume out of the pump sampled every 0.5 min over an analysis period, and for each
// observation window of P minutes the largest and smallest mean flow error over every window
// of that length that fits in the period, Ep(max) and Ep(min), in percent of the set rate; and
// the overall mean flow error A over the whole period. The sums are exact integers (nL x ms);
// only the percentages are floating point, for display.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "itdd/core/units.h"

namespace itdd::sim {

// The standard's observation windows (2, 5, 11, 19, 31 min) and, for a pump that delivers in
// strokes minutes apart and runs for months, 1 h, 6 h and 24 h.
inline const std::vector<std::int64_t> kTrumpetWindowsMin = {2, 5, 11, 19, 31, 60, 360, 1440};

struct TrumpetInput {
  // The volume out of the pump in each consecutive sample of the analysis period.
  std::vector<std::int64_t> sample_volume_nl;
  Duration sample_interval = seconds(30);
  FlowRate set_rate{};  // r: what the pump is meant to deliver (above 0)
};

struct TrumpetWindow {
  std::int64_t minutes = 0;
  // Windows of this length that fit in the period (sliding by one sample); 0: longer than the
  // period, not computed.
  std::size_t positions = 0;
  double ep_max_percent = 0;
  double ep_min_percent = 0;
};

struct TrumpetResult {
  std::vector<TrumpetWindow> windows;
  double overall_error_percent = 0;  // A = (mean flow - r) / r
  std::int64_t total_volume_nl = 0;
  Duration period{};
  FlowRate set_rate{};
  FlowRate mean_flow{};  // rounded down
};

// `windows_min` each a whole number of samples long.
TrumpetResult analyse_trumpet(const TrumpetInput& input,
                              const std::vector<std::int64_t>& windows_min = kTrumpetWindowsMin);

// "window_min,positions,ep_max_percent,ep_min_percent" per window, then the overall error.
void write_trumpet_csv(std::ostream& out, const TrumpetResult& result);
// "minute,volume_nl,flow_ml_per_h" per sample (minute: the sample's start in the period).
void write_flow_csv(std::ostream& out, const TrumpetInput& input);
// The curve as an SVG picture: Ep(max) and Ep(min) against the window (log scale), the overall
// error as a line, the axes labelled with their units.
std::string trumpet_svg(const TrumpetResult& result, const std::string& title);

}  // namespace itdd::sim
