// The virtual patient's parameters: the population defaults (data/csf-pharmacokinetics.json,
// every figure with its source or an "unconfirmed" note) and a scenario's optional "patient"
// block that overrides any of them for one patient (docs/scenario-format.md, "patient"). Both
// are read through host/text's exact readers; every refusal names its field.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "itdd/host/checked.h"
#include "itdd/host/json_reader.h"
#include "itdd/sim/csf_model.h"

namespace itdd::sim {

// When the model raises a flag (docs/virtual-patient.md, "Risk flags").
struct RiskThresholds {
  // Withdrawal risk: the lumbar level below this share of the prescribed steady state ...
  std::int64_t withdrawal_below_permille = 0;
  // ... for longer than this.
  Duration withdrawal_after{};
  // Overdose risk: the lumbar level above this multiple of the prescribed steady state.
  std::int64_t overdose_above_permille = 0;
};

struct CsfDrug {
  std::string name;
  CsfDrugParams params;
  bool withdrawal_syndrome = false;  // stopping it abruptly is dangerous (opioids, baclofen)
};

// The population defaults.
class CsfCatalog {
 public:
  static host::Checked<CsfCatalog> from_text(std::string_view text);
  static host::Checked<CsfCatalog> load(const std::filesystem::path& file);

  const CsfDrug* find(std::string_view name) const;
  std::vector<std::string> names() const;
  const CsfPhysiology& physiology() const { return physiology_; }
  const RiskThresholds& risk() const { return risk_; }
  // Field -> "source: ..." or "unconfirmed: ...", in file order.
  const std::vector<std::pair<std::string, std::string>>& provenance() const { return provenance_; }

 private:
  static CsfCatalog read(const host::JsonValue& root);

  CsfPhysiology physiology_;
  RiskThresholds risk_;
  std::vector<CsfDrug> drugs_;
  std::vector<std::pair<std::string, std::string>> provenance_;
};

// One drug's figures a scenario overrides; a volume given as a half-life is V = CL t½ / ln 2,
// worked out when the overrides meet the defaults (resolve_patient).
struct CsfDrugOverride {
  std::string name;
  std::string path;  // "patient.drugs.morphine"
  std::optional<std::int64_t> clearance_nl_per_min;
  std::optional<std::int64_t> volume_nl;
  std::optional<Duration> half_life;
  std::optional<std::int64_t> lumbar_to_cisternal_milli;
};

// A scenario's "patient" block: every figure optional.
struct PatientOverrides {
  std::string path = "patient";
  std::optional<std::int64_t> exchange_nl_per_min;
  std::optional<std::int64_t> lumbar_share_permille;
  std::optional<std::int64_t> withdrawal_below_permille;
  std::optional<Duration> withdrawal_after;
  std::optional<std::int64_t> overdose_above_permille;
  std::vector<CsfDrugOverride> drugs;
};

// Reads the block (only inside a host::read_json callback, as the scenario reader is).
PatientOverrides read_patient_overrides(const host::JsonValue& block);

// The model for one run: per drug of the scenario, in its order (the sim::DrugIndex).
struct PatientSetup {
  CsfPhysiology physiology;
  RiskThresholds risk;
  std::vector<CsfDrug> drugs;
};

// The defaults with the patient's figures over them, for the scenario's drugs. Refused, with
// the field: a drug the catalog does not know (in the block, or one the scenario gives), and a
// clearance too small for its lumbar : cisternal ratio and the exchange flow.
host::Checked<PatientSetup> resolve_patient(const PatientOverrides& overrides,
                                            const CsfCatalog& catalog,
                                            const std::vector<std::string>& scenario_drugs);

}  // namespace itdd::sim
