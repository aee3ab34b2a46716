// SimFlash: NOR semantics (a 0 bit cannot be programmed back to 1), wear and operation counters,
// the file that keeps the flash across instances and across a SIGKILL, and power cuts that leave
// the operation partly done.
#include "itdd/sim/sim_flash.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "itdd/storage/event_log.h"
#include "itdd/storage/settings_store.h"

namespace itdd::sim {
namespace {

constexpr hal::NvmGeometry kGeometry{256, 8, 4, 64};

// A fresh path under the temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("itdd-simflash-" + std::to_string(::getpid()) + "-" + name + ".bin")) {
    std::filesystem::remove(path_);
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::vector<std::uint8_t> read(SimFlash& f, std::uint32_t address, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  EXPECT_EQ(f.read(address, out), hal::NvmStatus::kOk);
  return out;
}

TEST(SimFlash, StartsErased) {
  SimFlash f(kGeometry);
  EXPECT_EQ(f.bytes().size(), 2048u);
  for (std::uint8_t b : f.bytes()) ASSERT_EQ(b, 0xFF);
}

TEST(SimFlash, ProgramOnlyClearsBitsAndEraseSetsThem) {
  SimFlash f(kGeometry);
  const std::array<std::uint8_t, 4> a{0x0F, 0xF0, 0x00, 0xAA};
  EXPECT_EQ(f.program(16, a), hal::NvmStatus::kOk);
  EXPECT_EQ(read(f, 16, 4), std::vector<std::uint8_t>(a.begin(), a.end()));
  // Clearing more bits of programmed bytes is allowed (NOR).
  const std::array<std::uint8_t, 4> fewer{0x05, 0x80, 0x00, 0x0A};
  EXPECT_EQ(f.program(16, fewer), hal::NvmStatus::kOk);
  EXPECT_EQ(read(f, 16, 4), std::vector<std::uint8_t>(fewer.begin(), fewer.end()));
  // A 0 bit back to 1 without an erase: refused, nothing written.
  const std::array<std::uint8_t, 4> back{0x05, 0x80, 0x01, 0x0A};
  EXPECT_EQ(f.program(16, back), hal::NvmStatus::kNotErased);
  EXPECT_EQ(read(f, 16, 4), std::vector<std::uint8_t>(fewer.begin(), fewer.end()));
  EXPECT_EQ(f.erase_sector(0), hal::NvmStatus::kOk);
  EXPECT_EQ(read(f, 16, 4), std::vector<std::uint8_t>(4, 0xFF));
  EXPECT_EQ(f.program(16, back), hal::NvmStatus::kOk);
}

TEST(SimFlash, EraseTouchesOnlyItsSector) {
  SimFlash f(kGeometry);
  const std::array<std::uint8_t, 4> z{};
  ASSERT_EQ(f.program(252, z), hal::NvmStatus::kOk);  // end of sector 0
  ASSERT_EQ(f.program(256, z), hal::NvmStatus::kOk);  // start of sector 1
  ASSERT_EQ(f.erase_sector(1), hal::NvmStatus::kOk);
  EXPECT_EQ(read(f, 252, 4), std::vector<std::uint8_t>(4, 0));
  EXPECT_EQ(read(f, 256, 4), std::vector<std::uint8_t>(4, 0xFF));
}

TEST(SimFlash, RefusesBadAddresses) {
  SimFlash f(kGeometry);
  std::array<std::uint8_t, 4> four{};
  std::array<std::uint8_t, 6> six{};
  EXPECT_EQ(f.read(2046, four), hal::NvmStatus::kOutOfRange);
  EXPECT_EQ(f.read(0xFFFFFFFFu, four), hal::NvmStatus::kOutOfRange);
  EXPECT_EQ(f.program(2048, four), hal::NvmStatus::kOutOfRange);
  EXPECT_EQ(f.program(2, four), hal::NvmStatus::kMisaligned);
  EXPECT_EQ(f.program(0, six), hal::NvmStatus::kMisaligned);
  std::array<std::uint8_t, 8> eight{};
  EXPECT_EQ(f.program(60, eight), hal::NvmStatus::kCrossesPage);
  EXPECT_EQ(f.erase_sector(8), hal::NvmStatus::kOutOfRange);
  EXPECT_EQ(f.operations(), 0u);  // refused operations never reached the array
}

TEST(SimFlash, CountsWearAndOperations) {
  SimFlash f(kGeometry);
  const std::array<std::uint8_t, 4> z{};
  for (int i = 0; i < 3; ++i) ASSERT_EQ(f.erase_sector(2), hal::NvmStatus::kOk);
  ASSERT_EQ(f.erase_sector(5), hal::NvmStatus::kOk);
  ASSERT_EQ(f.program(2 * 256, z), hal::NvmStatus::kOk);
  ASSERT_EQ(f.program(2 * 256 + 4, z), hal::NvmStatus::kOk);
  EXPECT_EQ(f.program(2 * 256, z), hal::NvmStatus::kOk);  // zeros over zeros: allowed
  EXPECT_EQ(f.erase_count(2), 3u);
  EXPECT_EQ(f.erase_count(5), 1u);
  EXPECT_EQ(f.erase_count(0), 0u);
  EXPECT_EQ(f.program_count(2), 3u);
  EXPECT_EQ(f.max_erase_count(), 3u);
  EXPECT_EQ(f.operations(), 7u);
}

TEST(SimFlash, PowerCutTearsTheOperationAndStopsTheDevice) {
  for (TearMode mode : {TearMode::kPrefix, TearMode::kRandomBits}) {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
      SimFlash f(kGeometry, seed);
      const std::array<std::uint8_t, 4> z{};
      f.cut_power_after(1, mode);
      ASSERT_EQ(f.program(0, z), hal::NvmStatus::kOk);
      std::array<std::uint8_t, 32> data{};
      for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 37);
      EXPECT_EQ(f.program(32, data), hal::NvmStatus::kPowerLost);
      EXPECT_FALSE(f.powered());
      std::array<std::uint8_t, 4> out{};
      EXPECT_EQ(f.read(0, out), hal::NvmStatus::kPowerLost);
      EXPECT_EQ(f.program(64, z), hal::NvmStatus::kPowerLost);
      EXPECT_EQ(f.erase_sector(3), hal::NvmStatus::kPowerLost);
      EXPECT_EQ(f.operations(), 2u);
      f.power_restore();
      const auto got = read(f, 32, 32);
      // Each byte lies between erased and programmed: only bits the program clears are cleared.
      bool prefix_so_far = true;
      std::size_t differing = 0;
      for (std::size_t i = 0; i < data.size(); ++i) {
        EXPECT_EQ(got[i] & data[i], data[i]);
        if (got[i] != data[i]) ++differing;
        if (mode == TearMode::kPrefix) {
          if (!prefix_so_far) {
            EXPECT_EQ(got[i], 0xFF) << "after the torn byte nothing is written";
          }
          if (got[i] != data[i]) prefix_so_far = false;
        }
      }
      EXPECT_GT(differing, 0u) << "the cut program must not complete";
      EXPECT_EQ(f.program(64, z), hal::NvmStatus::kOk);  // working again
    }
  }
}

TEST(SimFlash, PowerCutDuringEraseLeavesThePartPartlyErased) {
  for (TearMode mode : {TearMode::kPrefix, TearMode::kRandomBits}) {
    SimFlash f(kGeometry, 3);
    std::array<std::uint8_t, 64> zeros{};
    for (std::uint32_t a = 256; a < 512; a += 64)
      ASSERT_EQ(f.program(a, zeros), hal::NvmStatus::kOk);
    f.cut_power_after(0, mode);
    EXPECT_EQ(f.erase_sector(1), hal::NvmStatus::kPowerLost);
    f.power_restore();
    const auto got = read(f, 256, 256);
    std::size_t erased = 0;
    for (std::uint8_t b : got) erased += b == 0xFF;
    EXPECT_LT(erased, 256u);
    if (mode == TearMode::kPrefix) {
      // Erased bytes, one half-erased byte, then the old zeros.
      std::size_t p = 0;
      while (p < got.size() && got[p] == 0xFF) ++p;
      for (std::size_t i = p + 1; i < got.size(); ++i) EXPECT_EQ(got[i], 0x00) << i;
    }
    EXPECT_EQ(f.erase_count(1), 1u);  // the attempt wore the sector all the same
  }
}

TEST(SimFlash, FlipBit) {
  SimFlash f(kGeometry);
  f.flip_bit(10, 3);
  EXPECT_EQ(read(f, 10, 1)[0], 0xF7);
  f.flip_bit(10, 3);
  EXPECT_EQ(read(f, 10, 1)[0], 0xFF);
}

TEST(SimFlash, FileKeepsContentsAndWearAcrossInstances) {
  TempFile file("persist");
  {
    SimFlash f(kGeometry, file.path());
    const std::array<std::uint8_t, 4> a{1, 2, 3, 4};
    ASSERT_EQ(f.erase_sector(7), hal::NvmStatus::kOk);
    ASSERT_EQ(f.program(7 * 256 + 8, a), hal::NvmStatus::kOk);
    f.flip_bit(0, 0);
  }
  EXPECT_EQ(std::filesystem::file_size(file.path()), 32u + 2048u + 8u * 16u);
  SimFlash g(kGeometry, file.path());
  EXPECT_EQ(read(g, 7 * 256 + 8, 4), (std::vector<std::uint8_t>{1, 2, 3, 4}));
  EXPECT_EQ(read(g, 0, 1)[0], 0xFE);
  EXPECT_EQ(g.erase_count(7), 1u);
  EXPECT_EQ(g.program_count(7), 1u);
  EXPECT_EQ(g.operations(), 0u);  // per instance
  ASSERT_EQ(g.erase_sector(7), hal::NvmStatus::kOk);
  SimFlash h(kGeometry, file.path());
  EXPECT_EQ(h.erase_count(7), 2u);
  EXPECT_EQ(read(h, 7 * 256 + 8, 4), std::vector<std::uint8_t>(4, 0xFF));
}

// The image holds the implant's identity secret: a new one is private to its owner, and one
// that others could read (an image made with 0644) is narrowed when it is opened.
TEST(SimFlash, TheImageIsReadableByItsOwnerOnly) {
  TempFile file("private");
  const auto mode = [&file] {
    struct stat st {};
    EXPECT_EQ(::stat(file.path().c_str(), &st), 0);
    return st.st_mode & 0777;
  };
  { SimFlash f(kGeometry, file.path()); }
  EXPECT_EQ(mode(), 0600u);
  ASSERT_EQ(::chmod(file.path().c_str(), 0644), 0);
  { SimFlash f(kGeometry, file.path()); }
  EXPECT_EQ(mode(), 0600u);
}

TEST(SimFlash, TornStateIsInTheFileToo) {
  TempFile file("torn");
  std::vector<std::uint8_t> after;
  {
    SimFlash f(kGeometry, file.path(), 9);
    std::array<std::uint8_t, 64> zeros{};
    f.cut_power_after(0, TearMode::kRandomBits);
    EXPECT_EQ(f.program(64, zeros), hal::NvmStatus::kPowerLost);
    after.assign(f.bytes().begin(), f.bytes().end());
  }
  SimFlash g(kGeometry, file.path());
  EXPECT_TRUE(std::equal(after.begin(), after.end(), g.bytes().begin()));
}

TEST(SimFlash, RefusesAFileOfAnotherGeometryOrNotAFlashImage) {
  TempFile file("geometry");
  { SimFlash f(kGeometry, file.path()); }
  EXPECT_THROW(SimFlash(hal::NvmGeometry{256, 16, 4, 64}, file.path()), std::runtime_error);
  EXPECT_THROW(SimFlash(hal::NvmGeometry{256, 8, 8, 64}, file.path()), std::runtime_error);
  TempFile junk("junk");
  std::ofstream(junk.path()) << "this is not a flash image, just some words";
  EXPECT_THROW(SimFlash(kGeometry, junk.path()), std::runtime_error);
  EXPECT_THROW(SimFlash(kGeometry, "/nonexistent-dir/flash.bin"), std::runtime_error);
}

// The firmware's stores on the simulated part: a second SimFlash on the same file (a restarted
// simulator) finds the settings and the log.
TEST(SimFlash, StorageSurvivesARestartOfTheSimulator) {
  TempFile file("storage");
  constexpr hal::NvmGeometry g{4096, 16, 8, 256};
  struct Settings {
    std::int64_t dose;
    std::int32_t steps[20];
  };
  {
    SimFlash f(g, file.path());
    storage::SettingsStore<Settings> settings(f, {0, 1}, {1, 1}, 1);
    storage::EventLog log(f, {2, 4});
    ASSERT_TRUE(log.mount().ok());
    for (std::int64_t i = 1; i <= 3; ++i) {
      ASSERT_TRUE(settings.commit(Settings{i, {}}).ok());
    }
    for (std::int64_t i = 0; i < 250; ++i) {
      storage::LogRecord r;
      r.a = i;
      ASSERT_TRUE(log.append(r).ok());
    }
  }
  SimFlash f(g, file.path());
  storage::SettingsStore<Settings> settings(f, {0, 1}, {1, 1}, 1);
  Settings s{};
  auto l = settings.load(s);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(s.dose, 3);
  EXPECT_EQ(l->seq, 3u);
  storage::EventLog log(f, {2, 4});
  auto m = log.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->newest_seq, 250u);
  EXPECT_EQ(m->valid_records, 250u);
  storage::LogRecord newest;
  ASSERT_EQ(log.read_newest(std::span(&newest, 1)).value(), 1u);
  EXPECT_EQ(newest.a, 249);
}

// A simulator process killed with SIGKILL while it logs: every record it was told is written
// is in the file.
TEST(SimFlash, SigkillLosesNothingCommitted) {
  TempFile file("sigkill");
  constexpr hal::NvmGeometry g{4096, 64, 8, 256};
  constexpr storage::Region kLog{0, 64};  // 6,426 records kept: no wrap in this test
  { SimFlash f(g, file.path()); }         // created before the fork
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    SimFlash f(g, file.path());
    storage::EventLog log(f, kLog);
    if (!log.mount().ok()) ::_exit(2);
    for (std::int64_t i = 0; i < 6000; ++i) {
      storage::LogRecord r;
      r.a = i;
      auto seq = log.append(r);
      if (!seq.ok()) ::_exit(3);
      const std::uint32_t s = seq.value();
      if (::write(pipe_fds[1], &s, sizeof s) != sizeof s) ::_exit(4);
    }
    ::pause();  // wait for the kill
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  // Let it write a while, then kill it mid-stride.
  std::vector<std::uint32_t> told;
  std::uint32_t s = 0;
  while (told.size() < 2000 && ::read(pipe_fds[0], &s, sizeof s) == sizeof s) told.push_back(s);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (::read(pipe_fds[0], &s, sizeof s) == sizeof s) told.push_back(s);
  ::close(pipe_fds[0]);
  ASSERT_GE(told.size(), 2000u);
  SimFlash f(g, file.path());
  storage::EventLog log(f, kLog);
  auto m = log.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_GE(m->newest_seq, told.back());
  std::vector<storage::LogRecord> out(told.size());
  auto n = log.read_from(1, out);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n.value(), told.size());
  for (std::size_t i = 0; i < told.size(); ++i) {
    ASSERT_EQ(out[i].seq, told[i]);
    ASSERT_EQ(out[i].a, static_cast<std::int64_t>(i));
  }
  std::printf("SIGKILL after %zu acknowledged records: all %zu in the file\n", told.size(),
              n.value());
}

}  // namespace
}  // namespace itdd::sim
