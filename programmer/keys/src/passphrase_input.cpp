#include "itdd/programmer/passphrase_input.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "private_file.h"

namespace itdd::programmer {
namespace {

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t w = ::write(fd, text.data(), text.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(w));
  }
}

// One line from the terminal, echo off; false at end of input or when it is too long.
bool read_line(int tty, std::string_view prompt, Passphrase& out) {
  out.clear();
  termios saved{};
  const bool is_terminal = ::tcgetattr(tty, &saved) == 0;
  if (is_terminal) {
    termios quiet = saved;
    quiet.c_lflag &= static_cast<tcflag_t>(~(ECHO | ECHONL));
    quiet.c_lflag |= ICANON;
    (void)::tcsetattr(tty, TCSAFLUSH, &quiet);
  }
  write_all(tty, prompt);
  bool ok = false;
  bool fits = true;
  for (;;) {
    char c = 0;
    const ssize_t r = ::read(tty, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (c == '\n') {
      ok = true;
      break;
    }
    if (c != '\r' && !out.push_back(c)) fits = false;
  }
  if (is_terminal) (void)::tcsetattr(tty, TCSAFLUSH, &saved);
  write_all(tty, "\n");
  if (!fits) out.clear();
  return ok && fits;
}

}  // namespace

Status read_passphrase_file(const std::filesystem::path& file, Passphrase& out) {
  out.clear();
  detail::FileText text;
  if (const Status s = detail::read_file(file, detail::Access::kPrivate, "passphrase file", text);
      !s) {
    return s;
  }
  std::string_view line = text.view().substr(0, text.view().find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "passphrase file",
                      "its first line is empty: the passphrase goes there");
  }
  if (!out.assign(line)) {
    return make_error(ErrorCode::kInvalidArgument, "passphrase file",
                      "its first line is longer than 1024 bytes");
  }
  return Status::Ok();
}

Status read_passphrase_from_terminal(std::string_view prompt, bool confirm, Passphrase& out) {
  out.clear();
  const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty < 0) {
    return make_error(ErrorCode::kRefused, "passphrase",
                      "the key is protected by a passphrase and there is no terminal to ask "
                      "on: give it with --passphrase-file FILE (mode 0600) or "
                      "$ITDD_KEY_PASSPHRASE");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{tty};
  if (!read_line(tty, prompt, out) || out.empty()) {
    out.clear();
    return make_error(ErrorCode::kRefused, "passphrase",
                      "none was typed (or it was over 1024 bytes): nothing was done");
  }
  if (confirm) {
    Passphrase again;
    if (!read_line(tty, "the same passphrase again: ", again) || again.view() != out.view()) {
      out.clear();
      return make_error(ErrorCode::kInvalidArgument, "passphrase",
                        "the two passphrases typed differ: nothing was done");
    }
  }
  return Status::Ok();
}

Status obtain_passphrase(const PassphraseOptions& options, std::string_view prompt, bool confirm,
                         Passphrase& out) {
  if (!options.file.empty()) return read_passphrase_file(options.file, out);
  if (options.environment) {
    const char* env = std::getenv(kPassphraseVariable);
    if (env != nullptr && *env != '\0') {
      if (!out.assign(env)) {
        return make_error(ErrorCode::kInvalidArgument, "passphrase",
                          "$ITDD_KEY_PASSPHRASE is longer than 1024 bytes");
      }
      return Status::Ok();
    }
  }
  if (options.terminal) return read_passphrase_from_terminal(prompt, confirm, out);
  return make_error(ErrorCode::kRefused, "passphrase",
                    "none given: use --passphrase-file FILE (mode 0600) or "
                    "$ITDD_KEY_PASSPHRASE");
}

PassphraseSource passphrase_source(PassphraseOptions options, std::string prompt) {
  return [options = std::move(options), prompt = std::move(prompt)](Passphrase& out) {
    return obtain_passphrase(options, prompt, false, out);
  };
}

}  // namespace itdd::programmer
