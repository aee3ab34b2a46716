#include "itdd/storage/crc32.h"

#include <array>

namespace itdd::storage {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kTable = make_table();

}  // namespace

Crc32& Crc32::update(std::span<const std::uint8_t> bytes) {
  std::uint32_t c = state_;
  for (const std::uint8_t b : bytes) c = kTable[(c ^ b) & 0xFFu] ^ (c >> 8);
  state_ = c;
  return *this;
}

Crc32& Crc32::update_u32(std::uint32_t v) {
  const std::uint8_t le[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                              static_cast<std::uint8_t>(v >> 16),
                              static_cast<std::uint8_t>(v >> 24)};
  return update(le);
}

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  return Crc32().update(bytes).value();
}

}  // namespace itdd::storage
