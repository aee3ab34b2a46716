// What the link tells the implant's event log: one value per outcome (a session opened, a
// record refused, a lockout, a device paired...). The link writes no log of its own; the
// integrator turns these into log records.
#pragma once

#include <cstdint>

#include "itdd/core/time.h"
#include "itdd/link/types.h"

namespace itdd::link {

enum class Outcome : std::uint8_t {
  kHandshakeAccepted,   // Accept sent; the session waits for the initiator's first record
  kHandshakeRefused,    // a Hello refused (reason says why)
  kSessionOpened,       // the first record decrypted: the initiator is authenticated
  kSessionClosed,       // ended by either side, replaced by a newer session, or abandoned
  kSessionExpired,      // idle too long
  kRecordRefused,       // a record that did not decrypt, replayed, or malformed
  kLockoutStarted,      // too many failures in a row; a = lockout length (ms)
  kPairingOpened,       // a window for `role`; by = who opened it; a = validity (ms)
  kPairingAnswered,     // a PairHello answered
  kPairingRefused,      // a PairHello or PairProof refused; a = attempts left
  kPairingClosed,       // the window closed (expired, attempts used, closed, replaced)
  kPaired,              // a device added to the peer table by pairing; by = who opened the window
  kPeerProvisioned,     // a device added by the factory/service path (by = kNoPeer: no session)
  kPeerRemoved,         // by = the session that removed it
  kPeerRemovalRefused,  // kNotAllowed (the role rule) or kLastClinician; by = who asked
};

enum class Reason : std::uint8_t {
  kNone,
  kMalformed,     // wrong length, unknown type, low-order key
  kVersion,       // another link version
  kUnknownPeer,   // a static key not in the peer table
  kBadTag,        // authentication failed (wrong keys, tampered bytes, an earlier session)
  kBadCounter,    // a record counter not above the last accepted one (a replay)
  kLockedOut,     // refused without looking: a lockout is running
  kNoSession,     // a record with no session to belong to
  kCrypto,        // the crypto port failed
  kStorage,       // the state could not be committed; nothing was sent
  kWrongCode,     // a pairing proof that does not match the code
  kNoWindow,      // pairing while no window is open
  kNoExchange,    // a PairProof without a PairHello
  kExpired,       // a pairing window past its time
  kAttemptsUsed,  // the window's attempts are used up
  kTableFull,
  kAlreadyPaired,
  kNotAllowed,  // the session's role may not do this
  kAbandoned,   // a handshake whose initiator never sent its first record
  kByPeer,      // the peer sent a close record
  kByImplant,   // the implant closed it
  kReplaced,    // a newer session or window took its place
  kIdle,
  kLastClinician,  // removing this device would leave the implant without a clinician
  kRateLimited,    // a paired key's handshakes beyond its rate (refused before any crypto)
};

const char* name(Outcome outcome);
const char* name(Reason reason);

struct LinkEvent {
  ImplantTime at{};
  Outcome outcome = Outcome::kHandshakeAccepted;
  Reason reason = Reason::kNone;
  PeerId peer = kNoPeer;  // kNoPeer when the sender is not (yet) known
  Role role = Role::kNone;
  std::uint64_t epoch = 0;  // the session's epoch, where there is one
  std::int64_t a = 0;       // per outcome, see above; for refusals: failures in a row
  // Who did it, for the peer table's changes (window opened, paired, removed, removal refused):
  // the peer id and role of the session that asked; `peer` and `role` are the device (or the
  // window) it was done to.
  PeerId by = kNoPeer;
  Role by_role = Role::kNone;
  // Refused Hellos and PairHellos: the claimed static key's first 7 bytes (big-endian), so the
  // log can tell devices apart, paired or not; 0 when there is none.
  std::uint64_t key_id = 0;
  constexpr bool operator==(const LinkEvent&) const = default;
};

// A claimed key's first 7 bytes, big-endian (never 0 for a nonzero key's usual prefix; fits an
// int64 log field as a positive number).
constexpr std::uint64_t key_id(const PublicKey& key) {
  std::uint64_t id = 0;
  for (std::size_t i = 0; i < 7; ++i) id = (id << 8) | key[i];
  return id;
}

class EventSink {
 public:
  virtual void record(const LinkEvent& event) = 0;

 protected:
  ~EventSink() = default;
};

}  // namespace itdd::link
