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
// Windows. The hour is a true sliding window: every stroke seen in the last hour is kept with
// its time (a ring of kStrokeRing, more than the pump's maximum rate can make in an hour), and
// each observation checks the hour that ends with it. The day is counted in five-minute
// buckets: the 289 buckets that hold the last 24 hours, judged against the allowance over the
// same span (24 h plus the part of the oldest bucket before it), so correct delivery never trips
// and a runaway is caught before any 24 h holds more than the allowance, one stroke and at most
// five minutes of the prescription.
//
// Memory across a reset: what the monitor learns is told to a LedgerSink as it happens (every
// observation that saw strokes, every closed bucket, every change of the allowed rate, every
// authorised bolus), which the
// implant keeps in flash; at boot it is replayed (restore_*, and authorise() for the boluses
// authorised), so a reset never widens what the monitor permits nor forgets what it allowed.
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

// Where the monitor's memory goes (the implant writes it to flash). Calls come in time order.
class LedgerSink {
 public:
  virtual void strokes_seen(ImplantTime at, std::uint32_t strokes) = 0;
  virtual void bucket_closed(std::int64_t bucket, std::uint32_t strokes) = 0;
  // From `from` on, the basal allowance accrues `rate` units a millisecond (SafetyMonitor::kUnits).
  virtual void rate_changed(ImplantTime from, std::int64_t rate) = 0;
  virtual void bolus_authorised(ImplantTime start, ImplantTime end, Volume volume) = 0;
  // After a program change: what earlier programs' patient boluses may add, until when.
  virtual void earlier_patient_extras(ImplantTime until, Volume in_hour, Volume in_day) = 0;

 protected:
  ~LedgerSink() = default;
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
    // The last hour's strokes, each with its implant time (ms, mod 2^32: an hour fits).
    std::array<std::uint32_t, kStrokeRing> stroke_ms{};
    std::uint32_t stroke_oldest = 0;  // ring index of the oldest
    std::uint32_t strokes_1h = 0;     // how many the ring holds
    std::array<std::uint16_t, kBuckets> bucket_strokes{};
    std::int64_t current_bucket = 0;  // bucket index (implant ms / kBucketMs) of the newest
    std::int64_t strokes_24h = 0;     // in the kBuckets buckets up to the current one
    std::int64_t restored_bucket = -1;  // the newest bucket restored from the ledger
    std::int64_t last_ms = 0;           // implant time of the last observation
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
  // rates (time order), closed buckets, then the strokes seen in the last hour (time order).
  void restore_rate(ImplantTime from, std::int64_t rate);
  void restore_bucket(std::int64_t bucket, std::uint32_t strokes, ImplantTime now);
  // Strokes in a bucket a restored bucket record already holds count for the hour only.
  void restore_strokes(ImplantTime at, std::uint32_t strokes, ImplantTime now);

  bool tripped() const { return state_.tripped; }
  const Verdict& trip() const { return state_.trip; }
  // After the cause is found (in the clinic), the trip is cleared by a clinician command.
  void reset_trip() { state_.tripped = false; }

  Volume delivered_last_hour() const { return pump_.stroke_volume * state_.strokes_1h; }
  // The strokes in the day window (the last 24 h and the part of the oldest bucket before it).
  Volume delivered_last_day() const { return pump_.stroke_volume * state_.strokes_24h; }
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
  State state_{};
};

}  // namespace itdd::safety
