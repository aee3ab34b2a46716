// Pump models as data (data/pump-models.json): each figure carries its source or an
// "unconfirmed" note, and the loader maps a model to the implant's itdd::therapy::PumpModel
// plus the battery: the cell's figures (host::CellSpec, what the simulator models) and the
// implant's own copy of the cell with its ERI/EOS rules (power::MonitorConfig). Every figure is
// read exactly in its base unit (host/text: nL, nL/day, uJ, mV, ...); a malformed file is a
// host::Refusal naming the field, never an exception.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "itdd/host/cell.h"
#include "itdd/host/checked.h"
#include "itdd/host/json_reader.h"
#include "itdd/power/battery_monitor.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::host {

struct PumpModelSpec {
  std::string name;
  std::string description;
  therapy::PumpModel model;
  // The catheters the model is implanted with (the clinic database refuses a catheter outside
  // them): lengths in mm, volumes as implanted.
  std::int64_t min_catheter_length_mm = 0;
  std::int64_t max_catheter_length_mm = 0;
  Volume min_catheter_volume{};
  Volume max_catheter_volume{};
  CellSpec battery;
  power::MonitorConfig battery_monitor;
  // Field -> "source: ..." or "unconfirmed: ...", in file order, to show beside the numbers.
  std::vector<std::pair<std::string, std::string>> provenance;
};

class PumpCatalog {
 public:
  // The catalog, or the refusal of the file's first problem (its JSON path and what is wrong; a
  // file that cannot be read and invalid JSON have an empty field).
  static Checked<PumpCatalog> from_text(std::string_view text);
  static Checked<PumpCatalog> load(const std::filesystem::path& file);

  const PumpModelSpec* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  static PumpCatalog read(const JsonValue& root);

  std::vector<PumpModelSpec> models_;
};

}  // namespace itdd::host
