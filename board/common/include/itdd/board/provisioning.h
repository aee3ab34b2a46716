// The product image's factory record: what the bench's `seed` and `provision` give a bench
// image, written once at manufacture into a flash page of its own (the linker script's FACTORY
// region on the emulated board; `board/tools/provisioning_record.py` makes one) and checked at
// every power-up. The image that has no bench reads its radio's entropy seed and the clinic's
// first programmer from it; a missing or damaged record leaves the radio off (docs/footprint.md,
// board/README.md).
//
// Layout, 80 bytes, little-endian, no padding:
//   0  magic     "ITDP" (0x49 0x54 0x44 0x50)
//   4  version   u16, 1
//   6  size      u16, 80 (the whole record)
//   8  seed      32 bytes: the random source's entropy (board_random.h); not all equal
//  40  role      u8: the first programmer's link::Role (1 clinician, 2 patient, 3 service)
//  41  reserved  3 bytes, zero
//  44  key       32 bytes: the first programmer's X25519 public key; not all zero
//  76  crc       u32: CRC-32 (storage/crc32.h, zlib's) of bytes 0..75
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/link/types.h"

namespace itdd::board {

inline constexpr std::size_t kProvisioningRecordSize = 80;
inline constexpr std::uint16_t kProvisioningVersion = 1;
inline constexpr std::array<std::uint8_t, 4> kProvisioningMagic = {0x49, 0x54, 0x44, 0x50};

struct ProvisioningRecord {
  std::array<std::uint8_t, 32> seed{};
  link::Role role = link::Role::kNone;
  link::PublicKey key{};
};

// The record at the start of `page` (at least kProvisioningRecordSize bytes), or why it cannot
// be used, its field named ("provisioning.crc": damaged; "provisioning.magic" with an erased
// page: none was written). Reads nothing beyond the record.
Result<ProvisioningRecord> read_provisioning_record(std::span<const std::uint8_t> page);

// The record's bytes (the host tool's format, for tests): the inverse of the reader.
std::array<std::uint8_t, kProvisioningRecordSize> encode_provisioning_record(
    const ProvisioningRecord& record);

}  // namespace itdd::board
