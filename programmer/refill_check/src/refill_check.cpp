#include "itdd/programmer/refill_check.h"

namespace itdd::programmer {

Volume discrepancy_threshold(Volume reservoir_capacity) {
  const Volume five_percent(reservoir_capacity.count() / 20);
  return five_percent > microlitres(500) ? five_percent : microlitres(500);
}

Result<RefillCheck> check_refill(Volume expected, Volume withdrawn, Volume reservoir_capacity) {
  if (reservoir_capacity.count() <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "reservoir_capacity", "must be above 0");
  }
  if (withdrawn.count() < 0 || withdrawn > reservoir_capacity) {
    return make_error(ErrorCode::kInvalidArgument, "withdrawn",
                      "must be between 0 and the reservoir's capacity");
  }
  if (expected.count() < 0 || expected > reservoir_capacity) {
    return make_error(ErrorCode::kInvalidArgument, "expected",
                      "must be between 0 and the reservoir's capacity");
  }
  RefillCheck c;
  c.expected = expected;
  c.withdrawn = withdrawn;
  c.difference = withdrawn - expected;
  c.threshold = discrepancy_threshold(reservoir_capacity);
  if (c.difference.count() < -c.threshold.count()) {
    c.finding = RefillFinding::kLessThanExpected;
  } else if (c.difference > c.threshold) {
    c.finding = RefillFinding::kMoreThanExpected;
  }
  return c;
}

const char* describe(RefillFinding finding) {
  switch (finding) {
    case RefillFinding::kAsExpected:
      return "as expected";
    case RefillFinding::kLessThanExpected:
      return "less than expected: possible over-infusion (stroke-volume drift), a leak, or a "
             "pocket fill at the last refill";
    case RefillFinding::kMoreThanExpected:
      return "more than expected: possible under-infusion (stalls, occlusion, pump stopped) or "
             "more filled than recorded";
  }
  return "unknown";
}

}  // namespace itdd::programmer
