#include "itdd/protocol/frame.h"

#include <cstring>

#include "itdd/storage/crc32.h"

namespace itdd::protocol {
namespace {

constexpr std::size_t kVersionOffset = 2;
constexpr std::size_t kTypeOffset = 3;
constexpr std::size_t kLengthOffset = 4;

std::uint16_t read_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

std::uint32_t read_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

void write_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::int32_t clamp_count(std::size_t n) {
  return n > 0x7FFFFFFF ? 0x7FFFFFFF : static_cast<std::int32_t>(n);
}

Error frame_error(const char* field, const char* message, std::size_t dropped = 0,
                  ErrorCode code = ErrorCode::kInvalidArgument) {
  return make_error(code, field, message, dropped == 0 ? -1 : clamp_count(dropped));
}

Error bad_magic(std::size_t dropped = 0) {
  return frame_error("frame.magic", "not the start of a frame", dropped);
}
Error bad_version(std::size_t dropped = 0) {
  return frame_error("frame.version", "a protocol version this peer does not speak", dropped,
                     ErrorCode::kMismatch);
}
Error too_long(std::size_t dropped = 0) {
  return frame_error("frame.length", "payload length is over the maximum", dropped);
}
Error bad_crc(std::size_t dropped = 0) {
  return frame_error("frame.crc", "CRC-32 does not match: the frame is damaged", dropped);
}
Error unknown_type(std::size_t dropped = 0) {
  return frame_error("frame.type", "unknown frame type", dropped);
}

// Checks of a header whose first kFrameHeaderSize bytes are at hand, except the type (which
// is checked after the CRC, so a damaged type byte reads as damage).
Status check_header(const std::uint8_t* h) {
  if (h[0] != kFrameMagic[0] || h[1] != kFrameMagic[1]) return bad_magic();
  if (h[kVersionOffset] != kProtocolVersion) return bad_version();
  if (read_u16(h + kLengthOffset) > kMaxPayload) return too_long();
  return Status::Ok();
}

bool crc_matches(const std::uint8_t* frame, std::size_t payload_size) {
  const std::size_t covered = kFrameHeaderSize + payload_size;
  return storage::crc32(std::span<const std::uint8_t>(frame, covered)) == read_u32(frame + covered);
}

FrameView view_of(const std::uint8_t* frame) {
  const std::size_t length = read_u16(frame + kLengthOffset);
  FrameView v;
  v.version = frame[kVersionOffset];
  v.type = static_cast<FrameType>(frame[kTypeOffset]);
  v.payload = std::span<const std::uint8_t>(frame + kFrameHeaderSize, length);
  v.size = frame_size(length);
  return v;
}

}  // namespace

Result<std::size_t> encode_frame(FrameType type, std::span<const std::uint8_t> payload,
                                 std::span<std::uint8_t> out) {
  if (!is_known(type)) return unknown_type();
  if (payload.size() > kMaxPayload) return too_long();
  const std::size_t total = frame_size(payload.size());
  if (out.size() < total) {
    return make_error(ErrorCode::kCapacity, "frame", "output buffer is too small for the frame");
  }
  std::uint8_t* p = out.data();
  p[0] = kFrameMagic[0];
  p[1] = kFrameMagic[1];
  p[kVersionOffset] = kProtocolVersion;
  p[kTypeOffset] = static_cast<std::uint8_t>(type);
  p[kLengthOffset] = static_cast<std::uint8_t>(payload.size());
  p[kLengthOffset + 1] = static_cast<std::uint8_t>(payload.size() >> 8);
  if (!payload.empty()) std::memmove(p + kFrameHeaderSize, payload.data(), payload.size());
  const std::size_t covered = kFrameHeaderSize + payload.size();
  write_u32(p + covered, storage::crc32(std::span<const std::uint8_t>(p, covered)));
  return total;
}

Result<FrameView> decode_frame(std::span<const std::uint8_t> bytes) {
  if ((!bytes.empty() && bytes[0] != kFrameMagic[0]) ||
      (bytes.size() > 1 && bytes[1] != kFrameMagic[1])) {
    return bad_magic();
  }
  if (bytes.size() < kFrameHeaderSize) {
    return make_error(ErrorCode::kInvalidArgument, "frame.size",
                      "truncated: fewer bytes than a frame header");
  }
  if (Status s = check_header(bytes.data()); !s) return s.error();
  const std::size_t length = read_u16(bytes.data() + kLengthOffset);
  if (bytes.size() < frame_size(length)) {
    return make_error(ErrorCode::kInvalidArgument, "frame.size",
                      "truncated: fewer bytes than the header announces");
  }
  if (bytes.size() > frame_size(length)) {
    return make_error(ErrorCode::kInvalidArgument, "frame.length",
                      "bytes follow the frame the header announces");
  }
  if (!crc_matches(bytes.data(), length)) return bad_crc();
  const FrameView v = view_of(bytes.data());
  if (!is_known(v.type)) return unknown_type();
  return v;
}

void FrameReassembler::compact() {
  if (start_ == 0) return;
  const std::size_t n = size_ - start_;
  if (n > 0) std::memmove(buffer_.data(), buffer_.data() + start_, n);
  start_ = 0;
  size_ = n;
}

std::size_t FrameReassembler::feed(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > buffer_.size() - size_) compact();
  const std::size_t room = buffer_.size() - size_;
  const std::size_t take = bytes.size() < room ? bytes.size() : room;
  if (take > 0) std::memcpy(buffer_.data() + size_, bytes.data(), take);
  size_ += take;
  return take;
}

Result<std::optional<FrameView>> FrameReassembler::next() {
  // Position of the first byte at or after `from` that may start a frame (a magic, or its first
  // byte as the last one buffered), or size_.
  const auto next_candidate = [this](std::size_t from) {
    for (std::size_t p = from; p < size_; ++p) {
      if (buffer_[p] == kFrameMagic[0] && (p + 1 == size_ || buffer_[p + 1] == kFrameMagic[1])) {
        return p;
      }
    }
    return size_;
  };
  // Drops from start_ up to the next candidate after it; returns how many bytes went.
  const auto drop_one_frame_start = [&]() {
    const std::size_t to = next_candidate(start_ + 1);
    const std::size_t n = to - start_;
    start_ = to;
    dropped_ += n;
    return n;
  };

  const std::size_t first = next_candidate(start_);
  if (first > start_) {
    const std::size_t n = first - start_;
    start_ = first;
    dropped_ += n;
    return bad_magic(n);
  }
  if (size_ - start_ < kFrameHeaderSize) return std::optional<FrameView>();
  const std::uint8_t* frame = buffer_.data() + start_;
  if (Status s = check_header(frame); !s) {
    Error e = s.error();
    e.index = clamp_count(drop_one_frame_start());
    return e;
  }
  const std::size_t length = read_u16(frame + kLengthOffset);
  if (size_ - start_ < frame_size(length)) return std::optional<FrameView>();
  if (!crc_matches(frame, length)) return bad_crc(drop_one_frame_start());
  const FrameView v = view_of(frame);
  start_ += v.size;
  if (!is_known(v.type)) {
    dropped_ += v.size;
    return unknown_type(v.size);
  }
  ++frames_;
  if (start_ == size_) {
    start_ = 0;
    size_ = 0;
  }
  return std::optional<FrameView>(v);
}

}  // namespace itdd::protocol
