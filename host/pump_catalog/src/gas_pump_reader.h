// The pump catalog's reading of what is particular to gas-driven pumps (pump_catalog.cpp calls
// it): a model's kind, a gas model's figures and the environment. Only inside read_json.
#pragma once

#include <string>

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

}  // namespace itdd::host
