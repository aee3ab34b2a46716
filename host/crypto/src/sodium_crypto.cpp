#include "itdd/host/sodium_crypto.h"

#include <sodium.h>

namespace itdd::host {
namespace {

static_assert(crypto_scalarmult_BYTES == hal::kX25519Size);
static_assert(crypto_scalarmult_SCALARBYTES == hal::kX25519Size);
static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == hal::kAeadKeySize);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == hal::kAeadNonceSize);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == hal::kAeadTagSize);
static_assert(crypto_generichash_BYTES_MIN == hal::kHashMinSize);
static_assert(crypto_generichash_BYTES_MAX == hal::kHashMaxSize);
static_assert(crypto_generichash_KEYBYTES_MIN == hal::kHashKeyMinSize);
static_assert(crypto_generichash_KEYBYTES_MAX == hal::kHashKeyMaxSize);
static_assert(crypto_core_ed25519_UNIFORMBYTES == 32);

Error not_ready() {
  return make_error(ErrorCode::kRefused, "crypto.init", "libsodium could not be initialised");
}

}  // namespace

SodiumCrypto::SodiumCrypto() : ready_(sodium_init() >= 0) {}

Result<hal::KeyPair> SodiumCrypto::generate_key_pair() {
  if (!ready_) return not_ready();
  hal::KeyPair pair;
  randombytes_buf(pair.secret_key.data(), pair.secret_key.size());
  if (crypto_scalarmult_base(pair.public_key.data(), pair.secret_key.data()) != 0) {
    return make_error(ErrorCode::kRefused, "crypto.key_pair", "scalar multiplication failed");
  }
  return pair;
}

Result<hal::X25519Public> SodiumCrypto::public_key_of(const hal::X25519Secret& secret) {
  if (!ready_) return not_ready();
  hal::X25519Public pub{};
  if (crypto_scalarmult_base(pub.data(), secret.data()) != 0) {
    return make_error(ErrorCode::kRefused, "crypto.public_key", "scalar multiplication failed");
  }
  return pub;
}

Result<hal::SharedSecret> SodiumCrypto::x25519(const hal::X25519Secret& own,
                                               const hal::X25519Public& peer) {
  if (!ready_) return not_ready();
  hal::SharedSecret shared{};
  // libsodium returns -1 when the result is all zero (a low-order peer point).
  if (crypto_scalarmult(shared.data(), own.data(), peer.data()) != 0) {
    sodium_memzero(shared.data(), shared.size());
    return make_error(ErrorCode::kRefused, "crypto.x25519",
                      "the shared secret is all zero (a low-order public key)");
  }
  return shared;
}

Result<hal::X25519Public> SodiumCrypto::map_to_curve(const std::array<std::uint8_t, 32>& uniform) {
  if (!ready_) return not_ready();
  std::array<std::uint8_t, crypto_core_ed25519_BYTES> edwards{};
  hal::X25519Public u{};
  if (crypto_core_ed25519_from_uniform(edwards.data(), uniform.data()) != 0 ||
      crypto_sign_ed25519_pk_to_curve25519(u.data(), edwards.data()) != 0) {
    return make_error(ErrorCode::kRefused, "crypto.map_to_curve", "no point for this input");
  }
  return u;
}

Status SodiumCrypto::aead_encrypt(const hal::AeadKey& key, const hal::AeadNonce& nonce,
                                  hal::ByteView ad, hal::ByteView plaintext,
                                  std::span<std::uint8_t> ciphertext, hal::AeadTag& tag) {
  if (!ready_) return not_ready();
  if (ciphertext.size() != plaintext.size()) {
    return make_error(ErrorCode::kInvalidArgument, "crypto.aead",
                      "ciphertext buffer size differs from the plaintext size");
  }
  unsigned long long tag_size = 0;
  std::uint8_t none = 0;  // libsodium wants a non-null output even for an empty message
  if (crypto_aead_chacha20poly1305_ietf_encrypt_detached(
          ciphertext.empty() ? &none : ciphertext.data(), tag.data(), &tag_size, plaintext.data(),
          plaintext.size(), ad.data(), ad.size(), nullptr, nonce.data(), key.data()) != 0 ||
      tag_size != tag.size()) {
    return make_error(ErrorCode::kRefused, "crypto.aead", "encryption failed");
  }
  return Status::Ok();
}

Status SodiumCrypto::aead_decrypt(const hal::AeadKey& key, const hal::AeadNonce& nonce,
                                  hal::ByteView ad, hal::ByteView ciphertext,
                                  const hal::AeadTag& tag, std::span<std::uint8_t> plaintext) {
  if (!ready_) return not_ready();
  if (ciphertext.size() != plaintext.size()) {
    return make_error(ErrorCode::kInvalidArgument, "crypto.aead",
                      "plaintext buffer size differs from the ciphertext size");
  }
  // libsodium checks the tag before it decrypts anything, and wants a non-null input even for
  // an empty message.
  const std::uint8_t none = 0;
  if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(
          plaintext.data(), nullptr, ciphertext.empty() ? &none : ciphertext.data(),
          ciphertext.size(), tag.data(), ad.data(), ad.size(), nonce.data(), key.data()) != 0) {
    return make_error(ErrorCode::kRefused, "crypto.aead", "the tag does not match");
  }
  return Status::Ok();
}

Status SodiumCrypto::hash(hal::ByteView key, std::span<const hal::ByteView> parts,
                          std::span<std::uint8_t> out) {
  if (!ready_) return not_ready();
  if (out.size() < hal::kHashMinSize || out.size() > hal::kHashMaxSize) {
    return make_error(ErrorCode::kInvalidArgument, "crypto.hash", "output size out of range");
  }
  if (!key.empty() && (key.size() < hal::kHashKeyMinSize || key.size() > hal::kHashKeyMaxSize)) {
    return make_error(ErrorCode::kInvalidArgument, "crypto.hash", "key size out of range");
  }
  if (parts.size() > hal::kHashMaxParts) {
    return make_error(ErrorCode::kInvalidArgument, "crypto.hash", "too many parts");
  }
  crypto_generichash_state state;
  if (crypto_generichash_init(&state, key.empty() ? nullptr : key.data(), key.size(), out.size()) !=
      0) {
    return make_error(ErrorCode::kRefused, "crypto.hash", "init failed");
  }
  for (const hal::ByteView part : parts) {
    if (crypto_generichash_update(&state, part.data(), part.size()) != 0) {
      return make_error(ErrorCode::kRefused, "crypto.hash", "update failed");
    }
  }
  if (crypto_generichash_final(&state, out.data(), out.size()) != 0) {
    return make_error(ErrorCode::kRefused, "crypto.hash", "final failed");
  }
  sodium_memzero(&state, sizeof state);
  return Status::Ok();
}

Status SodiumCrypto::random(std::span<std::uint8_t> out) {
  if (!ready_) return not_ready();
  if (!out.empty()) randombytes_buf(out.data(), out.size());
  return Status::Ok();
}

bool SodiumCrypto::equal(hal::ByteView a, hal::ByteView b) const {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace itdd::host
