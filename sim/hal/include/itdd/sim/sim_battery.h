// The implant's battery: a lithium primary cell (lithium thionyl chloride class) as an energy
// budget with a voltage. Energy goes to a sleep current drawn all the time, motor strokes,
// the processor's wake-ups, radio sessions and alarm tones. The depth of discharge (energy used
// over the cell's usable energy) sets the open-circuit voltage and the internal resistance on a
// small table, linear between points; the terminal voltage under the measurement load
// (`voltage_mv`) is what the implant reads through hal::PowerSense (`SimPowerSense` below).
//
// A faulty cell models the SynchroMed II resistive-film failure: from an onset (cell age) the
// cell loses part of its capacity, at once or over a ramp, and/or its internal resistance rises
// day by day. Either way the loaded voltage falls earlier than the energy spent explains, which
// is what the implant can detect. The cell can no longer deliver (brown-out, the pump stops)
// once its loaded voltage is below `cutoff_mv` or its energy is gone.
//
// Figures come from data/pump-models.json; most are marked unconfirmed there.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/core/result.h"
#include "itdd/core/units.h"
#include "itdd/hal/power_sense.h"
#include "itdd/host/cell.h"
#include "itdd/power/battery_monitor.h"

namespace itdd::sim {

// The cell's figures, as data/pump-models.json gives them (host/pump_catalog's cell.h, shared
// with the reader that derives the implant's own copy of the curve).
using CellPoint = host::CellPoint;
using BatteryParams = host::CellSpec;
using host::kMaxCellPoints;

// The resistive-film failure. Times are cell ages (time since the cell was fitted).
struct CellFault {
  Duration onset{0};
  std::int32_t capacity_loss_permille = 0;  // of the usable energy, lost in all
  Duration loss_ramp{0};                    // the loss grows linearly over this; 0: at once
  std::int64_t resistance_rise_mohm_per_day = 0;
};

class SimBattery {
 public:
  explicit SimBattery(const BatteryParams& params) : params_(params) {}

  // The runner calls this for every jump of the clock, so sleep is integrated over time.
  void sleep(Duration d) { sleep_ms_ += d.count(); }
  void on_stroke() { ++strokes_; }
  void on_strokes(std::int64_t n) { strokes_ += n > 0 ? n : 0; }
  void on_radio_session() { ++radio_sessions_; }
  void on_patient_session() { ++patient_sessions_; }
  void on_tone(Duration d) { tone_ms_ += d.count() > 0 ? d.count() : 0; }
  // Energy the firmware spent on link work outside sessions (an outsider's frames, X25519,
  // flash writes: power::LinkWork), as the implant charged it.
  void on_link_work(std::int64_t uj) { link_work_uj_ += uj > 0 ? uj : 0; }
  std::int64_t link_work_uj() const { return link_work_uj_; }
  // From now on the cell fails as `fault` says (an onset in the past counts from then).
  void inject_fault(const CellFault& fault) {
    fault_ = fault;
    faulty_ = true;
  }

  const BatteryParams& params() const { return params_; }
  bool faulty() const { return faulty_; }
  const CellFault& fault() const { return fault_; }
  Duration age() const { return Duration(sleep_ms_); }
  std::int64_t strokes() const { return strokes_; }
  std::int64_t radio_sessions() const { return radio_sessions_; }
  std::int64_t patient_sessions() const { return patient_sessions_; }
  Duration tone_time() const { return Duration(tone_ms_); }

  std::int64_t sleep_energy_uj() const;
  std::int64_t stroke_energy_uj() const { return strokes_ * params_.stroke_energy_uj; }
  // The processor's wake-ups: one a stroke, and the hourly and daily ones as a current.
  std::int64_t processor_energy_uj() const;
  std::int64_t radio_energy_uj() const {
    return radio_sessions_ * params_.radio_session_energy_uj +
           patient_sessions_ * params_.patient_session_energy_uj;
  }
  std::int64_t tone_energy_uj() const;
  std::int64_t used_uj() const {
    return sleep_energy_uj() + stroke_energy_uj() + processor_energy_uj() + radio_energy_uj() +
           tone_energy_uj() + link_work_uj_;
  }
  // Usable energy now: the capacity less what a fault has taken so far.
  std::int64_t effective_capacity_uj() const;
  // Never below zero: an exhausted battery reports 0.
  std::int64_t remaining_uj() const;
  // remaining_uj() against the nominal capacity.
  double remaining_percent() const;

  // True depth of discharge, ppm of the effective capacity (may pass 1,000,000).
  std::int64_t depth_ppm() const;
  std::int32_t open_circuit_mv() const;
  std::int64_t internal_resistance_mohm() const;
  // Terminal voltage under a load, and under the measurement load (what the implant reads).
  std::int32_t voltage_under_mv(std::int32_t load_ua) const;
  std::int32_t voltage_mv() const { return voltage_under_mv(params_.load_ua); }
  // False once the loaded voltage is below the cutoff or the energy is gone: the pump stops.
  bool can_deliver() const;

  // The open-circuit voltage and resistance the curve gives at a depth (ppm), and the loaded
  // voltage of a healthy cell there (what the implant's curve stores): host/cell.h's.
  static std::int32_t open_circuit_mv_at(const BatteryParams& params, std::int64_t depth_ppm) {
    return host::open_circuit_mv_at(params, depth_ppm);
  }
  static std::int32_t resistance_mohm_at(const BatteryParams& params, std::int64_t depth_ppm) {
    return host::resistance_mohm_at(params, depth_ppm);
  }
  static std::int32_t loaded_mv_at(const BatteryParams& params, std::int64_t depth_ppm) {
    return host::loaded_mv_at(params, depth_ppm);
  }

 private:
  std::int64_t loss_ppm() const;
  std::int64_t fault_resistance_mohm() const;

  BatteryParams params_;
  std::int64_t sleep_ms_ = 0;
  std::int64_t strokes_ = 0;
  std::int64_t radio_sessions_ = 0;
  std::int64_t patient_sessions_ = 0;
  std::int64_t link_work_uj_ = 0;
  std::int64_t tone_ms_ = 0;
  CellFault fault_{};
  bool faulty_ = false;
};

// hal::PowerSense on the simulated cell: the loaded voltage, rounded to the millivolt. Can be
// made to fail (a converter fault) for tests of the implant's fallback.
class SimPowerSense final : public hal::PowerSense {
 public:
  explicit SimPowerSense(const SimBattery& battery) : battery_(battery) {}
  Result<hal::BatteryReading> read_battery() override;
  std::int64_t reads() const { return reads_; }
  void set_failing(bool failing) { failing_ = failing; }

 private:
  const SimBattery& battery_;
  std::int64_t reads_ = 0;
  bool failing_ = false;
};

// ---- a battery's life in bulk ----
// The simulated cell and the implant's BatteryMonitor over years, without the therapy engine:
// strokes are counted in bulk from a constant program, refills add their radio sessions and
// alarm test, and once ERI is raised its tone sounds hourly. Time jumps from one monitor check
// to the next (at most a day), so a cell's life takes a few thousand steps. Therapy goes on
// after the monitor's EOS, to find when the cell itself would fail at the same program.
struct LifeProgram {
  std::int64_t strokes_per_day = 0;
  Duration refill_interval = days(90);          // 0: no refills
  std::int32_t radio_sessions_per_refill = 2;   // interrogate, then refill and program
  Duration alarm_test_per_refill = seconds(4);  // critical (~3 s) and non-critical (~1 s) tone
  Duration eri_tone_per_hour = seconds(1);      // the ERI alarm: a ~1 s tone about hourly
  Duration horizon = days(25 * 365);
};

struct LifeResult {
  // Cell ages; Duration(-1) when it did not happen within the horizon.
  Duration eri_at{-1};
  Duration eos_at{-1};
  Duration dead_at{-1};  // the cell could no longer deliver (to the millisecond)
  Duration fault_flagged_at{-1};
  power::BatteryReason eri_reason = power::BatteryReason::kNone;
  power::BatteryReason eos_reason = power::BatteryReason::kNone;
  power::Assessment at_eri{};  // the monitor's view when it raised ERI
  std::int64_t checks = 0;
};

// The program's consumption as the monitor is told it (yearly averages rounded up).
power::Consumption consumption_of(const LifeProgram& program, bool eri_tones);

LifeResult simulate_life(const BatteryParams& cell, const power::MonitorConfig& monitor,
                         const LifeProgram& program, const CellFault* fault = nullptr);

}  // namespace itdd::sim
