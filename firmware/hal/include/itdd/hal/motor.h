// The pump mechanism as the implant sees it: it can ask for one stroke and learn whether the
// rotor turned and how hard it had to work; it can count what the rotor sensor saw; and it can
// cut power to the motor driver. How much liquid a stroke moved is not measurable from inside
// the implant: the implant counts nominal stroke volumes and the simulator models the real ones.
#pragma once

#include <cstdint>

namespace itdd::hal {

enum class StrokeOutcome : std::uint8_t {
  kCompleted,  // the rotor completed its step
  kStalled,    // the rotor did not move (MRI field, wear, blockage)
};

struct StrokeFeedback {
  StrokeOutcome outcome = StrokeOutcome::kCompleted;
  // Drive effort the stroke needed, in per-mille of the motor's rated load (a board derives it
  // from coil current or back-EMF). It rises when the catheter is occluded.
  std::uint16_t load_permille = 0;
};

class Motor {
 public:
  virtual StrokeFeedback stroke() = 0;
  // Strokes the rotor sensor has seen since power-up, commanded or not: a runaway motor shows
  // here and nowhere else.
  virtual std::uint32_t sensed_strokes() const = 0;
  // Powers the motor driver on or off; off, nothing moves whatever is commanded.
  virtual void set_enabled(bool enabled) = 0;

 protected:
  ~Motor() = default;
};

}  // namespace itdd::hal
