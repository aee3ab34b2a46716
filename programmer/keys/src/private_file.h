// Reading and creating the small text files that hold secrets (key pairs, passphrases): a
// fixed buffer that is wiped when it goes, a descriptor opened without following a symbolic
// link and checked with fstat (not a path checked and then opened again), and creation that
// never replaces a file. Internal to programmer/keys.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <filesystem>
#include <string_view>

#include "itdd/core/result.h"

namespace itdd::programmer::detail {

inline constexpr std::size_t kMaxFileSize = 4096;  // far above any key file
inline constexpr std::size_t kMaxLines = 16;

// A file's text, wiped on destruction.
struct FileText {
  FileText() = default;
  ~FileText();
  FileText(const FileText&) = delete;
  FileText& operator=(const FileText&) = delete;
  std::string_view view() const { return {bytes.data(), size}; }

  std::array<char, kMaxFileSize> bytes{};
  std::size_t size = 0;
};

enum class Access : std::uint8_t {
  // A secret: not through a symbolic link, a regular file owned by this user, mode 0600 or
  // stricter.
  kPrivate,
  // A public key: any regular file (symbolic links followed). Wiped all the same: a key pair
  // file read for its public half holds the secret too.
  kPublic,
};

// Reads `file` whole into `out`. Errors name `field` ("key file", "passphrase file").
Status read_file(const std::filesystem::path& file, Access access, const char* field,
                 FileText& out);

// Creates `file` with `mode` (O_EXCL, O_NOFOLLOW: never an existing file, never through a
// link) holding `text`, synced; on a failed write the file is removed. Errors name "key file".
Status create_file(const std::filesystem::path& file, std::string_view text, mode_t mode);

// The trimmed, non-empty lines of `text` (at most kMaxLines; more: `too_many`).
struct Lines {
  std::array<std::string_view, kMaxLines> items{};
  std::size_t count = 0;
  bool too_many = false;
  std::string_view operator[](std::size_t i) const { return items[i]; }
  bool empty() const { return count == 0; }
};
Lines split_lines(std::string_view text);
// The value of "name <value>" among `lines`, or an empty view with `found` false.
std::string_view field_value(const Lines& lines, std::string_view name, bool* found = nullptr);

std::string_view trim(std::string_view s);

}  // namespace itdd::programmer::detail
