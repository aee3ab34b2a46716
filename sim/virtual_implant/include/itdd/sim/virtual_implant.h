// A virtual implant you can connect to: the implant's firmware (app::Implant and its radio
// side, app::ImplantRadio) in a simulated body, running against the real clock (or N times
// faster), with its flash in a state directory and a TCP listener on loopback standing in for
// the radio. A programmer talks to it exactly as to a real implant: frames over a transport.
//
// State directory:
//   flash.img      the implant's flash (SimFlash: every program/erase written through to the
//                  file before it returns, so SIGKILL loses nothing the firmware committed)
//   implant.state  the implant's clock and the body (text, replaced atomically): the pump model,
//                  the wall time at implant time 0, `resume-at-ms` and the reservoir and cell
//   lock           held while a server runs (a second one on the same directory is refused)
//
// Time: implant time = the time it resumed at + elapsed real time x speed. `resume-at-ms` is a
// lease kept ahead of the clock: before the implant is given a time at or past it, a new one
// (now + clock_lease x speed) is written. So after SIGKILL a restart resumes at or after every
// time the firmware ever saw (its committed records never lie in its future), at most one lease
// later; the time the process was down does not count (as if the implant had been switched
// off). The implant boots with ResetCause::kPowerOn and resumes its committed therapy.
//
// The link's timers (session idle and handshake timeouts, lockouts after failed
// authentication) are scaled by the speed so that they keep their real-time length: the radio
// is real, only therapy runs faster. The pairing window cannot be (its limit, 5 minutes, is the
// implant's): at speed N it lasts 5 min / N of real time.
//
// The body: a pump mechanism of the model's nominal stroke, the reservoir as really filled (a
// refill accepted over the radio fills it, as the clinician's needle would), a catheter of the
// pump's dead volume, the cell of the model (charged for sleep, strokes, sessions and tones).
// Not simulated here: faults, brown-outs, stroke-volume spread (see `itdd sim run`).
//
// Event loop (run()): poll the listener and every connection with a timeout up to the next
// wake of the implant or its radio (converted by the speed); bytes in go through each
// connection's protocol::FrameReassembler, each whole frame to ImplantRadio::on_frame, the reply
// back to the connection it came from. Due wakes are replayed at their own times, in order,
// before any frame is handled.
//
// Connections and the radio (README, "Connections"): many connections are served at once, by
// readiness, but the implant talks to one device at a time, as a radio in session does. The
// connection whose handshake (or pairing hello) the implant answered holds the radio for at
// most `handshake_deadline`, and then, once its first record opened the session, until that
// session ends. Frames from other connections meanwhile are answered with a "busy" error
// frame, and their newest handshake or pairing frame waits its turn (first come, first
// served). A connection with no session `handshake_deadline` after
// it connected, after its last session ended or after its last waiting frame is closed; so is
// the oldest connection without a session when `max_connections` are open and another comes.
//
// Link impairment (to exercise a programmer's retries): every frame, both ways, may be dropped
// or have one byte flipped (seeded, reproducible), and may be held for a fixed delay; and after
// each new therapy command the implant may fall silent for a while (its reply lost).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "itdd/app/implant.h"
#include "itdd/app/radio.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/link/types.h"
#include "itdd/protocol/frame.h"
#include "itdd/sim/sim_battery.h"
#include "itdd/sim/sim_buzzer.h"
#include "itdd/sim/sim_catheter.h"
#include "itdd/sim/sim_clock.h"
#include "itdd/sim/sim_flash.h"
#include "itdd/sim/sim_mechanism.h"
#include "itdd/sim/sim_reservoir.h"
#include "itdd/sim/xorshift.h"

namespace itdd::sim {

struct LinkImpairment {
  double drop = 0.0;                   // probability that a frame is lost (each direction)
  double corrupt = 0.0;                // probability that one byte of a frame is flipped
  std::chrono::milliseconds delay{0};  // every frame is held this long (each direction)
  std::uint64_t seed = 1;
  // A lost reply after the command was sent: when a frame makes the implant journal a new
  // therapy command (applied or not), it answers nothing (every frame it would send is lost)
  // for this long (real time), then answers again. 0: never.
  std::chrono::milliseconds silence_after_command{0};
};

inline constexpr std::string_view kDefaultPumpModel = "peristaltic-20";

struct VirtualImplantOptions {
  std::filesystem::path state_dir;  // created if missing
  host::PumpCatalog catalog;        // where the pump model is found
  // The pump model, by name: at the first start (empty: kDefaultPumpModel); a restart must name
  // the one the state directory was made with, or none.
  std::string pump_model;
  double speed = 1.0;  // implant seconds per real second, above 0
  LinkImpairment impairment{};
  // A pocket fill (docs/intrathecal-facts.md, "Known failures"): at the next refill the
  // implant accepts, this much of the injected volume goes into the tissue pocket instead of the
  // reservoir. The implant cannot sense it; the volume withdrawn at the following refill shows
  // it. Once per server run (not kept in the state directory).
  Volume pocket_fill{};
  std::chrono::milliseconds clock_lease{250};
  // A connection in an authenticated session with no bytes from its device for this long (real
  // time) is closed (the session's own idle timeout is 10 minutes too).
  std::chrono::milliseconds connection_idle{600'000};
  // How long an answered handshake or pairing hello holds the radio, how long a frame waits
  // for a busy radio, and how long a connection may stay without a session (after it connected,
  // after its last session ended, after its last waiting frame) before it is closed. Real
  // time, plus four times the impairment's delay (a handshake crosses the link four times).
  std::chrono::milliseconds handshake_deadline{3'000};
  // Connections open at once (each holds a frame buffer of about 10 KiB); at the limit, a new
  // one closes the oldest that holds no session.
  std::size_t max_connections = 64;
  // Handshakes each paired key may start, in real time (default: the firmware's, 32 at once
  // then two a second). Only a benchmark that opens a session per iteration sets it higher.
  std::optional<link::RateLimit> hello_rate;
  // What the server does (connections, state-file trouble), one line each; null: silent.
  std::function<void(std::string_view)> log;
};

struct VirtualImplantStats {
  std::uint64_t connections = 0;
  std::uint64_t connections_timed_out = 0;  // closed: no session by their deadline
  std::uint64_t connections_evicted = 0;    // closed: max_connections reached
  std::uint64_t busy_answers = 0;           // frames answered "busy" (another device in session)
  std::uint64_t frames_in = 0;              // whole frames received (before impairment)
  // Whole frames longer than the implant's link buffer (app::kLinkBufferSize): refused unread,
  // as a board's receiver refuses them ("frame.length"), not counted in frames_in.
  std::uint64_t frames_too_long = 0;
  std::uint64_t frames_out = 0;
  std::uint64_t dropped_in = 0;
  std::uint64_t dropped_out = 0;
  std::uint64_t silenced_out = 0;  // frames lost in a silence after a command
  std::uint64_t corrupted_in = 0;
  std::uint64_t corrupted_out = 0;
  std::uint64_t wakes = 0;
  // Energy the body's cell has given to link work outside sessions (an outsider's traffic),
  // as the implant charged it to its own counters.
  std::uint64_t cell_link_work_uj = 0;
};

// A listening TCP socket. Opened apart from the implant so that a command line can find a busy
// or forbidden address before it boots anything.
class TcpListener {
 public:
  // Binds and listens on HOST:PORT (port 0: one the system picks); or the refusal (kind
  // kUnavailable) naming the address and the reason.
  static host::Checked<TcpListener> open(const std::string& host, std::uint16_t port);
  TcpListener(TcpListener&& other) noexcept : fd_(other.fd_), port_(other.port_) { other.fd_ = -1; }
  TcpListener& operator=(TcpListener&&) = delete;
  TcpListener(const TcpListener&) = delete;
  ~TcpListener();
  std::uint16_t port() const { return port_; }
  // Hands the socket over (the caller closes it).
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  TcpListener(int fd, std::uint16_t port) : fd_(fd), port_(port) {}
  static TcpListener open_unguarded(const std::string& host, std::uint16_t port);
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

class VirtualImplant {
 public:
  // Opens (or creates) the state directory, takes its lock, boots the implant and its radio
  // (which makes the implant's identity at the first start); the pump models were read before,
  // into options.catalog. Or the refusal: a state directory that cannot be used as asked
  // (another pump model, held by another server, not a directory, a damaged state file: field
  // "state_dir", kind kInvalidArgument, the user must change something), an option out of
  // range ("speed", "impairment"), or what the system failed (kUnavailable, kIo).
  static host::Checked<std::unique_ptr<VirtualImplant>> open(const VirtualImplantOptions& options);
  ~VirtualImplant();  // saves the clock and the body; releases the lock
  VirtualImplant(const VirtualImplant&) = delete;
  VirtualImplant& operator=(const VirtualImplant&) = delete;

  // ---- before run() (not thread-safe) ----
  const link::PublicKey& public_key() const { return radio_->public_key(); }
  const app::BootReport& boot_report() const { return boot_; }
  bool first_start() const { return first_start_; }
  const std::string& pump_model() const { return pump_.name; }
  // The provisioned-key path: adds a device's key with a role. A key already there with the
  // same role is left as it is (false: nothing added), so provisioning is idempotent across
  // restarts; the same key with another role is refused.
  Result<bool> provision(const link::PublicKey& key, link::Role role);
  // Whether provision() would succeed, changing nothing (to check every key before adding any).
  Status can_provision(const link::PublicKey& key, link::Role role) const;
  // Serves on this listener (replacing any earlier one); returns its port.
  std::uint16_t listen(TcpListener listener);
  // The same on a new listener (see TcpListener::open), or its refusal.
  host::Checked<std::uint16_t> listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const { return port_; }

  // Moves the implant's clock forward by `by` at once and runs every wake in between (strokes,
  // alarms, hourly records) at its own time, as if that much time had passed: what a person
  // following the README's demo at real speed uses instead of waiting (`itdd implant advance`).
  // The clock's lease is written first, as for every time the implant sees. Call it before run()
  // or without run(); returns the implant time reached, or the refusal of a clock that could
  // not be saved.
  host::Checked<ImplantTime> advance(Duration by);

  // ---- the event loop ----
  // Serves until request_stop(); saves the clock and the body when it returns. A failure of
  // the system under it (the state file cannot be written) ends it with that refusal.
  host::Checked<void> run();
  // From any thread or a signal handler (async-signal-safe).
  void request_stop();

  // Counters (any thread).
  VirtualImplantStats stats() const;

 private:
  explicit VirtualImplant(const VirtualImplantOptions& options);
  ImplantTime advance_unguarded(Duration by);
  void serve_until_stopped();

  // The state directory's lock (flock, released by the kernel if the process dies).
  class DirLock {
   public:
    explicit DirLock(const std::filesystem::path& dir);
    ~DirLock();
    DirLock(const DirLock&) = delete;
    DirLock& operator=(const DirLock&) = delete;

   private:
    int fd_ = -1;
  };
  // implant.state.
  struct Persisted {
    bool exists = false;
    std::string pump_model;
    std::int64_t wall_at_zero_ms = 0;
    std::int64_t resume_at_ms = 0;
    std::int64_t reservoir_nl = 0;
    std::int64_t reservoir_ng_per_ml = 0;
    std::int64_t cell_sleep_ms = 0;
    std::int64_t cell_strokes = 0;
    std::int64_t cell_radio_sessions = 0;
    std::int64_t cell_patient_sessions = 0;
    std::int64_t cell_tone_ms = 0;
    std::int64_t cell_link_work_uj = 0;
  };
  static Persisted read_state(const std::filesystem::path& dir);
  static host::PumpModelSpec resolve_pump(const VirtualImplantOptions& options,
                                          const Persisted& persisted);
  static StrokeVolumeParams nominal_strokes(const host::PumpModelSpec& pump);

  struct Queued {
    std::chrono::steady_clock::time_point due;
    std::uint64_t connection = 0;
    bool to_implant = false;
    std::vector<std::uint8_t> bytes;
  };
  // One connection (a device on the air).
  struct Connection {
    int fd = -1;
    std::uint64_t id = 0;
    std::chrono::steady_clock::time_point accepted{};
    std::chrono::steady_clock::time_point last_bytes{};  // the last bytes from its device
    // When it is closed unless it holds an authenticated session by then.
    std::chrono::steady_clock::time_point deadline{};
    protocol::FrameReassembler reassembler;
    std::vector<std::uint8_t> out;
    // Its newest handshake or pairing frame, kept while another device holds the radio (its
    // deadline is then at least a deadline after that frame came).
    std::vector<std::uint8_t> waiting;
    std::uint64_t waiting_since = 0;  // its place in the queue (0: nothing waits)
  };
  // Who holds the radio: the connection whose handshake or pairing hello the implant answered
  // (until its deadline), then whose first record opened the session (until it ends).
  enum class Hold : std::uint8_t { kNone, kHandshake, kPairing, kSession };
  class RefillWatcher;

  void save_state(std::int64_t resume_at_ms);
  void note(std::string_view line) const;

  // The implant's time now (real time x speed), renewing the clock lease first if needed.
  ImplantTime now();
  void set_time(ImplantTime t);  // moves the body's clock (and the cell's sleep) to t
  // Replays due wakes up to `t`; false if it stopped early (more are due: poll without waiting).
  bool catch_up(ImplantTime t);
  ImplantTime next_wake() const;
  void after_frame();
  int poll_timeout_ms(bool behind);

  std::chrono::milliseconds handshake_deadline() const;
  Connection* find(std::uint64_t id);
  void accept_connections();
  void close_connection(std::uint64_t id, std::string_view why);
  void read_connection(Connection& c);
  bool flush_output(Connection& c);
  void enforce_deadlines();
  void on_frame_in(std::uint64_t from, std::vector<std::uint8_t> frame);
  void handle_frame(std::uint64_t from, const std::vector<std::uint8_t>& frame);
  // After the radio answered a frame from `from`: who holds the radio now.
  void update_hold(std::uint64_t from, protocol::FrameType type, std::size_t payload_size,
                   std::size_t reply_size, std::optional<std::uint64_t> epoch_before);
  // Ends a hold that is over (session ended, deadline passed, connection gone).
  void release_if_over();
  void release(std::string_view why);
  // Gives the free radio to the connections whose frames wait, the longest waiting first.
  void serve_waiting();
  void answer_busy(std::uint64_t to);
  void send_frame(std::uint64_t to, std::vector<std::uint8_t> frame);
  void deliver_due();
  // Impairment: false if the frame is lost; may flip one byte.
  bool impair(std::vector<std::uint8_t>& frame, bool to_implant);

  VirtualImplantOptions options_;
  std::filesystem::path dir_;
  DirLock lock_;
  Persisted persisted_;
  host::PumpModelSpec pump_;
  bool first_start_ = false;

  // The clock.
  std::int64_t wall_at_zero_ms_ = 0;
  std::int64_t base_ms_ = 0;  // implant time at steady_base_
  std::chrono::steady_clock::time_point steady_base_{};
  std::int64_t lease_ms_ = 1;  // clock_lease x speed, in implant ms
  std::int64_t bound_ms_ = 0;  // the resume-at written to the state file
  std::int64_t last_now_ms_ = 0;
  ImplantTime last_wake_at_ = ImplantTime::never();
  std::int64_t strokes_at_last_wake_ = -1;

  // The body and the implant.
  SimClock clock_;
  SimReservoir reservoir_;
  SimCatheter catheter_;
  SimBattery battery_;
  SimMechanism mechanism_;
  std::unique_ptr<SimFlash> flash_;
  SimBuzzer buzzer_;
  SimPowerSense power_sense_;
  host::SodiumCrypto crypto_;
  std::unique_ptr<RefillWatcher> watcher_;
  std::unique_ptr<app::Implant> implant_;
  std::unique_ptr<app::ImplantRadio> radio_;
  app::BootReport boot_{};
  std::uint64_t session_epoch_ = 0;
  std::int64_t link_work_seen_uj_ = 0;  // the implant's link-work counter already in the cell

  // The server.
  int listen_fd_ = -1;
  std::vector<std::unique_ptr<Connection>> connections_;  // in order of arrival
  std::uint64_t last_connection_id_ = 0;
  std::uint64_t waiting_order_ = 0;
  Hold hold_ = Hold::kNone;
  std::uint64_t holder_ = 0;        // the connection holding the radio (0: none)
  std::uint64_t holder_epoch_ = 0;  // kSession: the session it opened
  std::chrono::steady_clock::time_point hold_until_{};  // kHandshake, kPairing: then it ends
  std::uint16_t port_ = 0;
  int wake_pipe_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::vector<std::uint8_t> reply_;
  std::deque<Queued> queue_;
  Xorshift64Star rng_;
  std::chrono::steady_clock::time_point silent_until_{};  // impairment.silence_after_command

  struct AtomicStats {
    std::atomic<std::uint64_t> connections{0}, connections_timed_out{0}, connections_evicted{0},
        busy_answers{0}, frames_in{0}, frames_too_long{0}, frames_out{0}, dropped_in{0},
        dropped_out{0}, silenced_out{0}, corrupted_in{0}, corrupted_out{0}, wakes{0},
        cell_link_work_uj{0};
  } stats_;
};

// Runs a virtual implant's event loop on its own thread until destroyed (tests, benchmarks).
class ServingThread {
 public:
  explicit ServingThread(VirtualImplant& implant)
      : implant_(implant),
        thread_([this] { (void)implant_.run(); }) {}  // a failure stops it answering
  ~ServingThread() {
    implant_.request_stop();
    thread_.join();
  }
  ServingThread(const ServingThread&) = delete;
  ServingThread& operator=(const ServingThread&) = delete;

 private:
  VirtualImplant& implant_;
  std::thread thread_;
};

}  // namespace itdd::sim
