// The pump mechanism the implant drives through hal::Motor. Each stroke moves a real volume
// drawn around a configurable mean with a configurable spread (the implant only ever counts
// the nominal volume), takes it from the SimReservoir (what is left, if less) and pushes it
// into the SimCatheter; the drug leaving the tip is totalled here. This runs once per stroke,
// hundreds of thousands of times per simulated year: no allocation, no strings, no logging.
#pragma once

#include <cstdint>

#include "itdd/hal/motor.h"
#include "itdd/sim/sim_battery.h"
#include "itdd/sim/sim_catheter.h"
#include "itdd/sim/sim_clock.h"
#include "itdd/sim/sim_reservoir.h"
#include "itdd/sim/xorshift.h"

namespace itdd::sim {

enum class StrokeDistribution : std::uint8_t { kUniform, kTriangular };

struct StrokeVolumeParams {
  Volume mean = microlitres(1);
  // Half-width of the spread as a percentage of the mean: strokes lie in mean +- that.
  double variability_percent = 0.0;
  StrokeDistribution distribution = StrokeDistribution::kUniform;
  std::uint64_t seed = 1;
};

// Running totals since the start of the simulation; the runner takes differences per hour.
struct MechanismTotals {
  std::int64_t strokes = 0;
  Volume moved{};                // volume actually taken from the reservoir and pushed
  Volume short_by{};             // what strokes failed to move because the reservoir was dry
  std::int64_t tip_drug_fg = 0;  // drug out of the tip, femtograms (see sim_catheter.h)
  // The same per drug (sim_drug.h): they add up to tip_drug_fg.
  DrugAmounts tip_drug_fg_by_drug{};
};

class SimMechanism final : public hal::Motor {
 public:
  SimMechanism(const StrokeVolumeParams& params, const SimClock& clock, SimReservoir& reservoir,
               SimCatheter& catheter, SimBattery& battery);

  hal::StrokeFeedback stroke() override {
    if (!enabled_ || stall_) return hal::StrokeFeedback{hal::StrokeOutcome::kStalled, 1000};
    const Volume want = next_stroke_volume();
    const Volume moved = reservoir_.draw(want);
    totals_.tip_drug_fg += catheter_.push(moved, reservoir_.concentration(), reservoir_.drug(),
                                          totals_.tip_drug_fg_by_drug);
    totals_.moved += moved;
    ++totals_.strokes;
    battery_.on_stroke();
    if (moved < want) note_short(want - moved);
    if (reservoir_.actual() <= low_watch_ && low_at_.is_never()) low_at_ = clock_.now();
    ++sensed_;
    // The rotor turns whether or not there is liquid: a dry pump does not know it is dry.
    return hal::StrokeFeedback{hal::StrokeOutcome::kCompleted, load_permille_};
  }
  std::uint32_t sensed_strokes() const override { return sensed_; }
  void set_enabled(bool enabled) override { enabled_ = enabled; }

  // ---- faults the scenario injects ----
  // The rotor cannot turn (MRI field, worn gear): every stroke stalls until cleared.
  void set_stalled(bool stalled) { stall_ = stalled; }
  // The drive effort a stroke needs (per mille of rated load): rises as the catheter occludes.
  void set_load(std::uint16_t load_permille) { load_permille_ = load_permille; }
  // The real stroke volume drifts from nominal (e.g. +15 % over-infusion after months).
  void set_mean_volume(Volume mean) { params_.mean = mean; }
  // An uncommanded stroke (a runaway motor driver): moves liquid like any stroke and is seen by
  // the rotor sensor; nothing happens while the driver is powered off.
  bool uncommanded_stroke() {
    if (!enabled_ || stall_) return false;
    (void)stroke();
    return true;
  }
  bool enabled() const { return enabled_; }
  // The implant lost power: the rotor sensor's counter restarts from zero, the driver is off
  // until the implant powers it again.
  void power_cycle() {
    sensed_ = 0;
    enabled_ = true;
  }

  // Watches the real reservoir for the level the implant alarms at, from now on (called at
  // each refill): when it is first reached and when a stroke first comes up short.
  void watch_reservoir(Volume low_level);
  ImplantTime actual_low_at() const { return low_at_; }
  ImplantTime actual_dry_at() const { return dry_at_; }

  const MechanismTotals& totals() const { return totals_; }
  const StrokeVolumeParams& params() const { return params_; }
  Volume spread() const { return Volume(spread_nl_); }

 private:
  Volume next_stroke_volume() {
    if (spread_nl_ == 0) return params_.mean;
    const std::uint64_t width = static_cast<std::uint64_t>(2 * spread_nl_ + 1);
    std::int64_t offset;
    if (params_.distribution == StrokeDistribution::kUniform) {
      offset = static_cast<std::int64_t>(rng_.below(width)) - spread_nl_;
    } else {
      // The sum of two uniforms on [0, spread] is triangular on [0, 2 x spread].
      const std::uint64_t half = static_cast<std::uint64_t>(spread_nl_ + 1);
      offset = static_cast<std::int64_t>(rng_.below(half) + rng_.below(half)) - spread_nl_;
    }
    return params_.mean + Volume(offset);
  }
  void note_short(Volume missing);

  StrokeVolumeParams params_;
  std::int64_t spread_nl_ = 0;
  Xorshift64Star rng_;
  const SimClock& clock_;
  SimReservoir& reservoir_;
  SimCatheter& catheter_;
  SimBattery& battery_;
  MechanismTotals totals_{};
  std::uint32_t sensed_ = 0;
  bool enabled_ = true;
  bool stall_ = false;
  std::uint16_t load_permille_ = 400;
  Volume low_watch_{-1};
  ImplantTime low_at_ = ImplantTime::never();
  ImplantTime dry_at_ = ImplantTime::never();
};

}  // namespace itdd::sim
