// The implant's flash on a PC: hal::Nvm with real NOR semantics (program clears bits, only a
// sector erase sets them), wear counters per sector, and the contents in a file so that a
// simulated implant keeps its settings and log from one run to the next. Every program and
// erase is written through to the file before it returns, so killing the process (even with
// SIGKILL) loses nothing the firmware was told is done.
//
// Fault injection for tests: cut_power_after(n) lets n more program/erase operations complete;
// the next one is left partly done (a prefix of its bytes, or a random subset of its bits; an
// erase leaves the sector partly erased) and reports kPowerLost, and every operation fails with
// kPowerLost until power_restore(). flip_bit() corrupts one bit as radiation or wear would.
// operations() counts program/erase operations, so a test can cut at each one in turn.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "itdd/hal/nvm.h"
#include "itdd/sim/xorshift.h"

namespace itdd::sim {

enum class TearMode : std::uint8_t {
  kPrefix,      // a program writes a prefix of its bytes; an erase erases a prefix of the sector
  kRandomBits,  // each bit the operation would change changes with probability 1/2
};

class SimFlash final : public hal::Nvm {
 public:
  // Contents in memory only, all erased.
  explicit SimFlash(hal::NvmGeometry geometry, std::uint64_t seed = 1);
  // Contents in `file`: loaded if it exists (its geometry must match), created erased if not.
  // Throws std::runtime_error if the file cannot be read or written or holds another geometry.
  SimFlash(hal::NvmGeometry geometry, const std::filesystem::path& file, std::uint64_t seed = 1);
  ~SimFlash();
  SimFlash(const SimFlash&) = delete;
  SimFlash& operator=(const SimFlash&) = delete;

  hal::NvmGeometry geometry() const override { return geometry_; }
  hal::NvmStatus read(std::uint32_t address, std::span<std::uint8_t> out) override;
  hal::NvmStatus program(std::uint32_t address, std::span<const std::uint8_t> data) override;
  hal::NvmStatus erase_sector(std::uint32_t sector) override;

  // ---- fault injection ----
  void cut_power_after(std::uint64_t operations, TearMode mode = TearMode::kPrefix);
  void power_restore();
  bool powered() const { return powered_; }
  void flip_bit(std::uint32_t address, std::uint8_t bit);

  // ---- counters ----
  // Program and erase operations that reached the device since construction (a torn one too).
  std::uint64_t operations() const { return operations_; }
  // Over the device's life (kept in the file): erases and programs per sector.
  std::uint64_t erase_count(std::uint32_t sector) const { return wear_.at(sector).erases; }
  std::uint64_t program_count(std::uint32_t sector) const { return wear_.at(sector).programs; }
  std::uint64_t max_erase_count() const;

  std::span<const std::uint8_t> bytes() const { return bytes_; }

 private:
  struct Wear {
    std::uint64_t erases = 0;
    std::uint64_t programs = 0;
  };
  bool in_range(std::uint32_t address, std::size_t length) const;
  bool count_operation();  // true if the power fails during this one
  // Writes bytes [from, from + n) and sector's counters through to the file.
  bool persist(std::size_t from, std::size_t n, std::uint32_t sector);
  std::uint8_t random_byte() { return static_cast<std::uint8_t>(rng_.next() >> 56); }
  // Shifts and masks instead of divisions for a power-of-two geometry (every real one): a
  // program asked up to five 64-bit divisions, and the safety ledger programs once a stroke.
  bool misaligned(std::size_t n) const {
    return unit_shift_ >= 0 ? (n & (std::size_t{geometry_.program_unit} - 1)) != 0
                            : n % geometry_.program_unit != 0;
  }
  std::size_t page_of(std::size_t address) const {
    return page_shift_ >= 0 ? address >> page_shift_ : address / geometry_.page_size;
  }
  std::size_t sector_of(std::size_t address) const {
    return sector_shift_ >= 0 ? address >> sector_shift_ : address / geometry_.sector_size;
  }

  hal::NvmGeometry geometry_;
  std::vector<std::uint8_t> bytes_;
  std::vector<Wear> wear_;
  Xorshift64Star rng_;
  int fd_ = -1;
  std::uint64_t operations_ = 0;
  std::uint64_t cut_at_ = 0;
  bool cut_armed_ = false;
  bool powered_ = true;
  TearMode mode_ = TearMode::kPrefix;
  int unit_shift_;  // log2 of the geometry's sizes, or -1 when not a power of two
  int page_shift_;
  int sector_shift_;
};

}  // namespace itdd::sim
