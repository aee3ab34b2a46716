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

Refusal refusal_of(const Error& e) {
  std::string where = e.field;
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "[" + string&&.
  for (const std::int32_t i : {e.index, e.sub_index}) {
    if (i < 0) continue;
    where += '[';
    where += std::to_string(i);
    where += ']';
  }
  return Refusal{std::move(where), message_text(e), kind_of(e.code)};
}

RefusalKind kind_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return RefusalKind::kInvalidArgument;
    case ErrorCode::kMismatch:
      return RefusalKind::kMismatch;
    case ErrorCode::kRefused:
      return RefusalKind::kRefused;
    case ErrorCode::kCapacity:
      return RefusalKind::kCapacity;
    case ErrorCode::kCorrupt:
      return RefusalKind::kCorrupt;
    case ErrorCode::kIo:
      return RefusalKind::kIo;
  }
  return RefusalKind::kInvalidArgument;
}

ErrorCode error_code_of(RefusalKind kind) {
  switch (kind) {
    case RefusalKind::kInvalidArgument:
    case RefusalKind::kNotFound:
      return ErrorCode::kInvalidArgument;
    case RefusalKind::kMismatch:
    case RefusalKind::kConflict:
      return ErrorCode::kMismatch;
    case RefusalKind::kRefused:
    case RefusalKind::kNotInitialised:
    case RefusalKind::kSchemaTooNew:
    case RefusalKind::kUncertain:
      return ErrorCode::kRefused;
    case RefusalKind::kCapacity:
      return ErrorCode::kCapacity;
    case RefusalKind::kCorrupt:
      return ErrorCode::kCorrupt;
    case RefusalKind::kIo:
    case RefusalKind::kUnavailable:
    case RefusalKind::kNotRecorded:
      return ErrorCode::kIo;
  }
  return ErrorCode::kInvalidArgument;
}

}  // namespace itdd::host
