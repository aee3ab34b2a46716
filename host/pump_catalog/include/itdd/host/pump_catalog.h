// Pump models as data (data/pump-models.json): each figure carries its source or an
// "unconfirmed" note, and the loader maps a model to the implant's itdd::therapy::PumpModel
// plus the battery: the cell's figures (host::CellSpec, what the simulator models) and the
// implant's own copy of the cell with its ERI/EOS rules (power::MonitorConfig). Every figure is
// read exactly in its base unit (host/text: nL, nL/day, uJ, mV, ...); a malformed file is a
// host::Refusal naming the field, never an exception.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "itdd/host/cell.h"
#include "itdd/host/checked.h"
#include "itdd/host/gas_pump_spec.h"
#include "itdd/host/json_reader.h"
#include "itdd/power/battery_monitor.h"
#include "itdd/therapy/pump_model.h"

namespace itdd::host {

// A model's "kind" in the file: a motor-driven programmable pump (PumpModelSpec) or a fixed-rate
// gas-driven one (GasPumpSpec, gas_pump_spec.h). A model without "kind" is peristaltic.
enum class PumpKind : std::uint8_t { kPeristaltic, kGasFixedRate };
// "peristaltic", "gas-fixed-rate": as the file writes them.
const char* kind_name(PumpKind kind);

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
  // The MR conditions the model's labelling gives, for people (the implant ID card), and how
  // long before the battery's elective replacement indicator (ERI) a clinic should schedule the
  // replacement surgery; each with its source or "unconfirmed" note in `provenance`.
  std::string mr_conditions;
  std::int64_t replacement_lead_days = 0;
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

  // A programmable (peristaltic) model by name: nullptr for a name that is not one, including
  // a gas-driven model's (see kind_of), so nothing that programs a pump meets a pump it cannot
  // program.
  const PumpModelSpec* find(std::string_view name) const;
  std::vector<std::string> names() const;
  // A fixed-rate gas-driven model by name, and their names.
  const GasPumpSpec* find_gas(std::string_view name) const;
  std::vector<std::string> gas_names() const;
  // Which kind `name` is, or nothing for a name the catalog does not have.
  std::optional<PumpKind> kind_of(std::string_view name) const;
  // Altitude and depth to pressure, for gas pumps (empty curves when the file has no
  // "environment", which only a file without gas models may leave out).
  const Environment& environment() const { return environment_; }

 private:
  static PumpCatalog read(const JsonValue& root);

  std::vector<PumpModelSpec> models_;
  std::vector<GasPumpSpec> gas_models_;
  Environment environment_;
};

}  // namespace itdd::host
