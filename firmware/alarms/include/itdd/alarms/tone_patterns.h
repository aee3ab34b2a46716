// The tone patterns, as data. Each is a short table of (frequency, duration) segments and the
// interval at which it repeats while an alarm of its class sounds.
//
// Source: docs/intrathecal-facts.md, "Alarms": real pumps sound a ~3 s two-tone alarm when the
// drug is not flowing or will stop (critical) and a ~1 s single tone that repeats about hourly
// otherwise (non-critical). How often a critical alarm repeats is not in that source: 10 minutes
// is our default and is configurable (AlarmConfig). The frequencies are ours too (unconfirmed: to
// be set against the real transducer and its audibility through the can and tissue).
// data/alarm-tones.json holds the same table for people and tools; a test checks the two agree.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/alarms/alarm_kind.h"
#include "itdd/core/units.h"
#include "itdd/hal/buzzer.h"

namespace itdd::alarms {

inline constexpr std::size_t kMaxToneSegments = 8;

enum class TonePatternId : std::uint8_t {
  kCritical = 0,
  kNonCritical = 1,
  kAlarmTest = 2,  // every alarm tone once, so the patient and clinic can hear they work
};

inline constexpr std::size_t kTonePatternCount = 3;

struct TonePattern {
  TonePatternId id = TonePatternId::kCritical;
  const char* name = "";  // also the file name `itdd sim tones` writes (name.wav)
  std::array<hal::ToneSegment, kMaxToneSegments> segments{};
  std::uint8_t segment_count = 0;
  Duration repeat{};  // default repeat interval while sounding; 0: played on request only

  constexpr std::span<const hal::ToneSegment> tones() const {
    return std::span<const hal::ToneSegment>(segments.data(), segment_count);
  }
  // From the first segment's start to the last segment's end.
  constexpr Duration duration() const {
    std::int64_t ms = 0;
    for (std::size_t i = 0; i < segment_count; ++i) ms += segments[i].duration_ms;
    return milliseconds(ms);
  }
  // Time the buzzer is driven within the first `elapsed` of the pattern (pauses excluded):
  // what a tone costs the battery. sounding() is that for the whole pattern.
  constexpr Duration sounding_within(Duration elapsed) const {
    std::int64_t left = elapsed.count();
    std::int64_t ms = 0;
    for (std::size_t i = 0; i < segment_count && left > 0; ++i) {
      const std::int64_t d = segments[i].duration_ms < left ? segments[i].duration_ms : left;
      if (segments[i].frequency_hz != 0) ms += d;
      left -= d;
    }
    return milliseconds(ms);
  }
  constexpr Duration sounding() const { return sounding_within(duration()); }
};

namespace detail {
// Critical: two tones a fourth apart, alternating, 3 s in all ("hee-haw").
inline constexpr hal::ToneSegment kHigh{880, 500};
inline constexpr hal::ToneSegment kLow{660, 500};
// Non-critical: one steady tone, 1 s.
inline constexpr hal::ToneSegment kSingle{1000, 1000};
inline constexpr hal::ToneSegment kTestPause{0, 500};
}  // namespace detail

// Indexed by TonePatternId.
inline constexpr std::array<TonePattern, kTonePatternCount> kTonePatterns = {{
    {TonePatternId::kCritical,
     "critical",
     {detail::kHigh, detail::kLow, detail::kHigh, detail::kLow, detail::kHigh, detail::kLow},
     6,
     minutes(10)},
    {TonePatternId::kNonCritical, "non-critical", {detail::kSingle}, 1, hours(1)},
    // The critical pattern, a pause, the non-critical pattern.
    {TonePatternId::kAlarmTest,
     "alarm-test",
     {detail::kHigh, detail::kLow, detail::kHigh, detail::kLow, detail::kHigh, detail::kLow,
      detail::kTestPause, detail::kSingle},
     8,
     Duration(0)},
}};

constexpr const TonePattern& tone_pattern(TonePatternId id) {
  return kTonePatterns[static_cast<std::size_t>(id)];
}

// The pattern an alarm class sounds.
constexpr TonePatternId pattern_for(AlarmClass c) {
  return c == AlarmClass::kCritical ? TonePatternId::kCritical : TonePatternId::kNonCritical;
}

namespace detail {
constexpr bool patterns_are_consistent() {
  for (std::size_t i = 0; i < kTonePatternCount; ++i) {
    const TonePattern& p = kTonePatterns[i];
    if (static_cast<std::size_t>(p.id) != i) return false;
    if (p.segment_count == 0 || p.segment_count > kMaxToneSegments) return false;
    for (std::size_t s = 0; s < p.segment_count; ++s) {
      if (p.segments[s].duration_ms == 0) return false;
    }
  }
  // The alarm test is every other pattern once, separated by pauses, in table order.
  const TonePattern& test = tone_pattern(TonePatternId::kAlarmTest);
  std::size_t at = 0;
  for (std::size_t i = 0; i < kTonePatternCount; ++i) {
    const TonePattern& p = kTonePatterns[i];
    if (p.id == TonePatternId::kAlarmTest) continue;
    while (at < test.segment_count && test.segments[at].frequency_hz == 0) ++at;
    for (std::size_t s = 0; s < p.segment_count; ++s, ++at) {
      if (at >= test.segment_count || !(test.segments[at] == p.segments[s])) return false;
    }
  }
  return at == test.segment_count;
}
}  // namespace detail
static_assert(detail::patterns_are_consistent(),
              "tone patterns: ids in order, non-empty, alarm test = every pattern once");
static_assert(tone_pattern(TonePatternId::kCritical).duration() == seconds(3), "~3 s critical");
static_assert(tone_pattern(TonePatternId::kNonCritical).duration() == seconds(1), "~1 s");

}  // namespace itdd::alarms
