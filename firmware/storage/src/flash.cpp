#include "itdd/storage/flash.h"

namespace itdd::storage {

Status check_geometry(const hal::NvmGeometry& g, const char* field) {
  const std::uint32_t u = g.program_unit;
  if (u == 0 || u > kMaxProgramUnit || (u & (u - 1)) != 0) {
    return make_error(ErrorCode::kInvalidArgument, field,
                      "flash program unit must be a power of two up to 32 bytes");
  }
  if (g.page_size == 0 || g.page_size % u != 0 || g.sector_size == 0 ||
      g.sector_size % g.page_size != 0) {
    return make_error(ErrorCode::kInvalidArgument, field,
                      "flash page must be whole program units and divide the sector");
  }
  return Status::Ok();
}

Status check_region(const hal::NvmGeometry& g, Region r, std::uint32_t min_sectors,
                    const char* field) {
  if (Status s = check_geometry(g, field); !s) return s;
  if (r.sector_count < min_sectors || r.first_sector > g.sector_count ||
      r.sector_count > g.sector_count - r.first_sector) {
    return make_error(ErrorCode::kInvalidArgument, field,
                      "region is outside the flash or has too few sectors");
  }
  return Status::Ok();
}

Status nvm_status(hal::NvmStatus s, const char* field, std::int32_t index) {
  switch (s) {
    case hal::NvmStatus::kOk:
      return Status::Ok();
    case hal::NvmStatus::kOutOfRange:
      return make_error(ErrorCode::kInvalidArgument, field, "flash: address out of range", index);
    case hal::NvmStatus::kMisaligned:
      return make_error(ErrorCode::kInvalidArgument, field, "flash: misaligned program", index);
    case hal::NvmStatus::kCrossesPage:
      return make_error(ErrorCode::kInvalidArgument, field, "flash: program crosses a page", index);
    case hal::NvmStatus::kNotErased:
      return make_error(ErrorCode::kIo, field, "flash: program over bits not erased", index);
    case hal::NvmStatus::kPowerLost:
      return make_error(ErrorCode::kIo, field, "flash: power lost", index);
    case hal::NvmStatus::kFault:
      return make_error(ErrorCode::kIo, field, "flash: device fault", index);
  }
  return make_error(ErrorCode::kIo, field, "flash: unknown status", index);
}

Status read_bytes(hal::Nvm& nvm, std::uint32_t address, std::span<std::uint8_t> out,
                  const char* field, std::int32_t index) {
  return nvm_status(nvm.read(address, out), field, index);
}

Status program_bytes(hal::Nvm& nvm, std::uint32_t address, std::span<const std::uint8_t> data,
                     const char* field, std::int32_t index) {
  return program_bytes(nvm, nvm.geometry().page_size, address, data, field, index);
}

Status program_bytes(hal::Nvm& nvm, std::uint32_t page, std::uint32_t address,
                     std::span<const std::uint8_t> data, const char* field, std::int32_t index) {
  if (page == 0) return nvm_status(hal::NvmStatus::kMisaligned, field, index);
  std::size_t done = 0;
  // Bounded: one pass per page the data spans.
  while (done < data.size()) {
    const std::uint32_t at = address + static_cast<std::uint32_t>(done);
    // A power-of-two page (every real one) needs no division.
    const std::uint32_t in_page = (page & (page - 1)) == 0 ? at & (page - 1) : at % page;
    const std::size_t room = page - in_page;
    const std::size_t n = data.size() - done < room ? data.size() - done : room;
    if (Status s = nvm_status(nvm.program(at, data.subspan(done, n)), field, index); !s) return s;
    done += n;
  }
  return Status::Ok();
}

bool all_erased(std::span<const std::uint8_t> bytes) {
  for (const std::uint8_t b : bytes) {
    if (b != 0xFF) return false;
  }
  return true;
}

}  // namespace itdd::storage
