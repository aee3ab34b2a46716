// The pump catalog's reading of what is particular to gas-driven pumps (pump_catalog.cpp calls
// it): a model's kind, a gas model's figures and the environment. Only inside read_json.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "itdd/host/gas_pump_spec.h"
#include "itdd/host/json_reader.h"
#include "itdd/host/pump_catalog.h"

namespace itdd::host {

// The model's "kind" (absent: peristaltic); any other text is refused at "<model>.kind".
PumpKind model_kind(const JsonValue& model);
GasPumpSpec read_gas_model(const JsonValue& model, const std::string& name);
Environment read_environment(const JsonValue& environment);
// A model's MR conditions: a sentence for people (printed on the implant ID card), 10 to 600
// bytes, refused otherwise at its path.
std::string mr_conditions_text(const JsonValue& value);

// The catheters a model (of either kind) is implanted with, as the file gives them: lengths in
// cm to the mm (one decimal), volumes in mL to the nL, each maximum at least its minimum; each
// figure's source or "unconfirmed" note appended to `out`.
struct CatheterRange {
  std::int64_t min_length_mm = 0;
  std::int64_t max_length_mm = 0;
  Volume min_volume{};
  Volume max_volume{};
};
CatheterRange read_catheter_range(const JsonObject& model,
                                  std::vector<std::pair<std::string, std::string>>& out);

}  // namespace itdd::host
