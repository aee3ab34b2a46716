// hal::Crypto over libsodium: what the simulated implant, the clinician programmer and the
// patient device use on a PC. Library itdd_host_crypto (its own library so that only what needs
// cryptography links libsodium).
#pragma once

#include "itdd/hal/crypto.h"

namespace itdd::host {

class SodiumCrypto final : public hal::Crypto {
 public:
  // Initialises libsodium (once per process; safe to repeat). If that fails every operation
  // refuses (field "crypto.init").
  SodiumCrypto();
  bool ready() const { return ready_; }

  Result<hal::KeyPair> generate_key_pair() override;
  Result<hal::X25519Public> public_key_of(const hal::X25519Secret& secret) override;
  Result<hal::SharedSecret> x25519(const hal::X25519Secret& own,
                                   const hal::X25519Public& peer) override;
  Result<hal::X25519Public> map_to_curve(const std::array<std::uint8_t, 32>& uniform) override;
  Status aead_encrypt(const hal::AeadKey& key, const hal::AeadNonce& nonce, hal::ByteView ad,
                      hal::ByteView plaintext, std::span<std::uint8_t> ciphertext,
                      hal::AeadTag& tag) override;
  Status aead_decrypt(const hal::AeadKey& key, const hal::AeadNonce& nonce, hal::ByteView ad,
                      hal::ByteView ciphertext, const hal::AeadTag& tag,
                      std::span<std::uint8_t> plaintext) override;
  Status hash(hal::ByteView key, std::span<const hal::ByteView> parts,
              std::span<std::uint8_t> out) override;
  Status random(std::span<std::uint8_t> out) override;
  bool equal(hal::ByteView a, hal::ByteView b) const override;

 private:
  bool ready_ = false;
};

}  // namespace itdd::host
