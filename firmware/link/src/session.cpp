#include "itdd/link/session.h"

#include <algorithm>
#include <array>

#include "secure.h"

namespace itdd::link {
namespace {

constexpr std::size_t kAdSize = 8 + 8 + 1;

std::array<std::uint8_t, kAdSize> associated_data(std::uint64_t epoch, std::uint64_t counter,
                                                  RecordType type) {
  std::array<std::uint8_t, kAdSize> ad{};
  put_u64(ad.data(), epoch);
  put_u64(ad.data() + 8, counter);
  ad[16] = static_cast<std::uint8_t>(type);
  return ad;
}

Direction opposite(Direction d) {
  return d == Direction::kInitiatorToResponder ? Direction::kResponderToInitiator
                                               : Direction::kInitiatorToResponder;
}

}  // namespace

hal::AeadNonce record_nonce(Direction direction, std::uint64_t counter) {
  hal::AeadNonce nonce{};
  nonce[0] = static_cast<std::uint8_t>(direction);
  put_u64(nonce.data() + 4, counter);
  return nonce;
}

Session::Session(Direction sends, const hal::AeadKey& send_key, const hal::AeadKey& receive_key,
                 std::uint64_t epoch, ImplantTime now)
    : active_(true),
      sends_(sends),
      send_key_(send_key),
      receive_key_(receive_key),
      epoch_(epoch),
      last_activity_(now) {}

Result<std::size_t> Session::seal(hal::Crypto& crypto, RecordType type, hal::ByteView plaintext,
                                  std::span<std::uint8_t> out, ImplantTime now) {
  if (!active_) return make_error(ErrorCode::kRefused, "session", "no session");
  if (type != RecordType::kData && type != RecordType::kClose) {
    return make_error(ErrorCode::kInvalidArgument, "record.type", "unknown record type");
  }
  if (plaintext.size() > kMaxRecordPayload) {
    return make_error(ErrorCode::kInvalidArgument, "record", "payload larger than the largest");
  }
  if (type == RecordType::kClose && !plaintext.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "record", "a close record has no payload");
  }
  const std::size_t size = plaintext.size() + kRecordOverhead;
  if (out.size() < size) {
    return make_error(ErrorCode::kInvalidArgument, "out", "buffer too small for the record");
  }
  if (sent_ == UINT64_MAX) {
    return make_error(ErrorCode::kRefused, "record.counter",
                      "counter exhausted: open another session");
  }
  const std::uint64_t counter = sent_ + 1;
  put_u64(out.data(), counter);
  out[8] = static_cast<std::uint8_t>(type);
  const auto ad = associated_data(epoch_, counter, type);
  hal::AeadTag tag{};
  const Status s = crypto.aead_encrypt(send_key_, record_nonce(sends_, counter), ad, plaintext,
                                       out.subspan(kRecordHeaderSize, plaintext.size()), tag);
  if (!s.ok()) return s.error();
  std::copy(tag.begin(), tag.end(), out.begin() + static_cast<std::ptrdiff_t>(size - tag.size()));
  sent_ = counter;
  last_activity_ = now;
  return size;
}

Result<Opened> Session::open(hal::Crypto& crypto, hal::ByteView record,
                             std::span<std::uint8_t> plaintext, ImplantTime now) {
  if (!active_) return make_error(ErrorCode::kRefused, "session", "no session");
  const Result<RecordHeader> header = decode_record_header(record);
  if (!header.ok()) return header.error();
  const std::size_t size = record.size() - kRecordOverhead;
  if (plaintext.size() < size) {
    return make_error(ErrorCode::kInvalidArgument, "plaintext", "buffer too small for the record");
  }
  if (header->counter <= received_) {
    return make_error(ErrorCode::kMismatch, "record.counter",
                      "not above the last accepted counter (a replay)");
  }
  hal::AeadTag tag{};
  std::copy(record.end() - static_cast<std::ptrdiff_t>(tag.size()), record.end(), tag.begin());
  const auto ad = associated_data(epoch_, header->counter, header->type);
  const Status s =
      crypto.aead_decrypt(receive_key_, record_nonce(opposite(sends_), header->counter), ad,
                          record.subspan(kRecordHeaderSize, size), tag, plaintext.first(size));
  if (!s.ok()) {
    return make_error(ErrorCode::kRefused, "record.tag", "authentication failed");
  }
  received_ = header->counter;
  last_activity_ = now;
  return Opened{header->type, size, header->counter};
}

void Session::end() {
  wipe(send_key_);
  wipe(receive_key_);
  active_ = false;
}

}  // namespace itdd::link
