#include "itdd/programmer/key_files.h"

#include <sodium.h>

#include <charconv>
#include <utility>

#include "private_file.h"

namespace itdd::programmer {
namespace {

using detail::Access;
using detail::field_value;
using detail::FileText;
using detail::Lines;

constexpr std::string_view kKeyPairHeader = "itdd-key-pair 1";
constexpr std::string_view kProtectedHeader = "itdd-protected-key-pair 1";
constexpr std::string_view kImplantHeader = "itdd-implant 1";
constexpr std::string_view kKdfName = "argon2id13";

constexpr std::size_t kSecretSize = sizeof(hal::X25519Secret);
constexpr std::size_t kSealedSize = crypto_secretbox_MACBYTES + kSecretSize;
static_assert(crypto_secretbox_KEYBYTES == 32, "the derived key is 32 bytes");
// What a protected file may ask of the key derivation: at least libsodium's interactive limits
// (weaker would make guessing cheap), at most the sensitive memory limit and 16 passes (a
// damaged or hostile file must not make the programmer allocate without bound).
constexpr unsigned long long kMinOps = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
constexpr unsigned long long kMaxOps = 16;
constexpr std::size_t kMinMem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
constexpr std::size_t kMaxMem = crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE;

Error file_error(ErrorCode code, const char* message) {
  return make_error(code, "key file", message);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool from_hex(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() != 2 * out.size()) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(hex[2 * i]);
    const int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

// Text built in a fixed buffer that is wiped when it goes (it may hold a secret in hex).
class Text {
 public:
  ~Text() { wipe(std::span<char>(bytes_)); }
  Text& operator<<(std::string_view s) {
    for (const char c : s) {
      if (size_ < bytes_.size()) bytes_[size_++] = c;
    }
    return *this;
  }
  Text& hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (const std::uint8_t b : bytes) {
      const char pair[2] = {kDigits[b >> 4], kDigits[b & 0xF]};
      *this << std::string_view(pair, 2);
    }
    return *this;
  }
  Text& number(unsigned long long v) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    return *this << std::string_view(digits, static_cast<std::size_t>(end - digits));
  }
  std::string_view view() const { return {bytes_.data(), size_}; }

 private:
  std::array<char, detail::kMaxFileSize> bytes_{};
  std::size_t size_ = 0;
};

struct Cost {
  unsigned long long ops;
  std::size_t mem;
};

Cost cost_of(PassphraseCost c) {
  switch (c) {
    case PassphraseCost::kInteractive:
      return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
              crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
    case PassphraseCost::kModerate:
      return {crypto_pwhash_argon2id_OPSLIMIT_MODERATE, crypto_pwhash_argon2id_MEMLIMIT_MODERATE};
    case PassphraseCost::kSensitive:
      break;
  }
  return {crypto_pwhash_argon2id_OPSLIMIT_SENSITIVE, crypto_pwhash_argon2id_MEMLIMIT_SENSITIVE};
}

// The secretbox key for `passphrase`, `salt` and `cost` (Argon2id, version 1.3).
Status derive_key(const Passphrase& passphrase, std::span<const std::uint8_t> salt, Cost cost,
                  std::array<std::uint8_t, crypto_secretbox_KEYBYTES>& key) {
  if (crypto_pwhash(key.data(), key.size(), passphrase.view().data(), passphrase.size(),
                    salt.data(), cost.ops, cost.mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error(ErrorCode::kRefused, "passphrase",
                      "the key could not be derived from it (not enough memory?)");
  }
  return Status::Ok();
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

Status read_plain(const Lines& lines, DeviceKeys& out) {
  if (!from_hex(field_value(lines, "public"), out.pair().public_key)) {
    return make_error(ErrorCode::kInvalidArgument, "public", "must be 64 hexadecimal digits");
  }
  if (!from_hex(field_value(lines, "secret"), out.pair().secret_key)) {
    return make_error(ErrorCode::kInvalidArgument, "secret", "must be 64 hexadecimal digits");
  }
  return Status::Ok();
}

Status read_protected(const Lines& lines, const PassphraseSource& source, DeviceKeys& out) {
  if (!from_hex(field_value(lines, "public"), out.pair().public_key)) {
    return make_error(ErrorCode::kInvalidArgument, "public", "must be 64 hexadecimal digits");
  }
  if (field_value(lines, "kdf") != kKdfName) {
    return make_error(ErrorCode::kInvalidArgument, "kdf",
                      "must be argon2id13 (a file from a later version of itdd?)");
  }
  Cost cost{};
  if (!parse_number(field_value(lines, "opslimit"), cost.ops) || cost.ops < kMinOps ||
      cost.ops > kMaxOps) {
    return make_error(ErrorCode::kInvalidArgument, "opslimit",
                      "must be a whole number from 2 to 16: the file is damaged");
  }
  if (!parse_number(field_value(lines, "memlimit"), cost.mem) || cost.mem < kMinMem ||
      cost.mem > kMaxMem) {
    return make_error(ErrorCode::kInvalidArgument, "memlimit",
                      "must be from 64 MiB to 1 GiB in bytes: the file is damaged");
  }
  std::array<std::uint8_t, crypto_pwhash_SALTBYTES> salt{};
  std::array<std::uint8_t, crypto_secretbox_NONCEBYTES> nonce{};
  std::array<std::uint8_t, kSealedSize> sealed{};
  if (!from_hex(field_value(lines, "salt"), salt)) {
    return make_error(ErrorCode::kInvalidArgument, "salt", "must be 32 hexadecimal digits");
  }
  if (!from_hex(field_value(lines, "nonce"), nonce)) {
    return make_error(ErrorCode::kInvalidArgument, "nonce", "must be 48 hexadecimal digits");
  }
  if (!from_hex(field_value(lines, "sealed"), sealed)) {
    return make_error(ErrorCode::kInvalidArgument, "sealed", "must be 96 hexadecimal digits");
  }
  if (!source) {
    return make_error(ErrorCode::kRefused, "passphrase",
                      "the key file is protected by a passphrase, and none can be asked for");
  }
  Passphrase passphrase;
  if (const Status s = source(passphrase); !s) return s;
  std::array<std::uint8_t, crypto_secretbox_KEYBYTES> key{};
  if (const Status s = derive_key(passphrase, salt, cost, key); !s) return s;
  const int opened = crypto_secretbox_open_easy(out.pair().secret_key.data(), sealed.data(),
                                                sealed.size(), nonce.data(), key.data());
  wipe(key);
  if (opened != 0) {
    return make_error(ErrorCode::kRefused, "passphrase",
                      "wrong passphrase (or the file was altered): the key stays locked");
  }
  return Status::Ok();
}

}  // namespace

void wipe(std::span<std::uint8_t> bytes) {
  sodium_memzero(bytes.data(), bytes.size());
}

void wipe(std::span<char> bytes) {
  sodium_memzero(bytes.data(), bytes.size());
}

// ---------------------------------------------------------------- secrets in memory

DeviceKeys::~DeviceKeys() {
  wipe(keys_.secret_key);
}

DeviceKeys::DeviceKeys(DeviceKeys&& other) noexcept : keys_(other.keys_) {
  wipe(other.keys_.secret_key);
  other.keys_.public_key = {};
}

DeviceKeys& DeviceKeys::operator=(DeviceKeys&& other) noexcept {
  if (this != &other) {
    keys_ = other.keys_;
    wipe(other.keys_.secret_key);
    other.keys_.public_key = {};
  }
  return *this;
}

Passphrase::~Passphrase() {
  wipe(std::span<char>(bytes_));
}

bool Passphrase::assign(std::string_view text) {
  clear();
  if (text.size() > bytes_.size()) return false;
  for (const char c : text) bytes_[size_++] = c;
  return true;
}

bool Passphrase::push_back(char c) {
  if (size_ >= bytes_.size()) return false;
  bytes_[size_++] = c;
  return true;
}

void Passphrase::clear() {
  wipe(std::span<char>(bytes_));
  size_ = 0;
}

// ---------------------------------------------------------------- hex

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    s.push_back(kDigits[b >> 4]);
    s.push_back(kDigits[b & 0xF]);
  }
  return s;
}

Result<link::PublicKey> public_key_from_hex(std::string_view hex) {
  link::PublicKey key{};
  if (!from_hex(detail::trim(hex), key)) {
    return make_error(ErrorCode::kInvalidArgument, "key", "must be 64 hexadecimal digits");
  }
  return key;
}

// ---------------------------------------------------------------- key pairs

Status write_key_pair_file(const std::filesystem::path& file, const hal::KeyPair& keys) {
  Text text;
  text << kKeyPairHeader << "\npublic ";
  text.hex(keys.public_key) << "\nsecret ";
  text.hex(keys.secret_key) << "\n";
  return detail::create_file(file, text.view(), 0600);
}

Status write_protected_key_pair_file(const std::filesystem::path& file, const hal::KeyPair& keys,
                                     const Passphrase& passphrase, PassphraseCost cost_name) {
  if (sodium_init() < 0) return file_error(ErrorCode::kRefused, "libsodium did not start");
  if (passphrase.size() < Passphrase::kMinNewSize) {
    return make_error(ErrorCode::kInvalidArgument, "passphrase",
                      "too short: a new key's passphrase has at least 12 characters");
  }
  const Cost cost = cost_of(cost_name);
  std::array<std::uint8_t, crypto_pwhash_SALTBYTES> salt{};
  std::array<std::uint8_t, crypto_secretbox_NONCEBYTES> nonce{};
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());
  std::array<std::uint8_t, crypto_secretbox_KEYBYTES> key{};
  if (const Status s = derive_key(passphrase, salt, cost, key); !s) return s;
  std::array<std::uint8_t, kSealedSize> sealed{};
  crypto_secretbox_easy(sealed.data(), keys.secret_key.data(), keys.secret_key.size(), nonce.data(),
                        key.data());
  wipe(key);
  Text text;
  text << kProtectedHeader << "\npublic ";
  text.hex(keys.public_key) << "\nkdf " << kKdfName << "\nopslimit ";
  text.number(cost.ops) << "\nmemlimit ";
  text.number(cost.mem) << "\nsalt ";
  text.hex(salt) << "\nnonce ";
  text.hex(nonce) << "\nsealed ";
  text.hex(sealed) << "\n";
  return detail::create_file(file, text.view(), 0600);
}

Status read_key_pair_file(const std::filesystem::path& file, hal::Crypto& crypto,
                          const PassphraseSource& passphrase, DeviceKeys& out) {
  out = DeviceKeys{};
  if (sodium_init() < 0) return file_error(ErrorCode::kRefused, "libsodium did not start");
  FileText text;
  if (const Status s = detail::read_file(file, Access::kPrivate, "key file", text); !s) return s;
  const Lines lines = detail::split_lines(text.view());
  const bool plain = !lines.empty() && lines[0] == kKeyPairHeader;
  const bool sealed = !lines.empty() && lines[0] == kProtectedHeader;
  if (lines.too_many || (!plain && !sealed)) {
    return file_error(ErrorCode::kInvalidArgument,
                      "is not a key pair file (its first line must be \"itdd-key-pair 1\" or "
                      "\"itdd-protected-key-pair 1\")");
  }
  Status read = plain ? read_plain(lines, out) : read_protected(lines, passphrase, out);
  if (read) {
    const Result<hal::X25519Public> derived = crypto.public_key_of(out.pair().secret_key);
    if (!derived.ok() || !crypto.equal(derived.value(), out.pair().public_key)) {
      read = make_error(ErrorCode::kMismatch, "public",
                        "is not the secret key's public key: the file is damaged");
    }
  }
  if (!read) out = DeviceKeys{};
  return read;
}

Result<bool> is_protected_key_pair_file(const std::filesystem::path& file) {
  FileText text;
  if (const Status s = detail::read_file(file, Access::kPrivate, "key file", text); !s) {
    return s.error();
  }
  const Lines lines = detail::split_lines(text.view());
  if (!lines.empty() && lines[0] == kProtectedHeader) return true;
  if (!lines.empty() && lines[0] == kKeyPairHeader) return false;
  return file_error(ErrorCode::kInvalidArgument, "is not a key pair file");
}

// ---------------------------------------------------------------- public keys

Status write_implant_file(const std::filesystem::path& file, const link::Paired& paired) {
  const std::string text = std::string(kImplantHeader) + "\npublic " + to_hex(paired.implant) +
                           "\nrole " + link::name(paired.role) + "\ndevice-id " +
                           std::to_string(paired.peer) + "\n";
  return detail::create_file(file, text, 0644);
}

Result<link::PublicKey> read_public_key_file(const std::filesystem::path& file) {
  FileText text;
  if (const Status s = detail::read_file(file, Access::kPublic, "key file", text); !s) {
    return s.error();
  }
  const Lines lines = detail::split_lines(text.view());
  if (lines.count == 1) return public_key_from_hex(lines[0]);
  if (lines.empty() || lines.too_many ||
      (lines[0] != kKeyPairHeader && lines[0] != kProtectedHeader && lines[0] != kImplantHeader)) {
    return file_error(ErrorCode::kInvalidArgument,
                      "holds no public key (expected a key pair file, an implant file or 64 "
                      "hexadecimal digits)");
  }
  bool found = false;
  const std::string_view pub = field_value(lines, "public", &found);
  if (!found) return make_error(ErrorCode::kInvalidArgument, "public", "missing");
  Result<link::PublicKey> key = public_key_from_hex(pub);
  if (!key.ok()) {
    return make_error(ErrorCode::kInvalidArgument, "public", "must be 64 hexadecimal digits");
  }
  return key;
}

Result<link::Role> read_paired_role(const std::filesystem::path& file) {
  FileText text;
  if (const Status s = detail::read_file(file, Access::kPublic, "key file", text); !s) {
    return s.error();
  }
  const Lines lines = detail::split_lines(text.view());
  if (lines.empty() || lines[0] != kImplantHeader) return link::Role::kNone;
  bool found = false;
  const std::string_view word = field_value(lines, "role", &found);
  if (!found) return link::Role::kNone;
  for (const link::Role role :
       {link::Role::kClinician, link::Role::kPatient, link::Role::kService}) {
    if (word == link::name(role)) return role;
  }
  return make_error(ErrorCode::kInvalidArgument, "role",
                    "must be clinician, patient or service: the file is damaged");
}

}  // namespace itdd::programmer
