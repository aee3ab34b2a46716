// What the storage modules share: a region of whole sectors, checked access to hal::Nvm that
// turns its status into an itdd::Status, page-split programming, and little-endian packing (the
// bytes in flash do not depend on the compiler's struct layout).
#pragma once

#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/hal/nvm.h"

namespace itdd::storage {

// A run of whole sectors owned by one store.
struct Region {
  std::uint32_t first_sector = 0;
  std::uint32_t sector_count = 0;
};

inline constexpr std::uint32_t kMaxProgramUnit = 32;

constexpr std::uint32_t round_up(std::uint32_t n, std::uint32_t unit) {
  return (n + unit - 1) / unit * unit;
}

// The geometry storage can use: program_unit a power of two up to kMaxProgramUnit, dividing the
// page, the page dividing the sector.
Status check_geometry(const hal::NvmGeometry& g, const char* field);
// The region lies inside the device and holds at least `min_sectors` sectors.
Status check_region(const hal::NvmGeometry& g, Region r, std::uint32_t min_sectors,
                    const char* field);

// kOk becomes Ok; anything else an error naming `field`, with `index` (a sector or slot).
Status nvm_status(hal::NvmStatus s, const char* field, std::int32_t index = -1);

Status read_bytes(hal::Nvm& nvm, std::uint32_t address, std::span<std::uint8_t> out,
                  const char* field, std::int32_t index = -1);
// Programs `data` (address and length multiples of the program unit) in as many page-sized
// operations as it spans, in address order.
Status program_bytes(hal::Nvm& nvm, std::uint32_t address, std::span<const std::uint8_t> data,
                     const char* field, std::int32_t index = -1);
// The same with the device's page size already known (a store that writes often asks once).
Status program_bytes(hal::Nvm& nvm, std::uint32_t page_size, std::uint32_t address,
                     std::span<const std::uint8_t> data, const char* field,
                     std::int32_t index = -1);

bool all_erased(std::span<const std::uint8_t> bytes);

// Little-endian packing.
inline void put_u16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void put_i64(std::uint8_t* p, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(u >> (8 * i));
}
inline std::uint16_t get_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
inline std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}
inline std::int64_t get_i64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return static_cast<std::int64_t>(v);
}

}  // namespace itdd::storage
