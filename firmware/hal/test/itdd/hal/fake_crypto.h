// A Crypto for host tests: the real primitives of another Crypto (host/crypto's SodiumCrypto), with
// a deterministic random source (splitmix64 from a seed) so a test can replay an exchange, make
// the RNG repeat itself (reseed(), as a device whose entropy failed after a restart would) or
// fail on demand.
#pragma once

#include <cstdint>
#include <span>

#include "itdd/hal/crypto.h"

namespace itdd::hal {

class FakeRngCrypto final : public Crypto {
 public:
  explicit FakeRngCrypto(Crypto& real, std::uint64_t seed = 1) : real_(real), state_(seed) {}

  Result<KeyPair> generate_key_pair() override {
    if (fail_key_pair) return make_error(ErrorCode::kRefused, "crypto.key_pair", "failing");
    KeyPair pair;
    const Status s = random(pair.secret_key);
    if (!s.ok()) return s.error();
    const Result<X25519Public> pub = real_.public_key_of(pair.secret_key);
    if (!pub.ok()) return pub.error();
    pair.public_key = pub.value();
    return pair;
  }
  Result<X25519Public> public_key_of(const X25519Secret& secret) override {
    return real_.public_key_of(secret);
  }
  Result<SharedSecret> x25519(const X25519Secret& own, const X25519Public& peer) override {
    ++x25519_calls;
    return real_.x25519(own, peer);
  }
  Result<X25519Public> map_to_curve(const std::array<std::uint8_t, 32>& uniform) override {
    ++map_calls;
    return real_.map_to_curve(uniform);
  }
  Status aead_encrypt(const AeadKey& key, const AeadNonce& nonce, ByteView ad, ByteView plaintext,
                      std::span<std::uint8_t> ciphertext, AeadTag& tag) override {
    return real_.aead_encrypt(key, nonce, ad, plaintext, ciphertext, tag);
  }
  Status aead_decrypt(const AeadKey& key, const AeadNonce& nonce, ByteView ad, ByteView ciphertext,
                      const AeadTag& tag, std::span<std::uint8_t> plaintext) override {
    return real_.aead_decrypt(key, nonce, ad, ciphertext, tag, plaintext);
  }
  Status hash(ByteView key, std::span<const ByteView> parts, std::span<std::uint8_t> out) override {
    return real_.hash(key, parts, out);
  }
  Status random(std::span<std::uint8_t> out) override {
    if (fail_random) return make_error(ErrorCode::kRefused, "crypto.random", "failing");
    for (std::uint8_t& b : out) b = static_cast<std::uint8_t>(next() >> 56);
    ++random_calls;
    return Status::Ok();
  }
  bool equal(ByteView a, ByteView b) const override { return real_.equal(a, b); }

  // Starts the random sequence again from `seed`.
  void reseed(std::uint64_t seed) { state_ = seed; }

  bool fail_random = false;
  bool fail_key_pair = false;
  std::int64_t random_calls = 0;
  std::int64_t x25519_calls = 0;  // Diffie-Hellman work asked for (what an outsider can cost)
  std::int64_t map_calls = 0;

 private:
  std::uint64_t next() {  // splitmix64
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  Crypto& real_;
  std::uint64_t state_;
};

}  // namespace itdd::hal
