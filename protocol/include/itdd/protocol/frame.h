// Framing: how a payload travels on a byte stream (the radio, or TCP standing in for it).
//
//   offset  size  field
//   0       2     magic 0xA5 0x1D
//   2       1     protocol version (kProtocolVersion)
//   3       1     frame type (FrameType)
//   4       2     payload length, little-endian, at most kMaxPayload
//   6       n     payload
//   6+n     4     CRC-32 (IEEE, storage/crc32.h) of bytes 0 .. 6+n-1, little-endian
//
// The magic and the version never move, whatever later versions change. A receiver takes only
// the versions it speaks: any other is refused whole (it answers with an error frame naming the
// versions it speaks, and reads nothing else of it). The CRC catches what the radio damages;
// it is no defence against an attacker, which is the session layer's work (records are
// authenticated and encrypted there).
//
// No heap, no exceptions: the encoder writes into the caller's buffer, the decoder returns a
// view into the caller's bytes, and the reassembler owns one fixed buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "itdd/core/result.h"

namespace itdd::protocol {

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::array<std::uint8_t, 2> kFrameMagic = {0xA5, 0x1D};

inline constexpr std::size_t kFrameHeaderSize = 6;
inline constexpr std::size_t kFrameTrailerSize = 4;
inline constexpr std::size_t kFrameOverhead = kFrameHeaderSize + kFrameTrailerSize;
// The largest payload: the largest message (a full interrogation, seven flexible days of 48
// steps at their widest encoding, is under 9 KB) plus room for the session's record overhead.
inline constexpr std::size_t kMaxPayload = 10 * 1024;
inline constexpr std::size_t kMaxFrameSize = kMaxPayload + kFrameOverhead;

// What a frame carries. Values are stable; new types take new values.
enum class FrameType : std::uint8_t {
  kPairing = 1,    // plaintext pairing messages (before any session exists)
  kHandshake = 2,  // session handshake messages
  kRecord = 3,     // an encrypted record; its plaintext is a Request or a Response
  kError = 4,      // a plaintext LinkError: this peer could not take a frame
};

constexpr bool is_known(FrameType type) {
  const auto v = static_cast<std::uint8_t>(type);
  return v >= 1 && v <= 4;
}

// A decoded frame: its header fields and a view of its payload inside the decoded bytes.
struct FrameView {
  std::uint8_t version = kProtocolVersion;
  FrameType type = FrameType::kRecord;
  std::span<const std::uint8_t> payload{};
  std::size_t size = 0;  // bytes the whole frame takes
};

constexpr std::size_t frame_size(std::size_t payload_size) {
  return payload_size + kFrameOverhead;
}

// Writes one frame into `out`; returns its size. Refuses a payload over kMaxPayload, an unknown
// type, or an `out` too small, and then writes nothing.
Result<std::size_t> encode_frame(FrameType type, std::span<const std::uint8_t> payload,
                                 std::span<std::uint8_t> out);

// Decodes exactly one frame: `bytes` must hold the whole frame and nothing else. An error names
// the header part at fault in its field:
//   "frame.magic"    not a frame
//   "frame.version"  a version this peer does not speak
//   "frame.type"     an unknown frame type
//   "frame.length"   a length over kMaxPayload, or bytes after the frame
//   "frame.size"     fewer bytes than the header announces (truncated)
//   "frame.crc"      the CRC does not match
Result<FrameView> decode_frame(std::span<const std::uint8_t> bytes);

// Takes a byte stream in chunks of any size and gives back whole frames. Bytes that cannot
// start a valid frame (garbage, a damaged frame, another version) are dropped, and reading
// resumes at the next magic. Work per call is bounded by the buffer size.
//
//   reassembler.feed(chunk);                      // may take fewer bytes than offered
//   while (true) {
//     auto next = reassembler.next();
//     if (!next) { log(next.error()); continue; }  // bytes were dropped: here is why
//     if (!next.value()) break;                    // need more bytes
//     handle(*next.value());                       // valid until the next feed()/next()
//   }
class FrameReassembler {
 public:
  // Copies as many bytes as there is room for and returns how many it took. Room is made by
  // next(); the buffer always has room for one whole frame, so a caller who calls next()
  // until it asks for more bytes never stalls.
  std::size_t feed(std::span<const std::uint8_t> bytes);

  // The next whole frame; nothing if more bytes are needed; or an error saying why bytes were
  // dropped (the error's field as for decode_frame, or "frame.magic" for bytes before a magic;
  // its index is how many bytes were dropped). A frame view stays valid until the next call.
  Result<std::optional<FrameView>> next();

  std::size_t buffered() const { return size_ - start_; }
  std::uint64_t dropped_bytes() const { return dropped_; }
  std::uint64_t frames() const { return frames_; }
  // Forgets everything buffered (e.g. when the connection is reset).
  void reset() {
    start_ = 0;
    size_ = 0;
  }

 private:
  void compact();

  std::array<std::uint8_t, kMaxFrameSize> buffer_{};
  std::size_t start_ = 0;  // first unread byte
  std::size_t size_ = 0;   // end of buffered bytes
  std::uint64_t dropped_ = 0;
  std::uint64_t frames_ = 0;
};

}  // namespace itdd::protocol
