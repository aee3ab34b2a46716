// The implant's sound: a piezo buzzer behind the titanium can. The implant hands it a pattern
// (a short table of tones) and goes back to sleep; the buzzer driver plays the pattern from
// its own timer, so `play` returns at once. A board implements it with a PWM channel and a
// timer; the simulator with a recorder; `itdd sim tones` renders the same patterns to WAV.
#pragma once

#include <cstdint>
#include <span>

namespace itdd::hal {

// One step of a pattern: a square/sine tone of `frequency_hz` for `duration_ms`.
// A frequency of 0 is a pause of that length (the buzzer is off and draws nothing).
struct ToneSegment {
  std::uint16_t frequency_hz = 0;
  std::uint16_t duration_ms = 0;
  constexpr bool operator==(const ToneSegment&) const = default;
};

enum class BuzzerOutcome : std::uint8_t {
  kStarted,  // the pattern is playing; it ends by itself after its total duration
  kBusy,     // a pattern is still playing; nothing changed, ask again later
  kFault,    // the driver detected a fault (open or shorted transducer); nothing plays
};

class Buzzer {
 public:
  // Starts playing `pattern` and returns at once. The segments must stay valid until the
  // pattern ends (the alarm module passes its compiled-in tables, which live forever).
  virtual BuzzerOutcome play(std::span<const ToneSegment> pattern) = 0;
  // Stops whatever is playing now (nothing if idle).
  virtual void stop() = 0;

 protected:
  ~Buzzer() = default;
};

}  // namespace itdd::hal
