#include "sample_messages.h"

#include <cstdint>
#include <cstring>
#include <limits>

#include "itdd/protocol/prescription_wire.h"

namespace itdd::protocol::samples {
namespace {

constexpr std::int64_t kWide = std::numeric_limits<std::int64_t>::min();  // 10-byte varint

void set_string(char* to, std::size_t capacity, const char* from) {
  std::memset(to, 0, capacity);
  const std::size_t n = std::strlen(from);
  std::memcpy(to, from, n < capacity - 1 ? n : capacity - 1);
}

itdd_Prescription wire(const therapy::Prescription& rx) {
  Result<itdd_Prescription> w = prescription_to_wire(rx);
  return w.ok() ? w.value() : itdd_Prescription{};
}

itdd_ImplantStatus status(const therapy::Prescription& rx, bool widest) {
  itdd_ImplantStatus s{};
  s.activity = itdd_Activity_ACTIVITY_BASAL;
  s.has_prescription = true;
  s.prescription = wire(rx);
  if (widest) {
    // The wire's steps at their widest, wider than an implant's step holds (therapy::FlexStep:
    // a 16-bit start and a 32-bit dose): the schema's bound is for any peer's message.
    for (itdd_DayProgram& day : s.prescription.flex.days) {
      for (itdd_FlexStep& step : day.steps) {
        step.start_minute = std::numeric_limits<std::int32_t>::min();
        step.dose_ng_per_day = kWide;
      }
    }
  }
  s.prescription_token = 0x0123456789ABCDEFull;
  s.has_reservoir = true;
  s.reservoir.filled = true;
  s.reservoir.has_drug = true;
  s.reservoir.drug = s.prescription.drug;
  s.reservoir.concentration_ng_per_ml = widest ? kWide : 25'000'000;
  s.reservoir.remaining_nl = widest ? kWide : 15'400'000;
  s.reservoir.low_threshold_nl = widest ? kWide : 2'000'000;
  s.reservoir.has_low_at_wall_ms = true;
  s.reservoir.low_at_wall_ms = widest ? kWide : 1'767'225'600'000;
  s.reservoir.has_empty_at_wall_ms = true;
  s.reservoir.empty_at_wall_ms = widest ? kWide : 1'769'904'000'000;
  s.has_battery = true;
  s.battery.status = itdd_BatteryStatus_BATTERY_STATUS_ELECTIVE_REPLACEMENT;
  s.battery.remaining_permille = widest ? 0xFFFFFFFFu : 182;
  s.battery.longevity_ms = widest ? kWide : 180LL * 86'400'000;
  s.battery.has_eri_wall_ms = true;
  s.battery.eri_wall_ms = widest ? kWide : 1'760'000'000'000;
  s.battery.faulty_cell = true;
  const pb_size_t alarms = widest ? 14 : 2;
  s.alarms_count = alarms;
  for (pb_size_t i = 0; i < alarms; ++i) {
    s.alarms[i].kind = static_cast<itdd_AlarmKind>(i + 1);
    s.alarms[i].alarm_class = i % 2 == 0 ? itdd_AlarmClass_ALARM_CLASS_CRITICAL
                                         : itdd_AlarmClass_ALARM_CLASS_NON_CRITICAL;
    s.alarms[i].silenced = true;
    s.alarms[i].has_silenced_until_wall_ms = true;
    s.alarms[i].silenced_until_wall_ms = widest ? kWide : 1'760'000'360'000 + i;
  }
  s.implant_ms = widest ? kWide : 31'536'000'123;
  s.wall_ms = widest ? kWide : 1'760'000'000'000;
  s.clock_valid = true;
  s.delivered_nl = widest ? kWide : 4'600'000;
  s.current_flow_nl_per_day = widest ? kWide : 80'000;
  s.has_patient_bolus = true;
  s.patient_bolus.used_in_24h = widest ? 0xFFFFFFFFu : 2;
  s.patient_bolus.max_per_24h = widest ? 0xFFFFFFFFu : 4;
  s.patient_bolus.left_in_24h = widest ? 0xFFFFFFFFu : 2;
  s.patient_bolus.allowed_now = false;
  set_raw_enum(s.patient_bolus.refusal, widest ? -1 : itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT);
  s.patient_bolus.has_next_allowed_wall_ms = true;
  s.patient_bolus.next_allowed_wall_ms = widest ? kWide : 1'760'001'800'000;
  s.reservoir.capacity_nl = widest ? kWide : 20'000'000;
  s.catheter_volume_nl = widest ? kWide : 250'000;
  s.pump_dead_volume_nl = widest ? kWide : 200'000;
  s.priming_rate_nl_per_day = widest ? kWide : 24'000'000;
  return s;
}

}  // namespace

therapy::Prescription continuous_prescription() {
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = Concentration(25 * kNanogramsPerMilligram);
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = DoseRate(2 * kNanogramsPerMilligram);
  rx.patient_bolus = {true, DrugAmount(100'000), minutes(10), 4, hours(3)};
  return rx;
}

therapy::Prescription weekday_prescription() {
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("baclofen", DoseUnit::kMicrogram);
  rx.concentration = Concentration(2 * kNanogramsPerMilligram);
  rx.mode = therapy::BasalMode::kFlexible;
  rx.flex.per_weekday = true;
  for (std::size_t d = 0; d < 7; ++d) {
    therapy::DayProgram& day = rx.flex.days[d];
    day.step_count = static_cast<std::uint8_t>(2 + d);
    for (std::size_t i = 0; i < day.step_count; ++i) {
      const Status set =
          day.steps[i].set(static_cast<std::int32_t>(i * 120),
                           DoseRate(static_cast<std::int64_t>(200'000 + 10'000 * (d + i))));
      if (!set) day.step_count = 0;  // cannot happen: the values fit, as the tests show
    }
  }
  return rx;
}

therapy::Prescription widest_prescription() {
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("abcdefghijklmnopqrstuvw", DoseUnit::kMicrogram);  // 23 chars
  rx.concentration = Concentration(kWide);
  rx.mode = therapy::BasalMode::kFlexible;
  rx.continuous_dose = DoseRate(kWide);
  rx.flex.per_weekday = true;
  for (therapy::DayProgram& day : rx.flex.days) {
    day.step_count = therapy::kMaxStepsPerDay;
    // The widest a step holds (the wire's widest steps: status() below).
    for (therapy::FlexStep& step : day.steps) {
      if (!step.set(therapy::kMinutesPerDay - 1, DoseRate(therapy::FlexStep::kMaxDoseNgPerDay))) {
        day.step_count = 0;  // cannot happen: the values fit
      }
    }
  }
  rx.patient_bolus = {true, DrugAmount(kWide), Duration(kWide), 255, Duration(kWide)};
  return rx;
}

std::vector<Request> requests() {
  std::vector<Request> out;
  std::uint32_t id = 100;
  const auto make = [&](pb_size_t tag) {
    Request r{};
    r.request_id = id++;
    r.which_payload = tag;
    return r;
  };
  out.push_back(make(itdd_Request_close_session_tag));
  out.push_back(make(itdd_Request_interrogate_tag));
  {
    Request r = make(itdd_Request_program_tag);
    r.payload.program.command_id = 0xFEEDFACECAFEBEEFull;
    r.payload.program.replaces_token = 0x0123456789ABCDEFull;
    r.payload.program.has_prescription = true;
    r.payload.program.prescription = wire(weekday_prescription());
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_refill_tag);
    itdd_Refill& f = r.payload.refill;
    f.command_id = 2;
    f.volume_nl = 20'000'000;
    f.has_drug = true;
    set_string(f.drug.name, sizeof f.drug.name, "morphine");
    f.drug.unit = itdd_DoseUnit_DOSE_UNIT_MILLIGRAM;
    f.concentration_ng_per_ml = 25'000'000;
    f.low_reservoir_threshold_nl = 2'000'000;
    f.bridge = true;
    f.refill_due_in_ms = 90LL * 86'400'000;
    f.drug_stable_for_ms = 60LL * 86'400'000;
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_clinician_bolus_tag);
    r.payload.clinician_bolus = {3, 500'000, 3'600'000};
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_patient_bolus_tag);
    r.payload.patient_bolus.command_id = 4;
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_silence_alarm_tag);
    r.payload.silence_alarm.kind = itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR;
    r.payload.silence_alarm.duration_ms = 3'600'000;
    out.push_back(r);
  }
  out.push_back(make(itdd_Request_alarm_test_tag));
  {
    Request r = make(itdd_Request_set_clock_tag);
    r.payload.set_clock.wall_ms = 1'760'000'000'000;
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_read_event_log_tag);
    r.payload.read_event_log = {1200, 32};
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_read_delivery_history_tag);
    r.payload.read_delivery_history = {480'000, 48};
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_query_command_status_tag);
    r.payload.query_command_status.command_id = 0xFEEDFACECAFEBEEFull;
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_open_pairing_window_tag);
    r.payload.open_pairing_window.role = itdd_Role_ROLE_PATIENT;
    r.payload.open_pairing_window.window_ms = 300'000;
    out.push_back(r);
  }
  out.push_back(make(itdd_Request_list_paired_devices_tag));
  {
    Request r = make(itdd_Request_revoke_paired_device_tag);
    r.payload.revoke_paired_device.device_id.size = 32;
    for (std::uint8_t i = 0; i < 32; ++i) r.payload.revoke_paired_device.device_id.bytes[i] = i;
    out.push_back(r);
  }
  {
    Request r = make(itdd_Request_prime_catheter_tag);
    r.payload.prime_catheter = {5, 286'000};
    out.push_back(r);
  }
  return out;
}

std::vector<Response> responses() {
  std::vector<Response> out;
  std::uint32_t id = 100;
  const auto make = [&](pb_size_t tag) {
    Response r{};
    r.request_id = id++;
    r.result = itdd_ResultCode_RESULT_OK;
    r.which_payload = tag;
    return r;
  };
  {
    Response r = make(itdd_Response_status_tag);
    r.payload.status = status(continuous_prescription(), false);
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_programmed_tag);
    r.payload.programmed.prescription_token = 0x1111222233334444ull;
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_refilled_tag);
    r.payload.refilled.has_bridge = true;
    r.payload.refilled.bridge = {true, 260'000, 20'800, 1'080'000'000, 25'000'000, 50'000'000};
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_bolus_started_tag);
    r.payload.bolus_started = {500'000, 1'760'003'600'000};
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_patient_bolus_tag);
    r.payload.patient_bolus.granted = false;
    r.payload.patient_bolus.refusal = itdd_BolusRefusal_BOLUS_REFUSAL_LOCKOUT;
    r.payload.patient_bolus.has_next_allowed_wall_ms = true;
    r.payload.patient_bolus.next_allowed_wall_ms = 1'760'001'800'000;
    r.payload.patient_bolus.left_in_24h = 3;
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_event_log_tag);
    itdd_EventLogPage& page = r.payload.event_log;
    page.records_count = 3;
    for (pb_size_t i = 0; i < 3; ++i) {
      page.records[i] = {1200u + i, 86'400'000LL * i, 0x0100u + i, i, -5LL * i, 7LL * i};
    }
    page.newest_seq = 4000;
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_delivery_history_tag);
    itdd_DeliveryHistoryPage& page = r.payload.delivery_history;
    page.hours_count = 4;
    for (pb_size_t i = 0; i < 4; ++i) page.hours[i] = {480'000 + i, 3'333 + i, 3 + i};
    page.newest_hour = 480'100;
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_command_status_tag);
    r.payload.command_status = {0xFEEDFACECAFEBEEFull, itdd_CommandState_COMMAND_STATE_APPLIED};
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_pairing_window_tag);
    r.payload.pairing_window.role = itdd_Role_ROLE_CLINICIAN;
    set_string(r.payload.pairing_window.code, sizeof r.payload.pairing_window.code, "48213907");
    r.payload.pairing_window.expires_at_wall_ms = 1'760'000'300'000;
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_paired_devices_tag);
    itdd_PairedDevices& list = r.payload.paired_devices;
    list.devices_count = 2;
    for (pb_size_t i = 0; i < 2; ++i) {
      itdd_PairedDevice& d = list.devices[i];
      d.device_id.size = 32;
      for (std::uint8_t b = 0; b < 32; ++b) d.device_id.bytes[b] = static_cast<std::uint8_t>(b + i);
      d.role = i == 0 ? itdd_Role_ROLE_CLINICIAN : itdd_Role_ROLE_PATIENT;
      set_string(d.label, sizeof d.label, i == 0 ? "clinic tablet 1" : "patient handheld");
      d.paired_at_wall_ms = 1'750'000'000'000 + i;
    }
    out.push_back(r);
  }
  {
    Response r = make(itdd_Response_priming_tag);
    r.payload.priming = {486'000, 1'760'001'749'600};
    out.push_back(r);
  }
  {
    // A refusal: no payload, the field and the reason.
    Response r{};
    r.request_id = id++;
    r.result = itdd_ResultCode_RESULT_INVALID;
    r.has_error = true;
    set_string(r.error.field, sizeof r.error.field, "flex.steps.start");
    r.error.index = 2;
    r.error.sub_index = 5;
    set_string(r.error.message, sizeof r.error.message,
               "steps must be in increasing order of start time");
    out.push_back(r);
  }
  return out;
}

Response largest_response() {
  Response r{};
  r.request_id = std::numeric_limits<std::uint32_t>::max();
  r.result = itdd_ResultCode_RESULT_UNKNOWN_COMMAND;
  r.has_error = true;
  std::memset(r.error.field, 'f', sizeof r.error.field - 1);
  std::memset(r.error.message, 'm', sizeof r.error.message - 1);
  r.error.index = std::numeric_limits<std::int32_t>::min();
  r.error.sub_index = std::numeric_limits<std::int32_t>::min();
  r.error.limit = itdd_ErrorLimit_ERROR_LIMIT_MAXIMUM;
  r.error.unit = itdd_ErrorUnit_ERROR_UNIT_NANOLITRES_PER_DAY;
  r.error.requested = std::numeric_limits<std::int64_t>::min();
  r.error.allowed = std::numeric_limits<std::int64_t>::min();
  r.which_payload = itdd_Response_status_tag;
  r.payload.status = status(widest_prescription(), true);
  return r;
}

LinkError link_error() {
  LinkError e{};
  e.code = itdd_LinkErrorCode_LINK_ERROR_BAD_VERSION;
  e.min_version = 1;
  e.max_version = kProtocolVersion;
  set_string(e.message, sizeof e.message, "this implant speaks protocol version 1");
  return e;
}

}  // namespace itdd::protocol::samples
