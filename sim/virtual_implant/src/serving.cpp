// The virtual implant's server: the TCP listener, its connections (each a device on the air),
// who holds the radio, and the event loop. The state directory, the clock and the body are in
// virtual_implant.cpp.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "failure.h"
#include "itdd/link/wire.h"
#include "itdd/protocol/messages.h"
#include "itdd/sim/virtual_implant.h"

namespace itdd::sim {
namespace {

using SteadyClock = std::chrono::steady_clock;

bool journals_equal(const app::CommandJournal& a, const app::CommandJournal& b) {
  for (std::size_t i = 0; i < a.lanes.size(); ++i) {
    const app::CommandJournal::Lane& x = a.lanes[i];
    const app::CommandJournal::Lane& y = b.lanes[i];
    if (x.peer != y.peer || x.next != y.next || x.ids != y.ids || x.outcomes != y.outcomes) {
      return false;
    }
  }
  return true;
}

constexpr int kMaxPollMs = 500;
// Per connection: replies its device does not read (a reply frame is at most ~10 KiB).
constexpr std::size_t kMaxPendingOutput = 1024 * 1024;
// Connections taken from the listener in one turn (then the others are served again).
constexpr int kMaxAcceptsPerTurn = 64;

std::string os_error_text(int err) {
  return std::strerror(err);
}

double ms_until(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - SteadyClock::now()).count();
}

}  // namespace

// ---------------------------------------------------------------- the listener

TcpListener TcpListener::open_unguarded(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int r = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); r != 0) {
    detail::fail_io(fmt::format("cannot listen on {}:{}: {}", host, port, ::gai_strerror(r)));
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
    // The kernel's queue only has to bridge one turn of the loop: connections are taken as
    // soon as they arrive.
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      err = errno;
      ::close(fd);
      continue;
    }
    listening = fd;
  }
  ::freeaddrinfo(found);
  if (listening < 0) {
    detail::fail_io(fmt::format("cannot listen on {}:{}: {}", host, port, os_error_text(err)));
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

// ---------------------------------------------------------------- connections

std::chrono::milliseconds VirtualImplant::handshake_deadline() const {
  return options_.handshake_deadline + 4 * options_.impairment.delay;
}

VirtualImplant::Connection* VirtualImplant::find(std::uint64_t id) {
  for (const std::unique_ptr<Connection>& c : connections_) {
    if (c->id == id) return c.get();
  }
  return nullptr;
}

void VirtualImplant::accept_connections() {
  for (int i = 0; i < kMaxAcceptsPerTurn; ++i) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // none left (or gone already)
    if (connections_.size() >= options_.max_connections) {
      // Full: the oldest connection that holds no session makes room (the one holding the radio
      // never does). Only when every slot is the holder's (a limit of 1) is the newcomer refused.
      const auto oldest = std::find_if(connections_.begin(), connections_.end(),
                                       [this](const std::unique_ptr<Connection>& c) {
                                         return !(c->id == holder_ && hold_ != Hold::kNone);
                                       });
      if (oldest == connections_.end()) {
        ::close(fd);
        stats_.connections_evicted.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      stats_.connections_evicted.fetch_add(1, std::memory_order_relaxed);
      close_connection((*oldest)->id, "too many connections: the oldest without a session");
    }
    const int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->id = ++last_connection_id_;
    c->accepted = SteadyClock::now();
    c->last_bytes = c->accepted;
    c->deadline = c->accepted + handshake_deadline();
    stats_.connections.fetch_add(1, std::memory_order_relaxed);
    if (options_.log) {
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
      note(fmt::format("connection {} from {}:{}", c->id, name, port));
    }
    connections_.push_back(std::move(c));
  }
}

void VirtualImplant::close_connection(std::uint64_t id, std::string_view why) {
  const auto it = std::find_if(connections_.begin(), connections_.end(),
                               [id](const std::unique_ptr<Connection>& c) { return c->id == id; });
  if (it == connections_.end()) return;
  ::close((*it)->fd);
  connections_.erase(it);
  note(fmt::format("connection {} closed: {}", id, why));
  if (id == holder_ && hold_ != Hold::kNone) release("its connection closed");
}

void VirtualImplant::read_connection(Connection& c) {
  std::array<std::uint8_t, 16 * 1024> chunk{};
  const ssize_t r = ::recv(c.fd, chunk.data(), chunk.size(), 0);
  if (r == 0) {
    close_connection(c.id, "by the device");
    return;
  }
  if (r < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      close_connection(c.id, "failed");
    }
    return;
  }
  c.last_bytes = SteadyClock::now();
  std::vector<std::vector<std::uint8_t>> frames;
  std::size_t offset = 0;
  const std::size_t size = static_cast<std::size_t>(r);
  while (offset < size) {
    offset += c.reassembler.feed(std::span(chunk.data() + offset, size - offset));
    for (;;) {
      const Result<std::optional<protocol::FrameView>> next = c.reassembler.next();
      if (!next.ok()) continue;  // damaged bytes: skipped (the sender retries)
      if (!next.value()) break;
      const protocol::FrameView& f = *next.value();
      if (f.size > app::kLinkBufferSize) {
        // Longer than any frame the implant reads: refused unread, as the board refuses it.
        stats_.frames_too_long.fetch_add(1, std::memory_order_relaxed);
        if (options_.log) {
          options_.log(
              fmt::format("connection {}: a frame of {} bytes refused: longer than the "
                          "implant's link buffer ({} bytes)",
                          c.id, f.size, app::kLinkBufferSize));
        }
        continue;
      }
      const std::uint8_t* start = f.payload.data() - protocol::kFrameHeaderSize;
      frames.emplace_back(start, start + f.size);
    }
  }
  const std::uint64_t id = c.id;  // `c` may be closed by a frame's answer
  for (std::vector<std::uint8_t>& f : frames) {
    if (find(id) == nullptr) break;
    on_frame_in(id, std::move(f));
  }
}

bool VirtualImplant::flush_output(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (w > 0) {
      c.out.erase(c.out.begin(), c.out.begin() + w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (c.out.size() > kMaxPendingOutput) {
        close_connection(c.id, "the device does not read its replies");
        return false;
      }
      return true;
    }
    close_connection(c.id, "failed");
    return false;
  }
  return true;
}

void VirtualImplant::enforce_deadlines() {
  const SteadyClock::time_point now = SteadyClock::now();
  std::vector<std::pair<std::uint64_t, const char*>> over;
  for (const std::unique_ptr<Connection>& c : connections_) {
    const bool in_session = c->id == holder_ && hold_ == Hold::kSession;
    if (in_session) {
      if (now - c->last_bytes >= options_.connection_idle) over.emplace_back(c->id, "idle");
    } else if (now >= c->deadline) {
      over.emplace_back(c->id, "no session before its deadline");
    }
  }
  for (const auto& [id, why] : over) {
    if (std::string_view(why) != "idle") {
      stats_.connections_timed_out.fetch_add(1, std::memory_order_relaxed);
    }
    close_connection(id, why);
  }
}

// ---------------------------------------------------------------- the radio: one device at a time

void VirtualImplant::on_frame_in(std::uint64_t from, std::vector<std::uint8_t> frame) {
  stats_.frames_in.fetch_add(1, std::memory_order_relaxed);
  if (!impair(frame, true)) return;
  if (options_.impairment.delay.count() > 0) {
    queue_.push_back(
        Queued{SteadyClock::now() + options_.impairment.delay, from, true, std::move(frame)});
    return;
  }
  handle_frame(from, frame);
}

void VirtualImplant::handle_frame(std::uint64_t from, const std::vector<std::uint8_t>& frame) {
  Connection* c = find(from);
  if (c == nullptr) return;
  const ImplantTime t = now();
  catch_up(t);
  set_time(t);
  release_if_over();
  const Result<protocol::FrameView> f = protocol::decode_frame(frame);
  if (hold_ != Hold::kNone && holder_ != from) {
    // Another device is in session: the implant does not hear this one. A damaged frame is
    // not answered (the radio would not answer it either).
    if (!f.ok()) return;
    if (f->type == protocol::FrameType::kHandshake || f->type == protocol::FrameType::kPairing) {
      // A device that asks again keeps its place in the queue; its newest frame is the one
      // served, and asking keeps its connection open.
      if (c->waiting_since == 0) c->waiting_since = ++waiting_order_;
      c->waiting = frame;
      c->deadline = std::max(c->deadline, SteadyClock::now() + handshake_deadline());
    }
    if (f->type != protocol::FrameType::kError) answer_busy(from);
    return;
  }
  c->waiting.clear();
  c->waiting_since = 0;
  const link::Responder* r = radio_->responder();
  std::optional<std::uint64_t> epoch_before;
  if (r != nullptr) {
    if (const std::optional<link::SessionInfo> s = r->session()) epoch_before = s->epoch;
  }
  // A copy of the command journal (a few KiB, host only) shows whether this frame brought a new
  // therapy command, after which the impairment may lose the reply.
  const bool silence_after = options_.impairment.silence_after_command.count() > 0;
  std::optional<app::CommandJournal> journal_before;
  if (silence_after) journal_before = implant_->command_journal();
  const std::size_t n = radio_->on_frame(frame, reply_, t);
  if (silence_after && !journals_equal(*journal_before, implant_->command_journal())) {
    silent_until_ = SteadyClock::now() + options_.impairment.silence_after_command;
    if (options_.log) {
      options_.log(fmt::format("impairment: a new command; silent for {} ms",
                               options_.impairment.silence_after_command.count()));
    }
  }
  after_frame();
  std::size_t reply_payload = 0;
  bool reply_is_same_type = false;
  if (n > 0) {
    const Result<protocol::FrameView> answer = protocol::decode_frame(std::span(reply_.data(), n));
    if (answer.ok() && f.ok()) {
      reply_is_same_type = answer->type == f->type;
      reply_payload = answer->payload.size();
    }
    send_frame(from,
               std::vector<std::uint8_t>(reply_.begin(), reply_.begin() + static_cast<long>(n)));
  }
  if (f.ok()) {
    update_hold(from, f->type, f->payload.size(), reply_is_same_type ? reply_payload : 0,
                epoch_before);
  }
  release_if_over();
}

void VirtualImplant::update_hold(std::uint64_t from, protocol::FrameType type,
                                 std::size_t payload_size, std::size_t reply_size,
                                 std::optional<std::uint64_t> epoch_before) {
  Connection* c = find(from);
  if (c == nullptr) return;
  const link::Responder* r = radio_->responder();
  const std::optional<link::SessionInfo> s = r != nullptr ? r->session() : std::nullopt;
  // An answered Hello or PairHello: this device may finish, nobody else meanwhile, for one
  // deadline. A second Hello does not move it (a stranger could hold the radio for ever).
  const auto hold = [&](Hold kind) {
    if (hold_ != Hold::kNone) return;
    hold_ = kind;
    holder_ = from;
    hold_until_ = SteadyClock::now() + handshake_deadline();
    c->deadline = std::max(c->deadline, hold_until_);
  };
  switch (type) {
    case protocol::FrameType::kHandshake:
      if (reply_size > 0) hold(Hold::kHandshake);
      return;
    case protocol::FrameType::kPairing:
      if (reply_size == 0) return;
      if (payload_size == link::kPairHelloSize) {
        hold(Hold::kPairing);
      } else if (payload_size == link::kPairProofSize && hold_ == Hold::kPairing) {
        // Paired: the device is done; it may open a session within a fresh deadline.
        c->deadline = SteadyClock::now() + handshake_deadline();
        release("pairing finished");
      }
      return;
    case protocol::FrameType::kRecord:
      // The record that opened a new session holds the radio for that session.
      if (s && (!epoch_before || *epoch_before != s->epoch)) {
        hold_ = Hold::kSession;
        holder_ = from;
        holder_epoch_ = s->epoch;
      }
      return;
    case protocol::FrameType::kError:
      return;
  }
}

void VirtualImplant::release_if_over() {
  if (hold_ == Hold::kNone) return;
  Connection* c = find(holder_);
  if (c == nullptr) {
    release("its connection closed");
    return;
  }
  const link::Responder* r = radio_->responder();
  const std::optional<link::SessionInfo> s = r != nullptr ? r->session() : std::nullopt;
  switch (hold_) {
    case Hold::kSession:
      if (!s || s->epoch != holder_epoch_) {
        c->deadline = SteadyClock::now() + handshake_deadline();
        release("its session ended");
      }
      return;
    case Hold::kHandshake:
    case Hold::kPairing: {
      // A pairing exchange the implant dropped (a wrong code, the window closed) ends the hold.
      const bool pairing_over = hold_ == Hold::kPairing && (r == nullptr || !r->pairing().exchange);
      if (pairing_over) {
        release("its pairing exchange ended");
      } else if (SteadyClock::now() >= hold_until_) {
        // Its connection is closed by its own deadline unless a session opens by then.
        release("its handshake was not finished in time");
      }
      return;
    }
    case Hold::kNone:
      return;
  }
}

void VirtualImplant::release(std::string_view why) {
  note(fmt::format("connection {} gives the radio up: {}", holder_, why));
  hold_ = Hold::kNone;
  holder_ = 0;
  holder_epoch_ = 0;
}

void VirtualImplant::serve_waiting() {
  // The device that has waited longest first; stop as soon as one holds the radio. (Called
  // from the loop only: handle_frame never calls it, so frames are taken in order.)
  while (hold_ == Hold::kNone) {
    // A frame waits at most a deadline: its connection is closed then if nothing newer came.
    Connection* next = nullptr;
    for (const std::unique_ptr<Connection>& c : connections_) {
      if (c->waiting_since == 0) continue;
      if (next == nullptr || c->waiting_since < next->waiting_since) next = c.get();
    }
    if (next == nullptr) return;
    const std::vector<std::uint8_t> frame = std::move(next->waiting);
    next->waiting.clear();
    next->waiting_since = 0;
    handle_frame(next->id, frame);
  }
}

void VirtualImplant::answer_busy(std::uint64_t to) {
  stats_.busy_answers.fetch_add(1, std::memory_order_relaxed);
  protocol::LinkError e{};
  e.code = itdd_LinkErrorCode_LINK_ERROR_BUSY;
  e.min_version = protocol::kProtocolVersion;
  e.max_version = protocol::kProtocolVersion;
  const std::string_view text = "in a session with another device";
  std::copy(text.begin(), text.end(), e.message);
  std::array<std::uint8_t, protocol::kMaxLinkErrorSize> bytes{};
  const Result<std::size_t> n = protocol::encode(e, bytes);
  if (!n.ok()) return;
  std::vector<std::uint8_t> frame(protocol::frame_size(n.value()));
  if (!protocol::encode_frame(protocol::FrameType::kError, std::span(bytes.data(), n.value()),
                              frame)
           .ok()) {
    return;
  }
  send_frame(to, std::move(frame));
}

void VirtualImplant::send_frame(std::uint64_t to, std::vector<std::uint8_t> frame) {
  stats_.frames_out.fetch_add(1, std::memory_order_relaxed);
  if (SteadyClock::now() < silent_until_) {
    stats_.silenced_out.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!impair(frame, false)) return;
  if (options_.impairment.delay.count() > 0) {
    queue_.push_back(
        Queued{SteadyClock::now() + options_.impairment.delay, to, false, std::move(frame)});
    return;
  }
  Connection* c = find(to);
  if (c == nullptr) return;
  c->out.insert(c->out.end(), frame.begin(), frame.end());
  (void)flush_output(*c);
}

void VirtualImplant::deliver_due() {
  while (!queue_.empty() && queue_.front().due <= SteadyClock::now()) {
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    Connection* c = find(q.connection);
    if (c == nullptr) continue;  // its connection is gone
    if (q.to_implant) {
      handle_frame(q.connection, q.bytes);
    } else {
      c->out.insert(c->out.end(), q.bytes.begin(), q.bytes.end());
      (void)flush_output(*c);
    }
  }
}

// ---------------------------------------------------------------- the event loop

int VirtualImplant::poll_timeout_ms(bool behind) {
  if (behind || stop_.load()) return 0;
  double timeout = kMaxPollMs;
  const ImplantTime w = next_wake();
  if (!w.is_never()) {
    const std::int64_t ahead = w.ms() - last_now_ms_;
    // A wake still at or before now is one that did nothing when handled: look again soon.
    timeout = ahead <= 0 ? 1.0 : std::min(timeout, std::ceil(ahead / options_.speed));
  }
  for (const std::unique_ptr<Connection>& c : connections_) {
    const bool in_session = c->id == holder_ && hold_ == Hold::kSession;
    const double left =
        in_session ? ms_until(c->last_bytes + options_.connection_idle) : ms_until(c->deadline);
    timeout = std::min(timeout, left <= 0 ? 0.0 : std::ceil(left));
  }
  if (hold_ == Hold::kHandshake || hold_ == Hold::kPairing) {
    const double left = ms_until(hold_until_);
    timeout = std::min(timeout, left <= 0 ? 0.0 : std::ceil(left));
  }
  if (!queue_.empty()) {
    const double due = ms_until(queue_.front().due);
    timeout = std::min(timeout, due <= 0 ? 0.0 : std::ceil(due));
  }
  return static_cast<int>(std::max(0.0, timeout));
}

void VirtualImplant::serve_until_stopped() {
  std::vector<pollfd> fds;
  std::vector<std::uint64_t> ids;  // the connection behind fds[i + 2]
  while (!stop_.load()) {
    const bool behind = !catch_up(now());
    deliver_due();
    if (stop_.load()) break;
    // A session that ended on a wake, a hold past its time: the radio goes to whoever waits
    // before the deadlines are enforced (a waiting device's deadline may fall on this turn).
    release_if_over();
    serve_waiting();
    enforce_deadlines();
    fds.assign({{wake_pipe_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}});
    ids.clear();
    for (const std::unique_ptr<Connection>& c : connections_) {
      fds.push_back({c->fd, static_cast<short>(POLLIN | (c->out.empty() ? 0 : POLLOUT)), 0});
      ids.push_back(c->id);
    }
    const int r = ::poll(fds.data(), fds.size(), poll_timeout_ms(behind));
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
    // Each ready connection once, in order of arrival (a frame's answer may close others).
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const short ev = fds[i + 2].revents;
      if (ev == 0) continue;
      Connection* c = find(ids[i]);
      if (c == nullptr) continue;
      if ((ev & POLLOUT) != 0 && !flush_output(*c)) continue;
      if ((ev & (POLLIN | POLLHUP | POLLERR)) != 0) read_connection(*c);
    }
    if (fds[1].fd >= 0 && fds[1].revents != 0) accept_connections();
  }
  while (!connections_.empty()) close_connection(connections_.front()->id, "the implant stopped");
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
  s.connections_timed_out = stats_.connections_timed_out.load();
  s.connections_evicted = stats_.connections_evicted.load();
  s.busy_answers = stats_.busy_answers.load();
  s.frames_in = stats_.frames_in.load();
  s.frames_too_long = stats_.frames_too_long.load();
  s.frames_out = stats_.frames_out.load();
  s.dropped_in = stats_.dropped_in.load();
  s.dropped_out = stats_.dropped_out.load();
  s.silenced_out = stats_.silenced_out.load();
  s.corrupted_in = stats_.corrupted_in.load();
  s.corrupted_out = stats_.corrupted_out.load();
  s.wakes = stats_.wakes.load();
  s.cell_link_work_uj = stats_.cell_link_work_uj.load();
  return s;
}

}  // namespace itdd::sim

namespace itdd::sim {

host::Checked<TcpListener> TcpListener::open(const std::string& host, std::uint16_t port) {
  return detail::guarded([&] { return open_unguarded(host, port); });
}

host::Checked<std::uint16_t> VirtualImplant::listen(const std::string& host, std::uint16_t port) {
  host::Checked<TcpListener> listener = TcpListener::open(host, port);
  if (!listener.ok()) return listener.error();
  return listen(std::move(listener).value());
}

host::Checked<void> VirtualImplant::run() {
  return detail::guarded([&] { serve_until_stopped(); });
}

}  // namespace itdd::sim
