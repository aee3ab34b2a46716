// The implant's monotonic time source and its low-power sleep. A board implements it with an
// RTC and a wake-up timer; the simulator with a simulated clock that jumps to the wake-up.
#pragma once

#include "itdd/core/time.h"

namespace itdd::hal {

class Clock {
 public:
  virtual ImplantTime now() const = 0;

 protected:
  ~Clock() = default;
};

}  // namespace itdd::hal
