// Where a key file's passphrase comes from, for a person or a script: a file (its first line),
// an environment variable, or the terminal with echo off. Nothing here keeps the passphrase
// anywhere but the caller's Passphrase (a fixed buffer wiped on destruction).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "itdd/core/result.h"
#include "itdd/programmer/key_files.h"

namespace itdd::programmer {

// The environment variable a script may set instead of --passphrase-file (visible to the same
// user's processes through /proc: a file of mode 0600 is safer).
inline constexpr const char* kPassphraseVariable = "ITDD_KEY_PASSPHRASE";

// The first line of `file` (its line break dropped), read as a secret: not through a symbolic
// link, a regular file owned by this user, mode 0600 or stricter (field "passphrase file").
// An empty first line is refused.
Status read_passphrase_file(const std::filesystem::path& file, Passphrase& out);

// Asks on the controlling terminal (/dev/tty) with echo off; with `confirm`, asks twice and
// refuses two different answers. Refused (field "passphrase") when there is no terminal.
Status read_passphrase_from_terminal(std::string_view prompt, bool confirm, Passphrase& out);

struct PassphraseOptions {
  std::string file;         // --passphrase-file: used when given
  bool environment = true;  // then $ITDD_KEY_PASSPHRASE when set and not empty
  bool terminal = true;     // then the terminal
};

// The passphrase from the first source that `options` allows and that is there. Refused with
// field "passphrase" and a sentence naming the ways to give one when none is.
Status obtain_passphrase(const PassphraseOptions& options, std::string_view prompt, bool confirm,
                         Passphrase& out);

// obtain_passphrase as the PassphraseSource a protected key file asks.
PassphraseSource passphrase_source(PassphraseOptions options, std::string prompt);

}  // namespace itdd::programmer
