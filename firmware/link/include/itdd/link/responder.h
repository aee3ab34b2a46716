// The implant's end of the secure link: answers handshakes from paired devices, opens and seals
// records, backs off after failed authentication, and runs the pairing window. Bytes in, bytes
// out: the protocol's frames carry what it produces. It keeps no clock (every call takes
// `now`), allocates nothing, logs nothing (every outcome goes to the EventSink) and makes its
// persistent state durable through StateStore before it answers.
//
// Sessions: one authenticated session at a time, plus one answered handshake waiting for the
// initiator's first record. A later handshake does not disturb the live session until its own
// first record decrypts (a replayed Hello cannot cut a clinician off); then it replaces it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/events.h"
#include "itdd/link/link_state.h"
#include "itdd/link/session.h"
#include "itdd/link/wire.h"

namespace itdd::link {

// Failures in a row before a lockout, and its length. Kept per claimed paired identity for
// handshakes (a device's allowance: junk that claims no paired key touches nobody's), and once
// for the pairing path (a PairHello claims no identity).
struct BackoffConfig {
  std::int32_t failures_before_lockout = 3;  // failures in a row that start a lockout
  Duration first_lockout = seconds(1);       // doubled with each lockout in a row
  Duration max_lockout = minutes(5);
};

// A token bucket: `burst` at once, then one more every `interval`.
struct RateLimit {
  std::int32_t burst = 1;
  Duration interval = seconds(1);
};

struct ResponderConfig {
  Duration idle_timeout = minutes(10);       // a session with no record for this long ends
  Duration handshake_timeout = seconds(30);  // an Accept with no first record is abandoned
  BackoffConfig backoff{};
  // Handshakes each paired key may start, checked before any Diffie-Hellman work or flash
  // write: 32 at once (a programmer on a lossy link retries, a script runs command after
  // command), then two a second (at most 7,232 an hour per key, 57,856 for a full table).
  RateLimit hello_rate{32, milliseconds(500)};
  // Error answers to what proves no paired identity (unknown keys, junk records, pairing
  // refusals): 4 at once, then one every 2 s; beyond that the implant stays silent.
  RateLimit unauthenticated_answers{4, seconds(2)};
  std::int32_t pairing_attempts = 3;
  std::int32_t pairing_hellos = 6;  // PairHellos answered per window (each costs crypto)
  // Epochs reserved by one flash write: the responder commits the end of a block and hands
  // out its epochs from RAM; after a reset it starts above the committed end, so an epoch is
  // never reused (docs/threat-model.md: the flash wear budget).
  std::uint64_t epoch_block = 65536;
};

// Why the last refusal was made and whether to say so: the integrator answers with an error
// frame only when `answer` is set (an implant must not transmit on demand to an outsider).
struct Refusal {
  Reason reason = Reason::kNone;
  Duration retry_after{0};  // a lockout or rate limit: when to try again (0: not that)
  bool answer = false;
  PeerId peer = kNoPeer;  // the paired identity it claimed, if any
};

// The longest a pairing window stays open.
inline constexpr Duration kPairingValidity = minutes(5);

// A one-time pairing code: six decimal digits, shown to the clinician and typed into the device.
struct PairingCode {
  std::array<char, 6> digits{};
  constexpr bool operator==(const PairingCode&) const = default;
};

// What the integrator needs to know about a session (the command layer authorises by `role`).
struct SessionInfo {
  PeerId peer = kNoPeer;
  Role role = Role::kNone;
  std::uint64_t epoch = 0;
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  ImplantTime last_activity{};
  constexpr bool operator==(const SessionInfo&) const = default;
};

struct PairingInfo {
  bool open = false;
  Role role = Role::kNone;
  ImplantTime expires{};
  std::int32_t attempts_left = 0;
  bool exchange = false;  // a PairHello answered, its PairProof awaited
  constexpr bool operator==(const PairingInfo&) const = default;
};

struct BackoffInfo {
  std::int32_t failures_in_a_row = 0;
  std::int32_t lockouts_in_a_row = 0;
  ImplantTime locked_until{};
  constexpr bool operator==(const BackoffInfo&) const = default;
};

// A token bucket's state (RAM).
struct Bucket {
  std::int32_t tokens = 0;
  ImplantTime refilled_at{};
  constexpr bool operator==(const Bucket&) const = default;
};

// A record opened by the responder.
struct Received {
  RecordType type = RecordType::kData;  // kClose: the session has ended
  std::size_t size = 0;                 // plaintext bytes
  PeerId peer = kNoPeer;
  Role role = Role::kNone;
  bool session_opened = false;  // this record authenticated a fresh session
};

class Responder {
  struct Checked;  // proof that restore's checks passed: only Responder makes one

 public:
  // Validates `state` (see validate()) and starts with no session and no pairing window.
  static Result<Responder> restore(const LinkState& state, hal::Crypto& crypto, StateStore& store,
                                   EventSink& events, const ResponderConfig& config = {});
  // The same checks and refusals, in the same order, then the responder built in `place`
  // itself (`state` copied once, into it): no responder on the caller's stack, as a board
  // needs (docs/footprint.md). A refusal leaves `place` as it was; it is emplaced only when
  // every check has passed. `state` must not be the state of the responder in `place`.
  static Status restore_into(std::optional<Responder>& place, const LinkState& state,
                             hal::Crypto& crypto, StateStore& store, EventSink& events,
                             const ResponderConfig& config = {});
  // For restore and restore_into only (a Checked is made nowhere else).
  Responder(Checked, const LinkState& state, hal::Crypto& crypto, StateStore& store,
            EventSink& events, const ResponderConfig& config);

  // ---- handshake ----
  // Answers a Hello from a paired device: a fresh ephemeral, the next epoch (a new block of
  // epochs committed through the StateStore when the reserved one is used up), the session
  // keys, and the Accept to send. Refused (state unchanged but for the counters), cheapest
  // first: malformed, another version, an unknown static key (none of these counts against
  // anyone), the claimed identity locked out or over its rate (counted nowhere); then, after
  // the Diffie-Hellman work, a low-order key (a failure of the claimed identity), a failing
  // commit. last_refusal() says why and whether to answer.
  Result<AcceptBytes> on_hello(hal::ByteView hello, ImplantTime now);

  // ---- records ----
  // Opens a record of the live session, or the first record of the answered handshake (which
  // authenticates its initiator and makes it the live session).
  Result<Received> open(hal::ByteView record, std::span<std::uint8_t> plaintext, ImplantTime now);
  // Seals a reply in the live, authenticated session.
  Result<std::size_t> seal(hal::ByteView plaintext, std::span<std::uint8_t> out, ImplantTime now);
  // Seals a close record into `out` and ends the live session.
  Result<std::size_t> close(std::span<std::uint8_t> out, ImplantTime now);

  // Ends what has timed out: an idle session, an abandoned handshake, an expired pairing
  // window. Every other call does this first; call it at next_deadline() to be exact.
  void tick(ImplantTime now);
  // When tick() next has something to do (never if nothing is pending).
  ImplantTime next_deadline() const;

  // ---- pairing ----
  // Opens a pairing window for `role`, valid for `validity` (at most kPairingValidity), and
  // returns its one-time code. Only for a live session whose role may pair `role`
  // (may_pair_or_remove: a clinician any role, a service tool only service tools); the device
  // that pairs is logged with who opened the window.
  Result<PairingCode> open_pairing(Role role, ImplantTime now,
                                   Duration validity = kPairingValidity);
  void close_pairing(ImplantTime now);
  // The pairing device's PairHello; answers PairAccept.
  Result<PairAcceptBytes> on_pair_hello(hal::ByteView pair_hello, ImplantTime now);
  // The device's PairProof; on the right code adds the device to the peer table (committed)
  // and answers PairConfirm. A wrong code uses one attempt; the last closes the window.
  Result<PairConfirmBytes> on_pair_proof(hal::ByteView pair_proof, ImplantTime now);

  // ---- the peer table (factory/service path, or a clinician's command) ----
  Result<PeerId> provision(const PublicKey& key, Role role, ImplantTime now);
  // Removes a peer at the request of the live session (ending the peer's sessions) and commits.
  // Refused (kRefused, nothing changed, a kPeerRemovalRefused event) when there is no live
  // session, when its role may not remove the peer's role (may_pair_or_remove), or when the peer
  // is the last clinician: the clinic must always be able to reprogram the pump, and nothing
  // over the radio can pair a clinician without a clinician.
  Status remove_peer(PeerId peer, ImplantTime now);

  // ---- views ----
  const LinkState& state() const { return state_; }
  const PublicKey& public_key() const { return state_.identity.public_key; }
  std::optional<SessionInfo> session() const;  // the live, authenticated session
  // An answered handshake (one per paired device): the newest, or that device's.
  std::optional<SessionInfo> pending() const;
  std::optional<SessionInfo> pending(PeerId peer) const;
  PairingInfo pairing() const;
  // The pairing path's backoff (PairHellos and PairProofs claim no identity).
  BackoffInfo backoff() const { return pairing_backoff_; }
  bool locked_out(ImplantTime now) const { return now < pairing_backoff_.locked_until; }
  // A paired device's own allowance for handshakes (BackoffInfo{} for an unknown id).
  BackoffInfo backoff(PeerId peer) const;
  bool locked_out(PeerId peer, ImplantTime now) const { return now < backoff(peer).locked_until; }
  // Why the last call was refused, and whether the integrator should answer it.
  const Refusal& last_refusal() const { return refusal_; }
  // The newest epoch handed out (the committed state holds the end of its block).
  std::uint64_t epoch() const { return epoch_used_; }
  // Work done so far that costs energy (for the battery's counters): X25519 scalar
  // multiplications (key generation and the pairing generator's map included) and commits.
  struct Work {
    std::int64_t x25519 = 0;
    std::int64_t commits = 0;
  };
  const Work& work() const { return work_; }

 private:
  struct Slot {
    Session session;
    PeerId peer = kNoPeer;
    Role role = Role::kNone;
    ImplantTime deadline{};  // a pending handshake's timeout
  };
  struct Window {
    bool open = false;
    Role role = Role::kNone;
    ImplantTime expires{};
    std::int32_t attempts_left = 0;
    PeerId opened_by = kNoPeer;  // the session that opened it, for the kPaired record
    Role opened_by_role = Role::kNone;
    PairingCode code{};
    std::int32_t hellos_left = 0;  // PairHellos this window still answers
    bool exchange = false;
    PublicKey device_static{};
    std::array<std::uint8_t, 32> key{};
    std::array<std::uint8_t, 32> transcript{};
  };

  struct Checked {
    explicit Checked() = default;
  };
  // restore's checks: the state (validate()), then the config.
  static Status check(const LinkState& state, hal::Crypto& crypto, const ResponderConfig& config);

  // A paired identity's allowance (RAM, by peer-table slot; fresh when the slot changes).
  struct Allowance {
    BackoffInfo backoff;
    Bucket hellos;
    bool lockout_told = false;  // this lockout's one answer has been sent
  };

  void emit(ImplantTime now, Outcome outcome, Reason reason, PeerId peer = kNoPeer,
            Role role = Role::kNone, std::uint64_t epoch = 0, std::int64_t a = 0,
            PeerId by = kNoPeer, Role by_role = Role::kNone, std::uint64_t key_id = 0);
  // Counts one failed authentication in `backoff` (of `peer`, kNoPeer: the pairing path);
  // starts a lockout at the threshold.
  std::int64_t fail(BackoffInfo& backoff, ImplantTime now, PeerId peer);
  void fail_identity(std::int32_t index, ImplantTime now);
  Error refuse_hello(ImplantTime now, Reason reason, const Error& error, std::int32_t index,
                     bool counts, bool answer, std::uint64_t key_id, Duration retry_after = {});
  Error refuse_pairing(ImplantTime now, Reason reason, const Error& error, bool counts,
                       std::uint64_t key_id = 0);
  // on_pair_hello's answer once the generator is mapped: its own frame, so that the key
  // exchange's results are not on the stack under the generator's map (the deepest path of a
  // frame's answer: docs/footprint.md).
  [[gnu::noinline]] Result<PairAcceptBytes> answer_pair_hello(const PairHello& hello,
                                                              const PublicKey& generator,
                                                              std::uint64_t claimed,
                                                              ImplantTime now);
  // One answer from the unauthenticated budget, if there is one left.
  bool spend_answer(ImplantTime now);
  Status commit(const LinkState& next);  // through the StateStore, counted in work_
  Allowance* allowance_of(PeerId peer);
  void reset_allowance(PeerId peer);
  void end_slot(Slot& slot, ImplantTime now, Outcome outcome, Reason reason);
  void end_exchange();
  void close_window(ImplantTime now, Reason reason);
  static std::optional<SessionInfo> info(const Slot& slot);

  LinkState state_;
  hal::Crypto* crypto_;
  StateStore* store_;
  EventSink* events_;
  ResponderConfig config_;
  Slot live_;
  std::array<Slot, kMaxPeers> pending_{};  // by peer-table slot: junk claiming one key
                                           // cannot replace another device's handshake
  Window window_;
  BackoffInfo pairing_backoff_;
  bool pairing_lockout_told_ = false;
  std::array<Allowance, kMaxPeers> allowance_{};
  Bucket answers_{};
  std::uint64_t epoch_used_ = 0;  // the newest epoch handed out; state_.epoch ends its block
  Work work_{};
  Refusal refusal_{};
};

}  // namespace itdd::link
