#include "itdd/host/utf8.h"

namespace itdd::host {

Utf8Sequence utf8_sequence(std::string_view s, std::size_t i) {
  using Kind = Utf8Sequence::Kind;
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {Kind::kValid, 1, c};
  std::size_t extra = 0;
  std::uint32_t cp = 0;
  if ((c & 0xe0) == 0xc0) {
    extra = 1;
    cp = c & 0x1fU;
  } else if ((c & 0xf0) == 0xe0) {
    extra = 2;
    cp = c & 0x0fU;
  } else if ((c & 0xf8) == 0xf0) {
    extra = 3;
    cp = c & 0x07U;
  } else {
    return {};
  }
  for (std::size_t k = 1; k <= extra; ++k) {
    if (i + k >= s.size()) return {Kind::kCutShort, 0, 0};
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return {};
    cp = (cp << 6) | (cc & 0x3fU);
  }
  // No overlong forms (each code point has one encoding), nothing past U+10FFFF, no surrogates.
  static constexpr std::uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMinimum[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return {};
  return {Kind::kValid, extra + 1, cp};
}

}  // namespace itdd::host
