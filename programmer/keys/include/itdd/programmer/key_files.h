// The files a programmer (or a patient device) keeps its keys in. Text, one field a line
// (the format is described in full in programmer/keys/README.md):
//
//   key pair (keygen)            protected key pair (keygen --passphrase)  implant (pairing)
//     itdd-key-pair 1              itdd-protected-key-pair 1                  itdd-implant 1
//     public <64 hex digits>       public <64 hex digits>                     public <64 hex>
//     secret <64 hex digits>       kdf argon2id13                             role patient
//                                  opslimit <n>                               device-id 3
//                                  memlimit <bytes>
//                                  salt <32 hex digits>
//                                  nonce <48 hex digits>
//                                  sealed <96 hex digits>
//
// Whoever holds the secret is this device to every implant it is paired with. A key pair file
// is created with mode 0600 (O_EXCL: never overwritten, never through a symbolic link) and read
// only through a descriptor opened with O_NOFOLLOW and checked with fstat: a regular file,
// owned by the user reading it, that group and others may not read. A protected file holds the
// secret key sealed (crypto_secretbox: XSalsa20-Poly1305) under a key derived from a passphrase
// (crypto_pwhash, Argon2id); a wrong passphrase is refused by the seal's tag.
//
// Secrets in memory: the secret key lives in a DeviceKeys, the passphrase in a Passphrase;
// neither can be copied and both are wiped (sodium_memzero) when destroyed, as is every buffer
// that held the file's text. A public key is read from either kind of key pair file, an
// implant file, or a file holding only its 64 hex digits (what `itdd implant serve` and
// `itdd programmer keygen` print). Errors name the field ("key file", "public", "secret",
// "passphrase", ...) with a sentence saying what to fix.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "itdd/core/result.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/initiator.h"
#include "itdd/link/types.h"

namespace itdd::programmer {

std::string to_hex(std::span<const std::uint8_t> bytes);
// 64 hex digits (either case) to a key; refuses anything else (field "key").
Result<link::PublicKey> public_key_from_hex(std::string_view hex);

// Overwrites `bytes` with zeros in a way the compiler keeps (sodium_memzero).
void wipe(std::span<std::uint8_t> bytes);
void wipe(std::span<char> bytes);

// This device's key pair, in memory no longer than its owner: never copied, wiped on
// destruction (a move wipes the source).
class DeviceKeys {
 public:
  DeviceKeys() = default;
  ~DeviceKeys();
  DeviceKeys(const DeviceKeys&) = delete;
  DeviceKeys& operator=(const DeviceKeys&) = delete;
  DeviceKeys(DeviceKeys&& other) noexcept;
  DeviceKeys& operator=(DeviceKeys&& other) noexcept;

  const hal::KeyPair& pair() const { return keys_; }
  hal::KeyPair& pair() { return keys_; }
  const link::PublicKey& public_key() const { return keys_.public_key; }

 private:
  hal::KeyPair keys_{};
};

// A passphrase in memory: at most kMaxSize bytes in a fixed buffer (never reallocated, so no
// copy is left behind), wiped on destruction.
class Passphrase {
 public:
  static constexpr std::size_t kMaxSize = 1024;
  // The shortest a new key's passphrase may be (keygen); an existing file is opened with any.
  static constexpr std::size_t kMinNewSize = 12;

  Passphrase() = default;
  ~Passphrase();
  Passphrase(const Passphrase&) = delete;
  Passphrase& operator=(const Passphrase&) = delete;

  // Replaces the content; false (and empty) if `text` is longer than kMaxSize.
  bool assign(std::string_view text);
  // Appends one character; false if full.
  bool push_back(char c);
  void clear();
  std::string_view view() const { return {bytes_.data(), size_}; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::array<char, kMaxSize> bytes_{};
  std::size_t size_ = 0;
};

// How hard the passphrase's key derivation is (libsodium's named limits for Argon2id):
// interactive 2 passes over 64 MiB, moderate 3 over 256 MiB (keygen's choice: about a second),
// sensitive 4 over 1 GiB.
enum class PassphraseCost : std::uint8_t { kInteractive, kModerate, kSensitive };

// Creates `file` (mode 0600) with the key pair in the clear; refuses if it exists (a key is
// never replaced by accident: every pairing made with it would be lost).
Status write_key_pair_file(const std::filesystem::path& file, const hal::KeyPair& keys);
// The same with the secret key sealed under `passphrase` (at least Passphrase::kMinNewSize
// bytes; field "passphrase" otherwise).
Status write_protected_key_pair_file(const std::filesystem::path& file, const hal::KeyPair& keys,
                                     const Passphrase& passphrase,
                                     PassphraseCost cost = PassphraseCost::kModerate);

// Where the passphrase of a protected key file comes from; called only when the file is
// protected. Fills `out` or says why there is none.
using PassphraseSource = std::function<Status(Passphrase& out)>;

// Reads a key pair (plain or protected) into `out` and checks that its public key is its secret
// key's. `out` is left empty on any error.
Status read_key_pair_file(const std::filesystem::path& file, hal::Crypto& crypto,
                          const PassphraseSource& passphrase, DeviceKeys& out);
// Whether `file` is a protected key pair file (false for a plain one; an error if it is neither
// or cannot be opened as a key file).
Result<bool> is_protected_key_pair_file(const std::filesystem::path& file);

// Records the implant learnt at pairing; refuses if `file` exists.
Status write_implant_file(const std::filesystem::path& file, const link::Paired& paired);
// The public key in a key-pair file, an implant file, or a bare hex file.
Result<link::PublicKey> read_public_key_file(const std::filesystem::path& file);
// The role an implant file says this device was paired with; kNone when the file records none
// (a bare hex key, a key-pair file). A role word it does not know is refused (field "role").
Result<link::Role> read_paired_role(const std::filesystem::path& file);

}  // namespace itdd::programmer
