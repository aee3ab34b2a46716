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

// Tokens the bucket has at `now` (refilled first; at most `limit.burst`).
void refill(Bucket& b, const RateLimit& limit, ImplantTime now) {
  if (b.tokens >= limit.burst) {
    b.refilled_at = now;
    return;
  }
  if (now <= b.refilled_at) return;
  const std::int64_t earned = (now - b.refilled_at).count() / limit.interval.count();
  if (earned <= 0) return;
  if (earned >= limit.burst - b.tokens) {
    b.tokens = limit.burst;
    b.refilled_at = now;
  } else {
    b.tokens += static_cast<std::int32_t>(earned);
    b.refilled_at = b.refilled_at + Duration(earned * limit.interval.count());
  }
}

Bucket full(const RateLimit& limit, ImplantTime now) {
  return Bucket{limit.burst, now};
}

bool valid(const RateLimit& r) {
  return r.burst >= 1 && r.interval.count() > 0;
}

}  // namespace

Status Responder::check(const LinkState& state, hal::Crypto& crypto,
                        const ResponderConfig& config) {
  const Status valid_state = validate(state, crypto);
  if (!valid_state.ok()) return valid_state;
  if (config.backoff.failures_before_lockout < 1 || config.backoff.first_lockout.count() <= 0 ||
      config.backoff.max_lockout < config.backoff.first_lockout ||
      config.idle_timeout.count() <= 0 || config.handshake_timeout.count() <= 0 ||
      config.pairing_attempts < 1 || config.pairing_hellos < 1 || !valid(config.hello_rate) ||
      !valid(config.unauthenticated_answers) || config.epoch_block < 1) {
    return make_error(ErrorCode::kInvalidArgument, "config", "timeouts and counts must be > 0");
  }
  return Status::Ok();
}

Result<Responder> Responder::restore(const LinkState& state, hal::Crypto& crypto, StateStore& store,
                                     EventSink& events, const ResponderConfig& config) {
  const Status checked = check(state, crypto, config);
  if (!checked.ok()) return checked.error();
  return Responder(Checked{}, state, crypto, store, events, config);
}

Status Responder::restore_into(std::optional<Responder>& place, const LinkState& state,
                               hal::Crypto& crypto, StateStore& store, EventSink& events,
                               const ResponderConfig& config) {
  // Every check before the place is touched: a refused state never leaves a responder, whole
  // or in part, where the caller would find one.
  const Status checked = check(state, crypto, config);
  if (!checked.ok()) return checked;
  place.emplace(Checked{}, state, crypto, store, events, config);
  return Status::Ok();
}

Responder::Responder(Checked, const LinkState& state, hal::Crypto& crypto, StateStore& store,
                     EventSink& events, const ResponderConfig& config)
    : state_(state),
      crypto_(&crypto),
      store_(&store),
      events_(&events),
      config_(config),
      // Every epoch up to the committed one may have been handed out before the reset: the
      // first handshake reserves a new block above it.
      epoch_used_(state.epoch) {
  for (Allowance& a : allowance_) a.hellos = Bucket{config.hello_rate.burst, ImplantTime{}};
  answers_ = Bucket{config.unauthenticated_answers.burst, ImplantTime{}};
}

void Responder::emit(ImplantTime now, Outcome outcome, Reason reason, PeerId peer, Role role,
                     std::uint64_t epoch, std::int64_t a, PeerId by, Role by_role,
                     std::uint64_t key_id) {
  events_->record(LinkEvent{now, outcome, reason, peer, role, epoch, a, by, by_role, key_id});
}

std::int64_t Responder::fail(BackoffInfo& backoff, ImplantTime now, PeerId peer) {
  const std::int64_t in_a_row = ++backoff.failures_in_a_row;
  if (backoff.failures_in_a_row >= config_.backoff.failures_before_lockout) {
    const std::int64_t max = config_.backoff.max_lockout.count();
    std::int64_t ms = config_.backoff.first_lockout.count();
    for (std::int32_t i = 0; i < backoff.lockouts_in_a_row && ms < max; ++i) ms *= 2;
    if (ms > max) ms = max;
    backoff.locked_until = now + milliseconds(ms);
    backoff.failures_in_a_row = 0;
    if (backoff.lockouts_in_a_row < INT32_MAX) ++backoff.lockouts_in_a_row;
    emit(now, Outcome::kLockoutStarted, Reason::kNone, peer, Role::kNone, 0, ms);
  }
  return in_a_row;
}

void Responder::fail_identity(std::int32_t index, ImplantTime now) {
  if (index < 0) return;
  Allowance& a = allowance_[static_cast<std::size_t>(index)];
  const ImplantTime before = a.backoff.locked_until;
  fail(a.backoff, now, state_.peers[static_cast<std::size_t>(index)].id);
  if (a.backoff.locked_until != before) a.lockout_told = false;
}

Status Responder::commit(const LinkState& next) {
  ++work_.commits;
  return store_->commit(next);
}

bool Responder::spend_answer(ImplantTime now) {
  refill(answers_, config_.unauthenticated_answers, now);
  if (answers_.tokens <= 0) return false;
  --answers_.tokens;
  return true;
}

Responder::Allowance* Responder::allowance_of(PeerId peer) {
  const std::int32_t index = peer == kNoPeer ? -1 : find_peer(state_, peer);
  return index < 0 ? nullptr : &allowance_[static_cast<std::size_t>(index)];
}

void Responder::reset_allowance(PeerId peer) {
  if (Allowance* a = allowance_of(peer)) *a = Allowance{{}, full(config_.hello_rate, {}), false};
}

BackoffInfo Responder::backoff(PeerId peer) const {
  const std::int32_t index = peer == kNoPeer ? -1 : find_peer(state_, peer);
  return index < 0 ? BackoffInfo{} : allowance_[static_cast<std::size_t>(index)].backoff;
}

Error Responder::refuse_hello(ImplantTime now, Reason reason, const Error& error,
                              std::int32_t index, bool counts, bool answer, std::uint64_t key_id,
                              Duration retry_after) {
  const PeerId peer = index >= 0 ? state_.peers[static_cast<std::size_t>(index)].id : kNoPeer;
  const Role role = index >= 0 ? state_.peers[static_cast<std::size_t>(index)].role : Role::kNone;
  // The refusal is logged before a lockout it may start.
  const std::int64_t in_a_row =
      index >= 0
          ? allowance_[static_cast<std::size_t>(index)].backoff.failures_in_a_row + (counts ? 1 : 0)
          : 0;
  emit(now, Outcome::kHandshakeRefused, reason, peer, role, 0, in_a_row, kNoPeer, Role::kNone,
       key_id);
  if (counts) fail_identity(index, now);
  refusal_ = Refusal{reason, retry_after, answer, peer};
  return error;
}

Error Responder::refuse_pairing(ImplantTime now, Reason reason, const Error& error, bool counts,
                                std::uint64_t key_id) {
  emit(now, Outcome::kPairingRefused, reason, kNoPeer, window_.role, 0, window_.attempts_left,
       kNoPeer, Role::kNone, key_id);
  const ImplantTime before = pairing_backoff_.locked_until;
  if (counts) fail(pairing_backoff_, now, kNoPeer);
  if (pairing_backoff_.locked_until != before) pairing_lockout_told_ = false;
  bool answer = false;
  Duration retry{0};
  if (reason == Reason::kLockedOut) {
    // One answer per lockout (saying how long), then silence until it ends; and that one
    // only within the budget of answers to what proves no identity.
    answer = !pairing_lockout_told_ && spend_answer(now);
    pairing_lockout_told_ = pairing_lockout_told_ || answer;
    retry = pairing_backoff_.locked_until - now;
  } else {
    answer = spend_answer(now);
  }
  refusal_ = Refusal{reason, retry, answer, kNoPeer};
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
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    Slot& p = pending_[i];
    if (p.session.active() && now >= p.deadline) {
      end_slot(p, now, Outcome::kSessionClosed, Reason::kAbandoned);
      fail_identity(static_cast<std::int32_t>(i), now);  // its claimed identity's failure
    }
  }
  if (window_.open && now >= window_.expires) close_window(now, Reason::kExpired);
}

ImplantTime Responder::next_deadline() const {
  ImplantTime next = ImplantTime::never();
  if (live_.session.active()) {
    const ImplantTime idle = live_.session.last_activity() + config_.idle_timeout;
    if (idle < next) next = idle;
  }
  for (const Slot& p : pending_) {
    if (p.session.active() && p.deadline < next) next = p.deadline;
  }
  if (window_.open && window_.expires < next) next = window_.expires;
  return next;
}

Result<AcceptBytes> Responder::on_hello(hal::ByteView bytes, ImplantTime now) {
  tick(now);
  refusal_ = Refusal{};
  // Cheapest first: nothing below costs more than a table lookup until the claimed identity is
  // known to be paired, within its rate and not locked out. None of these refusals counts
  // against any identity: junk cannot raise a paired device's backoff.
  const Result<Hello> hello = decode_hello(bytes);
  if (!hello.ok()) {
    const bool version = bytes.size() == kHelloSize && bytes[0] != kVersion;
    return refuse_hello(now, version ? Reason::kVersion : Reason::kMalformed, hello.error(), -1,
                        false, spend_answer(now), 0);
  }
  const std::uint64_t claimed = key_id(hello->initiator_static);
  const std::int32_t index = find_peer(state_, hello->initiator_static);
  if (index < 0) {
    return refuse_hello(
        now, Reason::kUnknownPeer,
        make_error(ErrorCode::kRefused, "hello.initiator_static", "not a paired device"), -1, false,
        spend_answer(now), claimed);
  }
  Allowance& allowance = allowance_[static_cast<std::size_t>(index)];
  if (now < allowance.backoff.locked_until) {
    // One answer per lockout, saying how long; then silence until it ends.
    const bool answer = !allowance.lockout_told;
    allowance.lockout_told = true;
    return refuse_hello(
        now, Reason::kLockedOut,
        make_error(ErrorCode::kRefused, "hello", "this device is locked out after failed attempts"),
        index, false, answer, claimed, allowance.backoff.locked_until - now);
  }
  refill(allowance.hellos, config_.hello_rate, now);
  if (allowance.hellos.tokens <= 0) {
    const Duration wait = allowance.hellos.refilled_at + config_.hello_rate.interval - now;
    return refuse_hello(
        now, Reason::kRateLimited,
        make_error(ErrorCode::kRefused, "hello", "too many handshakes with this device's key"),
        index, false, spend_answer(now), claimed, wait);
  }
  --allowance.hellos.tokens;
  const Peer peer = state_.peers[static_cast<std::size_t>(index)];
  if (epoch_used_ == UINT64_MAX) {
    return refuse_hello(now, Reason::kStorage,
                        make_error(ErrorCode::kCapacity, "epoch", "session epochs used up"), index,
                        false, true, claimed);
  }
  const std::uint64_t epoch = epoch_used_ + 1;

  Result<hal::KeyPair> ephemeral = crypto_->generate_key_pair();
  work_.x25519 += 5;  // the ephemeral and four Diffie-Hellman results
  if (!ephemeral.ok()) {
    return refuse_hello(now, Reason::kCrypto, ephemeral.error(), index, false, true, claimed);
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
        make_error(ErrorCode::kInvalidArgument, "hello.initiator_ephemeral", "low-order key"),
        index, true, true, claimed);
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
  if (!keys.ok()) {
    return refuse_hello(now, Reason::kCrypto, keys.error(), index, false, true, claimed);
  }
  const Result<hal::AeadTag> tag = detail::accept_tag(*crypto_, keys.value(), transcript.value());
  if (!tag.ok()) {
    return refuse_hello(now, Reason::kCrypto, tag.error(), index, false, true, claimed);
  }

  // The epoch is durable before anything leaves the implant: when the reserved block is used
  // up, the end of the next one is committed (one flash write per epoch_block sessions).
  if (epoch > state_.epoch) {
    LinkState next = state_;
    next.epoch = UINT64_MAX - epoch < config_.epoch_block - 1 ? UINT64_MAX
                                                              : epoch + (config_.epoch_block - 1);
    const Status committed = commit(next);
    if (!committed.ok()) {
      wipe(keys.value().initiator_to_responder);
      wipe(keys.value().responder_to_initiator);
      return refuse_hello(now, Reason::kStorage, committed.error(), index, false, true, claimed);
    }
    state_ = next;
  }
  epoch_used_ = epoch;

  Slot& pending = pending_[static_cast<std::size_t>(index)];
  if (pending.session.active()) {
    // The same key's newer Hello: most often the device itself retrying after a lost Accept,
    // so not a failure (the key's rate limit bounds what a forger can make of it).
    end_slot(pending, now, Outcome::kSessionClosed, Reason::kReplaced);
  }
  pending.session = Session(Direction::kResponderToInitiator, keys->responder_to_initiator,
                            keys->initiator_to_responder, epoch, now);
  pending.peer = peer.id;
  pending.role = peer.role;
  pending.deadline = now + config_.handshake_timeout;
  wipe(keys.value().initiator_to_responder);
  wipe(keys.value().responder_to_initiator);
  emit(now, Outcome::kHandshakeAccepted, Reason::kNone, peer.id, peer.role, epoch, 0);
  return encode(Accept{ephemeral->public_key, epoch, tag.value()});
}

Result<Received> Responder::open(hal::ByteView record, std::span<std::uint8_t> plaintext,
                                 ImplantTime now) {
  tick(now);
  refusal_ = Refusal{};
  bool any_pending = false;
  for (const Slot& p : pending_) any_pending = any_pending || p.session.active();
  if (!live_.session.active() && !any_pending) {
    emit(now, Outcome::kRecordRefused, Reason::kNoSession, kNoPeer, Role::kNone, 0, 0);
    refusal_ = Refusal{Reason::kNoSession, {}, spend_answer(now), kNoPeer};
    return make_error(ErrorCode::kRefused, "session", "no session");
  }
  Error error{};
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    Slot& p = pending_[i];
    if (!p.session.active()) continue;
    const Result<Opened> r = p.session.open(*crypto_, record, plaintext, now);
    if (r.ok()) {
      if (live_.session.active()) end_slot(live_, now, Outcome::kSessionClosed, Reason::kReplaced);
      live_ = p;
      p.session.end();
      p = Slot{};
      // The device proved its identity: its own backoff starts again (nobody else's).
      allowance_[i].backoff = BackoffInfo{};
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
  // A record names no identity, so its failure is counted against none (an injected record
  // must not lock out the device whose session it imitates); it costs one AEAD check per
  // session, and a pending handshake that never authenticates fails its own identity when
  // it is abandoned.
  const Slot* slot = &live_;
  if (!live_.session.active()) {
    for (const Slot& p : pending_) {
      if (p.session.active()) slot = &p;
    }
  }
  emit(now, Outcome::kRecordRefused, record_reason(error), slot->peer, slot->role,
       slot->session.epoch(), 0);
  refusal_ = Refusal{record_reason(error), {}, spend_answer(now), slot->peer};
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
  window_.hellos_left = config_.pairing_hellos;
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
  refusal_ = Refusal{};
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
  const std::uint64_t claimed = key_id(device);
  if (find_peer(state_, device) >= 0) {
    return refuse_pairing(
        now, Reason::kAlreadyPaired,
        make_error(ErrorCode::kRefused, "pair_hello.device_static", "already paired"), false,
        claimed);
  }
  if (device == state_.identity.public_key || is_zero(device)) {
    return refuse_pairing(
        now, Reason::kMalformed,
        make_error(ErrorCode::kInvalidArgument, "pair_hello.device_static", "not a device key"),
        true, claimed);
  }
  bool full = true;
  for (const Peer& p : state_.peers) full = full && p.in_use();
  if (full) {
    return refuse_pairing(now, Reason::kTableFull,
                          make_error(ErrorCode::kCapacity, "peers", "the peer table is full"),
                          false, claimed);
  }
  // Each PairHello is an attempt: the window answers at most `pairing_hellos` of them (each
  // costs the generator map, two X25519 and a log record); then it closes and the clinician
  // opens a new one. A flood cannot keep a window busy nor fill the log.
  if (window_.hellos_left <= 0) {
    const Error used = make_error(ErrorCode::kRefused, "pair_hello",
                                  "this pairing window has answered its PairHellos: open another");
    refuse_pairing(now, Reason::kAttemptsUsed, used, true, claimed);
    close_window(now, Reason::kAttemptsUsed);
    return used;
  }
  --window_.hellos_left;
  const Result<PublicKey> generator =
      detail::pairing_generator(*crypto_, window_.code.digits, device);
  work_.x25519 += 4;  // the generator's map, the code-bound key, two Diffie-Hellman results
  if (!generator.ok()) {
    return refuse_pairing(now, Reason::kCrypto, generator.error(), false, claimed);
  }
  return answer_pair_hello(hello.value(), generator.value(), claimed, now);
}

Result<PairAcceptBytes> Responder::answer_pair_hello(const PairHello& hello,
                                                     const PublicKey& generator,
                                                     std::uint64_t claimed, ImplantTime now) {
  const PublicKey& device = hello.device_static;
  Result<detail::CodeBoundKey> own = detail::code_bound_key(*crypto_, generator);
  if (!own.ok()) return refuse_pairing(now, Reason::kCrypto, own.error(), false, claimed);
  Result<hal::SharedSecret> ee = crypto_->x25519(own->secret, hello.device_ephemeral);
  Result<hal::SharedSecret> ss = crypto_->x25519(state_.identity.secret_key, device);
  wipe(own.value().secret);
  if (!ee.ok() || !ss.ok()) {
    return refuse_pairing(now, Reason::kMalformed,
                          make_error(ErrorCode::kInvalidArgument, "pair_hello", "low-order key"),
                          true, claimed);
  }
  const Result<detail::Hash32> transcript = detail::pairing_transcript(
      *crypto_, device, hello.device_ephemeral, state_.identity.public_key, own->point);
  Result<detail::Hash32> key =
      transcript.ok() ? detail::pairing_key(*crypto_, transcript.value(), ee.value(), ss.value())
                      : Result<detail::Hash32>(transcript.error());
  wipe(ee.value());
  wipe(ss.value());
  if (!key.ok()) return refuse_pairing(now, Reason::kCrypto, key.error(), false, claimed);

  end_exchange();  // a later PairHello replaces an unanswered one; it costs no attempt
  window_.exchange = true;
  window_.device_static = device;
  window_.key = key.value();
  window_.transcript = transcript.value();
  wipe(key.value());
  emit(now, Outcome::kPairingAnswered, Reason::kNone, kNoPeer, window_.role, 0,
       window_.attempts_left, kNoPeer, Role::kNone, claimed);
  return encode(PairAccept{own->point, state_.identity.public_key});
}

Result<PairConfirmBytes> Responder::on_pair_proof(hal::ByteView bytes, ImplantTime now) {
  tick(now);
  refusal_ = Refusal{};
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
  const Status committed = commit(next);
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
  pairing_backoff_ = BackoffInfo{};
  reset_allowance(id.value());
  emit(now, Outcome::kPaired, Reason::kNone, id.value(), role, 0, 0, opened_by, opened_by_role);
  return encode(PairConfirm{role, id.value(), confirm.value()});
}

Result<PeerId> Responder::provision(const PublicKey& key, Role role, ImplantTime now) {
  tick(now);
  LinkState next = state_;
  const Result<PeerId> id = link::provision(next, key, role, now);
  if (!id.ok()) return id.error();
  const Status committed = commit(next);
  if (!committed.ok()) return committed.error();
  state_ = next;
  reset_allowance(id.value());
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
  const Status committed = commit(next);
  if (!committed.ok()) return committed;
  reset_allowance(peer);
  state_ = next;
  if (live_.session.active() && live_.peer == peer) {
    end_slot(live_, now, Outcome::kSessionClosed, Reason::kByImplant);
  }
  Slot& pending = pending_[static_cast<std::size_t>(index)];
  if (pending.session.active()) end_slot(pending, now, Outcome::kSessionClosed, Reason::kByImplant);
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
  const Slot* newest = nullptr;
  for (const Slot& p : pending_) {
    if (p.session.active() && (newest == nullptr || p.session.epoch() > newest->session.epoch())) {
      newest = &p;
    }
  }
  return newest == nullptr ? std::nullopt : info(*newest);
}

std::optional<SessionInfo> Responder::pending(PeerId peer) const {
  const std::int32_t index = peer == kNoPeer ? -1 : find_peer(state_, peer);
  return index < 0 ? std::nullopt : info(pending_[static_cast<std::size_t>(index)]);
}

PairingInfo Responder::pairing() const {
  return PairingInfo{window_.open, window_.role, window_.expires, window_.attempts_left,
                     window_.exchange};
}

}  // namespace itdd::link
