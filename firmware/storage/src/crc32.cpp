#include "itdd/storage/crc32.h"

#include <cstddef>

namespace itdd::storage {
namespace {

// kTables[0] is the classic byte table; kTables[k][n] is the CRC of byte n followed by k zero
// bytes, so sixteen bytes can be folded in at once ("slicing by 16"): a 16 KB table, one
// dependent lookup step per sixteen bytes. The safety ledger's 36-byte records (a sequence number
// and a payload, about 474,000 a simulated pump-year) take two sixteen-byte steps and a four-byte
// one instead of four eight-byte steps and a four-byte one: the steps wait for each other, so
// fewer of them is what makes the CRC faster (docs/performance.md). A build for a
// microcontroller sets ITDD_CRC32_TABLES=1 (firmware/storage/CMakeLists.txt): the byte table
// alone, 1 KB of flash instead of 16 (docs/footprint.md), the same values a byte at a time. Plain
// arrays, so that even an unoptimised build indexes them directly.
#ifndef ITDD_CRC32_TABLES
#define ITDD_CRC32_TABLES 16
#endif
constexpr std::size_t kSlices = ITDD_CRC32_TABLES;
static_assert(kSlices == 1 || kSlices == 16, "CRC-32 tables: 1 (a byte a step) or 16 (sliced)");

struct Tables {
  std::uint32_t t[kSlices][256];
};
constexpr Tables make_tables() {
  Tables tables{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    tables.t[0][n] = c;
  }
  for (std::size_t k = 1; k < kSlices; ++k) {
    for (std::uint32_t n = 0; n < 256; ++n) {
      tables.t[k][n] = (tables.t[k - 1][n] >> 8) ^ tables.t[0][tables.t[k - 1][n] & 0xFFu];
    }
  }
  return tables;
}

constexpr Tables kTables = make_tables();

std::uint32_t load_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

Crc32& Crc32::update(std::span<const std::uint8_t> bytes) {
  const std::uint32_t(&t)[kSlices][256] = kTables.t;
  std::uint32_t c = state_;
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
  if constexpr (kSlices == 16) {
    // Bytes i of a step go through table (step - 1 - i); the first four are folded into the
    // state first (little-endian).
    for (; n >= 16; n -= 16, p += 16) {
      const std::uint32_t lo = c ^ load_le32(p);
      c = t[15][lo & 0xFFu] ^ t[14][(lo >> 8) & 0xFFu] ^ t[13][(lo >> 16) & 0xFFu] ^
          t[12][lo >> 24] ^ t[11][p[4]] ^ t[10][p[5]] ^ t[9][p[6]] ^ t[8][p[7]] ^ t[7][p[8]] ^
          t[6][p[9]] ^ t[5][p[10]] ^ t[4][p[11]] ^ t[3][p[12]] ^ t[2][p[13]] ^ t[1][p[14]] ^
          t[0][p[15]];
    }
    if (n >= 8) {
      const std::uint32_t lo = c ^ load_le32(p);
      c = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
      n -= 8;
      p += 8;
    }
    if (n >= 4) {
      // Four left (a 36-byte record's sequence number and payload end so): one step, not four.
      const std::uint32_t lo = c ^ load_le32(p);
      c = t[3][lo & 0xFFu] ^ t[2][(lo >> 8) & 0xFFu] ^ t[1][(lo >> 16) & 0xFFu] ^ t[0][lo >> 24];
      n -= 4;
      p += 4;
    }
  }
  for (; n > 0; --n, ++p) c = t[0][(c ^ *p) & 0xFFu] ^ (c >> 8);
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
