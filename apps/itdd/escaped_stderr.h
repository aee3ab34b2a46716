// Everything itdd writes on stderr passes through one filter, so a message that quotes what was
// typed (an option's value, a file's name) never writes raw invalid bytes or control characters
// to the clinician's terminal: a byte that is not part of well-formed UTF-8 becomes \xNN, and a
// control character other than a line break or a tab (an escape sequence, a carriage return that
// would overwrite the line) becomes \xNN too. Well-formed text passes unchanged.
#pragma once

#include <string>
#include <string_view>

namespace itdd::cli {

// The filter itself: `text` with each such byte escaped. `pending` carries an incomplete UTF-8
// sequence at the end of `text` over to the next call (empty: the text is complete).
std::string escape_for_terminal(std::string_view text, std::string* pending = nullptr);

// Installs the filter on std::cerr until the returned guard is destroyed.
class EscapedStderr {
 public:
  EscapedStderr();
  ~EscapedStderr();
  EscapedStderr(const EscapedStderr&) = delete;
  EscapedStderr& operator=(const EscapedStderr&) = delete;

 private:
  struct Buffer;
  Buffer* buffer_;
  std::streambuf* previous_;
};

}  // namespace itdd::cli
