// The population defaults (the real data file) and a scenario's "patient" block: read exactly,
// overridden per patient, and every bad value refused with its field.
#include "itdd/sim/patient_params.h"

#include <gtest/gtest.h>

namespace itdd::sim {
namespace {

const CsfCatalog& catalog() {
  static const CsfCatalog c = [] {
    host::Checked<CsfCatalog> read =
        CsfCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/csf-pharmacokinetics.json");
    if (!read.ok()) throw std::runtime_error(read.error().text());
    return std::move(read).value();
  }();
  return c;
}

host::Checked<PatientOverrides> block(std::string_view text) {
  return host::read_json(text, [](const host::JsonValue& root) {
    return read_patient_overrides(root.object({"patient"}).required("patient"));
  });
}

host::Checked<PatientSetup> resolved(std::string_view text,
                                     const std::vector<std::string>& drugs = {"morphine"}) {
  const host::Checked<PatientOverrides> o = block(text);
  if (!o.ok()) return o.error();
  return resolve_patient(*o, catalog(), drugs);
}

TEST(CsfCatalog, TheDataFileHoldsTheFourDrugsWithTheirSources) {
  const CsfCatalog& c = catalog();
  EXPECT_EQ(c.names(),
            (std::vector<std::string>{"morphine", "hydromorphone", "baclofen", "ziconotide"}));
  EXPECT_EQ(c.physiology().exchange_nl_per_min, 200'000);
  EXPECT_EQ(c.physiology().lumbar_share_permille, 300);
  EXPECT_EQ(c.risk().withdrawal_below_permille, 500);
  EXPECT_EQ(c.risk().withdrawal_after, hours(12));
  EXPECT_EQ(c.risk().overdose_above_permille, 2000);
  const CsfDrug* morphine = c.find("morphine");
  ASSERT_NE(morphine, nullptr);
  EXPECT_EQ(morphine->params.clearance_nl_per_min, 340'000);
  EXPECT_EQ(morphine->params.volume_nl, 42'000'000);
  EXPECT_EQ(morphine->params.lumbar_to_cisternal_milli, 7000);
  EXPECT_TRUE(morphine->withdrawal_syndrome);
  // Baclofen's volume from its half-life: 0.5 mL/min x 150 min / ln 2 = 108.2 mL.
  EXPECT_EQ(c.find("baclofen")->params.volume_nl, 108'202'128);
  EXPECT_FALSE(c.find("ziconotide")->withdrawal_syndrome);
  // Every figure has its note: 2 + 3 + 4 x 4.
  EXPECT_EQ(c.provenance().size(), 21u);
  for (const auto& [field, note] : c.provenance()) {
    EXPECT_TRUE(note.starts_with("source: ") || note.starts_with("unconfirmed: ")) << field;
  }
}

TEST(CsfCatalog, ABadFileIsRefusedAtItsField) {
  const host::Checked<CsfCatalog> c =
      CsfCatalog::from_text(R"({"format": "itdd-csf-pharmacokinetics", "version": 1,
    "csf": {"exchange_flow_ml_per_min": {"value": 0.35, "source": "x"},
            "lumbar_share_percent": {"value": 30, "source": "x"}},
    "risk": {"withdrawal_below_percent": {"value": 50, "source": "x"},
             "withdrawal_after_hours": {"value": 12, "source": "x"},
             "overdose_above_times": {"value": 2, "source": "x"}},
    "drugs": {"morphine": {"clearance_ml_per_min": {"value": 0.1, "source": "x"},
                           "volume_ml": {"value": 42, "source": "x"},
                           "lumbar_to_cisternal": {"value": 7, "source": "x"},
                           "withdrawal_syndrome": {"value": true, "source": "x"}}}})");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().field, "drugs.morphine.clearance_ml_per_min");
  EXPECT_NE(c.error().message.find("at least 0.3 mL/min"), std::string::npos) << c.error().message;
}

TEST(PatientBlock, AnEmptyBlockIsThePopulation) {
  const host::Checked<PatientSetup> s = resolved(R"({"patient": {}})", {"morphine", "baclofen"});
  ASSERT_TRUE(s.ok()) << s.error().text();
  ASSERT_EQ(s->drugs.size(), 2u);
  EXPECT_EQ(s->drugs[0].name, "morphine");
  EXPECT_EQ(s->drugs[1].params.clearance_nl_per_min, 500'000);
  EXPECT_EQ(s->risk.withdrawal_after, hours(12));
}

TEST(PatientBlock, ThePatientsFiguresOverrideThePopulations) {
  const host::Checked<PatientSetup> s = resolved(R"({"patient": {
      "exchange_flow_ml_per_min": 0.3, "lumbar_share_percent": 25.5,
      "withdrawal_below_percent": 60, "withdrawal_after_hours": 6.5, "overdose_above_times": 1.5,
      "drugs": {"morphine": {"clearance_ml_per_min": 0.4, "half_life_min": 120,
                             "lumbar_to_cisternal": 2}}}})");
  ASSERT_TRUE(s.ok()) << s.error().text();
  EXPECT_EQ(s->physiology.exchange_nl_per_min, 300'000);
  EXPECT_EQ(s->physiology.lumbar_share_permille, 255);
  EXPECT_EQ(s->risk.withdrawal_below_permille, 600);
  EXPECT_EQ(s->risk.withdrawal_after, minutes(390));
  EXPECT_EQ(s->risk.overdose_above_permille, 1500);
  const CsfDrugParams& m = s->drugs[0].params;
  EXPECT_EQ(m.clearance_nl_per_min, 400'000);
  EXPECT_EQ(m.volume_nl, 69'249'361);  // 0.4 x 120 / ln 2 mL
  EXPECT_EQ(m.lumbar_to_cisternal_milli, 2000);
}

struct Refused {
  const char* block;
  const char* field;
  const char* says;
};

TEST(PatientBlock, BadValuesAreRefusedWithTheirField) {
  const Refused cases[] = {
      {R"({"patient": {"drugs": {"morphine": {"volume_ml": -3}}}})",
       "patient.drugs.morphine.volume_ml", "negative"},
      {R"({"patient": {"drugs": {"morphine": {"half_life_min": 0}}}})",
       "patient.drugs.morphine.half_life_min", "above 0 min"},
      {R"({"patient": {"drugs": {"morphin": {"clearance_ml_per_min": 0.3}}}})",
       "patient.drugs.morphin", "no CSF pharmacokinetics for \"morphin\" (known: morphine"},
      {R"({"patient": {"drugs": {"morphine": {"lumbar_to_cisternal": 0.5}}}})",
       "patient.drugs.morphine.lumbar_to_cisternal", "between 1 and 100"},
      {R"({"patient": {"drugs": {"morphine": {"clearance_ml_per_min": 0.15}}}})",
       "patient.drugs.morphine", "at least 0.171429 mL/min"},
      {R"({"patient": {"drugs": {"morphine": {"volume_ml": 40, "half_life_min": 90}}}})",
       "patient.drugs.morphine", "not both"},
      {R"({"patient": {"exchange_flow_ml_per_min": 0}})", "patient.exchange_flow_ml_per_min",
       "above 0 mL/min"},
      {R"({"patient": {"lumbar_share_percent": 100}})", "patient.lumbar_share_percent",
       "at most 99.9 %"},
      {R"({"patient": {"withdrawal_after_hours": 0}})", "patient.withdrawal_after_hours",
       "above 0 hours"},
      {R"({"patient": {"overdose_above_times": 1}})", "patient.overdose_above_times",
       "above 1 times"},
      {R"({"patient": {"weight_kg": 70}})", "patient.weight_kg", ""},
      {R"({"patient": {"drugs": {"morphine": {"clearance_ml_per_min": 0.0000001}}}})",
       "patient.drugs.morphine.clearance_ml_per_min", "decimal"},
  };
  for (const Refused& c : cases) {
    const host::Checked<PatientSetup> s = resolved(c.block);
    ASSERT_FALSE(s.ok()) << c.block;
    EXPECT_EQ(s.error().field, c.field) << c.block << " -> " << s.error().text();
    EXPECT_NE(s.error().message.find(c.says), std::string::npos) << s.error().text();
  }
}

TEST(PatientBlock, AScenarioDrugWithoutPharmacokineticsIsRefused) {
  const host::Checked<PatientSetup> s = resolved(R"({"patient": {}})", {"morphine", "clonidine"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "patient");
  EXPECT_NE(s.error().message.find("\"clonidine\""), std::string::npos);
}

}  // namespace
}  // namespace itdd::sim
