#include "itdd/host/utf8.h"

#include <gtest/gtest.h>

#include <string_view>

namespace itdd::host {
namespace {

using Kind = Utf8Sequence::Kind;

TEST(Utf8, ReadsEachLengthOfSequence) {
  EXPECT_EQ(utf8_sequence("a", 0).code_point, 'a');
  const std::string_view text = "\xc3\xa9\xe2\x80\xae\xf0\x9f\x98\x80";  // é, U+202E, U+1F600
  const Utf8Sequence e = utf8_sequence(text, 0);
  EXPECT_EQ(e.kind, Kind::kValid);
  EXPECT_EQ(e.length, 2u);
  EXPECT_EQ(e.code_point, 0xe9u);
  const Utf8Sequence rlo = utf8_sequence(text, 2);
  EXPECT_EQ(rlo.length, 3u);
  EXPECT_EQ(rlo.code_point, 0x202eu);
  const Utf8Sequence smile = utf8_sequence(text, 5);
  EXPECT_EQ(smile.length, 4u);
  EXPECT_EQ(smile.code_point, 0x1f600u);
}

TEST(Utf8, RefusesWhatIsNotWellFormed) {
  EXPECT_EQ(utf8_sequence("\x80", 0).kind, Kind::kInvalid);          // a lone continuation
  EXPECT_EQ(utf8_sequence("\xc0\xaf", 0).kind, Kind::kInvalid);      // overlong '/'
  EXPECT_EQ(utf8_sequence("\xed\xa0\x80", 0).kind, Kind::kInvalid);  // a surrogate
  EXPECT_EQ(utf8_sequence("\xf4\x90\x80\x80", 0).kind, Kind::kInvalid);  // past U+10FFFF
  EXPECT_EQ(utf8_sequence("\xc3x", 0).kind, Kind::kInvalid);         // a broken continuation
  EXPECT_EQ(utf8_sequence("\xe2\x80", 0).kind, Kind::kCutShort);     // ends too soon
}

}  // namespace
}  // namespace itdd::host
