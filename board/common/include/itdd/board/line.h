// A line of text built without printf or the heap: what the board says on its UART (the bench's
// answers, the product image's boot lines).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace itdd::board {

class Line {
 public:
  Line& operator<<(std::string_view s);
  Line& operator<<(std::int64_t v);
  std::string_view view() const { return {buffer_, size_}; }

 private:
  char buffer_[240]{};  // the radio's line: a 64-digit key and its counters
  std::size_t size_ = 0;
};

// `bytes` as lower-case hexadecimal digits, two a byte.
void put_hex(Line& l, std::span<const std::uint8_t> bytes);

}  // namespace itdd::board
