#include "itdd/programmer/tcp_transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>

namespace itdd::programmer {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kSendTimeout{5000};

Error address_error(const char* message) {
  return make_error(ErrorCode::kInvalidArgument, "address", message);
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 60'000 ? 60'000 : static_cast<int>(left.count());
}

// poll() on one descriptor, restarted after a signal; the revents, 0 on timeout, -1 on error.
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r;
    return p.revents;
  }
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text, bool allow_port_zero) {
  Endpoint e;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return address_error("expected [IPv6]:PORT");
    }
    e.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return address_error("expected HOST:PORT");
    e.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (e.host.empty()) return address_error("the host is empty (e.g. 127.0.0.1:PORT)");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return address_error("the port must be a number from 0 to 65535");
  }
  if (value == 0 && !allow_port_zero) return address_error("the port must be 1 to 65535");
  e.port = static_cast<std::uint16_t>(value);
  return e;
}

TcpTransport::~TcpTransport() {
  close();
}

void TcpTransport::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  peer_closed_ = false;
  reassembler_.reset();
  pending_.clear();
  frames_.clear();
}

Error TcpTransport::fail(int os_error, const char* message) {
  os_error_ = os_error;
  return make_error(ErrorCode::kRefused, "transport", message);
}

Status TcpTransport::connect(const Endpoint& to, std::chrono::milliseconds timeout) {
  close();
  os_error_ = 0;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(to.port);
  if (const int r = ::getaddrinfo(to.host.c_str(), port.c_str(), &hints, &found); r != 0) {
    return address_error("the host does not resolve (use 127.0.0.1 for a virtual implant)");
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  Error last = fail(0, "could not connect");
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = fail(errno, "could not open a socket");
      continue;
    }
    int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
    int err = r == 0 ? 0 : errno;
    if (r != 0 && err == EINPROGRESS) {
      const int ev = wait_for(fd, POLLOUT, deadline);
      if (ev == 0) {
        ::close(fd);
        last = fail(ETIMEDOUT, "no answer to the connection before the timeout");
        continue;
      }
      socklen_t len = sizeof err;
      if (ev < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
    if (err != 0) {
      ::close(fd);
      switch (err) {
        case ECONNREFUSED:
          last = fail(err,
                      "connection refused: nothing listens there (is `itdd implant serve` "
                      "running on this address?)");
          break;
        case ETIMEDOUT:
          last = fail(err, "no answer to the connection before the timeout");
          break;
        case ENETUNREACH:
        case EHOSTUNREACH:
          last = fail(err, "the address cannot be reached");
          break;
        default:
          last = fail(err, "could not connect");
          break;
      }
      continue;
    }
    const int one = 1;
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fd_ = fd;
    break;
  }
  ::freeaddrinfo(found);
  if (fd_ < 0) return last;
  os_error_ = 0;
  return Status::Ok();
}

Status TcpTransport::send(std::span<const std::uint8_t> frame) {
  if (fd_ < 0) return fail(ENOTCONN, "not connected to the implant");
  const Clock::time_point deadline = Clock::now() + kSendTimeout;
  std::size_t done = 0;
  while (done < frame.size()) {
    const ssize_t w = ::send(fd_, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
    if (w > 0) {
      done += static_cast<std::size_t>(w);
      bytes_sent_ += static_cast<std::uint64_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int ev = wait_for(fd_, POLLOUT, deadline);
      if (ev == 0) return fail(ETIMEDOUT, "the implant is not taking data (send timed out)");
      if (ev < 0) return fail(errno, "the connection failed");
      continue;
    }
    return fail(w < 0 ? errno : EPIPE, "the connection to the implant is gone");
  }
  return Status::Ok();
}

void TcpTransport::drain() {
  std::size_t offset = 0;
  for (;;) {
    if (offset < pending_.size()) {
      offset += reassembler_.feed(std::span(pending_).subspan(offset));
    }
    bool more_bytes_needed = false;
    while (!more_bytes_needed) {
      const Result<std::optional<protocol::FrameView>> next = reassembler_.next();
      if (!next.ok()) continue;  // damaged bytes skipped; the client sees only whole frames
      if (!next.value()) {
        more_bytes_needed = true;
        break;
      }
      const protocol::FrameView& f = *next.value();
      const std::uint8_t* start = f.payload.data() - protocol::kFrameHeaderSize;
      frames_.emplace_back(start, start + f.size);
    }
    if (offset >= pending_.size()) break;
  }
  pending_.clear();
}

Result<std::vector<std::uint8_t>> TcpTransport::receive(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::array<std::uint8_t, 16 * 1024> chunk{};
  for (;;) {
    if (!frames_.empty()) {
      std::vector<std::uint8_t> f = std::move(frames_.front());
      frames_.pop_front();
      return f;
    }
    if (fd_ < 0) return fail(ENOTCONN, "not connected to the implant");
    if (peer_closed_) return fail(ECONNRESET, "the implant closed the connection");
    const ssize_t r = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (r > 0) {
      bytes_received_ += static_cast<std::uint64_t>(r);
      pending_.insert(pending_.end(), chunk.begin(), chunk.begin() + r);
      drain();
      continue;
    }
    if (r == 0) {
      peer_closed_ = true;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      peer_closed_ = true;
      return fail(errno, "the connection to the implant failed");
    }
    const int ev = wait_for(fd_, POLLIN, deadline);
    if (ev == 0) return fail(ETIMEDOUT, "no frame from the implant before the timeout");
    if (ev < 0) return fail(errno, "the connection failed");
  }
}

}  // namespace itdd::programmer
