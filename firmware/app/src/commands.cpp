#include "itdd/app/commands.h"

#include <atomic>
#include <memory>

#include "command_handlers.h"

namespace itdd::app {
namespace detail {

void refuse(protocol::ImplantResponse& out, itdd_implant_ResultCode code, const Error& e) {
  out.result = code;
  out.has_error = true;
  protocol::error_to_wire(e, out.error);
  out.which_payload = 0;
}

void refuse(protocol::ImplantResponse& out, itdd_implant_ResultCode code, const char* field,
            const char* message) {
  refuse(out, code, make_error(ErrorCode::kInvalidArgument, field, message));
}

void refuse(protocol::ImplantResponse& out, const Error& e) {
  refuse(out, protocol::implant_result_code_for(e.code), e);
}

void begin_answer(protocol::ImplantResponse& out, std::uint32_t request_id) {
  // No read of the request may move below this point (the compiler's barrier), then a fresh
  // Response in the place (a new object: the request's lifetime ends where they share it).
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::construct_at(&out);
  out.request_id = request_id;
}

void ok(protocol::ImplantResponse& out, pb_size_t payload_tag) {
  out.result = itdd_implant_ResultCode_RESULT_OK;
  out.has_error = false;
  out.which_payload = payload_tag;
}

std::int64_t wall_ms(const Implant& implant, ImplantTime t) {
  return implant.engine().wall_clock(t).ms();
}

itdd_implant_Role role_to_wire(link::Role role) {
  switch (role) {
    case link::Role::kClinician:
      return itdd_implant_Role_ROLE_CLINICIAN;
    case link::Role::kPatient:
      return itdd_implant_Role_ROLE_PATIENT;
    case link::Role::kService:
      return itdd_implant_Role_ROLE_SERVICE;
    case link::Role::kNone:
      break;
  }
  return itdd_implant_Role_ROLE_UNSPECIFIED;
}

link::Role role_from_wire(std::int64_t raw) {
  switch (raw) {
    case itdd_implant_Role_ROLE_CLINICIAN:
      return link::Role::kClinician;
    case itdd_implant_Role_ROLE_PATIENT:
      return link::Role::kPatient;
    case itdd_implant_Role_ROLE_SERVICE:
      return link::Role::kService;
    default:
      return link::Role::kNone;
  }
}

itdd_implant_CommandState state_to_wire(CommandOutcome outcome) {
  switch (outcome) {
    case CommandOutcome::kApplied:
      return itdd_implant_CommandState_COMMAND_STATE_APPLIED;
    case CommandOutcome::kNotApplied:
      return itdd_implant_CommandState_COMMAND_STATE_NOT_APPLIED;
    case CommandOutcome::kUnknown:
      break;
  }
  return itdd_implant_CommandState_COMMAND_STATE_UNKNOWN;
}

itdd_implant_BolusRefusal refusal_to_wire(therapy::BolusRefusal r) {
  switch (r) {
    case therapy::BolusRefusal::kNone:
      return itdd_implant_BolusRefusal_BOLUS_REFUSAL_NONE;
    case therapy::BolusRefusal::kNotEnabled:
      return itdd_implant_BolusRefusal_BOLUS_REFUSAL_NOT_ENABLED;
    case therapy::BolusRefusal::kLockout:
      return itdd_implant_BolusRefusal_BOLUS_REFUSAL_LOCKOUT;
    case therapy::BolusRefusal::kDailyLimit:
      return itdd_implant_BolusRefusal_BOLUS_REFUSAL_DAILY_LIMIT;
    case therapy::BolusRefusal::kTherapyStopped:
      return itdd_implant_BolusRefusal_BOLUS_REFUSAL_THERAPY_STOPPED;
    case therapy::BolusRefusal::kOtherBolusRunning:
      return itdd_implant_BolusRefusal_BOLUS_REFUSAL_OTHER_BOLUS_RUNNING;
    case therapy::BolusRefusal::kReservoirLow:
      return itdd_implant_BolusRefusal_BOLUS_REFUSAL_RESERVOIR_LOW;
  }
  return itdd_implant_BolusRefusal_BOLUS_REFUSAL_NONE;
}

std::uint32_t boluses_left(const engine::TherapyEngine& engine, ImplantTime now) {
  const therapy::PatientBolusSettings& pb = engine.prescription().patient_bolus;
  const std::uint32_t used = engine.patient_boluses_in_last_24h(now);
  return pb.enabled && pb.max_per_24h > used ? pb.max_per_24h - used : 0;
}

}  // namespace detail

namespace {

using alarms::AlarmKind;
using protocol::raw_enum;
using namespace detail;

constexpr std::int64_t kEarliestWallMs = 946'684'800'000LL;  // 2000-01-01: a clock before is wrong
constexpr std::int64_t kLatestWallMs = 7'258'118'400'000LL;  // 2200-01-01

itdd_implant_Activity activity_to_wire(engine::Activity a) {
  switch (a) {
    case engine::Activity::kStopped:
      return itdd_implant_Activity_ACTIVITY_STOPPED;
    case engine::Activity::kBasal:
      return itdd_implant_Activity_ACTIVITY_BASAL;
    case engine::Activity::kPriming:
      return itdd_implant_Activity_ACTIVITY_PRIMING;
    case engine::Activity::kClinicianBolus:
      return itdd_implant_Activity_ACTIVITY_CLINICIAN_BOLUS;
    case engine::Activity::kBridgeBolus:
      return itdd_implant_Activity_ACTIVITY_BRIDGE_BOLUS;
    case engine::Activity::kReservoirEmpty:
      return itdd_implant_Activity_ACTIVITY_RESERVOIR_EMPTY;
    case engine::Activity::kHalted:
      return itdd_implant_Activity_ACTIVITY_HALTED;
  }
  return itdd_implant_Activity_ACTIVITY_UNSPECIFIED;
}

itdd_implant_BatteryStatus battery_to_wire(power::BatteryStatus s) {
  switch (s) {
    case power::BatteryStatus::kOk:
      return itdd_implant_BatteryStatus_BATTERY_STATUS_OK;
    case power::BatteryStatus::kElectiveReplacement:
      return itdd_implant_BatteryStatus_BATTERY_STATUS_ELECTIVE_REPLACEMENT;
    case power::BatteryStatus::kEndOfService:
      return itdd_implant_BatteryStatus_BATTERY_STATUS_END_OF_SERVICE;
  }
  return itdd_implant_BatteryStatus_BATTERY_STATUS_UNSPECIFIED;
}

void interrogate(const Implant& implant, ImplantTime now, protocol::ImplantResponse& out) {
  ok(out, itdd_implant_Response_status_tag);
  itdd_implant_ImplantStatus& st = out.payload.status;
  const engine::TherapyEngine& engine = implant.engine();
  st.activity = activity_to_wire(engine.activity());
  st.has_prescription = protocol::prescription_to_wire(engine.prescription(), st.prescription).ok();
  st.prescription_token = implant.prescription_token();

  st.has_reservoir = true;
  itdd_implant_Reservoir& r = st.reservoir;
  r.filled = engine.filled();
  r.has_drug = engine.filled() && protocol::drug_to_wire(engine.reservoir_drug(), r.drug).ok();
  r.concentration_ng_per_ml = engine.reservoir_concentration().count();
  r.remaining_nl = engine.reservoir_remaining().count();
  r.low_threshold_nl = engine.low_threshold().count();
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
    itdd_implant_ActiveAlarm& a = st.alarms[st.alarms_count++];
    a.kind = static_cast<itdd_implant_AlarmKind>(alarms::code(kind));
    a.alarm_class = alarms::alarm_class(kind) == alarms::AlarmClass::kCritical
                        ? itdd_implant_AlarmClass_ALARM_CLASS_CRITICAL
                        : itdd_implant_AlarmClass_ALARM_CLASS_NON_CRITICAL;
    a.silenced = am.is_silenced(kind, now);
  }
  st.implant_ms = now.ms();
  st.wall_ms = wall_ms(implant, now);
  st.clock_valid = implant.clock_valid();
  st.delivered_nl = engine.delivered().count();
  st.current_flow_nl_per_day = engine.current_flow().count();
  st.catheter_volume_nl = engine.catheter_volume().count();
  st.pump_dead_volume_nl = engine.pump().pump_dead_volume.count();
  st.priming_rate_nl_per_day = engine.pump().priming_rate.count();

  st.has_patient_bolus = true;
  itdd_implant_PatientBolusUsage& u = st.patient_bolus;
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

void silence(Implant& implant, const itdd_implant_SilenceAlarm& req, link::Role role,
             ImplantTime now, protocol::ImplantResponse& out) {
  const AlarmKind kind =
      alarms::alarm_from_code(raw_enum(req.kind) >= 1 && raw_enum(req.kind) <= 255
                                  ? static_cast<std::uint8_t>(raw_enum(req.kind))
                                  : std::uint8_t{0});
  if (kind == AlarmKind::kNone) {
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "kind", "unknown alarm");
    return;
  }
  if (req.duration_ms <= 0) {
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "duration_ms", "must be above 0");
    return;
  }
  // A critical alarm means the pump may have stopped: only a clinician, who can see why, may
  // quiet it (a patient device could otherwise keep it silent hour after hour).
  if (role != link::Role::kClinician &&
      alarms::alarm_class(kind) == alarms::AlarmClass::kCritical) {
    refuse(out, itdd_implant_ResultCode_RESULT_NOT_AUTHORISED, "kind",
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

void set_clock(Implant& implant, const itdd_implant_SetClock& req, ImplantTime now,
               protocol::ImplantResponse& out) {
  if (req.wall_ms < kEarliestWallMs || req.wall_ms > kLatestWallMs) {
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "wall_ms",
           "not a plausible date (2000 to 2200)");
    return;
  }
  implant.set_clock(WallTime(req.wall_ms), now);
  ok(out, 0);
}

// Not inlined, nor read_history: their page of records stays out of handle_request's frame,
// which a program command's deep path goes through (the static stack bound, docs/footprint.md).
[[gnu::noinline]] void read_log(Implant& implant, const itdd_implant_ReadEventLog& req,
                                protocol::ImplantResponse& out) {
  constexpr std::size_t kPage =
      sizeof(itdd_implant_EventLogPage::records) / sizeof(itdd_implant_LogRecord);
  std::array<storage::LogRecord, kPage> page{};
  const std::size_t want =
      req.max_count == 0 || req.max_count > kPage ? kPage : static_cast<std::size_t>(req.max_count);
  const Result<std::size_t> n =
      implant.event_log().read_from(req.from_seq, std::span(page.data(), want));
  if (!n.ok()) {
    refuse(out, n.error());
    return;
  }
  ok(out, itdd_implant_Response_event_log_tag);
  itdd_implant_EventLogPage& p = out.payload.event_log;
  for (std::size_t i = 0; i < *n; ++i) {
    itdd_implant_LogRecord& r = p.records[p.records_count++];
    r.seq = page[i].seq;
    r.at_implant_ms = page[i].at.ms();
    r.code = page[i].code;
    r.reason = page[i].reason;
    r.a = page[i].a;
    r.b = page[i].b;
  }
  p.newest_seq = implant.event_log().newest_seq();
}

[[gnu::noinline]] void read_history(Implant& implant, const itdd_implant_ReadDeliveryHistory& req,
                                    protocol::ImplantResponse& out) {
  constexpr std::size_t kPage =
      sizeof(itdd_implant_DeliveryHistoryPage::hours) / sizeof(itdd_implant_HourRecord);
  std::array<storage::HourRecord, kPage> page{};
  const std::int64_t count = req.count == 0 || req.count > kPage
                                 ? static_cast<std::int64_t>(kPage)
                                 : static_cast<std::int64_t>(req.count);
  if (req.from_hour < 0) {
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "from_hour", "must not be negative");
    return;
  }
  const Result<std::size_t> n =
      implant.delivery_history().read_hours(req.from_hour, req.from_hour + count - 1, page);
  if (!n.ok()) {
    refuse(out, n.error());
    return;
  }
  ok(out, itdd_implant_Response_delivery_history_tag);
  itdd_implant_DeliveryHistoryPage& p = out.payload.delivery_history;
  for (std::size_t i = 0; i < *n; ++i) {
    itdd_implant_HourRecord& h = p.hours[p.hours_count++];
    h.hour_index = page[i].hour_index;
    h.volume_nl = page[i].volume.count();
    h.strokes = page[i].strokes;
  }
  p.newest_hour = implant.delivery_history().newest_hour();
}

}  // namespace

bool allowed(link::Role role, pb_size_t tag) {
  const bool clinician = role == link::Role::kClinician;
  const bool service = role == link::Role::kService;
  const bool patient = role == link::Role::kPatient;
  switch (tag) {
    case itdd_implant_Request_close_session_tag:
    case itdd_implant_Request_interrogate_tag:
    case itdd_implant_Request_query_command_status_tag:
      return clinician || service || patient;
    case itdd_implant_Request_patient_bolus_tag:
      return patient;
    case itdd_implant_Request_silence_alarm_tag:
      return clinician || patient;
    case itdd_implant_Request_program_tag:
    case itdd_implant_Request_refill_tag:
    case itdd_implant_Request_clinician_bolus_tag:
    case itdd_implant_Request_prime_catheter_tag:
      return clinician;
    case itdd_implant_Request_set_clock_tag:
    case itdd_implant_Request_alarm_test_tag:
    case itdd_implant_Request_read_event_log_tag:
    case itdd_implant_Request_read_delivery_history_tag:
    case itdd_implant_Request_open_pairing_window_tag:
    case itdd_implant_Request_list_paired_devices_tag:
    case itdd_implant_Request_revoke_paired_device_tag:
      return clinician || service;
    default:
      return false;
  }
}

std::optional<CommandSource> command_source(const link::LinkState& state, link::PeerId peer) {
  const std::int32_t slot = peer == link::kNoPeer ? -1 : link::find_peer(state, peer);
  if (slot < 0) return std::nullopt;
  return CommandSource{static_cast<std::uint32_t>(slot), peer};
}

namespace {

bool is_therapy_command(pb_size_t tag) {
  return tag == itdd_implant_Request_program_tag || tag == itdd_implant_Request_refill_tag ||
         tag == itdd_implant_Request_clinician_bolus_tag ||
         tag == itdd_implant_Request_patient_bolus_tag ||
         tag == itdd_implant_Request_prime_catheter_tag;
}

}  // namespace

void handle_request(Implant& implant, PairingControl& pairing, protocol::ImplantRequest& received,
                    Caller caller, ImplantTime now, protocol::ImplantResponse& out) {
  // `received` and `out` may be one buffer (ImplantRadio keeps them in one): what the answer
  // needs from the request is read into locals before begin_answer() writes `out` (a program
  // command is done with its prescription before it answers).
  const itdd_implant_Request& request = received.message;
  const std::uint32_t request_id = request.request_id;
  const link::Role role = caller.role;
  const pb_size_t tag = request.which_payload;
  if (tag < itdd_implant_Request_close_session_tag ||
      tag > itdd_implant_Request_prime_catheter_tag) {
    begin_answer(out, request_id);
    refuse(out, itdd_implant_ResultCode_RESULT_UNKNOWN_COMMAND, "payload",
           "a request this implant does not know");
    return;
  }
  if (!allowed(role, tag)) {
    begin_answer(out, request_id);
    refuse(out, itdd_implant_ResultCode_RESULT_NOT_AUTHORISED, "payload",
           "this device's role may not make this request");
    return;
  }
  // The sender's own journal lane: its ids are looked up and recorded there, and nowhere else.
  const std::optional<CommandSource> source = command_source(pairing.link_state(), caller.peer);
  if (is_therapy_command(tag) && !source) {
    begin_answer(out, request_id);
    refuse(out, itdd_implant_ResultCode_RESULT_REFUSED, "session",
           "this device is no longer paired with the implant");
    return;
  }
  const auto& p = request.payload;
  switch (tag) {
    case itdd_implant_Request_close_session_tag:
      begin_answer(out, request_id);
      ok(out, 0);
      return;
    case itdd_implant_Request_interrogate_tag:
      begin_answer(out, request_id);
      interrogate(implant, now, out);
      return;
    case itdd_implant_Request_program_tag:
      // A whole prescription (its days already in received.prescription): converted and
      // programmed by the handler before it answers.
      program(implant, *source, p.program, received.refused_step, received.prescription, request_id,
              now, out);
      return;
    case itdd_implant_Request_refill_tag: {
      const itdd_implant_Refill req = p.refill;
      begin_answer(out, request_id);
      refill(implant, *source, req, now, out);
      return;
    }
    case itdd_implant_Request_clinician_bolus_tag: {
      const itdd_implant_ClinicianBolus req = p.clinician_bolus;
      begin_answer(out, request_id);
      clinician_bolus(implant, *source, req, now, out);
      return;
    }
    case itdd_implant_Request_patient_bolus_tag: {
      const itdd_implant_PatientBolusRequest req = p.patient_bolus;
      begin_answer(out, request_id);
      patient_bolus(implant, *source, req, now, out);
      return;
    }
    case itdd_implant_Request_silence_alarm_tag: {
      const itdd_implant_SilenceAlarm req = p.silence_alarm;
      begin_answer(out, request_id);
      silence(implant, req, role, now, out);
      return;
    }
    case itdd_implant_Request_alarm_test_tag: {
      begin_answer(out, request_id);
      const Status s = implant.alarm_test(now);
      if (s) {
        ok(out, 0);
      } else {
        refuse(out, s.error());
      }
      return;
    }
    case itdd_implant_Request_set_clock_tag: {
      const itdd_implant_SetClock req = p.set_clock;
      begin_answer(out, request_id);
      set_clock(implant, req, now, out);
      return;
    }
    case itdd_implant_Request_read_event_log_tag: {
      const itdd_implant_ReadEventLog req = p.read_event_log;
      begin_answer(out, request_id);
      read_log(implant, req, out);
      return;
    }
    case itdd_implant_Request_read_delivery_history_tag: {
      const itdd_implant_ReadDeliveryHistory req = p.read_delivery_history;
      begin_answer(out, request_id);
      read_history(implant, req, out);
      return;
    }
    case itdd_implant_Request_query_command_status_tag: {
      // Only the asking device's own commands: another device's ids are not its business, and
      // "unknown" is all it learns about them.
      const std::uint64_t id = p.query_command_status.command_id;
      begin_answer(out, request_id);
      ok(out, itdd_implant_Response_command_status_tag);
      out.payload.command_status.command_id = id;
      out.payload.command_status.state =
          state_to_wire(source ? implant.command_outcome(*source, id) : CommandOutcome::kUnknown);
      return;
    }
    case itdd_implant_Request_open_pairing_window_tag: {
      const itdd_implant_OpenPairingWindow req = p.open_pairing_window;
      begin_answer(out, request_id);
      open_pairing(implant, pairing, req, role, now, out);
      return;
    }
    case itdd_implant_Request_list_paired_devices_tag:
      begin_answer(out, request_id);
      list_paired(implant, pairing, out);
      return;
    case itdd_implant_Request_revoke_paired_device_tag: {
      const itdd_implant_RevokePairedDevice req = p.revoke_paired_device;
      begin_answer(out, request_id);
      revoke(pairing, req, role, now, out);
      return;
    }
    case itdd_implant_Request_prime_catheter_tag: {
      const itdd_implant_PrimeCatheter req = p.prime_catheter;
      begin_answer(out, request_id);
      prime(implant, *source, req, now, out);
      return;
    }
    default:
      begin_answer(out, request_id);
      refuse(out, itdd_implant_ResultCode_RESULT_UNKNOWN_COMMAND, "payload",
             "a request this implant does not know");
      return;
  }
}

}  // namespace itdd::app
