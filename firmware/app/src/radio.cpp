#include "itdd/app/radio.h"

#include <cstring>
#include <memory>
#include <string_view>

#include "itdd/storage/layout.h"

namespace itdd::app {
namespace {

// Bump when the link's stored layout changes: a copy in another format is refused.
constexpr std::uint32_t kLinkStateFormat = 1;

static_assert(storage::SettingsStore<link::LinkStateBytes>::sectors_needed(
                  storage::kImplantFlash) <= storage::kDefaultLayout.link_a.sector_count,
              "the link's state must fit one copy");

// The log's budget for what an outsider can cause (refusals, lockouts, pairing answers): 10
// records at once, then one every 5 minutes; beyond it the events are counted by kind and
// reason and written as one summary record per kind and reason, at most once an hour. Normal
// use (a few refusals a day) is written record by record; a flood costs at most 12 records an
// hour plus its summaries, so the log's 4,794 records outlive days of it.
constexpr std::int32_t kFloodBurst = 10;
constexpr Duration kFloodRecordInterval = minutes(5);
constexpr Duration kSummaryInterval = hours(1);

static_assert(static_cast<std::size_t>(link::Reason::kRateLimited) < kFloodReasons,
              "every link reason has a place in the flood counts");

// The outcomes an outsider can cause at will, by their place in the counts table (-1: others).
std::int32_t flood_kind(link::Outcome o) {
  switch (o) {
    case link::Outcome::kHandshakeRefused:
      return 0;
    case link::Outcome::kRecordRefused:
      return 1;
    case link::Outcome::kPairingRefused:
      return 2;
    case link::Outcome::kPairingAnswered:
      return 3;
    case link::Outcome::kLockoutStarted:
      return 4;
    default:
      return -1;
  }
}
constexpr std::array<link::Outcome, kFloodKinds> kFloodOutcomes = {
    link::Outcome::kHandshakeRefused, link::Outcome::kRecordRefused, link::Outcome::kPairingRefused,
    link::Outcome::kPairingAnswered, link::Outcome::kLockoutStarted};

}  // namespace

ImplantRadio::ImplantRadio(Implant& implant, hal::Crypto& crypto, hal::Nvm& nvm,
                           const link::ResponderConfig& config)
    : implant_(implant),
      crypto_(crypto),
      store_(nvm, storage::kDefaultLayout.link_a, storage::kDefaultLayout.link_b, kLinkStateFormat),
      config_(config) {}

Status ImplantRadio::boot(ImplantTime now) {
  // The stored bytes and the state decoded from them are held in the exchange's place, idle at
  // boot (no frame is being handled), and the responder is built from there in its own place:
  // none of the three is on the stack (docs/footprint.md).
  BootPlace& place = *std::construct_at(&exchange_.boot);
  Status s = load_link_state(place, now);
  if (s.ok()) {
    s = link::Responder::restore_into(responder_, place.state, crypto_, *this, *this, config_);
  }
  // The identity's secret key stays in the responder alone, not in the exchange's place.
  std::memset(static_cast<void*>(&exchange_.boot), 0, sizeof(exchange_.boot));
  if (!s.ok()) return s;
  recall_seen_from_log();
  return Status::Ok();
}

Status ImplantRadio::load_link_state(BootPlace& place, ImplantTime now) {
  const Result<storage::SettingsLoad> loaded = store_.load(place.bytes);
  if (loaded.ok()) {
    const Status decoded = link::decode_link_state(place.bytes, place.state, crypto_);
    if (!decoded.ok()) {
      implant_.log_link_event(now, kLinkRadioOff,
                              static_cast<std::uint8_t>(LinkStateLoss::kRefused), 0, 0);
    }
    return decoded;
  }
  if (storage::is_blank(loaded.error())) {
    // The first power-up: the implant makes its identity and keeps it.
    const Status made = link::make_link_state(place.state, crypto_);
    if (!made.ok()) return made;
    return commit(place.state);
  }
  // Both copies damaged, or the newest one (an older one would roll back the session epoch,
  // reusing nonces, and the paired devices): the radio stays off rather than run on keys it
  // cannot trust. The implant's therapy goes on; the clinic sees it at the next visit (no
  // answer) and in the log (kLinkRadioOff, its reason saying which).
  const LinkStateLoss why =
      storage::is_newest_lost(loaded.error()) ? LinkStateLoss::kNewestLost : LinkStateLoss::kNoCopy;
  implant_.log_link_event(now, kLinkRadioOff, static_cast<std::uint8_t>(why), 0, 0);
  return loaded.error();
}

ImplantTime ImplantRadio::last_seen(link::PeerId peer) const {
  for (const Seen& s : seen_) {
    if (s.peer == peer && peer != link::kNoPeer) return s.at;
  }
  return ImplantTime::never();
}

void ImplantRadio::note_seen(link::PeerId peer, ImplantTime at) {
  if (peer == link::kNoPeer) return;
  // Its own entry; else one whose device is no longer paired (ids are never reused); else the
  // oldest (there are as many entries as the peer table has places).
  Seen* slot = nullptr;
  for (Seen& s : seen_) {
    if (s.peer == peer) {
      slot = &s;
      break;
    }
  }
  if (slot == nullptr) {
    for (Seen& s : seen_) {
      if (s.peer == link::kNoPeer || !responder_ ||
          link::find_peer(responder_->state(), s.peer) < 0) {
        slot = &s;
        break;
      }
    }
  }
  if (slot == nullptr) {
    slot = &seen_[0];
    for (Seen& s : seen_) {
      if (s.at < slot->at) slot = &s;
    }
  }
  if (slot->peer == peer && !slot->at.is_never() && at < slot->at) return;
  *slot = Seen{peer, at};
}

void ImplantRadio::recall_seen_from_log() {
  seen_ = {};
  struct Recall final : storage::LogVisitor {
    ImplantRadio* radio = nullptr;
    std::size_t wanted = 0;  // paired devices not found yet
    bool visit(const storage::LogRecord& r) override {
      if (r.code != kLinkLogCodeFirst + static_cast<std::uint16_t>(link::Outcome::kSessionOpened)) {
        return true;
      }
      const auto peer = static_cast<link::PeerId>(r.a);
      if (r.a <= 0 || r.a > static_cast<std::int64_t>(UINT32_MAX) ||
          link::find_peer(radio->responder_->state(), peer) < 0 ||
          !radio->last_seen(peer).is_never()) {
        return true;
      }
      radio->note_seen(peer, r.at);
      return --wanted > 0;
    }
  } recall;
  recall.radio = this;
  for (const link::Peer& p : responder_->state().peers) {
    if (p.in_use()) ++recall.wanted;
  }
  if (recall.wanted == 0) return;
  // A log that cannot be read leaves "last seen" unknown; the link works on.
  (void)implant_.event_log().walk_newest_first(recall);
}

Result<link::PeerId> ImplantRadio::provision(const link::PublicKey& key, link::Role role,
                                             ImplantTime now) {
  if (!responder_) return make_error(ErrorCode::kRefused, "radio", "the radio is off");
  return responder_->provision(key, role, now);
}

const link::PublicKey& ImplantRadio::public_key() const {
  static const link::PublicKey kNone{};
  return responder_ ? responder_->public_key() : kNone;
}

Status ImplantRadio::commit(const link::LinkState& state) {
  const Result<std::uint32_t> r = store_.commit(link::encode(state));
  if (!r.ok()) return r.error();
  return Status::Ok();
}

void ImplantRadio::flush_refusal_count(ImplantTime now) {
  if (!summary_pending_) return;
  for (std::size_t k = 0; k < flood_counts_.size(); ++k) {
    for (std::size_t r = 0; r < flood_counts_[k].size(); ++r) {
      if (flood_counts_[k][r] == 0) continue;
      implant_.log_link_event(now, kLinkRefusalsCounted, static_cast<std::uint8_t>(r),
                              flood_counts_[k][r], static_cast<std::int64_t>(kFloodOutcomes[k]));
      flood_counts_[k][r] = 0;
    }
  }
  summary_pending_ = false;
  last_summary_ = now;
}

bool ImplantRadio::counted_not_written(const link::LinkEvent& e) {
  const std::int32_t kind = flood_kind(e.outcome);
  if (kind < 0) return false;
  // Refill the record budget.
  if (log_budget_.tokens < kFloodBurst) {
    const std::int64_t earned =
        (e.at - log_budget_.refilled_at).count() / kFloodRecordInterval.count();
    if (earned > 0) {
      const std::int64_t room = kFloodBurst - log_budget_.tokens;
      log_budget_.tokens += static_cast<std::int32_t>(earned < room ? earned : room);
      log_budget_.refilled_at =
          log_budget_.tokens >= kFloodBurst
              ? e.at
              : log_budget_.refilled_at + Duration(earned * kFloodRecordInterval.count());
    }
  } else {
    log_budget_.refilled_at = e.at;
  }
  if (log_budget_.tokens > 0) {
    --log_budget_.tokens;
    return false;
  }
  const auto reason = static_cast<std::size_t>(e.reason);
  if (reason >= kFloodReasons) return false;  // a reason the table does not know: written
  std::int32_t& n = flood_counts_[static_cast<std::size_t>(kind)][reason];
  if (n < INT32_MAX) ++n;
  if (!summary_pending_) {
    summary_pending_ = true;
    if (last_summary_.is_never()) last_summary_ = e.at;  // the first summary an hour on
  }
  return true;
}

void ImplantRadio::record(const link::LinkEvent& e) {
  if (counted_not_written(e)) return;
  if (e.outcome == link::Outcome::kSessionOpened) {
    note_seen(e.peer, e.at);
    // The radio's energy goes into the battery's counters.
    implant_.radio_session(e.role == link::Role::kPatient ? Implant::RadioPeer::kPatientDevice
                                                          : Implant::RadioPeer::kProgrammer);
  }
  std::int64_t b =
      e.outcome == link::Outcome::kSessionOpened || e.outcome == link::Outcome::kSessionClosed
          ? static_cast<std::int64_t>(e.epoch)
          : e.a;
  if (e.outcome == link::Outcome::kHandshakeRefused ||
      e.outcome == link::Outcome::kPairingAnswered ||
      (e.outcome == link::Outcome::kPairingRefused && e.reason != link::Reason::kNotAllowed) ||
      e.outcome == link::Outcome::kRecordRefused) {
    // Which device: its peer id in a (0: not paired), its claimed key in b (0: none).
    b = static_cast<std::int64_t>(e.key_id);
  }
  if (link_record_says_who(e.outcome, e.reason)) {
    b = link_who(e.by, e.by_role, e.role,
                 e.outcome == link::Outcome::kPairingOpened ? e.a / kMillisPerSecond : 0);
  }
  implant_.log_link_event(
      e.at, static_cast<std::uint16_t>(kLinkLogCodeFirst + static_cast<std::uint16_t>(e.outcome)),
      static_cast<std::uint8_t>(e.reason), static_cast<std::int64_t>(e.peer), b);
}

Result<link::PairingCode> ImplantRadio::open_pairing(link::Role role, ImplantTime now,
                                                     Duration validity) {
  return responder_->open_pairing(role, now, validity);
}

Status ImplantRadio::remove_peer(link::PeerId peer, ImplantTime now) {
  return responder_->remove_peer(peer, now);
}

std::size_t ImplantRadio::frame(protocol::FrameType type, std::span<const std::uint8_t> payload,
                                std::span<std::uint8_t> reply) {
  const Result<std::size_t> n = protocol::encode_frame(type, payload, reply);
  return n.ok() ? n.value() : 0;
}

std::size_t ImplantRadio::refusal_frame(const char* what, std::span<std::uint8_t> reply) {
  const link::Refusal& r = responder_->last_refusal();
  // Nothing is sent unless the link says so: silence during a lockout (after its one notice)
  // and beyond the budget of answers to what proves no paired identity.
  if (!r.answer) return 0;
  switch (r.reason) {
    case link::Reason::kUnknownPeer:
      return error_frame(itdd_LinkErrorCode_LINK_ERROR_NOT_PAIRED,
                         "this device's key is not paired with the implant", reply);
    case link::Reason::kLockedOut:
      return error_frame(itdd_LinkErrorCode_LINK_ERROR_LOCKED_OUT,
                         "locked out after failed attempts with this key", reply, r.retry_after);
    case link::Reason::kRateLimited:
      return error_frame(itdd_LinkErrorCode_LINK_ERROR_LOCKED_OUT,
                         "too many handshakes with this key", reply, r.retry_after);
    case link::Reason::kBadTag:
    case link::Reason::kBadCounter:
      return error_frame(itdd_LinkErrorCode_LINK_ERROR_WRONG_KEY,
                         "record did not authenticate (wrong key or another session)", reply);
    case link::Reason::kWrongCode:
      return error_frame(itdd_LinkErrorCode_LINK_ERROR_WRONG_KEY, "wrong pairing code", reply);
    default:
      return error_frame(itdd_LinkErrorCode_LINK_ERROR_SESSION, what, reply);
  }
}

std::size_t ImplantRadio::error_frame(itdd_LinkErrorCode code, const char* message,
                                      std::span<std::uint8_t> reply, Duration retry_after) {
  protocol::LinkError e{};
  e.code = code;
  e.retry_after_ms = retry_after.count() <= 0 ? 0
                     : retry_after.count() > INT32_MAX
                         ? static_cast<std::uint32_t>(INT32_MAX)
                         : static_cast<std::uint32_t>(retry_after.count());
  e.min_version = protocol::kProtocolVersion;
  e.max_version = protocol::kProtocolVersion;
  std::size_t i = 0;
  for (; message[i] != '\0' && i + 1 < sizeof(e.message); ++i) e.message[i] = message[i];
  e.message[i] = '\0';
  std::array<std::uint8_t, protocol::kMaxLinkErrorSize> bytes{};
  const Result<std::size_t> n = protocol::encode(e, bytes);
  if (!n.ok()) return 0;
  return frame(protocol::FrameType::kError, std::span(bytes.data(), n.value()), reply);
}

std::size_t ImplantRadio::on_frame(std::span<const std::uint8_t> bytes,
                                   std::span<std::uint8_t> reply, ImplantTime now) {
  if (reply.size() < kLinkBufferSize) return 0;
  // The implant's bound, whatever buffer the caller has (a host's may be larger): a longer
  // frame is no request this implant reads (a board's receiver has refused it already), and an
  // answer is written within the bytes a board has.
  if (bytes.size() > kLinkBufferSize) return 0;
  reply = reply.first(kLinkBufferSize);
  const link::Responder::Work before = responder_ ? responder_->work() : link::Responder::Work{};
  authenticated_record_ = false;
  const std::size_t n = dispatch(bytes, reply, now);
  if (!authenticated_record_) {
    // Work outside an authenticated session (the session's own is in radio_session's
    // estimate): what an outsider can make the implant spend, in the battery's counters.
    const link::Responder::Work after = responder_ ? responder_->work() : link::Responder::Work{};
    implant_.link_work(power::LinkWork{1, n > 0 ? 1 : 0, after.x25519 - before.x25519,
                                       after.commits - before.commits});
  }
  return n;
}

std::size_t ImplantRadio::dispatch(std::span<const std::uint8_t> bytes,
                                   std::span<std::uint8_t> reply, ImplantTime now) {
  const Result<protocol::FrameView> f = protocol::decode_frame(bytes);
  if (!f.ok()) {
    // Radio damage is not answered (the sender retries); another version is, so the
    // programmer can say what to update.
    if (std::string_view(f.error().field) == "frame.version") {
      return error_frame(itdd_LinkErrorCode_LINK_ERROR_BAD_VERSION,
                         "this implant speaks protocol version 1", reply);
    }
    return 0;
  }
  if (!responder_) {
    return error_frame(itdd_LinkErrorCode_LINK_ERROR_SESSION, "the implant's radio is off", reply);
  }
  responder_->tick(now);
  flush_when_due(now);
  const std::span<const std::uint8_t> payload = f->payload;
  switch (f->type) {
    case protocol::FrameType::kHandshake: {
      const Result<link::AcceptBytes> accept = responder_->on_hello(payload, now);
      if (!accept.ok()) return refusal_frame("handshake refused", reply);
      return frame(protocol::FrameType::kHandshake, accept.value(), reply);
    }
    case protocol::FrameType::kRecord:
      return on_record(payload, reply, now);
    case protocol::FrameType::kPairing: {
      if (payload.size() == link::kPairHelloSize) {
        const Result<link::PairAcceptBytes> a = responder_->on_pair_hello(payload, now);
        if (a.ok()) return frame(protocol::FrameType::kPairing, a.value(), reply);
      } else if (payload.size() == link::kPairProofSize) {
        const Result<link::PairConfirmBytes> c = responder_->on_pair_proof(payload, now);
        if (c.ok()) return frame(protocol::FrameType::kPairing, c.value(), reply);
      }
      if (payload.size() != link::kPairHelloSize && payload.size() != link::kPairProofSize) {
        // Neither message: not even looked at (nothing to count, and no answer owed).
        return 0;
      }
      return refusal_frame("pairing refused", reply);
    }
    case protocol::FrameType::kError:
      return 0;
  }
  return error_frame(itdd_LinkErrorCode_LINK_ERROR_UNKNOWN_TYPE, "unknown frame type", reply);
}

std::size_t ImplantRadio::on_record(std::span<const std::uint8_t> record,
                                    std::span<std::uint8_t> reply, ImplantTime now) {
  // Answered in place, in the one buffer: the record is opened where it lies in the reply
  // buffer (moved there first when the frame came in a buffer of its own), the answer encoded
  // over the request's plaintext, sealed where it lies, and framed around it.
  constexpr std::size_t kSealedAt = protocol::kFrameHeaderSize;
  constexpr std::size_t kTextAt = kSealedAt + link::kRecordHeaderSize;
  // Larger than any request's record: not a frame this implant takes (as the board's receiver
  // refuses it), not answered.
  if (record.size() + protocol::kFrameOverhead > reply.size()) return 0;
  if (record.data() != reply.data() + kSealedAt) {
    std::memmove(reply.data() + kSealedAt, record.data(), record.size());
  }
  const std::span<const std::uint8_t> sealed_in = reply.subspan(kSealedAt, record.size());
  const std::size_t text_size =
      record.size() > link::kRecordOverhead ? record.size() - link::kRecordOverhead : 0;
  const Result<link::Received> r =
      responder_->open(sealed_in, reply.subspan(kTextAt, text_size), now);
  if (!r.ok()) return refusal_frame("record refused", reply);
  authenticated_record_ = true;
  if (r->type != link::RecordType::kData) return 0;  // the device closed the session
  // The request is decoded into the exchange (a program command's days and steps straight into
  // the prescription beside it), and the answer written over it.
  protocol::ImplantRequest& request = *std::construct_at(&exchange_.request);
  pb_size_t request_tag = 0;
  if (!protocol::decode_request(reply.subspan(kTextAt, r->size), request).ok()) {
    protocol::ImplantResponse& refused = *std::construct_at(&exchange_.response);
    refused.result = itdd_implant_ResultCode_RESULT_INVALID;
    refused.has_error = true;
    const char* field = "message";
    const char* message = "not a request this implant can read";
    for (std::size_t i = 0; field[i] != '\0'; ++i) refused.error.field[i] = field[i];
    for (std::size_t i = 0; message[i] != '\0'; ++i) refused.error.message[i] = message[i];
  } else {
    request_tag = request.message.which_payload;
    handle_request(implant_, *this, request, Caller{r->peer, r->role}, now, exchange_.response);
  }
  const protocol::ImplantResponse& response = exchange_.response;
  const std::span<std::uint8_t> answer = reply.subspan(
      kTextAt, reply.size() - kTextAt - hal::kAeadTagSize - protocol::kFrameTrailerSize);
  const Result<std::size_t> encoded = protocol::encode(response, answer);
  if (!encoded.ok()) return 0;
  const Result<std::size_t> sealed =
      responder_->seal(answer.first(encoded.value()),
                       reply.subspan(kSealedAt, encoded.value() + link::kRecordOverhead), now);
  if (!sealed.ok()) return 0;
  const std::size_t n =
      frame(protocol::FrameType::kRecord, reply.subspan(kSealedAt, sealed.value()), reply);
  if (request_tag == itdd_implant_Request_close_session_tag &&
      response.result == itdd_implant_ResultCode_RESULT_OK) {
    // The answer goes out sealed; then the session ends here (the device ends its side).
    std::array<std::uint8_t, link::kRecordOverhead> close{};
    (void)responder_->close(close, now);
  }
  return n;
}

void ImplantRadio::on_wake(ImplantTime now) {
  if (!responder_) return;
  responder_->tick(now);
  flush_when_due(now);
}

void ImplantRadio::flush_when_due(ImplantTime now) {
  if (!summary_pending_ || now < last_summary_ + kSummaryInterval) return;
  flush_refusal_count(now);
}

ImplantTime ImplantRadio::next_wake() const {
  if (!responder_) return ImplantTime::never();
  ImplantTime next = responder_->next_deadline();
  if (summary_pending_ && last_summary_ + kSummaryInterval < next) {
    next = last_summary_ + kSummaryInterval;
  }
  return next;
}

}  // namespace itdd::app
