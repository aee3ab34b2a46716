#include "itdd/sim/virtual_implant.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "failure.h"
#include "itdd/storage/layout.h"

namespace itdd::sim {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// The virtual implant's body keeps no per-drug totals (the implant's own records name the drug
// of each fill): every solution is drug 0 to the simulated reservoir and catheter.
constexpr DrugIndex kBodyDrug = 0;

constexpr std::string_view kStateHeader = "itdd-virtual-implant 1";
constexpr const char* kStateFile = "implant.state";
constexpr const char* kFlashFile = "flash.img";
constexpr int kMaxWakesPerTurn = 1000;  // then the socket is served again
constexpr double kMaxSpeed = 1e9;

// Local wall time now, ms since 1970-01-01 00:00 local (the implant's convention).
std::int64_t local_wall_now_ms() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  ::localtime_r(&t, &local);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return ms + static_cast<std::int64_t>(local.tm_gmtoff) * 1000;
}

fs::path prepare_dir(const VirtualImplantOptions& o) {
  if (!(o.speed > 0.0) || !std::isfinite(o.speed) || o.speed > kMaxSpeed) {
    detail::fail(host::RefusalKind::kInvalidArgument, "speed", "must be above 0 and at most 1e9");
  }
  const LinkImpairment& i = o.impairment;
  if (!(i.drop >= 0.0 && i.drop < 1.0) || !(i.corrupt >= 0.0 && i.corrupt < 1.0) ||
      i.delay.count() < 0) {
    detail::fail(host::RefusalKind::kInvalidArgument, "impairment",
                 "drop and corrupt must be in [0, 1), delay >= 0");
  }
  if (o.state_dir.empty()) detail::fail_state("no state directory given");
  std::error_code ec;
  if (fs::exists(o.state_dir, ec) && !fs::is_directory(o.state_dir, ec)) {
    detail::fail_state(fmt::format("{}: not a directory", o.state_dir.string()));
  }
  fs::create_directories(o.state_dir, ec);
  if (ec) {
    detail::fail_state(fmt::format("{}: cannot create the state directory: {}",
                                   o.state_dir.string(), ec.message()));
  }
  return o.state_dir;
}

Duration scaled(Duration d, double speed) {
  const std::int64_t v = std::llround(static_cast<double>(d.count()) * speed);
  return Duration(v < 1 ? 1 : v);
}

link::ResponderConfig link_config(double speed, const std::optional<link::RateLimit>& hello_rate) {
  link::ResponderConfig c;
  c.idle_timeout = scaled(c.idle_timeout, speed);
  c.handshake_timeout = scaled(c.handshake_timeout, speed);
  c.backoff.first_lockout = scaled(c.backoff.first_lockout, speed);
  c.backoff.max_lockout = scaled(c.backoff.max_lockout, speed);
  // The rates too, so an outsider gets the same allowance per wall-clock second at any speed.
  if (hello_rate) c.hello_rate = *hello_rate;
  c.hello_rate.interval = scaled(c.hello_rate.interval, speed);
  c.unauthenticated_answers.interval = scaled(c.unauthenticated_answers.interval, speed);
  return c;
}

std::string os_error_text(int err) {
  return std::strerror(err);
}

}  // namespace

// ---------------------------------------------------------------- the body's refills

class VirtualImplant::RefillWatcher final : public engine::EventSink {
 public:
  void record(const engine::TherapyEvent& e) override {
    if (e.kind == engine::EventKind::kRefilled) pending = e;
  }
  std::optional<engine::TherapyEvent> pending;
};

// ---------------------------------------------------------------- the state directory

VirtualImplant::DirLock::DirLock(const fs::path& dir) {
  const fs::path file = dir / "lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    detail::fail_state(fmt::format("{}: cannot open: {}", file.string(), os_error_text(errno)));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    if (n > 0)
      holder = fmt::format(" (pid {})", std::string_view(buf, static_cast<std::size_t>(n)));
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      detail::fail_state(
          fmt::format("{}: in use by another virtual implant{}: stop it or choose another --state",
                      dir.string(), holder));
    }
    detail::fail_state(fmt::format("{}: cannot lock: {}", file.string(), os_error_text(err)));
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

VirtualImplant::DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

VirtualImplant::Persisted VirtualImplant::read_state(const fs::path& dir) {
  Persisted p;
  const fs::path file = dir / kStateFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (fs::exists(dir / kFlashFile, ec)) {
      detail::fail_state(fmt::format(
          "{}: {} is there but {} is not: the implant's clock is lost (restore the file, or "
          "start from an empty directory)",
          dir.string(), kFlashFile, kStateFile));
    }
    return p;
  }
  std::ifstream in(file);
  if (!in) detail::fail_state(fmt::format("{}: cannot read", file.string()));
  std::string line;
  int number = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (!header) {
      if (line != kStateHeader) {
        detail::fail_state(
            fmt::format("{}: line 1: not a virtual implant state file (expected "
                        "\"{}\")",
                        file.string(), kStateHeader));
      }
      header = true;
      continue;
    }
    const std::size_t space = line.find(' ');
    const std::string key = line.substr(0, space);
    const std::string value = space == std::string::npos ? "" : line.substr(space + 1);
    if (key == "pump-model") {
      p.pump_model = value;
      continue;
    }
    std::int64_t v = 0;
    const auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (err != std::errc() || end != value.data() + value.size()) {
      detail::fail_state(fmt::format("{}: line {}: {}: not an integer: \"{}\"", file.string(),
                                     number, key, value));
    }
    if (key == "wall-at-zero-ms") {
      p.wall_at_zero_ms = v;
    } else if (key == "resume-at-ms") {
      p.resume_at_ms = v;
    } else if (key == "reservoir-nl") {
      p.reservoir_nl = v;
    } else if (key == "reservoir-ng-per-ml") {
      p.reservoir_ng_per_ml = v;
    } else if (key == "cell-sleep-ms") {
      p.cell_sleep_ms = v;
    } else if (key == "cell-strokes") {
      p.cell_strokes = v;
    } else if (key == "cell-radio-sessions") {
      p.cell_radio_sessions = v;
    } else if (key == "cell-patient-sessions") {
      p.cell_patient_sessions = v;
    } else if (key == "cell-tone-ms") {
      p.cell_tone_ms = v;
    } else if (key == "cell-link-work-uj") {
      p.cell_link_work_uj = v;  // absent before link work was charged: 0
    }                           // other keys: from a later version, ignored
  }
  if (!header || p.pump_model.empty() || p.resume_at_ms < 0) {
    detail::fail_state(
        fmt::format("{}: incomplete (no header, pump model or clock)", file.string()));
  }
  p.exists = true;
  return p;
}

host::PumpModelSpec VirtualImplant::resolve_pump(const VirtualImplantOptions& options,
                                                 const Persisted& persisted) {
  std::string name = options.pump_model;
  if (persisted.exists) {
    if (!name.empty() && name != persisted.pump_model) {
      detail::fail_state(fmt::format(
          "{}: holds an implant of pump model {}, not {} (the model is fixed at the first start)",
          options.state_dir.string(), persisted.pump_model, name));
    }
    name = persisted.pump_model;
  } else if (name.empty()) {
    name = kDefaultPumpModel;
  }
  const host::PumpModelSpec* spec = options.catalog.find(name);
  if (spec == nullptr) {
    std::string known;
    for (const std::string& n : options.catalog.names()) known += (known.empty() ? "" : ", ") + n;
    detail::fail_state(fmt::format("unknown pump model {} (known: {})", name, known));
  }
  return *spec;
}

StrokeVolumeParams VirtualImplant::nominal_strokes(const host::PumpModelSpec& pump) {
  StrokeVolumeParams p;
  p.mean = pump.model.stroke_volume;
  return p;
}

void VirtualImplant::save_state(std::int64_t resume_at_ms) {
  std::ostringstream text;
  text << kStateHeader << '\n'
       << "pump-model " << pump_.name << '\n'
       << "wall-at-zero-ms " << wall_at_zero_ms_ << '\n'
       << "resume-at-ms " << resume_at_ms << '\n'
       << "reservoir-nl " << reservoir_.actual().count() << '\n'
       << "reservoir-ng-per-ml " << reservoir_.concentration().count() << '\n'
       << "cell-sleep-ms " << battery_.age().count() << '\n'
       << "cell-strokes " << battery_.strokes() << '\n'
       << "cell-radio-sessions " << battery_.radio_sessions() << '\n'
       << "cell-patient-sessions " << battery_.patient_sessions() << '\n'
       << "cell-tone-ms " << battery_.tone_time().count() << '\n'
       << "cell-link-work-uj " << battery_.link_work_uj() << '\n';
  const std::string s = text.str();
  const fs::path file = dir_ / kStateFile;
  const fs::path tmp = dir_ / (std::string(kStateFile) + ".tmp");
  // Written whole to a new file, then renamed over the old one: a kill at any point leaves
  // one complete file.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0;
  std::size_t done = 0;
  while (ok && done < s.size()) {
    const ssize_t w = ::write(fd, s.data() + done, s.size() - done);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) done += static_cast<std::size_t>(w);
  }
  if (fd >= 0) ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(tmp.c_str(), file.c_str()) == 0;
  if (!ok) {
    detail::fail_io(fmt::format("{}: cannot write the implant's clock: {}", file.string(),
                                os_error_text(errno)));
  }
}

void VirtualImplant::note(std::string_view line) const {
  if (options_.log) options_.log(line);
}

// ---------------------------------------------------------------- start-up

VirtualImplant::VirtualImplant(const VirtualImplantOptions& options)
    : options_(options),
      dir_(prepare_dir(options)),
      lock_(dir_),
      persisted_(read_state(dir_)),
      pump_(resolve_pump(options, persisted_)),
      first_start_(!persisted_.exists),
      clock_(ImplantTime(persisted_.resume_at_ms)),
      reservoir_(pump_.model.reservoir_capacity),
      catheter_(pump_.model.pump_dead_volume, Concentration(persisted_.reservoir_ng_per_ml)),
      battery_(pump_.battery),
      mechanism_(nominal_strokes(pump_), clock_, reservoir_, catheter_, battery_),
      buzzer_(clock_, &battery_),
      power_sense_(battery_),
      reply_(app::kLinkBufferSize),  // a board's buffer: the same bound
      rng_(options.impairment.seed) {
  // The body as it was.
  wall_at_zero_ms_ = first_start_ ? local_wall_now_ms() : persisted_.wall_at_zero_ms;
  if (persisted_.reservoir_nl > 0) {
    (void)reservoir_.refill(Volume(persisted_.reservoir_nl),
                            Concentration(persisted_.reservoir_ng_per_ml), kBodyDrug);
  }
  battery_.sleep(Duration(persisted_.cell_sleep_ms));
  battery_.on_strokes(persisted_.cell_strokes);
  for (std::int64_t i = 0; i < persisted_.cell_radio_sessions; ++i) battery_.on_radio_session();
  for (std::int64_t i = 0; i < persisted_.cell_patient_sessions; ++i) {
    battery_.on_patient_session();
  }
  battery_.on_tone(Duration(persisted_.cell_tone_ms));
  battery_.on_link_work(persisted_.cell_link_work_uj);

  // The clock, and its lease written before the implant sees any time.
  lease_ms_ = scaled(Duration(options.clock_lease.count()), options.speed).count();
  base_ms_ = persisted_.resume_at_ms;
  last_now_ms_ = base_ms_;
  steady_base_ = SteadyClock::now();
  bound_ms_ = base_ms_ + lease_ms_;
  save_state(bound_ms_);

  flash_ = std::make_unique<SimFlash>(storage::kImplantFlash, dir_ / kFlashFile);
  app::ImplantConfig config;
  config.pump = pump_.model;
  config.battery = pump_.battery_monitor;
  const ImplantTime start(base_ms_);
  watcher_ = std::make_unique<RefillWatcher>();
  implant_ = std::make_unique<app::Implant>(config, mechanism_, buzzer_, *flash_, power_sense_,
                                            start, WallTime(wall_at_zero_ms_ + base_ms_));
  implant_->observe(watcher_.get(), nullptr);
  boot_ = implant_->boot(start, hal::ResetCause::kPowerOn);
  watcher_->pending.reset();
  mechanism_.watch_reservoir(implant_->engine().snapshot().low_threshold);
  radio_ = std::make_unique<app::ImplantRadio>(*implant_, crypto_, *flash_,
                                               link_config(options.speed, options.hello_rate));
  if (const Status s = radio_->boot(start); !s) {
    detail::fail_io(fmt::format("the implant's radio did not start: {}: {}", s.error().field,
                                s.error().message));
  }
  // What the implant had charged before this start is in the cell already (cell-link-work-uj).
  const power::BatteryMonitor* monitor = implant_->battery();
  link_work_seen_uj_ = monitor != nullptr ? monitor->state().link_work_uj : 0;
  stats_.cell_link_work_uj.store(static_cast<std::uint64_t>(battery_.link_work_uj()),
                                 std::memory_order_relaxed);
  if (::pipe2(wake_pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
    detail::fail_io(fmt::format("cannot make a pipe: {}", os_error_text(errno)));
  }
}

VirtualImplant::~VirtualImplant() {
  for (const std::unique_ptr<Connection>& c : connections_) ::close(c->fd);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (int& fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
  try {
    save_state(last_now_ms_);
  } catch (const std::exception& e) {
    note(e.what());
  }
}

Status VirtualImplant::can_provision(const link::PublicKey& key, link::Role role) const {
  const link::Responder* r = radio_->responder();
  if (r == nullptr) return make_error(ErrorCode::kRefused, "radio", "the radio is off");
  link::LinkState copy = r->state();
  const std::int32_t i = link::find_peer(copy, key);
  if (i >= 0) {
    if (copy.peers[static_cast<std::size_t>(i)].role == role) return Status::Ok();
    return make_error(ErrorCode::kRefused, "key",
                      "already provisioned with another role (revoke it first)");
  }
  const Result<link::PeerId> id = link::provision(copy, key, role, ImplantTime(last_now_ms_));
  if (!id.ok()) return id.error();
  return Status::Ok();
}

Result<bool> VirtualImplant::provision(const link::PublicKey& key, link::Role role) {
  if (const Status s = can_provision(key, role); !s) return s.error();
  if (link::find_peer(radio_->responder()->state(), key) >= 0) return false;
  const ImplantTime t = now();
  catch_up(t);
  set_time(t);
  const Result<link::PeerId> id = radio_->provision(key, role, t);
  if (!id.ok()) return id.error();
  return true;
}

// ---------------------------------------------------------------- the clock

ImplantTime VirtualImplant::now() {
  const double real_ms =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - steady_base_).count();
  std::int64_t t = base_ms_ + static_cast<std::int64_t>(real_ms * options_.speed);
  if (t < last_now_ms_) t = last_now_ms_;
  last_now_ms_ = t;
  if (t >= bound_ms_ - lease_ms_ / 2) {
    // The lease first: nothing may see a time the state file does not cover.
    bound_ms_ = t + lease_ms_;
    try {
      save_state(bound_ms_);
    } catch (const std::exception& e) {
      note(e.what());
    }
  }
  return ImplantTime(t);
}

ImplantTime VirtualImplant::advance_unguarded(Duration by) {
  if (by.count() > 0) base_ms_ += by.count();
  const ImplantTime t = now();  // writes the lease past t before anything sees it
  while (!catch_up(t)) {
  }
  set_time(t);
  return t;
}

void VirtualImplant::set_time(ImplantTime t) {
  if (t <= clock_.now()) return;
  battery_.sleep(t - clock_.now());
  clock_.advance_to(t);
}

ImplantTime VirtualImplant::next_wake() const {
  return std::min(implant_->next_wake(), radio_->next_wake());
}

bool VirtualImplant::catch_up(ImplantTime t) {
  for (int i = 0; i < kMaxWakesPerTurn; ++i) {
    const ImplantTime w = next_wake();
    if (w > t) return true;
    ImplantTime at = std::max(w, clock_.now());
    if (at == last_wake_at_ && implant_->engine().strokes() == strokes_at_last_wake_) {
      // Asked again for an instant just handled, and nothing was done then (the engine does
      // this with an empty reservoir): go on with real time.
      if (at >= t) return true;
      at = t;
    }
    set_time(at);
    if (implant_->next_wake() <= at) implant_->on_wake(at);
    if (radio_->next_wake() <= at) radio_->on_wake(at);
    last_wake_at_ = at;
    strokes_at_last_wake_ = implant_->engine().strokes();
    stats_.wakes.fetch_add(1, std::memory_order_relaxed);
  }
  return false;
}

// ---------------------------------------------------------------- frames

bool VirtualImplant::impair(std::vector<std::uint8_t>& frame, bool to_implant) {
  const LinkImpairment& imp = options_.impairment;
  const auto chance = [this] { return static_cast<double>(rng_.next() >> 11) * 0x1.0p-53; };
  if (imp.drop > 0.0 && chance() < imp.drop) {
    (to_implant ? stats_.dropped_in : stats_.dropped_out).fetch_add(1);
    return false;
  }
  if (imp.corrupt > 0.0 && !frame.empty() && chance() < imp.corrupt) {
    const std::size_t i = static_cast<std::size_t>(rng_.below(frame.size()));
    frame[i] ^= static_cast<std::uint8_t>(1 + rng_.below(255));
    (to_implant ? stats_.corrupted_in : stats_.corrupted_out).fetch_add(1);
  }
  return true;
}

void VirtualImplant::after_frame() {
  // A refill the implant accepted: the clinician's needle fills the body's reservoir too.
  if (watcher_->pending) {
    const engine::TherapyEvent e = *watcher_->pending;
    watcher_->pending.reset();
    Volume filled(e.a);
    if (options_.pocket_fill.count() > 0) {
      const Volume lost = options_.pocket_fill < filled ? options_.pocket_fill : filled;
      filled -= lost;
      options_.pocket_fill = Volume(0);
      note(fmt::format(
          "pocket fill: {:.3f} mL of the refill went into the tissue pocket, "
          "{:.3f} mL into the reservoir",
          static_cast<double>(lost.count()) / 1e6, static_cast<double>(filled.count()) / 1e6));
    }
    (void)reservoir_.refill(filled, Concentration(e.b), kBodyDrug);
    mechanism_.watch_reservoir(implant_->engine().snapshot().low_threshold);
  }
  // Link work outside sessions (an outsider's traffic): what the implant charged its own
  // counters, drawn from the body's cell too.
  if (const power::BatteryMonitor* b = implant_->battery()) {
    const std::int64_t charged = b->state().link_work_uj;
    if (charged > link_work_seen_uj_) battery_.on_link_work(charged - link_work_seen_uj_);
    link_work_seen_uj_ = charged;
    stats_.cell_link_work_uj.store(static_cast<std::uint64_t>(battery_.link_work_uj()),
                                   std::memory_order_relaxed);
  }
  // A new authenticated session: the radio's energy in the body's cell (the implant counts its
  // own in ImplantRadio).
  const link::Responder* r = radio_->responder();
  if (r == nullptr) return;
  const std::optional<link::SessionInfo> s = r->session();
  if (!s || s->epoch == session_epoch_) return;
  session_epoch_ = s->epoch;
  if (s->role == link::Role::kPatient) {
    battery_.on_patient_session();
  } else {
    battery_.on_radio_session();
  }
}

}  // namespace itdd::sim

namespace itdd::sim {

host::Checked<std::unique_ptr<VirtualImplant>> VirtualImplant::open(
    const VirtualImplantOptions& options) {
  return detail::guarded(
      [&] { return std::unique_ptr<VirtualImplant>(new VirtualImplant(options)); });
}

host::Checked<ImplantTime> VirtualImplant::advance(Duration by) {
  return detail::guarded([&] { return advance_unguarded(by); });
}

}  // namespace itdd::sim
