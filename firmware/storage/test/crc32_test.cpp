// CRC-32 against the published check values, and the incremental form against the one-shot.
#include "itdd/storage/crc32.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <vector>

namespace itdd::storage {
namespace {

std::span<const std::uint8_t> text(const char* s) {
  return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)};
}

TEST(Crc32, CheckValues) {
  EXPECT_EQ(crc32(text("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32(text("")), 0x00000000u);
  EXPECT_EQ(crc32(text("a")), 0xE8B7BE43u);
  EXPECT_EQ(crc32(text("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
}

TEST(Crc32, U32IsLittleEndianBytes) {
  const std::uint8_t le[4] = {0x78, 0x56, 0x34, 0x12};
  EXPECT_EQ(Crc32().update_u32(0x12345678u).value(), crc32(le));
}

RC_GTEST_PROP(Crc32, PiecesGiveTheSameValue, (const std::vector<std::uint8_t>& bytes)) {
  const std::size_t cut = bytes.empty() ? 0 : *rc::gen::inRange<std::size_t>(0, bytes.size());
  const std::span<const std::uint8_t> all(bytes);
  Crc32 c;
  c.update(all.first(cut)).update(all.subspan(cut));
  RC_ASSERT(c.value() == crc32(all));
}

// The definition, one bit at a time: what the sliced tables must agree with at every length
// and alignment.
std::uint32_t crc32_bitwise(std::span<const std::uint8_t> bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const std::uint8_t b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return ~c;
}

RC_GTEST_PROP(Crc32, SlicedEqualsBitwise, (const std::vector<std::uint8_t>& bytes)) {
  const std::size_t skip = bytes.empty() ? 0 : *rc::gen::inRange<std::size_t>(0, bytes.size());
  const std::span<const std::uint8_t> all(bytes);
  RC_ASSERT(crc32(all) == crc32_bitwise(all));
  RC_ASSERT(crc32(all.subspan(skip)) == crc32_bitwise(all.subspan(skip)));
}

// Every length up to 300 bytes at every alignment in sixteen, continued from an earlier piece:
// each way through the host's steps (folded sixteen-byte blocks, the eight-, four- and one-byte
// tails) and the byte table's.
TEST(Crc32, EveryLengthAndAlignmentEqualsBitwise) {
  std::vector<std::uint8_t> bytes(320);
  std::uint32_t x = 0x9E3779B9u;
  for (std::uint8_t& b : bytes) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::uint8_t>(x >> 24);
  }
  const std::span<const std::uint8_t> all(bytes);
  for (std::size_t offset = 0; offset < 16; ++offset) {
    for (std::size_t n = 0; n <= 300; ++n) {
      const std::span<const std::uint8_t> piece = all.subspan(offset, n);
      ASSERT_EQ(crc32(piece), crc32_bitwise(piece)) << "offset " << offset << ", length " << n;
      Crc32 c;
      c.update(all.first(3)).update(piece);
      std::vector<std::uint8_t> joined(all.begin(), all.begin() + 3);
      joined.insert(joined.end(), piece.begin(), piece.end());
      ASSERT_EQ(c.value(), crc32_bitwise(joined)) << "offset " << offset << ", length " << n;
    }
  }
}

RC_GTEST_PROP(Crc32, AnySingleBitFlipChangesIt, (const std::vector<std::uint8_t>& bytes)) {
  RC_PRE(!bytes.empty());
  std::vector<std::uint8_t> flipped = bytes;
  const std::size_t at = *rc::gen::inRange<std::size_t>(0, bytes.size());
  const int bit = *rc::gen::inRange(0, 8);
  flipped[at] ^= static_cast<std::uint8_t>(1 << bit);
  RC_ASSERT(crc32(flipped) != crc32(bytes));
}

}  // namespace
}  // namespace itdd::storage
