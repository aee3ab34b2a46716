#include "itdd/host/json_range.h"

#include <fmt/format.h>

#include <string>

#include "itdd/host/decimal.h"

namespace itdd::host {
namespace {

std::string with_unit(std::int64_t count, std::int64_t scale, std::string_view unit,
                      std::string_view note = "") {
  std::string text = format_decimal(count, scale);
  if (!unit.empty()) text += fmt::format(" {}", unit);
  if (!note.empty()) text += fmt::format(" ({})", note);
  return text;
}

void check_range(const JsonValue& v, std::int64_t count, std::int64_t scale, const Range& r) {
  const bool low = r.above ? count <= r.min : count < r.min;
  if (!low && count <= r.max) return;
  v.refuse(fmt::format("must be {} {} and {}{} (got {})", r.above ? "above" : "between",
                       with_unit(r.min, scale, r.unit), r.above ? "at most " : "",
                       with_unit(r.max, scale, r.unit, r.max_note), v.number_text()));
}

}  // namespace

std::int64_t decimal_in(const JsonValue& v, std::int64_t scale, const Range& range) {
  const std::int64_t count = v.decimal(scale);
  check_range(v, count, scale, range);
  return count;
}

std::int64_t whole_in(const JsonValue& v, const Range& range) {
  const std::int64_t count = v.whole();
  check_range(v, count, 1, range);
  return count;
}

}  // namespace itdd::host
