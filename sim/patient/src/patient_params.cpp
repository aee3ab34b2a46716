#include "itdd/sim/patient_params.h"

#include <fmt/format.h>

#include <cmath>

#include "itdd/host/decimal.h"
#include "itdd/host/figures.h"
#include "itdd/host/json_range.h"

namespace itdd::sim {
namespace {

using host::decimal_in;
using host::JsonObject;
using host::JsonValue;
using host::Range;

constexpr std::int64_t kNlPerMl = 1'000'000;

// The figures' readers, shared by the data file and a scenario's block: each the exact decimal
// of its field in the base unit the model takes, within what the model allows.
std::int64_t exchange_flow(const JsonValue& v) {
  return decimal_in(v, kNlPerMl, Range{0, 10 * kNlPerMl, true, "mL/min", ""});
}
std::int64_t share_permille(const JsonValue& v, std::int64_t max_permille) {
  return decimal_in(v, 10, Range{0, max_permille, true, "%", ""});
}
Duration hours_of(const JsonValue& v) {
  // Thousandths of an hour (3.6 s).
  return Duration(decimal_in(v, 1000, Range{0, 720'000, true, "hours", ""}) *
                  (kMillisPerHour / 1000));
}
std::int64_t overdose_multiple(const JsonValue& v) {
  return decimal_in(v, 1000, Range{1000, 100'000, true, "times the steady state", ""});
}
std::int64_t clearance(const JsonValue& v) {
  return decimal_in(v, kNlPerMl, Range{0, 100 * kNlPerMl, true, "mL/min", ""});
}
std::int64_t volume(const JsonValue& v) {
  return decimal_in(v, kNlPerMl, Range{0, 1000 * kNlPerMl, true, "mL", ""});
}
Duration half_life(const JsonValue& v) {
  // Thousandths of a minute (60 ms), up to a week.
  return Duration(decimal_in(v, 1000, Range{0, 7 * 24 * 60 * 1000, true, "min", ""}) *
                  (kMillisPerMinute / 1000));
}
std::int64_t ratio_milli(const JsonValue& v) {
  return decimal_in(v, 1000, Range{1000, 100'000, false, "", ""});
}

// V = CL t½ / ln 2, rounded down to the nL (worked out once, in double).
std::int64_t volume_from_half_life(std::int64_t clearance_nl_per_min, Duration t_half) {
  const double minutes = static_cast<double>(t_half.count()) / kMillisPerMinute;
  return static_cast<std::int64_t>(
      std::floor(static_cast<double>(clearance_nl_per_min) * minutes / std::log(2.0)));
}

std::string ml_text(std::int64_t nl) {
  return host::format_decimal(nl, kNlPerMl) + " mL";
}

// "clearance 0.1 mL/min is too small ...": CL_L = CL - Q (R - 1) / R must not be negative.
std::string too_small_clearance(const CsfDrugParams& d, const CsfPhysiology& csf) {
  return fmt::format(
      "a clearance of {}/min is too small for a lumbar : cisternal ratio of {} with an exchange "
      "flow of {}/min: at least {}/min (below it the lumbar compartment's own clearance would "
      "be negative)",
      ml_text(d.clearance_nl_per_min), host::format_decimal(d.lumbar_to_cisternal_milli, 1000),
      ml_text(csf.exchange_nl_per_min), ml_text(minimum_clearance_nl_per_min(d, csf)));
}

std::string joined(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

// ---- the data file -------------------------------------------------------------------------

CsfCatalog CsfCatalog::read(const JsonValue& root) {
  const JsonObject top = root.object({"format", "version", "notes", "csf", "risk", "drugs"});
  if (top.string("format") != "itdd-csf-pharmacokinetics") {
    top.required("format").refuse("must be \"itdd-csf-pharmacokinetics\"");
  }
  if (top.whole("version") != 1) top.required("version").refuse("must be 1");
  if (top.has("notes")) (void)top.required("notes").string_or_empty();
  CsfCatalog c;
  auto figure = [&c](const JsonValue& v) {
    host::FigureReading f = host::read_figure(v);
    c.provenance_.emplace_back(v.path(), f.note.label());
    return f.value;
  };
  const JsonObject csf =
      top.required("csf").object({"exchange_flow_ml_per_min", "lumbar_share_percent"});
  c.physiology_.exchange_nl_per_min =
      exchange_flow(figure(csf.required("exchange_flow_ml_per_min")));
  c.physiology_.lumbar_share_permille =
      share_permille(figure(csf.required("lumbar_share_percent")), 999);
  const JsonObject risk = top.required("risk").object(
      {"withdrawal_below_percent", "withdrawal_after_hours", "overdose_above_times"});
  c.risk_.withdrawal_below_permille =
      share_permille(figure(risk.required("withdrawal_below_percent")), 1000);
  c.risk_.withdrawal_after = hours_of(figure(risk.required("withdrawal_after_hours")));
  c.risk_.overdose_above_permille =
      overdose_multiple(figure(risk.required("overdose_above_times")));

  for (const auto& [name, value] : top.required("drugs").members()) {
    const JsonObject d = value.object({"clearance_ml_per_min", "volume_ml", "half_life_min",
                                       "lumbar_to_cisternal", "withdrawal_syndrome"});
    CsfDrug drug;
    drug.name = name;
    drug.params.clearance_nl_per_min = clearance(figure(d.required("clearance_ml_per_min")));
    if (d.has("volume_ml") == d.has("half_life_min")) {
      d.refuse("give either \"volume_ml\" or \"half_life_min\"");
    }
    drug.params.volume_nl =
        d.has("volume_ml") ? volume(figure(d.required("volume_ml")))
                           : volume_from_half_life(drug.params.clearance_nl_per_min,
                                                   half_life(figure(d.required("half_life_min"))));
    drug.params.lumbar_to_cisternal_milli = ratio_milli(figure(d.required("lumbar_to_cisternal")));
    drug.withdrawal_syndrome = figure(d.required("withdrawal_syndrome")).boolean();
    if (drug.params.clearance_nl_per_min <
        minimum_clearance_nl_per_min(drug.params, c.physiology_)) {
      d.required("clearance_ml_per_min").refuse(too_small_clearance(drug.params, c.physiology_));
    }
    c.drugs_.push_back(std::move(drug));
  }
  if (c.drugs_.empty()) top.required("drugs").refuse("must list at least one drug");
  return c;
}

host::Checked<CsfCatalog> CsfCatalog::from_text(std::string_view text) {
  return host::read_json(text, [](const JsonValue& root) { return read(root); });
}

host::Checked<CsfCatalog> CsfCatalog::load(const std::filesystem::path& file) {
  return host::read_json_file(file, [](const JsonValue& root) { return read(root); });
}

const CsfDrug* CsfCatalog::find(std::string_view name) const {
  for (const CsfDrug& d : drugs_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::vector<std::string> CsfCatalog::names() const {
  std::vector<std::string> out;
  for (const CsfDrug& d : drugs_) out.push_back(d.name);
  return out;
}

// ---- a scenario's block --------------------------------------------------------------------

PatientOverrides read_patient_overrides(const JsonValue& block) {
  const JsonObject r =
      block.object({"exchange_flow_ml_per_min", "lumbar_share_percent", "withdrawal_below_percent",
                    "withdrawal_after_hours", "overdose_above_times", "drugs"});
  PatientOverrides o;
  o.path = block.path();
  if (auto v = r.optional("exchange_flow_ml_per_min")) o.exchange_nl_per_min = exchange_flow(*v);
  if (auto v = r.optional("lumbar_share_percent"))
    o.lumbar_share_permille = share_permille(*v, 999);
  if (auto v = r.optional("withdrawal_below_percent")) {
    o.withdrawal_below_permille = share_permille(*v, 1000);
  }
  if (auto v = r.optional("withdrawal_after_hours")) o.withdrawal_after = hours_of(*v);
  if (auto v = r.optional("overdose_above_times"))
    o.overdose_above_permille = overdose_multiple(*v);
  if (auto drugs = r.optional("drugs")) {
    for (const auto& [name, value] : drugs->members()) {
      const JsonObject d = value.object(
          {"clearance_ml_per_min", "volume_ml", "half_life_min", "lumbar_to_cisternal"});
      CsfDrugOverride drug;
      drug.name = name;
      drug.path = value.path();
      if (auto v = d.optional("clearance_ml_per_min")) drug.clearance_nl_per_min = clearance(*v);
      if (d.has("volume_ml") && d.has("half_life_min")) {
        d.refuse("give \"volume_ml\" or \"half_life_min\", not both");
      }
      if (auto v = d.optional("volume_ml")) drug.volume_nl = volume(*v);
      if (auto v = d.optional("half_life_min")) drug.half_life = half_life(*v);
      if (auto v = d.optional("lumbar_to_cisternal"))
        drug.lumbar_to_cisternal_milli = ratio_milli(*v);
      o.drugs.push_back(std::move(drug));
    }
  }
  return o;
}

host::Checked<PatientSetup> resolve_patient(const PatientOverrides& o, const CsfCatalog& catalog,
                                            const std::vector<std::string>& scenario_drugs) {
  PatientSetup setup;
  setup.physiology = catalog.physiology();
  setup.risk = catalog.risk();
  if (o.exchange_nl_per_min) setup.physiology.exchange_nl_per_min = *o.exchange_nl_per_min;
  if (o.lumbar_share_permille) setup.physiology.lumbar_share_permille = *o.lumbar_share_permille;
  if (o.withdrawal_below_permille)
    setup.risk.withdrawal_below_permille = *o.withdrawal_below_permille;
  if (o.withdrawal_after) setup.risk.withdrawal_after = *o.withdrawal_after;
  if (o.overdose_above_permille) setup.risk.overdose_above_permille = *o.overdose_above_permille;

  for (const CsfDrugOverride& d : o.drugs) {
    if (catalog.find(d.name) == nullptr) {
      return host::Refusal{d.path, fmt::format("no CSF pharmacokinetics for \"{}\" (known: {})",
                                               d.name, joined(catalog.names()))};
    }
  }
  for (const std::string& name : scenario_drugs) {
    const CsfDrug* known = catalog.find(name);
    if (known == nullptr) {
      return host::Refusal{
          o.path, fmt::format("the virtual patient has no CSF pharmacokinetics for the scenario's "
                              "drug \"{}\" (known: {}); remove the block to run without it",
                              name, joined(catalog.names()))};
    }
    CsfDrug drug = *known;
    std::string where = o.path;
    for (const CsfDrugOverride& d : o.drugs) {
      if (d.name != name) continue;
      where = d.path;
      if (d.clearance_nl_per_min) drug.params.clearance_nl_per_min = *d.clearance_nl_per_min;
      if (d.volume_nl) drug.params.volume_nl = *d.volume_nl;
      if (d.half_life) {
        drug.params.volume_nl =
            volume_from_half_life(drug.params.clearance_nl_per_min, *d.half_life);
      }
      if (d.lumbar_to_cisternal_milli) {
        drug.params.lumbar_to_cisternal_milli = *d.lumbar_to_cisternal_milli;
      }
    }
    if (lumbar_volume_nl(drug.params, setup.physiology) <= 0 ||
        cisternal_volume_nl(drug.params, setup.physiology) <= 0) {
      return host::Refusal{where, fmt::format("a CSF volume of {} is too small to split into a "
                                              "lumbar and a cisternal compartment",
                                              ml_text(drug.params.volume_nl))};
    }
    if (drug.params.clearance_nl_per_min <
        minimum_clearance_nl_per_min(drug.params, setup.physiology)) {
      return host::Refusal{where, too_small_clearance(drug.params, setup.physiology)};
    }
    setup.drugs.push_back(std::move(drug));
  }
  return setup;
}

}  // namespace itdd::sim
