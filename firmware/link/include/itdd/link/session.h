// One direction-keyed record channel, the same on both ends once a handshake has given it its
// keys. A record is
//     counter u64 LE | type u8 | ciphertext | tag 16
// sealed with ChaCha20-Poly1305 under the sender's direction key, with
//     nonce = direction u8 | 0 0 0 | counter u64 LE
//     associated data = epoch u64 LE | counter u64 LE | type u8.
// Counters start at 1 (0 is the handshake's confirmation tag) and the receiver accepts only a
// counter strictly above the last one it accepted: a replay in the same session fails the
// counter; a record of another session fails the tag (other keys, other epoch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/wire.h"

namespace itdd::link {

enum class Direction : std::uint8_t {
  kInitiatorToResponder = 1,
  kResponderToInitiator = 2,
};

// The nonce of record `counter` in `direction`.
hal::AeadNonce record_nonce(Direction direction, std::uint64_t counter);

struct Opened {
  RecordType type = RecordType::kData;
  std::size_t size = 0;  // plaintext bytes written
  std::uint64_t counter = 0;
};

class Session {
 public:
  Session() = default;
  Session(Direction sends, const hal::AeadKey& send_key, const hal::AeadKey& receive_key,
          std::uint64_t epoch, ImplantTime now);

  bool active() const { return active_; }
  std::uint64_t epoch() const { return epoch_; }
  std::uint64_t sent() const { return sent_; }          // last counter sealed
  std::uint64_t received() const { return received_; }  // last counter accepted
  ImplantTime last_activity() const { return last_activity_; }
  bool idle_since(ImplantTime now, Duration idle) const { return now - last_activity_ >= idle; }

  // Seals `plaintext` (at most kMaxRecordPayload bytes) as the next record into `out` (at least
  // plaintext.size() + kRecordOverhead bytes); returns its size. `plaintext` either does not
  // overlap `out` or lies exactly at out + kRecordHeaderSize (sealed in place).
  Result<std::size_t> seal(hal::Crypto& crypto, RecordType type, hal::ByteView plaintext,
                           std::span<std::uint8_t> out, ImplantTime now);
  // Opens a received record into `plaintext` (at least record.size() - kRecordOverhead bytes),
  // which either does not overlap `record` or lies exactly at record + kRecordHeaderSize
  // (opened in place: the tag is checked before anything is written).
  // Errors, with nothing changed: kInvalidArgument (malformed: length, type, buffer),
  // kMismatch (field "record.counter": not above the last accepted), kRefused (field
  // "record.tag": authentication failed).
  Result<Opened> open(hal::Crypto& crypto, hal::ByteView record, std::span<std::uint8_t> plaintext,
                      ImplantTime now);

  // Forgets the keys.
  void end();

 private:
  bool active_ = false;
  Direction sends_ = Direction::kInitiatorToResponder;
  hal::AeadKey send_key_{};
  hal::AeadKey receive_key_{};
  std::uint64_t epoch_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  ImplantTime last_activity_{};
};

}  // namespace itdd::link
