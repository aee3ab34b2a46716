// WideInt128 (the target's Int128) against the compiler's __int128: every operation the
// firmware uses, on random operands, including the edges (zero, ±1, the 64-bit limits, values
// that overflow into the high half).
#include "itdd/core/wide_int.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <limits>

namespace itdd {
namespace {

__extension__ typedef __int128 Native;

Native native(WideInt128 w) {
  return static_cast<Native>(
      (static_cast<unsigned __int128>(static_cast<std::uint64_t>(w.high())) << 64) | w.low());
}

WideInt128 wide(Native n) {
  // Built from two 64-bit halves the way the firmware builds its values: products and sums.
  const auto hi = static_cast<std::int64_t>(n >> 64);
  const auto lo = static_cast<std::uint64_t>(n);
  return WideInt128(hi) * WideInt128(std::uint64_t{1} << 32) * WideInt128(std::uint64_t{1} << 32) +
         WideInt128(lo);
}

rc::Gen<Native> operand() {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](std::int64_t v) { return Native(v); }),
      rc::gen::map(
          rc::gen::pair(rc::gen::arbitrary<std::int64_t>(), rc::gen::arbitrary<std::int64_t>()),
          [](auto p) { return Native(p.first) * Native(p.second); }),
      rc::gen::element(Native(0), Native(1), Native(-1), Native(max), Native(min), Native(max) * 3,
                       Native(min) * 2 + 1));
}

TEST(WideInt128, RoundTripsThroughItsHalves) {
  for (Native v : {Native(0), Native(-1), Native(1) << 100, -(Native(1) << 100) + 7}) {
    EXPECT_TRUE(native(wide(v)) == v);
  }
}

RC_GTEST_PROP(WideInt128, ArithmeticMatchesInt128, ()) {
  const Native a = *operand();
  const Native b = *operand();
  const WideInt128 wa = wide(a);
  const WideInt128 wb = wide(b);
  RC_ASSERT(native(wa + wb) == static_cast<Native>(static_cast<unsigned __int128>(a) + b));
  RC_ASSERT(native(wa - wb) == static_cast<Native>(static_cast<unsigned __int128>(a) - b));
  RC_ASSERT(native(wa * wb) == static_cast<Native>(static_cast<unsigned __int128>(a) *
                                                   static_cast<unsigned __int128>(b)));
  RC_ASSERT(native(-wa) == static_cast<Native>(-static_cast<unsigned __int128>(a)));
  RC_ASSERT((wa < wb) == (a < b));
  RC_ASSERT((wa == wb) == (a == b));
  RC_ASSERT((wa >= 0) == (a >= 0));
  RC_ASSERT(static_cast<std::int64_t>(wa) == static_cast<std::int64_t>(a));
  if (b != 0) {
    RC_ASSERT(native(wa / wb) == a / b);
    RC_ASSERT(native(wa % wb) == a % b);
  }
}

TEST(WideInt128, MixesWithBuiltInIntegersAsInt128Does) {
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  const WideInt128 p = WideInt128(big) * big;
  EXPECT_TRUE(native(p) == Native(big) * big);
  EXPECT_EQ(static_cast<std::int64_t>((p + big - 1) / big), big);
  EXPECT_TRUE(native(WideInt128(-7) / 2) == -3);
  EXPECT_TRUE(native(WideInt128(-7) % 2) == -1);
  EXPECT_TRUE(native(WideInt128(std::numeric_limits<std::uint64_t>::max())) ==
              Native(std::numeric_limits<std::uint64_t>::max()));
}

}  // namespace
}  // namespace itdd
