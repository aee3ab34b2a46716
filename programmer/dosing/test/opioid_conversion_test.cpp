#include "itdd/programmer/opioid_conversion.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <string>

namespace itdd::programmer {
namespace {

using host::Checked;

using Json = nlohmann::ordered_json;

const std::string kFile = std::string(ITDD_SOURCE_DIR) + "/data/opioid-conversions.json";

const OpioidConversions& table() {
  static const OpioidConversions t = [] {
    Checked<OpioidConversions> loaded = OpioidConversions::load(kFile);
    if (!loaded.ok()) throw std::runtime_error(loaded.error().text());
    return std::move(loaded).value();
  }();
  return t;
}

DrugRoute at(const char* text) {
  return parse_drug_route(text).value();
}

constexpr DoseRate mg(double v) {
  return DoseRate(static_cast<std::int64_t>(v * 1'000'000 + 0.5));
}

Conversion converted(const char* from, const char* to, DoseRate dose) {
  const Checked<Conversion> c = convert(table(), at(from), at(to), dose);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().text());
  return c.ok() ? c.value() : Conversion{};
}

TEST(OpioidConversion, TheShippedTableLoads) {
  EXPECT_EQ(table().equivalences().size(), 4u);
  EXPECT_EQ(table().rounding_millionths().value, 10'000);
  EXPECT_EQ(table().known_text(),
            "morphine:oral, morphine:iv, morphine:epidural, morphine:intrathecal, "
            "hydromorphone:iv, hydromorphone:intrathecal");
  EXPECT_NE(table().caution().find("practice varies widely"), std::string::npos);
}

TEST(OpioidConversion, OralMorphine300MgIsIntrathecal1Mg) {
  const Conversion c = converted("morphine:oral", "morphine:intrathecal", mg(300));
  EXPECT_EQ(c.result, mg(1));
  EXPECT_EQ(c.to_unit, DoseUnit::kMilligram);
  ASSERT_EQ(c.used.steps.size(), 1u);
  EXPECT_EQ(c.used.steps[0].rule, "morphine-routes");
  EXPECT_NE(c.used.steps[0].note.text.find("300:100:10:1"), std::string::npos);
  EXPECT_TRUE(c.others.empty());
  const std::string text = format_conversion(c);
  EXPECT_NE(text.find("practice varies widely"), std::string::npos);
  EXPECT_NE(text.find("to      morphine:intrathecal  1 mg/day"), std::string::npos);
  EXPECT_NE(text.find("rounded down to 0.01 mg; exact 1 mg/day"), std::string::npos);
  EXPECT_NE(text.find("rule    morphine:oral 300 mg = morphine:intrathecal 1 mg"),
            std::string::npos);
  EXPECT_NE(text.find("source: Morphine 10 mg IV = 1 mg epidural"), std::string::npos);
  EXPECT_EQ(converted("morphine:iv", "morphine:epidural", mg(100)).result, mg(10));
  EXPECT_EQ(converted("morphine:intrathecal", "morphine:oral", mg(0.5)).result, mg(150));
}

TEST(OpioidConversion, RoundsDownToTheStatedPrecision) {
  // 10 mg oral is 0.0333... mg intrathecal: 0.03 mg/day.
  const Conversion c = converted("morphine:oral", "morphine:intrathecal", mg(10));
  EXPECT_EQ(c.result, mg(0.03));
  EXPECT_EQ(c.used.exact_floor, DoseRate(33'333));
  EXPECT_TRUE(c.used.exact_has_fraction);
  EXPECT_EQ(c.precision, DrugAmount(10'000));
}

TEST(OpioidConversion, HydromorphoneIvToIntrathecal) {
  EXPECT_EQ(converted("hydromorphone:iv", "hydromorphone:intrathecal", mg(1)).result, mg(0.04));
  EXPECT_EQ(converted("hydromorphone:intrathecal", "hydromorphone:iv", mg(0.1)).result, mg(2.5));
}

TEST(OpioidConversion, HydromorphoneUsesTheRatioGivingTheLowerDose) {
  // To hydromorphone, 6:1 gives less; to morphine, 2:1 does.
  const Conversion to_hm = converted("morphine:intrathecal", "hydromorphone:intrathecal", mg(6));
  EXPECT_EQ(to_hm.result, mg(1));
  EXPECT_EQ(to_hm.used.steps[0].rule, "intrathecal-hydromorphone-morphine-6-1");
  ASSERT_EQ(to_hm.others.size(), 1u);
  EXPECT_EQ(to_hm.others[0].rounded, mg(3));
  EXPECT_NE(format_conversion(to_hm).find("3 mg/day via intrathecal-hydromorphone-morphine-2-1"),
            std::string::npos);

  const Conversion to_m = converted("hydromorphone:intrathecal", "morphine:intrathecal", mg(1));
  EXPECT_EQ(to_m.result, mg(2));
  EXPECT_EQ(to_m.used.steps[0].rule, "intrathecal-hydromorphone-morphine-2-1");
  EXPECT_EQ(to_m.others[0].rounded, mg(6));
}

TEST(OpioidConversion, RulesChain) {
  // 300 mg oral morphine = 1 mg intrathecal morphine = 1/6 mg intrathecal hydromorphone.
  const Conversion c = converted("morphine:oral", "hydromorphone:intrathecal", mg(300));
  EXPECT_EQ(c.result, mg(0.16));
  ASSERT_EQ(c.used.steps.size(), 2u);
  EXPECT_EQ(c.used.steps[0].rule, "morphine-routes");
  EXPECT_EQ(c.used.steps[1].rule, "intrathecal-hydromorphone-morphine-6-1");
  const Json j = conversion_json(c);
  EXPECT_EQ(j["result_per_day"], 0.16);
  EXPECT_EQ(j["result_ng_per_day"], 160'000);
  EXPECT_EQ(j["result_unit"], "mg");
  EXPECT_EQ(j["used"]["steps"].size(), 2u);
  EXPECT_EQ(j["others"][0]["result_per_day"], 0.5);
  EXPECT_NE(j["caution"].get<std::string>().find("practice varies widely"), std::string::npos);
}

TEST(OpioidConversion, UnknownPairsListWhatIsKnown) {
  const Checked<Conversion> from =
      convert(table(), at("morphine:subcutaneous"), at("morphine:intrathecal"), mg(10));
  ASSERT_FALSE(from.ok());
  EXPECT_EQ(from.error().field, "from");
  EXPECT_EQ(
      from.error().message,
      "no rule names morphine:subcutaneous (known: morphine:oral, morphine:iv, "
      "morphine:epidural, morphine:intrathecal, hydromorphone:iv, hydromorphone:intrathecal)");
  const Checked<Conversion> to =
      convert(table(), at("morphine:oral"), at("fentanyl:intrathecal"), mg(10));
  ASSERT_FALSE(to.ok());
  EXPECT_EQ(to.error().field, "to");
  EXPECT_EQ(convert(table(), at("morphine:oral"), at("morphine:oral"), mg(1)).error().field, "to");
  EXPECT_EQ(convert(table(), at("morphine:oral"), at("morphine:iv"), DoseRate(0)).error().field,
            "dose");
  EXPECT_FALSE(parse_drug_route("morphine").ok());
  EXPECT_FALSE(parse_drug_route("Morphine:oral").ok());
  EXPECT_FALSE(parse_drug_route("morphine:").ok());
}

RC_GTEST_PROP(OpioidConversion, RoundingNeverGivesMoreThanTheExactValue, ()) {
  const std::vector<DrugRoute> known = table().known();
  const DrugRoute from = *rc::gen::elementOf(known);
  const DrugRoute to = *rc::gen::elementOf(known);
  RC_PRE(!(from == to));
  const DoseRate dose(*rc::gen::inRange<std::int64_t>(1, 100'000'000'000));
  const Checked<Conversion> c = convert(table(), from, to, dose);
  RC_ASSERT(c.ok());
  const std::int64_t step = c->precision.count();
  for (const ConversionPath* p = &c->used; p != nullptr;
       p = p == &c->used ? (c->others.empty() ? nullptr : &c->others[0]) : nullptr) {
    // Rebuild the exact value num/den from the steps and compare without any rounding.
    Int128 num = dose.count();
    Int128 den = 1;
    for (const ConversionStep& s : p->steps) {
      num *= s.to.amount.count();
      den *= s.from.amount.count();
    }
    RC_ASSERT(static_cast<Int128>(p->rounded.count()) * den <= num);
    RC_ASSERT(static_cast<Int128>(p->rounded.count() + step) * den > num);
    RC_ASSERT(p->rounded.count() % step == 0);
  }
  for (const ConversionPath& other : c->others) RC_ASSERT(c->result <= other.rounded);
}

TEST(OpioidConversion, TableProblemsNameTheirPath) {
  std::ifstream in(kFile);
  const Json original = Json::parse(in);
  struct Case {
    std::function<void(Json&)> edit;
    const char* field;
    const char* part;
  };
  const std::vector<Case> cases = {
      {[](Json& d) { d["equivalences"][1].erase("source"); }, "equivalences[1]",
       "needs exactly one of"},
      {[](Json& d) { d["equivalences"][1]["doses"][1]["unit"] = "mcg"; },
       "equivalences[1].doses[1].unit", "hydromorphone is in mg elsewhere"},
      {[](Json& d) { d["equivalences"][0]["doses"][1]["route"] = "oral"; },
       "equivalences[0].doses[1]", "morphine:oral is listed twice"},
      {[](Json& d) { d["equivalences"][0]["doses"][0]["amount"] = 0; },
       "equivalences[0].doses[0].amount", "must be above 0"},
      {[](Json& d) { d["equivalences"][1]["doses"].erase(1); }, "equivalences[1].doses",
       "at least two"},
      {[](Json& d) { d["equivalences"][2]["name"] = "morphine-routes"; }, "equivalences[2].name",
       "used twice"},
      {[](Json& d) { d["rounding_precision"]["value"] = 0.0001; }, "rounding_precision.value",
       "from 0.001 to 1"},
      {[](Json& d) { d.erase("caution"); }, "caution", "is missing"},
  };
  for (const Case& c : cases) {
    Json doc = original;
    c.edit(doc);
    const Checked<OpioidConversions> r = OpioidConversions::from_text(doc.dump());
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.error().field, c.field) << r.error().text();
    EXPECT_NE(r.error().message.find(c.part), std::string::npos) << r.error().text();
  }
}

// What the drug library's reader refuses, this one refuses the same way (one JSON reader): a
// number beyond a double at its place, and an amount finer than 1 ng, read from its text.
TEST(OpioidConversions, ANumberBeyondADoubleIsRefusedNotThrown) {
  std::ifstream in(kFile);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::size_t at = text.find("\"amount\": ");
  ASSERT_NE(at, std::string::npos);
  const std::size_t end = text.find_first_of(",}", at);
  std::string overflow = text;
  overflow.replace(at, end - at, "\"amount\": 7757E877777777778");
  const Checked<OpioidConversions> r = OpioidConversions::from_text(overflow);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(": the number 7757E877777777778 is too large"),
            std::string::npos)
      << r.error().text();
  std::string fine = text;
  fine.replace(at, end - at, "\"amount\": 300.0000001");
  const Checked<OpioidConversions> f = OpioidConversions::from_text(fine);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().field, "equivalences[0].doses[0].amount") << f.error().text();
  EXPECT_NE(f.error().message.find("at most 6 decimal places"), std::string::npos);
}

}  // namespace
}  // namespace itdd::programmer
