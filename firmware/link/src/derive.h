// The link's key schedule, shared by the initiator, the responder and the pairing device, all
// with BLAKE2b through hal::Crypto (see README.md for the design).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/types.h"

namespace itdd::link::detail {

using Hash32 = std::array<std::uint8_t, 32>;

struct SessionKeys {
  hal::AeadKey initiator_to_responder{};
  hal::AeadKey responder_to_initiator{};
};

// The four Diffie-Hellman results, named from the initiator's side: ee = e_i*E_r,
// es = e_i*S_r, se = s_i*E_r, ss = s_i*S_r.
struct HandshakeSecrets {
  hal::SharedSecret ee{};
  hal::SharedSecret es{};
  hal::SharedSecret se{};
  hal::SharedSecret ss{};
};

// th = BLAKE2b-256("itdd link v1 handshake" | version | S_i | E_i | S_r | E_r | epoch LE).
Result<Hash32> handshake_transcript(hal::Crypto& crypto, std::uint8_t version,
                                    const PublicKey& initiator_static,
                                    const PublicKey& initiator_ephemeral,
                                    const PublicKey& responder_static,
                                    const PublicKey& responder_ephemeral, std::uint64_t epoch);

// prk = BLAKE2b-256(key th, ee | es | se | ss); each direction's key = BLAKE2b-256(key prk,
// label).
Result<SessionKeys> derive_session_keys(hal::Crypto& crypto, const Hash32& transcript,
                                        const HandshakeSecrets& secrets);

// The same from the transcript's result, wiping the four DH results whatever happens: what
// both ends of a handshake do.
Result<SessionKeys> session_keys_from(hal::Crypto& crypto, const Result<Hash32>& transcript,
                                      HandshakeSecrets& secrets);

// Accept's confirmation tag: ChaCha20-Poly1305 of nothing under the responder-to-initiator key,
// nonce (direction 2, counter 0), associated data th.
Result<hal::AeadTag> accept_tag(hal::Crypto& crypto, const SessionKeys& keys,
                                const Hash32& transcript);
Status check_accept_tag(hal::Crypto& crypto, const SessionKeys& keys, const Hash32& transcript,
                        const hal::AeadTag& tag);

// ---- pairing ----
inline constexpr std::size_t kCodeDigits = 6;
using CodeDigits = std::array<char, kCodeDigits>;

// The code-bound generator: map_to_curve(BLAKE2b-256("itdd link v1 pairing generator" | code |
// S_d)).
Result<PublicKey> pairing_generator(hal::Crypto& crypto, const CodeDigits& code,
                                    const PublicKey& device_static);
// pth = BLAKE2b-256("itdd link v1 pairing" | version | S_d | Y_d | S_r | Y_r).
Result<Hash32> pairing_transcript(hal::Crypto& crypto, const PublicKey& device_static,
                                  const PublicKey& device_ephemeral,
                                  const PublicKey& implant_static,
                                  const PublicKey& implant_ephemeral);
// k = BLAKE2b-256(key pth, ee | ss) with ee = y_d*Y_r and ss = s_d*S_r.
Result<Hash32> pairing_key(hal::Crypto& crypto, const Hash32& transcript,
                           const hal::SharedSecret& ee, const hal::SharedSecret& ss);
// proof = BLAKE2b-256(key k, "device" | code | pth).
Result<Mac> pairing_proof(hal::Crypto& crypto, const Hash32& key, const CodeDigits& code,
                          const Hash32& transcript);
// confirm = BLAKE2b-256(key k, "implant" | code | pth | role | peer id LE).
Result<Mac> pairing_confirm(hal::Crypto& crypto, const Hash32& key, const CodeDigits& code,
                            const Hash32& transcript, Role role, PeerId peer);

// A secret scalar and its point on `generator` (X25519(y, G)).
struct CodeBoundKey {
  hal::X25519Secret secret{};
  PublicKey point{};
};
Result<CodeBoundKey> code_bound_key(hal::Crypto& crypto, const PublicKey& generator);

}  // namespace itdd::link::detail
