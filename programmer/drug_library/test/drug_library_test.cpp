#include "itdd/programmer/drug_library.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace itdd::programmer {
namespace {

using host::Checked;
using Json = nlohmann::ordered_json;

const std::string kLibraryFile = std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json";

DrugLibrary real_library() {
  Checked<DrugLibrary> library = DrugLibrary::load(kLibraryFile);
  EXPECT_TRUE(library.ok()) << (library.ok() ? "" : library.error().text());
  return library.ok() ? std::move(library).value() : DrugLibrary();
}

// One drug with every optional part, valid as it stands.
Json minimal_doc() {
  return Json::parse(R"({
    "format": "itdd-drug-library",
    "version": 1,
    "refill_safety_margin_days": {"value": 5, "source": "s"},
    "drugs": [{
      "name": "testdrug",
      "display_name": "Test drug",
      "unit": "mcg",
      "opioid": false,
      "withdrawal_risk": {"value": "high", "source": "s"},
      "concentrations": {"value": [50, 500], "source": "s"},
      "limits": {
        "soft_min": {"value": 10, "unconfirmed": "u"},
        "soft_max": {"value": 100, "source": "s"},
        "hard_max": {"value": 200, "source": "s"},
        "start_max": {"value": 20, "level": "soft", "source": "s"}
      },
      "titration": {
        "max_step": {"value": 2.4, "level": "hard", "source": "s"},
        "max_step_percent": {"value": 15, "level": "soft", "source": "s"},
        "min_interval_hours": {"hard": {"value": 24, "source": "s"},
                               "soft": {"value": 48, "source": "s"}}
      },
      "stability": {"days": {"value": 40, "source": "s"},
                    "undiluted_days": {"value": 84, "source": "s"},
                    "first_fill_days": {"value": 14, "source": "s"}},
      "max_refill_interval_days": {"value": 180, "source": "s"},
      "screening": {
        "doses": {"value": [50, 75, 100], "source": "s"},
        "min_interval_hours": {"value": 24, "source": "s"},
        "starting_dose": {"multiplier": {"value": 2, "source": "s"},
                          "long_effect_over_hours": {"value": 8, "source": "s"},
                          "long_effect_multiplier": {"value": 1, "source": "s"}}
      }
    }]
  })");
}

TEST(DrugLibrary, TheShippedLibraryLoads) {
  const DrugLibrary library = real_library();
  ASSERT_EQ(library.drugs().size(), 7u);
  EXPECT_EQ(library.names(),
            "morphine, ziconotide, baclofen, hydromorphone, sufentanil, bupivacaine, clonidine");
  EXPECT_EQ(library.refill_safety_margin_days().value, 5);
  EXPECT_TRUE(library.refill_safety_margin_days().note.confirmed);

  const DrugSpec* z = library.find("ziconotide");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->unit, DoseUnit::kMicrogram);
  EXPECT_EQ(z->concentrations.value,
            (std::vector<Concentration>{Concentration(25'000), Concentration(100'000)}));
  EXPECT_EQ(z->limits.soft_max.value, DoseRate(19'200));
  EXPECT_EQ(z->limits.hard_max.value, DoseRate(21'600));
  ASSERT_TRUE(z->limits.start_max);
  EXPECT_EQ(z->limits.start_max->value, DoseRate(2'400));
  ASSERT_TRUE(z->titration.max_step);
  EXPECT_EQ(z->titration.max_step->value, DoseRate(2'400));
  EXPECT_EQ(z->titration.max_step->level, Level::kHard);
  EXPECT_EQ(z->titration.min_interval_hard->value, hours(24));
  EXPECT_EQ(z->titration.min_interval_soft->value, hours(48));
  EXPECT_EQ(z->stability.days.value, 40);
  EXPECT_EQ(z->stability.undiluted_days->value, 84);
  EXPECT_EQ(z->stability.first_fill_days->value, 14);
  EXPECT_NE(z->limits.hard_max.note.text.find("21.6 mcg/day (EU)"), std::string::npos);

  const DrugSpec* b = library.find("baclofen");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->withdrawal_risk.value, WithdrawalRisk::kHigh);
  EXPECT_EQ(b->titration.max_step_percent_hundredths->value, 1'500);
  EXPECT_EQ(b->max_refill_interval_days.value, 180);
  ASSERT_TRUE(b->screening);
  EXPECT_EQ(b->screening->doses.value,
            (std::vector<DrugAmount>{micrograms(50), micrograms(75), micrograms(100)}));
  EXPECT_EQ(b->screening->starting_dose->multiplier_hundredths.value, 200);

  const DrugSpec* m = library.find("morphine");
  ASSERT_NE(m, nullptr);
  EXPECT_TRUE(m->opioid);
  EXPECT_EQ(m->limits.soft_max.value, DoseRate(milligrams(10).count()));
  EXPECT_EQ(m->limits.hard_max.value, DoseRate(milligrams(20).count()));
  EXPECT_TRUE(m->allows(Concentration(milligrams(25).count())));
  EXPECT_FALSE(m->allows(Concentration(milligrams(50).count())));
  EXPECT_EQ(library.find("bupivacaine")->concentrations.value[1], Concentration(7'500'000));
  EXPECT_EQ(library.find("fentanyl"), nullptr);

  // Every drug's name fits the wire (23 characters) and no number lacks its note.
  for (const DrugSpec& d : library.drugs()) {
    EXPECT_LE(d.name.size(), 23u);
    EXPECT_FALSE(d.limits.hard_max.note.text.empty());
  }
}

TEST(DrugLibrary, ExportReadsBackAsTheSameLibrary) {
  const DrugLibrary library = real_library();
  const Checked<DrugLibrary> again = DrugLibrary::from_text(library.to_json().dump(2));
  ASSERT_TRUE(again.ok()) << again.error().text();
  EXPECT_EQ(again.value(), library);

  // Through a file as `itdd drugs export` writes it, and the export of the export is the same
  // text.
  const std::filesystem::path file =
      std::filesystem::temp_directory_path() / "itdd-drug-library-roundtrip.json";
  std::ofstream(file) << library.to_json().dump(2) << '\n';
  const Checked<DrugLibrary> loaded = DrugLibrary::load(file);
  std::filesystem::remove(file);
  ASSERT_TRUE(loaded.ok()) << loaded.error().text();
  EXPECT_EQ(loaded.value(), library);
  EXPECT_EQ(loaded->to_json().dump(), library.to_json().dump());

  const Checked<DrugLibrary> minimal = DrugLibrary::from_text(minimal_doc().dump());
  ASSERT_TRUE(minimal.ok()) << minimal.error().text();
  EXPECT_TRUE(minimal->to_json() == minimal_doc())
      << Json::diff(minimal->to_json(), minimal_doc()).dump();
}

TEST(DrugLibrary, ShippedFileIsItsOwnExport) {
  // The file in the tree is kept in the export's order and form, so an exported and edited copy
  // diffs cleanly against it.
  std::ifstream in(kLibraryFile);
  const Json original = Json::parse(in);
  const Json exported = real_library().to_json();
  EXPECT_TRUE(exported == original) << Json::diff(exported, original).dump();
}

struct BadCase {
  const char* what;
  std::function<void(Json&)> edit;
  const char* field;
  const char* message_part;
};

TEST(DrugLibrary, EveryProblemIsRefusedNamingItsPath) {
  Json& (*drug)(Json&) = [](Json& doc) -> Json& { return doc["drugs"][0]; };
  const std::vector<BadCase> cases = {
      {"wrong format", [](Json& d) { d["format"] = "itdd-pump-models"; }, "format", "must be"},
      {"newer version", [](Json& d) { d["version"] = 2; }, "version", "must be 1"},
      {"no drugs", [](Json& d) { d["drugs"] = Json::array(); }, "drugs", "non-empty"},
      {"unknown top key", [](Json& d) { d["drug"] = 1; }, "drug", "unknown key"},
      {"margin too long", [](Json& d) { d["refill_safety_margin_days"]["value"] = 61; },
       "refill_safety_margin_days.value", "from 0 to 60 days"},
      {"unknown unit", [drug](Json& d) { drug(d)["unit"] = "ug"; }, "drugs[0].unit",
       "must be \"mg\" or \"mcg\""},
      {"capital name", [drug](Json& d) { drug(d)["name"] = "Morphine"; }, "drugs[0].name",
       "a-z, 0-9"},
      {"long name", [drug](Json& d) { drug(d)["name"] = "abcdefghijklmnopqrstuvwx"; },
       "drugs[0].name", "1 to 23 characters"},
      {"empty display name", [drug](Json& d) { drug(d)["display_name"] = ""; },
       "drugs[0].display_name", "must not be empty"},
      {"opioid not a bool", [drug](Json& d) { drug(d)["opioid"] = "yes"; }, "drugs[0].opioid",
       "true or false"},
      {"unknown risk", [drug](Json& d) { drug(d)["withdrawal_risk"]["value"] = "extreme"; },
       "drugs[0].withdrawal_risk.value", "\"low\", \"moderate\" or \"high\""},
      {"zero concentration", [drug](Json& d) { drug(d)["concentrations"]["value"][0] = 0; },
       "drugs[0].concentrations.value[0]", "must be above 0"},
      {"negative concentration", [drug](Json& d) { drug(d)["concentrations"]["value"][1] = -5; },
       "drugs[0].concentrations.value[1]", "must not be negative"},
      {"repeated concentration", [drug](Json& d) { drug(d)["concentrations"]["value"][1] = 50.0; },
       "drugs[0].concentrations.value[1]", "50 mcg/mL is listed twice"},
      {"no concentrations", [drug](Json& d) { drug(d)["concentrations"]["value"] = Json::array(); },
       "drugs[0].concentrations.value", "non-empty array of concentrations in mcg/mL"},
      {"soft above hard", [drug](Json& d) { drug(d)["limits"]["soft_max"]["value"] = 200.001; },
       "drugs[0].limits.soft_max.value", "must be at most hard_max (200 mcg/day)"},
      {"soft min at soft max", [drug](Json& d) { drug(d)["limits"]["soft_min"]["value"] = 100; },
       "drugs[0].limits.soft_min.value", "must be below soft_max (100 mcg/day)"},
      {"start above hard", [drug](Json& d) { drug(d)["limits"]["start_max"]["value"] = 201; },
       "drugs[0].limits.start_max.value", "must be at most hard_max"},
      {"missing hard max", [drug](Json& d) { drug(d)["limits"].erase("hard_max"); },
       "drugs[0].limits.hard_max", "is missing"},
      {"misspelt key", [drug](Json& d) { drug(d)["limits"]["hard_mx"] = 1; },
       "drugs[0].limits.hard_mx", "unknown key (allowed: soft_min, soft_max, hard_max, start_max)"},
      {"missing source", [drug](Json& d) { drug(d)["limits"]["hard_max"].erase("source"); },
       "drugs[0].limits.hard_max", "needs exactly one of \"source\" or \"unconfirmed\""},
      {"source and unconfirmed",
       [drug](Json& d) { drug(d)["limits"]["hard_max"]["unconfirmed"] = "x"; },
       "drugs[0].limits.hard_max", "needs exactly one of"},
      {"empty source", [drug](Json& d) { drug(d)["limits"]["hard_max"]["source"] = ""; },
       "drugs[0].limits.hard_max.source", "must not be empty"},
      {"dose as text", [drug](Json& d) { drug(d)["limits"]["hard_max"]["value"] = "200"; },
       "drugs[0].limits.hard_max.value", "must be a number"},
      {"too many decimals", [drug](Json& d) { drug(d)["limits"]["hard_max"]["value"] = 0.0001; },
       "drugs[0].limits.hard_max.value", "at most 3 decimal places"},
      {"absurd dose", [drug](Json& d) { drug(d)["limits"]["hard_max"]["value"] = 2e6; },
       "drugs[0].limits.hard_max.value", "at most 1000000 mcg"},
      {"bad level", [drug](Json& d) { drug(d)["titration"]["max_step"]["level"] = "medium"; },
       "drugs[0].titration.max_step.level", "\"hard\" or \"soft\""},
      {"level on a plain limit",
       [drug](Json& d) { drug(d)["limits"]["hard_max"]["level"] = "soft"; },
       "drugs[0].limits.hard_max.level", "unknown key"},
      {"zero percent", [drug](Json& d) { drug(d)["titration"]["max_step_percent"]["value"] = 0; },
       "drugs[0].titration.max_step_percent.value", "must be above 0"},
      {"soft interval below hard",
       [drug](Json& d) { drug(d)["titration"]["min_interval_hours"]["soft"]["value"] = 12; },
       "drugs[0].titration.min_interval_hours.soft.value", "at least the hard interval (24 h)"},
      {"empty interval",
       [drug](Json& d) { drug(d)["titration"]["min_interval_hours"] = Json::object(); },
       "drugs[0].titration.min_interval_hours", "needs \"hard\", \"soft\" or both"},
      {"zero stability", [drug](Json& d) { drug(d)["stability"]["days"]["value"] = 0; },
       "drugs[0].stability.days.value", "from 1 to 3650 days"},
      {"half a day", [drug](Json& d) { drug(d)["stability"]["first_fill_days"]["value"] = 1.5; },
       "drugs[0].stability.first_fill_days.value", "whole number"},
      {"missing refill interval", [drug](Json& d) { drug(d).erase("max_refill_interval_days"); },
       "drugs[0].max_refill_interval_days", "is missing"},
      {"screening doses fall", [drug](Json& d) { drug(d)["screening"]["doses"]["value"][1] = 50; },
       "drugs[0].screening.doses.value[1]", "must rise"},
      {"zero multiplier",
       [drug](Json& d) { drug(d)["screening"]["starting_dose"]["multiplier"]["value"] = 0; },
       "drugs[0].screening.starting_dose.multiplier.value", "must be above 0"},
      {"duplicate drug", [drug](Json& d) { d["drugs"].push_back(drug(d)); }, "drugs[1].name",
       "testdrug is already defined at drugs[0]"},
  };
  for (const BadCase& c : cases) {
    Json doc = minimal_doc();
    c.edit(doc);
    const Checked<DrugLibrary> r = DrugLibrary::from_text(doc.dump());
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error().field, c.field) << c.what << ": " << r.error().text();
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos)
        << c.what << ": " << r.error().text();
  }
}

TEST(DrugLibrary, UnreadableFilesAreRefused) {
  const Checked<DrugLibrary> missing = DrugLibrary::load("/no/such/drug-library.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().text(), "cannot open the file");
  const Checked<DrugLibrary> syntax = DrugLibrary::from_text("{\n  \"format\": ,\n}");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().text(), "line 2, column 13: invalid JSON near '\"format\": ,'");
}

// A number nlohmann-json cannot hold (it reads every non-integer through a double) is refused
// with its place, in our words: the fuzzer found it throwing out_of_range through from_text.
TEST(DrugLibrary, ANumberBeyondADoubleIsRefusedNotThrown) {
  const Checked<DrugLibrary> alone = DrugLibrary::from_text("7757E877777777778");
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().text(), "line 1, column 1: the number 7757E877777777778 is too large");

  std::string text = minimal_doc().dump(2);
  const std::string hard_max = "\"value\": 200,";
  const std::size_t at = text.find(hard_max);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, hard_max.size(), "\"value\": 7757E877777777778,");
  const Checked<DrugLibrary> inside = DrugLibrary::from_text(text);
  ASSERT_FALSE(inside.ok());
  EXPECT_EQ(inside.error().field, "");
  EXPECT_NE(inside.error().message.find(": the number 7757E877777777778 is too large"),
            std::string::npos)
      << inside.error().text();
  EXPECT_EQ(inside.error().message.rfind("line ", 0), 0u) << inside.error().text();
}

// Numbers are read from the text the clinic wrote, not from a double: a figure with more
// decimals than 1 ng is refused even where its double is a neat number.
TEST(DrugLibrary, FiguresAreReadFromTheirText) {
  std::string text = minimal_doc().dump(2);
  const std::string step = "\"value\": 2.4,";
  const std::size_t at = text.find(step);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, step.size(), "\"value\": 2.4000000000000001,");  // the same double as 2.4
  const Checked<DrugLibrary> r = DrugLibrary::from_text(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(),
            "drugs[0].titration.max_step.value: 2.4000000000000001: at most 3 decimal places");
  // An exponent is only another way to write the same decimal.
  text.replace(at, std::string("\"value\": 2.4000000000000001,").size(), "\"value\": 24e-1,");
  const Checked<DrugLibrary> exponent = DrugLibrary::from_text(text);
  ASSERT_TRUE(exponent.ok()) << exponent.error().text();
  EXPECT_EQ(exponent->find("testdrug")->titration.max_step->value, DoseRate(2'400));
}

TEST(DrugLibrary, AKeyGivenTwiceIsRefused) {
  std::string text = minimal_doc().dump(2);
  const std::string name = "\"name\": \"testdrug\",";
  const std::size_t at = text.find(name);
  ASSERT_NE(at, std::string::npos);
  text.insert(at, "\"name\": \"other\", ");
  const Checked<DrugLibrary> r = DrugLibrary::from_text(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(), "drugs[0].name: is given twice in the same object: keep one");
}

}  // namespace
}  // namespace itdd::programmer
