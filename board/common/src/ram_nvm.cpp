#include "itdd/board/ram_nvm.h"

#include <cstring>

namespace itdd::board {

void RamNvm::erase_all() {
  for (std::uint32_t s = 0; s < geometry_.sector_count; ++s) (void)erase_sector(s);
  erases_ = 0;
}

hal::NvmStatus RamNvm::read(std::uint32_t address, std::span<std::uint8_t> out) {
  if (!in_range(address, out.size())) return hal::NvmStatus::kOutOfRange;
  if (!out.empty()) std::memcpy(out.data(), bytes_.data() + address, out.size());
  return hal::NvmStatus::kOk;
}

hal::NvmStatus RamNvm::program(std::uint32_t address, std::span<const std::uint8_t> data) {
  if (!in_range(address, data.size())) return hal::NvmStatus::kOutOfRange;
  if (address % geometry_.program_unit != 0 || data.size() % geometry_.program_unit != 0) {
    return hal::NvmStatus::kMisaligned;
  }
  if (!data.empty() &&
      address / geometry_.page_size != (address + data.size() - 1) / geometry_.page_size) {
    return hal::NvmStatus::kCrossesPage;
  }
  for (std::size_t i = 0; i < data.size(); ++i) {
    if ((bytes_[address + i] & data[i]) != data[i]) return hal::NvmStatus::kNotErased;
  }
  for (std::size_t i = 0; i < data.size(); ++i) bytes_[address + i] &= data[i];
  ++programs_;
  return hal::NvmStatus::kOk;
}

hal::NvmStatus RamNvm::erase_sector(std::uint32_t sector) {
  if (sector >= geometry_.sector_count || bytes_.size() < geometry_.size()) {
    return hal::NvmStatus::kOutOfRange;
  }
  std::memset(bytes_.data() + static_cast<std::size_t>(sector) * geometry_.sector_size, 0xFF,
              geometry_.sector_size);
  ++erases_;
  return hal::NvmStatus::kOk;
}

}  // namespace itdd::board
