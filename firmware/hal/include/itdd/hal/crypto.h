// The implant's cryptography: a vetted library or a crypto accelerator behind one port, so the
// firmware never calls a library directly. The host build implements it with libsodium
// (host/crypto's SodiumCrypto); a board would use its accelerator or a small embedded library.
//
// Primitives (all fixed-size, all into caller buffers, nothing allocated):
//  - X25519 (RFC 7748): key pairs, scalar multiplication; an all-zero result (the peer sent a
//    low-order point) is refused.
//  - A map of 32 uniform bytes to a point of Curve25519's prime-order subgroup (Elligator 2),
//    which the pairing exchange uses to bind its ephemerals to the one-time code.
//  - ChaCha20-Poly1305 (IETF variant, RFC 8439): 32-byte key, 12-byte nonce, 16-byte tag,
//    detached tag, associated data.
//  - BLAKE2b (RFC 7693), keyed or not, 16 to 64 bytes out: the hash and the KDF.
//  - Random bytes from the device's entropy source.
//  - Constant-time comparison.
// Errors come back as values (ErrorCode::kRefused, field "crypto.<operation>").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"

namespace itdd::hal {

inline constexpr std::size_t kX25519Size = 32;
inline constexpr std::size_t kAeadKeySize = 32;
inline constexpr std::size_t kAeadNonceSize = 12;
inline constexpr std::size_t kAeadTagSize = 16;
inline constexpr std::size_t kHashMinSize = 16;
inline constexpr std::size_t kHashMaxSize = 64;
inline constexpr std::size_t kHashKeyMinSize = 16;  // a key, when given, is 16 to 64 bytes
inline constexpr std::size_t kHashKeyMaxSize = 64;
inline constexpr std::size_t kHashMaxParts = 16;  // pieces one hash() call may concatenate

using X25519Public = std::array<std::uint8_t, kX25519Size>;
using X25519Secret = std::array<std::uint8_t, kX25519Size>;
using SharedSecret = std::array<std::uint8_t, kX25519Size>;
using AeadKey = std::array<std::uint8_t, kAeadKeySize>;
using AeadNonce = std::array<std::uint8_t, kAeadNonceSize>;
using AeadTag = std::array<std::uint8_t, kAeadTagSize>;
using ByteView = std::span<const std::uint8_t>;

struct KeyPair {
  X25519Public public_key{};
  X25519Secret secret_key{};
  constexpr bool operator==(const KeyPair&) const = default;
};

class Crypto {
 public:
  // A fresh key pair from the port's random source.
  virtual Result<KeyPair> generate_key_pair() = 0;
  // The public key of a secret scalar (X25519 with the base point 9).
  virtual Result<X25519Public> public_key_of(const X25519Secret& secret) = 0;
  // X25519(own, peer). Refuses (field "crypto.x25519") when the result is all zero.
  virtual Result<SharedSecret> x25519(const X25519Secret& own, const X25519Public& peer) = 0;
  // The u-coordinate of 8 * Elligator2(uniform), exactly as libsodium's
  // crypto_core_ed25519_from_uniform followed by the Edwards-to-Montgomery map computes it: a
  // point of the prime-order subgroup that nobody knows the discrete logarithm of.
  virtual Result<X25519Public> map_to_curve(const std::array<std::uint8_t, 32>& uniform) = 0;

  // ChaCha20-Poly1305 IETF. `ciphertext` has plaintext.size() bytes and may be the same buffer
  // as `plaintext` (in place), never a partly overlapping one.
  virtual Status aead_encrypt(const AeadKey& key, const AeadNonce& nonce, ByteView ad,
                              ByteView plaintext, std::span<std::uint8_t> ciphertext,
                              AeadTag& tag) = 0;
  // Verifies the tag first; refuses (field "crypto.aead") and leaves `plaintext` without any of
  // the message when it does not match. `plaintext` has ciphertext.size() bytes.
  virtual Status aead_decrypt(const AeadKey& key, const AeadNonce& nonce, ByteView ad,
                              ByteView ciphertext, const AeadTag& tag,
                              std::span<std::uint8_t> plaintext) = 0;

  // BLAKE2b of the concatenation of `parts` (at most kHashMaxParts), keyed with `key` (empty,
  // or 16 to 64 bytes), out.size() bytes (16 to 64) of output.
  virtual Status hash(ByteView key, std::span<const ByteView> parts,
                      std::span<std::uint8_t> out) = 0;

  virtual Status random(std::span<std::uint8_t> out) = 0;

  // True when a and b have the same size and the same bytes, in time that depends only on the
  // size.
  virtual bool equal(ByteView a, ByteView b) const = 0;

 protected:
  ~Crypto() = default;
};

}  // namespace itdd::hal
