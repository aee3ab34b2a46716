// Fixed-rate gas-driven models in data/pump-models.json: the kind, the figures read exactly with
// their sources, the curves, the environment, and every malformed one refused with its path.
#include "itdd/host/gas_pump_spec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "itdd/host/pump_catalog.h"

namespace itdd::host {
namespace {

using nlohmann::json;

json models_json() {
  std::ifstream in(std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json");
  return json::parse(in);
}

Checked<PumpCatalog> read(const json& doc) {
  return PumpCatalog::from_text(doc.dump());
}

TEST(GasPumpCatalog, GasModelsFromTheDataFile) {
  const Checked<PumpCatalog> c =
      PumpCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json");
  ASSERT_TRUE(c.ok()) << c.error().text();
  EXPECT_EQ(c.value().gas_names(), (std::vector<std::string>{"gas-fixed-30", "gas-fixed-20"}));
  const GasPumpSpec* g = c.value().find_gas("gas-fixed-30");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->reservoir_capacity, millilitres(30));
  EXPECT_EQ(g->nominal_flow, FlowRate(1'000'000));
  EXPECT_EQ(g->flow_tolerance_permille, 150);
  EXPECT_EQ(g->residual_volume, millilitres(1));
  EXPECT_EQ(g->reference_temperature_mc, 37'000);
  EXPECT_EQ(g->reference_ambient_pa, 101'325);
  EXPECT_EQ(g->reference_intrathecal_pa, 1'300);
  EXPECT_EQ(g->bellows_swing_pa, 2'000);
  ASSERT_EQ(g->vapour_pressure.size(), 16u);
  EXPECT_EQ(g->min_temperature_mc(), 30'000);
  EXPECT_EQ(g->max_temperature_mc(), 45'000);
  EXPECT_EQ(interpolate(g->vapour_pressure, 37'000), 346'700);  // n-butane at 37 °C, Pa
  EXPECT_EQ(interpolate(g->viscosity, 37'000), 691'000);        // water at 37 °C, nPa·s
  // The catheters it is implanted with, as a programmable model's (the clinic database's check).
  EXPECT_EQ(g->min_catheter_length_mm, 100);
  EXPECT_EQ(g->max_catheter_length_mm, 1'100);
  EXPECT_EQ(g->min_catheter_volume, microlitres(26));
  EXPECT_EQ(g->max_catheter_volume, microlitres(286));
  // Every figure says where it comes from.
  EXPECT_EQ(g->provenance.size(), 16u);
  for (const auto& [field, note] : g->provenance) {
    EXPECT_TRUE(note.starts_with("source: ") || note.starts_with("unconfirmed: ")) << field;
  }
  // A gas pump is not a programmable model: find() does not give it, kind_of() tells them apart.
  EXPECT_EQ(c.value().find("gas-fixed-30"), nullptr);
  EXPECT_EQ(c.value().kind_of("gas-fixed-30"), PumpKind::kGasFixedRate);
  EXPECT_EQ(c.value().kind_of("peristaltic-20"), PumpKind::kPeristaltic);
  EXPECT_EQ(c.value().kind_of("gas-fixed-99"), std::nullopt);
  EXPECT_EQ(c.value().names(), (std::vector<std::string>{"peristaltic-20", "peristaltic-40"}));
  // The environment: the standard atmosphere and seawater.
  const Environment& env = c.value().environment();
  EXPECT_EQ(env.pressure_at_altitude_pa(0), 101'325);
  EXPECT_EQ(env.pressure_at_altitude_pa(2'000), 79'495);
  EXPECT_EQ(env.pressure_at_altitude_pa(2'250), (79'495 + 74'683) / 2);
  EXPECT_EQ(env.pressure_at_depth_pa(1'000), 101'325 + 100'520);  // 10 m of seawater
}

TEST(GasPumpCatalog, AnUnknownKindIsRefusedNamingTheField) {
  json doc = models_json();
  doc["models"]["gas-fixed-20"]["kind"] = "elastomeric";
  const Checked<PumpCatalog> r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(),
            "models.gas-fixed-20.kind: \"elastomeric\" is not a pump kind itdd knows (allowed: "
            "\"peristaltic\", \"gas-fixed-rate\")");
}

TEST(GasPumpCatalog, AModelWithoutKindIsPeristaltic) {
  json doc = models_json();
  doc["models"]["peristaltic-20"].erase("kind");
  const Checked<PumpCatalog> r = read(doc);
  ASSERT_TRUE(r.ok()) << r.error().text();
  EXPECT_EQ(r.value().kind_of("peristaltic-20"), PumpKind::kPeristaltic);
}

TEST(GasPumpCatalog, AGasModelHasNoBatteryAndNoProgrammableRates) {
  json doc = models_json();
  doc["models"]["gas-fixed-30"]["max_rate_ml_per_day"] = json{{"value", 24}, {"source", "x"}};
  const Checked<PumpCatalog> r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.gas-fixed-30.max_rate_ml_per_day");
  EXPECT_NE(r.error().message.find("unknown key"), std::string::npos) << r.error().text();
}

TEST(GasPumpCatalog, CurvesMustRiseOrFallAndCoverTheSameTemperatures) {
  json doc = models_json();
  doc["models"]["gas-fixed-30"]["propellant_vapour_pressure"]["value"][3]["kpa"] = 200;
  Checked<PumpCatalog> r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(),
            "models.gas-fixed-30.propellant_vapour_pressure.value[3].kpa: must rise from point to "
            "point");
  doc = models_json();
  doc["models"]["gas-fixed-30"]["solution_viscosity"]["value"][2]["mpa_s"] = 0.9;
  r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.gas-fixed-30.solution_viscosity.value[2].mpa_s");
  doc = models_json();
  doc["models"]["gas-fixed-30"]["solution_viscosity"]["value"].erase(15);
  r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.gas-fixed-30.solution_viscosity.value");
}

TEST(GasPumpCatalog, APropellantThatCannotPushIsRefused) {
  json doc = models_json();
  doc["models"]["gas-fixed-30"]["reference_ambient_kpa"]["value"] = 400;
  const Checked<PumpCatalog> r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.gas-fixed-30.propellant_vapour_pressure.value");
}

TEST(GasPumpCatalog, FiguresAreExactAndInRange) {
  json doc = models_json();
  doc["models"]["gas-fixed-30"]["nominal_flow_ml_per_day"]["value"] = 1.0000001;
  Checked<PumpCatalog> r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(),
            "models.gas-fixed-30.nominal_flow_ml_per_day.value: 1.0000001: at most 6 decimal "
            "places");
  doc = models_json();
  doc["models"]["gas-fixed-30"]["reference_temperature_c"]["value"] = 60;
  r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.gas-fixed-30.reference_temperature_c.value");
  doc = models_json();
  doc["models"]["gas-fixed-30"]["reference_ambient_kpa"]["value"] = -1;
  r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.gas-fixed-30.reference_ambient_kpa.value");
}

TEST(GasPumpCatalog, GasModelsNeedTheEnvironment) {
  json doc = models_json();
  doc.erase("environment");
  Checked<PumpCatalog> r = read(doc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(), "environment: is missing");
  // Without gas models the environment may be left out (older files).
  doc["models"].erase("gas-fixed-30");
  doc["models"].erase("gas-fixed-20");
  r = read(doc);
  EXPECT_TRUE(r.ok()) << r.error().text();
}

TEST(GasPumpCatalog, InterpolationRoundsDownAndIsFlatOutside) {
  const std::vector<CurvePoint> c{{0, 0}, {3, 10}, {5, 3}};
  EXPECT_EQ(interpolate(c, -5), 0);
  EXPECT_EQ(interpolate(c, 1), 3);  // 3.33
  EXPECT_EQ(interpolate(c, 3), 10);
  EXPECT_EQ(interpolate(c, 4), 6);  // 6.5, toward negative infinity
  EXPECT_EQ(interpolate(c, 9), 3);
  EXPECT_EQ(interpolate({}, 9), 0);
}

}  // namespace
}  // namespace itdd::host
