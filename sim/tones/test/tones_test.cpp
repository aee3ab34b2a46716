// The WAV files `itdd sim tones` writes: valid headers, the lengths of the patterns (~3 s,
// ~1 s, the test), and in every segment the frequency the table says (counted from zero
// crossings of what was written to disk, read back with a parser of our own).
#include "itdd/tones/tones.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace itdd::tones {
namespace {

struct Wav {
  std::uint16_t format = 0;
  std::uint16_t channels = 0;
  std::uint32_t sample_rate = 0;
  std::uint32_t byte_rate = 0;
  std::uint16_t block_align = 0;
  std::uint16_t bits = 0;
  std::uint32_t riff_size = 0;
  std::size_t file_size = 0;
  std::vector<std::int16_t> samples;
};

std::uint32_t le(const std::vector<std::uint8_t>& b, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b.at(at + static_cast<std::size_t>(i));
  return v;
}

// A strict reader for the one layout we write: RIFF, WAVE, "fmt " (16 bytes), "data".
Wav read_wav(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
  Wav w;
  w.file_size = b.size();
  EXPECT_GE(b.size(), 44U);
  if (b.size() < 44) return w;
  EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "RIFF");
  EXPECT_EQ(std::string(b.begin() + 8, b.begin() + 12), "WAVE");
  EXPECT_EQ(std::string(b.begin() + 12, b.begin() + 16), "fmt ");
  EXPECT_EQ(le(b, 16, 4), 16U);
  EXPECT_EQ(std::string(b.begin() + 36, b.begin() + 40), "data");
  w.riff_size = le(b, 4, 4);
  w.format = static_cast<std::uint16_t>(le(b, 20, 2));
  w.channels = static_cast<std::uint16_t>(le(b, 22, 2));
  w.sample_rate = le(b, 24, 4);
  w.byte_rate = le(b, 28, 4);
  w.block_align = static_cast<std::uint16_t>(le(b, 32, 2));
  w.bits = static_cast<std::uint16_t>(le(b, 34, 2));
  const std::uint32_t data = le(b, 40, 4);
  EXPECT_EQ(data + 44U, b.size());
  for (std::size_t i = 44; i + 1 < b.size(); i += 2) {
    w.samples.push_back(static_cast<std::int16_t>(le(b, i, 2)));
  }
  return w;
}

// Frequency from sign changes over the middle 80% of a stretch (fades left out).
double dominant_frequency(const std::vector<std::int16_t>& s, std::size_t from, std::size_t n,
                          double rate) {
  const std::size_t skip = n / 10;
  std::size_t crossings = 0;
  int last_sign = 0;
  for (std::size_t i = from + skip; i < from + n - skip; ++i) {
    const int sign = s[i] > 0 ? 1 : (s[i] < 0 ? -1 : 0);
    if (sign == 0) continue;
    if (last_sign != 0 && sign != last_sign) ++crossings;
    last_sign = sign;
  }
  const double seconds = static_cast<double>(n - 2 * skip) / rate;
  return static_cast<double>(crossings) / 2.0 / seconds;
}

int peak(const std::vector<std::int16_t>& s, std::size_t from, std::size_t n) {
  int p = 0;
  for (std::size_t i = from; i < from + n; ++i) p = std::max(p, std::abs(static_cast<int>(s[i])));
  return p;
}

class WrittenFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::path(::testing::TempDir()) / ("itdd-tones-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    result_ = write_tone_files(dir_);
    ASSERT_TRUE(result_.ok) << result_.error;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  WriteResult result_;
};

TEST_F(WrittenFiles, OneFilePerPatternNamedAfterIt) {
  ASSERT_EQ(result_.files.size(), alarms::kTonePatternCount);
  for (const alarms::TonePattern& p : alarms::kTonePatterns) {
    EXPECT_TRUE(std::filesystem::exists(dir_ / (std::string(p.name) + ".wav"))) << p.name;
  }
  EXPECT_TRUE(std::filesystem::exists(dir_ / "critical.wav"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "non-critical.wav"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "alarm-test.wav"));
}

TEST_F(WrittenFiles, HeadersSay16BitMonoPcm) {
  for (const WrittenTone& f : result_.files) {
    SCOPED_TRACE(f.pattern);
    const Wav w = read_wav(f.file);
    EXPECT_EQ(w.format, 1);
    EXPECT_EQ(w.channels, 1);
    EXPECT_EQ(w.sample_rate, 16'000U);
    EXPECT_EQ(w.bits, 16);
    EXPECT_EQ(w.block_align, 2);
    EXPECT_EQ(w.byte_rate, 32'000U);
    EXPECT_EQ(w.riff_size + 8U, w.file_size);
  }
}

TEST_F(WrittenFiles, LengthsAreThoseOfThePatterns) {
  const double expected[] = {3.0, 1.0, 4.5};  // critical, non-critical, alarm test
  for (std::size_t i = 0; i < result_.files.size(); ++i) {
    SCOPED_TRACE(result_.files[i].pattern);
    const Wav w = read_wav(result_.files[i].file);
    EXPECT_NEAR(static_cast<double>(w.samples.size()) / w.sample_rate, expected[i], 1e-3);
    EXPECT_NEAR(result_.files[i].seconds, expected[i], 1e-3);
    EXPECT_EQ(result_.files[i].segments, alarms::kTonePatterns[i].segment_count);
  }
}

TEST_F(WrittenFiles, EverySegmentSoundsAtItsTableFrequency) {
  for (std::size_t i = 0; i < result_.files.size(); ++i) {
    const alarms::TonePattern& pattern = alarms::kTonePatterns[i];
    const Wav w = read_wav(result_.files[i].file);
    std::size_t at = 0;
    for (const hal::ToneSegment& seg : pattern.tones()) {
      SCOPED_TRACE(std::string(pattern.name) + " segment at sample " + std::to_string(at));
      const std::size_t n = seg.duration_ms * w.sample_rate / 1000;
      ASSERT_LE(at + n, w.samples.size());
      if (seg.frequency_hz == 0) {
        EXPECT_EQ(peak(w.samples, at, n), 0);
      } else {
        EXPECT_NEAR(dominant_frequency(w.samples, at, n, w.sample_rate), seg.frequency_hz,
                    seg.frequency_hz * 0.01);
        EXPECT_GT(peak(w.samples, at, n), 10'000);  // clearly audible
      }
      at += n;
    }
    EXPECT_EQ(at, w.samples.size());
  }
}

TEST(Render, FadesInAndOutSoNothingClicks) {
  const hal::ToneSegment two[] = {{880, 500}, {660, 500}};
  const std::vector<std::int16_t> s = render(two);
  ASSERT_EQ(s.size(), 16'000U);
  EXPECT_EQ(s.front(), 0);
  EXPECT_EQ(s.back(), 0);
  EXPECT_EQ(s[7'999], 0);  // end of the first tone
  EXPECT_EQ(s[8'000], 0);  // start of the second
  // Within the fades (5 ms = 80 samples) the level rises steadily from silence.
  EXPECT_LT(peak(s, 0, 20), peak(s, 60, 20));
  EXPECT_LT(peak(s, 60, 20), peak(s, 200, 100));
  // No jump between neighbouring samples larger than a full-level sine allows at 880 Hz.
  const double max_step = 0.5 * 32767 * 2 * 3.14159265 * 880 / 16'000 * 1.01;
  for (std::size_t i = 1; i < s.size(); ++i) {
    ASSERT_LE(std::abs(s[i] - s[i - 1]), max_step) << "at sample " << i;
  }
}

TEST(Render, HeaderOfAnEmptyFileIsStillValid) {
  const std::vector<std::uint8_t> b = wav_bytes({}, 16'000);
  ASSERT_EQ(b.size(), 44U);
  EXPECT_EQ(le(b, 4, 4), 36U);
  EXPECT_EQ(le(b, 40, 4), 0U);
}

TEST(Describe, ListsTonesAndPauses) {
  EXPECT_EQ(describe(alarms::tone_pattern(alarms::TonePatternId::kNonCritical).tones()),
            "1000 Hz 1000 ms");
  const hal::ToneSegment mix[] = {{880, 500}, {0, 250}};
  EXPECT_EQ(describe(mix), "880 Hz 500 ms, pause 250 ms");
}

TEST(Command, ReportsEachFileAndRefusesAnUnwritableDirectory) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    ("itdd-tones-cmd-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run_tones_command((dir / "nested").string(), out, err), 0);
  EXPECT_EQ(err.str(), "");
  EXPECT_NE(out.str().find("critical.wav: 3.0 s, 6 segments"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("repeats every 10 min"), std::string::npos);
  EXPECT_NE(out.str().find("non-critical.wav: 1.0 s, 1 segment (1000 Hz 1000 ms)"),
            std::string::npos);
  EXPECT_NE(out.str().find("alarm-test.wav: 4.5 s, 8 segments"), std::string::npos);
  EXPECT_NE(out.str().find("played on request"), std::string::npos);

  // A regular file where the directory should be.
  const std::filesystem::path blocker = dir / "a-file";
  std::ofstream(blocker) << "x";
  std::ostringstream out2;
  std::ostringstream err2;
  EXPECT_EQ(run_tones_command((blocker / "sub").string(), out2, err2), 2);
  EXPECT_EQ(out2.str(), "");
  EXPECT_NE(err2.str().find("error: "), std::string::npos);
  EXPECT_NE(err2.str().find("cannot create the directory"), std::string::npos) << err2.str();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace itdd::tones
