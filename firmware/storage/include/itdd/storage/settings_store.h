// Settings that survive any power cut: two copies, A and B, each in its own sectors, each ending
// in a trailer (magic, format, size, sequence number and its complement, CRC-32 over the data and
// the trailer) and a commit word (the sequence number and its complement again). commit() always
// rewrites the copy that is NOT the newest valid one (erase, program the data, the trailer, and
// the commit word last), so the newest committed value is never touched while it is the only good
// one; load() returns the valid copy with the highest sequence number. A copy without its commit
// word was never finished (blank); one with it and a bad CRC is damaged. A damaged copy whose
// sequence number (read from either of its two self-checking records) is not older than the
// valid one was the newest: load() then refuses (kSettingsNewestLost) rather than hand back an
// older value as if it were the last one committed. See docs/storage.md for why every cut point
// and every single bit flip is safe.
#pragma once

#include <cstdint>
#include <span>
#include <type_traits>

#include "itdd/core/result.h"
#include "itdd/hal/nvm.h"
#include "itdd/storage/flash.h"

namespace itdd::storage {

// The error messages load() gives, so a caller can tell them apart (compare with is_*()).
inline constexpr char kSettingsBlank[] = "no settings committed (neither copy completed)";
inline constexpr char kSettingsCorrupt[] =
    "no settings copy passes its CRC (a committed one is damaged)";
inline constexpr char kSettingsNewestLost[] =
    "the newest settings copy is damaged; only an older one is left";
inline constexpr char kSettingsOtherFormat[] = "settings were written in another format";
inline bool is_blank(const Error& e) {
  return e.message == kSettingsBlank;
}
inline bool is_corrupt(const Error& e) {
  return e.message == kSettingsCorrupt;
}
// The newest committed copy is damaged and an older valid one is left: running the older value
// would silently bring back what was replaced. load_accepting_rollback() returns it on purpose.
inline bool is_newest_lost(const Error& e) {
  return e.message == kSettingsNewestLost;
}
inline bool is_other_format(const Error& e) {
  return e.message == kSettingsOtherFormat;
}

inline constexpr std::uint32_t kSettingsTrailerBytes = 24;
inline constexpr std::uint32_t kSettingsCommitWordBytes = 8;  // sequence number, its complement

struct SettingsLoad {
  std::uint32_t seq = 0;     // sequence number of the copy returned (1 for the first commit)
  std::uint8_t copy = 0;     // 0 = A, 1 = B
  bool other_valid = false;  // false: the other copy is blank, torn or corrupt
  // The other copy has its commit word but fails its CRC: damage, or an erase cut by a power
  // loss while it was being overwritten (the two look alike). Its sequence number, where one
  // of its records still reads, is older than the one returned.
  bool other_damaged = false;
  // Only from load_accepting_rollback(): the other copy was the newest and is damaged, so the
  // value returned is an older one.
  bool newest_lost = false;
};

// The byte-level store; SettingsStore<T> below is the typed face.
class BlobStore {
 public:
  // `format` identifies the layout of the blob (bump it when T changes); `size` its bytes.
  BlobStore(hal::Nvm& nvm, Region copy_a, Region copy_b, std::uint32_t format, std::uint32_t size);

  // Bytes one copy occupies for a blob of `size` bytes.
  static constexpr std::uint32_t bytes_needed(std::uint32_t size, std::uint32_t program_unit) {
    return round_up(size, program_unit) + round_up(kSettingsTrailerBytes, program_unit) +
           round_up(kSettingsCommitWordBytes, program_unit);
  }
  static constexpr std::uint32_t sectors_needed(std::uint32_t size, const hal::NvmGeometry& g) {
    return (bytes_needed(size, g.program_unit) + g.sector_size - 1) / g.sector_size;
  }

  // Fills `out` (exactly `size` bytes) with the newest valid copy. On error `out` is untouched,
  // unless a copy changed between its check and its read (then the error is kSettingsCorrupt).
  // Refuses with kSettingsNewestLost when the newest copy is damaged and only an older one is
  // valid.
  Result<SettingsLoad> load(std::span<std::uint8_t> out);
  // The same, except that it returns the older valid copy when the newest is damaged (with
  // `newest_lost` set): for a caller that would rather run on an older value than on none, and
  // says so.
  Result<SettingsLoad> load_accepting_rollback(std::span<std::uint8_t> out);
  // Writes `blob` over the copy that is not the newest valid one; returns its sequence number.
  // Once this returns Ok, load() returns `blob` until the next successful commit.
  Result<std::uint32_t> commit(std::span<const std::uint8_t> blob);

  // The same for a blob held in parts that lie apart in RAM (the parts in order are the blob,
  // `size` bytes in all): committed and loaded without the whole blob in one buffer (a big state
  // stays where it lives). The flash and its programming are the same as for one part, except
  // that a page that spans two parts is gathered through a small buffer. A load that fails after
  // the parts were written (a copy changed between its check and its read) leaves them
  // holding what was read.
  using Parts = std::span<const std::span<std::uint8_t>>;
  using ConstParts = std::span<const std::span<const std::uint8_t>>;
  Result<SettingsLoad> load(Parts out);
  Result<std::uint32_t> commit(ConstParts blob);

 private:
  enum class CopyState : std::uint8_t { kBlank, kCorrupt, kOtherFormat, kValid };
  struct CopyScan {
    CopyState state = CopyState::kBlank;
    std::uint32_t seq = 0;
    std::uint32_t crc = 0;
    // A damaged copy's sequence number, from whichever of its two records (trailer, commit
    // word) still agrees with its complement; the higher if both do.
    bool has_claim = false;
    std::uint32_t claim = 0;
  };
  Result<SettingsLoad> load(Parts out, bool accept_rollback);
  Status program_data(std::uint8_t copy, ConstParts blob);
  Status check_layout() const;
  Result<CopyScan> scan(std::uint8_t copy);
  std::uint32_t base(std::uint8_t copy) const;
  std::uint32_t trailer_address(std::uint8_t copy) const;
  std::uint32_t commit_word_address(std::uint8_t copy) const;

  hal::Nvm& nvm_;
  Region regions_[2];
  std::uint32_t format_;
  std::uint32_t size_;
};

// Settings of a plain value type (TherapyEngine::State, ...). The value is stored as its bytes,
// so `format` must change whenever T's layout does; a copy in another format is not loaded.
template <class T>
class SettingsStore {
  static_assert(std::is_trivially_copyable_v<T>, "settings are stored as their bytes");

 public:
  SettingsStore(hal::Nvm& nvm, Region copy_a, Region copy_b, std::uint32_t format)
      : blob_(nvm, copy_a, copy_b, format, static_cast<std::uint32_t>(sizeof(T))) {}

  static constexpr std::uint32_t sectors_needed(const hal::NvmGeometry& g) {
    return BlobStore::sectors_needed(static_cast<std::uint32_t>(sizeof(T)), g);
  }

  Result<SettingsLoad> load(T& out) {
    return blob_.load(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&out), sizeof(T)));
  }
  Result<SettingsLoad> load_accepting_rollback(T& out) {
    return blob_.load_accepting_rollback(
        std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(&out), sizeof(T)));
  }
  Result<std::uint32_t> commit(const T& value) {
    return blob_.commit(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(&value), sizeof(T)));
  }
  // T's bytes in parts held apart, in order (BlobStore::load(Parts)): T is the layout, the parts
  // must make up all of its bytes.
  Result<SettingsLoad> load(BlobStore::Parts parts) { return blob_.load(parts); }
  Result<std::uint32_t> commit(BlobStore::ConstParts parts) { return blob_.commit(parts); }

 private:
  BlobStore blob_;
};

}  // namespace itdd::storage
