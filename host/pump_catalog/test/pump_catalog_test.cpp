// The pump-model data file (data/pump-models.json): every figure read exactly in its base unit
// with its source, every malformed or out-of-range figure refused with its JSON path.
#include "itdd/host/pump_catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "itdd/host/cell.h"

namespace itdd::host {
namespace {

using nlohmann::json;

const std::string kModelsFile = std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json";

json models_json() {
  std::ifstream in(kModelsFile);
  return json::parse(in);
}

const PumpCatalog& catalog() {
  static const PumpCatalog c = [] {
    Checked<PumpCatalog> loaded = PumpCatalog::load(kModelsFile);
    if (!loaded.ok()) throw std::runtime_error(loaded.error().text());
    return std::move(loaded).value();
  }();
  return c;
}

TEST(PumpCatalog, ModelsFromTheDataFile) {
  const PumpModelSpec* m20 = catalog().find("peristaltic-20");
  const PumpModelSpec* m40 = catalog().find("peristaltic-40");
  ASSERT_NE(m20, nullptr);
  ASSERT_NE(m40, nullptr);
  EXPECT_EQ(m20->model.reservoir_capacity, millilitres(20));
  EXPECT_EQ(m40->model.reservoir_capacity, millilitres(40));
  EXPECT_EQ(m20->model.stroke_volume, nanolitres(1000));
  EXPECT_EQ(m20->model.min_rate, FlowRate(48'000));
  EXPECT_EQ(m20->model.low_reservoir_default, millilitres(2));
  EXPECT_EQ(m20->battery.capacity_uj, 15'552'000'000);
  EXPECT_EQ(m20->battery.sleep_current_na, 15'000);
  EXPECT_EQ(m20->battery.nominal_voltage_mv, 3'600);
  EXPECT_EQ(m20->battery.curve_points, 10u);
  // What the implant ID card and the replacement planning print, each with its note.
  EXPECT_NE(m20->mr_conditions.find("MR Conditional"), std::string::npos);
  EXPECT_EQ(m20->replacement_lead_days, 182);
  const auto note_of = [&](const char* key) {
    for (const auto& [k, note] : m20->provenance) {
      if (k == key) return note;
    }
    return std::string();
  };
  EXPECT_EQ(note_of("mr_conditions").rfind("unconfirmed: ", 0), 0u);
  EXPECT_EQ(note_of("replacement_lead_days").rfind("unconfirmed: ", 0), 0u);
  EXPECT_NE(catalog().find_gas("gas-fixed-30")->mr_conditions.find("MR Conditional"),
            std::string::npos);
  EXPECT_EQ(m20->battery_monitor.eri_mv, 3'400);
  // 7 years of 365.25 days is 2556.75 days: rounded down, so the end of service is never later
  // than the figure says.
  EXPECT_EQ(m20->battery_monitor.service_life, days(2556));
  EXPECT_EQ(m20->battery.patient_session_energy_uj, 60'000);
  EXPECT_EQ(m20->battery_monitor.patient_session_energy_uj, 60'000);
  // The processor's wake-ups (measured on the emulated board): the simulated cell keeps them
  // apart, the implant's own count adds them to a stroke and to the electronics' current.
  EXPECT_EQ(m20->battery.stroke_energy_uj, 2'000);
  EXPECT_EQ(m20->battery.processor_stroke_uj, 4);
  EXPECT_EQ(m20->battery.processor_idle_na, 1);
  EXPECT_EQ(m20->battery_monitor.stroke_energy_uj, 2'004);
  EXPECT_EQ(m20->battery_monitor.sleep_current_na, 15'001);
  // The catheters it is implanted with (the clinic database refuses others).
  EXPECT_EQ(m20->min_catheter_length_mm, 100);
  EXPECT_EQ(m20->max_catheter_length_mm, 1100);
  EXPECT_EQ(m20->min_catheter_volume, microlitres(26));
  EXPECT_EQ(m20->max_catheter_volume, microlitres(286));
  // Every figure says where it comes from (14 of the pump, 19 of its battery).
  EXPECT_EQ(m20->provenance.size(), 33u);
  for (const auto& [field, note] : m20->provenance) {
    EXPECT_TRUE(note.starts_with("source: ") || note.starts_with("unconfirmed: ")) << field;
  }
}

TEST(PumpCatalog, ACatheterRangeMustBeARange) {
  json doc = models_json();
  doc["models"]["peristaltic-20"]["min_catheter_length_cm"]["value"] = 120;  // above the maximum
  Checked<PumpCatalog> r = PumpCatalog::from_text(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.peristaltic-20.min_catheter_length_cm.value");
  doc = models_json();
  doc["models"]["peristaltic-20"].erase("max_catheter_volume_ml");
  r = PumpCatalog::from_text(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().field.find("max_catheter_volume_ml"), std::string::npos) << r.error().text();
}

TEST(PumpCatalog, RefusesFiguresWithoutSource) {
  json doc = models_json();
  doc["models"]["peristaltic-20"]["min_rate_ml_per_day"].erase("source");
  Checked<PumpCatalog> r = PumpCatalog::from_text(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.peristaltic-20.min_rate_ml_per_day");
  doc = models_json();
  doc["models"]["peristaltic-40"]["battery"]["capacity_j"]["value"] = -1;
  r = PumpCatalog::from_text(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.peristaltic-40.battery.capacity_j.value");
}

// Every figure is read exactly in its base unit: one finer than it is refused, not rounded.
TEST(PumpCatalog, FiguresAreExactInTheirBaseUnit) {
  json doc = models_json();
  doc["models"]["peristaltic-20"]["min_rate_ml_per_day"]["value"] = 0.0480001;
  Checked<PumpCatalog> r = PumpCatalog::from_text(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(),
            "models.peristaltic-20.min_rate_ml_per_day.value: 0.0480001: at most 6 decimal places");
  doc = models_json();
  doc["models"]["peristaltic-20"]["battery"]["nominal_voltage_v"]["value"] = 3.6005;
  r = PumpCatalog::from_text(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.peristaltic-20.battery.nominal_voltage_v.value");
  EXPECT_NE(r.error().message.find("at most 3 decimal places"), std::string::npos);
  doc = models_json();
  doc["models"]["peristaltic-20"]["min_rate_ml_per_day"]["value"] = 30;
  r = PumpCatalog::from_text(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().text(),
            "models.peristaltic-20.min_rate_ml_per_day.value: must be above 0 mL/day and at most "
            "24 mL/day (the maximum rate) (got 30)");
}

TEST(PumpCatalog, RefusesAMaximumRateTheSafetyMonitorCannotKeep) {
  // 100 nL strokes at 24 mL/day: 10,000 an hour, beyond the monitor's ring of an hour's strokes.
  json doc = models_json();
  doc["models"]["peristaltic-20"]["stroke_volume_nl"]["value"] = 100;
  const Checked<PumpCatalog> r = PumpCatalog::from_text(doc.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "models.peristaltic-20.max_rate_ml_per_day.value");
  EXPECT_NE(r.error().text().find("safety monitor"), std::string::npos) << r.error().text();
}

TEST(PumpCatalog, NamesInFileOrderAndUnknownModelsAreNotFound) {
  EXPECT_EQ(catalog().names(), (std::vector<std::string>{"peristaltic-20", "peristaltic-40"}));
  EXPECT_EQ(catalog().find("peristaltic-30"), nullptr);
}

TEST(PumpCatalog, AFileThatCannotBeReadIsRefused) {
  const Checked<PumpCatalog> r = PumpCatalog::load("/no/such/pump-models.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().text().find("cannot open"), std::string::npos) << r.error().text();
}

// The implant's curve is the cell's loaded voltage: open-circuit less the load times the
// internal resistance, interpolated between the file's points.
TEST(Cell, LoadedVoltageIsOpenCircuitLessTheDropUnderLoad) {
  const PumpModelSpec* m20 = catalog().find("peristaltic-20");
  ASSERT_NE(m20, nullptr);
  const CellSpec& cell = m20->battery;
  for (std::size_t i = 0; i < cell.curve_points; ++i) {
    const CellPoint& p = cell.curve[i];
    const std::int64_t depth_ppm = p.depth_permille * 1000LL;
    EXPECT_EQ(open_circuit_mv_at(cell, depth_ppm), p.open_circuit_mv);
    EXPECT_EQ(resistance_mohm_at(cell, depth_ppm), p.resistance_mohm);
    const std::int64_t drop_nv = static_cast<std::int64_t>(cell.load_ua) * p.resistance_mohm;
    EXPECT_EQ(loaded_mv_at(cell, depth_ppm), p.open_circuit_mv - (drop_nv + 500'000) / 1'000'000);
    EXPECT_EQ(m20->battery_monitor.curve[i].loaded_mv, loaded_mv_at(cell, depth_ppm));
  }
  // Between two points, linear; before the first and after the last, flat.
  const CellPoint& a = cell.curve[0];
  const CellPoint& b = cell.curve[1];
  const std::int64_t mid = (a.depth_permille + b.depth_permille) * 500LL;
  EXPECT_EQ(open_circuit_mv_at(cell, mid), (a.open_circuit_mv + b.open_circuit_mv + 1) / 2);
  EXPECT_EQ(open_circuit_mv_at(cell, 2'000'000), cell.curve[cell.curve_points - 1].open_circuit_mv);
}

TEST(Cell, WithoutACurveTheNominalVoltageAndNoResistance) {
  CellSpec cell;
  cell.nominal_voltage_mv = 3'600;
  EXPECT_EQ(open_circuit_mv_at(cell, 500'000), 3'600);
  EXPECT_EQ(resistance_mohm_at(cell, 500'000), 0);
  EXPECT_EQ(loaded_mv_at(cell, 500'000), 3'600);
}

}  // namespace
}  // namespace itdd::host
