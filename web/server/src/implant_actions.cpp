// The dashboard's actions against a connected implant (implant_actions.h).
#include "implant_actions.h"

#include <fmt/format.h>
#include <sodium.h>

#include <array>

#include "care_review.h"
#include "itdd/host/decimal.h"
#include "itdd/host/json_reader.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/fixed_rate_pump.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/passphrase_input.h"
#include "itdd/programmer/status_report.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"
#include "itdd/programmer/use_cases/device_care.h"
#include "itdd/programmer/use_cases/program.h"
#include "itdd/programmer/use_cases/refill.h"

namespace itdd::web {

using namespace itdd::programmer;

namespace {

constexpr std::int64_t kReviewLifetimeMs = 5 * 60 * 1000;

ActionReply refuse(int status, std::string field, std::string message, std::string detail = "") {
  ActionReply r;
  r.status = status;
  r.body = {{"error", {{"field", std::move(field)}, {"message", std::move(message)}}}};
  if (!detail.empty()) r.body["error"]["detail"] = detail;
  return r;
}

// Where a use case stopped, as the API says it: bad input is a 4xx naming the field; the
// implant's refusal, an uncertain outcome or a change applied but not recorded is a 200 whose
// "outcome" says so (the page shows "uncertain: interrogate", never a guess).
ActionReply stopped(const host::Refusal& stop) {
  const Outcome outcome = outcome_of(stop);
  if (outcome == Outcome::kInvalidInput) {
    return refuse(400, stop.field, stop.message, stop.detail);
  }
  ActionReply r;
  r.body = {{"outcome", outcome == Outcome::kUncertain            ? "uncertain"
                        : outcome == Outcome::kAppliedNotRecorded ? "applied-not-recorded"
                                                                  : "refused"},
            {"message", stop.message}};
  if (!stop.detail.empty()) r.body["detail"] = stop.detail;
  if (!stop.field.empty()) r.body["field"] = stop.field;
  return r;
}

std::string random_hex() {
  std::array<unsigned char, 24> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

Json review_rows(const ProgramReview& review) {
  Json rows = Json::array();
  for (const ReviewRow& r : review.rows) {
    rows.push_back(
        {{"item", r.item}, {"before", r.before}, {"after", r.after}, {"changed", r.changed}});
  }
  return rows;
}

// A decimal typed in a form, at `scale` units per whole (refused naming `field`).
host::Checked<std::int64_t> decimal_of(const std::string& text, std::int64_t scale,
                                       const std::string& field, const std::string& unit) {
  const host::Checked<std::int64_t> v = host::parse_decimal(text, scale);
  if (!v.ok()) {
    return host::Refusal{field, fmt::format("'{}' is not a quantity in {}: {}", text.substr(0, 40),
                                            unit, v.error().message)};
  }
  return v;
}

}  // namespace

struct Pending {
  std::string kind;  // "program", "refill"
  std::string user;
  std::string serial;
  std::string implant;
  std::int64_t expires_at_ms = 0;
  std::optional<ProgramPlan> program;
  std::optional<RefillPreparation> refill;
  std::optional<PrimePlan> prime;
  std::optional<BolusPlan> bolus;
};

struct ImplantActions::Impl {
  host::SodiumCrypto crypto;
  DeviceKeys keys;
  bool have_keys = false;
  std::map<std::string, Pending> pending;

  // Opens a link session with the implant at `address` for `pump` and runs `body(session)`.
  template <class Body>
  ActionReply with_implant(Context& c, const PumpRecord& pump, const std::string& address,
                           Body body) {
    if (!have_keys) {
      return refuse(503, "key",
                    "the server has no programmer key: start it with `itdd clinic serve --key "
                    "FILE` (from `itdd programmer keygen`, provisioned on the implant)");
    }
    const Result<Endpoint> endpoint = parse_endpoint(address);
    if (!endpoint.ok()) {
      return refuse(400, "implant",
                    fmt::format("'{}': {} (give HOST:PORT)", address.substr(0, 60),
                                endpoint.error().message));
    }
    const Result<link::PublicKey> implant_key = public_key_from_hex(pump.implant_public_key_hex);
    if (pump.implant_public_key_hex.empty() || !implant_key.ok()) {
      return refuse(400, "serial",
                    fmt::format("pump {} has no implant key in the clinic database: pair it "
                                "(`itdd programmer pair`) or record a session with it first",
                                pump.serial));
    }
    TcpTransport transport;
    ClientOptions options;
    if (const Status connected = transport.connect(*endpoint, options.reply_timeout); !connected) {
      return refuse(502, "implant",
                    fmt::format("cannot reach the implant at {}: {}: nothing was "
                                "sent",
                                address, error_text(connected.error())));
    }
    Client client(crypto, keys.pair(), *implant_key, transport, options);
    ClinicRecorder recorder;
    recorder.db = &c.db;
    recorder.pump = pump;
    recorder.clinician = c.who.user.display_name;
    recorder.device = "itdd dashboard";
    UseCaseSession session{client, crypto, address, &c.zone, c.now_ms, &recorder};
    ActionReply reply = body(session);
    (void)client.close();
    reply.target = pump.serial;
    return reply;
  }

  std::optional<Pending> take(const std::string& token, const std::string& kind, Context& c,
                              ActionReply& refused) {
    // Reviews that ran out are forgotten.
    for (auto it = pending.begin(); it != pending.end();) {
      it = it->second.expires_at_ms <= c.now_ms() ? pending.erase(it) : std::next(it);
    }
    const auto it = pending.find(token);
    if (it == pending.end() || it->second.kind != kind || it->second.user != c.who.user.user_name) {
      refused = refuse(409, "review_token",
                       "this review is unknown, expired (5 minutes) or another account's: review "
                       "again");
      return std::nullopt;
    }
    Pending p = std::move(it->second);
    pending.erase(it);
    return p;
  }
};

ImplantActions::ImplantActions(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImplantActions::~ImplantActions() = default;

host::Checked<std::unique_ptr<ImplantActions>> ImplantActions::open(
    const std::filesystem::path& key_file, const std::string& passphrase_file) {
  auto impl = std::make_unique<Impl>();
  if (!key_file.empty()) {
    PassphraseOptions from;
    from.file = passphrase_file;
    from.terminal = false;
    const Status read =
        read_key_pair_file(key_file, impl->crypto, passphrase_source(from, ""), impl->keys);
    if (!read)
      return host::Refusal{"key",
                           fmt::format("{}: {}", key_file.string(), error_text(read.error()))};
    impl->have_keys = true;
  }
  return std::unique_ptr<ImplantActions>(new ImplantActions(std::move(impl)));
}

// The pump and the implant's address every action names.
struct Target {
  std::string serial;
  std::string implant;
};

// A fixed-rate (gas-driven) pump has no implant: refused (400) naming its kind, before any
// connection is tried.
static host::Checked<PumpRecord> pump_named(ClinicDb& db, const std::string& serial) {
  const host::Checked<PumpRecord> p = db.find_pump_by_serial(serial);
  if (!p.ok()) return host::Refusal{"serial", p.error().message, host::RefusalKind::kNotFound};
  const host::Checked<void> programmable =
      programmer::require_programmable(db, *p, "the dashboard's implant actions");
  if (!programmable.ok()) return host::Refusal{"serial", programmable.error().message};
  return *p;
}

static int status_of(const host::Refusal& e) {
  return e.kind == host::RefusalKind::kNotFound ? 404 : 400;
}

ActionReply ImplantActions::interrogate(const httplib::Request& req, Context& c) {
  const host::Checked<Target> t = host::read_json(req.body, [](const host::JsonValue& root) {
    const host::JsonObject o = root.object({"serial", "implant"});
    return Target{o.string("serial"), o.string("implant")};
  });
  if (!t.ok()) return refuse(400, t.error().field, t.error().message);
  const host::Checked<PumpRecord> pump = pump_named(c.db, t->serial);
  if (!pump.ok()) return refuse(status_of(pump.error()), "serial", pump.error().message);
  return impl_->with_implant(c, *pump, t->implant, [&](UseCaseSession& s) {
    const host::Checked<programmer::ImplantStatus> status = programmer::interrogate(s);
    if (!status.ok()) return stopped(status.error());
    ActionReply r;
    r.body = {{"outcome", "done"},
              {"status", Json::parse(status_json(status.value()).dump())},
              {"text", format_status(status.value())}};
    return r;
  });
}

ActionReply ImplantActions::program_review(const httplib::Request& req, Context& c) {
  struct Form {
    Target target;
    std::string drug, concentration, unit, mode, dose, override_reason;
  };
  const host::Checked<Form> f = host::read_json(req.body, [](const host::JsonValue& root) {
    const host::JsonObject o = root.object(
        {"serial", "implant", "drug", "concentration", "unit", "mode", "dose", "override_reason"});
    Form out;
    out.target = {o.string("serial"), o.string("implant")};
    out.drug = o.string("drug");
    out.concentration = o.string("concentration");
    out.unit = o.string("unit");
    out.mode = o.string("mode");
    if (const auto d = o.optional("dose")) out.dose = d->string();
    if (const auto r = o.optional("override_reason")) out.override_reason = r->string_or_empty();
    return out;
  });
  if (!f.ok()) return refuse(400, f.error().field, f.error().message);
  const DrugSpec* spec = c.library.find(f->drug);
  if (spec == nullptr) {
    return refuse(400, "drug",
                  fmt::format("'{}' is not in the drug library: known {}", f->drug.substr(0, 40),
                              c.library.names()));
  }
  const std::string unit = unit_name(spec->unit);
  if (f->unit != unit) {
    return refuse(400, "unit",
                  fmt::format("{} is dosed in {}, not '{}': type the doses in {}", spec->name, unit,
                              f->unit.substr(0, 10), unit));
  }
  const std::int64_t ng = nanograms_per(spec->unit);
  ProgramInput input;
  input.entry.drug = therapy::make_drug(spec->name.c_str(), spec->unit);
  const auto conc = decimal_of(f->concentration, ng, "concentration", unit + "/mL");
  if (!conc.ok()) return refuse(400, conc.error().field, conc.error().message);
  input.entry.concentration = Concentration(*conc);
  if (f->mode == "stop") {
    input.entry.mode = EntryMode::kStop;
  } else if (f->mode == "continuous") {
    input.entry.mode = EntryMode::kContinuous;
    const auto d = decimal_of(f->dose, ng, "dose", unit + "/day");
    if (!d.ok()) return refuse(400, d.error().field, d.error().message);
    input.entry.dose = DoseRate(*d);
  } else {
    return refuse(400, "mode",
                  "give continuous (with dose) or stop (flexible programs: use "
                  "`itdd programmer program --step`)");
  }
  input.override_reason = f->override_reason;
  const Result<therapy::Prescription> built = build_prescription(input.entry);
  if (!built.ok()) return refuse(400, built.error().field, error_text(built.error()));
  const host::Checked<PumpRecord> pump = pump_named(c.db, f->target.serial);
  if (!pump.ok()) return refuse(status_of(pump.error()), "serial", pump.error().message);
  return impl_->with_implant(c, *pump, f->target.implant, [&](UseCaseSession& s) {
    host::Checked<ProgramPlan> plan = prepare_program(s, c.library, input);
    if (!plan.ok()) return stopped(plan.error());
    const ProgramPlan& p = plan.value();
    Json check = Json::parse(dose_check_json(p.check).dump());
    if (p.check.blocked()) {
      ActionReply r = refuse(400, "dose",
                             fmt::format("the drug library blocks this program ({}): nothing "
                                         "can be sent",
                                         error_text(p.accepted.error())));
      r.body["dose_check"] = check;
      r.body["review"] = review_rows(p.review);
      return r;
    }
    ActionReply r;
    r.body = {{"review", review_rows(p.review)},
              {"dose_check", check},
              {"needs_override_reason", p.check.needs_override()},
              {"accepted", p.accepted.ok()},
              {"any_change", p.any_change()}};
    if (!p.accepted.ok()) {
      r.body["message"] = error_text(p.accepted.error());
    } else if (p.any_change()) {
      const std::string token = random_hex();
      impl_->pending[token] = Pending{"program",
                                      c.who.user.user_name,
                                      f->target.serial,
                                      f->target.implant,
                                      c.now_ms() + kReviewLifetimeMs,
                                      p,
                                      std::nullopt,
                                      std::nullopt,
                                      std::nullopt};
      r.body["review_token"] = token;
      r.body["expires_at_ms"] = c.now_ms() + kReviewLifetimeMs;
    }
    return r;
  });
}

// {"review_token": "...", "confirm": true}
static host::Checked<std::string> confirmation(const std::string& body) {
  return host::read_json(body, [](const host::JsonValue& root) {
    const host::JsonObject o = root.object({"review_token", "confirm"});
    if (!o.boolean("confirm")) o.required("confirm").refuse("must be true: nothing was sent");
    return o.string("review_token");
  });
}

// Every confirm's first steps: the confirmation read, the pending review of `kind` taken (once,
// by the account that made it, in time), its pump found and a session opened with its implant;
// then `body(session, pending)`.
template <class Impl, class Ctx, class Body>
static ActionReply confirm_pending(Impl& impl, const httplib::Request& req, Ctx& c,
                                   const char* kind, Body body) {
  const host::Checked<std::string> token = confirmation(req.body);
  if (!token.ok()) return refuse(400, token.error().field, token.error().message);
  ActionReply refused;
  std::optional<Pending> p = impl.take(*token, kind, c, refused);
  if (!p) return refused;
  const host::Checked<PumpRecord> pump = pump_named(c.db, p->serial);
  if (!pump.ok()) return refuse(status_of(pump.error()), "serial", pump.error().message);
  return impl.with_implant(c, *pump, p->implant, [&](UseCaseSession& s) { return body(s, *p); });
}

ActionReply ImplantActions::program_confirm(const httplib::Request& req, Context& c) {
  return confirm_pending(*impl_, req, c, "program", [&](UseCaseSession& s, const Pending& p) {
    const host::Checked<ProgramOutcome> done = commit_program(s, *p.program);
    if (!done.ok()) return stopped(done.error());
    const Sent& sent = done->sent;
    if (sent.result.delivery == Delivery::kNotApplied) {
      return stopped(
          host::Refusal{"", "the implant did not apply the program", host::RefusalKind::kRefused});
    }
    if (sent.result.delivery == Delivery::kUncertain) {
      return stopped(
          host::Refusal{"",
                        "nobody knows whether the implant applied the program: interrogate it "
                        "before anything else",
                        host::RefusalKind::kUncertain});
    }
    if (done->after) return stopped(*done->after);
    ActionReply r;
    r.body = {{"outcome", "done"},
              {"verified", done->verified},
              {"read_back", review_rows(p.program->review)},
              {"prescription_token", fmt::format("0x{:016x}", done->token)},
              {"session_id",
               done->recorded.session_id ? Json(*done->recorded.session_id) : Json(nullptr)}};
    if (!done->recorded.error.empty()) {
      r.body["outcome"] = "applied-not-recorded";
      r.body["message"] = done->recorded.error;
    }
    r.detail = "program applied and read back";
    return r;
  });
}

ActionReply ImplantActions::refill_review(const httplib::Request& req, Context& c) {
  struct Form {
    Target target;
    std::string drug, concentration, unit, volume_ml, withdrawn_ml, low_alarm_ml, acknowledge,
        bridge;
    bool undiluted = false;
  };
  const host::Checked<Form> f = host::read_json(req.body, [](const host::JsonValue& root) {
    const host::JsonObject o =
        root.object({"serial", "implant", "drug", "concentration", "unit", "volume_ml",
                     "withdrawn_ml", "low_alarm_ml", "acknowledge", "bridge", "undiluted"});
    Form out;
    out.target = {o.string("serial"), o.string("implant")};
    out.drug = o.string("drug");
    out.concentration = o.string("concentration");
    out.unit = o.string("unit");
    out.volume_ml = o.string("volume_ml");
    if (const auto v = o.optional("withdrawn_ml")) out.withdrawn_ml = v->string();
    if (const auto v = o.optional("low_alarm_ml")) out.low_alarm_ml = v->string();
    if (const auto v = o.optional("acknowledge")) out.acknowledge = v->string_or_empty();
    if (const auto v = o.optional("bridge")) out.bridge = v->string();
    out.undiluted = o.boolean_or("undiluted", false);
    return out;
  });
  if (!f.ok()) return refuse(400, f.error().field, f.error().message);
  const DrugSpec* spec = c.library.find(f->drug);
  if (spec == nullptr) {
    return refuse(400, "drug",
                  fmt::format("'{}' is not in the drug library: known {}", f->drug.substr(0, 40),
                              c.library.names()));
  }
  const std::string unit = unit_name(spec->unit);
  if (f->unit != unit) {
    return refuse(
        400, "unit",
        fmt::format("{} is measured in {}, not '{}'", spec->name, unit, f->unit.substr(0, 10)));
  }
  RefillInput input;
  RefillEntry& e = input.entry;
  e.drug = therapy::make_drug(spec->name.c_str(), spec->unit);
  const auto conc =
      decimal_of(f->concentration, nanograms_per(spec->unit), "concentration", unit + "/mL");
  if (!conc.ok()) return refuse(400, conc.error().field, conc.error().message);
  e.concentration = Concentration(*conc);
  if (const auto stop = check_refill_concentration(*spec, e.concentration)) return stopped(*stop);
  const auto volume = decimal_of(f->volume_ml, kNanolitresPerMillilitre, "volume_ml", "mL");
  if (!volume.ok()) return refuse(400, volume.error().field, volume.error().message);
  e.volume = Volume(*volume);
  if (!f->withdrawn_ml.empty()) {
    const auto w = decimal_of(f->withdrawn_ml, kNanolitresPerMillilitre, "withdrawn_ml", "mL");
    if (!w.ok()) return refuse(400, w.error().field, w.error().message);
    e.withdrawn = Volume(*w);
  }
  if (!f->low_alarm_ml.empty()) {
    const auto l = decimal_of(f->low_alarm_ml, kNanolitresPerMillilitre, "low_alarm_ml", "mL");
    if (!l.ok()) return refuse(400, l.error().field, l.error().message);
    e.low_alarm = Volume(*l);
  }
  if (!f->bridge.empty()) {
    if (f->bridge != "yes" && f->bridge != "no") return refuse(400, "bridge", "give yes or no");
    e.bridge = f->bridge == "yes";
  }
  e.acknowledgement = f->acknowledge;
  input.undiluted = f->undiluted;
  const host::Checked<PumpRecord> pump = pump_named(c.db, f->target.serial);
  if (!pump.ok()) return refuse(status_of(pump.error()), "serial", pump.error().message);
  return impl_->with_implant(c, *pump, f->target.implant, [&](UseCaseSession& s) {
    host::Checked<RefillPreparation> prepared = prepare_refill(s, c.library, *spec, input);
    if (!prepared.ok()) {
      ActionReply r = stopped(prepared.error());
      // The form names its fields with their unit.
      if (r.status == 400) {
        std::string& field = r.body["error"]["field"].get_ref<std::string&>();
        if (field == "withdrawn" || field == "volume" || field == "low_alarm") field += "_ml";
      }
      return r;
    }
    const RefillPreparation& p = prepared.value();
    ActionReply r;
    Json notes = p.plan.notes;
    r.body = {{"kind", describe(p.plan.kind)},
              {"bridge", p.plan.bridge},
              {"notes", notes},
              {"warnings", p.warnings},
              {"capacity_nl", p.capacity.count()}};
    if (p.plan.check) {
      r.body["expected_nl"] = p.plan.check->expected.count();
      r.body["withdrawn_nl"] = p.plan.check->withdrawn.count();
      r.body["difference_nl"] = p.plan.check->difference.count();
      r.body["finding"] = refill_finding_name(p.plan.check->finding);
      r.body["withdrawal_text"] = withdrawal_text(p.plan);
    }
    const std::string token = random_hex();
    impl_->pending[token] = Pending{"refill",
                                    c.who.user.user_name,
                                    f->target.serial,
                                    f->target.implant,
                                    c.now_ms() + kReviewLifetimeMs,
                                    std::nullopt,
                                    p,
                                    std::nullopt,
                                    std::nullopt};
    r.body["review_token"] = token;
    r.body["expires_at_ms"] = c.now_ms() + kReviewLifetimeMs;
    return r;
  });
}

ActionReply ImplantActions::refill_confirm(const httplib::Request& req, Context& c) {
  return confirm_pending(*impl_, req, c, "refill", [&](UseCaseSession& s, const Pending& p) {
    const host::Checked<RefillOutcome> done = commit_refill(s, *p.refill);
    if (!done.ok()) return stopped(done.error());
    const Sent& sent = done->sent;
    if (sent.result.delivery == Delivery::kNotApplied) {
      return stopped(
          host::Refusal{"", "the implant did not apply the refill", host::RefusalKind::kRefused});
    }
    if (sent.result.delivery == Delivery::kUncertain) {
      return stopped(
          host::Refusal{"",
                        "nobody knows whether the implant recorded the refill: interrogate it "
                        "before anything else",
                        host::RefusalKind::kUncertain});
    }
    if (done->after) return stopped(*done->after);
    ActionReply r;
    r.body = {{"outcome", "done"},
              {"next_refill", done->next.reason},
              {"session_id",
               done->recorded.session_id ? Json(*done->recorded.session_id) : Json(nullptr)}};
    if (!done->recorded.error.empty()) {
      r.body["outcome"] = "applied-not-recorded";
      r.body["message"] = done->recorded.error;
    }
    r.detail = "refill applied; " + done->next.reason;
    return r;
  });
}

// The answer to a therapy command sent: done, or why not (refused, uncertain).
static std::optional<ActionReply> not_done(const Sent& sent, const char* what) {
  if (sent.result.delivery == Delivery::kNotApplied) {
    const std::string why = sent.result.response ? ": " + refusal(*sent.result.response) : "";
    return stopped(host::Refusal{"", fmt::format("the implant did not apply the {}{}", what, why),
                                 host::RefusalKind::kRefused});
  }
  if (sent.result.delivery == Delivery::kUncertain) {
    return stopped(host::Refusal{"",
                                 fmt::format("nobody knows whether the implant applied the {}: "
                                             "interrogate it before anything else",
                                             what),
                                 host::RefusalKind::kUncertain});
  }
  return std::nullopt;
}

// The read-back of a priming or a bolus: the implant interrogated after the command (empty
// when that failed: the page says to interrogate).
static std::optional<programmer::ImplantStatus> read_after(UseCaseSession& s) {
  const host::Checked<programmer::ImplantStatus> after = programmer::interrogate(s);
  if (!after.ok()) return std::nullopt;
  return after.value();
}

static Json recorded_json(const Recorded& r) {
  return r.session_id ? Json(*r.session_id) : Json(nullptr);
}

ActionReply ImplantActions::prime_review(const httplib::Request& req, Context& c) {
  struct Form {
    Target target;
    std::string catheter_ml;
  };
  const host::Checked<Form> f = host::read_json(req.body, [](const host::JsonValue& root) {
    const host::JsonObject o = root.object({"serial", "implant", "catheter_volume_ml"});
    return Form{{o.string("serial"), o.string("implant")}, o.string("catheter_volume_ml")};
  });
  if (!f.ok()) return refuse(400, f.error().field, f.error().message);
  const auto ml = decimal_of(f->catheter_ml, kNanolitresPerMillilitre, "catheter_volume_ml", "mL");
  if (!ml.ok()) return refuse(400, ml.error().field, ml.error().message);
  const host::Checked<PumpRecord> pump = pump_named(c.db, f->target.serial);
  if (!pump.ok()) return refuse(status_of(pump.error()), "serial", pump.error().message);
  return impl_->with_implant(c, *pump, f->target.implant, [&](UseCaseSession& s) {
    // What the implant does now, for the old column (prepare_prime reads only its volumes).
    const host::Checked<programmer::ImplantStatus> now = programmer::interrogate(s);
    if (!now.ok()) return stopped(now.error());
    const host::Checked<PrimePlan> plan = prepare_prime(s, Volume(*ml));
    if (!plan.ok()) {
      ActionReply r = stopped(plan.error());
      if (r.status == 400 && r.body["error"]["field"] == "catheter") {
        r.body["error"]["field"] = "catheter_volume_ml";
      }
      return r;
    }
    const std::string token = random_hex();
    impl_->pending[token] = Pending{"prime",
                                    c.who.user.user_name,
                                    f->target.serial,
                                    f->target.implant,
                                    c.now_ms() + kReviewLifetimeMs,
                                    std::nullopt,
                                    std::nullopt,
                                    plan.value(),
                                    std::nullopt};
    ActionReply r;
    r.body = {{"review_token", token},
              {"expires_at_ms", c.now_ms() + kReviewLifetimeMs},
              {"pump_dead_volume_nl", plan->pump_dead_volume.count()},
              {"catheter_nl", plan->catheter.count()},
              {"total_nl", plan->total.count()},
              {"rate_nl_per_day", plan->rate.count()},
              {"takes_ms", plan->takes.count()},
              {"review", prime_review_rows(now.value(), plan.value())}};
    return r;
  });
}

ActionReply ImplantActions::prime_confirm(const httplib::Request& req, Context& c) {
  return confirm_pending(*impl_, req, c, "prime", [&](UseCaseSession& s, const Pending& p) {
    const PrimeOutcome done = commit_prime(s, *p.prime);
    if (auto r = not_done(done.sent, "priming")) return *r;
    ActionReply r;
    r.body = {{"outcome", done.recorded.error.empty() ? "done" : "applied-not-recorded"},
              {"what", done.what},
              {"read_back", prime_read_back(done, read_after(s))},
              {"session_id", recorded_json(done.recorded)}};
    if (!done.recorded.error.empty()) r.body["message"] = done.recorded.error;
    r.detail = done.what;
    return r;
  });
}

ActionReply ImplantActions::bolus_review(const httplib::Request& req, Context& c) {
  struct Form {
    Target target;
    std::string dose, unit, duration, drug, override_reason;
  };
  const host::Checked<Form> f = host::read_json(req.body, [](const host::JsonValue& root) {
    const host::JsonObject o =
        root.object({"serial", "implant", "dose", "unit", "duration", "drug", "override_reason"});
    Form out{{o.string("serial"), o.string("implant")},
             o.string("dose"),
             o.string("unit"),
             o.string("duration"),
             "",
             ""};
    if (const auto d = o.optional("drug")) out.drug = d->string();
    if (const auto r = o.optional("override_reason")) out.override_reason = r->string_or_empty();
    return out;
  });
  if (!f.ok()) return refuse(400, f.error().field, f.error().message);
  const std::optional<DoseUnit> unit = parse_dose_unit(f->unit);
  if (!unit) return refuse(400, "unit", "give mg or mcg: the implant's drug's unit");
  BolusInput input;
  input.unit = *unit;
  const auto dose = decimal_of(f->dose, nanograms_per(*unit), "dose", f->unit);
  if (!dose.ok()) return refuse(400, dose.error().field, dose.error().message);
  input.dose = DrugAmount(*dose);
  const Result<Duration> duration = parse_duration(f->duration);
  if (!duration.ok()) return refuse(400, "duration", duration.error().message);
  input.duration = duration.value();
  input.expected_drug = f->drug;
  input.override_reason = f->override_reason;
  const host::Checked<PumpRecord> pump = pump_named(c.db, f->target.serial);
  if (!pump.ok()) return refuse(status_of(pump.error()), "serial", pump.error().message);
  return impl_->with_implant(c, *pump, f->target.implant, [&](UseCaseSession& s) {
    // What the implant does now, for the old column (the bolus review keeps its drug alone).
    const host::Checked<programmer::ImplantStatus> now = programmer::interrogate(s);
    if (!now.ok()) return stopped(now.error());
    const host::Checked<BolusPlan> plan = prepare_bolus(s, c.library, input);
    if (!plan.ok()) return stopped(plan.error());
    const BolusPlan& b = plan.value();
    const Json check = Json::parse(dose_check_json(b.review.check).dump());
    if (b.review.check.blocked()) {
      ActionReply r = refuse(400, "dose",
                             fmt::format("the drug library blocks this bolus ({}): nothing can "
                                         "be sent",
                                         error_text(b.accepted.error())));
      r.body["dose_check"] = check;
      r.body["review"] = bolus_review_rows(now.value(), b.review);
      return r;
    }
    ActionReply r;
    r.body = {{"review", bolus_review_rows(now.value(), b.review)},
              {"bolus", Json::parse(bolus_review_json(b.review).dump())},
              {"text", format_bolus_review(b.review, f->override_reason)},
              {"dose_check", check},
              {"needs_override_reason", b.review.check.needs_override()},
              {"accepted", b.accepted.ok()}};
    if (!b.accepted.ok()) {
      r.body["message"] = error_text(b.accepted.error());
      return r;
    }
    const std::string token = random_hex();
    impl_->pending[token] = Pending{"bolus",
                                    c.who.user.user_name,
                                    f->target.serial,
                                    f->target.implant,
                                    c.now_ms() + kReviewLifetimeMs,
                                    std::nullopt,
                                    std::nullopt,
                                    std::nullopt,
                                    b};
    r.body["review_token"] = token;
    r.body["expires_at_ms"] = c.now_ms() + kReviewLifetimeMs;
    return r;
  });
}

ActionReply ImplantActions::bolus_confirm(const httplib::Request& req, Context& c) {
  return confirm_pending(*impl_, req, c, "bolus", [&](UseCaseSession& s, const Pending& p) {
    const host::Checked<BolusOutcome> done = commit_bolus(s, *p.bolus);
    if (!done.ok()) return stopped(done.error());
    if (auto r = not_done(done->sent, "bolus")) return *r;
    ActionReply r;
    r.body = {{"outcome", done->recorded.error.empty() ? "done" : "applied-not-recorded"},
              {"what", done->what},
              {"read_back", bolus_read_back(done.value(), p.bolus->review, read_after(s))},
              {"session_id", recorded_json(done->recorded)}};
    if (!done->recorded.error.empty()) r.body["message"] = done->recorded.error;
    r.detail = done->what;
    return r;
  });
}

}  // namespace itdd::web
