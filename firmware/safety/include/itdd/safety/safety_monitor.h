// The independent safety monitor. It does not trust the stroke scheduler: it counts what the
// rotor sensor saw and compares the strokes in the last hour and the last 24 hours with what the
// prescription it holds (its own copy), the boluses the clinician authorised and the
// patient-bolus limits could ever allow, and with the pump's hard limit. A breach is a trip: the
// implant cuts the motor driver, raises a critical alarm and logs it.
//
// Allowance over a window (from, to], in strokes:
//   basal      the exact integral of the prescription in force at each moment (a change inside
//              the window counts each program for its own part), from the monitor's own record
//              of the allowed rate over time; while the schedule re-aligns after a clock change
//              (4 x the change, the scheduler's 5/4 or 3/4 speed) the rate is 5/4 of the
//              program's highest step, and only then;
//   boluses    every authorised clinician/priming/bridge bolus that overlaps the window, whole,
//   patient    the most patient boluses the limits allow in the window, whole (and, in a window
//              reaching back to a program change, what the earlier programs allowed as well),
//   slack      one stroke (the scheduler keeps less than one stroke pending: delivered in any
//              window < programmed + one stroke);
// the sum rounded down to whole strokes, plus the stroke of slack. Whatever the prescription,
// never more than the pump's maximum rate allows in an hour, plus one stroke.
//
// Windows. Both are true sliding windows, checked at every observation that saw strokes. The
// hour keeps every stroke seen in it with its time to the millisecond (up to kStrokeRing, more
// than the pump's maximum rate can make in an hour, each as its 16-bit gap to the one before,
// with an escape for a longer gap). The day counts every stroke by number: the strokes in
// (now - 24 h, now] are the strokes seen so far less those up to the oldest still inside, and
// that one is found by reading the day's stroke times back from the ledger (StrokeArchive:
// packs of stroke times the monitor hands to its LedgerSink, kept in flash), one pack at a
// time as the window's start moves on. A pack the archive no longer has (lost to a failed
// write or overwritten) is replaced by the next one it has: its strokes stay counted until
// that pack's first leaves, so the monitor may stop early, never late. Without an archive (the
// ledger did not mount) the day falls back to 289 five-minute buckets judged against the
// allowance over the same span: never a false trip, but up to five minutes of the prescription
// looser (firmware/safety/README.md).
//
// Memory across a reset: what the monitor learns is told to a LedgerSink as it happens (every
// observation that saw strokes, every full pack of stroke times, every change of the allowed
// rate, every authorised bolus), which the implant keeps in flash; at boot it is replayed
// (restore_*, and authorise() for the boluses authorised), so a reset never widens what the
// monitor permits nor forgets what it allowed.
#pragma once

#include <array>
#include <cstdint>

#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/therapy/prescription.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::safety {

enum class TripWindow : std::uint8_t { kNone, kOneHour, kOneDay, kPumpMaximum };

const char* name(TripWindow window);

struct Verdict {
  bool tripped = false;
  TripWindow window = TripWindow::kNone;
  Volume delivered{};  // in the window that tripped
  Volume allowed{};
};

// Stroke times as the ledger keeps them for the day window: the first stroke's time in full, each
// later one by its gap in ms from the one before, as base_gap_ms (the pack's) plus 16 bits; a gap
// that does not fit starts a new pack. Every stroke is numbered by the monitor's count of strokes
// seen (mod 2^32).
struct StrokePack {
  static constexpr std::size_t kGaps = 12;
  static constexpr std::uint16_t kNoStroke = 0xFFFF;           // a gap slot not used
  static constexpr std::int64_t kWidestGapMs = kNoStroke - 1;  // above the base
  std::uint32_t first_index = 0;
  std::int64_t first_ms = 0;
  std::uint32_t base_gap_ms = 0;
  std::array<std::uint16_t, kGaps> gaps = filled_gaps();
  std::uint8_t strokes = 0;  // 1 + the gaps used

  static constexpr std::array<std::uint16_t, kGaps> filled_gaps() {
    std::array<std::uint16_t, kGaps> g{};
    g.fill(kNoStroke);
    return g;
  }
  // The gap before stroke i + 1.
  std::int64_t gap(std::size_t i) const { return std::int64_t{base_gap_ms} + gaps[i]; }
};

// Where the monitor's memory goes (the implant writes it to flash). Calls come in time order.
class LedgerSink {
 public:
  // `first_index`: the monitor's number of the first of these strokes.
  virtual void strokes_seen(ImplantTime at, std::uint32_t strokes, std::uint32_t first_index) = 0;
  // A full pack of stroke times (StrokeArchive gives it back for the day window).
  virtual void strokes_packed(const StrokePack& pack) = 0;
  // From `from` on, the basal allowance accrues `rate` units a millisecond (SafetyMonitor::kUnits).
  virtual void rate_changed(ImplantTime from, std::int64_t rate) = 0;
  virtual void bolus_authorised(ImplantTime start, ImplantTime end, Volume volume) = 0;
  // After a program change: what earlier programs' patient boluses may add, until when.
  virtual void earlier_patient_extras(ImplantTime until, Volume in_hour, Volume in_day) = 0;

 protected:
  ~LedgerSink() = default;
};

// The packs the monitor handed to its sink, read back as the day window's start moves on.
class StrokeArchive {
 public:
  // The oldest pack kept that holds stroke `index` or a later one (compared mod 2^32 within a
  // day's strokes); false when there is none. Called with `index` never falling, except after
  // a reset.
  virtual bool pack_from(std::uint32_t index, StrokePack* out) = 0;

 protected:
  ~StrokeArchive() = default;
};

class SafetyMonitor {
 public:
  static constexpr std::int64_t kBucketMs = 5 * kMillisPerMinute;
  static constexpr std::int64_t kBucketsPerDay = kMillisPerDay / kBucketMs;  // 288
  // The day's buckets and the one the window's start falls in.
  static constexpr std::size_t kBuckets = static_cast<std::size_t>(kBucketsPerDay) + 1;
  // Strokes kept with their time: more than an hour at the pump's maximum rate and the stroke of
  // slack (the reference pump: 1,000 an hour). A pump whose hard limit needs more is refused by
  // fits().
  static constexpr std::size_t kStrokeRing = 1024;
  // The hour keeps each stroke after its oldest as the gap in ms to the one before, in 16 bits:
  // a gap of kEscapeMs or more takes one kEscape entry (kEscapeMs) for each kEscapeMs in it, then
  // the rest. The gaps between strokes of one hour add up to less than an hour, so however they
  // fall it holds at most kHourEscapes escapes beside its kStrokeRing strokes.
  static constexpr std::uint16_t kEscape = 0xFFFF;
  static constexpr std::int64_t kEscapeMs = kEscape;
  static constexpr std::size_t kHourEscapes =
      static_cast<std::size_t>((kMillisPerHour - 1) / kEscapeMs);
  static constexpr std::size_t kHourEntries = kStrokeRing - 1 + kHourEscapes;
  // Changes of the allowed rate kept: a day of a flexible program (48 steps), the re-alignment
  // after clock changes and program changes, with room to spare; when full the two oldest merge
  // (the merged span allows more, never less).
  static constexpr std::size_t kSegments = 128;
  static constexpr std::size_t kMaxAuthorised = 16;
  // Allowance units: nL x quarter-ms per day, so 5/4 of a flow stays integral.
  static constexpr std::int64_t kUnitsPerNanolitre = kMillisPerDay * 4;
  // How far back the rate record must reach: the day window and its oldest bucket.
  static constexpr std::int64_t kHistoryMs = kMillisPerDay + kBucketMs;

  struct Authorised {
    ImplantTime start{};
    ImplantTime end{};
    Volume volume{};
  };

  // The allowed basal rate from `start` on, and the allowance accrued before it (mod 2^64:
  // only differences over a day are used).
  struct Segment {
    std::int64_t start_ms = 0;
    std::int64_t rate = 0;  // units per ms
    std::uint64_t accrued = 0;
  };

  struct State {
    // The last hour's strokes: the oldest's and the newest's implant time (ms, mod 2^32: an hour
    // fits), and each one after the oldest as its gap to the one before (escapes first) in a
    // ring of entries from hour_head.
    std::uint32_t hour_oldest_ms = 0;
    std::uint32_t hour_newest_ms = 0;
    std::uint32_t strokes_1h = 0;  // how many strokes the hour holds
    std::uint16_t hour_head = 0;   // ring index of the oldest entry
    std::uint16_t hour_entries = 0;
    std::array<std::uint16_t, kHourEntries> hour_gaps{};
    std::array<std::uint16_t, kBuckets> bucket_strokes{};
    // The day without an archive: five-minute buckets.
    std::int64_t current_bucket = 0;  // bucket index (implant ms / kBucketMs) of the newest
    std::int64_t strokes_24h = 0;     // in the kBuckets buckets up to the current one
    std::int64_t last_ms = 0;         // implant time of the last observation
    // The day with an archive: strokes numbered from the monitor's first (mod 2^32).
    std::uint32_t strokes_total = 0;  // the number the next stroke gets
    std::uint32_t day_oldest = 0;     // the oldest stroke still in the day window
    std::int64_t newest_stroke_ms = INT64_MIN;
    bool numbered = false;          // strokes_total means something (seen or restored)
    StrokePack open{};              // strokes not yet handed to the sink in a pack
    std::int64_t open_last_ms = 0;  // the time of the newest stroke in it
    // Where the window's start stands: a copy of the pack holding day_oldest (or the first
    // later one kept), and the time of its stroke `trailing_pos`.
    StrokePack trailing{};
    bool trailing_known = false;
    // The open pack stands in for one the archive did not give (a read error, or none kept):
    // the archive is asked again at each later observation until it answers.
    bool trailing_stands_in = false;
    std::uint8_t trailing_pos = 0;
    std::int64_t trailing_ms = 0;
    std::int64_t trailing_ask_again_ms = 0;
    // The allowed rate over time, oldest first, in a ring; the newest is open-ended.
    std::array<Segment, kSegments> segments{};
    std::uint32_t segment_oldest = 0;  // sequence number (slot = seq % kSegments)
    std::uint32_t segment_count = 0;
    std::int64_t rate_until_ms = 0;  // the newest segment's rate holds until here (then re-read)
    std::int64_t realign_until_ms = 0;
    std::int64_t wall_offset_ms = 0;
    // Where the flexible program stands: valid for wall times in [flex_from, flex_until).
    std::int64_t flex_from_ms = 0;
    std::int64_t flex_until_ms = -1;
    std::int64_t flex_flow = 0;
    std::int64_t flex_max_flow = 0;  // the program's highest step, nL/day
    // The most patient boluses allow in each window under the current program, and what earlier
    // programs allowed (added up) while a bolus they granted can still be running: until the
    // last change and the longest bolus duration since.
    Volume patient_extra_1h{};
    Volume patient_extra_day{};
    Volume earlier_patient_extra_1h{};
    Volume earlier_patient_extra_day{};
    ImplantTime earlier_until{INT64_MIN};
    ImplantTime authorised_until{INT64_MIN};  // the latest end of an authorised bolus
    std::array<Authorised, kMaxAuthorised> authorised{};
    std::uint8_t authorised_next = 0;
    std::uint32_t last_sensed = 0;  // rotor sensor count at the last observation
    bool sensor_known = false;
    bool started = false;
    therapy::Prescription prescription{};
    bool tripped = false;
    Verdict trip{};
  };

  explicit SafetyMonitor(const therapy::PumpModel& pump);

  // The hour's stroke ring holds what the pump's hard limit allows in an hour and one more.
  static bool fits(const therapy::PumpModel& pump);

  void set_sink(LedgerSink* sink) { sink_ = sink; }
  // With an archive the day window is exact; without one, five-minute buckets.
  void set_archive(StrokeArchive* archive) {
    archive_ = archive;
    state_.trailing_known = false;
  }

  // What the monitor is told by the command layer (never by the scheduler).
  void set_prescription(const therapy::Prescription& rx, ImplantTime now);
  // The wall clock's offset at start-up or boot (no re-alignment follows).
  void set_wall_offset(Duration offset) { state_.wall_offset_ms = offset.count(); }
  // The clock was set: a flexible program's schedule re-aligns at 5/4 or 3/4 speed, so for
  // 4 x the change the basal allowance is 5/4 of the program's highest step.
  void clock_set(Duration offset, ImplantTime now);
  // A re-alignment in progress at boot (the monitor's own record of it is in RAM only).
  void realigning_until(ImplantTime until, ImplantTime now);
  void authorise(Volume volume, ImplantTime start, Duration duration);
  // The same from the ledger at boot (not told to the ledger again).
  void restore_authorised(ImplantTime start, ImplantTime end, Volume volume);
  void restore_earlier_patient_extras(ImplantTime until, Volume in_hour, Volume in_day) {
    state_.earlier_until = until;
    state_.earlier_patient_extra_1h = in_hour;
    state_.earlier_patient_extra_day = in_day;
  }

  // After a reset the rotor sensor counts from zero again: take its count as the origin from now
  // on.
  void resync_sensor(std::uint32_t sensed_strokes) {
    state_.last_sensed = sensed_strokes;
    state_.sensor_known = true;
  }
  // Reads the rotor sensor count (it wraps at 2^32) and checks the windows.
  Verdict observe(std::uint32_t sensed_strokes, ImplantTime now);

  // Replaying the ledger at boot, before the first observe() and after set_prescription():
  // rates (time order), the packs of stroke times (oldest first), then the strokes seen (time
  // order), of which those a pack already holds are skipped and the rest make the open pack.
  void restore_rate(ImplantTime from, std::int64_t rate);
  void restore_pack(const StrokePack& pack, ImplantTime now);
  void restore_strokes(ImplantTime at, std::uint32_t strokes, std::uint32_t first_index,
                       ImplantTime now);

  bool tripped() const { return state_.tripped; }
  const Verdict& trip() const { return state_.trip; }
  // After the cause is found (in the clinic), the trip is cleared by a clinician command.
  void reset_trip() { state_.tripped = false; }

  Volume delivered_last_hour() const { return pump_.stroke_volume * state_.strokes_1h; }
  // The strokes in the day window: the last 24 h (without an archive, and the part of the
  // oldest bucket before it).
  Volume delivered_last_day() const { return pump_.stroke_volume * strokes_in_day(); }
  std::int64_t strokes_in_day() const {
    return archive_ == nullptr
               ? state_.strokes_24h
               : static_cast<std::int64_t>(state_.strokes_total - state_.day_oldest);
  }
  // The allowance in strokes over (from, to], both within the last day of the rate record.
  std::int64_t allowed_strokes(ImplantTime from, ImplantTime to);
  // The pump's hard limit over an hour, in strokes.
  std::int64_t hard_limit_1h() const { return hard_1h_; }
  // The allowed basal rate at `at` (units per ms), from the record.
  std::int64_t allowed_rate_at(ImplantTime at);

  const State& state() const { return state_; }

 private:
  void start(ImplantTime now);
  void push_segment(std::int64_t start_ms, std::int64_t rate, bool tell);
  std::int64_t rate_at(std::int64_t ms, std::int64_t* until_ms);
  void advance_rates(std::int64_t now_ms);
  void advance_buckets(std::int64_t bucket);
  void forget_strokes_before(std::int64_t from_ms);
  void leave_hour(std::int64_t now_ms);
  bool keep_in_hour(std::int64_t ms);
  void pack_stroke(std::int64_t ms);
  void count_stroke(std::uint32_t index, std::int64_t ms, ImplantTime now, bool into_open);
  bool locate_day_start(std::int64_t now_ms);
  bool archived_pack_from(std::uint32_t index, StrokePack* out);
  void stand_at(const StrokePack& pack);
  void release_day(std::int64_t now_ms);
  std::uint64_t accrued_at(std::int64_t ms, std::uint32_t* cursor) const;
  Volume extras(std::int64_t from_ms, std::int64_t to_ms, bool day) const;
  std::int64_t allowance(std::int64_t from_ms, std::int64_t to_ms, bool day, std::uint32_t* cursor);
  Volume patient_extra(Duration window) const;
  Verdict check(std::int64_t now_ms);

  therapy::PumpModel pump_;
  std::int64_t hard_1h_ = 0;
  std::uint32_t cursor_1h_ = 0;  // segment holding the hour window's start (monotonic)
  std::uint32_t cursor_day_ = 0;
  LedgerSink* sink_ = nullptr;
  StrokeArchive* archive_ = nullptr;
  State state_{};
};

}  // namespace itdd::safety
