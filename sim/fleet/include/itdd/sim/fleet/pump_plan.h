// One pump of a campaign as a scenario file (docs/scenario-format.md): its model, drug, dose,
// catheter and patient drawn from the population, its refills from the clinic's practice, its
// faults from their rates, all from the pump's own stream (pump_stream.h). The text is what runs
// and what a broken invariant's replay file holds, so `itdd sim run` on it runs the same pump.
#pragma once

#include <cstdint>
#include <string>

#include "itdd/host/pump_catalog.h"
#include "itdd/sim/fleet/campaign.h"
#include "itdd/sim/patient_params.h"

namespace itdd::sim::fleet {

struct PumpPlan {
  std::int64_t index = 0;
  std::size_t model = 0;  // in Population::models
  std::size_t drug = 0;   // in Population::drugs
  bool gas = false;
  bool patient = false;
  std::int64_t refills = 0;
  std::int64_t pocket_fills = 0;
  std::int64_t runaway_faults = 0;
  std::int64_t stall_faults = 0;
  std::int64_t occlusion_faults = 0;
  std::int64_t cell_faults = 0;
  std::int64_t drift_faults = 0;
  std::int64_t power_cuts = 0;
  std::string scenario_json;  // a complete scenario file
};

PumpPlan plan_pump(const Campaign& campaign, std::size_t practice, std::int64_t index,
                   const host::PumpCatalog& models, const CsfCatalog& csf);

}  // namespace itdd::sim::fleet
