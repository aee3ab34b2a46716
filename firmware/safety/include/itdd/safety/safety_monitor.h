// The independent safety monitor. It does not trust the stroke scheduler: it counts what the
// rotor sensor saw, in one-minute buckets, and compares the volume over the last hour and the
// last 24 hours with what the prescription it holds (its own copy), the boluses the clinician
// authorised and the patient-bolus limits could ever allow, and with the pump's hard limit.
// A breach is a trip: the implant cuts the motor driver, raises a critical alarm and logs it.
//
// Allowance over a window W ending now:
//   basal      the exact integral of the prescription over W (the larger of the current and the
//              previous prescription, so a change inside the window never trips), x 5/4 for
//              the schedule's re-alignment after a clock change,
//   boluses    every authorised clinician/priming/bridge bolus that overlaps W, whole,
//   patient    the most patient boluses the limits allow in W, whole,
//   slack      two strokes (delivery is in whole strokes);
// and, whatever the prescription, never more than the pump's maximum rate over W.
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

class SafetyMonitor {
 public:
  // Delivery is counted in five-minute buckets: a day is 288 of them, an hour 12.
  static constexpr std::int64_t kBucketMs = 5 * kMillisPerMinute;
  static constexpr std::size_t kBuckets = 24 * 12;
  static constexpr std::size_t kMaxAuthorised = 16;

  struct Authorised {
    ImplantTime start{};
    ImplantTime end{};
    Volume volume{};
  };

  struct State {
    std::array<std::uint16_t, kBuckets> strokes_per_minute{};
    // The prescription's basal flow (nL/day) allowed in each minute: the higher of the flows
    // at its start and its end, under the prescription in force then (the larger of the old
    // and the latest in the minute of a change). Summed like the strokes, so a window's basal
    // allowance is a sum / 1440 with no walk through the schedule.
    std::array<std::int32_t, kBuckets> allowed_flow_per_minute{};
    std::int64_t allowed_flow_1h = 0;
    std::int64_t allowed_flow_24h = 0;
    // Where the flexible program stands: valid for wall times in [flex_from, flex_until).
    std::int64_t flex_from_ms = 0;
    std::int64_t flex_until_ms = -1;
    std::int64_t flex_flow = 0;
    std::int64_t continuous_flow = 0;  // of the prescription in force, nL/day
    Volume patient_extra_1h{};         // the most patient boluses allow in each window
    Volume patient_extra_24h{};
    ImplantTime authorised_until{};   // the latest end of an authorised bolus
    std::int64_t current_minute = 0;  // implant minute of the newest bucket
    std::uint32_t last_sensed = 0;    // rotor sensor count at the last observation
    bool sensor_known = false;
    std::int64_t strokes_1h = 0;
    std::int64_t strokes_24h = 0;
    therapy::Prescription prescription{};
    therapy::Prescription previous{};
    ImplantTime prescription_since{};
    std::int64_t wall_offset_ms = 0;
    std::array<Authorised, kMaxAuthorised> authorised{};
    std::uint8_t authorised_next = 0;
    // Allowances computed at most once a minute; strokes are compared with them in between.
    std::int64_t allowance_minute = -1;
    Volume allowed_1h{};
    Volume allowed_24h{};
    bool tripped = false;
    Verdict trip{};
  };

  explicit SafetyMonitor(const therapy::PumpModel& pump) : pump_(pump) {}

  // What the monitor is told by the command layer (never by the scheduler).
  void set_prescription(const therapy::Prescription& rx, ImplantTime now);
  void set_wall_offset(Duration offset) { state_.wall_offset_ms = offset.count(); }
  void authorise(Volume volume, ImplantTime start, Duration duration);

  // After a reset the rotor sensor counts from zero again: take its count as the origin from now
  // on.
  void resync_sensor(std::uint32_t sensed_strokes) {
    state_.last_sensed = sensed_strokes;
    state_.sensor_known = true;
  }
  // Reads the rotor sensor count (it wraps at 2^32) and checks the windows.
  Verdict observe(std::uint32_t sensed_strokes, ImplantTime now);

  bool tripped() const { return state_.tripped; }
  const Verdict& trip() const { return state_.trip; }
  // After the cause is found (in the clinic), the trip is cleared by a clinician command.
  void reset_trip() { state_.tripped = false; }

  Volume delivered_last_hour() const { return pump_.stroke_volume * state_.strokes_1h; }
  Volume delivered_last_day() const { return pump_.stroke_volume * state_.strokes_24h; }
  // The allowance over `window` ending `now`, computed the long way (for reports and tests;
  // observe() keeps per-minute sums instead).
  Volume allowance(Duration window, ImplantTime now) const;

  const State& state() const { return state_; }
  void restore(const State& state) { state_ = state; }

 private:
  void advance_to_minute(std::int64_t minute);
  std::int64_t flow_at(const therapy::Prescription& rx, std::int64_t wall_ms);
  std::int32_t minute_flow(std::int64_t minute);
  void set_minute(std::int64_t minute, std::int32_t flow);
  Volume basal_allowance(const therapy::Prescription& rx, ImplantTime from, ImplantTime to) const;
  Volume extras(Duration window, ImplantTime now) const;
  Volume patient_extra(Duration window) const;
  Volume window_allowance(std::int64_t flow_sum, Duration window, ImplantTime now) const;

  therapy::PumpModel pump_;
  State state_{};
};

}  // namespace itdd::safety
