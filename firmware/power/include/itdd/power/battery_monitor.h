// The implant's own estimate of its battery: how deep the cell is discharged, how long it will
// last at the current program, and when to raise the Elective Replacement Indicator (ERI) and
// End of Service (EOS).
//
// Two independent estimates of the depth of discharge (DoD), both in parts per million (ppm)
// of the nominal capacity:
//  - the energy counters: strokes, radio sessions, alarm-tone time and elapsed time at the
//    sleep current, each times its nominal energy, against the nominal capacity;
//  - the voltage: the terminal voltage under the measurement load, read back on the cell's
//    discharge curve (loaded voltage against DoD).
// A healthy cell makes them agree. A voltage lower than the counters predict (a depth more than
// `fault_discrepancy_permille` deeper, or `fault_deficit_mv` lower) means the cell is failing
// (capacity lost, or a resistive film raising its internal resistance): the monitor trusts the
// worse estimate, flags the cell as faulty and raises ERI at once, because a failing cell's
// remaining life cannot be projected.
//
// Rules (all figures come from data/pump-models.json through MonitorConfig):
//  - ERI when the projected longevity at the current program falls to eri_notice (90 days of
//    therapy) + eri_safety_margin, or the loaded voltage falls to eri_mv, or the cell is
//    faulty, or the service life (SynchroMed II: 7 years) is that close to its end.
//  - EOS when the counters reach the depth at which the curve crosses eos_mv, or the loaded
//    voltage falls to eos_mv, or the service life is over. The integrator then stops therapy
//    and raises the critical alarm. Both are latched: once raised they stay.
//  - A voltage condition counts only after `confirm_readings` readings in a row (one low
//    reading taken during a radio burst must not condemn a pump to surgery); so does a short
//    projection that only the voltage makes short. While one is being confirmed the next check
//    comes after `recheck_interval` instead of a day. The counters need no confirmation.
//
// Event-driven: `check` says when the next check is due (daily, sooner when a projected ERI or
// EOS date or a confirmation falls earlier). No heap, no floating point, bounded loops.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/hal/power_sense.h"

namespace itdd::power {

inline constexpr std::int64_t kPartsPerMillion = 1'000'000;
inline constexpr std::size_t kMaxCurvePoints = 16;

// The cell's discharge curve as the implant stores it: terminal voltage under the measurement
// load at a depth of discharge (per mille of the nominal capacity's energy).
struct CurvePoint {
  std::int32_t depth_permille = 0;
  std::int32_t loaded_mv = 0;
};

struct MonitorConfig {
  // ---- the nominal cell ----
  std::int64_t capacity_uj = 0;         // usable energy of a healthy cell, microjoules
  std::int64_t nominal_voltage_mv = 0;  // turns the sleep current into power
  // From depth 0 to 1000 per mille, depth rising and voltage falling point to point.
  std::array<CurvePoint, kMaxCurvePoints> curve{};
  std::size_t curve_points = 0;
  std::int32_t load_ua = 0;  // the load the curve and the readings refer to

  // ---- what the implant spends (its counters' unit costs) ----
  std::int64_t sleep_current_na = 0;  // drawn all the time
  std::int64_t stroke_energy_uj = 0;
  std::int64_t radio_session_energy_uj = 0;    // a programmer session (minutes)
  std::int64_t patient_session_energy_uj = 0;  // a patient device's request (seconds)
  std::int64_t tone_power_uw = 0;              // while an alarm tone sounds
  // Link work outside authenticated sessions (what an outsider can make the implant do),
  // charged as it happens and never projected (an attack is not part of the program). Assumed
  // figures for a Cortex-M4 class MCU and a MICS-band transceiver (docs/threat-model.md, "The
  // cost of an outsider"): a frame received and checked ~2 ms at ~15 mW; sent ~2.5 ms; one
  // X25519 (or the pairing generator's map) ~10 ms at ~15 mW; one settings copy erased and
  // programmed ~40 ms at ~15 mW.
  std::int64_t frame_rx_energy_uj = 30;
  std::int64_t frame_tx_energy_uj = 40;
  std::int64_t x25519_energy_uj = 150;
  std::int64_t flash_write_energy_uj = 600;

  // ---- rules ----
  std::int32_t eri_mv = 0;                // loaded voltage at or below which ERI is raised
  std::int32_t eos_mv = 0;                // loaded voltage at or below which EOS is declared
  Duration eri_notice = days(90);         // therapy guaranteed after ERI
  Duration eri_safety_margin = days(30);  // added to the notice, for estimation error
  Duration service_life{0};               // EOS at this cell age whatever the energy; 0: none
  // A faulty cell: the voltage's depth beyond the counters' by this much, or the voltage below
  // what the curve shows at the counters' depth by fault_deficit_mv.
  std::int32_t fault_discrepancy_permille = 30;
  std::int32_t fault_deficit_mv = 15;
  std::int32_t confirm_readings = 3;  // readings in a row before a voltage rule acts
  Duration check_interval = days(1);
  Duration recheck_interval = hours(1);  // while a low reading is being confirmed
  // A faulty cell's observed loss rate is used once it has been watched this long.
  Duration fault_rate_window = days(7);
};

// Refuses a configuration the monitor cannot work with, naming the field.
Status validate(const MonitorConfig& config);

// Depth of discharge (ppm) at which the curve shows `loaded_mv` (0 above the curve's top,
// 1,000,000 below its bottom), and the loaded voltage the curve shows at a depth.
std::int64_t depth_ppm_at(const MonitorConfig& config, std::int32_t loaded_mv);
std::int32_t loaded_mv_at(const MonitorConfig& config, std::int64_t depth_ppm);

enum class BatteryStatus : std::uint8_t {
  kOk,
  kElectiveReplacement,  // ERI: replace the pump; therapy continues for at least eri_notice
  kEndOfService,         // EOS: the integrator stops therapy and raises the critical alarm
};

// Why ERI or EOS was raised.
enum class BatteryReason : std::uint8_t {
  kNone,
  kLongevity,    // ERI: projected longevity at the current program down to notice + margin
  kEnergy,       // EOS: the counters reached the end-of-service depth
  kVoltage,      // the loaded voltage reached eri_mv / eos_mv
  kFaultyCell,   // ERI: the voltage is lower than the counters predict
  kServiceLife,  // the service life is (nearly) over
};

// Which estimate limits the projection.
enum class Limit : std::uint8_t { kCounters, kVoltage, kServiceLife };

// Stable snake_case names, for logs, JSON and the programmer.
constexpr const char* name(BatteryStatus s) {
  switch (s) {
    case BatteryStatus::kOk:
      return "ok";
    case BatteryStatus::kElectiveReplacement:
      return "elective_replacement";
    case BatteryStatus::kEndOfService:
      return "end_of_service";
  }
  return "unknown";
}

constexpr const char* name(BatteryReason r) {
  switch (r) {
    case BatteryReason::kNone:
      return "none";
    case BatteryReason::kLongevity:
      return "longevity";
    case BatteryReason::kEnergy:
      return "energy";
    case BatteryReason::kVoltage:
      return "voltage";
    case BatteryReason::kFaultyCell:
      return "faulty_cell";
    case BatteryReason::kServiceLife:
      return "service_life";
  }
  return "unknown";
}

constexpr const char* name(Limit l) {
  switch (l) {
    case Limit::kCounters:
      return "energy_counters";
    case Limit::kVoltage:
      return "voltage";
    case Limit::kServiceLife:
      return "service_life";
  }
  return "unknown";
}

// The current program's average consumption. Strokes per day come from the programmed daily
// volume (strokes_per_day_for); radio sessions and tone time are averages over a refill cycle
// (e.g. two sessions and an alarm test every 90 days).
struct Consumption {
  std::int64_t strokes_per_day = 0;
  std::int64_t radio_sessions_per_year = 0;
  std::int64_t tone_ms_per_year = 0;
  std::int64_t patient_sessions_per_year = 0;
  // Tone still to sound once, not every year: the alarms sounding now until they are expected
  // to be dealt with. Taken from the remaining energy before the yearly rates divide it, so a
  // sounding alarm shortens the projection by what it will cost, not by a year of it for every
  // year left.
  std::int64_t tone_ms_once = 0;
};

// Link work done outside an authenticated session (firmware/app/radio.cpp counts it).
struct LinkWork {
  std::int64_t frames_received = 0;
  std::int64_t frames_sent = 0;
  std::int64_t x25519 = 0;  // scalar multiplications and generator maps
  std::int64_t flash_writes = 0;
};

// Strokes a day a flow needs, rounded up (a projection errs toward the shorter life).
std::int64_t strokes_per_day_for(FlowRate flow, Volume stroke_volume);

// Everything the monitor must keep across a reset; a plain value the storage module persists.
struct State {
  // Energy counters: everything up to `last_check`, plus events counted since.
  std::int64_t elapsed_ms = 0;  // cell age, counted at the sleep current
  std::int64_t strokes = 0;
  std::int64_t radio_sessions = 0;
  std::int64_t tone_ms = 0;
  ImplantTime last_check{};
  std::int64_t patient_sessions = 0;

  BatteryStatus status = BatteryStatus::kOk;
  BatteryReason eri_reason = BatteryReason::kNone;
  BatteryReason eos_reason = BatteryReason::kNone;
  ImplantTime eri_at = ImplantTime::never();
  ImplantTime eos_at = ImplantTime::never();

  bool faulty = false;
  ImplantTime fault_at = ImplantTime::never();
  std::int64_t fault_depth_ppm = 0;  // the worse estimate when the fault was first confirmed

  // Readings in a row that met each voltage rule (see confirm_readings).
  std::int32_t eri_voltage_streak = 0;
  std::int32_t eos_voltage_streak = 0;
  std::int32_t fault_streak = 0;
  std::int32_t short_life_streak = 0;  // checks in a row projecting no more than notice + margin
  std::int32_t last_mv = 0;            // 0: none yet
  std::int64_t link_work_uj = 0;       // energy of link work outside sessions (LinkWork)
};

// One check's result.
struct Assessment {
  BatteryStatus status = BatteryStatus::kOk;
  bool raised = false;  // ERI or EOS was raised by this check: the integrator alarms and logs
  bool faulty_cell = false;
  bool voltage_read = false;  // false: counters only (the reading failed)
  std::int32_t voltage_mv = 0;
  std::int64_t counter_depth_ppm = 0;
  std::int64_t voltage_depth_ppm = 0;   // 0 when no reading
  std::int64_t used_uj = 0;             // by the counters
  std::int64_t remaining_uj = 0;        // to end of service, by the worse estimate
  std::int32_t remaining_permille = 0;  // remaining_uj per mille of the nominal capacity
  std::int64_t daily_uj = 0;            // consumption the projection uses
  Duration longevity{0};                // projected time to EOS at the current program
  Limit limited_by = Limit::kCounters;
  ImplantTime eri_date;  // when ERI was raised, or its projected date
  ImplantTime eos_date;  // when EOS was declared, or its projected date
  ImplantTime next_check;
};

class BatteryMonitor {
 public:
  // A monitor for a cell fitted at `now` (counters at zero).
  static Result<BatteryMonitor> start(const MonitorConfig& config, ImplantTime now);
  // A monitor carrying on from a persisted state.
  static Result<BatteryMonitor> restore(const MonitorConfig& config, const State& state);

  // ---- the energy counters: the integrator reports what the implant spent ----
  void on_stroke() { ++state_.strokes; }
  void on_strokes(std::int64_t n) { state_.strokes += n > 0 ? n : 0; }
  void on_radio_session() { ++state_.radio_sessions; }
  void on_patient_session() { ++state_.patient_sessions; }
  void on_tone(Duration d) { state_.tone_ms += d.count() > 0 ? d.count() : 0; }
  // Link work outside sessions, charged at the configured costs; returns the energy (uJ).
  std::int64_t on_link_work(const LinkWork& work);
  std::int64_t link_work_energy_uj(const LinkWork& work) const;

  // The electronics browned out (the reset cause says so): the cell has already failed under
  // load once, which is confirmation enough. The next check is due at once, and a voltage rule
  // it meets acts on that one reading.
  void note_brown_out();

  // After a reset the monotonic clock may count from zero again: the counters carry on from
  // `now`, adding `unaccounted` (time the implant knows passed, e.g. from the wall clock).
  void resume(ImplantTime now, Duration unaccounted);

  // A check with a reading (millivolts under config.load_ua). Refuses a time before the last
  // check or an implausible voltage; then nothing changes.
  Result<Assessment> check(ImplantTime now, std::int32_t voltage_mv,
                           const Consumption& consumption);
  // A check that reads the port. If the reading fails (or was taken under another load than
  // the curve's) the check runs on the counters alone and says so (voltage_read == false).
  Result<Assessment> check(ImplantTime now, hal::PowerSense& sense, const Consumption& consumption);
  Result<Assessment> check_counters_only(ImplantTime now, const Consumption& consumption);

  // Energy the counters say was used up to `now` (now >= last check).
  std::int64_t used_uj(ImplantTime now) const;
  // Average energy a day the program costs (sleep included).
  std::int64_t daily_energy_uj(const Consumption& consumption) const;
  // The depth at which the curve reaches eos_mv: where the counters declare EOS.
  std::int64_t eos_depth_ppm() const { return eos_depth_ppm_; }

  ImplantTime next_check_due() const { return last_.next_check; }
  const Assessment& last() const { return last_; }
  BatteryStatus status() const { return state_.status; }
  const State& state() const { return state_; }
  const MonitorConfig& config() const { return config_; }

 private:
  BatteryMonitor(const MonitorConfig& config, const State& state);
  Result<Assessment> run_check(ImplantTime now, const std::int32_t* voltage_mv,
                               const Consumption& consumption);
  void raise(BatteryStatus to, BatteryReason reason, ImplantTime now, Assessment& a);

  MonitorConfig config_;
  State state_;
  std::int64_t eos_depth_ppm_ = 0;
  Assessment last_{};
};

}  // namespace itdd::power
