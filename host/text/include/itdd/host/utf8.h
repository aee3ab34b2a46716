// Reading UTF-8 one sequence at a time: the one decoder behind the clinic database's checks on
// names and serials and the command line's escaping of what it echoes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace itdd::host {

struct Utf8Sequence {
  enum class Kind : std::uint8_t {
    kValid,      // a well-formed sequence: `length` bytes (1..4) encoding `code_point`
    kInvalid,    // not a well-formed start here (a stray byte, an overlong form, a surrogate)
    kCutShort,   // a valid start whose continuation bytes `s` ends before
  };
  Kind kind = Kind::kInvalid;
  std::size_t length = 0;
  std::uint32_t code_point = 0;
};

// The sequence starting at s[i] (i < s.size()).
Utf8Sequence utf8_sequence(std::string_view s, std::size_t i);

}  // namespace itdd::host
