// The dashboard's server (clinic_server.h): routes, who may call them, and the answers.
#include "itdd/web/clinic_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <mutex>
#include <optional>

#include "api_json.h"
#include "implant_actions.h"
#include "itdd/host/json_reader.h"
#include "itdd/programmer/accounts.h"
#include "itdd/programmer/clinic_overview.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/fhir_export.h"
#include "itdd/programmer/patient_view.h"
#include "itdd/programmer/uploads.h"

namespace itdd::web {

using namespace itdd::programmer;

namespace {

constexpr const char* kCookie = "itdd_session";
constexpr std::int64_t kDay = kMillisPerDay;

// What a handler answers: a status and a JSON body, and what the audit log says of it.
struct Reply {
  Reply() = default;
  Reply(int s, Json b) : status(s), body(std::move(b)) {}
  int status = 200;
  Json body = Json::object();
  std::string audit_target;
  std::string audit_detail;
  // A document rather than JSON of the API (the FHIR export): sent as it is, with its media
  // type, as a download named `file_name`.
  std::string document;
  std::string media_type;
  std::string file_name;
};

Reply error_reply(int status, std::string field, std::string message) {
  Reply r;
  r.status = status;
  r.body = {{"error", {{"field", std::move(field)}, {"message", std::move(message)}}}};
  return r;
}

int status_of(const host::Refusal& e) {
  switch (e.kind) {
    case host::RefusalKind::kInvalidArgument:
    case host::RefusalKind::kMismatch:
      return 400;
    case host::RefusalKind::kNotFound:
      return 404;
    case host::RefusalKind::kConflict:
    case host::RefusalKind::kRefused:
    case host::RefusalKind::kCapacity:
      return 409;
    case host::RefusalKind::kNotInitialised:
    case host::RefusalKind::kSchemaTooNew:
    case host::RefusalKind::kUnavailable:
    case host::RefusalKind::kCorrupt:
    case host::RefusalKind::kIo:
      return 503;
    case host::RefusalKind::kUncertain:    // a use case's outcomes after it sent a command,
    case host::RefusalKind::kNotRecorded:  // said as outcomes by implant_actions, not as errors
      return 500;
  }
  return 500;
}

// `request_field` names what the request called the thing looked up (a path segment or a query
// parameter): a lookup that found nothing points there, not at the database's own name for it.
Reply db_reply(const host::Refusal& e, std::string request_field = "") {
  const bool lookup = e.kind == host::RefusalKind::kNotFound && !request_field.empty();
  return error_reply(status_of(e), lookup ? std::move(request_field) : e.field, e.message);
}

// A whole number from a query parameter, within [lo, hi].
host::Checked<std::int64_t> whole_param(const httplib::Request& req, const char* name,
                                        std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    return host::Refusal{
        name, fmt::format("'{}' is not a whole number from {} to {}", text.substr(0, 40), lo, hi)};
  }
  return v;
}

std::string cookie_token(const httplib::Request& req) {
  const std::string cookies = req.get_header_value("Cookie");
  const std::string key = std::string(kCookie) + "=";
  std::size_t at = 0;
  while (at < cookies.size()) {
    while (at < cookies.size() && (cookies[at] == ' ' || cookies[at] == ';')) ++at;
    const std::size_t end = std::min(cookies.find(';', at), cookies.size());
    if (cookies.compare(at, key.size(), key) == 0) {
      return cookies.substr(at + key.size(), end - at - key.size());
    }
    at = end;
  }
  return "";
}

Json me_json(const SignedIn& in, const std::string& zone) {
  return {{"user", in.user.user_name},
          {"display_name", in.user.display_name},
          {"role", role_name(in.user.role)},
          {"csrf_token", in.session.csrf_token},
          {"time_zone", zone},
          {"expires_at_ms", in.session.expires_at_ms}};
}

}  // namespace

struct ClinicServer::Impl {
  ServerOptions options;
  std::unique_ptr<ClinicDb> db;
  DrugLibrary library;
  std::mutex db_mutex;  // one request at a time on the one connection
  httplib::Server http;
  int port = 0;
  std::unique_ptr<ImplantActions> actions;

  // An action against a connected implant, with the context it needs.
  using Action = ActionReply (ImplantActions::*)(const httplib::Request&, ImplantActions::Context&);
  void action(const std::string& pattern, const char* audit_as, Action a) {
    route("POST", pattern, Permission::kChangeTherapy, audit_as,
          [this, a](const httplib::Request& req, const SignedIn& who) {
            const host::TimeZone z = zone();
            ImplantActions::Context c{*db, library, z, [this] { return now(); }, who};
            ActionReply done = ((*actions).*a)(req, c);
            Reply r(done.status, std::move(done.body));
            r.audit_target = done.target;
            r.audit_detail = done.detail;
            return r;
          });
  }

  std::int64_t now() const {
    if (options.now_ms) return options.now_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  using Handler = std::function<Reply(const httplib::Request&, const SignedIn&)>;

  // A route: who may call it, whether it changes anything (then it needs the CSRF token and
  // is audited as `action`), and its handler.
  void route(const std::string& method, const std::string& pattern, Permission permission,
             const char* action, Handler handler) {
    const auto wrapped = [this, permission, action, handler](const httplib::Request& req,
                                                             httplib::Response& res) {
      Reply reply;
      std::string user;
      {
        const std::lock_guard<std::mutex> lock(db_mutex);
        reply = guarded(req, permission, action, handler, user);
        if (action != nullptr) audit(user, action, reply);
      }
      send(res, reply);
    };
    if (method == "GET")
      http.Get(pattern, wrapped);
    else
      http.Post(pattern, wrapped);
  }

  Reply guarded(const httplib::Request& req, Permission permission, const char* action,
                const Handler& handler, std::string& user) {
    try {
      const host::Checked<std::optional<SignedIn>> who =
          authenticate(*db, cookie_token(req), now());
      if (!who.ok()) return db_reply(who.error());
      if (!who->has_value()) {
        return error_reply(401, "session", "not logged in, or the session expired: log in again");
      }
      const SignedIn& in = **who;
      user = in.user.user_name;
      if (action != nullptr && !csrf_matches(in.session, req.get_header_value("X-CSRF-Token"))) {
        return error_reply(403, "csrf",
                           "the request did not carry this session's CSRF token (header "
                           "X-CSRF-Token): nothing was done; reload the page");
      }
      if (!role_may(in.user.role, permission)) {
        return error_reply(403, "role",
                           fmt::format("a {} account may not {}: ask a clinician",
                                       role_name(in.user.role), permission_text(permission)));
      }
      return handler(req, in);
    } catch (const std::exception& e) {
      return error_reply(500, "", std::string("internal error, nothing changed: ") + e.what());
    }
  }

  void audit(const std::string& user, const char* action, const Reply& reply) {
    // Refused before anyone was known (no session): nothing to attribute, not recorded.
    if (user.empty()) return;
    std::string outcome = reply.status < 400 ? "ok" : fmt::format("refused {}", reply.status);
    std::string detail = reply.audit_detail;
    if (reply.status >= 400 && reply.body.contains("error")) {
      detail = reply.body["error"].value("message", "");
    }
    (void)db->add_audit(
        {0, now(), user, action, reply.audit_target, outcome, detail.substr(0, 500)});
  }

  static void send(httplib::Response& res, const Reply& reply) {
    res.status = reply.status;
    res.set_header("Cache-Control", "no-store");
    if (!reply.document.empty()) {
      res.set_header("Content-Disposition",
                     fmt::format("attachment; filename=\"{}\"", reply.file_name));
      res.set_content(reply.document, reply.media_type);
      return;
    }
    res.set_content(reply.body.dump(), "application/json; charset=utf-8");
  }

  host::TimeZone zone() {
    const host::Checked<host::TimeZone> z = db->time_zone();
    if (z.ok()) return *z;
    return *host::find_time_zone("UTC");
  }

  void install();
  void login(const httplib::Request& req, httplib::Response& res);
  void logout(const httplib::Request& req, httplib::Response& res);
  Reply overview(const httplib::Request& req);
  Reply due(const httplib::Request& req);
  Reply patient(const std::string& mrn);
  Reply fhir(const std::string& mrn);
  Reply series(const httplib::Request& req, const std::string& serial);
  Reply sessions(const httplib::Request& req);
  Reply session(const std::string& id_text);
  Reply upload(const httplib::Request& req, const std::string& serial);
};

void ClinicServer::Impl::install() {
  http.set_payload_max_length(options.max_body_bytes);
  http.set_keep_alive_max_count(100);
  http.set_read_timeout(5, 0);
  http.set_write_timeout(5, 0);
  http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                            {"X-Frame-Options", "DENY"},
                            {"Referrer-Policy", "no-referrer"}});
  if (!options.ui_dir.empty() && std::filesystem::is_directory(options.ui_dir)) {
    http.set_mount_point("/", options.ui_dir.string());
  }
  // Errors httplib itself answers (no route, a body too large, a request it cannot read): JSON
  // under /api/, plain text elsewhere; a handler's own answer is left as it is.
  http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req,
                                                                 httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = res.status == 404 ? "no such page"
                          : res.status == 413
                              ? "the request's body is over 64 KiB: send less"
                              : fmt::format("the request could not be read (HTTP {})", res.status);
    if (req.path.rfind("/api/", 0) == 0) {
      res.set_content(
          Json{{"error", {{"field", res.status == 404 ? "path" : ""}, {"message", message}}}}
              .dump(),
          "application/json; charset=utf-8");
    } else {
      res.set_content(message + "\n", "text/plain; charset=utf-8");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));

  http.Post("/api/login",
            [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
  http.Post("/api/logout",
            [this](const httplib::Request& req, httplib::Response& res) { logout(req, res); });
  route("GET", "/api/me", Permission::kView, nullptr,
        [this](const httplib::Request&, const SignedIn& in) {
          return Reply{200, me_json(in, zone().name())};
        });
  route("GET", "/api/overview", Permission::kView, nullptr,
        [this](const httplib::Request& req, const SignedIn&) { return overview(req); });
  route("GET", "/api/due", Permission::kView, nullptr,
        [this](const httplib::Request& req, const SignedIn&) { return due(req); });
  route("GET", R"(/api/patients/([^/]+))", Permission::kView, nullptr,
        [this](const httplib::Request& req, const SignedIn&) { return patient(req.matches[1]); });
  route("GET", R"(/api/patients/([^/]+)/fhir)", Permission::kView, nullptr,
        [this](const httplib::Request& req, const SignedIn&) { return fhir(req.matches[1]); });
  route(
      "GET", R"(/api/pumps/([^/]+)/series)", Permission::kView, nullptr,
      [this](const httplib::Request& req, const SignedIn&) { return series(req, req.matches[1]); });
  route("GET", "/api/sessions", Permission::kView, nullptr,
        [this](const httplib::Request& req, const SignedIn&) { return sessions(req); });
  route("GET", R"(/api/sessions/([^/]+))", Permission::kView, nullptr,
        [this](const httplib::Request& req, const SignedIn&) { return session(req.matches[1]); });
  route("GET", "/api/drugs", Permission::kView, nullptr,
        [this](const httplib::Request&, const SignedIn&) {
          return Reply{200, Json::parse(library.to_json().dump())};
        });
  route("GET", "/api/audit", Permission::kManageAccounts, nullptr,
        [this](const httplib::Request& req, const SignedIn&) {
          const auto limit = whole_param(req, "limit", 200, 1, 10'000);
          if (!limit.ok()) return error_reply(400, limit.error().field, limit.error().message);
          const auto entries = db->audit_log(*limit);
          if (!entries.ok()) return db_reply(entries.error());
          Json list = Json::array();
          for (const AuditEntry& a : *entries) list.push_back(audit_json(a));
          return Reply{200, {{"entries", list}}};
        });
  action("/api/implant/interrogate", "interrogate", &ImplantActions::interrogate);
  action("/api/implant/program/review", "program-review", &ImplantActions::program_review);
  action("/api/implant/program/confirm", "program", &ImplantActions::program_confirm);
  action("/api/implant/refill/review", "refill-review", &ImplantActions::refill_review);
  action("/api/implant/refill/confirm", "refill", &ImplantActions::refill_confirm);
  action("/api/implant/prime/review", "prime-review", &ImplantActions::prime_review);
  action("/api/implant/prime/confirm", "prime", &ImplantActions::prime_confirm);
  action("/api/implant/bolus/review", "bolus-review", &ImplantActions::bolus_review);
  action("/api/implant/bolus/confirm", "bolus", &ImplantActions::bolus_confirm);
  route(
      "POST", R"(/api/pumps/([^/]+)/uploads)", Permission::kRecordUploads, "upload",
      [this](const httplib::Request& req, const SignedIn&) { return upload(req, req.matches[1]); });
}

void ClinicServer::Impl::login(const httplib::Request& req, httplib::Response& res) {
  struct Credentials {
    std::string user;
    std::string password;
  };
  const host::Checked<Credentials> creds =
      host::read_json(req.body, [](const host::JsonValue& root) {
        const host::JsonObject o = root.object({"user", "password"});
        return Credentials{o.string("user"), o.string("password")};
      });
  if (!creds.ok()) {
    send(res, error_reply(400, creds.error().field, creds.error().message));
    return;
  }
  Reply reply;
  // The password is checked outside the lock (crypto_pwhash takes tens of milliseconds): other
  // requests go on meanwhile.
  LoginAttempt attempt;
  {
    const std::lock_guard<std::mutex> lock(db_mutex);
    attempt = start_login(*db, creds->user, creds->password, now(), {}, options.password_cost);
  }
  const bool matched = check_login_password(attempt, creds->password);
  {
    const std::lock_guard<std::mutex> lock(db_mutex);
    const LoginOutcome out = finish_login(*db, attempt, matched, now());
    switch (out.verdict) {
      case LoginVerdict::kSignedIn: {
        const SignedIn& in = *out.signed_in;
        reply.body = me_json(in, zone().name());
        std::string cookie =
            fmt::format("{}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}", kCookie, in.token,
                        (in.session.expires_at_ms - in.session.created_at_ms) / 1000);
        if (options.secure_cookie) cookie += "; Secure";
        res.set_header("Set-Cookie", cookie);
        break;
      }
      case LoginVerdict::kBackingOff: {
        reply = error_reply(429, out.refusal.field, out.refusal.message);
        const std::int64_t seconds = (out.retry_after_ms + 999) / 1000;
        reply.body["retry_after_s"] = seconds;
        res.set_header("Retry-After", std::to_string(seconds));
        break;
      }
      case LoginVerdict::kWrongCredentials:
        reply = error_reply(401, out.refusal.field, out.refusal.message);
        break;
      case LoginVerdict::kUnavailable:
        reply = error_reply(503, out.refusal.field, out.refusal.message);
        break;
    }
    const std::string name = creds->user.substr(0, 64);
    reply.audit_detail = out.verdict == LoginVerdict::kSignedIn ? "" : out.refusal.message;
    if (out.verdict != LoginVerdict::kUnavailable) audit(name, "login", reply);
  }
  send(res, reply);
}

void ClinicServer::Impl::logout(const httplib::Request& req, httplib::Response& res) {
  Reply reply;
  {
    const std::lock_guard<std::mutex> lock(db_mutex);
    std::string user;
    reply = guarded(
        req, Permission::kView, "logout",
        [&](const httplib::Request&, const SignedIn&) {
          const host::Checked<void> ended = programmer::logout(*db, cookie_token(req));
          if (!ended.ok()) return db_reply(ended.error());
          return Reply{};
        },
        user);
    audit(user, "logout", reply);
  }
  if (reply.status == 200) {
    res.set_header("Set-Cookie",
                   fmt::format("{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0", kCookie));
  }
  send(res, reply);
}

Reply ClinicServer::Impl::overview(const httplib::Request& req) {
  const std::int64_t now_ms = now();
  const auto within = whole_param(req, "due_within_days", 14, 0, 366);
  if (!within.ok()) return error_reply(400, within.error().field, within.error().message);
  OverviewFilter filter;
  filter.search = req.get_param_value("q").substr(0, 200);
  filter.drug = req.get_param_value("drug").substr(0, 64);
  filter.state = req.get_param_value("status");
  filter.risk = req.get_param_value("risk");
  const std::string active = req.has_param("active") ? req.get_param_value("active") : "true";
  if (active != "true" && active != "all") {
    return error_reply(400, "active", "give true (active pumps) or all");
  }
  filter.include_inactive = active == "all";
  const host::Checked<ClinicSnapshot> snap = db->clinic_snapshot();
  if (!snap.ok()) return db_reply(snap.error());
  const host::TimeZone z = zone();
  OverviewOptions opts;
  opts.due_within_ms = *within * kDay;
  const std::vector<OverviewRow> rows = build_overview(*snap, library, now_ms, z, opts);
  const auto kept = filter_overview(rows, filter);
  if (!kept.ok()) return error_reply(400, kept.error().field, kept.error().message);
  Json list = Json::array();
  int rank = 0;
  for (const OverviewRow& r : *kept) list.push_back(overview_row_json(r, ++rank, z));
  return Reply{200,
               {{"now_ms", now_ms},
                {"time_zone", z.name()},
                {"today", z.date_at(now_ms)},
                {"due_within_days", *within},
                {"rows", list}}};
}

Reply ClinicServer::Impl::due(const httplib::Request& req) {
  const auto within = whole_param(req, "within_days", 14, 0, 366);
  if (!within.ok()) return error_reply(400, within.error().field, within.error().message);
  const std::int64_t now_ms = now();
  const auto rows = db->due(now_ms, *within * kDay, withdrawal_risk_rank(library));
  if (!rows.ok()) return db_reply(rows.error());
  const host::TimeZone z = zone();
  Json list = Json::array();
  for (const DueRow& r : *rows) list.push_back(due_row_json(r, library));
  return Reply{200,
               {{"today", z.date_at(now_ms)},
                {"time_zone", z.name()},
                {"within_days", *within},
                {"rows", list}}};
}

Reply ClinicServer::Impl::patient(const std::string& mrn) {
  const host::Checked<PatientRecord> p = db->find_patient_by_mrn(mrn);
  if (!p.ok()) return db_reply(p.error(), "mrn");
  const host::Checked<ClinicSnapshot> snap = db->clinic_snapshot(p->id);
  if (!snap.ok()) return db_reply(snap.error());
  const host::TimeZone z = zone();
  const std::vector<OverviewRow> rows = build_overview(*snap, library, now(), z);
  Json pumps = Json::array();
  for (const OverviewRow& r : rows) {
    if (r.pump) pumps.push_back(patient_pump_json(r, z));
  }
  const auto sessions = db->recent_sessions(200, p->id);
  if (!sessions.ok()) return db_reply(sessions.error());
  Json session_list = Json::array();
  for (const SessionReport& s : *sessions) session_list.push_back(session_row_json(s));
  const auto trials = db->trials(p->id);
  if (!trials.ok()) return db_reply(trials.error());
  Json trial_list = Json::array();
  for (const TrialRecord& t : *trials) trial_list.push_back(trial_json(t));
  return Reply{200,
               {{"patient", patient_json(*p, z)},
                {"pumps", pumps},
                {"sessions", session_list},
                {"trials", trial_list}}};
}

// The patient's FHIR R4 bundle (programmer/fhir), the same bytes `itdd clinic export --fhir`
// writes, as a download.
Reply ClinicServer::Impl::fhir(const std::string& mrn) {
  const host::Checked<FhirJson> bundle = fhir_patient_bundle(*db, mrn, library);
  if (!bundle.ok()) return db_reply(bundle.error(), "mrn");
  Reply r;
  r.document = fhir_bundle_text(*bundle);
  r.media_type = "application/fhir+json; fhirVersion=4.0; charset=utf-8";
  // The MRN in a file name: letters, digits, '-' and '_' kept, anything else '_'.
  std::string name;
  for (const char c : mrn)
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  r.file_name = fmt::format("{}-fhir-r4.json", name.substr(0, 64));
  return r;
}

Reply ClinicServer::Impl::series(const httplib::Request& req, const std::string& serial) {
  const std::int64_t now_ms = now();
  const auto to =
      whole_param(req, "to_ms", now_ms, 0, std::numeric_limits<std::int64_t>::max() / 2);
  if (!to.ok()) return error_reply(400, to.error().field, to.error().message);
  const auto from = whole_param(req, "from_ms", *to - 365 * kDay, 0,
                                std::numeric_limits<std::int64_t>::max() / 2);
  if (!from.ok()) return error_reply(400, from.error().field, from.error().message);
  const host::Checked<PumpRecord> pump = db->find_pump_by_serial(serial);
  if (!pump.ok()) return db_reply(pump.error(), "serial");
  const host::TimeZone z = zone();
  const host::Checked<PumpSeries> s = pump_series(*db, pump->id, *from, *to, z);
  if (!s.ok()) return db_reply(s.error());
  const host::Checked<ClinicSnapshot> snap = db->clinic_snapshot(pump->patient_id);
  if (!snap.ok()) return db_reply(snap.error());
  const std::vector<OverviewRow> rows = build_overview(*snap, library, now_ms, z);
  const OverviewRow* row = nullptr;
  for (const OverviewRow& r : rows) {
    if (r.pump && r.pump->id == pump->id) row = &r;
  }
  return Reply{200, series_json(*s, *pump, row)};
}

Reply ClinicServer::Impl::sessions(const httplib::Request& req) {
  const auto limit = whole_param(req, "limit", 200, 1, 1000);
  if (!limit.ok()) return error_reply(400, limit.error().field, limit.error().message);
  std::optional<std::int64_t> patient_id;
  if (req.has_param("patient")) {
    const host::Checked<PatientRecord> p = db->find_patient_by_mrn(req.get_param_value("patient"));
    if (!p.ok()) return db_reply(p.error(), "patient");
    patient_id = p->id;
  }
  std::string serial;
  if (req.has_param("serial")) {
    const host::Checked<PumpRecord> p = db->find_pump_by_serial(req.get_param_value("serial"));
    if (!p.ok()) return db_reply(p.error(), "serial");
    serial = p->serial;
    patient_id = p->patient_id;
  }
  // With a serial, the patient's sessions are read and those of that pump kept.
  const auto found = db->recent_sessions(serial.empty() ? *limit : 10'000, patient_id);
  if (!found.ok()) return db_reply(found.error());
  Json list = Json::array();
  for (const SessionReport& s : *found) {
    if (!serial.empty() && s.pump.serial != serial) continue;
    if (static_cast<std::int64_t>(list.size()) >= *limit) break;
    list.push_back(session_row_json(s));
  }
  return Reply{200, {{"sessions", list}}};
}

Reply ClinicServer::Impl::session(const std::string& id_text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size() || id < 1) {
    return error_reply(400, "id",
                       fmt::format("'{}' is not a session number", id_text.substr(0, 40)));
  }
  const host::Checked<SessionReport> r = db->session_report(id);
  if (!r.ok()) return db_reply(r.error(), "id");
  Json changes = Json::array();
  for (const ChangeRecord& c : r->changes) changes.push_back(change_json(c));
  return Reply{200, {{"session", session_row_json(*r)}, {"changes", changes}}};
}

Reply ClinicServer::Impl::upload(const httplib::Request& req, const std::string& serial) {
  struct Upload {
    std::string kind;
    std::string document;
  };
  const host::Checked<Upload> in = host::read_json(req.body, [](const host::JsonValue& root) {
    const host::JsonObject o = root.object({"kind", "document"});
    const host::JsonValue doc = o.required("document");
    if (!doc.json().is_object())
      doc.refuse("must be the JSON object `itdd programmer log/history --out` wrote");
    return Upload{o.string("kind"), doc.json().dump()};
  });
  if (!in.ok()) return error_reply(400, in.error().field, in.error().message);
  if (in->kind != "log" && in->kind != "history") {
    return error_reply(400, "kind", "give log (an event log) or history (hourly delivery)");
  }
  const host::Checked<PumpRecord> pump = db->find_pump_by_serial(serial);
  if (!pump.ok()) return db_reply(pump.error(), "serial");
  const host::Checked<DownloadedRecords> records = downloaded_records_from_text(in->document);
  if (!records.ok()) {
    const std::string field = records.error().field.empty() ? std::string("document")
                                                            : "document." + records.error().field;
    return error_reply(400, field, records.error().message);
  }
  const bool log = records->kind == DownloadedRecords::Kind::kEventLog;
  if (log != (in->kind == "log")) {
    return error_reply(400, "kind",
                       fmt::format("the document is {}, not what kind says",
                                   log ? "an event log" : "a delivery history"));
  }
  if (!pump->implant_public_key_hex.empty() && !records->implant_key.empty() &&
      pump->implant_public_key_hex != records->implant_key) {
    return error_reply(
        400, "document.implant_key",
        fmt::format("read from implant {}, but pump {} has implant key {}", records->implant_key,
                    pump->serial, pump->implant_public_key_hex));
  }
  const auto stored = log ? db->store_event_log(pump->id, records->records)
                          : db->store_delivery_hours(pump->id, records->hours);
  if (!stored.ok()) return db_reply(stored.error());
  if (records->wall_offset_ms) {
    const host::Checked<void> s =
        db->set_implant_clock_offset(pump->id, {*records->wall_offset_ms, now()});
    if (!s.ok()) return db_reply(s.error());
  }
  const std::int64_t total =
      static_cast<std::int64_t>(log ? records->records.size() : records->hours.size());
  Reply r{200, {{"stored", *stored}, {"already_stored", total - *stored}}};
  r.audit_target = pump->serial;
  r.audit_detail = fmt::format("{}: {} new of {}", in->kind, *stored, total);
  return r;
}

ClinicServer::ClinicServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClinicServer::~ClinicServer() {
  stop();
}

host::Checked<std::unique_ptr<ClinicServer>> ClinicServer::start(ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  host::Checked<std::unique_ptr<ClinicDb>> db = open_clinic_db(options.db_url, OpenMode::kExisting);
  if (!db.ok()) return host::Refusal{"db", db.error().text()};
  const host::Checked<int> version = (*db)->schema_version();
  if (!version.ok()) return host::Refusal{"db", version.error().text()};
  if (*version != latest_schema_version()) {
    return host::Refusal{
        "db", fmt::format("the clinic database is at schema version {}; this "
                          "itdd needs {}: run `itdd clinic {}` first",
                          *version, latest_schema_version(), *version == 0 ? "init" : "migrate")};
  }
  host::Checked<DrugLibrary> library = DrugLibrary::load(options.drug_library);
  if (!library.ok()) return host::Refusal{"library", library.error().text()};
  host::Checked<std::unique_ptr<ImplantActions>> actions =
      ImplantActions::open(options.key_file, options.passphrase_file);
  if (!actions.ok()) return actions.error();
  impl->actions = std::move(actions).value();
  impl->db = std::move(db.value());
  impl->library = std::move(library).value();
  impl->options = std::move(options);
  impl->install();
  const std::string& host = impl->options.host;
  if (impl->options.port == 0) {
    impl->port = impl->http.bind_to_any_port(host);
    if (impl->port <= 0) {
      return host::Refusal{"listen", fmt::format("cannot listen on {}: no free port", host)};
    }
  } else {
    if (!impl->http.bind_to_port(host, impl->options.port)) {
      return host::Refusal{"listen", fmt::format("cannot listen on {}:{} (in use, or not an "
                                                 "address of this machine)",
                                                 host, impl->options.port)};
    }
    impl->port = impl->options.port;
  }
  return std::unique_ptr<ClinicServer>(new ClinicServer(std::move(impl)));
}

int ClinicServer::port() const {
  return impl_->port;
}

std::string ClinicServer::address() const {
  const std::string& h = impl_->options.host;
  const bool v6 = h.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}/", v6 ? "[" : "", h, v6 ? "]" : "", impl_->port);
}

void ClinicServer::run() {
  impl_->http.listen_after_bind();
}

void ClinicServer::stop() {
  if (impl_) impl_->http.stop();
}

}  // namespace itdd::web
