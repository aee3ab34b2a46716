#include "itdd/link/initiator.h"

#include "derive.h"
#include "secure.h"

namespace itdd::link {

Initiator::Initiator(hal::Crypto& crypto, const hal::KeyPair& own, const PublicKey& implant)
    : crypto_(&crypto), own_(own), implant_(implant) {}

Initiator::~Initiator() {
  wipe(own_.secret_key);
  wipe(ephemeral_.secret_key);
}

Result<HelloBytes> Initiator::hello() {
  drop();
  const Result<hal::KeyPair> ephemeral = crypto_->generate_key_pair();
  if (!ephemeral.ok()) return ephemeral.error();
  ephemeral_ = ephemeral.value();
  waiting_ = true;
  return encode(Hello{kVersion, own_.public_key, ephemeral_.public_key});
}

Status Initiator::on_accept(hal::ByteView bytes, ImplantTime now) {
  if (!waiting_) return make_error(ErrorCode::kRefused, "accept", "no Hello sent");
  const Result<Accept> accept = decode_accept(bytes);
  if (!accept.ok()) return accept.error();
  Result<hal::SharedSecret> ee =
      crypto_->x25519(ephemeral_.secret_key, accept->responder_ephemeral);
  Result<hal::SharedSecret> es = crypto_->x25519(ephemeral_.secret_key, implant_);
  Result<hal::SharedSecret> se = crypto_->x25519(own_.secret_key, accept->responder_ephemeral);
  Result<hal::SharedSecret> ss = crypto_->x25519(own_.secret_key, implant_);
  if (!ee.ok() || !es.ok() || !se.ok() || !ss.ok()) {
    return make_error(ErrorCode::kInvalidArgument, "accept.responder_ephemeral", "low-order key");
  }
  detail::HandshakeSecrets secrets{ee.value(), es.value(), se.value(), ss.value()};
  wipe(ee.value());
  wipe(es.value());
  wipe(se.value());
  wipe(ss.value());
  const Result<detail::Hash32> transcript =
      detail::handshake_transcript(*crypto_, kVersion, own_.public_key, ephemeral_.public_key,
                                   implant_, accept->responder_ephemeral, accept->epoch);
  Result<detail::SessionKeys> keys = detail::session_keys_from(*crypto_, transcript, secrets);
  if (!keys.ok()) return keys.error();
  const Status tag =
      detail::check_accept_tag(*crypto_, keys.value(), transcript.value(), accept->tag);
  if (!tag.ok()) {
    wipe(keys.value().initiator_to_responder);
    wipe(keys.value().responder_to_initiator);
    return make_error(ErrorCode::kRefused, "accept.tag",
                      "the implant did not prove its key for this Hello");
  }
  session_ = Session(Direction::kInitiatorToResponder, keys->initiator_to_responder,
                     keys->responder_to_initiator, accept->epoch, now);
  wipe(keys.value().initiator_to_responder);
  wipe(keys.value().responder_to_initiator);
  wipe(ephemeral_.secret_key);
  waiting_ = false;
  return Status::Ok();
}

Result<std::size_t> Initiator::seal(hal::ByteView plaintext, std::span<std::uint8_t> out,
                                    ImplantTime now) {
  return session_.seal(*crypto_, RecordType::kData, plaintext, out, now);
}

Result<Opened> Initiator::open(hal::ByteView record, std::span<std::uint8_t> plaintext,
                               ImplantTime now) {
  const Result<Opened> r = session_.open(*crypto_, record, plaintext, now);
  if (r.ok() && r->type == RecordType::kClose) session_.end();
  return r;
}

Result<std::size_t> Initiator::close(std::span<std::uint8_t> out, ImplantTime now) {
  const Result<std::size_t> r = session_.seal(*crypto_, RecordType::kClose, {}, out, now);
  if (r.ok()) session_.end();
  return r;
}

void Initiator::drop() {
  session_.end();
  wipe(ephemeral_.secret_key);
  waiting_ = false;
}

PairingDevice::PairingDevice(hal::Crypto& crypto, const hal::KeyPair& own)
    : crypto_(&crypto), own_(own) {}

PairingDevice::~PairingDevice() {
  wipe(own_.secret_key);
  wipe(ephemeral_secret_);
  wipe(key_);
}

Result<PairHelloBytes> PairingDevice::hello(std::span<const char> code) {
  if (code.size() != code_.size()) {
    return make_error(ErrorCode::kInvalidArgument, "code", "six digits");
  }
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (code[i] < '0' || code[i] > '9') {
      return make_error(ErrorCode::kInvalidArgument, "code", "digits only",
                        static_cast<std::int32_t>(i));
    }
    code_[i] = code[i];
  }
  const Result<PublicKey> generator = detail::pairing_generator(*crypto_, code_, own_.public_key);
  if (!generator.ok()) return generator.error();
  const Result<detail::CodeBoundKey> k = detail::code_bound_key(*crypto_, generator.value());
  if (!k.ok()) return k.error();
  ephemeral_secret_ = k->secret;
  ephemeral_ = k->point;
  step_ = Step::kHelloSent;
  return encode(PairHello{kVersion, own_.public_key, ephemeral_});
}

Result<PairProofBytes> PairingDevice::on_accept(hal::ByteView bytes) {
  if (step_ != Step::kHelloSent) {
    return make_error(ErrorCode::kRefused, "pair_accept", "no PairHello sent");
  }
  const Result<PairAccept> accept = decode_pair_accept(bytes);
  if (!accept.ok()) return accept.error();
  Result<hal::SharedSecret> ee = crypto_->x25519(ephemeral_secret_, accept->implant_ephemeral);
  Result<hal::SharedSecret> ss = crypto_->x25519(own_.secret_key, accept->implant_static);
  if (!ee.ok() || !ss.ok()) {
    return make_error(ErrorCode::kInvalidArgument, "pair_accept", "low-order key");
  }
  const Result<detail::Hash32> transcript = detail::pairing_transcript(
      *crypto_, own_.public_key, ephemeral_, accept->implant_static, accept->implant_ephemeral);
  Result<detail::Hash32> key =
      transcript.ok() ? detail::pairing_key(*crypto_, transcript.value(), ee.value(), ss.value())
                      : Result<detail::Hash32>(transcript.error());
  wipe(ee.value());
  wipe(ss.value());
  if (!key.ok()) return key.error();
  const Result<Mac> proof = detail::pairing_proof(*crypto_, key.value(), code_, transcript.value());
  if (!proof.ok()) return proof.error();
  key_ = key.value();
  wipe(key.value());
  transcript_ = transcript.value();
  implant_ = accept->implant_static;
  wipe(ephemeral_secret_);
  step_ = Step::kProofSent;
  return encode(PairProof{proof.value()});
}

Result<Paired> PairingDevice::on_confirm(hal::ByteView bytes) {
  if (step_ != Step::kProofSent) {
    return make_error(ErrorCode::kRefused, "pair_confirm", "no PairProof sent");
  }
  const Result<PairConfirm> confirm = decode_pair_confirm(bytes);
  if (!confirm.ok()) return confirm.error();
  Result<Mac> expected =
      detail::pairing_confirm(*crypto_, key_, code_, transcript_, confirm->role, confirm->peer);
  if (!expected.ok()) return expected.error();
  const bool right = crypto_->equal(expected.value(), confirm->mac);
  wipe(expected.value());
  if (!right) {
    return make_error(ErrorCode::kRefused, "pair_confirm",
                      "the implant did not prove the code: do not trust this pairing");
  }
  wipe(key_);
  wipe(code_);
  step_ = Step::kIdle;
  return Paired{implant_, confirm->role, confirm->peer};
}

}  // namespace itdd::link
