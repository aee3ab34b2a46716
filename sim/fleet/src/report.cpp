// The campaign's report: per practice, counts and rates per 1,000 pump-years with exact Poisson
// (Garwood) 95 % intervals, the lists of pumps that broke an invariant, and their replay files.
// Computed from the outcomes sorted by item only, so it is the same bytes however they were run.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "itdd/sim/fleet/fleet.h"
#include "itdd/sim/fleet/pump_plan.h"

namespace itdd::sim::fleet {
namespace {

using Json = nlohmann::ordered_json;

struct Metric {
  const char* key;
  const char* label;  // for people
  std::int64_t count = 0;
  bool rate = true;  // a count of events: a rate with its interval
};

struct Listed {
  std::int64_t pump;
  std::int64_t broken;
  std::int64_t eri_minute;
  std::int64_t eos_minute;
};

struct PracticeTotals {
  std::int64_t pumps = 0;
  std::int64_t gas = 0;
  std::int64_t patients = 0;
  std::vector<Metric> metrics;
  std::int64_t pocket_catch_minutes = 0;
  std::int64_t withdrawal_minutes = 0;
  std::vector<Listed> broken;     // every pump with an invariant bit
  std::vector<Listed> eri_under;  // ERI lead under 90 days
};

PracticeTotals totals(const std::vector<PumpOutcome>& all, std::int64_t practice) {
  PracticeTotals t;
  PumpOutcome sum;
  std::int64_t eri = 0, eos = 0, dry_without = 0, refill_checks = 0;
  for (const PumpOutcome& o : all) {
    if (o.practice != practice) continue;
    ++t.pumps;
    t.gas += o.gas;
    t.patients += o.patient;
    sum.refills += o.refills;
    sum.dry_fills += o.dry_fills;
    sum.dry_with_low_alarm += o.dry_with_low_alarm;
    if (o.gas == 0) dry_without += o.dry_fills - o.dry_with_low_alarm;
    sum.pocket_fills += o.pocket_fills;
    sum.pocket_fills_caught += o.pocket_fills_caught;
    sum.pocket_fills_unchecked += o.pocket_fills_unchecked;
    t.pocket_catch_minutes += o.pocket_catch_minutes;
    refill_checks += o.refill_checks_flagged;
    sum.safety_trips += o.safety_trips;
    sum.runaway_faults += o.runaway_faults;
    sum.stall_faults += o.stall_faults;
    sum.stall_alarms += o.stall_alarms;
    sum.occlusion_faults += o.occlusion_faults;
    sum.occlusion_alarms += o.occlusion_alarms;
    sum.cell_faults += o.cell_faults;
    sum.drift_faults += o.drift_faults;
    sum.power_cuts += o.power_cuts;
    sum.missed_alarms += o.missed_alarms;
    t.withdrawal_minutes += o.withdrawal_minutes;
    eri += o.eri_minute >= 0 ? 1 : 0;
    eos += o.eos_minute >= 0 ? 1 : 0;
    const Listed l{o.index, o.broken, o.eri_minute, o.eos_minute};
    if (o.broken != 0) t.broken.push_back(l);
    if ((o.broken & kEriLeadUnder90Days) != 0) t.eri_under.push_back(l);
  }
  t.metrics = {
      {"refills", "refills", sum.refills},
      {"reservoir_ran_dry", "reservoir ran dry (fills)", sum.dry_fills},
      {"ran_dry_low_alarm_first", "  of them with the low-reservoir alarm first",
       sum.dry_with_low_alarm},
      {"ran_dry_without_low_alarm", "  programmable pumps dry without it", dry_without},
      {"pocket_fills", "pocket fills", sum.pocket_fills},
      {"pocket_fills_caught", "  caught by the next refill check", sum.pocket_fills_caught},
      {"pocket_fills_unchecked", "  no refill after them in the campaign",
       sum.pocket_fills_unchecked},
      {"refill_checks_flagged", "refill checks needing acknowledgement", refill_checks},
      {"safety_monitor_trips", "safety-monitor trips", sum.safety_trips},
      {"runaway_motor_faults", "  runaway motors injected", sum.runaway_faults},
      {"eri_warnings", "ERI warnings (pumps)", eri},
      {"end_of_service", "end of service (pumps)", eos},
      {"eri_lead_under_90_days", "  EOS less than 90 days after ERI",
       static_cast<std::int64_t>(t.eri_under.size())},
      {"missed_alarms", "missed alarms", sum.missed_alarms},
      {"mri_stalls", "MRI stalls injected", sum.stall_faults},
      {"motor_stall_alarms", "  motor-stall alarms raised", sum.stall_alarms},
      {"occlusions", "occlusions injected", sum.occlusion_faults},
      {"occlusion_alarms", "  occlusion alarms raised", sum.occlusion_alarms},
      {"cell_faults", "battery cell faults injected", sum.cell_faults},
      {"stroke_drifts", "stroke drifts injected", sum.drift_faults},
      {"power_cuts", "power cuts injected", sum.power_cuts},
      {"invariant_breaks", "pumps that broke an invariant",
       static_cast<std::int64_t>(t.broken.size())},
  };
  return t;
}

// A figure in the JSON: a number rounded to the thousandth (as the text and the CSV show it).
Json num(double v) {
  return std::round(v * 1000.0) / 1000.0;
}

std::string three(double v) {
  return fmt::format("{:.3f}", v);
}

std::vector<std::string> broken_names(std::int64_t bits) {
  std::vector<std::string> out;
  if (bits & kDryWithoutLowAlarm) out.emplace_back("dry_without_low_alarm");
  if (bits & kRunawayWithoutTrip) out.emplace_back("runaway_without_trip");
  if (bits & kEndOfServiceWithoutEri) out.emplace_back("end_of_service_without_eri");
  if (bits & kEriLeadUnder90Days) out.emplace_back("eri_lead_under_90_days");
  return out;
}

std::string replay_name(std::int64_t pump, std::size_t practice) {
  return fmt::format("replays/pump-{:06}-practice-{}.json", pump, practice);
}

}  // namespace

host::Checked<void> prepare_report_dir(const std::filesystem::path& dir) {
  const auto refuse = [&](const std::string& what) {
    return host::Refusal("--out", fmt::format("{}: {}", dir.string(), what),
                         host::RefusalKind::kUnavailable);
  };
  std::error_code ec;
  std::filesystem::create_directories(dir / "replays", ec);
  if (ec) return refuse("cannot create the directory");
  {
    // A file written and removed again: a directory it cannot write is found before the run.
    const std::filesystem::path probe = dir / ".itdd-fleet-probe";
    std::ofstream out(probe);
    if (!out) return refuse("cannot write files there");
    out.close();
    std::filesystem::remove(probe, ec);
  }
  for (const auto& e : std::filesystem::directory_iterator(dir / "replays", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("pump-", 0) == 0 && e.path().extension() == ".json") {
      std::filesystem::remove(e.path(), ec);
      if (ec) return refuse("cannot remove the earlier replay " + name);
    }
  }
  if (ec) return refuse("cannot read replays/");
  return {};
}

host::Checked<std::string> write_report(const FleetInputs& in, std::vector<PumpOutcome> outcomes,
                                        const std::filesystem::path& dir) {
  const Campaign& c = in.campaign;
  std::sort(outcomes.begin(), outcomes.end(), [](const PumpOutcome& a, const PumpOutcome& b) {
    return std::pair(a.practice, a.index) < std::pair(b.practice, b.index);
  });
  std::error_code ec;
  std::filesystem::create_directories(dir / "replays", ec);
  if (ec) {
    return host::Refusal("--out", fmt::format("{}: cannot create the directory", dir.string()),
                         host::RefusalKind::kUnavailable);
  }
  const std::int64_t pump_years = c.pumps * c.years;
  const double per_thousand = 1000.0 / static_cast<double>(pump_years);

  Json practices = Json::array();
  std::vector<PracticeTotals> all;
  std::string text = fmt::format(
      "Fleet campaign: {}\n{} pumps x {} years = {} pump-years per practice, seed {}\n"
      "Rates per 1,000 pump-years with exact Poisson (Garwood) 95 % intervals.\n",
      c.name, c.pumps, c.years, pump_years, c.seed);
  for (std::size_t p = 0; p < c.practices.size(); ++p) {
    PracticeTotals t = totals(outcomes, static_cast<std::int64_t>(p));
    Json metrics = Json::object();
    text += fmt::format(
        "\nPractice '{}' (refill every {} days, {} days before the projected "
        "empty): {} pumps ({} gas-driven), {} with a virtual patient\n",
        c.practices[p].name, c.practices[p].refill_interval_days, c.practices[p].refill_margin_days,
        t.pumps, t.gas, t.patients);
    for (const Metric& m : t.metrics) {
      const auto [lo, hi] = garwood_interval(m.count);
      const double rate = static_cast<double>(m.count) * per_thousand;
      metrics[m.key] = Json{{"count", m.count},
                            {"per_1000_pump_years", num(rate)},
                            {"ci95_low", num(lo * per_thousand)},
                            {"ci95_high", num(hi * per_thousand)}};
      text += fmt::format("  {:<46} {:>8}  {:>10} /1000 pump-years  [{} to {}]\n", m.label, m.count,
                          three(rate), three(lo * per_thousand), three(hi * per_thousand));
    }
    const std::int64_t caught =
        std::find_if(t.metrics.begin(), t.metrics.end(), [](const Metric& m) {
          return std::string_view(m.key) == "pocket_fills_caught";
        })->count;
    const double catch_days = caught > 0 ? static_cast<double>(t.pocket_catch_minutes) / 1440.0 /
                                               static_cast<double>(caught)
                                         : 0.0;
    metrics["pocket_fill_mean_days_to_catch"] = caught > 0 ? num(catch_days) : Json(nullptr);
    const double withdrawal_hours = static_cast<double>(t.withdrawal_minutes) / 60.0;
    metrics["withdrawal_risk_hours"] = Json{
        {"hours", num(withdrawal_hours)},
        {"patients_modelled", t.patients},
        {"per_1000_patient_years",
         t.patients > 0 ? num(withdrawal_hours * 1000.0 / static_cast<double>(t.patients * c.years))
                        : Json(nullptr)}};
    text += fmt::format("  pocket fills caught after {} days on average\n",
                        caught > 0 ? three(catch_days) : std::string("-"));
    text += fmt::format("  withdrawal-risk time of the virtual patients: {} h ({} patients)\n",
                        three(withdrawal_hours), t.patients);

    Json broken = Json::array();
    for (const Listed& l : t.broken) {
      const std::string file = replay_name(l.pump, p);
      broken.push_back(
          Json{{"pump", l.pump}, {"invariants", broken_names(l.broken)}, {"replay", file}});
      std::ofstream out(dir / file);
      out << plan_pump(c, p, l.pump, in.models, in.csf).scenario_json;
      if (!out) {
        return host::Refusal("--out", fmt::format("{}: cannot write {}", dir.string(), file),
                             host::RefusalKind::kUnavailable);
      }
      text += fmt::format("  BROKE AN INVARIANT: pump {} ({}): {}\n", l.pump,
                          fmt::join(broken_names(l.broken), ", "), (dir / file).string());
    }
    Json eri_under = Json::array();
    for (const Listed& l : t.eri_under) {
      eri_under.push_back(
          Json{{"pump", l.pump},
               {"eri_day", num(static_cast<double>(l.eri_minute) / 1440.0)},
               {"eos_day", num(static_cast<double>(l.eos_minute) / 1440.0)},
               {"lead_days", num(static_cast<double>(l.eos_minute - l.eri_minute) / 1440.0)}});
    }
    const Practice& pr = c.practices[p];
    practices.push_back(Json{{"name", pr.name},
                             {"refill_interval_days", pr.refill_interval_days},
                             {"refill_margin_days", pr.refill_margin_days},
                             {"pumps", t.pumps},
                             {"gas_driven_pumps", t.gas},
                             {"pump_years", pump_years},
                             {"metrics", metrics},
                             {"eri_lead_under_90_days", eri_under},
                             {"invariant_breaks", broken}});
    all.push_back(std::move(t));
  }

  const Json summary{{"campaign", c.name},
                     {"seed", c.seed},
                     {"pumps", c.pumps},
                     {"years", c.years},
                     {"confidence_interval", "exact Poisson (Garwood), 95 %, per 1,000 pump-years"},
                     {"practices", practices}};
  std::ofstream json(dir / "summary.json");
  json << summary.dump(2) << '\n';

  // Side by side: one group of columns per practice.
  std::ofstream csv(dir / "summary.csv");
  csv << "metric";
  for (const Practice& pr : c.practices) {
    const std::string n = pr.name;
    csv << fmt::format(",{0} count,{0} per 1000 pump-years,{0} ci95 low,{0} ci95 high", n);
  }
  csv << '\n';
  for (std::size_t m = 0; m < all[0].metrics.size(); ++m) {
    csv << all[0].metrics[m].key;
    for (const PracticeTotals& t : all) {
      const auto [lo, hi] = garwood_interval(t.metrics[m].count);
      csv << fmt::format(",{},{},{},{}", t.metrics[m].count,
                         three(static_cast<double>(t.metrics[m].count) * per_thousand),
                         three(lo * per_thousand), three(hi * per_thousand));
    }
    csv << '\n';
  }

  std::ofstream pumps(dir / "pumps.csv");
  pumps << fmt::format("{}\n", fmt::join(outcome_field_names(), ","));
  for (const PumpOutcome& o : outcomes) pumps << fmt::format("{}\n", fmt::join(to_words(o), ","));

  if (!json || !csv || !pumps) {
    return host::Refusal("--out", fmt::format("{}: writing the summary failed", dir.string()),
                         host::RefusalKind::kUnavailable);
  }
  text += fmt::format("\nwrote {0}/summary.json, {0}/summary.csv, {0}/pumps.csv\n", dir.string());
  return text;
}

}  // namespace itdd::sim::fleet
