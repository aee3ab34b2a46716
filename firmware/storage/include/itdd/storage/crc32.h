// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, initial and final value 0xFFFFFFFF: the
// one zlib, PNG and Ethernet use; "123456789" gives 0xCBF43926). On the host sixteen bytes a
// step, by carry-less multiplication where the processor has it, else from sixteen 1 KB tables;
// one table on a microcontroller, a byte a step (src/crc32.cpp). Detects every error of up to 3
// bits in a record and any burst up to 32 bits; a random corruption passes with probability
// 2^-32.
#pragma once

#include <cstdint>
#include <span>

namespace itdd::storage {

// Incremental form: feed the bytes in any number of pieces.
class Crc32 {
 public:
  Crc32& update(std::span<const std::uint8_t> bytes);
  Crc32& update_u32(std::uint32_t v);  // little-endian
  std::uint32_t value() const { return ~state_; }

 private:
  std::uint32_t state_ = 0xFFFFFFFFu;
};

std::uint32_t crc32(std::span<const std::uint8_t> bytes);

}  // namespace itdd::storage
