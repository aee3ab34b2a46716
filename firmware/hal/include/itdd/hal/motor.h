// The pump mechanism as the implant sees it: it can ask for one stroke and learn whether the
// rotor turned. How much liquid that stroke moved is not measurable from inside the implant;
// the implant counts nominal stroke volumes and the simulator models the real ones.
#pragma once

#include <cstdint>

namespace itdd::hal {

enum class StrokeOutcome : std::uint8_t {
  kCompleted,  // the rotor completed its step
  kStalled,    // the rotor did not move (MRI field, wear, blockage)
};

class Motor {
 public:
  virtual StrokeOutcome stroke() = 0;

 protected:
  ~Motor() = default;
};

}  // namespace itdd::hal
