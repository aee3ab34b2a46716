// The scenario reader's fields: exact decimals within the range a field allows (host/text's
// json_range.h, shared with the pump models' reader), and minutes. Internal to itdd_scenario;
// used inside host::read_json, where every refusal unwinds to the reader's entry.
#pragma once

#include <cstdint>

#include "itdd/core/units.h"
#include "itdd/host/json_range.h"
#include "itdd/host/json_reader.h"

namespace itdd::scenario::detail {

using host::decimal_in;
using host::JsonObject;
using host::JsonValue;
using host::Range;
using host::whole_in;

// Minutes, read to the thousandth (60 ms), as a Duration within [min, max] minutes.
Duration minutes_in(const JsonValue& v, std::int64_t min_minutes, std::int64_t max_minutes);

}  // namespace itdd::scenario::detail
