#include "itdd/sim/sim_battery.h"

#include <cstdint>

namespace itdd::sim {
namespace {

constexpr std::int64_t kPpm = 1'000'000;

// a / b for a divisor above zero, truncated as Int128's division truncates: in 64 bits when the
// dividend fits, which is every real cell's case. A 128-bit division is a library call
// (__divti3) of about a hundred cycles, and the runner asks the cell whether it can still
// deliver every simulated hour, about a dozen of them each time (docs/performance.md).
std::int64_t divide(Int128 a, std::int64_t b) {
  if (a >= INT64_MIN && a <= INT64_MAX) return static_cast<std::int64_t>(a) / b;
  return static_cast<std::int64_t>(a / b);
}

// A current drawn all the time over `ms`, in microjoules at the cell's nominal voltage.
std::int64_t current_energy_uj(std::int64_t current_na, std::int64_t voltage_mv, std::int64_t ms) {
  // nA x mV = pW; pW x ms = 1e-15 J = 1e-9 uJ.
  const Int128 picowatt_ms = static_cast<Int128>(current_na) * voltage_mv * ms;
  return divide(picowatt_ms, 1'000'000'000);
}

}  // namespace

std::int64_t SimBattery::sleep_energy_uj() const {
  return current_energy_uj(params_.sleep_current_na, params_.nominal_voltage_mv, sleep_ms_);
}

std::int64_t SimBattery::processor_energy_uj() const {
  return strokes_ * params_.processor_stroke_uj +
         current_energy_uj(params_.processor_idle_na, params_.nominal_voltage_mv, sleep_ms_);
}

std::int64_t SimBattery::tone_energy_uj() const {
  // uW x ms = 1e-9 J = 1e-3 uJ.
  return divide(static_cast<Int128>(params_.tone_power_uw) * tone_ms_, 1000);
}

std::int64_t SimBattery::loss_ppm() const {
  if (!faulty_ || sleep_ms_ < fault_.onset.count()) return 0;
  const std::int64_t full = static_cast<std::int64_t>(fault_.capacity_loss_permille) * 1000;
  const std::int64_t since = sleep_ms_ - fault_.onset.count();
  if (fault_.loss_ramp.count() <= 0 || since >= fault_.loss_ramp.count()) return full;
  return static_cast<std::int64_t>(static_cast<Int128>(full) * since / fault_.loss_ramp.count());
}

std::int64_t SimBattery::fault_resistance_mohm() const {
  if (!faulty_ || sleep_ms_ < fault_.onset.count()) return 0;
  return static_cast<std::int64_t>(static_cast<Int128>(fault_.resistance_rise_mohm_per_day) *
                                   (sleep_ms_ - fault_.onset.count()) / kMillisPerDay);
}

std::int64_t SimBattery::effective_capacity_uj() const {
  const std::int64_t kept = kPpm - loss_ppm();
  if (kept <= 0) return 0;
  return divide(static_cast<Int128>(params_.capacity_uj) * kept, kPpm);
}

std::int64_t SimBattery::remaining_uj() const {
  const std::int64_t left = effective_capacity_uj() - used_uj();
  return left > 0 ? left : 0;
}

double SimBattery::remaining_percent() const {
  if (params_.capacity_uj <= 0) return 0.0;
  return 100.0 * static_cast<double>(remaining_uj()) / static_cast<double>(params_.capacity_uj);
}

std::int64_t SimBattery::depth_ppm() const {
  const std::int64_t capacity = effective_capacity_uj();
  if (capacity <= 0) return 2 * kPpm;
  return divide(static_cast<Int128>(used_uj()) * kPpm, capacity);
}

std::int32_t SimBattery::open_circuit_mv() const {
  return open_circuit_mv_at(params_, depth_ppm());
}

std::int64_t SimBattery::internal_resistance_mohm() const {
  return resistance_mohm_at(params_, depth_ppm()) + fault_resistance_mohm();
}

std::int32_t SimBattery::voltage_under_mv(std::int32_t load_ua) const {
  const std::int64_t drop_nv = static_cast<std::int64_t>(load_ua) * internal_resistance_mohm();
  const std::int64_t mv = open_circuit_mv() - (drop_nv + 500'000) / 1'000'000;
  return static_cast<std::int32_t>(mv > 0 ? mv : 0);
}

bool SimBattery::can_deliver() const {
  return remaining_uj() > 0 && voltage_mv() >= params_.cutoff_mv;
}

Result<hal::BatteryReading> SimPowerSense::read_battery() {
  ++reads_;
  if (failing_) {
    return make_error(ErrorCode::kRefused, "power_sense", "the converter did not answer");
  }
  return hal::BatteryReading{battery_.voltage_mv(), battery_.params().load_ua};
}

}  // namespace itdd::sim

namespace itdd::sim {
namespace {

std::int64_t ceil_div(Int128 a, std::int64_t b) {
  return static_cast<std::int64_t>((a + b - 1) / b);
}

// The cell and the implant's counters, both advanced to a cell age.
class LifeRig {
 public:
  LifeRig(const BatteryParams& cell, const LifeProgram& program, const CellFault* fault)
      : cell_(cell), program_(program) {
    if (fault != nullptr) cell_.inject_fault(*fault);
  }

  // Everything spent from the current age to `to`. Tones of the ERI alarm when `eri_tones`.
  void advance(std::int64_t to, bool eri_tones, power::BatteryMonitor* monitor) {
    const std::int64_t from = age_;
    if (to <= from) return;
    cell_.sleep(Duration(to - from));
    const std::int64_t strokes = strokes_at(to) - strokes_at(from);
    cell_.on_strokes(strokes);
    std::int64_t tone_ms = 0;
    std::int64_t sessions = 0;
    if (program_.refill_interval.count() > 0) {
      const std::int64_t refills =
          to / program_.refill_interval.count() - from / program_.refill_interval.count();
      sessions = refills * program_.radio_sessions_per_refill;
      tone_ms += refills * program_.alarm_test_per_refill.count();
    }
    if (eri_tones) {
      tone_ms += static_cast<std::int64_t>(static_cast<Int128>(program_.eri_tone_per_hour.count()) *
                                           (to - from) / kMillisPerHour);
    }
    for (std::int64_t i = 0; i < sessions; ++i) cell_.on_radio_session();
    cell_.on_tone(Duration(tone_ms));
    if (monitor != nullptr) {
      monitor->on_strokes(strokes);
      for (std::int64_t i = 0; i < sessions; ++i) monitor->on_radio_session();
      monitor->on_tone(Duration(tone_ms));
    }
    age_ = to;
  }

  std::int64_t age() const { return age_; }
  const SimBattery& cell() const { return cell_; }
  SimBattery& cell() { return cell_; }

 private:
  std::int64_t strokes_at(std::int64_t age) const {
    return static_cast<std::int64_t>(static_cast<Int128>(program_.strokes_per_day) * age /
                                     kMillisPerDay);
  }
  SimBattery cell_;
  LifeProgram program_;
  std::int64_t age_ = 0;
};

}  // namespace

power::Consumption consumption_of(const LifeProgram& program, bool eri_tones) {
  power::Consumption c;
  c.strokes_per_day = program.strokes_per_day;
  if (program.refill_interval.count() > 0) {
    const Int128 per_year = kMillisPerYear;
    c.radio_sessions_per_year =
        ceil_div(per_year * program.radio_sessions_per_refill, program.refill_interval.count());
    c.tone_ms_per_year =
        ceil_div(per_year * program.alarm_test_per_refill.count(), program.refill_interval.count());
  }
  if (eri_tones) {
    c.tone_ms_per_year += ceil_div(
        static_cast<Int128>(program.eri_tone_per_hour.count()) * kMillisPerYear, kMillisPerHour);
  }
  return c;
}

LifeResult simulate_life(const BatteryParams& cell, const power::MonitorConfig& monitor_config,
                         const LifeProgram& program, const CellFault* fault) {
  LifeResult r;
  Result<power::BatteryMonitor> started =
      power::BatteryMonitor::start(monitor_config, ImplantTime(0));
  if (!started.ok()) return r;
  power::BatteryMonitor& monitor = started.value();
  LifeRig rig(cell, program, fault);
  SimPowerSense sense(rig.cell());
  bool eri = false;
  // Bounded: every step moves at least the monitor's recheck interval or to the horizon.
  while (rig.age() < program.horizon.count()) {
    std::int64_t to = monitor.next_check_due().ms();
    if (to > rig.age() + kMillisPerDay) to = rig.age() + kMillisPerDay;
    if (to <= rig.age()) to = rig.age() + 1;
    if (to > program.horizon.count()) to = program.horizon.count();
    if (r.dead_at.count() < 0) {
      LifeRig probe = rig;
      probe.advance(to, eri, nullptr);
      if (!probe.cell().can_deliver()) {
        // Died within this step: find the millisecond.
        std::int64_t lo = rig.age();
        std::int64_t hi = to;
        while (hi - lo > 1) {
          const std::int64_t mid = lo + (hi - lo) / 2;
          LifeRig at = rig;
          at.advance(mid, eri, nullptr);
          (at.cell().can_deliver() ? lo : hi) = mid;
        }
        r.dead_at = Duration(hi);
      }
    }
    rig.advance(to, eri, &monitor);
    if (r.dead_at.count() >= 0 && r.eos_at.count() >= 0) break;
    const Result<power::Assessment> a =
        monitor.check(ImplantTime(to), sense, consumption_of(program, eri));
    ++r.checks;
    if (!a.ok()) break;
    if (a->faulty_cell && r.fault_flagged_at.count() < 0) r.fault_flagged_at = Duration(to);
    if (!eri && a->status != power::BatteryStatus::kOk) {
      eri = true;
      r.eri_at = Duration(to);
      r.eri_reason = monitor.state().eri_reason;
      r.at_eri = a.value();
    }
    if (a->status == power::BatteryStatus::kEndOfService && r.eos_at.count() < 0) {
      r.eos_at = Duration(to);
      r.eos_reason = monitor.state().eos_reason;
    }
    if (r.dead_at.count() >= 0 && r.eos_at.count() >= 0) break;
  }
  return r;
}

}  // namespace itdd::sim
