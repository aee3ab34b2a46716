#include "private_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace itdd::programmer::detail {
namespace {

Error file_error(const char* field, ErrorCode code, const char* message) {
  return make_error(code, field, message);
}

}  // namespace

FileText::~FileText() {
  sodium_memzero(bytes.data(), bytes.size());
}

Status read_file(const std::filesystem::path& file, Access access, const char* field,
                 FileText& out) {
  out.size = 0;
  // O_NONBLOCK: a FIFO put in the key's place must not hang the programmer (it is refused as
  // not a regular file below). O_NOFOLLOW: a symbolic link is refused, not followed, for a
  // secret; the check is on the final name only (see the README).
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (access == Access::kPrivate) flags |= O_NOFOLLOW;
  const int fd = ::open(file.c_str(), flags);
  if (fd < 0) {
    switch (errno) {
      case ELOOP:
        return file_error(field, ErrorCode::kRefused,
                          "is a symbolic link: name the file itself (a link could be pointed "
                          "at another file)");
      case ENOENT:
      case ENOTDIR:
        return file_error(field, ErrorCode::kInvalidArgument,
                          access == Access::kPrivate && std::string_view(field) == "key file"
                              ? "cannot be read: there is no such file (make a key with `itdd "
                                "programmer keygen --key FILE`)"
                              : "cannot be read: there is no such file");
      case EACCES:
        return file_error(field, ErrorCode::kInvalidArgument, "cannot be read: permission denied");
      default:
        return file_error(field, ErrorCode::kInvalidArgument, "cannot be read");
    }
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  // Checked on the descriptor just opened: what is checked is what is read.
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return file_error(field, ErrorCode::kInvalidArgument, "cannot be read");
  if (!S_ISREG(st.st_mode)) {
    return file_error(field, ErrorCode::kInvalidArgument, "is not a regular file");
  }
  if (access == Access::kPrivate) {
    if (st.st_uid != ::geteuid()) {
      return file_error(field, ErrorCode::kRefused,
                        "belongs to another user: a secret must be owned by the user who uses "
                        "it (chown it, or make your own)");
    }
    if ((st.st_mode & 0077) != 0) {
      return file_error(field, ErrorCode::kRefused,
                        "may be read by others: its secret is this device's identity (chmod 600 "
                        "it)");
    }
  }
  if (st.st_size > static_cast<off_t>(out.bytes.size())) {
    return file_error(field, ErrorCode::kInvalidArgument, "is too large to be a key file");
  }
  while (out.size < out.bytes.size()) {
    const ssize_t r = ::read(fd, out.bytes.data() + out.size, out.bytes.size() - out.size);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      out.size = 0;
      return file_error(field, ErrorCode::kInvalidArgument, "cannot be read");
    }
    if (r == 0) return Status::Ok();
    out.size += static_cast<std::size_t>(r);
  }
  // Full: the file grew after fstat, or was exactly the limit; one more byte says which.
  char extra = 0;
  if (::read(fd, &extra, 1) > 0) {
    out.size = 0;
    return file_error(field, ErrorCode::kInvalidArgument, "is too large to be a key file");
  }
  return Status::Ok();
}

Status create_file(const std::filesystem::path& file, std::string_view text, mode_t mode) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return file_error("key file", ErrorCode::kRefused,
                        "already exists: it is never overwritten (remove it, or choose another "
                        "file)");
    }
    return file_error("key file", ErrorCode::kInvalidArgument,
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
    return file_error("key file", ErrorCode::kRefused, "writing it failed");
  }
  return Status::Ok();
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

Lines split_lines(std::string_view text) {
  Lines lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty()) continue;
    if (lines.count == lines.items.size()) {
      lines.too_many = true;
      break;
    }
    lines.items[lines.count++] = line;
  }
  return lines;
}

std::string_view field_value(const Lines& lines, std::string_view name, bool* found) {
  for (std::size_t i = 0; i < lines.count; ++i) {
    const std::string_view v = lines[i];
    if (v.size() > name.size() && v.substr(0, name.size()) == name && v[name.size()] == ' ') {
      if (found != nullptr) *found = true;
      return trim(v.substr(name.size() + 1));
    }
  }
  if (found != nullptr) *found = false;
  return {};
}

}  // namespace itdd::programmer::detail
