// Small helpers for secrets inside the link's sources: zero tests and wiping that the compiler
// may not drop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace itdd::link {

template <std::size_t N>
constexpr bool is_zero(const std::array<std::uint8_t, N>& bytes) {
  std::uint8_t any = 0;
  for (const std::uint8_t b : bytes) any = static_cast<std::uint8_t>(any | b);
  return any == 0;
}

template <class T, std::size_t N>
void wipe(std::array<T, N>& bytes) {
  volatile T* p = bytes.data();
  for (std::size_t i = 0; i < N; ++i) p[i] = T{};
}

}  // namespace itdd::link
