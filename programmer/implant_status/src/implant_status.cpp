#include "itdd/programmer/implant_status.h"

#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

std::optional<WallTime> wall_if(bool has, std::int64_t ms) {
  return has ? std::optional<WallTime>(WallTime(ms)) : std::nullopt;
}

}  // namespace

Result<ImplantStatus> implant_status_from_wire(const itdd_ImplantStatus& w) {
  ImplantStatus s;
  s.activity = w.activity;
  // A status carries a prescription message always: one without a mode, or the blank one of an
  // implant never programmed (no drug), is none; one with a drug that cannot be read is refused.
  if (w.has_prescription && w.prescription.mode != itdd_BasalMode_BASAL_MODE_UNSPECIFIED) {
    const Result<therapy::Prescription> rx = protocol::prescription_from_wire(w.prescription);
    if (rx.ok()) {
      s.prescription = rx.value();
    } else if (w.prescription.has_drug && w.prescription.drug.name[0] != '\0') {
      return make_error(ErrorCode::kInvalidArgument, "prescription",
                        "the implant's prescription could not be read (interrogate again)");
    }
  }
  s.prescription_token = w.prescription_token;
  if (w.has_reservoir) {
    const itdd_Reservoir& r = w.reservoir;
    s.reservoir.filled = r.filled;
    if (r.has_drug && r.drug.name[0] != '\0') {
      therapy::Drug d{};
      if (!protocol::drug_from_wire(r.drug, d).ok()) {
        return make_error(ErrorCode::kInvalidArgument, "reservoir.drug",
                          "the reservoir's drug could not be read (interrogate again)");
      }
      s.reservoir.drug = d;
    }
    s.reservoir.concentration = Concentration(r.concentration_ng_per_ml);
    s.reservoir.remaining = Volume(r.remaining_nl);
    s.reservoir.low_threshold = Volume(r.low_threshold_nl);
    s.reservoir.low_at = wall_if(r.has_low_at_wall_ms, r.low_at_wall_ms);
    s.reservoir.empty_at = wall_if(r.has_empty_at_wall_ms, r.empty_at_wall_ms);
    s.reservoir.capacity = Volume(r.capacity_nl);
  }
  if (w.has_battery) {
    const itdd_Battery& b = w.battery;
    s.battery = BatteryStatus{b.status, static_cast<std::int32_t>(b.remaining_permille),
                              Duration(b.longevity_ms), wall_if(b.has_eri_wall_ms, b.eri_wall_ms),
                              b.faulty_cell};
  }
  constexpr auto kMaxAlarms = sizeof(w.alarms) / sizeof(w.alarms[0]);
  if (w.alarms_count > kMaxAlarms) {
    return make_error(ErrorCode::kInvalidArgument, "alarms", "more alarms than the status holds");
  }
  for (pb_size_t i = 0; i < w.alarms_count; ++i) {
    const itdd_ActiveAlarm& a = w.alarms[i];
    s.alarms.push_back(
        AlarmStatus{a.kind, a.alarm_class, a.silenced,
                    wall_if(a.has_silenced_until_wall_ms, a.silenced_until_wall_ms)});
  }
  s.implant_time = ImplantTime(w.implant_ms);
  s.wall = WallTime(w.wall_ms);
  s.clock_valid = w.clock_valid;
  s.delivered = Volume(w.delivered_nl);
  s.current_flow = FlowRate(w.current_flow_nl_per_day);
  if (w.has_patient_bolus) {
    const itdd_PatientBolusUsage& u = w.patient_bolus;
    s.patient_bolus =
        PatientBolusStatus{static_cast<std::int32_t>(u.used_in_24h),
                           static_cast<std::int32_t>(u.max_per_24h),
                           static_cast<std::int32_t>(u.left_in_24h),
                           u.allowed_now,
                           u.refusal,
                           wall_if(u.has_next_allowed_wall_ms, u.next_allowed_wall_ms)};
  }
  s.catheter_volume = Volume(w.catheter_volume_nl);
  s.pump_dead_volume = Volume(w.pump_dead_volume_nl);
  s.priming_rate = FlowRate(w.priming_rate_nl_per_day);
  return s;
}

}  // namespace itdd::programmer
