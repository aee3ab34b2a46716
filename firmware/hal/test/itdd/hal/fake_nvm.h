// An Nvm for host tests: NOR semantics in RAM, a count of write operations, and power cuts.
// cut_power_after(n) lets n more program/erase operations complete; the next one is left partly
// done (a prefix of its bytes, or a random subset of its bits) and reports kPowerLost, and every
// operation after it fails with kPowerLost until power_restore(). sim/hal's SimFlash is the same
// device backed by a file, with wear counters.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "itdd/hal/nvm.h"

namespace itdd::hal {

enum class TearMode : std::uint8_t {
  kPrefix,      // a program writes a prefix of its bytes; an erase erases a prefix of the sector
  kRandomBits,  // each bit the operation would change changes with probability 1/2
};

class FakeNvm final : public Nvm {
 public:
  explicit FakeNvm(NvmGeometry geometry, std::uint64_t seed = 1)
      : geometry_(geometry),
        bytes_(geometry.size(), 0xFF),
        erases_(geometry.sector_count, 0),
        rng_(seed) {}

  NvmGeometry geometry() const override { return geometry_; }

  NvmStatus read(std::uint32_t address, std::span<std::uint8_t> out) override {
    if (!powered_) return NvmStatus::kPowerLost;
    if (failing_reads_ > 0) {
      --failing_reads_;
      ++failed_reads_;
      return NvmStatus::kFault;
    }
    if (!in_range(address, out.size())) return NvmStatus::kOutOfRange;
    if (!out.empty()) std::memcpy(out.data(), bytes_.data() + address, out.size());
    return NvmStatus::kOk;
  }

  NvmStatus program(std::uint32_t address, std::span<const std::uint8_t> data) override {
    if (!powered_) return NvmStatus::kPowerLost;
    if (!in_range(address, data.size())) return NvmStatus::kOutOfRange;
    if (address % geometry_.program_unit != 0 || data.size() % geometry_.program_unit != 0) {
      return NvmStatus::kMisaligned;
    }
    if (!data.empty() &&
        address / geometry_.page_size != (address + data.size() - 1) / geometry_.page_size) {
      return NvmStatus::kCrossesPage;
    }
    for (std::size_t i = 0; i < data.size(); ++i) {
      if ((bytes_[address + i] & data[i]) != data[i]) return NvmStatus::kNotErased;
    }
    const bool torn = count_operation();
    const std::size_t whole = torn && mode_ == TearMode::kPrefix ? next() % data.size() : 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      std::uint8_t& b = bytes_[address + i];
      if (!torn || (mode_ == TearMode::kPrefix && i < whole)) {
        b &= data[i];
      } else if (mode_ == TearMode::kRandomBits || i == whole) {
        b &= static_cast<std::uint8_t>(data[i] | random_byte());  // some of the 0s land
      }
    }
    return torn ? NvmStatus::kPowerLost : NvmStatus::kOk;
  }

  NvmStatus erase_sector(std::uint32_t sector) override {
    if (!powered_) return NvmStatus::kPowerLost;
    if (sector >= geometry_.sector_count) return NvmStatus::kOutOfRange;
    const bool torn = count_operation();
    ++erases_[sector];
    const std::size_t base = static_cast<std::size_t>(sector) * geometry_.sector_size;
    // Bytes fully erased: all, or (cut) a random prefix, or none (random bits come up instead).
    const std::size_t size = geometry_.sector_size;
    const std::size_t whole = !torn ? size : mode_ == TearMode::kPrefix ? next() % size : 0;
    for (std::size_t i = 0; i < geometry_.sector_size; ++i) {
      std::uint8_t& b = bytes_[base + i];
      if (i < whole) {
        b = 0xFF;
      } else if (mode_ == TearMode::kRandomBits || i == whole) {
        b |= random_byte();
      }
    }
    return torn ? NvmStatus::kPowerLost : NvmStatus::kOk;
  }

  // ---- test controls ----
  void cut_power_after(std::uint64_t operations, TearMode mode = TearMode::kPrefix) {
    cut_armed_ = true;
    cut_at_ = operations_ + operations;
    mode_ = mode;
  }
  void power_restore() {
    powered_ = true;
    cut_armed_ = false;
  }
  bool powered() const { return powered_; }
  // The next `reads` reads fail (the device reports a fault); how many have failed so far.
  void fail_reads(std::uint32_t reads) { failing_reads_ = reads; }
  std::uint32_t failed_reads() const { return failed_reads_; }
  void flip_bit(std::uint32_t address, std::uint8_t bit) {
    bytes_[address] ^= static_cast<std::uint8_t>(1u << (bit & 7u));
  }
  // Program and erase operations that reached the device (the torn one included).
  std::uint64_t operations() const { return operations_; }
  std::uint32_t erase_count(std::uint32_t sector) const { return erases_[sector]; }
  std::span<const std::uint8_t> bytes() const { return bytes_; }

 private:
  bool in_range(std::uint32_t address, std::size_t length) const {
    return address <= bytes_.size() && length <= bytes_.size() - address;
  }
  // Counts one write operation; true if the power fails during it.
  bool count_operation() {
    const bool torn = cut_armed_ && operations_ == cut_at_;
    ++operations_;
    if (torn) {
      powered_ = false;
      cut_armed_ = false;
    }
    return torn;
  }
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint8_t random_byte() { return static_cast<std::uint8_t>(next() >> 56); }

  NvmGeometry geometry_;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::uint32_t> erases_;
  std::uint64_t rng_;
  std::uint64_t operations_ = 0;
  std::uint64_t cut_at_ = 0;
  bool cut_armed_ = false;
  bool powered_ = true;
  std::uint32_t failing_reads_ = 0;
  std::uint32_t failed_reads_ = 0;
  TearMode mode_ = TearMode::kPrefix;
};

}  // namespace itdd::hal
