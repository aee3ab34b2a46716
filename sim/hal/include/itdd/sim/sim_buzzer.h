// The implant's buzzer in the simulator: plays nothing, remembers what it was asked to play and
// for how long, so the summary can list the tones and the battery can pay for them.
#pragma once

#include <cstdint>
#include <span>

#include "itdd/core/units.h"
#include "itdd/hal/buzzer.h"
#include "itdd/sim/sim_battery.h"
#include "itdd/sim/sim_clock.h"

namespace itdd::sim {

class SimBuzzer final : public hal::Buzzer {
 public:
  // Tones are charged to `battery` when one is given.
  explicit SimBuzzer(const SimClock& clock, SimBattery* battery = nullptr)
      : clock_(clock), battery_(battery) {}

  hal::BuzzerOutcome play(std::span<const hal::ToneSegment> pattern) override {
    if (clock_.now() < busy_until_) return hal::BuzzerOutcome::kBusy;
    std::int64_t total = 0;
    std::int64_t sounding = 0;
    for (const hal::ToneSegment& s : pattern) {
      total += s.duration_ms;
      if (s.frequency_hz != 0) sounding += s.duration_ms;
    }
    busy_until_ = clock_.now() + Duration(total);
    ++patterns_;
    sounding_ms_ += sounding;
    if (battery_ != nullptr) battery_->on_tone(Duration(sounding));
    return hal::BuzzerOutcome::kStarted;
  }
  // A stopped pattern is charged in full: at most a few seconds of tone, on the safe side.
  void stop() override { busy_until_ = clock_.now(); }

  std::int64_t patterns() const { return patterns_; }
  Duration sounding() const { return Duration(sounding_ms_); }

 private:
  const SimClock& clock_;
  SimBattery* battery_;
  ImplantTime busy_until_{};
  std::int64_t patterns_ = 0;
  std::int64_t sounding_ms_ = 0;
};

}  // namespace itdd::sim
