// A campaign's work and its report. The work is the list of items pump x practice (item =
// practice x pumps + pump); any subset runs anywhere (a rank takes every N-th), the outcomes
// are merged sorted by item, and the report is computed from that sorted list alone: the same
// bytes for any number of ranks and any order.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "itdd/host/checked.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/sim/fleet/campaign.h"
#include "itdd/sim/fleet/outcome.h"
#include "itdd/sim/patient_params.h"

namespace itdd::sim::fleet {

struct FleetInputs {
  const Campaign& campaign;
  const host::PumpCatalog& models;
  const CsfCatalog& csf;
  std::int64_t items() const {
    return campaign.pumps * static_cast<std::int64_t>(campaign.practices.size());
  }
};

// A campaign file with the pump models and the CSF population it is read against.
struct LoadedCampaign {
  host::PumpCatalog models;
  CsfCatalog csf;
  Campaign campaign;
  FleetInputs inputs() const { return FleetInputs{campaign, models, csf}; }
};
// Reads the three files; a refusal's field starts with the file it is in
// ("c.json: faults.mri_stall.per_pump_year").
host::Checked<LoadedCampaign> load_campaign(const std::filesystem::path& campaign_file,
                                            const std::filesystem::path& models_file,
                                            const std::filesystem::path& csf_file);

// Plans and runs item `item`.
PumpOutcome run_item(const FleetInputs& in, std::int64_t item);

// Runs items first, first + step, ... (a rank's share: first = rank, step = ranks), calling
// `after_each` after each.
std::vector<PumpOutcome> run_items(const FleetInputs& in, std::int64_t first, std::int64_t step,
                                   const std::function<void()>& after_each = {});

// Exact Poisson (Garwood) confidence interval of a count's mean: chi-square quantiles
// chi2(a/2, 2k)/2 and chi2(1 - a/2, 2k + 2)/2, found by bisection on the Poisson distribution.
std::pair<double, double> garwood_interval(std::int64_t count, double confidence = 0.95);

// Before anything runs: creates DIR and DIR/replays, checks a file can be written there, and
// removes the replay files (replays/pump-*.json) an earlier campaign left, so that the directory
// holds this campaign's alone. The refusal of a directory it cannot use.
host::Checked<void> prepare_report_dir(const std::filesystem::path& dir);

// Writes DIR/summary.json, DIR/summary.csv (one column group per practice, side by side),
// DIR/pumps.csv (one line per item) and DIR/replays/*.json (each pump that broke an invariant,
// its scenario alone); `outcomes` in any order, one per item. Returns the human summary (units
// beside every number), or the refusal of a directory it cannot write.
host::Checked<std::string> write_report(const FleetInputs& in, std::vector<PumpOutcome> outcomes,
                                        const std::filesystem::path& dir);

// Progress on stderr: items done, pump-years per second, time left; at most once a second and
// at the end.
class Progress {
 public:
  explicit Progress(const FleetInputs& in);
  void update(std::int64_t done);

 private:
  std::int64_t total_;
  double years_per_item_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace itdd::sim::fleet
