// Non-volatile memory as the implant sees it: NOR flash. Reading is free; programming can only
// turn bits from 1 to 0; only erasing a whole sector turns them back to 1 (every byte 0xFF).
// A board implements it with the MCU's flash controller or a SPI NOR chip; the simulator with
// SimFlash (a file), host tests with FakeNvm (RAM). Both of those can cut the power in the middle
// of a write, which is what firmware/storage is built to survive.
#pragma once

#include <cstdint>
#include <span>

namespace itdd::hal {

struct NvmGeometry {
  std::uint32_t sector_size = 4096;  // bytes erased together
  std::uint32_t sector_count = 0;
  std::uint32_t program_unit = 8;  // program() address and length are multiples of this
  std::uint32_t page_size = 256;   // one program() stays inside one page (SPI NOR page program)

  constexpr std::uint32_t size() const { return sector_size * sector_count; }
  constexpr std::uint32_t sector_address(std::uint32_t sector) const {
    return sector * sector_size;
  }
};

// What a flash operation reports, as a flash controller's status register would. A program
// that would have to turn a 0 bit back into 1 is refused and writes nothing (kNotErased).
enum class [[nodiscard]] NvmStatus : std::uint8_t{
    kOk,
    kOutOfRange,   // address, length or sector outside the device
    kMisaligned,   // program() not on program_unit boundaries
    kCrossesPage,  // program() spans two pages
    kNotErased,    // program() over bits that are already 0 where the data has a 1
    kPowerLost,    // the supply dropped: the operation may be partly done, the device is off
    kFault,        // the device reported an internal error
};

constexpr const char* name(NvmStatus status) {
  switch (status) {
    case NvmStatus::kOk:
      return "ok";
    case NvmStatus::kOutOfRange:
      return "out of range";
    case NvmStatus::kMisaligned:
      return "misaligned";
    case NvmStatus::kCrossesPage:
      return "crosses a page";
    case NvmStatus::kNotErased:
      return "not erased";
    case NvmStatus::kPowerLost:
      return "power lost";
    case NvmStatus::kFault:
      return "fault";
  }
  return "unknown";
}

class Nvm {
 public:
  virtual NvmGeometry geometry() const = 0;
  // Any address and length inside the device.
  virtual NvmStatus read(std::uint32_t address, std::span<std::uint8_t> out) = 0;
  // Clears the 0 bits of `data` at `address` (a bitwise AND with what is there).
  virtual NvmStatus program(std::uint32_t address, std::span<const std::uint8_t> data) = 0;
  // Sets every byte of one sector to 0xFF.
  virtual NvmStatus erase_sector(std::uint32_t sector) = 0;

 protected:
  ~Nvm() = default;
};

}  // namespace itdd::hal
