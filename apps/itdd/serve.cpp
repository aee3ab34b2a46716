// `itdd implant serve`: a virtual implant on loopback (sim/virtual_implant).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "commands.h"
#include "errors.h"
#include "itdd/host/whole_file.h"
#include "itdd/programmer/fixed_rate_pump.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/status_report.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"
#include "itdd/sim/virtual_implant.h"

namespace itdd::cli {
namespace {

constexpr double kMaxSpeed = 1e9;
constexpr std::int64_t kMaxDelayMs = 60'000;

std::atomic<sim::VirtualImplant*> g_serving{nullptr};
std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int) {
  g_stop_requested.store(true);
  if (sim::VirtualImplant* v = g_serving.load()) v->request_stop();
}

// SIGTERM and SIGINT stop the server cleanly from the moment the implant exists (a signal before
// run() makes run() return at once).
void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

// The virtual implant's refusal: a state directory it cannot use is the --state option's.
int implant_refused(const host::Refusal& r) {
  return refused(r, r.field == "state_dir" ? "--state" : "");
}

struct Provision {
  link::Role role = link::Role::kNone;
  link::PublicKey key{};
  std::string file;
};

// The implant's public key beside its state, for the programmer's --implant-key.
host::Checked<void> write_public_key(const std::filesystem::path& dir, const link::PublicKey& key) {
  return host::write_whole_file(dir / "implant.pub", programmer::to_hex(key) + "\n");
}

}  // namespace

CLI::App* add_serve(CLI::App& implant, ServeArgs& a) {
  CLI::App* serve = implant.add_subcommand(
      "serve",
      "Run a virtual implant (the firmware in a simulated body) that programmers connect to "
      "over TCP; stops cleanly on SIGTERM or SIGINT, resumes from its state after SIGKILL");
  serve
      ->add_option("--state", a.state_dir,
                   "State directory: the implant's flash, clock and body (created if missing)")
      ->required();
  serve
      ->add_option("--listen", a.listen,
                   "HOST:PORT to listen on, e.g. 127.0.0.1:4000; port 0 picks a free one "
                   "(printed as `listening on HOST:PORT`)")
      ->capture_default_str();
  serve
      ->add_option("--speed", a.speed,
                   "Implant seconds per real second (therapy runs N times faster; the link's "
                   "timeouts keep their real length)")
      ->capture_default_str();
  serve->add_option("--pump-model", a.pump_model,
                    "Pump model at the first start (default peristaltic-20); fixed afterwards");
  serve->add_option("--pump-models", a.pump_models_file,
                    "Pump model file (default: $ITDD_PUMP_MODELS, else data/pump-models.json)");
  serve->add_option("--provision", a.provision,
                    "ROLE:KEYFILE: add a programmer's public key with a role (clinician, "
                    "patient, service); repeatable; already there: left as it is");
  serve->add_option("--drop", a.drop, "Link impairment: probability a frame is lost (each way)");
  serve->add_option("--corrupt", a.corrupt,
                    "Link impairment: probability one byte of a frame is flipped (each way)");
  serve->add_option("--delay-ms", a.delay_ms, "Link impairment: every frame held this long");
  serve->add_option("--silence-after-command-ms", a.silence_after_command_ms,
                    "Fault: after each new therapy command the implant answers nothing for this "
                    "long (its reply is lost), then answers again (0 to 60000)");
  serve->add_option("--seed", a.seed, "Seed of the impairment's random choices")
      ->capture_default_str();
  serve
      ->add_option("--pocket-fill-ml", a.pocket_fill_ml,
                   "Fault: at the next refill, this much of the injected volume goes into the "
                   "tissue pocket instead of the reservoir (the implant cannot tell; the next "
                   "refill's withdrawn volume shows it)")
      ->capture_default_str();
  serve->add_flag("--verbose", a.verbose, "Log connections on stderr");
  serve->add_flag("--json", a.json,
                  "Print the start-up line as one JSON object (public key, pump model, state, "
                  "listening address)");

  a.advance = implant.add_subcommand(
      "advance",
      "Move a stopped virtual implant's clock forward (its therapy, alarms and records of that "
      "time run as if it had passed), so a person can follow a demo at real speed: stop `serve`, "
      "advance, start `serve` again");
  a.advance->add_option("--state", a.state_dir, "The implant's state directory")->required();
  a.advance->add_option("--by", a.advance_by, "How far: 90m, 36h, 60d (at most 366d)")->required();
  a.advance->add_option("--pump-models", a.pump_models_file,
                        "Pump model file (default: $ITDD_PUMP_MODELS, else "
                        "data/pump-models.json)");
  a.advance->add_flag("--json", a.json, "Print JSON instead of text");
  return serve;
}

int run_advance(const ServeArgs& a, const std::string& default_pump_models) {
  const Result<Duration> by = programmer::parse_duration(a.advance_by);
  if (!by.ok()) return bad_input(fmt::format("--by {}: {}", a.advance_by, by.error().message));
  // Only an implant that exists: advancing an empty directory would make a new one.
  if (!std::filesystem::is_regular_file(std::filesystem::path(a.state_dir) / "implant.state")) {
    return bad_input(
        fmt::format("--state {}: no virtual implant there (no implant.state): start one with `itdd "
                    "implant serve --state {}`",
                    a.state_dir, a.state_dir));
  }
  const std::string models_file =
      !a.pump_models_file.empty() ? a.pump_models_file : default_pump_models;
  sim::VirtualImplantOptions o;
  host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(models_file);
  if (!catalog.ok()) return bad_input(fmt::format("{}: {}", models_file, catalog.error().text()));
  o.catalog = std::move(catalog).value();
  o.state_dir = a.state_dir;
  host::Checked<std::unique_ptr<sim::VirtualImplant>> implant = sim::VirtualImplant::open(o);
  if (!implant.ok()) return implant_refused(implant.error());
  const host::Checked<ImplantTime> from = (*implant)->advance(Duration(0));
  if (!from.ok()) return implant_refused(from.error());
  const host::Checked<ImplantTime> reached = (*implant)->advance(by.value());
  if (!reached.ok()) return implant_refused(reached.error());
  const ImplantTime to = reached.value();
  implant.value().reset();  // saves the clock and the body
  const std::int64_t moved_min = (to.ms() - from->ms()) / kMillisPerMinute;
  if (a.json) {
    std::cout << nlohmann::json{{"command", "implant advance"},
                                {"state", a.state_dir},
                                {"moved_ms", to.ms() - from->ms()},
                                {"implant_ms", to.ms()}}
                     .dump(2)
              << '\n';
    return 0;
  }
  std::cout << fmt::format(
      "implant time moved on {} d {} h {} min (implant time {} ms); start "
      "`itdd implant serve --state {}` again to connect\n",
      moved_min / (24 * 60), moved_min / 60 % 24, moved_min % 60, to.ms(), a.state_dir);
  return 0;
}

int run_serve(const ServeArgs& a, const std::string& default_pump_models,
              const std::function<void()>& started) {
  // Everything is checked before anything is created or changed.
  const Result<programmer::Endpoint> listen = programmer::parse_endpoint(a.listen, true);
  if (!listen.ok())
    return bad_input(fmt::format("--listen {}: {}", a.listen, listen.error().message));
  if (!(a.speed > 0.0) || a.speed > kMaxSpeed) {
    return bad_input("--speed: must be above 0 and at most 1000000000");
  }
  for (const auto& [name, p] : {std::pair{"--drop", a.drop}, std::pair{"--corrupt", a.corrupt}}) {
    if (!(p >= 0.0 && p < 1.0)) {
      return bad_input(fmt::format("{}: a probability from 0 up to (not including) 1", name));
    }
  }
  if (a.silence_after_command_ms < 0 || a.silence_after_command_ms > kMaxDelayMs) {
    return bad_input("--silence-after-command-ms: from 0 to 60000 ms");
  }
  if (a.delay_ms < 0 || a.delay_ms > kMaxDelayMs) {
    return bad_input("--delay-ms: from 0 to 60000 ms");
  }
  const Result<Volume> pocket_fill = programmer::parse_volume_ml_or_zero(a.pocket_fill_ml);
  if (!pocket_fill.ok()) {
    return bad_input(
        fmt::format("--pocket-fill-ml {}: {}", a.pocket_fill_ml, pocket_fill.error().message));
  }
  if (pocket_fill.value() > millilitres(40)) {
    return bad_input(fmt::format("--pocket-fill-ml {}: from 0 to 40 mL", a.pocket_fill_ml));
  }
  std::vector<Provision> provisions;
  for (const std::string& p : a.provision) {
    const std::size_t colon = p.find(':');
    Provision v;
    if (colon == std::string::npos ||
        (v.role = programmer::role_from_name(p.substr(0, colon))) == link::Role::kNone) {
      return bad_input(fmt::format(
          "--provision {}: expected ROLE:KEYFILE with ROLE clinician, patient or service", p));
    }
    v.file = p.substr(colon + 1);
    const Result<link::PublicKey> key = programmer::read_public_key_file(v.file);
    if (!key.ok()) {
      return bad_input(
          fmt::format("--provision {}: {}: {}", p, v.file, programmer::error_text(key.error())));
    }
    v.key = key.value();
    for (const Provision& earlier : provisions) {
      if (earlier.key == v.key && earlier.role != v.role) {
        return bad_input(
            fmt::format("--provision: the key in {} is given twice with two roles", v.file));
      }
    }
    provisions.push_back(v);
  }
  const std::string models_file =
      !a.pump_models_file.empty() ? a.pump_models_file : default_pump_models;
  sim::VirtualImplantOptions o;
  host::Checked<host::PumpCatalog> catalog = host::PumpCatalog::load(models_file);
  if (!catalog.ok()) return bad_input(fmt::format("{}: {}", models_file, catalog.error().text()));
  o.catalog = std::move(catalog).value();
  // A fixed-rate (gas-driven) model has no electronics: there is no implant to serve.
  if (const host::Checked<void> programmable =
          programmer::require_programmable_model(o.catalog, a.pump_model, "itdd implant serve");
      !programmable.ok()) {
    return bad_input(fmt::format("--pump-model {}", programmable.error().message));
  }
  if (!a.pump_model.empty() && o.catalog.find(a.pump_model) == nullptr) {
    std::string known;
    for (const std::string& n : o.catalog.names()) known += (known.empty() ? "" : ", ") + n;
    return bad_input(fmt::format("--pump-model {}: unknown (known: {})", a.pump_model, known));
  }
  o.state_dir = a.state_dir;
  o.pump_model = a.pump_model;
  o.speed = a.speed;
  o.impairment.drop = a.drop;
  o.impairment.corrupt = a.corrupt;
  o.impairment.delay = std::chrono::milliseconds(a.delay_ms);
  o.impairment.silence_after_command = std::chrono::milliseconds(a.silence_after_command_ms);
  o.impairment.seed = a.seed;
  o.pocket_fill = pocket_fill.value();
  if (a.verbose) {
    o.log = [](std::string_view line) { std::cerr << "serve: " << line << std::endl; };
  }

  // The address first: a busy port changes nothing.
  host::Checked<sim::TcpListener> listener = sim::TcpListener::open(listen->host, listen->port);
  // A busy or forbidden address is the user's to change.
  if (!listener.ok()) return bad_input(fmt::format("--listen: {}", listener.error().message));
  catch_stop_signals();
  host::Checked<std::unique_ptr<sim::VirtualImplant>> opened = sim::VirtualImplant::open(o);
  if (!opened.ok()) return implant_refused(opened.error());
  const std::unique_ptr<sim::VirtualImplant> implant = std::move(opened).value();
  g_serving.store(implant.get());
  struct ForgetOnReturn {  // declared after `implant`: runs before it is destroyed
    ~ForgetOnReturn() { g_serving.store(nullptr); }
  } forget;
  if (g_stop_requested.load()) implant->request_stop();
  for (const Provision& p : provisions) {
    if (const Status s = implant->can_provision(p.key, p.role); !s) {
      return bad_input(fmt::format("--provision {}:{}: {}", link::name(p.role), p.file,
                                   programmer::error_text(s.error())));
    }
  }
  // With --json the start-up line is one object: {"command", "provisioned", "implant_key", ...}.
  nlohmann::ordered_json j = {{"command", "implant serve"}};
  nlohmann::ordered_json provisioned = nlohmann::ordered_json::array();
  for (const Provision& p : provisions) {
    const Result<bool> added = implant->provision(p.key, p.role);
    if (!added.ok()) {
      return failure(
          fmt::format("provisioning {}: {}", p.file, programmer::error_text(added.error())));
    }
    provisioned.push_back({{"role", link::name(p.role)},
                           {"key", programmer::to_hex(p.key)},
                           {"already", !added.value()}});
    if (!a.json) {
      std::cout << fmt::format("{} {} key {}\n",
                               added.value() ? "provisioned" : "already provisioned:",
                               link::name(p.role), programmer::to_hex(p.key));
    }
  }
  const std::uint16_t port = implant->listen(std::move(listener).value());
  if (const host::Checked<void> w = write_public_key(a.state_dir, implant->public_key()); !w.ok()) {
    // The implant serves all the same: its key is in the line below for the programmer.
    std::cerr << fmt::format("warning: --state {}: implant.pub not written: {}\n", a.state_dir,
                             w.error().message);
  }

  const app::BootReport& boot = implant->boot_report();
  const char* start = implant->first_start() ? "a new implant"
                      : boot.resumed         ? "restarted, committed therapy resumed"
                                             : "restarted";
  const bool impaired =
      a.drop > 0 || a.corrupt > 0 || a.delay_ms > 0 || a.silence_after_command_ms > 0;
  if (a.json) {
    j["provisioned"] = provisioned;
    j["implant_key"] = programmer::to_hex(implant->public_key());
    j["pump_model"] = implant->pump_model();
    j["speed"] = a.speed;
    j["state"] = a.state_dir;
    j["start"] = start;
    if (impaired) {
      j["impairment"] = {{"drop", a.drop},
                         {"corrupt", a.corrupt},
                         {"delay_ms", a.delay_ms},
                         {"silence_after_command_ms", a.silence_after_command_ms},
                         {"seed", a.seed}};
    }
    if (o.pocket_fill.count() > 0) j["pocket_fill_nl"] = o.pocket_fill.count();
    j["listening"] = fmt::format("{}:{}", listen->host, port);
    j["port"] = port;
  } else {
    std::cout << fmt::format("implant public key: {}\n", programmer::to_hex(implant->public_key()));
    std::cout << fmt::format("pump model: {}; speed: {}x; state: {} ({})\n", implant->pump_model(),
                             a.speed, a.state_dir, start);
    if (impaired) {
      std::cout << fmt::format(
          "link impairment: drop {}, corrupt {}, delay {} ms, silence after a command {} ms, "
          "seed {}\n",
          a.drop, a.corrupt, a.delay_ms, a.silence_after_command_ms, a.seed);
    }
    if (o.pocket_fill.count() > 0) {
      std::cout << fmt::format("fault: at the next refill {} goes into the tissue pocket\n",
                               programmer::format_volume_ml(o.pocket_fill));
    }
    std::cout << fmt::format("listening on {}:{}", listen->host, port) << std::endl;
  }
  if (started) {
    if (a.json) std::cout << j.dump();  // main's JsonOutcome adds the outcome and ends the line
    started();
  } else if (a.json) {
    std::cout << j.dump() << std::endl;
  }

  if (const host::Checked<void> ran = implant->run(); !ran.ok()) return refused(ran.error());
  const sim::VirtualImplantStats s = implant->stats();
  std::cerr << fmt::format("stopped: {} connections, {} frames in, {} out\n", s.connections,
                           s.frames_in, s.frames_out);
  return 0;
}

}  // namespace itdd::cli
