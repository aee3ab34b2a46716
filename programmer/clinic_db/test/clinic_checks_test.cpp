// The plausibility checks every front end of the clinic database shares, at their bounds.
#include "itdd/programmer/clinic_checks.h"

#include <gtest/gtest.h>

#include <string>

namespace itdd::programmer {
namespace {

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kToday = 1'740'787'200'000;  // 2025-03-01 00:00 UTC

std::string refusal(const std::optional<host::Refusal>& e) {
  return e ? e->message : "(accepted)";
}

TEST(IdentifyingText, RefusesEveryInvisibleCharacterThatChangesHowALineReads) {
  const struct {
    const char* text;
    const char* words;
  } cases[] = {
      {"A\tB", "a tab (U+0009) at character 2"},
      {"AB\r", "a line break (U+000D) at character 3"},
      {"A\xC2\x85", "a line break (U+0085)"},      // NEXT LINE
      {"A\xE2\x80\xA8", "a line break (U+2028)"},  // LINE SEPARATOR
      {"A\x7f", "a control character (U+007F)"},
      {"A\xC2\x9b", "a control character (U+009B)"},  // C1 CSI
      {"\xD8\x9C"
       "A",
       "a bidirectional control"},                   // ARABIC LETTER MARK
      {"A\xE2\x80\x8F", "a bidirectional control"},  // RIGHT-TO-LEFT MARK
      {"A\xE2\x80\xAA", "a bidirectional control"},  // LEFT-TO-RIGHT EMBEDDING
      {"A\xE2\x81\xA9", "a bidirectional control"},  // POP DIRECTIONAL ISOLATE
      {"A\xC0\x80", "must be UTF-8 text"},           // an overlong NUL
      {"   ", "give the name"},
  };
  for (const auto& c : cases) {
    const std::optional<host::Refusal> e = check_identifying_text(c.text, "name", "the name", 10);
    ASSERT_TRUE(e.has_value()) << c.words;
    EXPECT_EQ(e->field, "name");
    EXPECT_NE(e->message.find(c.words), std::string::npos) << e->message;
  }
  // Letters of any script, spaces and punctuation are names.
  EXPECT_EQ(refusal(check_identifying_text("Zoë O'Brien-Łukasz", "name", "the name", 120)),
            "(accepted)");
  EXPECT_EQ(refusal(check_identifying_text("محمد", "name", "the name", 120)), "(accepted)");
}

TEST(IdentifyingText, TheMaximumCountsCharactersNotBytes) {
  const std::string ten_e_acute = [] {
    std::string s;
    for (int i = 0; i < 10; ++i) s += "\xC3\xA9";
    return s;
  }();
  EXPECT_FALSE(check_identifying_text(ten_e_acute, "name", "the name", 10));
  EXPECT_NE(refusal(check_identifying_text(ten_e_acute + "e", "name", "the name", 10))
                .find("is 11 characters long: at most 10 are kept"),
            std::string::npos);
}

TEST(PastDate, TodayAnd1900AreTheBounds) {
  const std::int64_t now = kToday + 23 * kMillisPerHour;
  EXPECT_FALSE(check_past_date(kToday, now, "birth_date_ms", "the birth date"));
  EXPECT_FALSE(check_past_date(kEarliestDateMs, now, "birth_date_ms", "the birth date"));
  EXPECT_NE(refusal(check_past_date(kToday + kDay, now, "birth_date_ms", "the birth date"))
                .find("the birth date 2025-03-02 is in the future: give a date from 1900-01-01 "
                      "to today (2025-03-01)"),
            std::string::npos);
  EXPECT_NE(refusal(check_past_date(kEarliestDateMs - kDay, now, "birth_date_ms", "the birth date"))
                .find("1899-12-31 is before 1900-01-01"),
            std::string::npos);
}

TEST(Catheter, TheModelsRangeIncludesBothEnds) {
  const CatheterRange r{100, 1100, Volume(26'000), Volume(286'000)};
  EXPECT_FALSE(check_catheter(100, Volume(26'000), r, "peristaltic-20"));
  EXPECT_FALSE(check_catheter(1100, Volume(286'000), r, "peristaltic-20"));
  EXPECT_EQ(check_catheter(99, Volume(26'000), r, "peristaltic-20")->field, "catheter_length_mm");
  EXPECT_EQ(check_catheter(1101, Volume(26'000), r, "peristaltic-20")->field, "catheter_length_mm");
  EXPECT_EQ(check_catheter(500, Volume(25'999), r, "peristaltic-20")->field, "catheter_volume");
  EXPECT_NE(refusal(check_catheter(500, Volume(-1), r, "peristaltic-20"))
                .find("a negative volume is outside the catheter volumes of model "
                      "peristaltic-20: from 0.026 mL to 0.286 mL"),
            std::string::npos);
}

}  // namespace
}  // namespace itdd::programmer
