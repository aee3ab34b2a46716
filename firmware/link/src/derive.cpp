#include "derive.h"

#include <string_view>

#include "itdd/link/session.h"
#include "itdd/link/wire.h"
#include "secure.h"

namespace itdd::link::detail {
namespace {

hal::ByteView text(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

hal::ByteView digits(const CodeDigits& code) {
  return {reinterpret_cast<const std::uint8_t*>(code.data()), code.size()};
}

Result<Hash32> hash_parts(hal::Crypto& crypto, hal::ByteView key,
                          std::span<const hal::ByteView> parts) {
  Hash32 out{};
  const Status s = crypto.hash(key, parts, out);
  if (!s.ok()) return s.error();
  return out;
}

}  // namespace

Result<Hash32> handshake_transcript(hal::Crypto& crypto, std::uint8_t version,
                                    const PublicKey& initiator_static,
                                    const PublicKey& initiator_ephemeral,
                                    const PublicKey& responder_static,
                                    const PublicKey& responder_ephemeral, std::uint64_t epoch) {
  std::array<std::uint8_t, 8> epoch_le{};
  put_u64(epoch_le.data(), epoch);
  const hal::ByteView parts[] = {text("itdd link v1 handshake"),
                                 {&version, 1},
                                 initiator_static,
                                 initiator_ephemeral,
                                 responder_static,
                                 responder_ephemeral,
                                 epoch_le};
  return hash_parts(crypto, {}, parts);
}

Result<SessionKeys> derive_session_keys(hal::Crypto& crypto, const Hash32& transcript,
                                        const HandshakeSecrets& secrets) {
  const hal::ByteView ikm[] = {secrets.ee, secrets.es, secrets.se, secrets.ss};
  Result<Hash32> prk = hash_parts(crypto, transcript, ikm);
  if (!prk.ok()) return prk.error();
  const hal::ByteView i2r[] = {text("itdd link v1 initiator to responder")};
  const hal::ByteView r2i[] = {text("itdd link v1 responder to initiator")};
  Result<Hash32> a = hash_parts(crypto, prk.value(), i2r);
  Result<Hash32> b = hash_parts(crypto, prk.value(), r2i);
  wipe(prk.value());
  if (!a.ok()) return a.error();
  if (!b.ok()) return b.error();
  SessionKeys keys{a.value(), b.value()};
  wipe(a.value());
  wipe(b.value());
  return keys;
}

Result<SessionKeys> session_keys_from(hal::Crypto& crypto, const Result<Hash32>& transcript,
                                      HandshakeSecrets& secrets) {
  Result<SessionKeys> keys = transcript.ok()
                                 ? derive_session_keys(crypto, transcript.value(), secrets)
                                 : Result<SessionKeys>(transcript.error());
  wipe(secrets.ee);
  wipe(secrets.es);
  wipe(secrets.se);
  wipe(secrets.ss);
  return keys;
}

Result<hal::AeadTag> accept_tag(hal::Crypto& crypto, const SessionKeys& keys,
                                const Hash32& transcript) {
  hal::AeadTag tag{};
  const Status s = crypto.aead_encrypt(keys.responder_to_initiator,
                                       record_nonce(Direction::kResponderToInitiator, 0),
                                       transcript, {}, {}, tag);
  if (!s.ok()) return s.error();
  return tag;
}

Status check_accept_tag(hal::Crypto& crypto, const SessionKeys& keys, const Hash32& transcript,
                        const hal::AeadTag& tag) {
  return crypto.aead_decrypt(keys.responder_to_initiator,
                             record_nonce(Direction::kResponderToInitiator, 0), transcript, {}, tag,
                             {});
}

Result<PublicKey> pairing_generator(hal::Crypto& crypto, const CodeDigits& code,
                                    const PublicKey& device_static) {
  const hal::ByteView parts[] = {text("itdd link v1 pairing generator"), digits(code),
                                 device_static};
  Result<Hash32> uniform = hash_parts(crypto, {}, parts);
  if (!uniform.ok()) return uniform.error();
  Result<PublicKey> g = crypto.map_to_curve(uniform.value());
  wipe(uniform.value());
  return g;
}

Result<Hash32> pairing_transcript(hal::Crypto& crypto, const PublicKey& device_static,
                                  const PublicKey& device_ephemeral,
                                  const PublicKey& implant_static,
                                  const PublicKey& implant_ephemeral) {
  const std::uint8_t version = kVersion;
  const hal::ByteView parts[] = {text("itdd link v1 pairing"),
                                 {&version, 1},
                                 device_static,
                                 device_ephemeral,
                                 implant_static,
                                 implant_ephemeral};
  return hash_parts(crypto, {}, parts);
}

Result<Hash32> pairing_key(hal::Crypto& crypto, const Hash32& transcript,
                           const hal::SharedSecret& ee, const hal::SharedSecret& ss) {
  const hal::ByteView parts[] = {ee, ss};
  return hash_parts(crypto, transcript, parts);
}

Result<Mac> pairing_proof(hal::Crypto& crypto, const Hash32& key, const CodeDigits& code,
                          const Hash32& transcript) {
  const hal::ByteView parts[] = {text("device"), digits(code), transcript};
  return hash_parts(crypto, key, parts);
}

Result<Mac> pairing_confirm(hal::Crypto& crypto, const Hash32& key, const CodeDigits& code,
                            const Hash32& transcript, Role role, PeerId peer) {
  const auto role_byte = static_cast<std::uint8_t>(role);
  std::array<std::uint8_t, 4> id{};
  put_u32(id.data(), peer);
  const hal::ByteView parts[] = {text("implant"), digits(code), transcript, {&role_byte, 1}, id};
  return hash_parts(crypto, key, parts);
}

Result<CodeBoundKey> code_bound_key(hal::Crypto& crypto, const PublicKey& generator) {
  CodeBoundKey k;
  const Status s = crypto.random(k.secret);
  if (!s.ok()) return s.error();
  const Result<PublicKey> point = crypto.x25519(k.secret, generator);
  if (!point.ok()) {
    wipe(k.secret);
    return point.error();
  }
  k.point = point.value();
  return k;
}

}  // namespace itdd::link::detail
