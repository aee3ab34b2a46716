#include "fields.h"

namespace itdd::scenario::detail {

Duration minutes_in(const JsonValue& v, std::int64_t min_minutes, std::int64_t max_minutes) {
  // A thousandth of a minute is 60 ms: every value read is a whole number of ms.
  const std::int64_t thousandths =
      decimal_in(v, 1000, Range{min_minutes * 1000, max_minutes * 1000, false, "minutes", ""});
  return Duration(thousandths * (kMillisPerMinute / 1000));
}

}  // namespace itdd::scenario::detail
