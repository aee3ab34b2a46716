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
