#include "itdd/board/frame_receiver.h"

#include <cstring>

#include "itdd/protocol/frame.h"

namespace itdd::board {
namespace {

bool magic_at(std::span<const std::uint8_t> b, std::size_t i, std::size_t size) {
  return b[i] == protocol::kFrameMagic[0] &&
         (i + 1 == size || b[i + 1] == protocol::kFrameMagic[1]);
}

std::size_t announced(std::span<const std::uint8_t> b, std::size_t at) {
  const std::size_t payload =
      static_cast<std::size_t>(b[at + 4]) | static_cast<std::size_t>(b[at + 5]) << 8;
  return protocol::frame_size(payload);
}

}  // namespace

FrameReceiver::Took FrameReceiver::push(std::uint8_t byte) {
  if (size_ == buffer_.size()) clear();  // a frame was not cleared: start again
  buffer_[size_++] = byte;
  // A magic inside the frame being received may start the frame that really follows a
  // truncated one: kept as a candidate, accepted if it completes with a good CRC first.
  if (size_ >= 3 && buffer_[size_ - 2] == protocol::kFrameMagic[0] &&
      buffer_[size_ - 1] == protocol::kFrameMagic[1]) {
    add_candidate(size_ - 2);
  }
  Took took = Took::kMore;
  // Each turn either returns or drops at least one byte: at most one turn per byte buffered.
  while (size_ > 0) {
    if (!magic_at(buffer_, 0, size_)) {
      resync();  // noise: dropped up to the next magic
      continue;
    }
    if (size_ < protocol::kFrameHeaderSize) return took;
    if (buffer_[2] != protocol::kProtocolVersion) {
      // Another version: its header is the radio's to answer (with the versions it speaks);
      // what follows it is noise to this receiver.
      dropped_ += size_ - protocol::kFrameHeaderSize;
      size_ = protocol::kFrameHeaderSize;
      candidates_ = 0;
      ++frames_;
      return Took::kFrame;
    }
    if (!protocol::is_known(static_cast<protocol::FrameType>(buffer_[3]))) {
      took = refuse(make_error(ErrorCode::kInvalidArgument, "frame.type", "unknown frame type"));
      continue;
    }
    const std::size_t whole = announced(buffer_, 0);
    if (whole > buffer_.size()) {
      took = refuse(make_error(ErrorCode::kInvalidArgument, "frame.length",
                               "longer than the largest frame this implant takes"));
      continue;
    }
    if (size_ < whole) {
      if (const std::size_t inner = complete_candidate(); inner > 0) {
        // A whole frame with a good CRC inside a frame still short of its announced end:
        // that one was truncated (refused); this one is taken.
        ++refused_;
        last_refusal_ = make_error(ErrorCode::kInvalidArgument, "frame.size",
                                   "truncated: another frame began before its end");
        dropped_ += inner;
        std::memmove(buffer_.data(), buffer_.data() + inner, size_ - inner);
        size_ -= inner;
        candidates_ = 0;
        ++frames_;
        return Took::kFrame;
      }
      return took;
    }
    const Result<protocol::FrameView> f = protocol::decode_frame(buffer_.first(whole));
    if (!f.ok()) {
      // Damage, or a truncated frame that ran into the next one.
      took = refuse(f.error());
      continue;
    }
    // Bytes after it (only after a refusal's resync) are lost with the reply written here.
    dropped_ += size_ - whole;
    size_ = whole;
    candidates_ = 0;
    ++frames_;
    return Took::kFrame;
  }
  return took;
}

void FrameReceiver::add_candidate(std::size_t at) {
  if (candidates_ == candidate_.size()) {
    // The oldest gives way: the frame a device sends last is the newest magic.
    for (std::size_t i = 1; i < candidates_; ++i) candidate_[i - 1] = candidate_[i];
    --candidates_;
  }
  candidate_[candidates_++] = at;
}

std::size_t FrameReceiver::complete_candidate() {
  std::size_t kept = 0;
  std::size_t found = 0;
  for (std::size_t i = 0; i < candidates_; ++i) {
    const std::size_t at = candidate_[i];
    if (size_ - at < protocol::kFrameHeaderSize) {
      candidate_[kept++] = at;
      continue;
    }
    const std::size_t whole = announced(buffer_, at);
    if (at + whole > size_) {
      if (whole <= buffer_.size() - at) candidate_[kept++] = at;  // may still complete
      continue;
    }
    // Complete now (it ends at this byte): taken if it decodes; never looked at again.
    if (found == 0 && at + whole == size_ &&
        protocol::decode_frame(buffer_.subspan(at, whole)).ok()) {
      found = at;
    }
  }
  candidates_ = kept;
  return found;
}

FrameReceiver::Took FrameReceiver::refuse(Error why) {
  ++refused_;
  last_refusal_ = why;
  resync();
  return Took::kRefused;
}

void FrameReceiver::resync() {
  // The next place a frame could start: a magic, or a first magic byte at the very end.
  std::size_t next = 1;
  while (next < size_ && !magic_at(buffer_, next, size_)) ++next;
  dropped_ += next;
  std::memmove(buffer_.data(), buffer_.data() + next, size_ - next);
  size_ -= next;
  // The magics left inside are candidates again, now counted from the new start.
  candidates_ = 0;
  for (std::size_t i = 1; i + 1 < size_; ++i) {
    if (buffer_[i] == protocol::kFrameMagic[0] && buffer_[i + 1] == protocol::kFrameMagic[1]) {
      add_candidate(i);
    }
  }
}

}  // namespace itdd::board
