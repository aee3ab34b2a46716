// Where a flexible program stands at a given schedule time: the flow of the step in force and
// when the next step (or the next midnight, where the weekday may change) begins.
#pragma once

#include <cstdint>

#include "itdd/therapy/prescription.h"

namespace itdd::therapy {

struct FlexPosition {
  FlowRate flow{};
  std::int64_t next_boundary_ms = 0;  // schedule time (local ms since 1970) of the next change
  std::uint8_t step_index = 0;
};

// `schedule_ms` is local time in ms since 1970-01-01 00:00. Bounded: at most 48 comparisons.
FlexPosition locate(const FlexProgram& flex, Concentration concentration, std::int64_t schedule_ms);

}  // namespace itdd::therapy
