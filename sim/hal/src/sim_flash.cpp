#include "itdd/sim/sim_flash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace itdd::sim {
namespace {

// File layout: a 32-byte header, the flash contents, then per sector two little-endian u64
// (erases, programs).
constexpr char kMagic[8] = {'I', 'T', 'D', 'D', 'F', 'L', 'S', 'H'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 32;
constexpr std::size_t kWearBytes = 16;

void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(p[i]) << (8 * i);
  return v;
}
std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

bool write_all(int fd, const std::uint8_t* data, std::size_t n, std::size_t offset) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(offset));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, std::uint8_t* data, std::size_t n, std::size_t offset) {
  while (n > 0) {
    const ssize_t r = ::pread(fd, data, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<std::size_t>(r);
  }
  return true;
}

// Sixteen bytes a step (GCC's and clang's vector extension: SSE2 on x86-64, plain words
// elsewhere); memcpy is the well-defined unaligned load and store.
using Bytes16 = std::uint8_t __attribute__((vector_size(16)));

// Whether every bit `data` asks to be 1 is still 1 in `cells` (NOR: programming only clears).
// No early exit: the safety ledger writes a record for every observation that saw strokes.
bool programmable(const std::uint8_t* cells, std::span<const std::uint8_t> data) {
  const std::size_t n = data.size();
  std::size_t i = 0;
  Bytes16 stuck16{};
  for (; i + 16 <= n; i += 16) {
    Bytes16 c;
    Bytes16 d;
    std::memcpy(&c, cells + i, 16);
    std::memcpy(&d, data.data() + i, 16);
    stuck16 |= ~c & d;
  }
  std::uint64_t stuck = 0;
  for (int k = 0; k < 16; k += 8) {
    std::uint64_t half;
    std::memcpy(&half, reinterpret_cast<const std::uint8_t*>(&stuck16) + k, 8);
    stuck |= half;
  }
  if (i + 8 <= n) {  // a 40-byte record: two steps of 16, one of 8
    std::uint64_t c;
    std::uint64_t d;
    std::memcpy(&c, cells + i, 8);
    std::memcpy(&d, data.data() + i, 8);
    stuck |= ~c & d;
    i += 8;
  }
  for (; i < n; ++i) stuck |= static_cast<std::uint8_t>(~cells[i] & data[i]);
  return stuck == 0;
}

// cells &= data.
void program_cells(std::uint8_t* cells, std::span<const std::uint8_t> data) {
  const std::size_t n = data.size();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    Bytes16 c;
    Bytes16 d;
    std::memcpy(&c, cells + i, 16);
    std::memcpy(&d, data.data() + i, 16);
    c &= d;
    std::memcpy(cells + i, &c, 16);
  }
  if (i + 8 <= n) {
    std::uint64_t c;
    std::uint64_t d;
    std::memcpy(&c, cells + i, 8);
    std::memcpy(&d, data.data() + i, 8);
    c &= d;
    std::memcpy(cells + i, &c, 8);
    i += 8;
  }
  for (; i < n; ++i) cells[i] &= data[i];
}

// log2(n) when n is a power of two, else -1 (a geometry the storage refuses, still simulated).
int shift_of(std::uint32_t n) {
  if (n == 0 || (n & (n - 1)) != 0) return -1;
  int shift = 0;
  while ((1u << shift) != n) ++shift;
  return shift;
}

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw std::runtime_error("flash file " + file.string() + ": " + what);
}

}  // namespace

SimFlash::SimFlash(hal::NvmGeometry geometry, std::uint64_t seed)
    : geometry_(geometry),
      bytes_(geometry.size(), 0xFF),
      wear_(geometry.sector_count),
      rng_(seed),
      unit_shift_(shift_of(geometry.program_unit)),
      page_shift_(shift_of(geometry.page_size)),
      sector_shift_(shift_of(geometry.sector_size)) {}

SimFlash::SimFlash(hal::NvmGeometry geometry, const std::filesystem::path& file, std::uint64_t seed)
    : SimFlash(geometry, seed) {
  const bool exists = std::filesystem::exists(file);
  // The image holds the implant's identity secret (the link's static key): only its owner may
  // read it. An image made before this rule (0644) is narrowed when it is opened.
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) fail(file, std::strerror(errno));
  if (::fchmod(fd_, 0600) != 0) {
    const int err = errno;
    ::close(fd_);
    fail(file, std::strerror(err));
  }
  const std::size_t total = kHeaderBytes + bytes_.size() + wear_.size() * kWearBytes;
  std::vector<std::uint8_t> image(total);
  struct stat st {};
  const bool has_content = exists && ::fstat(fd_, &st) == 0 && st.st_size > 0;
  if (has_content) {
    if (static_cast<std::size_t>(st.st_size) < kHeaderBytes ||
        !read_all(fd_, image.data(), kHeaderBytes, 0)) {
      ::close(fd_);
      fail(file, "not a flash image");
    }
    if (std::memcmp(image.data(), kMagic, sizeof kMagic) != 0 ||
        get_u32(image.data() + 8) != kVersion) {
      ::close(fd_);
      fail(file, "not a flash image");
    }
    if (get_u32(image.data() + 12) != geometry.sector_size ||
        get_u32(image.data() + 16) != geometry.sector_count ||
        get_u32(image.data() + 20) != geometry.program_unit ||
        get_u32(image.data() + 24) != geometry.page_size) {
      ::close(fd_);
      fail(file, "holds a flash of another geometry");
    }
    if (static_cast<std::size_t>(st.st_size) != total || !read_all(fd_, image.data(), total, 0)) {
      ::close(fd_);
      fail(file, "truncated");
    }
    std::copy_n(image.begin() + kHeaderBytes, bytes_.size(), bytes_.begin());
    const std::uint8_t* w = image.data() + kHeaderBytes + bytes_.size();
    for (Wear& s : wear_) {
      s.erases = get_u64(w);
      s.programs = get_u64(w + 8);
      w += kWearBytes;
    }
    return;
  }
  std::memcpy(image.data(), kMagic, sizeof kMagic);
  put_u32(image.data() + 8, kVersion);
  put_u32(image.data() + 12, geometry.sector_size);
  put_u32(image.data() + 16, geometry.sector_count);
  put_u32(image.data() + 20, geometry.program_unit);
  put_u32(image.data() + 24, geometry.page_size);
  std::fill_n(image.begin() + kHeaderBytes, bytes_.size(), std::uint8_t{0xFF});
  if (!write_all(fd_, image.data(), image.size(), 0)) {
    ::close(fd_);
    fail(file, std::strerror(errno));
  }
}

SimFlash::~SimFlash() {
  if (fd_ >= 0) ::close(fd_);
}

bool SimFlash::in_range(std::uint32_t address, std::size_t length) const {
  return address <= bytes_.size() && length <= bytes_.size() - address;
}

bool SimFlash::count_operation() {
  const bool torn = cut_armed_ && operations_ == cut_at_;
  ++operations_;
  if (torn) {
    powered_ = false;
    cut_armed_ = false;
  }
  return torn;
}

bool SimFlash::persist(std::size_t from, std::size_t n, std::uint32_t sector) {
  if (fd_ < 0) return true;
  std::uint8_t w[kWearBytes];
  put_u64(w, wear_[sector].erases);
  put_u64(w + 8, wear_[sector].programs);
  return write_all(fd_, bytes_.data() + from, n, kHeaderBytes + from) &&
         write_all(fd_, w, kWearBytes, kHeaderBytes + bytes_.size() + sector * kWearBytes);
}

hal::NvmStatus SimFlash::read(std::uint32_t address, std::span<std::uint8_t> out) {
  if (!powered_) return hal::NvmStatus::kPowerLost;
  if (!in_range(address, out.size())) return hal::NvmStatus::kOutOfRange;
  std::copy_n(bytes_.begin() + address, out.size(), out.begin());
  return hal::NvmStatus::kOk;
}

hal::NvmStatus SimFlash::program(std::uint32_t address, std::span<const std::uint8_t> data) {
  if (!powered_) return hal::NvmStatus::kPowerLost;
  if (!in_range(address, data.size())) return hal::NvmStatus::kOutOfRange;
  if (misaligned(address) || misaligned(data.size())) {
    return hal::NvmStatus::kMisaligned;
  }
  if (data.empty()) return hal::NvmStatus::kOk;
  if (page_of(address) != page_of(address + data.size() - 1)) {
    return hal::NvmStatus::kCrossesPage;
  }
  std::uint8_t* const cells = bytes_.data() + address;
  // A 1 asked where the flash holds a 0 cannot be programmed. Eight bytes a step and no early
  // exit, so the simulator's per-write cost stays small: the safety ledger writes a record for
  // every observation that saw strokes (bench/README.md).
  if (!programmable(cells, data)) return hal::NvmStatus::kNotErased;
  const bool torn = count_operation();
  if (!torn) {
    program_cells(cells, data);
  } else {
    const std::size_t whole = mode_ == TearMode::kPrefix ? rng_.below(data.size()) : 0;
    for (std::size_t i = 0; i < data.size(); ++i) {
      std::uint8_t& b = cells[i];
      if (mode_ == TearMode::kPrefix && i < whole) {
        b &= data[i];
      } else if (mode_ == TearMode::kRandomBits || i == whole) {
        b &= static_cast<std::uint8_t>(data[i] | random_byte());  // some of the 0s land
      }
    }
  }
  const std::uint32_t sector = static_cast<std::uint32_t>(sector_of(address));
  ++wear_[sector].programs;
  if (fd_ >= 0 && !persist(address, data.size(), sector)) return hal::NvmStatus::kFault;
  return torn ? hal::NvmStatus::kPowerLost : hal::NvmStatus::kOk;
}

hal::NvmStatus SimFlash::erase_sector(std::uint32_t sector) {
  if (!powered_) return hal::NvmStatus::kPowerLost;
  if (sector >= geometry_.sector_count) return hal::NvmStatus::kOutOfRange;
  const bool torn = count_operation();
  const std::size_t size = geometry_.sector_size;
  const std::size_t base = static_cast<std::size_t>(sector) * size;
  if (!torn) {
    std::fill_n(bytes_.begin() + static_cast<std::ptrdiff_t>(base), size, std::uint8_t{0xFF});
  } else {
    // Bytes fully erased: a random prefix, or none (random bits come up).
    const std::size_t whole = mode_ == TearMode::kPrefix ? rng_.below(size) : 0;
    for (std::size_t i = 0; i < size; ++i) {
      std::uint8_t& b = bytes_[base + i];
      if (i < whole) {
        b = 0xFF;
      } else if (mode_ == TearMode::kRandomBits || i == whole) {
        b |= random_byte();  // some of the bits come up
      }
    }
  }
  ++wear_[sector].erases;
  if (fd_ >= 0 && !persist(base, size, sector)) return hal::NvmStatus::kFault;
  return torn ? hal::NvmStatus::kPowerLost : hal::NvmStatus::kOk;
}

void SimFlash::cut_power_after(std::uint64_t operations, TearMode mode) {
  cut_armed_ = true;
  cut_at_ = operations_ + operations;
  mode_ = mode;
}

void SimFlash::power_restore() {
  powered_ = true;
  cut_armed_ = false;
}

void SimFlash::flip_bit(std::uint32_t address, std::uint8_t bit) {
  if (address >= bytes_.size()) return;
  bytes_[address] ^= static_cast<std::uint8_t>(1u << (bit & 7u));
  (void)persist(address, 1, address / geometry_.sector_size);
}

std::uint64_t SimFlash::max_erase_count() const {
  std::uint64_t m = 0;
  for (const Wear& w : wear_) m = std::max(m, w.erases);
  return m;
}

}  // namespace itdd::sim
