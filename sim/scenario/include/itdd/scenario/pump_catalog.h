// Pump models as data (data/pump-models.json): each figure carries its source or an
// "unconfirmed" note, and the loader maps a model to the implant's itdd::therapy::PumpModel
// plus the battery: the simulator's cell (sim::BatteryParams) and the implant's own copy of the
// cell with its ERI/EOS rules (power::MonitorConfig). Malformed files throw InputError naming
// the field.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "itdd/power/battery_monitor.h"
#include "itdd/sim/sim_battery.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::scenario {

struct PumpModelSpec {
  std::string name;
  std::string description;
  therapy::PumpModel model;
  sim::BatteryParams battery;
  power::MonitorConfig battery_monitor;
  // Field -> "source: ..." or "unconfirmed: ...", in file order, to show beside the numbers.
  std::vector<std::pair<std::string, std::string>> provenance;
};

class PumpCatalog {
 public:
  static PumpCatalog from_json(const nlohmann::json& doc);
  static PumpCatalog from_text(std::string_view text);
  static PumpCatalog load(const std::filesystem::path& file);

  const PumpModelSpec* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<PumpModelSpec> models_;
};

}  // namespace itdd::scenario
