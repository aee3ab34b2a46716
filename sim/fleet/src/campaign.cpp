#include "itdd/sim/fleet/campaign.h"

#include <fmt/format.h>

#include "itdd/host/decimal.h"
#include "itdd/host/json_range.h"
#include "itdd/host/wall_time.h"
#include "wide.h"

namespace itdd::sim::fleet {
namespace {

using host::JsonObject;
using host::JsonValue;
using host::Range;

constexpr std::int64_t kMaxPumps = 100'000'000;
constexpr std::int64_t kMaxYears = 20;  // a scenario's longest run

std::int64_t probability(const JsonValue& v) {
  return host::decimal_in(v, kProbabilityScale,
                          Range{0, kProbabilityScale, false, "", "a probability: 1 is certain"});
}

std::int64_t rate(const JsonValue& v) {
  return host::decimal_in(v, kRateScale,
                          Range{0, kMaxRatePerPumpYear, false, "per pump-year",
                                "one event a day at most, drawn as a daily chance of 0.1"});
}

// {"min": a, "max": b} as whole counts at `scale`, each within `range`, min <= max.
Span span(const JsonValue& v, std::int64_t scale, const Range& range) {
  const JsonObject o = v.object({"min", "max"});
  Span s{host::decimal_in(o.required("min"), scale, range),
         host::decimal_in(o.required("max"), scale, range)};
  if (s.max < s.min) o.required("max").refuse("must be at least min");
  return s;
}

FaultRate fault(const JsonObject& faults, std::string_view key, const char* a_key,
                const Range& a_range, bool has_minutes, const Range& minutes_range) {
  FaultRate f;
  const std::optional<JsonValue> v = faults.optional(key);
  if (!v) return f;
  std::vector<std::string_view> keys{"per_pump_year"};
  if (a_key != nullptr) keys.push_back(a_key);
  if (has_minutes) keys.push_back("minutes");
  const JsonObject o = v->object(keys);
  f.per_pump_year = rate(o.required("per_pump_year"));
  if (a_key != nullptr) f.a = span(o.required(a_key), 1, a_range);
  if (has_minutes) f.minutes = span(o.required("minutes"), 1, minutes_range);
  return f;
}

void check_shares(const JsonValue& list, std::int64_t sum) {
  if (sum != kProbabilityScale) {
    list.refuse(fmt::format("the shares add up to {}, they must add up to 1",
                            host::format_decimal(sum, kProbabilityScale)));
  }
}

Practice read_practice(const JsonValue& v) {
  const JsonObject o = v.object(
      {"name", "refill_interval_days", "refill_margin_days", "late", "low_alarm_response"});
  Practice p;
  p.name = o.string("name");
  p.refill_interval_days =
      host::whole_in(o.required("refill_interval_days"), Range{1, 365, false, "days", ""});
  p.refill_margin_days =
      host::whole_in(o.required("refill_margin_days"), Range{0, 60, false, "days", ""});
  if (const auto late = o.optional("late")) {
    const JsonObject l = late->object({"probability", "max_days"});
    p.late_probability = probability(l.required("probability"));
    p.late_max_days = host::whole_in(l.required("max_days"), Range{1, 60, false, "days", ""});
  }
  if (const auto respond = o.optional("low_alarm_response")) {
    const JsonObject r = respond->object({"probability", "max_days"});
    p.respond_probability = probability(r.required("probability"));
    p.respond_max_days = host::whole_in(r.required("max_days"), Range{0, 60, false, "days", ""});
  }
  return p;
}

DoseUnit unit_of(const JsonValue& v) {
  const std::string u = v.string();
  if (u == "mg") return DoseUnit::kMilligram;
  if (u == "mcg") return DoseUnit::kMicrogram;
  v.refuse(fmt::format("\"{}\": must be \"mg\" or \"mcg\"", u));
}

// Every dose of the drug at every concentration within every programmable model's rates, and
// its concentration for a gas model (the dose over the nominal flow) within the implant's
// 100 mg/mL: a campaign that could draw a pump the scenario reader refuses is refused here.
void check_doses(const JsonObject& drug, const DrugMix& d, const Population& pop,
                 const host::PumpCatalog& models) {
  for (const ModelShare& m : pop.models) {
    if (m.share == 0) continue;
    if (m.gas) {
      const host::GasPumpSpec* g = models.find_gas(m.model);
      const std::int64_t flow = g->nominal_flow.count();
      const Int128 conc =
          static_cast<Int128>(d.dose_ng_per_day.max) * kNanolitresPerMillilitre / flow;
      if (conc > 100 * kNanogramsPerMilligram) {
        drug.required("dose_per_day")
            .refuse(fmt::format(
                "the highest dose needs {} mg/mL in {} (nominal {} mL/day), above "
                "the 100 mg/mL limit",
                host::format_decimal(static_cast<std::int64_t>(conc), kNanogramsPerMilligram, 3),
                m.model, host::format_decimal(flow, kNanolitresPerMillilitre)));
      }
      continue;
    }
    const therapy::PumpModel& pm = models.find(m.model)->model;
    for (std::size_t c = 0; c < d.concentrations.size(); ++c) {
      const std::int64_t conc = d.concentrations[c];
      const Int128 lo =
          static_cast<Int128>(d.dose_ng_per_day.min) * kNanolitresPerMillilitre / conc;
      const Int128 hi =
          static_cast<Int128>(d.dose_ng_per_day.max) * kNanolitresPerMillilitre / conc;
      // The continuous program's rate: within the minimum, and within 4/5 of the maximum (the
      // headroom the implant keeps for re-alignment).
      if (lo < pm.min_rate.count() || hi * 5 > static_cast<Int128>(pm.max_rate.count()) * 4) {
        drug.required("dose_per_day")
            .refuse(fmt::format(
                "at {} {}/mL the doses give {} to {} mL/day; {} programs {} to {} mL/day "
                "(4/5 of its maximum, the implant's headroom)",
                host::format_decimal(conc, nanograms_per(d.unit)),
                d.unit == DoseUnit::kMilligram ? "mg" : "mcg",
                host::format_decimal(static_cast<std::int64_t>(lo), kNanolitresPerMillilitre, 3),
                host::format_decimal(static_cast<std::int64_t>(hi), kNanolitresPerMillilitre, 3),
                m.model, host::format_decimal(pm.min_rate.count(), kNanolitresPerMillilitre, 3),
                host::format_decimal(pm.max_rate.count() * 4 / 5, kNanolitresPerMillilitre, 3)));
      }
    }
  }
}

Population read_population(const JsonValue& v, const host::PumpCatalog& models,
                           const CsfCatalog& csf) {
  const JsonObject o = v.object(
      {"pump_models", "drugs", "catheter", "stroke_variability_percent", "virtual_patient"});
  Population pop;
  std::int64_t sum = 0;
  const JsonValue model_list = o.required("pump_models");
  const std::vector<JsonValue> model_items = model_list.array();
  if (model_items.empty()) model_list.refuse("needs at least one pump model");
  for (const JsonValue& item : model_items) {
    const JsonObject m = item.object({"model", "share"});
    ModelShare s;
    s.model = m.string("model");
    const std::optional<host::PumpKind> kind = models.kind_of(s.model);
    if (!kind) {
      std::string known;
      for (const std::string& n : models.names()) known += (known.empty() ? "" : ", ") + n;
      for (const std::string& n : models.gas_names()) known += ", " + n;
      m.required("model").refuse(
          fmt::format("unknown pump model \"{}\" (known: {})", s.model, known));
    }
    s.gas = *kind == host::PumpKind::kGasFixedRate;
    s.share = probability(m.required("share"));
    sum += s.share;
    pop.models.push_back(s);
  }
  check_shares(model_list, sum);

  const JsonObject cath = o.required("catheter").object({"length_cm", "ml_per_cm"});
  pop.catheter_length_mm = span(cath.required("length_cm"), 10, Range{0, 3000, true, "cm", ""});
  pop.catheter_nl_per_cm = host::decimal_in(cath.required("ml_per_cm"), kNanolitresPerMillilitre,
                                            Range{0, 50'000, true, "mL/cm", ""});
  if (static_cast<Int128>(pop.catheter_length_mm.max) * pop.catheter_nl_per_cm / 10 >
      2 * kNanolitresPerMillilitre) {
    cath.required("length_cm").refuse("the longest catheter would hold more than 2 mL");
  }
  if (const auto spread = o.optional("stroke_variability_percent")) {
    pop.stroke_variability_milli_percent =
        host::decimal_in(*spread, 1000, Range{0, 50'000, false, "%", ""});
  }
  if (const auto vp = o.optional("virtual_patient")) {
    const JsonObject p = vp->object({"share", "volume_variability_percent"});
    pop.patient_share = probability(p.required("share"));
    if (const auto var = p.optional("volume_variability_percent")) {
      pop.patient_volume_variability_percent = host::whole_in(*var, Range{0, 90, false, "%", ""});
    }
  }

  const JsonValue drug_list = o.required("drugs");
  const std::vector<JsonValue> drug_items = drug_list.array();
  if (drug_items.empty()) drug_list.refuse("needs at least one drug");
  sum = 0;
  for (const JsonValue& item : drug_items) {
    const JsonObject d = item.object({"name", "unit", "share", "concentrations", "dose_per_day"});
    DrugMix mix;
    mix.name = d.string("name");
    if (pop.patient_share > 0 && csf.find(mix.name) == nullptr) {
      d.required("name").refuse(fmt::format(
          "no CSF pharmacokinetics for \"{}\" for the virtual patient (population.virtual_patient)",
          mix.name));
    }
    mix.unit = unit_of(d.required("unit"));
    mix.share = probability(d.required("share"));
    sum += mix.share;
    const std::int64_t per_unit = nanograms_per(mix.unit);
    const JsonValue concs = d.required("concentrations");
    for (const JsonValue& c : concs.array()) {
      mix.concentrations.push_back(
          host::decimal_in(c, per_unit,
                           Range{0, 100 * kNanogramsPerMilligram, true,
                                 mix.unit == DoseUnit::kMilligram ? "mg/mL" : "mcg/mL",
                                 "the implant's hard limit"}));
    }
    if (mix.concentrations.empty()) concs.refuse("needs at least one concentration");
    mix.dose_ng_per_day = span(d.required("dose_per_day"), per_unit,
                               Range{0, 1'000'000 * kNanogramsPerMilligram, true,
                                     mix.unit == DoseUnit::kMilligram ? "mg/day" : "mcg/day", ""});
    check_doses(d, mix, pop, models);
    pop.drugs.push_back(std::move(mix));
  }
  check_shares(drug_list, sum);
  return pop;
}

Faults read_faults(const JsonValue& v) {
  const JsonObject o = v.object({"stroke_drift", "pocket_fill", "mri_stall", "occlusion",
                                 "cell_fault", "power_cut", "runaway_motor"});
  Faults f;
  const Range minutes{1, 43'200, false, "min", "30 days"};
  f.stroke_drift = fault(o, "stroke_drift", "percent", Range{50, 200, false, "%", ""}, false, {});
  f.mri_stall = fault(o, "mri_stall", nullptr, {}, true, minutes);
  f.occlusion =
      fault(o, "occlusion", "load_percent", Range{100, 250, false, "%", ""}, true, minutes);
  f.cell_fault =
      fault(o, "cell_fault", "capacity_loss_percent", Range{1, 100, false, "%", ""}, false, {});
  f.power_cut = fault(o, "power_cut", nullptr, {}, true, minutes);
  f.runaway_motor = fault(o, "runaway_motor", "strokes_per_hour",
                          Range{1, 36'000, false, "strokes/h", ""}, true, minutes);
  if (const auto pocket = o.optional("pocket_fill")) {
    const JsonObject p = pocket->object({"per_refill", "percent_of_refill"});
    f.pocket_fill_per_refill = probability(p.required("per_refill"));
    f.pocket_fill_percent_of_refill =
        span(p.required("percent_of_refill"), 1, Range{1, 100, false, "%", ""});
  }
  return f;
}

Campaign read_campaign(const JsonValue& root, const host::PumpCatalog& models,
                       const CsfCatalog& csf) {
  const JsonObject o = root.object({"name", "description", "seed", "pumps", "years", "start",
                                    "population", "practice", "compare_with", "faults"});
  Campaign c;
  c.name = o.string("name");
  if (const auto d = o.optional("description")) (void)d->string_or_empty();
  c.seed = static_cast<std::uint64_t>(
      host::whole_in(o.required("seed"), Range{0, 9'007'199'254'740'991, false, "", "2^53 - 1"}));
  c.pumps = host::whole_in(o.required("pumps"), Range{1, kMaxPumps, false, "pumps", ""});
  c.years = host::whole_in(o.required("years"),
                           Range{1, kMaxYears, false, "years", "a scenario's longest run"});
  c.start = o.string("start");
  if (!host::parse_wall_time(c.start).ok()) {
    o.required("start").refuse(fmt::format("\"{}\": must be YYYY-MM-DDTHH:MM", c.start));
  }
  c.population = read_population(o.required("population"), models, csf);
  c.practices.push_back(read_practice(o.required("practice")));
  if (const auto other = o.optional("compare_with")) {
    c.practices.push_back(read_practice(*other));
    if (c.practices[1].name == c.practices[0].name) {
      other->refuse("its name must differ from the practice's");
    }
  }
  if (const auto f = o.optional("faults")) c.faults = read_faults(*f);
  return c;
}

}  // namespace

host::Checked<Campaign> parse_campaign_text(std::string_view text, const host::PumpCatalog& models,
                                            const CsfCatalog& csf) {
  return host::read_json(text,
                         [&](const JsonValue& root) { return read_campaign(root, models, csf); });
}

host::Checked<Campaign> load_campaign_file(const std::filesystem::path& file,
                                           const host::PumpCatalog& models, const CsfCatalog& csf) {
  return host::read_json_file(
      file, [&](const JsonValue& root) { return read_campaign(root, models, csf); });
}

}  // namespace itdd::sim::fleet
