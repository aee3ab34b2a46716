#include "itdd/board/line.h"

namespace itdd::board {

Line& Line::operator<<(std::string_view s) {
  for (char c : s) {
    if (size_ + 1 >= sizeof(buffer_)) break;
    buffer_[size_++] = c;
  }
  return *this;
}

Line& Line::operator<<(std::int64_t v) {
  char digits[20];
  std::size_t n = 0;
  // Negative through the unsigned magnitude, so the most negative value prints too.
  std::uint64_t m = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  do {
    digits[n++] = static_cast<char>('0' + m % 10);
    m /= 10;
  } while (m != 0);
  if (v < 0) *this << "-";
  while (n > 0) *this << std::string_view(&digits[--n], 1);
  return *this;
}

void put_hex(Line& l, std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::uint8_t b : bytes) {
    const char pair[2] = {kDigits[b >> 4], kDigits[b & 0xF]};
    l << std::string_view(pair, 2);
  }
}

}  // namespace itdd::board
