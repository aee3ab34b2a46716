#include "itdd/link/responder.h"

#include "derive.h"
#include "secure.h"

namespace itdd::link {
namespace {

Reason record_reason(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
      return Reason::kMalformed;
    case ErrorCode::kMismatch:
      return Reason::kBadCounter;
    default:
      return Reason::kBadTag;
  }
}

Result<PairingCode> draw_code(hal::Crypto& crypto) {
  // Rejection sampling keeps the six digits uniform: 4,294,000,000 is a multiple of 10^6.
  constexpr std::uint32_t kLimit = 4'294'000'000u;
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::array<std::uint8_t, 4> r{};
    const Status s = crypto.random(r);
    if (!s.ok()) return s.error();
    std::uint32_t v = get_u32(r.data());
    if (v >= kLimit) continue;
    v %= 1'000'000u;
    PairingCode code;
    for (std::size_t i = code.digits.size(); i-- > 0;) {
      code.digits[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    return code;
  }
  return make_error(ErrorCode::kRefused, "crypto.random", "no unbiased draw in 16 tries");
}

}  // namespace

Result<Responder> Responder::restore(const LinkState& state, hal::Crypto& crypto, StateStore& store,
                                     EventSink& events, const ResponderConfig& config) {
  const Status valid = validate(state, crypto);
  if (!valid.ok()) return valid.error();
  if (config.backoff.failures_before_lockout < 1 || config.backoff.first_lockout.count() <= 0 ||
      config.backoff.max_lockout < config.backoff.first_lockout ||
      config.idle_timeout.count() <= 0 || config.handshake_timeout.count() <= 0 ||
      config.pairing_attempts < 1) {
    return make_error(ErrorCode::kInvalidArgument, "config", "timeouts and counts must be > 0");
  }
  return Responder(state, crypto, store, events, config);
}

Responder::Responder(const LinkState& state, hal::Crypto& crypto, StateStore& store,
                     EventSink& events, const ResponderConfig& config)
    : state_(state), crypto_(&crypto), store_(&store), events_(&events), config_(config) {}

void Responder::emit(ImplantTime now, Outcome outcome, Reason reason, PeerId peer, Role role,
                     std::uint64_t epoch, std::int64_t a, PeerId by, Role by_role) {
  events_->record(LinkEvent{now, outcome, reason, peer, role, epoch, a, by, by_role});
}

std::int64_t Responder::fail(ImplantTime now) {
  const std::int64_t in_a_row = ++backoff_.failures_in_a_row;
  if (backoff_.failures_in_a_row >= config_.backoff.failures_before_lockout) {
    const std::int64_t max = config_.backoff.max_lockout.count();
    std::int64_t ms = config_.backoff.first_lockout.count();
    for (std::int32_t i = 0; i < backoff_.lockouts_in_a_row && ms < max; ++i) ms *= 2;
    if (ms > max) ms = max;
    backoff_.locked_until = now + milliseconds(ms);
    backoff_.failures_in_a_row = 0;
    if (backoff_.lockouts_in_a_row < INT32_MAX) ++backoff_.lockouts_in_a_row;
    emit(now, Outcome::kLockoutStarted, Reason::kNone, kNoPeer, Role::kNone, 0, ms);
  }
  return in_a_row;
}

void Responder::succeed() {
  backoff_ = BackoffInfo{};
}

Error Responder::refuse_hello(ImplantTime now, Reason reason, const Error& error, bool counts,
                              PeerId peer) {
  // The refusal is logged before a lockout it may start.
  const std::int64_t in_a_row = backoff_.failures_in_a_row + (counts ? 1 : 0);
  emit(now, Outcome::kHandshakeRefused, reason, peer, Role::kNone, 0, in_a_row);
  if (counts) fail(now);
  return error;
}

Error Responder::refuse_pairing(ImplantTime now, Reason reason, const Error& error, bool counts) {
  emit(now, Outcome::kPairingRefused, reason, kNoPeer, window_.role, 0, window_.attempts_left);
  if (counts) fail(now);
  return error;
}

void Responder::end_slot(Slot& slot, ImplantTime now, Outcome outcome, Reason reason) {
  emit(now, outcome, reason, slot.peer, slot.role, slot.session.epoch(), 0);
  slot.session.end();
  slot = Slot{};
}

void Responder::end_exchange() {
  wipe(window_.key);
  wipe(window_.transcript);
  window_.device_static = {};
  window_.exchange = false;
}

void Responder::close_window(ImplantTime now, Reason reason) {
  if (!window_.open) return;
  emit(now, Outcome::kPairingClosed, reason, kNoPeer, window_.role, 0, window_.attempts_left);
  end_exchange();
  wipe(window_.code.digits);
  window_ = Window{};
}

void Responder::tick(ImplantTime now) {
  if (live_.session.active() && live_.session.idle_since(now, config_.idle_timeout)) {
    end_slot(live_, now, Outcome::kSessionExpired, Reason::kIdle);
  }
  if (pending_.session.active() && now >= pending_.deadline) {
    end_slot(pending_, now, Outcome::kSessionClosed, Reason::kAbandoned);
    fail(now);
  }
  if (window_.open && now >= window_.expires) close_window(now, Reason::kExpired);
}

ImplantTime Responder::next_deadline() const {
  ImplantTime next = ImplantTime::never();
  if (live_.session.active()) {
    const ImplantTime idle = live_.session.last_activity() + config_.idle_timeout;
    if (idle < next) next = idle;
  }
  if (pending_.session.active() && pending_.deadline < next) next = pending_.deadline;
  if (window_.open && window_.expires < next) next = window_.expires;
  return next;
}

Result<AcceptBytes> Responder::on_hello(hal::ByteView bytes, ImplantTime now) {
  tick(now);
  if (locked_out(now)) {
    return refuse_hello(
        now, Reason::kLockedOut,
        make_error(ErrorCode::kRefused, "hello", "locked out after failed authentication"), false);
  }
  const Result<Hello> hello = decode_hello(bytes);
  if (!hello.ok()) {
    const bool version = bytes.size() == kHelloSize && bytes[0] != kVersion;
    return refuse_hello(now, version ? Reason::kVersion : Reason::kMalformed, hello.error(), true);
  }
  const std::int32_t index = find_peer(state_, hello->initiator_static);
  if (index < 0) {
    return refuse_hello(
        now, Reason::kUnknownPeer,
        make_error(ErrorCode::kRefused, "hello.initiator_static", "not a paired device"), true);
  }
  const Peer peer = state_.peers[static_cast<std::size_t>(index)];
  if (state_.epoch == UINT64_MAX) {
    return refuse_hello(now, Reason::kStorage,
                        make_error(ErrorCode::kCapacity, "epoch", "session epochs used up"), false,
                        peer.id);
  }
  const std::uint64_t epoch = state_.epoch + 1;

  Result<hal::KeyPair> ephemeral = crypto_->generate_key_pair();
  if (!ephemeral.ok()) {
    return refuse_hello(now, Reason::kCrypto, ephemeral.error(), false, peer.id);
  }
  const hal::X25519Secret& own = state_.identity.secret_key;
  Result<hal::SharedSecret> ee = crypto_->x25519(ephemeral->secret_key, hello->initiator_ephemeral);
  Result<hal::SharedSecret> es = crypto_->x25519(own, hello->initiator_ephemeral);
  Result<hal::SharedSecret> se = crypto_->x25519(ephemeral->secret_key, hello->initiator_static);
  Result<hal::SharedSecret> ss = crypto_->x25519(own, hello->initiator_static);
  wipe(ephemeral.value().secret_key);
  if (!ee.ok() || !es.ok() || !se.ok() || !ss.ok()) {
    return refuse_hello(
        now, Reason::kMalformed,
        make_error(ErrorCode::kInvalidArgument, "hello.initiator_ephemeral", "low-order key"), true,
        peer.id);
  }
  detail::HandshakeSecrets secrets{ee.value(), es.value(), se.value(), ss.value()};
  wipe(ee.value());
  wipe(es.value());
  wipe(se.value());
  wipe(ss.value());
  const Result<detail::Hash32> transcript = detail::handshake_transcript(
      *crypto_, kVersion, hello->initiator_static, hello->initiator_ephemeral,
      state_.identity.public_key, ephemeral->public_key, epoch);
  Result<detail::SessionKeys> keys = detail::session_keys_from(*crypto_, transcript, secrets);
  if (!keys.ok()) return refuse_hello(now, Reason::kCrypto, keys.error(), false, peer.id);
  const Result<hal::AeadTag> tag = detail::accept_tag(*crypto_, keys.value(), transcript.value());
  if (!tag.ok()) return refuse_hello(now, Reason::kCrypto, tag.error(), false, peer.id);

  // The next epoch is durable before anything leaves the implant.
  LinkState next = state_;
  next.epoch = epoch;
  const Status committed = store_->commit(next);
  if (!committed.ok()) {
    wipe(keys.value().initiator_to_responder);
    wipe(keys.value().responder_to_initiator);
    return refuse_hello(now, Reason::kStorage, committed.error(), false, peer.id);
  }
  state_ = next;

  if (pending_.session.active()) {
    end_slot(pending_, now, Outcome::kSessionClosed, Reason::kReplaced);
    fail(now);  // an answered handshake that never authenticated counts as a failure
  }
  pending_.session = Session(Direction::kResponderToInitiator, keys->responder_to_initiator,
                             keys->initiator_to_responder, epoch, now);
  pending_.peer = peer.id;
  pending_.role = peer.role;
  pending_.deadline = now + config_.handshake_timeout;
  wipe(keys.value().initiator_to_responder);
  wipe(keys.value().responder_to_initiator);
  emit(now, Outcome::kHandshakeAccepted, Reason::kNone, peer.id, peer.role, epoch, 0);
  return encode(Accept{ephemeral->public_key, epoch, tag.value()});
}

Result<Received> Responder::open(hal::ByteView record, std::span<std::uint8_t> plaintext,
                                 ImplantTime now) {
  tick(now);
  if (!live_.session.active() && !pending_.session.active()) {
    emit(now, Outcome::kRecordRefused, Reason::kNoSession, kNoPeer, Role::kNone, 0,
         backoff_.failures_in_a_row);
    return make_error(ErrorCode::kRefused, "session", "no session");
  }
  Error error{};
  if (pending_.session.active()) {
    const Result<Opened> r = pending_.session.open(*crypto_, record, plaintext, now);
    if (r.ok()) {
      if (live_.session.active()) end_slot(live_, now, Outcome::kSessionClosed, Reason::kReplaced);
      live_ = pending_;
      pending_.session.end();
      pending_ = Slot{};
      succeed();
      emit(now, Outcome::kSessionOpened, Reason::kNone, live_.peer, live_.role,
           live_.session.epoch(), 0);
      const Received received{r->type, r->size, live_.peer, live_.role, true};
      if (r->type == RecordType::kClose) {
        end_slot(live_, now, Outcome::kSessionClosed, Reason::kByPeer);
      }
      return received;
    }
    error = r.error();
  }
  if (live_.session.active()) {
    const Result<Opened> r = live_.session.open(*crypto_, record, plaintext, now);
    if (r.ok()) {
      const Received received{r->type, r->size, live_.peer, live_.role, false};
      if (r->type == RecordType::kClose) {
        end_slot(live_, now, Outcome::kSessionClosed, Reason::kByPeer);
      }
      return received;
    }
    error = r.error();  // the live session's verdict names a replay best
  }
  const Slot& slot = live_.session.active() ? live_ : pending_;
  emit(now, Outcome::kRecordRefused, record_reason(error), slot.peer, slot.role,
       slot.session.epoch(), backoff_.failures_in_a_row + 1);
  fail(now);
  return error;
}

Result<std::size_t> Responder::seal(hal::ByteView plaintext, std::span<std::uint8_t> out,
                                    ImplantTime now) {
  tick(now);
  if (!live_.session.active()) {
    return make_error(ErrorCode::kRefused, "session", "no authenticated session");
  }
  return live_.session.seal(*crypto_, RecordType::kData, plaintext, out, now);
}

Result<std::size_t> Responder::close(std::span<std::uint8_t> out, ImplantTime now) {
  tick(now);
  if (!live_.session.active()) {
    return make_error(ErrorCode::kRefused, "session", "no authenticated session");
  }
  const Result<std::size_t> r = live_.session.seal(*crypto_, RecordType::kClose, {}, out, now);
  if (r.ok()) end_slot(live_, now, Outcome::kSessionClosed, Reason::kByImplant);
  return r;
}

Result<PairingCode> Responder::open_pairing(Role role, ImplantTime now, Duration validity) {
  tick(now);
  if (!live_.session.active() || !manages_peers(live_.role)) {
    emit(now, Outcome::kPairingRefused, Reason::kNotAllowed, kNoPeer, role, 0, 0, live_.peer,
         live_.role);
    return make_error(ErrorCode::kRefused, "pairing",
                      "only a clinician or service session may open pairing");
  }
  if (!is_peer_role(role)) {
    return make_error(ErrorCode::kInvalidArgument, "pairing.role", "not a peer role");
  }
  // Nobody hands out more than it holds: a service tool has no therapy rights, so it may not
  // pair a clinician's programmer nor a patient's device (which may ask for boluses).
  if (!may_pair_or_remove(live_.role, role)) {
    emit(now, Outcome::kPairingRefused, Reason::kNotAllowed, kNoPeer, role, 0, 0, live_.peer,
         live_.role);
    return make_error(ErrorCode::kRefused, "pairing.role",
                      "a service session may open a window only for a service device");
  }
  if (validity.count() <= 0 || validity > kPairingValidity) {
    return make_error(ErrorCode::kInvalidArgument, "pairing.validity",
                      "must be more than 0 and at most 5 minutes");
  }
  const Result<PairingCode> code = draw_code(*crypto_);
  if (!code.ok()) return code.error();
  close_window(now, Reason::kReplaced);
  window_.open = true;
  window_.role = role;
  window_.expires = now + validity;
  window_.attempts_left = config_.pairing_attempts;
  window_.opened_by = live_.peer;
  window_.opened_by_role = live_.role;
  window_.code = code.value();
  emit(now, Outcome::kPairingOpened, Reason::kNone, kNoPeer, role, 0, validity.count(), live_.peer,
       live_.role);
  return code;
}

void Responder::close_pairing(ImplantTime now) {
  tick(now);
  close_window(now, Reason::kByImplant);
}

Result<PairAcceptBytes> Responder::on_pair_hello(hal::ByteView bytes, ImplantTime now) {
  tick(now);
  if (locked_out(now)) {
    return refuse_pairing(
        now, Reason::kLockedOut,
        make_error(ErrorCode::kRefused, "pair_hello", "locked out after failed authentication"),
        false);
  }
  if (!window_.open) {
    return refuse_pairing(now, Reason::kNoWindow,
                          make_error(ErrorCode::kRefused, "pair_hello", "no pairing window open"),
                          true);
  }
  const Result<PairHello> hello = decode_pair_hello(bytes);
  if (!hello.ok()) {
    const bool version = bytes.size() == kPairHelloSize && bytes[0] != kVersion;
    return refuse_pairing(now, version ? Reason::kVersion : Reason::kMalformed, hello.error(),
                          true);
  }
  const PublicKey& device = hello->device_static;
  if (find_peer(state_, device) >= 0) {
    return refuse_pairing(
        now, Reason::kAlreadyPaired,
        make_error(ErrorCode::kRefused, "pair_hello.device_static", "already paired"), false);
  }
  if (device == state_.identity.public_key || is_zero(device)) {
    return refuse_pairing(
        now, Reason::kMalformed,
        make_error(ErrorCode::kInvalidArgument, "pair_hello.device_static", "not a device key"),
        true);
  }
  bool full = true;
  for (const Peer& p : state_.peers) full = full && p.in_use();
  if (full) {
    return refuse_pairing(now, Reason::kTableFull,
                          make_error(ErrorCode::kCapacity, "peers", "the peer table is full"),
                          false);
  }
  const Result<PublicKey> generator =
      detail::pairing_generator(*crypto_, window_.code.digits, device);
  if (!generator.ok()) return refuse_pairing(now, Reason::kCrypto, generator.error(), false);
  Result<detail::CodeBoundKey> own = detail::code_bound_key(*crypto_, generator.value());
  if (!own.ok()) return refuse_pairing(now, Reason::kCrypto, own.error(), false);
  Result<hal::SharedSecret> ee = crypto_->x25519(own->secret, hello->device_ephemeral);
  Result<hal::SharedSecret> ss = crypto_->x25519(state_.identity.secret_key, device);
  wipe(own.value().secret);
  if (!ee.ok() || !ss.ok()) {
    return refuse_pairing(now, Reason::kMalformed,
                          make_error(ErrorCode::kInvalidArgument, "pair_hello", "low-order key"),
                          true);
  }
  const Result<detail::Hash32> transcript = detail::pairing_transcript(
      *crypto_, device, hello->device_ephemeral, state_.identity.public_key, own->point);
  Result<detail::Hash32> key =
      transcript.ok() ? detail::pairing_key(*crypto_, transcript.value(), ee.value(), ss.value())
                      : Result<detail::Hash32>(transcript.error());
  wipe(ee.value());
  wipe(ss.value());
  if (!key.ok()) return refuse_pairing(now, Reason::kCrypto, key.error(), false);

  end_exchange();  // a later PairHello replaces an unanswered one; it costs no attempt
  window_.exchange = true;
  window_.device_static = device;
  window_.key = key.value();
  window_.transcript = transcript.value();
  wipe(key.value());
  emit(now, Outcome::kPairingAnswered, Reason::kNone, kNoPeer, window_.role, 0,
       window_.attempts_left);
  return encode(PairAccept{own->point, state_.identity.public_key});
}

Result<PairConfirmBytes> Responder::on_pair_proof(hal::ByteView bytes, ImplantTime now) {
  tick(now);
  if (locked_out(now)) {
    return refuse_pairing(
        now, Reason::kLockedOut,
        make_error(ErrorCode::kRefused, "pair_proof", "locked out after failed authentication"),
        false);
  }
  if (!window_.open) {
    return refuse_pairing(now, Reason::kNoWindow,
                          make_error(ErrorCode::kRefused, "pair_proof", "no pairing window open"),
                          true);
  }
  if (!window_.exchange) {
    return refuse_pairing(
        now, Reason::kNoExchange,
        make_error(ErrorCode::kRefused, "pair_proof", "no PairHello answered before"), true);
  }
  const Result<PairProof> proof = decode_pair_proof(bytes);
  if (!proof.ok()) return refuse_pairing(now, Reason::kMalformed, proof.error(), true);
  Result<Mac> expected =
      detail::pairing_proof(*crypto_, window_.key, window_.code.digits, window_.transcript);
  if (!expected.ok()) return refuse_pairing(now, Reason::kCrypto, expected.error(), false);
  const bool right = crypto_->equal(expected.value(), proof->mac);
  wipe(expected.value());
  if (!right) {
    // One attempt used; each further attempt needs another PairHello (fresh code-bound ephemerals).
    --window_.attempts_left;
    end_exchange();
    const Error wrong = make_error(ErrorCode::kRefused, "pair_proof", "wrong code");
    refuse_pairing(now, Reason::kWrongCode, wrong, true);
    if (window_.open && window_.attempts_left <= 0) close_window(now, Reason::kAttemptsUsed);
    return wrong;
  }

  LinkState next = state_;
  const Role role = window_.role;
  const Result<PeerId> id = link::provision(next, window_.device_static, role, now);
  if (!id.ok()) {
    const Reason reason = id.error().code == ErrorCode::kCapacity  ? Reason::kTableFull
                          : id.error().code == ErrorCode::kRefused ? Reason::kAlreadyPaired
                                                                   : Reason::kMalformed;
    end_exchange();
    return refuse_pairing(now, reason, id.error(), false);
  }
  Result<Mac> confirm = detail::pairing_confirm(*crypto_, window_.key, window_.code.digits,
                                                window_.transcript, role, id.value());
  if (!confirm.ok()) {
    end_exchange();
    return refuse_pairing(now, Reason::kCrypto, confirm.error(), false);
  }
  const Status committed = store_->commit(next);
  if (!committed.ok()) {
    end_exchange();
    return refuse_pairing(now, Reason::kStorage, committed.error(), false);
  }
  state_ = next;
  end_exchange();
  wipe(window_.code.digits);
  const PeerId opened_by = window_.opened_by;
  const Role opened_by_role = window_.opened_by_role;
  window_ = Window{};
  succeed();
  emit(now, Outcome::kPaired, Reason::kNone, id.value(), role, 0, 0, opened_by, opened_by_role);
  return encode(PairConfirm{role, id.value(), confirm.value()});
}

Result<PeerId> Responder::provision(const PublicKey& key, Role role, ImplantTime now) {
  tick(now);
  LinkState next = state_;
  const Result<PeerId> id = link::provision(next, key, role, now);
  if (!id.ok()) return id.error();
  const Status committed = store_->commit(next);
  if (!committed.ok()) return committed.error();
  state_ = next;
  emit(now, Outcome::kPeerProvisioned, Reason::kNone, id.value(), role, 0, 0);
  return id;
}

Status Responder::remove_peer(PeerId peer, ImplantTime now) {
  tick(now);
  LinkState next = state_;
  const std::int32_t index = find_peer(next, peer);
  const Role role = index >= 0 ? next.peers[static_cast<std::size_t>(index)].role : Role::kNone;
  const PeerId by = live_.session.active() ? live_.peer : kNoPeer;
  const Role by_role = live_.session.active() ? live_.role : Role::kNone;
  const auto refuse = [&](Reason reason, const char* message) -> Status {
    emit(now, Outcome::kPeerRemovalRefused, reason, peer, role, 0, 0, by, by_role);
    return make_error(ErrorCode::kRefused, "peer", message);
  };
  if (!manages_peers(by_role)) {
    return refuse(Reason::kNotAllowed, "only a clinician or service session may remove a device");
  }
  if (index < 0) return make_error(ErrorCode::kInvalidArgument, "peer", "no such peer");
  if (!may_pair_or_remove(by_role, role)) {
    return refuse(
        Reason::kNotAllowed,
        "a service session may remove only service devices; a clinician removes the rest");
  }
  if (role == Role::kClinician) {
    std::int32_t clinicians = 0;
    for (const Peer& p : next.peers) clinicians += p.in_use() && p.role == Role::kClinician ? 1 : 0;
    if (clinicians <= 1) {
      return refuse(Reason::kLastClinician,
                    "the implant's last clinician device cannot be removed: pair another "
                    "clinician device first");
    }
  }
  const Status removed = link::remove_peer(next, peer);
  if (!removed.ok()) return removed;
  const Status committed = store_->commit(next);
  if (!committed.ok()) return committed;
  state_ = next;
  if (live_.session.active() && live_.peer == peer) {
    end_slot(live_, now, Outcome::kSessionClosed, Reason::kByImplant);
  }
  if (pending_.session.active() && pending_.peer == peer) {
    end_slot(pending_, now, Outcome::kSessionClosed, Reason::kByImplant);
  }
  emit(now, Outcome::kPeerRemoved, Reason::kNone, peer, role, 0, 0, by, by_role);
  return Status::Ok();
}

std::optional<SessionInfo> Responder::info(const Slot& slot) {
  if (!slot.session.active()) return std::nullopt;
  return SessionInfo{slot.peer,
                     slot.role,
                     slot.session.epoch(),
                     slot.session.sent(),
                     slot.session.received(),
                     slot.session.last_activity()};
}

std::optional<SessionInfo> Responder::session() const {
  return info(live_);
}
std::optional<SessionInfo> Responder::pending() const {
  return info(pending_);
}

PairingInfo Responder::pairing() const {
  return PairingInfo{window_.open, window_.role, window_.expires, window_.attempts_left,
                     window_.exchange};
}

}  // namespace itdd::link
