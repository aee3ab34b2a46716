#include "itdd/host/error_text.h"

#include "itdd/core/units.h"
#include "itdd/host/decimal.h"

namespace itdd::host {

namespace {
// Exact decimals in the unit clinicians use: no rounding of either figure.
std::string quantity_text(std::int64_t value, ErrorUnit unit) {
  switch (unit) {
    case ErrorUnit::kNanolitresPerDay:
      return format_decimal(value, kNanolitresPerMillilitre) + " mL/day";
    case ErrorUnit::kNone:
      break;
  }
  return std::to_string(value);
}
}  // namespace

std::string limit_text(const Error& e) {
  const ErrorValues& v = e.values;
  if (v.limit == ErrorLimit::kNone || v.unit == ErrorUnit::kNone) return "";
  const char* which = v.limit == ErrorLimit::kMinimum ? "minimum" : "maximum";
  return quantity_text(v.requested, v.unit) + " requested, this pump's " + which + " is " +
         quantity_text(v.allowed, v.unit);
}

std::string message_text(const Error& e) {
  const std::string limit = limit_text(e);
  if (limit.empty()) return e.message;
  return std::string(e.message) + ": " + limit;
}

}  // namespace itdd::host
