// The simulated monotonic clock. It never runs by itself: the runner jumps it straight to the
// implant's next wake-up (or the next scenario event), which is what makes years take seconds.
#pragma once

#include <cassert>

#include "itdd/hal/clock.h"

namespace itdd::sim {

class SimClock final : public hal::Clock {
 public:
  explicit SimClock(ImplantTime start = ImplantTime(0)) : now_(start) {}

  ImplantTime now() const override { return now_; }

  // Monotonic like the implant's RTC: moving back would be a runner bug.
  void advance_to(ImplantTime t) {
    assert(t >= now_);
    now_ = t;
  }

 private:
  ImplantTime now_;
};

}  // namespace itdd::sim
