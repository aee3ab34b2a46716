#include "itdd/sim/virtual_implant.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "itdd/storage/layout.h"

namespace itdd::sim {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kStateHeader = "itdd-virtual-implant 1";
constexpr const char* kStateFile = "implant.state";
constexpr const char* kFlashFile = "flash.img";
constexpr int kMaxWakesPerTurn = 1000;  // then the socket is served again
constexpr int kMaxPollMs = 500;
constexpr std::size_t kMaxPendingOutput = 4 * 1024 * 1024;
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
    throw std::invalid_argument("speed: must be above 0 and at most 1e9");
  }
  const LinkImpairment& i = o.impairment;
  if (!(i.drop >= 0.0 && i.drop < 1.0) || !(i.corrupt >= 0.0 && i.corrupt < 1.0) ||
      i.delay.count() < 0) {
    throw std::invalid_argument("impairment: drop and corrupt must be in [0, 1), delay >= 0");
  }
  if (o.state_dir.empty()) throw StateError("no state directory given");
  std::error_code ec;
  if (fs::exists(o.state_dir, ec) && !fs::is_directory(o.state_dir, ec)) {
    throw StateError(fmt::format("{}: not a directory", o.state_dir.string()));
  }
  fs::create_directories(o.state_dir, ec);
  if (ec) {
    throw StateError(fmt::format("{}: cannot create the state directory: {}", o.state_dir.string(),
                                 ec.message()));
  }
  return o.state_dir;
}

Duration scaled(Duration d, double speed) {
  const std::int64_t v = std::llround(static_cast<double>(d.count()) * speed);
  return Duration(v < 1 ? 1 : v);
}

link::ResponderConfig link_config(double speed) {
  link::ResponderConfig c;
  c.idle_timeout = scaled(c.idle_timeout, speed);
  c.handshake_timeout = scaled(c.handshake_timeout, speed);
  c.backoff.first_lockout = scaled(c.backoff.first_lockout, speed);
  c.backoff.max_lockout = scaled(c.backoff.max_lockout, speed);
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
    throw StateError(fmt::format("{}: cannot open: {}", file.string(), os_error_text(errno)));
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
      throw StateError(
          fmt::format("{}: in use by another virtual implant{}: stop it or choose another --state",
                      dir.string(), holder));
    }
    throw StateError(fmt::format("{}: cannot lock: {}", file.string(), os_error_text(err)));
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
      throw StateError(fmt::format(
          "{}: {} is there but {} is not: the implant's clock is lost (restore the file, or "
          "start from an empty directory)",
          dir.string(), kFlashFile, kStateFile));
    }
    return p;
  }
  std::ifstream in(file);
  if (!in) throw StateError(fmt::format("{}: cannot read", file.string()));
  std::string line;
  int number = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (!header) {
      if (line != kStateHeader) {
        throw StateError(
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
      throw StateError(fmt::format("{}: line {}: {}: not an integer: \"{}\"", file.string(), number,
                                   key, value));
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
    }  // other keys: from a later version, ignored
  }
  if (!header || p.pump_model.empty() || p.resume_at_ms < 0) {
    throw StateError(fmt::format("{}: incomplete (no header, pump model or clock)", file.string()));
  }
  p.exists = true;
  return p;
}

scenario::PumpModelSpec VirtualImplant::resolve_pump(const VirtualImplantOptions& options,
                                                     const Persisted& persisted) {
  std::string name = options.pump_model;
  if (persisted.exists) {
    if (!name.empty() && name != persisted.pump_model) {
      throw StateError(fmt::format(
          "{}: holds an implant of pump model {}, not {} (the model is fixed at the first start)",
          options.state_dir.string(), persisted.pump_model, name));
    }
    name = persisted.pump_model;
  } else if (name.empty()) {
    name = kDefaultPumpModel;
  }
  const scenario::PumpModelSpec* spec = options.catalog.find(name);
  if (spec == nullptr) {
    std::string known;
    for (const std::string& n : options.catalog.names()) known += (known.empty() ? "" : ", ") + n;
    throw StateError(fmt::format("unknown pump model {} (known: {})", name, known));
  }
  return *spec;
}

StrokeVolumeParams VirtualImplant::nominal_strokes(const scenario::PumpModelSpec& pump) {
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
       << "cell-tone-ms " << battery_.tone_time().count() << '\n';
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
    throw std::runtime_error(fmt::format("{}: cannot write the implant's clock: {}", file.string(),
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
      reply_(protocol::kMaxFrameSize),
      rng_(options.impairment.seed) {
  // The body as it was.
  wall_at_zero_ms_ = first_start_ ? local_wall_now_ms() : persisted_.wall_at_zero_ms;
  if (persisted_.reservoir_nl > 0) {
    (void)reservoir_.refill(Volume(persisted_.reservoir_nl),
                            Concentration(persisted_.reservoir_ng_per_ml));
  }
  battery_.sleep(Duration(persisted_.cell_sleep_ms));
  battery_.on_strokes(persisted_.cell_strokes);
  for (std::int64_t i = 0; i < persisted_.cell_radio_sessions; ++i) battery_.on_radio_session();
  for (std::int64_t i = 0; i < persisted_.cell_patient_sessions; ++i) {
    battery_.on_patient_session();
  }
  battery_.on_tone(Duration(persisted_.cell_tone_ms));

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
  radio_ =
      std::make_unique<app::ImplantRadio>(*implant_, crypto_, *flash_, link_config(options.speed));
  if (const Status s = radio_->boot(start); !s) {
    throw std::runtime_error(fmt::format("the implant's radio did not start: {}: {}",
                                         s.error().field, s.error().message));
  }
  if (::pipe2(wake_pipe_, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("cannot make a pipe: {}", os_error_text(errno)));
  }
}

VirtualImplant::~VirtualImplant() {
  if (conn_fd_ >= 0) ::close(conn_fd_);
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

int VirtualImplant::poll_timeout_ms(bool behind) {
  if (behind || stop_.load()) return 0;
  double timeout = kMaxPollMs;
  const ImplantTime w = next_wake();
  if (!w.is_never()) {
    const std::int64_t ahead = w.ms() - last_now_ms_;
    // A wake still at or before now is one that did nothing when handled: look again soon.
    timeout = ahead <= 0 ? 1.0 : std::min(timeout, std::ceil(ahead / options_.speed));
  }
  if (conn_fd_ >= 0) {
    const double idle = std::chrono::duration<double, std::milli>(
                            conn_active_ + options_.connection_idle - SteadyClock::now())
                            .count();
    timeout = std::min(timeout, idle <= 0 ? 0.0 : std::ceil(idle));
  }
  if (!queue_.empty()) {
    const double due =
        std::chrono::duration<double, std::milli>(queue_.front().due - SteadyClock::now()).count();
    timeout = std::min(timeout, due <= 0 ? 0.0 : std::ceil(due));
  }
  return static_cast<int>(std::max(0.0, timeout));
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

void VirtualImplant::on_frame_in(std::vector<std::uint8_t> frame) {
  stats_.frames_in.fetch_add(1, std::memory_order_relaxed);
  if (!impair(frame, true)) return;
  if (options_.impairment.delay.count() > 0) {
    queue_.push_back(
        Queued{SteadyClock::now() + options_.impairment.delay, conn_id_, true, std::move(frame)});
    return;
  }
  handle_frame(frame);
}

void VirtualImplant::handle_frame(const std::vector<std::uint8_t>& frame) {
  const ImplantTime t = now();
  catch_up(t);
  set_time(t);
  const std::size_t n = radio_->on_frame(frame, reply_, t);
  after_frame();
  if (n > 0) {
    send_frame(std::vector<std::uint8_t>(reply_.begin(), reply_.begin() + static_cast<long>(n)));
  }
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
    (void)reservoir_.refill(filled, Concentration(e.b));
    mechanism_.watch_reservoir(implant_->engine().snapshot().low_threshold);
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

void VirtualImplant::send_frame(std::vector<std::uint8_t> frame) {
  stats_.frames_out.fetch_add(1, std::memory_order_relaxed);
  if (!impair(frame, false)) return;
  if (options_.impairment.delay.count() > 0) {
    queue_.push_back(
        Queued{SteadyClock::now() + options_.impairment.delay, conn_id_, false, std::move(frame)});
    return;
  }
  if (conn_fd_ < 0) return;
  out_.insert(out_.end(), frame.begin(), frame.end());
  (void)flush_output();
}

void VirtualImplant::deliver_due() {
  while (!queue_.empty() && queue_.front().due <= SteadyClock::now()) {
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    if (q.connection != conn_id_ || conn_fd_ < 0) continue;  // its connection is gone
    if (q.to_implant) {
      handle_frame(q.bytes);
    } else {
      out_.insert(out_.end(), q.bytes.begin(), q.bytes.end());
      if (!flush_output()) return;
    }
  }
}

// ---------------------------------------------------------------- the server

TcpListener TcpListener::open(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int r = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); r != 0) {
    throw std::runtime_error(
        fmt::format("cannot listen on {}:{}: {}", host, port, ::gai_strerror(r)));
  }
  int err = 0;
  int listening = -1;
  for (addrinfo* a = found; a != nullptr && listening < 0; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    const int one = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 16) != 0) {
      err = errno;
      ::close(fd);
      continue;
    }
    listening = fd;
  }
  ::freeaddrinfo(found);
  if (listening < 0) {
    throw std::runtime_error(
        fmt::format("cannot listen on {}:{}: {}", host, port, os_error_text(err)));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(listening, reinterpret_cast<sockaddr*>(&bound), &len);
  const std::uint16_t chosen = bound.ss_family == AF_INET6
                                   ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                                   : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  return TcpListener(listening, chosen);
}

TcpListener::~TcpListener() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint16_t VirtualImplant::listen(TcpListener listener) {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  port_ = listener.port();
  listen_fd_ = listener.release();
  return port_;
}

void VirtualImplant::accept_connection() {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  const int fd =
      ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;  // gone already, or try again
  const int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  conn_fd_ = fd;
  conn_active_ = SteadyClock::now();
  ++conn_id_;
  reassembler_.reset();
  out_.clear();
  stats_.connections.fetch_add(1, std::memory_order_relaxed);
  char name[INET6_ADDRSTRLEN] = "?";
  std::uint16_t port = 0;
  if (peer.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &a->sin_addr, name, sizeof name);
    port = ntohs(a->sin_port);
  } else if (peer.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&peer);
    ::inet_ntop(AF_INET6, &a->sin6_addr, name, sizeof name);
    port = ntohs(a->sin6_port);
  }
  note(fmt::format("connection {} from {}:{}", conn_id_, name, port));
}

void VirtualImplant::close_connection(const char* why) {
  if (conn_fd_ < 0) return;
  ::close(conn_fd_);
  conn_fd_ = -1;
  out_.clear();
  reassembler_.reset();
  note(fmt::format("connection {} closed: {}", conn_id_, why));
}

void VirtualImplant::read_connection() {
  std::array<std::uint8_t, 16 * 1024> chunk{};
  const ssize_t r = ::recv(conn_fd_, chunk.data(), chunk.size(), 0);
  if (r == 0) {
    close_connection("by the programmer");
    return;
  }
  if (r < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      close_connection("failed");
    }
    return;
  }
  conn_active_ = SteadyClock::now();
  std::vector<std::vector<std::uint8_t>> frames;
  std::size_t offset = 0;
  const std::size_t size = static_cast<std::size_t>(r);
  while (offset < size) {
    offset += reassembler_.feed(std::span(chunk.data() + offset, size - offset));
    for (;;) {
      const Result<std::optional<protocol::FrameView>> next = reassembler_.next();
      if (!next.ok()) continue;  // damaged bytes: skipped (the sender retries)
      if (!next.value()) break;
      const protocol::FrameView& f = *next.value();
      const std::uint8_t* start = f.payload.data() - protocol::kFrameHeaderSize;
      frames.emplace_back(start, start + f.size);
    }
  }
  const std::uint64_t id = conn_id_;
  for (std::vector<std::uint8_t>& f : frames) {
    if (conn_id_ != id || conn_fd_ < 0) break;
    on_frame_in(std::move(f));
  }
}

bool VirtualImplant::flush_output() {
  while (conn_fd_ >= 0 && !out_.empty()) {
    const ssize_t w = ::send(conn_fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (w > 0) {
      out_.erase(out_.begin(), out_.begin() + w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (out_.size() > kMaxPendingOutput) {
        close_connection("the programmer does not read its replies");
        return false;
      }
      return true;
    }
    close_connection("failed");
    return false;
  }
  return conn_fd_ >= 0;
}

void VirtualImplant::run() {
  while (!stop_.load()) {
    const bool behind = !catch_up(now());
    deliver_due();
    if (stop_.load()) break;
    if (conn_fd_ >= 0 && SteadyClock::now() - conn_active_ >= options_.connection_idle) {
      close_connection("idle");
    }
    pollfd fds[2] = {{wake_pipe_[0], POLLIN, 0}, {-1, 0, 0}};
    if (conn_fd_ >= 0) {
      fds[1] = pollfd{conn_fd_, static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)), 0};
    } else if (listen_fd_ >= 0) {
      fds[1] = pollfd{listen_fd_, POLLIN, 0};
    }
    const int r = ::poll(fds, 2, poll_timeout_ms(behind));
    if (r < 0) {
      if (errno == EINTR) continue;
      note(fmt::format("poll failed: {}", os_error_text(errno)));
      break;
    }
    if (r == 0) continue;
    if (fds[0].revents != 0) {
      char drain[64];
      while (::read(wake_pipe_[0], drain, sizeof drain) > 0) {
      }
    }
    if (fds[1].fd < 0 || fds[1].revents == 0) continue;
    if (fds[1].fd == listen_fd_) {
      accept_connection();
      continue;
    }
    if ((fds[1].revents & POLLOUT) != 0 && !flush_output()) continue;
    if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) read_connection();
  }
  close_connection("the implant stopped");
  try {
    save_state(now().ms());
    bound_ms_ = last_now_ms_;
  } catch (const std::exception& e) {
    note(e.what());
  }
}

void VirtualImplant::request_stop() {
  stop_.store(true);
  if (wake_pipe_[1] >= 0) {
    const char c = 1;
    (void)!::write(wake_pipe_[1], &c, 1);
  }
}

VirtualImplantStats VirtualImplant::stats() const {
  VirtualImplantStats s;
  s.connections = stats_.connections.load();
  s.frames_in = stats_.frames_in.load();
  s.frames_out = stats_.frames_out.load();
  s.dropped_in = stats_.dropped_in.load();
  s.dropped_out = stats_.dropped_out.load();
  s.corrupted_in = stats_.corrupted_in.load();
  s.corrupted_out = stats_.corrupted_out.load();
  s.wakes = stats_.wakes.load();
  return s;
}

}  // namespace itdd::sim
