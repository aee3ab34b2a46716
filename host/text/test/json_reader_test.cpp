#include "itdd/host/json_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "itdd/host/figures.h"

namespace itdd::host {
namespace {

// The refusal of reading `text` with `read`, as "field: message"; "accepted" if none.
template <class F>
std::string refusal_of(std::string_view text, F&& read) {
  const std::optional<Refusal> r = read_json_with(text, read);
  return r ? r->text() : "accepted";
}

std::string refusal_of(std::string_view text) {
  return refusal_of(text, [](const JsonValue&) {});
}

std::int64_t dose_ng(std::string_view text) {
  const Checked<std::int64_t> r = read_json(
      text, [](const JsonValue& root) { return root.object({"dose"}).decimal("dose", 1'000'000); });
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().text());
  return r.ok() ? r.value() : -1;
}

TEST(JsonReader, NumbersAreReadFromTheirTextNotADouble) {
  EXPECT_EQ(dose_ng(R"({"dose": 0.1})"), 100'000);
  EXPECT_EQ(dose_ng(R"({"dose": 2.675})"), 2'675'000);
  EXPECT_EQ(dose_ng(R"({"dose": 1e-06})"), 1);
  EXPECT_EQ(dose_ng(R"({"dose": 20})"), 20'000'000);
  // 0.10000000000000001 is the same double as 0.1; its text is finer than 1/10^6.
  EXPECT_EQ(refusal_of(R"({"dose": 0.10000000000000001})",
                       [](const JsonValue& root) {
                         (void)root.object({"dose"}).decimal("dose", 1'000'000);
                       }),
            "dose: 0.10000000000000001: at most 6 decimal places");
  // Beyond a 64-bit integer: still exact, then too large.
  EXPECT_EQ(
      refusal_of(R"({"dose": 123456789012345678901234567890})",
                 [](const JsonValue& root) { (void)root.object({"dose"}).decimal("dose", 1); }),
      "dose: 123456789012345678901234567890: too large");
}

TEST(JsonReader, ANumberBeyondADoubleIsRefusedWithItsPlace) {
  EXPECT_EQ(refusal_of("7757E877777777778"),
            "line 1, column 1: the number 7757E877777777778 is too large");
  EXPECT_EQ(refusal_of("{\n  \"a\": 1,\n  \"b\": -4e4444\n}"),
            "line 3, column 8: the number -4e4444 is too large");
}

TEST(JsonReader, SyntaxErrorsSayWhereInOurWords) {
  EXPECT_EQ(refusal_of("{\n  \"name\": \"x\",\n  \"pump\": {}\n  \"drug\": 1\n}"),
            "line 4, column 8: invalid JSON near '\"drug\"'");
  EXPECT_EQ(refusal_of("{\"a\": "),
            "line 1, column 7: invalid JSON: the text ends before the JSON does");
  EXPECT_EQ(refusal_of(""), "line 1, column 1: invalid JSON: the text ends before the JSON does");
  EXPECT_EQ(refusal_of("{} x"), "line 1, column 4: invalid JSON near '{} x'");
  EXPECT_NE(refusal_of("\"\xff\"").find("invalid JSON"), std::string::npos);
  EXPECT_EQ(refusal_of("[1,]"), "line 1, column 4: invalid JSON near '[1,]'");
  EXPECT_EQ(refusal_of("[1 2]"), "line 1, column 4: invalid JSON near '[1 2'");
}

TEST(JsonReader, AKeyTwiceAndDeepNestingAreRefused) {
  EXPECT_EQ(refusal_of(R"({"a": {"b": 1, "b": 2}})"),
            "a.b: is given twice in the same object: keep one");
  EXPECT_EQ(refusal_of(std::string(64, '[') + std::string(64, ']')), "accepted");
  EXPECT_NE(refusal_of(std::string(65, '[') + std::string(65, ']')).find("nested deeper than 64"),
            std::string::npos);
  EXPECT_NE(refusal_of(std::string(100'000, '[')).find("nested deeper than 64"), std::string::npos);
}

TEST(JsonReader, ObjectsRefuseUnknownKeysAndSayWhatIsMissing) {
  const auto read = [](const JsonValue& root) {
    const JsonObject o = root.object({"drugs"});
    for (const JsonValue& d : o.required("drugs").array()) {
      const JsonObject drug = d.object({"name", "limits", "opioid"});
      (void)drug.string("name");
      (void)drug.boolean_or("opioid", false);
      const JsonObject limits = drug.required("limits").object({"hard_max"});
      (void)limits.required("hard_max").object({"value"}).decimal("value", 1000);
    }
  };
  EXPECT_EQ(refusal_of(R"({"drugs": [{"name": "x", "limits": {"hard_max": {"value": 1}}},
                                   {"name": "y", "limits": {"hard_mx": {}}}]})",
                       read),
            "drugs[1].limits.hard_mx: unknown key (allowed: hard_max)");
  EXPECT_EQ(refusal_of(R"({"drugs": [{"name": "x", "limits": {}}]})", read),
            "drugs[0].limits.hard_max: is missing");
  // null counts as absent.
  EXPECT_EQ(
      refusal_of(R"({"drugs": [{"name": "x", "opioid": null, "limits": {"hard_max": null}}]})",
                 read),
      "drugs[0].limits.hard_max: is missing");
  EXPECT_EQ(refusal_of(R"({"drugs": [{"name": "", "limits": {}}]})", read),
            "drugs[0].name: must not be empty");
  EXPECT_EQ(refusal_of(R"({"drugs": [{"name": 3, "limits": {}}]})", read),
            "drugs[0].name: must be a string, not a number");
  EXPECT_EQ(refusal_of(R"({"drugs": {}})", read), "drugs: must be an array [...], not an object");
  EXPECT_EQ(refusal_of(R"([])", read), "must be an object {...}, not an array");
  EXPECT_EQ(refusal_of(R"({"drugs": [{"name": "x", "opioid": 1, "limits": {}}]})", read),
            "drugs[0].opioid: must be true or false, not a number");
  EXPECT_EQ(
      refusal_of(R"({"drugs": [{"name": "x", "limits": {"hard_max": {"value": "3"}}}]})", read),
      "drugs[0].limits.hard_max.value: must be a number, not a string");
  EXPECT_EQ(
      refusal_of(R"({"drugs": [{"name": "x", "limits": {"hard_max": {"value": -3}}}]})", read),
      "drugs[0].limits.hard_max.value: -3: must not be negative");
}

TEST(JsonReader, WholeNumbersAndTheReadersOwnRefusals) {
  const auto shift = [](std::string_view text) {
    return read_json(text, [](const JsonValue& root) {
      const JsonObject o = root.object({"shift"});
      const std::int64_t v = o.whole("shift");
      if (v == 0) o.required("shift").refuse("must not be 0");
      return v;
    });
  };
  EXPECT_EQ(shift(R"({"shift": -60})").value(), -60);
  EXPECT_EQ(shift(R"({"shift": 2.0})").value(), 2);
  EXPECT_EQ(shift(R"({"shift": 2.5})").error().text(), "shift: 2.5: must be a whole number");
  EXPECT_EQ(shift(R"({"shift": 0})").error().text(), "shift: must not be 0");
}

TEST(JsonReader, AFaultInAReaderIsARefusalNotAnException) {
  const Checked<int> r = read_json("{\"a\": 1}", [](const JsonValue& root) {
    return static_cast<int>(root.json().at("a").get<std::string>().size());  // wrong kind
  });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("a fault in itdd"), std::string::npos);
}

TEST(JsonReader, FilesThatCannotBeRead) {
  const auto read = [](const std::filesystem::path& p) {
    return read_json_file(p, [](const JsonValue& root) { return root.json().size(); });
  };
  EXPECT_EQ(read("/no/such/file.json").error().message, "cannot open the file");
  EXPECT_EQ(read(std::filesystem::temp_directory_path()).error().message,
            "cannot open the file: it is a folder");
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "itdd_json_reader_test.json";
  {
    std::ofstream out(file);
    out << "[1, 2, 3]";
  }
  EXPECT_EQ(read(file).value(), 3u);
  std::filesystem::remove(file);
}

TEST(Figures, ProvenanceAndExportedNumbers) {
  const auto note = [](std::string_view text) {
    return read_json(text, [](const JsonValue& root) { return read_figure(root).note; });
  };
  EXPECT_EQ(note(R"({"value": 1, "source": "label"})").value(), (Provenance{true, "label"}));
  EXPECT_EQ(note(R"({"value": 1, "unconfirmed": "guess"})").value().label(), "unconfirmed: guess");
  EXPECT_EQ(note(R"({"value": 1})").error().message,
            "needs exactly one of \"source\" or \"unconfirmed\"");
  EXPECT_EQ(note(R"({"value": 1, "source": "a", "unconfirmed": "b"})").error().message,
            "needs exactly one of \"source\" or \"unconfirmed\"");
  EXPECT_EQ(note(R"({"source": "a"})").error().text(), "value: is missing");
  EXPECT_EQ(decimal_json(21'600, 1'000).dump(), "21.6");
  EXPECT_EQ(decimal_json(20'000, 1'000).dump(), "20");
}

TEST(Figures, ExportedNumbersReadBackExactly) {
  for (std::int64_t count = 1; count < 1'000'000'000'000; count = count * 7 + 3) {
    for (const std::int64_t scale :
         {std::int64_t{1}, std::int64_t{1'000}, std::int64_t{1'000'000}}) {
      const std::string text = decimal_json(count, scale).dump();
      const Checked<std::int64_t> back =
          read_json(text, [&](const JsonValue& root) { return root.decimal(scale); });
      ASSERT_TRUE(back.ok()) << text;
      EXPECT_EQ(back.value(), count) << text;
    }
  }
}

}  // namespace
}  // namespace itdd::host
