#include "itdd/programmer/key_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace itdd::programmer {
namespace {

constexpr std::string_view kKeyPairHeader = "itdd-key-pair 1";
constexpr std::string_view kImplantHeader = "itdd-implant 1";

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

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The file's non-empty lines, trimmed; nothing if it cannot be read.
std::optional<std::vector<std::string>> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view t = trim(line);
    if (!t.empty()) lines.emplace_back(t);
    if (lines.size() > 64) break;  // not a key file
  }
  if (in.bad()) return std::nullopt;
  return lines;
}

// The value of "name <value>" among `lines`, or nothing.
std::optional<std::string_view> field(const std::vector<std::string>& lines,
                                      std::string_view name) {
  for (const std::string& l : lines) {
    const std::string_view v(l);
    if (v.size() > name.size() && v.substr(0, name.size()) == name && v[name.size()] == ' ') {
      return trim(v.substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

// Writes `text` to a new file (O_EXCL) with `mode`; on a failed write the file is removed.
Status create_file(const std::filesystem::path& file, const std::string& text, mode_t mode) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return file_error(ErrorCode::kRefused,
                        "already exists: it is never overwritten (remove it, or choose another "
                        "file)");
    }
    return file_error(ErrorCode::kInvalidArgument,
                      "cannot be created (does its directory exist and is it writable?)");
  }
  std::size_t done = 0;
  bool ok = true;
  while (done < text.size()) {
    const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(w);
  }
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    return file_error(ErrorCode::kRefused, "writing it failed");
  }
  return Status::Ok();
}

}  // namespace

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
  if (!from_hex(trim(hex), key)) {
    return make_error(ErrorCode::kInvalidArgument, "key", "must be 64 hexadecimal digits");
  }
  return key;
}

Status write_key_pair_file(const std::filesystem::path& file, const hal::KeyPair& keys) {
  std::ostringstream text;
  text << kKeyPairHeader << "\npublic " << to_hex(keys.public_key) << "\nsecret "
       << to_hex(keys.secret_key) << "\n";
  return create_file(file, text.str(), 0600);
}

Result<hal::KeyPair> read_key_pair_file(const std::filesystem::path& file, hal::Crypto& crypto) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return file_error(ErrorCode::kInvalidArgument,
                      "cannot be read (make one with `itdd programmer keygen --key FILE`)");
  }
  if ((st.st_mode & 0077) != 0) {
    return file_error(ErrorCode::kRefused,
                      "may be read by others: its secret key is this device's identity (chmod "
                      "600 it)");
  }
  const std::optional<std::vector<std::string>> lines = read_lines(file);
  if (!lines) return file_error(ErrorCode::kInvalidArgument, "cannot be read");
  if (lines->empty() || (*lines)[0] != kKeyPairHeader) {
    return file_error(ErrorCode::kInvalidArgument,
                      "is not a key pair file (its first line must be \"itdd-key-pair 1\")");
  }
  hal::KeyPair keys{};
  const std::optional<std::string_view> pub = field(*lines, "public");
  if (!pub || !from_hex(*pub, keys.public_key)) {
    return make_error(ErrorCode::kInvalidArgument, "public", "must be 64 hexadecimal digits");
  }
  const std::optional<std::string_view> sec = field(*lines, "secret");
  if (!sec || !from_hex(*sec, keys.secret_key)) {
    return make_error(ErrorCode::kInvalidArgument, "secret", "must be 64 hexadecimal digits");
  }
  const Result<hal::X25519Public> derived = crypto.public_key_of(keys.secret_key);
  if (!derived.ok() || !crypto.equal(derived.value(), keys.public_key)) {
    return make_error(ErrorCode::kMismatch, "public",
                      "is not the secret key's public key: the file is damaged");
  }
  return keys;
}

Status write_implant_file(const std::filesystem::path& file, const link::Paired& paired) {
  std::ostringstream text;
  text << kImplantHeader << "\npublic " << to_hex(paired.implant) << "\nrole "
       << link::name(paired.role) << "\ndevice-id " << paired.peer << "\n";
  return create_file(file, text.str(), 0644);
}

Result<link::PublicKey> read_public_key_file(const std::filesystem::path& file) {
  const std::optional<std::vector<std::string>> lines = read_lines(file);
  if (!lines) return file_error(ErrorCode::kInvalidArgument, "cannot be read");
  if (lines->size() == 1) return public_key_from_hex((*lines)[0]);
  if (lines->empty() || ((*lines)[0] != kKeyPairHeader && (*lines)[0] != kImplantHeader)) {
    return file_error(ErrorCode::kInvalidArgument,
                      "holds no public key (expected a key pair file, an implant file or 64 "
                      "hexadecimal digits)");
  }
  const std::optional<std::string_view> pub = field(*lines, "public");
  if (!pub) return make_error(ErrorCode::kInvalidArgument, "public", "missing");
  Result<link::PublicKey> key = public_key_from_hex(*pub);
  if (!key.ok()) {
    return make_error(ErrorCode::kInvalidArgument, "public", "must be 64 hexadecimal digits");
  }
  return key;
}

Result<link::Role> read_paired_role(const std::filesystem::path& file) {
  const std::optional<std::vector<std::string>> lines = read_lines(file);
  if (!lines) return file_error(ErrorCode::kInvalidArgument, "cannot be read");
  if (lines->empty() || (*lines)[0] != kImplantHeader) return link::Role::kNone;
  const std::optional<std::string_view> word = field(*lines, "role");
  if (!word) return link::Role::kNone;
  for (const link::Role role :
       {link::Role::kClinician, link::Role::kPatient, link::Role::kService}) {
    if (*word == link::name(role)) return role;
  }
  return make_error(ErrorCode::kInvalidArgument, "role",
                    "must be clinician, patient or service: the file is damaged");
}

}  // namespace itdd::programmer
