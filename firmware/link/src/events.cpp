#include "itdd/link/events.h"

namespace itdd::link {

const char* name(Outcome outcome) {
  switch (outcome) {
    case Outcome::kHandshakeAccepted:
      return "handshake accepted";
    case Outcome::kHandshakeRefused:
      return "handshake refused";
    case Outcome::kSessionOpened:
      return "session opened";
    case Outcome::kSessionClosed:
      return "session closed";
    case Outcome::kSessionExpired:
      return "session expired";
    case Outcome::kRecordRefused:
      return "record refused";
    case Outcome::kLockoutStarted:
      return "lockout started";
    case Outcome::kPairingOpened:
      return "pairing opened";
    case Outcome::kPairingAnswered:
      return "pairing answered";
    case Outcome::kPairingRefused:
      return "pairing refused";
    case Outcome::kPairingClosed:
      return "pairing closed";
    case Outcome::kPaired:
      return "paired";
    case Outcome::kPeerProvisioned:
      return "peer provisioned";
    case Outcome::kPeerRemoved:
      return "peer removed";
    case Outcome::kPeerRemovalRefused:
      return "peer removal refused";
  }
  return "unknown";
}

const char* name(Reason reason) {
  switch (reason) {
    case Reason::kNone:
      return "none";
    case Reason::kMalformed:
      return "malformed";
    case Reason::kVersion:
      return "version";
    case Reason::kUnknownPeer:
      return "unknown peer";
    case Reason::kBadTag:
      return "bad tag";
    case Reason::kBadCounter:
      return "bad counter";
    case Reason::kLockedOut:
      return "locked out";
    case Reason::kNoSession:
      return "no session";
    case Reason::kCrypto:
      return "crypto";
    case Reason::kStorage:
      return "storage";
    case Reason::kWrongCode:
      return "wrong code";
    case Reason::kNoWindow:
      return "no window";
    case Reason::kNoExchange:
      return "no exchange";
    case Reason::kExpired:
      return "expired";
    case Reason::kAttemptsUsed:
      return "attempts used";
    case Reason::kTableFull:
      return "table full";
    case Reason::kAlreadyPaired:
      return "already paired";
    case Reason::kNotAllowed:
      return "not allowed";
    case Reason::kAbandoned:
      return "abandoned";
    case Reason::kByPeer:
      return "by peer";
    case Reason::kByImplant:
      return "by implant";
    case Reason::kReplaced:
      return "replaced";
    case Reason::kIdle:
      return "idle";
    case Reason::kLastClinician:
      return "last clinician";
    case Reason::kRateLimited:
      return "rate limited";
  }
  return "unknown";
}

}  // namespace itdd::link
