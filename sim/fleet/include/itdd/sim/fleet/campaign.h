// A fleet campaign (docs/fleet.md): a population of pumps, one or two clinic practices, fault
// rates, how many pumps for how many years, and the seed every pump's random stream is keyed by.
// Read through host/text's JSON reader: unknown keys, negative rates, probabilities above 1,
// shares that do not add up to 1, zero pumps, a drug whose doses a pump model cannot give are
// refused with the field's path; nothing runs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/sim/patient_params.h"

namespace itdd::sim::fleet {

// Probabilities and shares are read exactly to the billionth.
inline constexpr std::int64_t kProbabilityScale = 1'000'000'000;
// Rates per pump-year are read exactly to the millionth.
inline constexpr std::int64_t kRateScale = 1'000'000;
// A rate is drawn as at most one event a day (docs/fleet.md: a Bernoulli day per event), so it
// is capped where that stays close to a Poisson process: 36.5 a pump-year, 0.1 a day.
inline constexpr std::int64_t kMaxRatePerPumpYear = 36'500'000;  // at kRateScale

// A whole-number range, both ends included, in the field's base unit.
struct Span {
  std::int64_t min = 0;
  std::int64_t max = 0;
};

struct ModelShare {
  std::string model;
  bool gas = false;        // a fixed-rate gas-driven model
  std::int64_t share = 0;  // at kProbabilityScale
};

struct DrugMix {
  std::string name;
  DoseUnit unit = DoseUnit::kMilligram;
  std::int64_t share = 0;                    // at kProbabilityScale
  std::vector<std::int64_t> concentrations;  // ng/mL, one drawn with equal chance
  Span dose_ng_per_day;                      // drawn uniformly, to the ng
};

struct Population {
  std::vector<ModelShare> models;
  std::vector<DrugMix> drugs;
  Span catheter_length_mm;
  std::int64_t catheter_nl_per_cm = 2'600;
  std::int64_t stroke_variability_milli_percent = 0;  // thousandths of a percent
  // The virtual patient: the share of pumps that model one, and the spread of each patient's
  // drug volume of distribution around the population's (its terminal half-life with it).
  std::int64_t patient_share = 0;  // at kProbabilityScale
  std::int64_t patient_volume_variability_percent = 0;
};

struct Practice {
  std::string name;
  std::int64_t refill_interval_days = 90;
  std::int64_t refill_margin_days = 7;  // refill this many days before the projected empty
  std::int64_t late_probability = 0;    // at kProbabilityScale, per refill
  std::int64_t late_max_days = 0;       // a late patient comes 1 to this many days late
  // Acknowledgement: on hearing the low-reservoir alarm, the patient calls and is refilled
  // within 0 to `respond_max_days` days, with this probability.
  std::int64_t respond_probability = 0;
  std::int64_t respond_max_days = 0;
};

// A fault that strikes at a rate per pump-year (a Bernoulli trial each day), with its
// parameters drawn uniformly from their spans.
struct FaultRate {
  std::int64_t per_pump_year = 0;  // at kRateScale
  Span a;                          // the first parameter (percent, load, strokes per hour, ...)
  Span minutes;                    // its length, where it has one
};

struct Faults {
  FaultRate stroke_drift;                   // a: percent of the nominal stroke (50-200)
  FaultRate mri_stall;                      // minutes
  FaultRate occlusion;                      // a: load percent (100-250); minutes
  FaultRate cell_fault;                     // a: capacity lost, percent (1-100)
  FaultRate power_cut;                      // minutes
  FaultRate runaway_motor;                  // a: strokes per hour; minutes
  std::int64_t pocket_fill_per_refill = 0;  // at kProbabilityScale
  Span pocket_fill_percent_of_refill{10, 10};
};

struct Campaign {
  std::string name;
  std::uint64_t seed = 0;
  std::int64_t pumps = 0;
  std::int64_t years = 0;
  std::string start;  // "YYYY-MM-DDTHH:MM", as a scenario writes it
  Population population;
  std::vector<Practice> practices;  // one, or two side by side (comparison mode)
  Faults faults;

  Duration duration() const { return days(365) * years + hours(6) * years; }  // 365.25 d a year
};

// Reads a campaign against the pump models (names, kinds, rates and catheters) and the virtual
// patient's population (drug names), refusing the first problem with its path.
host::Checked<Campaign> parse_campaign_text(std::string_view text, const host::PumpCatalog& models,
                                            const CsfCatalog& csf);
host::Checked<Campaign> load_campaign_file(const std::filesystem::path& file,
                                           const host::PumpCatalog& models, const CsfCatalog& csf);

}  // namespace itdd::sim::fleet
