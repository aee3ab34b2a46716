#include "itdd/app/commands.h"

#include <cstring>

#include "itdd/protocol/prescription_wire.h"

namespace itdd::app {
namespace {

using alarms::AlarmKind;
using protocol::raw_enum;

constexpr Duration kMaxAlarmDate = days(366);  // refill-due and stability dates: a year at most
constexpr std::int64_t kEarliestWallMs = 946'684'800'000LL;  // 2000-01-01: a clock before is wrong
constexpr std::int64_t kLatestWallMs = 7'258'118'400'000LL;  // 2200-01-01

// Copies a NUL-terminated C string into a fixed nanopb char array, truncating.
template <std::size_t N>
void copy_text(char (&to)[N], const char* from) {
  std::size_t i = 0;
  for (; from != nullptr && i + 1 < N && from[i] != '\0'; ++i) to[i] = from[i];
  to[i] = '\0';
}

void refuse(protocol::Response& out, itdd_ResultCode code, const Error& e) {
  out.result = code;
  out.has_error = true;
  copy_text(out.error.field, e.field);
  copy_text(out.error.message, e.message);
  out.error.index = e.index;
  out.error.sub_index = e.sub_index;
  out.which_payload = 0;
}

void refuse(protocol::Response& out, itdd_ResultCode code, const char* field, const char* message) {
  refuse(out, code, make_error(ErrorCode::kInvalidArgument, field, message));
}

// An implant refusal: malformed values are "invalid", the rest is what the state does not allow.
void refuse(protocol::Response& out, const Error& e) {
  refuse(out,
         e.code == ErrorCode::kInvalidArgument ? itdd_ResultCode_RESULT_INVALID
                                               : itdd_ResultCode_RESULT_REFUSED,
         e);
}

void ok(protocol::Response& out, pb_size_t payload_tag) {
  out.result = itdd_ResultCode_RESULT_OK;
  out.has_error = false;
  out.which_payload = payload_tag;
}

std::int64_t wall_ms(const Implant& implant, ImplantTime t) {
  return implant.engine().wall_clock(t).ms();
}

itdd_Role role_to_wire(link::Role role) {
  switch (role) {
    case link::Role::kClinician:
      return itdd_Role_ROLE_CLINICIAN;
    case link::Role::kPatient:
      return itdd_Role_ROLE_PATIENT;
    case link::Role::kService:
      return itdd_Role_ROLE_SERVICE;
    case link::Role::kNone:
      break;
  }
  return itdd_Role_ROLE_UNSPECIFIED;
}

link::Role role_from_wire(std::int64_t raw) {
  switch (raw) {
    case itdd_Role_ROLE_CLINICIAN:
      return link::Role::kClinician;
    case itdd_Role_ROLE_PATIENT:
      return link::Role::kPatient;
    case itdd_Role_ROLE_SERVICE:
      return link::Role::kService;
    default:
      return link::Role::kNone;
  }
}

itdd_Activity activity_to_wire(engine::Activity a) {
  switch (a) {
    case engine::Activity::kStopped:
      return itdd_Activity_ACTIVITY_STOPPED;
    case engine::Activity::kBasal:
      return itdd_Activity_ACTIVITY_BASAL;
    case engine::Activity::kPriming:
      return itdd_Activity_ACTIVITY_PRIMING;
    case engine::Activity::kClinicianBolus:
      return itdd_Activity_ACTIVITY_CLINICIAN_BOLUS;
    case engine::Activity::kBridgeBolus:
      return itdd_Activity_ACTIVITY_BRIDGE_BOLUS;
    case engine::Activity::kReservoirEmpty:
      return itdd_Activity_ACTIVITY_RESERVOIR_EMPTY;
    case engine::Activity::kHalted:
      return itdd_Activity_ACTIVITY_HALTED;
  }
  return itdd_Activity_ACTIVITY_UNSPECIFIED;
}

itdd_BatteryStatus battery_to_wire(power::BatteryStatus s) {
  switch (s) {
    case power::BatteryStatus::kOk:
      return itdd_BatteryStatus_BATTERY_STATUS_OK;
    case power::BatteryStatus::kElectiveReplacement:
      return itdd_BatteryStatus_BATTERY_STATUS_ELECTIVE_REPLACEMENT;
    case power::BatteryStatus::kEndOfService:
      return itdd_BatteryStatus_BATTERY_STATUS_END_OF_SERVICE;
  }
  return itdd_BatteryStatus_BATTERY_STATUS_UNSPECIFIED;
}

itdd_BolusRefusal refusal_to_wire(therapy::BolusRefusal r) {
  switch (r) {
    case therapy::BolusRefusal::kNone:
      return itdd_BolusRefusal_BOLUS_REFUSAL_NONE;
    case therapy::BolusRefusal::kNotEnabled:
      return itdd_BolusRefusal_BOLUS_REFUSAL_NOT_ENABLED;
    case therapy::BolusRefusal::kLockout:
      return itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT;
    case therapy::BolusRefusal::kDailyLimit:
      return itdd_BolusRefusal_BOLUS_REFUSAL_DAILY_LIMIT;
    case therapy::BolusRefusal::kTherapyStopped:
      return itdd_BolusRefusal_BOLUS_REFUSAL_THERAPY_STOPPED;
    case therapy::BolusRefusal::kOtherBolusRunning:
      return itdd_BolusRefusal_BOLUS_REFUSAL_OTHER_BOLUS_RUNNING;
    case therapy::BolusRefusal::kReservoirLow:
      return itdd_BolusRefusal_BOLUS_REFUSAL_RESERVOIR_LOW;
  }
  return itdd_BolusRefusal_BOLUS_REFUSAL_NONE;
}

// A repeated command id: its recorded outcome, and the command is not run again.
bool answer_repeat(const Implant& implant, std::uint64_t id, protocol::Response& out) {
  const CommandOutcome outcome = implant.command_outcome(id);
  if (outcome == CommandOutcome::kUnknown) return false;
  ok(out, itdd_Response_command_status_tag);
  out.payload.command_status.command_id = id;
  out.payload.command_status.state = outcome == CommandOutcome::kApplied
                                         ? itdd_CommandState_COMMAND_STATE_APPLIED
                                         : itdd_CommandState_COMMAND_STATE_NOT_APPLIED;
  return true;
}

bool check_command_id(std::uint64_t id, protocol::Response& out) {
  if (id != 0) return true;
  refuse(out, itdd_ResultCode_RESULT_INVALID, "command_id", "a therapy command needs a command id");
  return false;
}

// Patient boluses still allowed in the rolling 24 hours by the prescription's maximum.
std::uint32_t boluses_left(const engine::TherapyEngine& engine, ImplantTime now) {
  const therapy::PatientBolusSettings& pb = engine.prescription().patient_bolus;
  const std::uint32_t used = engine.patient_boluses_in_last_24h(now);
  return pb.enabled && pb.max_per_24h > used ? pb.max_per_24h - used : 0;
}

void interrogate(const Implant& implant, ImplantTime now, protocol::Response& out) {
  ok(out, itdd_Response_status_tag);
  itdd_ImplantStatus& st = out.payload.status;
  const engine::TherapyEngine& engine = implant.engine();
  st.activity = activity_to_wire(engine.activity());
  st.has_prescription = protocol::prescription_to_wire(engine.prescription(), st.prescription).ok();
  st.prescription_token = implant.prescription_token();

  const engine::TherapyEngine::State s = engine.snapshot();
  st.has_reservoir = true;
  itdd_Reservoir& r = st.reservoir;
  r.filled = s.filled;
  r.has_drug = s.filled && protocol::drug_to_wire(s.reservoir_drug, r.drug).ok();
  r.concentration_ng_per_ml = s.reservoir_concentration.count();
  r.remaining_nl = s.reservoir_remaining.count();
  r.low_threshold_nl = s.low_threshold.count();
  r.capacity_nl = engine.pump().reservoir_capacity.count();
  const engine::Projection p = engine.project(now);
  r.has_low_at_wall_ms = !p.low_reservoir.is_never();
  if (r.has_low_at_wall_ms) r.low_at_wall_ms = wall_ms(implant, p.low_reservoir);
  r.has_empty_at_wall_ms = !p.empty.is_never();
  if (r.has_empty_at_wall_ms) r.empty_at_wall_ms = wall_ms(implant, p.empty);

  if (const power::BatteryMonitor* m = implant.battery()) {
    st.has_battery = true;
    const power::Assessment& a = m->last();
    st.battery.status = battery_to_wire(m->status());
    st.battery.remaining_permille = static_cast<std::uint32_t>(a.remaining_permille);
    st.battery.longevity_ms = a.longevity.count();
    st.battery.has_eri_wall_ms = !a.eri_date.is_never();
    if (st.battery.has_eri_wall_ms) st.battery.eri_wall_ms = wall_ms(implant, a.eri_date);
    st.battery.faulty_cell = m->state().faulty;
  }

  const alarms::AlarmManager& am = implant.alarms();
  const alarms::ActiveAlarms active = am.active();
  for (const AlarmKind kind : active) {
    if (st.alarms_count >= sizeof(st.alarms) / sizeof(st.alarms[0])) break;
    itdd_ActiveAlarm& a = st.alarms[st.alarms_count++];
    a.kind = static_cast<itdd_AlarmKind>(alarms::code(kind));
    a.alarm_class = alarms::alarm_class(kind) == alarms::AlarmClass::kCritical
                        ? itdd_AlarmClass_ALARM_CLASS_CRITICAL
                        : itdd_AlarmClass_ALARM_CLASS_NON_CRITICAL;
    a.silenced = am.is_silenced(kind, now);
  }
  st.implant_ms = now.ms();
  st.wall_ms = wall_ms(implant, now);
  st.clock_valid = implant.clock_valid();
  st.delivered_nl = engine.delivered().count();
  st.current_flow_nl_per_day = engine.current_flow().count();
  st.catheter_volume_nl = s.catheter_volume.count();
  st.pump_dead_volume_nl = engine.pump().pump_dead_volume.count();
  st.priming_rate_nl_per_day = engine.pump().priming_rate.count();

  st.has_patient_bolus = true;
  itdd_PatientBolusUsage& u = st.patient_bolus;
  const therapy::PatientBolusSettings& pb = engine.prescription().patient_bolus;
  u.used_in_24h = engine.patient_boluses_in_last_24h(now);
  u.max_per_24h = pb.enabled ? pb.max_per_24h : 0;
  u.left_in_24h = boluses_left(engine, now);
  const therapy::BolusDecision d = engine.preview_patient_bolus(now);
  u.allowed_now = d.granted;
  u.refusal = refusal_to_wire(d.reason);
  u.has_next_allowed_wall_ms = !d.granted && !d.next_allowed.is_never();
  if (u.has_next_allowed_wall_ms) u.next_allowed_wall_ms = wall_ms(implant, d.next_allowed);
}

void program(Implant& implant, const itdd_ProgramPrescription& req, ImplantTime now,
             protocol::Response& out) {
  if (!check_command_id(req.command_id, out) || answer_repeat(implant, req.command_id, out)) {
    return;
  }
  if (req.replaces_token != implant.prescription_token()) {
    refuse(out, itdd_ResultCode_RESULT_STALE_TOKEN, "replaces_token",
           "the implant's prescription has changed since it was read: interrogate again");
    return;
  }
  if (!req.has_prescription) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, "prescription", "no prescription given");
    return;
  }
  therapy::Prescription rx;
  if (Status s =
          protocol::validated_prescription_from_wire(req.prescription, implant.engine().pump(), rx);
      !s) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, s.error());
    return;
  }
  implant.begin_command(req.command_id);
  const Status s = implant.program(rx, now);
  implant.end_command();
  if (!s) {
    refuse(out, s.error());
    return;
  }
  ok(out, itdd_Response_programmed_tag);
  out.payload.programmed.prescription_token = implant.prescription_token();
}

void refill(Implant& implant, const itdd_Refill& req, ImplantTime now, protocol::Response& out) {
  if (!check_command_id(req.command_id, out) || answer_repeat(implant, req.command_id, out)) {
    return;
  }
  RefillOrder order;
  if (!req.has_drug) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, "drug", "the refill names no drug");
    return;
  }
  if (Status s = protocol::drug_from_wire(req.drug, order.refill.drug); !s) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, s.error());
    return;
  }
  const auto in_range = [&](std::int64_t v, std::int64_t hi, const char* field) {
    if (v >= 0 && v <= hi) return true;
    refuse(out, itdd_ResultCode_RESULT_INVALID, field, "out of range");
    return false;
  };
  const std::int64_t capacity = implant.engine().pump().reservoir_capacity.count();
  if (!in_range(req.low_reservoir_threshold_nl, capacity, "low_reservoir_threshold_nl") ||
      !in_range(req.refill_due_in_ms, kMaxAlarmDate.count(), "refill_due_in_ms") ||
      !in_range(req.drug_stable_for_ms, kMaxAlarmDate.count(), "drug_stable_for_ms")) {
    return;
  }
  order.refill.volume = Volume(req.volume_nl);
  order.refill.concentration = Concentration(req.concentration_ng_per_ml);
  order.refill.low_reservoir_threshold = Volume(req.low_reservoir_threshold_nl);
  order.refill.bridge = req.bridge;
  if (req.refill_due_in_ms > 0) order.refill_due_in = Duration(req.refill_due_in_ms);
  if (req.drug_stable_for_ms > 0) order.drug_stable_for = Duration(req.drug_stable_for_ms);
  implant.begin_command(req.command_id);
  const Result<engine::BridgePlan> r = implant.refill(order, now);
  implant.end_command();
  if (!r.ok()) {
    refuse(out, r.error());
    return;
  }
  ok(out, itdd_Response_refilled_tag);
  itdd_BridgePlan& b = out.payload.refilled.bridge;
  out.payload.refilled.has_bridge = true;
  b.started = r->started;
  b.volume_nl = r->volume.count();
  b.flow_nl_per_day = r->flow.count();
  b.duration_ms = r->duration.count();
  b.old_concentration_ng_per_ml = r->old_concentration.count();
  b.new_concentration_ng_per_ml = r->new_concentration.count();
}

void clinician_bolus(Implant& implant, const itdd_ClinicianBolus& req, ImplantTime now,
                     protocol::Response& out) {
  if (!check_command_id(req.command_id, out) || answer_repeat(implant, req.command_id, out)) {
    return;
  }
  implant.begin_command(req.command_id);
  const Status s = implant.clinician_bolus(DrugAmount(req.dose_ng), Duration(req.duration_ms), now);
  implant.end_command();
  if (!s) {
    refuse(out, s.error());
    return;
  }
  ok(out, itdd_Response_bolus_started_tag);
  out.payload.bolus_started.dose_ng = req.dose_ng;
  out.payload.bolus_started.ends_at_wall_ms = wall_ms(implant, now + Duration(req.duration_ms));
}

void patient_bolus(Implant& implant, const itdd_PatientBolusRequest& req, ImplantTime now,
                   protocol::Response& out) {
  if (!check_command_id(req.command_id, out) || answer_repeat(implant, req.command_id, out)) {
    return;
  }
  implant.begin_command(req.command_id);
  const therapy::BolusDecision d = implant.patient_bolus(now);
  implant.end_command();
  ok(out, itdd_Response_patient_bolus_tag);
  itdd_PatientBolusDecision& p = out.payload.patient_bolus;
  p.granted = d.granted;
  p.refusal = refusal_to_wire(d.reason);
  p.has_next_allowed_wall_ms = !d.granted && !d.next_allowed.is_never();
  if (p.has_next_allowed_wall_ms) p.next_allowed_wall_ms = wall_ms(implant, d.next_allowed);
  p.left_in_24h = boluses_left(implant.engine(), now);
}

void prime(Implant& implant, const itdd_PrimeCatheter& req, ImplantTime now,
           protocol::Response& out) {
  if (!check_command_id(req.command_id, out) || answer_repeat(implant, req.command_id, out)) {
    return;
  }
  implant.begin_command(req.command_id);
  const Status s = implant.prime(Volume(req.catheter_volume_nl), now);
  implant.end_command();
  if (!s) {
    refuse(out, s.error());
    return;
  }
  // What the engine started: the volume it fills and when the priming ends.
  const delivery::TimedDelivery& d = implant.engine().scheduler().override_delivery();
  ok(out, itdd_Response_priming_tag);
  out.payload.priming.volume_nl = d.volume.count();
  out.payload.priming.ends_at_wall_ms = wall_ms(implant, d.end);
}

void silence(Implant& implant, const itdd_SilenceAlarm& req, link::Role role, ImplantTime now,
             protocol::Response& out) {
  const AlarmKind kind =
      alarms::alarm_from_code(raw_enum(req.kind) >= 1 && raw_enum(req.kind) <= 255
                                  ? static_cast<std::uint8_t>(raw_enum(req.kind))
                                  : std::uint8_t{0});
  if (kind == AlarmKind::kNone) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, "kind", "unknown alarm");
    return;
  }
  if (req.duration_ms <= 0) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, "duration_ms", "must be above 0");
    return;
  }
  // A critical alarm means the pump may have stopped: only a clinician, who can see why, may
  // quiet it (a patient device could otherwise keep it silent hour after hour).
  if (role != link::Role::kClinician &&
      alarms::alarm_class(kind) == alarms::AlarmClass::kCritical) {
    refuse(out, itdd_ResultCode_RESULT_NOT_AUTHORISED, "kind",
           "only a clinician may silence a critical alarm");
    return;
  }
  const Status s = implant.silence_alarm(kind, Duration(req.duration_ms), now);
  if (!s) {
    refuse(out, s.error());
    return;
  }
  ok(out, 0);
}

void set_clock(Implant& implant, const itdd_SetClock& req, ImplantTime now,
               protocol::Response& out) {
  if (req.wall_ms < kEarliestWallMs || req.wall_ms > kLatestWallMs) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, "wall_ms", "not a plausible date (2000 to 2200)");
    return;
  }
  implant.set_clock(WallTime(req.wall_ms), now);
  ok(out, 0);
}

void read_log(Implant& implant, const itdd_ReadEventLog& req, protocol::Response& out) {
  constexpr std::size_t kPage = sizeof(itdd_EventLogPage::records) / sizeof(itdd_LogRecord);
  std::array<storage::LogRecord, kPage> page{};
  const std::size_t want =
      req.max_count == 0 || req.max_count > kPage ? kPage : static_cast<std::size_t>(req.max_count);
  const Result<std::size_t> n =
      implant.event_log().read_from(req.from_seq, std::span(page.data(), want));
  if (!n.ok()) {
    refuse(out, n.error());
    return;
  }
  ok(out, itdd_Response_event_log_tag);
  itdd_EventLogPage& p = out.payload.event_log;
  for (std::size_t i = 0; i < *n; ++i) {
    itdd_LogRecord& r = p.records[p.records_count++];
    r.seq = page[i].seq;
    r.at_implant_ms = page[i].at.ms();
    r.code = page[i].code;
    r.reason = page[i].reason;
    r.a = page[i].a;
    r.b = page[i].b;
  }
  p.newest_seq = implant.event_log().newest_seq();
}

void read_history(Implant& implant, const itdd_ReadDeliveryHistory& req, protocol::Response& out) {
  constexpr std::size_t kPage = sizeof(itdd_DeliveryHistoryPage::hours) / sizeof(itdd_HourRecord);
  std::array<storage::HourRecord, kPage> page{};
  const std::int64_t count = req.count == 0 || req.count > kPage
                                 ? static_cast<std::int64_t>(kPage)
                                 : static_cast<std::int64_t>(req.count);
  if (req.from_hour < 0) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, "from_hour", "must not be negative");
    return;
  }
  const Result<std::size_t> n =
      implant.delivery_history().read_hours(req.from_hour, req.from_hour + count - 1, page);
  if (!n.ok()) {
    refuse(out, n.error());
    return;
  }
  ok(out, itdd_Response_delivery_history_tag);
  itdd_DeliveryHistoryPage& p = out.payload.delivery_history;
  for (std::size_t i = 0; i < *n; ++i) {
    itdd_HourRecord& h = p.hours[p.hours_count++];
    h.hour_index = page[i].hour_index;
    h.volume_nl = page[i].volume.count();
    h.strokes = page[i].strokes;
  }
  p.newest_hour = implant.delivery_history().newest_hour();
}

void open_pairing(Implant& implant, PairingControl& pairing, const itdd_OpenPairingWindow& req,
                  link::Role opener, ImplantTime now, protocol::Response& out) {
  const link::Role role = role_from_wire(raw_enum(req.role));
  if (role == link::Role::kNone) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, "role", "unknown role");
    return;
  }
  // Nobody hands out more than they hold: only a clinician may let a clinician device pair.
  if (role == link::Role::kClinician && opener != link::Role::kClinician) {
    refuse(out, itdd_ResultCode_RESULT_NOT_AUTHORISED, "role",
           "only a clinician may pair a clinician device");
    return;
  }
  if (req.window_ms < 0 || req.window_ms > link::kPairingValidity.count()) {
    refuse(out, itdd_ResultCode_RESULT_INVALID, "window_ms", "at most 5 minutes");
    return;
  }
  const Duration validity = req.window_ms == 0 ? link::kPairingValidity : Duration(req.window_ms);
  const Result<link::PairingCode> code = pairing.open_pairing(role, now, validity);
  if (!code.ok()) {
    refuse(out, code.error());
    return;
  }
  ok(out, itdd_Response_pairing_window_tag);
  itdd_PairingWindow& w = out.payload.pairing_window;
  w.role = role_to_wire(role);
  for (std::size_t i = 0; i < code->digits.size(); ++i) w.code[i] = code->digits[i];
  w.code[code->digits.size()] = '\0';
  w.expires_at_wall_ms = wall_ms(implant, now + validity);
}

void list_paired(const Implant& implant, const PairingControl& pairing, protocol::Response& out) {
  ok(out, itdd_Response_paired_devices_tag);
  itdd_PairedDevices& list = out.payload.paired_devices;
  for (const link::Peer& peer : pairing.link_state().peers) {
    if (!peer.in_use() || list.devices_count >= sizeof(list.devices) / sizeof(list.devices[0])) {
      continue;
    }
    itdd_PairedDevice& d = list.devices[list.devices_count++];
    d.device_id.size = static_cast<pb_size_t>(peer.key.size());
    std::memcpy(d.device_id.bytes, peer.key.data(), peer.key.size());
    d.role = role_to_wire(peer.role);
    d.paired_at_wall_ms = wall_ms(implant, peer.paired_at);
    d.peer_id = peer.id;
    const ImplantTime seen = pairing.last_seen(peer.id);
    d.seen = !seen.is_never();
    if (d.seen) d.last_seen_wall_ms = wall_ms(implant, seen);
  }
}

void revoke(PairingControl& pairing, const itdd_RevokePairedDevice& req, ImplantTime now,
            protocol::Response& out) {
  for (const link::Peer& peer : pairing.link_state().peers) {
    if (!peer.in_use() || req.device_id.size != peer.key.size() ||
        std::memcmp(req.device_id.bytes, peer.key.data(), peer.key.size()) != 0) {
      continue;
    }
    const Status s = pairing.remove_peer(peer.id, now);
    if (!s) {
      refuse(out, s.error());
    } else {
      ok(out, 0);
    }
    return;
  }
  refuse(out, itdd_ResultCode_RESULT_INVALID, "device_id", "no paired device has this key");
}

}  // namespace

bool allowed(link::Role role, pb_size_t tag) {
  const bool clinician = role == link::Role::kClinician;
  const bool service = role == link::Role::kService;
  const bool patient = role == link::Role::kPatient;
  switch (tag) {
    case itdd_Request_close_session_tag:
    case itdd_Request_interrogate_tag:
    case itdd_Request_query_command_status_tag:
      return clinician || service || patient;
    case itdd_Request_patient_bolus_tag:
      return patient;
    case itdd_Request_silence_alarm_tag:
      return clinician || patient;
    case itdd_Request_program_tag:
    case itdd_Request_refill_tag:
    case itdd_Request_clinician_bolus_tag:
    case itdd_Request_prime_catheter_tag:
      return clinician;
    case itdd_Request_set_clock_tag:
    case itdd_Request_alarm_test_tag:
    case itdd_Request_read_event_log_tag:
    case itdd_Request_read_delivery_history_tag:
    case itdd_Request_open_pairing_window_tag:
    case itdd_Request_list_paired_devices_tag:
    case itdd_Request_revoke_paired_device_tag:
      return clinician || service;
    default:
      return false;
  }
}

void handle_request(Implant& implant, PairingControl& pairing, const protocol::Request& request,
                    link::Role role, ImplantTime now, protocol::Response& out) {
  out = protocol::Response{};
  out.request_id = request.request_id;
  const pb_size_t tag = request.which_payload;
  if (tag < itdd_Request_close_session_tag || tag > itdd_Request_prime_catheter_tag) {
    refuse(out, itdd_ResultCode_RESULT_UNKNOWN_COMMAND, "payload",
           "a request this implant does not know");
    return;
  }
  if (!allowed(role, tag)) {
    refuse(out, itdd_ResultCode_RESULT_NOT_AUTHORISED, "payload",
           "this device's role may not make this request");
    return;
  }
  const auto& p = request.payload;
  switch (tag) {
    case itdd_Request_close_session_tag:
      ok(out, 0);
      return;
    case itdd_Request_interrogate_tag:
      interrogate(implant, now, out);
      return;
    case itdd_Request_program_tag:
      program(implant, p.program, now, out);
      return;
    case itdd_Request_refill_tag:
      refill(implant, p.refill, now, out);
      return;
    case itdd_Request_clinician_bolus_tag:
      clinician_bolus(implant, p.clinician_bolus, now, out);
      return;
    case itdd_Request_patient_bolus_tag:
      patient_bolus(implant, p.patient_bolus, now, out);
      return;
    case itdd_Request_silence_alarm_tag:
      silence(implant, p.silence_alarm, role, now, out);
      return;
    case itdd_Request_alarm_test_tag: {
      const Status s = implant.alarm_test(now);
      if (s) {
        ok(out, 0);
      } else {
        refuse(out, s.error());
      }
      return;
    }
    case itdd_Request_set_clock_tag:
      set_clock(implant, p.set_clock, now, out);
      return;
    case itdd_Request_read_event_log_tag:
      read_log(implant, p.read_event_log, out);
      return;
    case itdd_Request_read_delivery_history_tag:
      read_history(implant, p.read_delivery_history, out);
      return;
    case itdd_Request_query_command_status_tag: {
      ok(out, itdd_Response_command_status_tag);
      const std::uint64_t id = p.query_command_status.command_id;
      out.payload.command_status.command_id = id;
      switch (implant.command_outcome(id)) {
        case CommandOutcome::kApplied:
          out.payload.command_status.state = itdd_CommandState_COMMAND_STATE_APPLIED;
          break;
        case CommandOutcome::kNotApplied:
          out.payload.command_status.state = itdd_CommandState_COMMAND_STATE_NOT_APPLIED;
          break;
        case CommandOutcome::kUnknown:
          out.payload.command_status.state = itdd_CommandState_COMMAND_STATE_UNKNOWN;
          break;
      }
      return;
    }
    case itdd_Request_open_pairing_window_tag:
      open_pairing(implant, pairing, p.open_pairing_window, role, now, out);
      return;
    case itdd_Request_list_paired_devices_tag:
      list_paired(implant, pairing, out);
      return;
    case itdd_Request_revoke_paired_device_tag:
      revoke(pairing, p.revoke_paired_device, now, out);
      return;
    case itdd_Request_prime_catheter_tag:
      prime(implant, p.prime_catheter, now, out);
      return;
    default:
      refuse(out, itdd_ResultCode_RESULT_UNKNOWN_COMMAND, "payload",
             "a request this implant does not know");
      return;
  }
}

}  // namespace itdd::app
