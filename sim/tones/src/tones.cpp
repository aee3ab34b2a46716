#include "itdd/tones/tones.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <numbers>
#include <ostream>
#include <system_error>

namespace itdd::tones {

namespace {

constexpr int kExitInvalidInput = 2;

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xFF));
}

void put_tag(std::vector<std::uint8_t>& out, const char* tag) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(tag[i]));
}

std::string repeat_text(Duration repeat) {
  if (repeat.count() <= 0) return "played on request";
  if (repeat.count() % kMillisPerHour == 0) {
    const std::int64_t h = repeat.count() / kMillisPerHour;
    return h == 1 ? "repeats every hour" : fmt::format("repeats every {} h", h);
  }
  return fmt::format("repeats every {} min", repeat.count() / kMillisPerMinute);
}

}  // namespace

std::vector<std::int16_t> render(std::span<const hal::ToneSegment> segments,
                                 const RenderOptions& options) {
  std::vector<std::int16_t> samples;
  const double rate = options.sample_rate;
  for (const hal::ToneSegment& seg : segments) {
    const auto n = static_cast<std::size_t>(std::llround(seg.duration_ms * rate / 1000.0));
    if (seg.frequency_hz == 0) {
      samples.insert(samples.end(), n, 0);
      continue;
    }
    const auto fade =
        std::min(n / 2, static_cast<std::size_t>(std::llround(options.fade_ms * rate / 1000.0)));
    const double step = 2.0 * std::numbers::pi * seg.frequency_hz / rate;
    for (std::size_t i = 0; i < n; ++i) {
      double envelope = 1.0;
      if (fade > 0 && i < fade) envelope = static_cast<double>(i) / static_cast<double>(fade);
      if (fade > 0 && n - 1 - i < fade) {
        envelope = std::min(envelope, static_cast<double>(n - 1 - i) / static_cast<double>(fade));
      }
      const double v = options.amplitude * envelope * std::sin(step * static_cast<double>(i));
      samples.push_back(static_cast<std::int16_t>(std::lround(v * 32767.0)));
    }
  }
  return samples;
}

std::vector<std::uint8_t> wav_bytes(std::span<const std::int16_t> samples, int sample_rate) {
  const auto data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
  std::vector<std::uint8_t> out;
  out.reserve(44 + data_bytes);
  put_tag(out, "RIFF");
  put_u32(out, 36 + data_bytes);
  put_tag(out, "WAVE");
  put_tag(out, "fmt ");
  put_u32(out, 16);                                           // fmt chunk size
  put_u16(out, 1);                                            // PCM
  put_u16(out, 1);                                            // mono
  put_u32(out, static_cast<std::uint32_t>(sample_rate));      // samples per second
  put_u32(out, static_cast<std::uint32_t>(sample_rate) * 2);  // bytes per second
  put_u16(out, 2);                                            // bytes per frame
  put_u16(out, 16);                                           // bits per sample
  put_tag(out, "data");
  put_u32(out, data_bytes);
  for (std::int16_t s : samples) put_u16(out, static_cast<std::uint16_t>(s));
  return out;
}

std::string describe(std::span<const hal::ToneSegment> segments) {
  std::string text;
  for (const hal::ToneSegment& seg : segments) {
    if (!text.empty()) text += ", ";
    text += seg.frequency_hz == 0 ? fmt::format("pause {} ms", seg.duration_ms)
                                  : fmt::format("{} Hz {} ms", seg.frequency_hz, seg.duration_ms);
  }
  return text;
}

WriteResult write_tone_files(const std::filesystem::path& dir, const RenderOptions& options) {
  WriteResult result;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    result.error = fmt::format("{}: cannot create the directory: {}", dir.string(),
                               ec ? ec.message() : "not a directory");
    return result;
  }
  for (const alarms::TonePattern& pattern : alarms::kTonePatterns) {
    const std::vector<std::int16_t> samples = render(pattern.tones(), options);
    const std::vector<std::uint8_t> bytes = wav_bytes(samples, options.sample_rate);
    const std::filesystem::path file = dir / (std::string(pattern.name) + ".wav");
    errno = 0;
    std::ofstream stream(file, std::ios::binary | std::ios::trunc);
    if (stream) {
      stream.write(reinterpret_cast<const char*>(bytes.data()),
                   static_cast<std::streamsize>(bytes.size()));
      stream.close();
    }
    if (!stream) {
      const int e = errno;
      result.error = fmt::format("{}: cannot write the file: {}", file.string(),
                                 e != 0 ? std::strerror(e) : "write failed");
      return result;
    }
    result.files.push_back(
        {pattern.name, file,
         static_cast<double>(samples.size()) / static_cast<double>(options.sample_rate),
         pattern.segment_count});
  }
  result.ok = true;
  return result;
}

int run_tones_command(const std::string& dir, std::ostream& out, std::ostream& err) {
  const WriteResult result = write_tone_files(dir);
  if (!result.ok) {
    err << "error: " << result.error << '\n';
    return kExitInvalidInput;
  }
  for (const WrittenTone& w : result.files) {
    const alarms::TonePattern* pattern = nullptr;
    for (const alarms::TonePattern& p : alarms::kTonePatterns) {
      if (w.pattern == p.name) pattern = &p;
    }
    out << fmt::format("wrote {}: {:.1f} s, {} segment{} ({}); {}\n", w.file.string(), w.seconds,
                       w.segments, w.segments == 1 ? "" : "s", describe(pattern->tones()),
                       repeat_text(pattern->repeat));
  }
  return 0;
}

}  // namespace itdd::tones
