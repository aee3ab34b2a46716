#include "itdd/programmer/use_cases/session.h"

#include <fmt/format.h>

#include <chrono>
#include <string_view>

#include "itdd/programmer/requests.h"

namespace itdd::programmer {
namespace {

const char* result_name(itdd_ResultCode r) {
  switch (r) {
    case itdd_ResultCode_RESULT_OK:
      return "ok";
    case itdd_ResultCode_RESULT_REFUSED:
      return "refused";
    case itdd_ResultCode_RESULT_INVALID:
      return "invalid";
    case itdd_ResultCode_RESULT_NOT_AUTHORISED:
      return "not authorised for this device's role";
    case itdd_ResultCode_RESULT_STALE_TOKEN:
      return "stale prescription token";
    case itdd_ResultCode_RESULT_BUSY:
      return "busy";
    case itdd_ResultCode_RESULT_UNKNOWN_COMMAND:
      return "a request this implant does not know";
    default:
      return "unspecified";
  }
}

}  // namespace

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string link_failure(const Error& e) {
  const std::string_view field = e.field;
  if (field == "busy") {
    return "the implant is busy: it is in a session with another device (a programmer or the "
           "patient's device); try again when that device has finished (a session left open "
           "ends after 10 minutes without traffic)";
  }
  if (field == "implant.not_paired") {
    return "the implant refused: this device is not paired with it (pair it through a "
           "clinician's pairing window, or check that the key file is this device's)";
  }
  if (field == "implant.wrong_key") {
    return "the implant refused: what this device sent did not authenticate (the key file "
           "does not match the pairing, or the implant ended the session); try again";
  }
  if (field == "implant.locked_out") {
    const std::string wait =
        e.index > 0 ? fmt::format("try again in {} s", e.index) : std::string("try again later");
    return fmt::format(
        "the implant refused: this device is locked out after failed attempts with its key, "
        "or is over its rate of handshakes; {} (someone may be trying this device's key: "
        "check the implant's event log)",
        wait);
  }
  if (field == "transport") {
    // The implant stays silent toward a key in a lockout (after one notice) and toward strangers
    // beyond a small budget: silence is not always distance.
    return error_text(e) +
           " (the implant may be out of range, or silent: after failed attempts with this "
           "device's key it says so once and then does not answer for up to 5 minutes)";
  }
  if (field == "implant.version") {
    return "the implant speaks another protocol version: update the programmer";
  }
  if (field == "implant") {
    return "the implant refused: this device is not paired or provisioned with it, the key "
           "file names another implant, or it is locked out after failed attempts (try again "
           "later)";
  }
  return error_text(e);
}

std::string refusal(const protocol::Response& r) {
  std::string s = fmt::format("the implant answered: {}", result_name(r.result));
  if (r.has_error && (r.error.field[0] != '\0' || r.error.message[0] != '\0')) {
    s += fmt::format(" ({})", error_text(protocol::error_from_wire(r.error)));
  }
  return s;
}

host::Checked<protocol::Response> call_ok(UseCaseSession& s, const protocol::Request& request) {
  const Result<protocol::Response> r = s.client.call(request);
  if (!r.ok()) {
    return host::Refusal{"", fmt::format("{}: {}", s.implant_name, link_failure(r.error())),
                         host::RefusalKind::kRefused};
  }
  if (r->result != itdd_ResultCode_RESULT_OK)
    return host::Refusal{"", refusal(r.value()), host::RefusalKind::kRefused};
  return r.value();
}

host::Checked<ImplantStatus> interrogate(UseCaseSession& s) {
  const host::Checked<protocol::Response> r = call_ok(s, interrogate_request());
  if (!r.ok()) return r.error();
  if (r->which_payload != itdd_Response_status_tag) {
    return host::Refusal{"", refusal(r.value()), host::RefusalKind::kRefused};
  }
  Result<ImplantStatus> status = implant_status_from_wire(r->payload.status);
  if (!status.ok()) {
    return host::Refusal{status.error().field,
                         fmt::format("{}: {}", s.implant_name, error_text(status.error())),
                         host::RefusalKind::kRefused};
  }
  return std::move(status).value();
}

LogPageReader log_reader(Client& client) {
  return [&client](std::uint32_t from) -> Result<itdd_EventLogPage> {
    const Result<protocol::Response> r = client.call(read_event_log_request(from));
    if (!r.ok()) return r.error();
    if (r->result != itdd_ResultCode_RESULT_OK || r->which_payload != itdd_Response_event_log_tag) {
      return make_error(ErrorCode::kRefused, "event_log", "the implant did not give its event log");
    }
    return r->payload.event_log;
  };
}

Recorded record_session(UseCaseSession& s, const std::string& summary,
                        const std::function<std::string(std::int64_t)>& write) {
  Recorded out;
  if (!s.recording()) return out;
  ClinicRecorder& rec = *s.record;
  SessionRecord session;
  session.pump_id = rec.pump.id;
  session.operator_name = rec.clinician;
  session.device = rec.device;
  session.started_at_ms = s.now_utc_ms();
  const auto id = rec.db->begin_session(session);
  if (!id.ok()) {
    out.error = id.error().text();
  } else if (const std::string e = write(id.value()); !e.empty()) {
    out.error = e;
  } else if (auto end = rec.db->end_session(id.value(), s.now_utc_ms(), summary); !end.ok()) {
    out.error = end.error().text();
  } else {
    out.session_id = id.value();
  }
  return out;
}

Recorded record_change(UseCaseSession& s, ChangeKind kind, const std::string& what) {
  return record_session(s, change_kind_name(kind), [&](std::int64_t id) -> std::string {
    ChangeRecord c;
    c.session_id = id;
    c.at_ms = s.now_utc_ms();
    c.kind = kind;
    c.what = what;
    c.detail_json = nlohmann::json{{"command", what}}.dump();
    const auto added = s.record->db->add_change(c);
    return added.ok() ? "" : added.error().text();
  });
}

std::string record_overrides(UseCaseSession& s, std::int64_t session, const std::string& drug,
                             const DoseCheck& check, const std::string& reason) {
  if (!check.needs_override() || !s.recording()) return "";
  for (const Finding& f : check.findings) {
    if (f.level != Level::kSoft) continue;
    OverrideRecord o;
    o.session_id = session;
    o.at_ms = s.now_utc_ms();
    o.drug = drug;
    o.field = f.field;
    o.limit_text = fmt::format("{} ({}) {}", f.message, f.limit, f.source);
    o.reason = reason;
    o.clinician = s.record->clinician;
    if (auto w = s.record->db->record_override(o); !w.ok()) return w.error().text();
  }
  return "";
}

}  // namespace itdd::programmer
