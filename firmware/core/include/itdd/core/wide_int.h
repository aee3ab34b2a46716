// A signed 128-bit integer for targets whose compiler has no __int128 (32-bit Arm: the implant's
// Cortex-M4). It is the firmware's intermediate for products of two 64-bit quantities
// (units.h's Int128), so it behaves exactly as __int128 does where that exists: two's
// complement, wrapping on overflow, division truncating toward zero. Tested against __int128
// on the host (core/test/wide_int_test.cpp) and used for real in the target build.
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>

namespace itdd {

class WideInt128 {
 public:
  constexpr WideInt128() = default;
  // Implicit from any built-in integer, as the built-in type converts.
  template <std::integral T>
  constexpr WideInt128(T v)  // NOLINT(google-explicit-constructor)
      : hi_(static_cast<std::int64_t>(v) < 0 ? -1 : 0),
        lo_(static_cast<std::uint64_t>(static_cast<std::int64_t>(v))) {
    if constexpr (std::unsigned_integral<T> && sizeof(T) == 8) hi_ = 0;
  }
  // Truncating, as a static_cast from __int128 to a narrower integer is.
  template <std::integral T>
  constexpr explicit operator T() const {
    return static_cast<T>(lo_);
  }

  constexpr std::int64_t high() const { return hi_; }
  constexpr std::uint64_t low() const { return lo_; }

  friend constexpr WideInt128 operator+(WideInt128 a, WideInt128 b) {
    const std::uint64_t lo = a.lo_ + b.lo_;
    const std::uint64_t carry = lo < a.lo_ ? 1 : 0;
    return from_bits(static_cast<std::uint64_t>(a.hi_) + static_cast<std::uint64_t>(b.hi_) + carry,
                     lo);
  }
  constexpr WideInt128 operator-() const {
    return from_bits(~static_cast<std::uint64_t>(hi_), ~lo_) + WideInt128(1);
  }
  friend constexpr WideInt128 operator-(WideInt128 a, WideInt128 b) { return a + -b; }
  friend constexpr WideInt128 operator*(WideInt128 a, WideInt128 b) {
    // Modulo 2^128: the low halves' full 128-bit product, plus the cross terms in the high half.
    const std::uint64_t a0 = a.lo_ & 0xFFFFFFFFu, a1 = a.lo_ >> 32;
    const std::uint64_t b0 = b.lo_ & 0xFFFFFFFFu, b1 = b.lo_ >> 32;
    const std::uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    const std::uint64_t middle = (p00 >> 32) + (p01 & 0xFFFFFFFFu) + (p10 & 0xFFFFFFFFu);
    const std::uint64_t lo = (middle << 32) | (p00 & 0xFFFFFFFFu);
    const std::uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32) +
                             a.lo_ * static_cast<std::uint64_t>(b.hi_) +
                             static_cast<std::uint64_t>(a.hi_) * b.lo_;
    return from_bits(hi, lo);
  }
  // Truncates toward zero; the remainder has the dividend's sign (as C++). Division by zero is
  // undefined, as it is for built-in integers; the firmware never divides by zero.
  friend constexpr WideInt128 operator/(WideInt128 a, WideInt128 b) {
    const bool negative = a.negative() != b.negative();
    const WideInt128 q = divide(a.magnitude(), b.magnitude(), nullptr);
    return negative ? -q : q;
  }
  friend constexpr WideInt128 operator%(WideInt128 a, WideInt128 b) {
    WideInt128 r;
    (void)divide(a.magnitude(), b.magnitude(), &r);
    return a.negative() ? -r : r;
  }
  constexpr WideInt128& operator+=(WideInt128 o) { return *this = *this + o; }
  constexpr WideInt128& operator-=(WideInt128 o) { return *this = *this - o; }
  constexpr WideInt128& operator*=(WideInt128 o) { return *this = *this * o; }
  constexpr WideInt128& operator/=(WideInt128 o) { return *this = *this / o; }

  friend constexpr bool operator==(WideInt128 a, WideInt128 b) {
    return a.hi_ == b.hi_ && a.lo_ == b.lo_;
  }
  friend constexpr std::strong_ordering operator<=>(WideInt128 a, WideInt128 b) {
    if (a.hi_ != b.hi_) return a.hi_ <=> b.hi_;
    return a.lo_ <=> b.lo_;
  }

 private:
  static constexpr WideInt128 from_bits(std::uint64_t hi, std::uint64_t lo) {
    WideInt128 v;
    v.hi_ = static_cast<std::int64_t>(hi);
    v.lo_ = lo;
    return v;
  }
  constexpr bool negative() const { return hi_ < 0; }
  // |v| as an unsigned bit pattern (the most negative value stays itself, read as unsigned).
  constexpr WideInt128 magnitude() const { return negative() ? -*this : *this; }
  // Unsigned long division of the bit patterns n / d: 128 steps of shift and subtract.
  static constexpr WideInt128 divide(WideInt128 n, WideInt128 d, WideInt128* remainder) {
    std::uint64_t qh = 0, ql = 0, rh = 0, rl = 0;
    const auto nh = static_cast<std::uint64_t>(n.hi_);
    const auto dh = static_cast<std::uint64_t>(d.hi_);
    for (int bit = 127; bit >= 0; --bit) {
      // r = (r << 1) | bit of n
      rh = (rh << 1) | (rl >> 63);
      const std::uint64_t next = bit >= 64 ? (nh >> (bit - 64)) & 1 : (n.lo_ >> bit) & 1;
      rl = (rl << 1) | next;
      if (rh > dh || (rh == dh && rl >= d.lo_)) {
        const std::uint64_t borrow = rl < d.lo_ ? 1 : 0;
        rl -= d.lo_;
        rh = rh - dh - borrow;
        if (bit >= 64) {
          qh |= std::uint64_t{1} << (bit - 64);
        } else {
          ql |= std::uint64_t{1} << bit;
        }
      }
    }
    if (remainder != nullptr) *remainder = from_bits(rh, rl);
    return from_bits(qh, ql);
  }

  std::int64_t hi_ = 0;
  std::uint64_t lo_ = 0;
};

}  // namespace itdd
