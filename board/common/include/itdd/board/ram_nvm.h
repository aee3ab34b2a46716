// NOR flash in a block of memory the board owns: the emulated board's stand-in for its SPI NOR
// part. The same rules as the simulator's flash (sim/hal SimFlash) and the tests' FakeNvm:
// program only clears bits (1 -> 0) and refuses (kNotErased, writing nothing) where the data
// would need a 0 turned back into 1; only a sector erase sets bytes back to 0xFF; a program
// stays on program_unit boundaries and inside one page. Portable: the target keeps the bytes in
// a memory region that survives a reset, the host build in an array.
#pragma once

#include <cstdint>
#include <span>

#include "itdd/hal/nvm.h"

namespace itdd::board {

class RamNvm final : public hal::Nvm {
 public:
  // `bytes` must hold geometry.size() bytes and outlive the object.
  RamNvm(hal::NvmGeometry geometry, std::span<std::uint8_t> bytes)
      : geometry_(geometry), bytes_(bytes) {}

  // A factory-fresh part: every byte erased.
  void erase_all();

  hal::NvmGeometry geometry() const override { return geometry_; }
  hal::NvmStatus read(std::uint32_t address, std::span<std::uint8_t> out) override;
  hal::NvmStatus program(std::uint32_t address, std::span<const std::uint8_t> data) override;
  hal::NvmStatus erase_sector(std::uint32_t sector) override;

  std::uint32_t programs() const { return programs_; }
  std::uint32_t erases() const { return erases_; }

 private:
  bool in_range(std::uint32_t address, std::size_t length) const {
    return bytes_.size() >= geometry_.size() && address <= geometry_.size() &&
           length <= geometry_.size() - address;
  }

  hal::NvmGeometry geometry_;
  std::span<std::uint8_t> bytes_;
  std::uint32_t programs_ = 0;
  std::uint32_t erases_ = 0;
};

}  // namespace itdd::board
