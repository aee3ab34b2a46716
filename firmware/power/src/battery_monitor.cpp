#include "itdd/power/battery_monitor.h"

namespace itdd::power {
namespace {

constexpr std::int64_t kDepthEnd = kPartsPerMillion;          // 1000 per mille
constexpr std::int64_t kLongevityCap = 100 * kMillisPerYear;  // "more than we can tell"
constexpr std::int32_t kMaxPlausibleMv = 10'000;

Error config_error(const char* field, const char* message, std::int32_t index = -1) {
  return make_error(ErrorCode::kInvalidArgument, field, message, index);
}

std::int64_t clamp_non_negative(std::int64_t v) {
  return v > 0 ? v : 0;
}

// a * b / c for non-negative operands, through 128 bits.
std::int64_t mul_div(std::int64_t a, std::int64_t b, std::int64_t c) {
  return static_cast<std::int64_t>(static_cast<Int128>(a) * b / c);
}

// Linear interpolation between (x0, y0) and (x1, y1) at x, rounded to nearest (x0 < x1).
std::int64_t lerp(std::int64_t x0, std::int64_t y0, std::int64_t x1, std::int64_t y1,
                  std::int64_t x) {
  const Int128 num = static_cast<Int128>(y1 - y0) * (x - x0);
  const Int128 den = x1 - x0;
  const Int128 half = den / 2;
  const Int128 q = num >= 0 ? (num + half) / den : -((-num + half) / den);
  return y0 + static_cast<std::int64_t>(q);
}

}  // namespace

Status validate(const MonitorConfig& c) {
  if (c.capacity_uj <= 0) return config_error("capacity_uj", "must be above zero");
  if (c.nominal_voltage_mv <= 0 || c.nominal_voltage_mv > kMaxPlausibleMv) {
    return config_error("nominal_voltage_mv", "must be between 1 and 10000 mV");
  }
  if (c.curve_points < 2 || c.curve_points > kMaxCurvePoints) {
    return config_error("curve", "needs between 2 and 16 points");
  }
  if (c.curve[0].depth_permille != 0 || c.curve[c.curve_points - 1].depth_permille != 1000) {
    return config_error("curve", "must run from depth 0 to 1000 per mille");
  }
  for (std::size_t i = 0; i < c.curve_points; ++i) {
    const CurvePoint& p = c.curve[i];
    const auto index = static_cast<std::int32_t>(i);
    if (p.loaded_mv <= 0 || p.loaded_mv > kMaxPlausibleMv) {
      return config_error("curve", "voltage must be between 1 and 10000 mV", index);
    }
    if (i > 0 && (p.depth_permille <= c.curve[i - 1].depth_permille ||
                  p.loaded_mv >= c.curve[i - 1].loaded_mv)) {
      return config_error("curve", "depth must rise and voltage fall from point to point", index);
    }
  }
  if (c.load_ua <= 0) return config_error("load_ua", "must be above zero");
  if (c.sleep_current_na < 0 || c.stroke_energy_uj < 0 || c.radio_session_energy_uj < 0 ||
      c.patient_session_energy_uj < 0 || c.tone_power_uw < 0 || c.frame_rx_energy_uj < 0 ||
      c.frame_tx_energy_uj < 0 || c.x25519_energy_uj < 0 || c.flash_write_energy_uj < 0) {
    return config_error("energy", "costs must not be negative");
  }
  const std::int32_t top = c.curve[0].loaded_mv;
  const std::int32_t bottom = c.curve[c.curve_points - 1].loaded_mv;
  if (c.eos_mv <= bottom || c.eos_mv >= top) {
    return config_error("eos_mv", "must lie inside the curve");
  }
  if (c.eri_mv <= c.eos_mv || c.eri_mv >= top) {
    return config_error("eri_mv", "must lie above eos_mv and inside the curve");
  }
  if (c.eri_notice.count() < 0 || c.eri_safety_margin.count() < 0 || c.service_life.count() < 0) {
    return config_error("eri_notice", "durations must not be negative");
  }
  if (c.service_life.count() > 0 && c.service_life <= c.eri_notice + c.eri_safety_margin) {
    return config_error("service_life", "must be longer than the ERI notice and margin");
  }
  if (c.fault_discrepancy_permille <= 0 || c.fault_discrepancy_permille >= 1000) {
    return config_error("fault_discrepancy_permille", "must be between 1 and 999");
  }
  if (c.fault_deficit_mv <= 0 || c.fault_deficit_mv > 1000) {
    return config_error("fault_deficit_mv", "must be between 1 and 1000 mV");
  }
  if (c.confirm_readings < 1 || c.confirm_readings > 100) {
    return config_error("confirm_readings", "must be between 1 and 100");
  }
  if (c.check_interval.count() <= 0 || c.recheck_interval.count() <= 0 ||
      c.recheck_interval > c.check_interval) {
    return config_error("check_interval", "must be above zero, the recheck no longer");
  }
  if (c.fault_rate_window.count() <= 0) {
    return config_error("fault_rate_window", "must be above zero");
  }
  return Status::Ok();
}

std::int64_t depth_ppm_at(const MonitorConfig& c, std::int32_t loaded_mv) {
  if (loaded_mv >= c.curve[0].loaded_mv) return 0;
  for (std::size_t i = 1; i < c.curve_points; ++i) {
    const CurvePoint& hi = c.curve[i - 1];  // higher voltage, shallower
    const CurvePoint& lo = c.curve[i];
    if (loaded_mv >= lo.loaded_mv) {
      // Voltage falls as depth rises: interpolate depth over the (negated) voltage.
      return lerp(-hi.loaded_mv, hi.depth_permille * 1000LL, -lo.loaded_mv,
                  lo.depth_permille * 1000LL, -loaded_mv);
    }
  }
  return kDepthEnd;
}

std::int32_t loaded_mv_at(const MonitorConfig& c, std::int64_t depth_ppm) {
  if (depth_ppm <= 0) return c.curve[0].loaded_mv;
  for (std::size_t i = 1; i < c.curve_points; ++i) {
    const CurvePoint& a = c.curve[i - 1];
    const CurvePoint& b = c.curve[i];
    if (depth_ppm <= b.depth_permille * 1000LL) {
      return static_cast<std::int32_t>(lerp(a.depth_permille * 1000LL, a.loaded_mv,
                                            b.depth_permille * 1000LL, b.loaded_mv, depth_ppm));
    }
  }
  return c.curve[c.curve_points - 1].loaded_mv;
}

std::int64_t strokes_per_day_for(FlowRate flow, Volume stroke_volume) {
  if (flow.count() <= 0 || stroke_volume.count() <= 0) return 0;
  return (flow.count() + stroke_volume.count() - 1) / stroke_volume.count();
}

BatteryMonitor::BatteryMonitor(const MonitorConfig& config, const State& state)
    : config_(config), state_(state), eos_depth_ppm_(depth_ppm_at(config, config.eos_mv)) {
  last_.status = state.status;
  last_.faulty_cell = state.faulty;
  last_.eri_date = state.eri_at;
  last_.eos_date = state.eos_at;
  last_.next_check = state.last_check;  // a check is due at once
}

Result<BatteryMonitor> BatteryMonitor::start(const MonitorConfig& config, ImplantTime now) {
  if (Status s = validate(config); !s) return s.error();
  State state;
  state.last_check = now;
  return BatteryMonitor(config, state);
}

Result<BatteryMonitor> BatteryMonitor::restore(const MonitorConfig& config, const State& state) {
  if (Status s = validate(config); !s) return s.error();
  if (state.elapsed_ms < 0 || state.strokes < 0 || state.radio_sessions < 0 ||
      state.patient_sessions < 0 || state.tone_ms < 0 || state.fault_depth_ppm < 0 ||
      state.eri_voltage_streak < 0 || state.eos_voltage_streak < 0 || state.fault_streak < 0 ||
      state.short_life_streak < 0 || state.link_work_uj < 0) {
    return make_error(ErrorCode::kInvalidArgument, "state", "counters must not be negative");
  }
  if (state.status > BatteryStatus::kEndOfService ||
      state.eri_reason > BatteryReason::kServiceLife ||
      state.eos_reason > BatteryReason::kServiceLife) {
    return make_error(ErrorCode::kInvalidArgument, "state.status", "unknown status or reason");
  }
  if ((state.status != BatteryStatus::kOk) == state.eri_at.is_never() ||
      (state.status == BatteryStatus::kEndOfService) == state.eos_at.is_never()) {
    return make_error(ErrorCode::kMismatch, "state.status", "status and its dates disagree");
  }
  return BatteryMonitor(config, state);
}

void BatteryMonitor::note_brown_out() {
  const std::int32_t primed = config_.confirm_readings - 1;
  if (state_.eri_voltage_streak < primed) state_.eri_voltage_streak = primed;
  if (state_.eos_voltage_streak < primed) state_.eos_voltage_streak = primed;
  last_.next_check = state_.last_check;  // check at once
}

void BatteryMonitor::resume(ImplantTime now, Duration unaccounted) {
  state_.elapsed_ms += clamp_non_negative(unaccounted.count());
  state_.last_check = now;
  last_.next_check = now;
}

std::int64_t BatteryMonitor::link_work_energy_uj(const LinkWork& w) const {
  const Int128 uj =
      static_cast<Int128>(clamp_non_negative(w.frames_received)) * config_.frame_rx_energy_uj +
      static_cast<Int128>(clamp_non_negative(w.frames_sent)) * config_.frame_tx_energy_uj +
      static_cast<Int128>(clamp_non_negative(w.x25519)) * config_.x25519_energy_uj +
      static_cast<Int128>(clamp_non_negative(w.flash_writes)) * config_.flash_write_energy_uj;
  return uj > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(uj);
}

std::int64_t BatteryMonitor::on_link_work(const LinkWork& w) {
  const std::int64_t uj = link_work_energy_uj(w);
  state_.link_work_uj = INT64_MAX - state_.link_work_uj < uj ? INT64_MAX : state_.link_work_uj + uj;
  return uj;
}

std::int64_t BatteryMonitor::used_uj(ImplantTime now) const {
  const std::int64_t elapsed =
      state_.elapsed_ms + clamp_non_negative((now - state_.last_check).count());
  // nA x mV = pW; pW x ms = 1e-15 J = 1e-9 uJ. uW x ms = 1e-9 J = 1e-3 uJ.
  const Int128 sleep = static_cast<Int128>(config_.sleep_current_na) * config_.nominal_voltage_mv *
                       elapsed / 1'000'000'000;
  const Int128 strokes = static_cast<Int128>(state_.strokes) * config_.stroke_energy_uj;
  const Int128 radio =
      static_cast<Int128>(state_.radio_sessions) * config_.radio_session_energy_uj +
      static_cast<Int128>(state_.patient_sessions) * config_.patient_session_energy_uj;
  const Int128 tones = static_cast<Int128>(state_.tone_ms) * config_.tone_power_uw / 1000;
  return static_cast<std::int64_t>(sleep + strokes + radio + tones + state_.link_work_uj);
}

std::int64_t BatteryMonitor::daily_energy_uj(const Consumption& c) const {
  const Int128 sleep = static_cast<Int128>(config_.sleep_current_na) * config_.nominal_voltage_mv *
                       kMillisPerDay / 1'000'000'000;
  const Int128 strokes =
      static_cast<Int128>(clamp_non_negative(c.strokes_per_day)) * config_.stroke_energy_uj;
  // Yearly averages to a day (365.25 days), rounded up.
  const Int128 yearly =
      static_cast<Int128>(clamp_non_negative(c.radio_sessions_per_year)) *
          config_.radio_session_energy_uj +
      static_cast<Int128>(clamp_non_negative(c.patient_sessions_per_year)) *
          config_.patient_session_energy_uj +
      static_cast<Int128>(clamp_non_negative(c.tone_ms_per_year)) * config_.tone_power_uw / 1000;
  const Int128 yearly_per_day = (yearly * kMillisPerDay + kMillisPerYear - 1) / kMillisPerYear;
  return static_cast<std::int64_t>(sleep + strokes + yearly_per_day);
}

void BatteryMonitor::raise(BatteryStatus to, BatteryReason reason, ImplantTime now, Assessment& a) {
  if (state_.status >= to) return;
  if (state_.eri_at.is_never()) {
    state_.eri_at = now;
    state_.eri_reason = reason;
  }
  if (to == BatteryStatus::kEndOfService) {
    state_.eos_at = now;
    state_.eos_reason = reason;
  }
  state_.status = to;
  a.raised = true;
}

Result<Assessment> BatteryMonitor::check(ImplantTime now, std::int32_t voltage_mv,
                                         const Consumption& consumption) {
  // 0 mV under the load is a cell that collapsed, the worst reading there is, not a bad one.
  if (voltage_mv < 0 || voltage_mv > kMaxPlausibleMv) {
    return make_error(ErrorCode::kInvalidArgument, "voltage_mv", "not a plausible cell voltage");
  }
  return run_check(now, &voltage_mv, consumption);
}

Result<Assessment> BatteryMonitor::check(ImplantTime now, hal::PowerSense& sense,
                                         const Consumption& consumption) {
  const Result<hal::BatteryReading> reading = sense.read_battery();
  if (reading.ok() && reading->load_ua == config_.load_ua && reading->millivolts >= 0 &&
      reading->millivolts <= kMaxPlausibleMv) {
    const std::int32_t mv = reading->millivolts;
    return run_check(now, &mv, consumption);
  }
  return run_check(now, nullptr, consumption);
}

Result<Assessment> BatteryMonitor::check_counters_only(ImplantTime now,
                                                       const Consumption& consumption) {
  return run_check(now, nullptr, consumption);
}

Result<Assessment> BatteryMonitor::run_check(ImplantTime now, const std::int32_t* voltage_mv,
                                             const Consumption& consumption) {
  if (now < state_.last_check) {
    return make_error(ErrorCode::kInvalidArgument, "now", "before the last battery check");
  }
  const std::int64_t used = used_uj(now);
  state_.elapsed_ms += (now - state_.last_check).count();
  state_.last_check = now;

  Assessment a;
  a.used_uj = used;
  a.counter_depth_ppm = mul_div(used, kPartsPerMillion, config_.capacity_uj);
  std::int64_t worse = a.counter_depth_ppm;
  a.limited_by = Limit::kCounters;

  if (voltage_mv != nullptr) {
    const std::int32_t mv = *voltage_mv;
    a.voltage_read = true;
    a.voltage_mv = mv;
    state_.last_mv = mv;
    a.voltage_depth_ppm = depth_ppm_at(config_, mv);
    if (a.voltage_depth_ppm > worse) {
      worse = a.voltage_depth_ppm;
      a.limited_by = Limit::kVoltage;
    }
    const auto streak = [](bool met, std::int32_t& n) { n = met ? n + 1 : 0; };
    streak(mv <= config_.eri_mv, state_.eri_voltage_streak);
    streak(mv <= config_.eos_mv, state_.eos_voltage_streak);
    // Lower than the counters predict: by depth (telling in the flat part of the curve) or by
    // millivolts (telling on the knee, where a few millivolts are a few per mille).
    const std::int32_t expected_mv = loaded_mv_at(config_, a.counter_depth_ppm);
    streak(
        a.voltage_depth_ppm - a.counter_depth_ppm >= config_.fault_discrepancy_permille * 1000LL ||
            expected_mv - mv >= config_.fault_deficit_mv,
        state_.fault_streak);
    if (!state_.faulty && state_.fault_streak >= config_.confirm_readings) {
      state_.faulty = true;
      state_.fault_at = now;
      state_.fault_depth_ppm = worse;
    }
  }
  a.faulty_cell = state_.faulty;

  // Remaining energy to end of service, by the worse estimate. The counters' share is kept in
  // microjoules (not rounded to ppm) so a projection moves smoothly with time.
  const std::int64_t eos_energy = mul_div(eos_depth_ppm_, config_.capacity_uj, kPartsPerMillion);
  a.remaining_uj = eos_energy - used;
  if (a.voltage_read) {
    const std::int64_t by_voltage =
        eos_energy - mul_div(a.voltage_depth_ppm, config_.capacity_uj, kPartsPerMillion);
    if (by_voltage < a.remaining_uj) a.remaining_uj = by_voltage;
  }
  a.remaining_uj = clamp_non_negative(a.remaining_uj);
  a.remaining_permille =
      static_cast<std::int32_t>(mul_div(a.remaining_uj, 1000, config_.capacity_uj));

  // Consumption: the program's, or what a failing cell is observed to lose, if more.
  a.daily_uj = daily_energy_uj(consumption);
  if (state_.faulty && now - state_.fault_at >= config_.fault_rate_window) {
    const std::int64_t lost_ppm = clamp_non_negative(worse - state_.fault_depth_ppm);
    const std::int64_t observed = static_cast<std::int64_t>(
        static_cast<Int128>(lost_ppm) * config_.capacity_uj * kMillisPerDay /
        (static_cast<Int128>(kPartsPerMillion) * (now - state_.fault_at).count()));
    if (observed > a.daily_uj) a.daily_uj = observed;
  }
  std::int64_t longevity_ms = kLongevityCap;
  // What the sounding alarms will cost before they are dealt with comes off first.
  const std::int64_t once_uj = static_cast<std::int64_t>(
      static_cast<Int128>(clamp_non_negative(consumption.tone_ms_once)) * config_.tone_power_uw /
      1000);
  const std::int64_t left_for_rates =
      once_uj >= a.remaining_uj ? 0 : a.remaining_uj - once_uj;
  if (a.daily_uj > 0) {
    const Int128 ms = static_cast<Int128>(left_for_rates) * kMillisPerDay / a.daily_uj;
    if (ms < longevity_ms) longevity_ms = static_cast<std::int64_t>(ms);
  }
  bool life_over = false;
  if (config_.service_life.count() > 0) {
    const std::int64_t life_left = config_.service_life.count() - state_.elapsed_ms;
    life_over = life_left <= 0;
    if (life_left < longevity_ms) {
      longevity_ms = clamp_non_negative(life_left);
      a.limited_by = Limit::kServiceLife;
    }
  }
  a.longevity = Duration(longevity_ms);

  // End of service first (it implies ERI), then ERI.
  const bool confirmed_eos_voltage = state_.eos_voltage_streak >= config_.confirm_readings;
  if (a.counter_depth_ppm >= eos_depth_ppm_) {
    raise(BatteryStatus::kEndOfService, BatteryReason::kEnergy, now, a);
  } else if (confirmed_eos_voltage) {
    raise(BatteryStatus::kEndOfService, BatteryReason::kVoltage, now, a);
  } else if (life_over) {
    raise(BatteryStatus::kEndOfService, BatteryReason::kServiceLife, now, a);
  }
  // A short projection counts at once when the counters or the service life limit it; when
  // the voltage does, only after confirm_readings readings in a row, like the voltage rules.
  const Duration eri_lead = config_.eri_notice + config_.eri_safety_margin;
  const bool short_life = a.longevity <= eri_lead;
  state_.short_life_streak = short_life ? state_.short_life_streak + 1 : 0;
  const bool short_life_confirmed =
      short_life &&
      (a.limited_by != Limit::kVoltage || state_.short_life_streak >= config_.confirm_readings);
  if (state_.faulty) {
    raise(BatteryStatus::kElectiveReplacement, BatteryReason::kFaultyCell, now, a);
  } else if (state_.eri_voltage_streak >= config_.confirm_readings) {
    raise(BatteryStatus::kElectiveReplacement, BatteryReason::kVoltage, now, a);
  } else if (short_life_confirmed) {
    raise(BatteryStatus::kElectiveReplacement,
          a.limited_by == Limit::kServiceLife ? BatteryReason::kServiceLife
                                              : BatteryReason::kLongevity,
          now, a);
  }
  a.status = state_.status;

  // Dates: when raised, or projected at the current program.
  a.eos_date = state_.status == BatteryStatus::kEndOfService ? state_.eos_at : now + a.longevity;
  if (state_.status != BatteryStatus::kOk) {
    a.eri_date = state_.eri_at;
  } else {
    a.eri_date = a.longevity > eri_lead ? now + (a.longevity - eri_lead) : now;
  }

  // Next check: daily, sooner for a confirmation or a projected ERI / EOS date.
  ImplantTime next = now + config_.check_interval;
  const bool confirming =
      ((state_.eri_voltage_streak > 0 || state_.short_life_streak > 0) &&
       state_.status == BatteryStatus::kOk) ||
      (state_.eos_voltage_streak > 0 && state_.status != BatteryStatus::kEndOfService) ||
      (state_.fault_streak > 0 && !state_.faulty);
  if (confirming) next = now + config_.recheck_interval;
  // A projected date pulls the check earlier, but never closer than the recheck interval (a
  // voltage-limited projection moves in millivolt steps and must not make the implant busy).
  const ImplantTime soonest = now + config_.recheck_interval;
  const auto pull = [&](ImplantTime date) {
    const ImplantTime at = date < soonest ? soonest : date;
    if (at < next) next = at;
  };
  if (state_.status == BatteryStatus::kOk) pull(a.eri_date);
  if (state_.status != BatteryStatus::kEndOfService) pull(a.eos_date);
  a.next_check = next;
  last_ = a;
  return a;
}

}  // namespace itdd::power
