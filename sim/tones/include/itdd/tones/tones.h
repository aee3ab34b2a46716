// Renders the implant's alarm tone patterns (firmware/alarms, tone_patterns.h: exactly what the
// implant plays) to 16-bit mono PCM WAV files, so clinic staff and patients can learn them.
// Host-only: used by `itdd sim tones --out DIR`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <span>
#include <string>
#include <vector>

#include "itdd/alarms/tone_patterns.h"
#include "itdd/hal/buzzer.h"

namespace itdd::tones {

struct RenderOptions {
  int sample_rate = 16'000;  // Hz; the highest tone is far below half of it
  int fade_ms = 5;           // linear fade in and out of every tone, so nothing clicks
  double amplitude = 0.5;    // of full scale
};

// The samples of a pattern: each segment rounded to whole samples, a sine at its frequency
// (silence for 0 Hz) with a fade at both ends.
std::vector<std::int16_t> render(std::span<const hal::ToneSegment> segments,
                                 const RenderOptions& options = {});

// A complete RIFF/WAVE file (PCM, 16-bit, mono) holding `samples`.
std::vector<std::uint8_t> wav_bytes(std::span<const std::int16_t> samples, int sample_rate);

// "880 Hz 500 ms, 660 Hz 500 ms, pause 500 ms, ..."
std::string describe(std::span<const hal::ToneSegment> segments);

struct WrittenTone {
  std::string pattern;  // its name in the table, e.g. "critical"
  std::filesystem::path file;
  double seconds = 0;
  std::size_t segments = 0;
};

struct WriteResult {
  bool ok = false;
  std::string error;  // when !ok: what could not be written, and why
  std::vector<WrittenTone> files;
};

// Writes DIR/<pattern name>.wav for every pattern of the table (creating DIR if missing).
WriteResult write_tone_files(const std::filesystem::path& dir, const RenderOptions& options = {});

// `itdd sim tones --out DIR`: writes the files, reports each on `out`; on failure reports on
// `err` and returns 2 (invalid input: the directory cannot be written), else 0.
int run_tones_command(const std::string& dir, std::ostream& out, std::ostream& err);

}  // namespace itdd::tones
