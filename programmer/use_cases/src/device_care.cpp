#include "itdd/programmer/use_cases/device_care.h"

#include <fmt/format.h>

#include <string_view>

#include "itdd/programmer/requests.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {
namespace {

std::string ml_text(Volume v) {
  return fmt::format("{:.3f} mL", static_cast<double>(v.count()) / 1e6);
}

}  // namespace

// ---------------------------------------------------------------- prime

host::Checked<PrimePlan> prepare_prime(UseCaseSession& s, Volume catheter) {
  const host::Checked<ImplantStatus> st = interrogate(s);
  if (!st.ok()) return st.error();
  PrimePlan p;
  p.pump_dead_volume = st->pump_dead_volume;
  p.catheter = catheter;
  p.total = p.pump_dead_volume + catheter;
  p.rate = st->priming_rate;
  if (p.rate.count() > 0) p.takes = time_to_deliver(p.total, p.rate);
  return p;
}

PrimeOutcome commit_prime(UseCaseSession& s, const PrimePlan& plan) {
  PrimeOutcome out;
  out.sent.command_id = new_command_id(s.crypto);
  out.sent.result =
      s.client.command(prime_request(out.sent.command_id, plan.catheter), out.sent.command_id);
  if (!out.sent.applied()) return out;
  const CommandResult& r = out.sent.result;
  if (r.response && r.response->which_payload == itdd_Response_priming_tag) {
    out.started = r.response->payload.priming;
    out.what = fmt::format("prime: {} (pump dead volume and catheter)",
                           ml_text(Volume(out.started->volume_nl)));
  } else {
    out.what = "prime (the implant confirmed it; its answer was lost)";
  }
  out.recorded = record_change(s, ChangeKind::kPrime, out.what);
  return out;
}

// ---------------------------------------------------------------- clinician bolus

host::Checked<BolusPlan> prepare_bolus(UseCaseSession& s, const DrugLibrary& library,
                                       const BolusInput& input) {
  const host::Checked<ImplantStatus> st = interrogate(s);
  if (!st.ok()) return st.error();
  const std::optional<therapy::Drug>& held = st->reservoir.drug;
  if (!input.expected_drug.empty() && held && input.expected_drug != held->name.data()) {
    return host::Refusal{"drug", fmt::format("the implant holds {}", held->name.data()),
                         host::RefusalKind::kInvalidArgument};
  }
  const Result<BolusReview> reviewed = review_bolus(st.value(), library, input.dose, input.unit,
                                                    input.duration, log_reader(s.client));
  if (!reviewed.ok()) {
    const Error& e = reviewed.error();
    if (std::string_view(e.field) == "unit") {
      const char* unit = held && held->unit == DoseUnit::kMicrogram ? "mcg" : "mg";
      return host::Refusal{
          "unit",
          fmt::format("the implant holds {}, dosed in {}: check the drug and give the "
                      "dose in {}",
                      held ? held->name.data() : "", unit, unit),
          host::RefusalKind::kInvalidArgument};
    }
    if (std::string_view(e.field) == "reservoir") {
      return host::Refusal{"reservoir", e.message, host::RefusalKind::kInvalidArgument};
    }
    return host::Refusal{
        "",
        fmt::format("{}: the event log could not be read for the clinician boluses of "
                    "the last 24 hours ({}): nothing was sent",
                    s.implant_name, error_text(e)),
        host::RefusalKind::kRefused};
  }
  BolusPlan plan;
  plan.review = reviewed.value();
  plan.override_reason = input.override_reason;
  plan.accepted =
      accept(plan.review.check, input.override_reason.empty()
                                    ? std::nullopt
                                    : std::optional<std::string>(input.override_reason));
  return plan;
}

host::Checked<BolusOutcome> commit_bolus(UseCaseSession& s, const BolusPlan& plan) {
  if (!plan.accepted.ok()) {
    return host::Refusal{"override_reason", error_text(plan.accepted.error()),
                         host::RefusalKind::kInvalidArgument};
  }
  const BolusReview& b = plan.review;
  BolusOutcome out;
  out.sent.command_id = new_command_id(s.crypto);
  out.sent.result = s.client.command(
      clinician_bolus_request(out.sent.command_id, b.dose, b.duration), out.sent.command_id);
  if (!out.sent.applied()) return out;
  const CommandResult& c = out.sent.result;
  if (c.response && c.response->which_payload == itdd_Response_bolus_started_tag) {
    out.started = c.response->payload.bolus_started;
  }
  const DoseCheck& check = b.check;
  const std::string verdict = check.needs_override() ? "needs override, reason given" : "within";
  out.what = fmt::format(
      "clinician bolus {} of {} over {}; drug library: {}, {} in the heaviest 24 h",
      format_amount(b.dose, b.drug.unit), b.drug.name.data(), format_duration(b.duration), verdict,
      format_dose(check.max_daily_dose, b.drug.unit));
  out.recorded = record_session(s, "bolus", [&](std::int64_t session) -> std::string {
    ChangeRecord change;
    change.session_id = session;
    change.at_ms = s.now_utc_ms();
    change.kind = ChangeKind::kBolus;
    change.what = out.what;
    nlohmann::ordered_json detail = bolus_review_json(b);
    detail["command"] = out.what;
    change.detail_json = detail.dump();
    if (auto added = s.record->db->add_change(change); !added.ok()) {
      return added.error().text();
    }
    return record_overrides(s, session, b.drug.name.data(), check, plan.override_reason);
  });
  return out;
}

// ---------------------------------------------------------------- alarms

std::optional<itdd_AlarmKind> alarm_kind_named(const std::string& name, std::string* known) {
  std::optional<itdd_AlarmKind> found;
  for (int k = itdd_AlarmKind_ALARM_KIND_LOW_RESERVOIR; k <= _itdd_AlarmKind_MAX; ++k) {
    const char* n = alarm_name(static_cast<itdd_AlarmKind>(k));
    if (name == n) found = static_cast<itdd_AlarmKind>(k);
    if (known != nullptr) *known += known->empty() ? n : std::string(", ") + n;
  }
  return found;
}

host::Checked<Recorded> silence_alarm(UseCaseSession& s, itdd_AlarmKind kind, Duration length) {
  const Result<protocol::Request> request = silence_alarm_request(kind, length);
  if (!request.ok())
    return host::Refusal{"for", error_text(request.error()), host::RefusalKind::kInvalidArgument};
  const host::Checked<protocol::Response> r = call_ok(s, request.value());
  if (!r.ok()) return r.error();
  return record_change(
      s, ChangeKind::kAlarm,
      fmt::format("{} alarm silenced for {}", alarm_name(kind), format_duration(length)));
}

host::Checked<Recorded> test_alarm(UseCaseSession& s) {
  const host::Checked<protocol::Response> r = call_ok(s, alarm_test_request());
  if (!r.ok()) return r.error();
  return record_change(s, ChangeKind::kAlarm, "alarm test");
}

// ---------------------------------------------------------------- clock

host::Checked<ClockPlan> prepare_set_clock(UseCaseSession& s, std::optional<WallTime> wall) {
  if (!wall && s.zone == nullptr) {
    return host::Refusal{
        "time_zone", "the clinic's time, in which zone? (this computer's zone is never assumed)",
        host::RefusalKind::kInvalidArgument};
  }
  const host::Checked<ImplantStatus> st = interrogate(s);
  if (!st.ok()) return st.error();
  ClockPlan p;
  p.implant_reads = st->wall;
  p.clinic_now = !wall;
  p.to = wall ? *wall : s.zone->local(s.now_utc_ms());
  return p;
}

host::Checked<ClockOutcome> commit_set_clock(UseCaseSession& s, const ClockPlan& plan) {
  // The clinic's now is read at the last moment: its local time when the clock is sent.
  const WallTime to = plan.clinic_now ? s.zone->local(s.now_utc_ms()) : plan.to;
  const host::Checked<protocol::Response> r = call_ok(s, set_clock_request(to));
  if (!r.ok()) return r.error();
  ClockOutcome out;
  out.was = plan.implant_reads;
  out.to = to;
  out.moved_ms = to.ms() - plan.implant_reads.ms();
  out.recorded = record_change(s, ChangeKind::kClock,
                               fmt::format("clock set to {} (it read {})", format_wall(to.ms()),
                                           format_wall(plan.implant_reads.ms())));
  return out;
}

// ---------------------------------------------------------------- downloads

host::Checked<EventLogDownload> download_event_log(UseCaseSession& s, std::uint32_t from_seq) {
  const host::Checked<ImplantStatus> st = interrogate(s);
  if (!st.ok()) return st.error();
  EventLogDownload out;
  out.read_at = st.value();
  out.wall_offset_ms = st->wall_offset_ms();
  std::uint32_t from = from_seq;
  // Page by page; the log holds a few thousand records (32 a page), so this ends.
  for (int page = 0; page < 100'000; ++page) {
    const host::Checked<protocol::Response> r = call_ok(s, read_event_log_request(from));
    if (!r.ok()) return r.error();
    if (r->which_payload != itdd_Response_event_log_tag) {
      return host::Refusal{"", refusal(r.value()), host::RefusalKind::kRefused};
    }
    const itdd_EventLogPage& p = r->payload.event_log;
    out.newest_seq = p.newest_seq;
    out.records.insert(out.records.end(), p.records, p.records + p.records_count);
    if (p.records_count == 0) break;
    const std::uint32_t last = p.records[p.records_count - 1].seq;
    if (last >= p.newest_seq) break;
    from = last + 1;
  }
  return out;
}

host::Checked<HistoryDownload> download_history(UseCaseSession& s, std::int64_t hours) {
  const host::Checked<ImplantStatus> st = interrogate(s);
  if (!st.ok()) return st.error();
  HistoryDownload out;
  out.read_at = st.value();
  out.wall_offset_ms = st->wall_offset_ms();
  itdd_DeliveryHistoryPage page{};
  const auto read_page = [&](std::int64_t from_hour,
                             std::uint32_t count) -> std::optional<host::Refusal> {
    const host::Checked<protocol::Response> r =
        call_ok(s, read_delivery_history_request(from_hour, count));
    if (!r.ok()) return r.error();
    if (r->which_payload != itdd_Response_delivery_history_tag) {
      return host::Refusal{"", refusal(r.value()), host::RefusalKind::kRefused};
    }
    page = r->payload.delivery_history;
    return std::nullopt;
  };
  // The newest hour first (any page says it), then the hours asked for, page by page.
  if (auto stop = read_page(0, 1)) return *stop;
  out.newest_hour = page.newest_hour;
  out.from_hour = out.newest_hour < 0 ? 0 : std::max<std::int64_t>(0, out.newest_hour - hours + 1);
  constexpr auto kPage = static_cast<std::int64_t>(sizeof(page.hours) / sizeof(page.hours[0]));
  for (std::int64_t h = out.from_hour; out.newest_hour >= 0 && h <= out.newest_hour; h += kPage) {
    if (auto stop = read_page(h, 0)) return *stop;
    for (pb_size_t i = 0; i < page.hours_count; ++i) {
      if (page.hours[i].hour_index <= out.newest_hour) out.hours.push_back(page.hours[i]);
    }
  }
  return out;
}

}  // namespace itdd::programmer
