// A JSON field read as an exact decimal (json_reader.h) within the range it allows, refused with
// that range in the field's unit: "must be between 0 and 100 mL (the reservoir's capacity) (got
// 120)". Shared by the readers of data files and scenarios (pump models, scenario files); only
// inside a host::read_json callback, where every refusal unwinds to the reader's entry.
#pragma once

#include <cstdint>
#include <string_view>

#include "itdd/host/json_reader.h"

namespace itdd::host {

// What a field allows: from `min` (excluded when `above`) to `max`, as counts at the field's
// scale; `unit` is shown after the bounds and `max_note` says where the maximum comes from
// ("the reservoir's capacity").
struct Range {
  std::int64_t min = 0;
  std::int64_t max = 0;
  bool above = false;
  std::string_view unit;
  std::string_view max_note;
};

// The field as an exact count of 1/scale units (scale a power of ten: 10^6 for mL to nL),
// within `range` (in the same counts). Refuses a value finer than 1/scale ("at most 6 decimal
// places"), negative, beyond 64 bits or outside the range.
std::int64_t decimal_in(const JsonValue& v, std::int64_t scale, const Range& range);
// A whole number within `range` (scale 1).
std::int64_t whole_in(const JsonValue& v, const Range& range);

}  // namespace itdd::host
