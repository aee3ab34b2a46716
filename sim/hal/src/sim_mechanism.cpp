#include "itdd/sim/sim_mechanism.h"

#include <cmath>

namespace itdd::sim {

SimMechanism::SimMechanism(const StrokeVolumeParams& params, const SimClock& clock,
                           SimReservoir& reservoir, SimCatheter& catheter, SimBattery& battery)
    : params_(params),
      spread_nl_(static_cast<std::int64_t>(std::llround(static_cast<double>(params.mean.count()) *
                                                        params.variability_percent / 100.0))),
      rng_(params.seed),
      clock_(clock),
      reservoir_(reservoir),
      catheter_(catheter),
      battery_(battery) {
  if (spread_nl_ < 0) spread_nl_ = 0;
  if (spread_nl_ > params.mean.count()) spread_nl_ = params.mean.count();
}

void SimMechanism::watch_reservoir(Volume low_level) {
  low_watch_ = low_level;
  low_at_ = ImplantTime::never();
  dry_at_ = ImplantTime::never();
}

void SimMechanism::note_short(Volume missing) {
  totals_.short_by += missing;
  if (dry_at_.is_never()) dry_at_ = clock_.now();
}

}  // namespace itdd::sim
