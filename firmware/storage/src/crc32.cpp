#include "itdd/storage/crc32.h"

#include <cstddef>

// On an x86-64 host whose processor multiplies without carries (PCLMULQDQ, most x86-64 made
// since about 2010; asked at run time, so the binary still runs on one without), sixteen bytes
// at a time are folded by carry-less multiplication instead of looked up: fewer instructions for
// the safety ledger's records (`Crc32::update` 70M -> 50M instructions a simulated pump-year,
// docs/performance.md). The same values: the tests check it against the bitwise definition.
// Never on the target.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    (!defined(ITDD_CRC32_TABLES) || ITDD_CRC32_TABLES == 16)
#define ITDD_CRC32_CLMUL 1
#include <immintrin.h>
#else
#define ITDD_CRC32_CLMUL 0
#endif

namespace itdd::storage {
namespace {

// kTables[0] is the classic byte table; kTables[k][n] is the CRC of byte n followed by k zero
// bytes, so sixteen bytes can be folded in at once ("slicing by 16"): a 16 KB table, one
// dependent lookup step per sixteen bytes. The safety ledger's 36-byte records (a sequence number
// and a payload, about 474,000 a simulated pump-year) take two sixteen-byte steps and a four-byte
// one (with carry-less multiplication, below, the four-byte step alone). A build for a
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

[[maybe_unused]] std::uint32_t load_le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

#if ITDD_CRC32_CLMUL
// The CRC state after `n` bytes (a multiple of 16, at least 16) from state `c`. The message is
// a polynomial over GF(2), bit-reflected as the tables are; the state is added to its first 32
// bits, then each 128-bit block is carried over the next by multiplying its halves by
// x^(128+64) and x^128 reduced modulo the CRC's polynomial P and adding them to it (the two
// constants below, reflected, as the folding literature writes them: x^(128+64) mod P and
// x^128 mod P shifted by one). The last 128 bits are brought to 64 (x^64 mod P) and then to 32
// by Barrett reduction (P itself and floor(x^64 / P)).
__attribute__((target("pclmul,sse4.1"))) std::uint32_t fold_clmul(std::uint32_t c,
                                                                  const std::uint8_t* p,
                                                                  std::size_t n) {
  const __m128i k_fold = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
  const __m128i k_64 = _mm_set_epi64x(0, 0x0163cd6124);
  const __m128i barrett = _mm_set_epi64x(0x01f7011641, 0x01db710641);  // high mu, low P
  const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
  __m128i x = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)),
                            _mm_cvtsi32_si128(static_cast<int>(c)));
  for (std::size_t i = 16; i < n; i += 16) {
    const __m128i lo = _mm_clmulepi64_si128(x, k_fold, 0x00);
    const __m128i hi = _mm_clmulepi64_si128(x, k_fold, 0x11);
    x = _mm_xor_si128(_mm_xor_si128(lo, hi),
                      _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
  }
  // 128 -> 64 bits, then 64 -> 32 bits (still a multiple of the message's remainder).
  x = _mm_xor_si128(_mm_srli_si128(x, 8), _mm_clmulepi64_si128(x, k_fold, 0x10));
  x = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x, low32), k_64, 0x00),
                    _mm_srli_si128(x, 4));
  // Barrett: the quotient by P from mu, its multiple of P taken away leaves the remainder.
  __m128i q = _mm_clmulepi64_si128(_mm_and_si128(x, low32), barrett, 0x10);
  q = _mm_clmulepi64_si128(_mm_and_si128(q, low32), barrett, 0x00);
  return static_cast<std::uint32_t>(_mm_extract_epi32(_mm_xor_si128(x, q), 1));
}

bool has_clmul() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
const bool kHasClmul = has_clmul();
#endif

}  // namespace

Crc32& Crc32::update(std::span<const std::uint8_t> bytes) {
  const std::uint32_t(&t)[kSlices][256] = kTables.t;
  std::uint32_t c = state_;
  const std::uint8_t* p = bytes.data();
  std::size_t n = bytes.size();
#if ITDD_CRC32_CLMUL
  if (n >= 16 && kHasClmul) {
    const std::size_t whole = n & ~std::size_t{15};
    c = fold_clmul(c, p, whole);
    p += whole;
    n -= whole;
  }
#endif
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
