#include "itdd/sim/patient_summary.h"

#include <fmt/format.h>

namespace itdd::sim {
namespace {

using nlohmann::json;

constexpr const char* kLabel =
    "model outputs of a population pharmacokinetic model (docs/virtual-patient.md), not "
    "measurements: concentrations in the spinal fluid and risk flags to look into, never a "
    "diagnosis";

// Exact "ng/mL" text from pg/mL.
std::string ng_per_ml(std::int64_t pg) {
  return fmt::format("{}.{:03d}", pg / 1000, pg % 1000);
}
double ng_per_ml_number(std::int64_t pg) {
  return static_cast<double>(pg) / 1000.0;
}
double per_thousand(std::int64_t v) {
  return static_cast<double>(v) / 1000.0;
}
double ml(std::int64_t nl) {
  return static_cast<double>(nl) / 1e6;
}
double hours_of(Duration d) {
  return static_cast<double>(d.count()) / kMillisPerHour;
}
// Drug in the drug's unit from femtograms / nanograms.
double in_unit_fg(std::int64_t fg, const std::string& unit) {
  return static_cast<double>(fg) / 1e6 / (unit == "mcg" ? 1e3 : 1e6);
}
double in_unit_ng(std::int64_t ng, const std::string& unit) {
  return static_cast<double>(ng) / (unit == "mcg" ? 1e3 : 1e6);
}

std::string flag_text(const PatientReport& r, const RiskFlag& f,
                      const std::function<std::string(ImplantTime)>& time_of,
                      const std::vector<std::string>& unit_of) {
  const CsfDrugReport& d = r.drugs[f.drug];
  const std::string& unit = unit_of[f.drug];
  switch (f.kind) {
    case RiskKind::kWithdrawal:
      return fmt::format(
          "WITHDRAWAL RISK ({}): lumbar level (hourly mean) below {:g} % of the steady state {} "
          "ng/mL from {}, flagged after more than {:g} h at {}, lowest {} ng/mL, {}",
          d.drug.name, per_thousand(r.risk.withdrawal_below_permille) * 100,
          ng_per_ml(f.steady_state_pg_per_ml), time_of(f.began), hours_of(r.risk.withdrawal_after),
          time_of(f.flagged), ng_per_ml(f.extreme_pg_per_ml),
          f.ended.is_never() ? std::string("still below at the end")
                             : "back above at " + time_of(f.ended));
    case RiskKind::kOverdose:
      return fmt::format(
          "OVERDOSE RISK ({}): lumbar level (hourly mean) above {:g} times the steady state {} "
          "ng/mL in the hour to {}, highest {} ng/mL, {}",
          d.drug.name, per_thousand(r.risk.overdose_above_permille),
          ng_per_ml(f.steady_state_pg_per_ml), time_of(f.began), ng_per_ml(f.extreme_pg_per_ml),
          f.ended.is_never() ? std::string("still above at the end")
                             : "back below at " + time_of(f.ended));
    case RiskKind::kPocketFill:
      return fmt::format(
          "POCKET FILL ({}): {:.3f} {} went into the tissue pocket at {} and reaches the blood, "
          "not the spinal fluid (systemic overdose risk, not modelled here){}",
          d.drug.name, in_unit_fg(f.pocket_fg, unit), unit, time_of(f.began),
          f.prescribed_ng_per_day > 0
              ? fmt::format(": {:.1f} days of the prescribed {:.3f} {}/day",
                            static_cast<double>(f.pocket_fg) / 1e6 /
                                static_cast<double>(f.prescribed_ng_per_day),
                            in_unit_ng(f.prescribed_ng_per_day, unit), unit)
              : std::string());
  }
  return {};
}

}  // namespace

std::vector<std::string> patient_text(const PatientReport& r,
                                      const std::function<std::string(ImplantTime)>& time_of,
                                      const std::vector<std::string>& unit_of) {
  std::vector<std::string> out;
  out.push_back("Virtual patient: " + std::string(kLabel));
  out.push_back(fmt::format(
      "  CSF exchange flow {:g} mL/min, lumbar share {:g} %; flags: withdrawal below {:g} % of "
      "the steady state for more than {:g} h, overdose above {:g} times",
      ml(r.physiology.exchange_nl_per_min), per_thousand(r.physiology.lumbar_share_permille) * 100,
      per_thousand(r.risk.withdrawal_below_permille) * 100, hours_of(r.risk.withdrawal_after),
      per_thousand(r.risk.overdose_above_permille)));
  for (const CsfDrugReport& d : r.drugs) {
    const CsfCompartments& c = d.compartments;
    out.push_back(fmt::format(
        "  {}: CL {:g} mL/min, Vss {:g} mL, lumbar : cisternal {:g} (lumbar {:.1f} mL cleared "
        "{:.3f} mL/min, cisternal {:.1f} mL cleared {:.3f} mL/min), terminal half-life {:.0f} min",
        d.drug.name, ml(d.drug.params.clearance_nl_per_min), ml(d.drug.params.volume_nl),
        per_thousand(d.drug.params.lumbar_to_cisternal_milli), c.lumbar_volume_ml,
        c.lumbar_clearance_ml_per_min, c.cisternal_volume_ml, c.cisternal_clearance_ml_per_min,
        c.terminal_half_life_min));
    out.push_back(fmt::format(
        "    steady state {} ng/mL lumbar (of the last prescription of it); highest hourly mean "
        "{} ng/mL (hour to {}), peak {} ng/mL just after a stroke; at the end {} ng/mL lumbar, "
        "{} ng/mL cisternal",
        ng_per_ml(d.steady_state_pg_per_ml), ng_per_ml(d.highest_pg_per_ml), time_of(d.highest_at),
        ng_per_ml(d.peak_pg_per_ml), ng_per_ml(d.lumbar_pg_per_ml_at_end),
        ng_per_ml(d.cisternal_pg_per_ml_at_end)));
  }
  if (r.flags.empty()) {
    out.push_back("  risk flags: none");
  } else {
    for (const RiskFlag& f : r.flags) out.push_back("  " + flag_text(r, f, time_of, unit_of));
  }
  return out;
}

json patient_json(const PatientReport& r, const std::function<json(ImplantTime)>& time_of,
                  const std::vector<std::string>& unit_of) {
  json doc;
  doc["label"] = kLabel;
  doc["step_s"] = kCsfStep.count() / kMillisPerSecond;
  doc["csf"] = {{"exchange_flow_ml_per_min", ml(r.physiology.exchange_nl_per_min)},
                {"lumbar_share_percent", per_thousand(r.physiology.lumbar_share_permille) * 100}};
  doc["thresholds"] = {
      {"withdrawal_below_percent", per_thousand(r.risk.withdrawal_below_permille) * 100},
      {"withdrawal_after_hours", hours_of(r.risk.withdrawal_after)},
      {"overdose_above_times", per_thousand(r.risk.overdose_above_permille)}};
  json drugs = json::array();
  for (const CsfDrugReport& d : r.drugs) {
    const CsfCompartments& c = d.compartments;
    drugs.push_back(
        {{"drug", d.drug.name},
         {"clearance_ml_per_min", ml(d.drug.params.clearance_nl_per_min)},
         {"volume_ml", ml(d.drug.params.volume_nl)},
         {"lumbar_to_cisternal", per_thousand(d.drug.params.lumbar_to_cisternal_milli)},
         {"lumbar_volume_ml", c.lumbar_volume_ml},
         {"cisternal_volume_ml", c.cisternal_volume_ml},
         {"lumbar_clearance_ml_per_min", c.lumbar_clearance_ml_per_min},
         {"cisternal_clearance_ml_per_min", c.cisternal_clearance_ml_per_min},
         {"terminal_half_life_min", c.terminal_half_life_min},
         {"withdrawal_syndrome", d.drug.withdrawal_syndrome},
         {"prescribed_per_day", in_unit_ng(d.prescribed_ng_per_day, unit_of[&d - r.drugs.data()])},
         {"unit", unit_of[&d - r.drugs.data()]},
         {"steady_state_ng_per_ml", ng_per_ml_number(d.steady_state_pg_per_ml)},
         {"highest_ng_per_ml", ng_per_ml_number(d.highest_pg_per_ml)},
         {"highest_at", time_of(d.highest_at)},
         {"peak_ng_per_ml", ng_per_ml_number(d.peak_pg_per_ml)},
         {"peak_at", time_of(d.peak_at)},
         {"lumbar_ng_per_ml_at_end", ng_per_ml_number(d.lumbar_pg_per_ml_at_end)},
         {"cisternal_ng_per_ml_at_end", ng_per_ml_number(d.cisternal_pg_per_ml_at_end)},
         {"mass_balance_fg",
          {{"entered", d.entered_fg},
           {"cleared", d.cleared_fg},
           {"lumbar", d.lumbar_fg_at_end},
           {"cisternal", d.cisternal_fg_at_end}}}});
  }
  doc["drugs"] = std::move(drugs);
  json flags = json::array();
  for (const RiskFlag& f : r.flags) {
    json j = {{"kind", risk_name(f.kind)},
              {"drug", r.drugs[f.drug].drug.name},
              {"began", time_of(f.began)},
              {"flagged", time_of(f.flagged)},
              {"ended", time_of(f.ended)},
              {"steady_state_ng_per_ml", ng_per_ml_number(f.steady_state_pg_per_ml)}};
    if (f.kind == RiskKind::kPocketFill) {
      j["pocket_drug"] = in_unit_fg(f.pocket_fg, unit_of[f.drug]);
      j["unit"] = unit_of[f.drug];
    } else {
      j[f.kind == RiskKind::kWithdrawal ? "lowest_ng_per_ml" : "highest_ng_per_ml"] =
          ng_per_ml_number(f.extreme_pg_per_ml);
      if (f.kind == RiskKind::kWithdrawal) {
        j["hours_from_fall_to_flag"] = hours_of(f.flagged - f.began);
      }
    }
    flags.push_back(std::move(j));
  }
  doc["risk_flags"] = std::move(flags);
  return doc;
}

std::string patient_csv_header(const PatientReport& r) {
  std::string out;
  for (const CsfDrugReport& d : r.drugs) {
    out += fmt::format(",{0}_lumbar_ng_per_ml,{0}_cisternal_ng_per_ml", d.drug.name);
  }
  return out;
}

std::string patient_csv_row(const PatientReport& r, std::size_t hour) {
  std::string out;
  const std::size_t n = r.drugs.size();
  for (std::size_t d = 0; d < n; ++d) {
    const std::size_t i = hour * n + d;
    if (i >= r.hourly_lumbar_pg_per_ml.size()) return out;
    out += ',' + ng_per_ml(r.hourly_lumbar_pg_per_ml[i]) + ',' +
           ng_per_ml(r.hourly_cisternal_pg_per_ml[i]);
  }
  return out;
}

}  // namespace itdd::sim
