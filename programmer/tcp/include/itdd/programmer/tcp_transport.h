// A programmer::Transport over TCP: what a programmer on a PC uses to reach a virtual implant
// (`itdd implant serve`), which listens on loopback in place of the radio. Frames are written
// whole; received bytes go through a protocol::FrameReassembler, so a frame split across reads
// or several frames in one read come out as whole frames, and damaged bytes are skipped.
//
// Errors are values, never exceptions: a connection refused, an address that does not parse or
// resolve, a timeout, a connection the implant closed. Each names the field "transport" (or
// "address" for a bad HOST:PORT) and says what to check; os_error() keeps the errno.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/programmer/client.h"
#include "itdd/protocol/frame.h"

namespace itdd::programmer {

// HOST:PORT, e.g. 127.0.0.1:40123, localhost:40123 or [::1]:40123.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

// Parses HOST:PORT. Port 0 ("any free port") only where `allow_port_zero` (a listener).
// Errors name the field "address": no colon, an empty host, a port that is not 0-65535.
Result<Endpoint> parse_endpoint(std::string_view text, bool allow_port_zero = false);

class TcpTransport final : public Transport {
 public:
  TcpTransport() = default;
  ~TcpTransport() override;
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  // Connects (closing any earlier connection), giving up after `timeout`.
  Status connect(const Endpoint& to, std::chrono::milliseconds timeout);
  bool connected() const { return fd_ >= 0; }
  void close();

  // Writes one whole frame (waits up to 5 s for room in the socket).
  Status send(std::span<const std::uint8_t> frame) override;
  // The next whole frame, or an error after `timeout`, or when the implant closed the
  // connection (frames that had arrived before are still given out first).
  Result<std::vector<std::uint8_t>> receive(std::chrono::milliseconds timeout) override;

  // errno of the last failure (0: none), for a message with the system's own words.
  int os_error() const { return os_error_; }
  // Bytes on the wire since construction (TCP payload, both ways).
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  // Bytes the reassembler skipped (damaged frames, garbage).
  std::uint64_t bytes_dropped() const { return reassembler_.dropped_bytes(); }

 private:
  // Moves buffered input into the reassembler and whole frames into frames_.
  void drain();
  Error fail(int os_error, const char* message);

  int fd_ = -1;
  int os_error_ = 0;
  bool peer_closed_ = false;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
  protocol::FrameReassembler reassembler_;
  std::vector<std::uint8_t> pending_;  // read but not yet taken by the reassembler
  std::deque<std::vector<std::uint8_t>> frames_;
};

}  // namespace itdd::programmer
