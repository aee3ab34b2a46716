#include "itdd/programmer/drug_library.h"

#include <fmt/format.h>

#include <algorithm>

#include "itdd/host/decimal.h"

namespace itdd::programmer {
namespace {

using host::decimal_json;
using host::Figure;
using host::FigureReading;
using host::Json;
using host::JsonObject;
using host::JsonValue;
using host::Provenance;

constexpr std::string_view kFormat = "itdd-drug-library";
constexpr std::int64_t kVersion = 1;
constexpr std::size_t kMaxNameLength = 23;  // the wire's drug name holds 23 characters + NUL
// Sanity bounds (far above any clinical figure) that keep products of quantities in range.
constexpr std::int64_t kMaxUnits = 1'000'000;  // per day or per mL, in the drug's unit
constexpr std::int64_t kMaxHours = 30 * 24;
constexpr std::int64_t kMaxDays = 3650;
constexpr std::int64_t kMaxMarginDays = 60;
constexpr std::int64_t kMaxPercentHundredths = 100'000;   // 1000 %
constexpr std::int64_t kMaxMultiplierHundredths = 1'000;  // ten times
// Hours are read to the thousandth (3.6 s) so that the scale is a power of ten.
constexpr std::int64_t kMillisPerMilliHour = kMillisPerHour / 1000;

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// ---- reading (inside host::read_json: every refusal unwinds to it) ----

Level read_level(const JsonObject& r) {
  const std::string level = r.string("level");
  if (level == "hard") return Level::kHard;
  if (level == "soft") return Level::kSoft;
  r.required("level").refuse("must be \"hard\" or \"soft\"");
}

// A positive amount in the drug's unit, at most kMaxUnits, as ng.
std::int64_t positive_amount(const JsonValue& v, DoseUnit unit) {
  const std::int64_t ng = v.decimal(nanograms_per(unit));
  if (ng <= 0) v.refuse("must be above 0");
  if (ng > kMaxUnits * nanograms_per(unit)) {
    v.refuse(fmt::format("must be at most {} {}", kMaxUnits, unit_name(unit)));
  }
  return ng;
}

Figure<DoseRate> read_dose(const JsonValue& j, DoseUnit unit) {
  const FigureReading f = host::read_figure(j);
  return {DoseRate(positive_amount(f.value, unit)), f.note};
}

LeveledFigure<DoseRate> read_leveled_dose(const JsonValue& j, DoseUnit unit) {
  const FigureReading f = host::read_figure(j, {"level"});
  return {DoseRate(positive_amount(f.value, unit)), read_level(f.object), f.note};
}

std::int64_t whole_in_range(const JsonValue& v, std::int64_t min, std::int64_t max,
                            std::string_view unit) {
  const std::int64_t n = v.decimal(1);
  if (n < min || n > max) v.refuse(fmt::format("must be from {} to {} {}", min, max, unit));
  return n;
}

Figure<std::int64_t> read_days(const JsonValue& j, std::int64_t min, std::int64_t max) {
  const FigureReading f = host::read_figure(j);
  return {whole_in_range(f.value, min, max, "days"), f.note};
}

Figure<Duration> read_hours(const JsonValue& j) {
  const FigureReading f = host::read_figure(j);
  const std::int64_t milli_hours = f.value.decimal(1000);
  if (milli_hours <= 0 || milli_hours > kMaxHours * 1000) {
    f.value.refuse(fmt::format("must be above 0 and at most {} h", kMaxHours));
  }
  return {Duration(milli_hours * kMillisPerMilliHour), f.note};
}

// A positive number in hundredths (percent or multiplier), at most `max_hundredths`.
std::int64_t positive_hundredths(const JsonValue& v, std::int64_t max_hundredths) {
  const std::int64_t n = v.decimal(100);
  if (n <= 0 || n > max_hundredths) {
    v.refuse(
        fmt::format("must be above 0 and at most {}", host::format_decimal(max_hundredths, 100)));
  }
  return n;
}

Figure<std::int64_t> read_multiplier(const JsonValue& j) {
  const FigureReading f = host::read_figure(j);
  return {positive_hundredths(f.value, kMaxMultiplierHundredths), f.note};
}

std::string dose_text(DoseRate d, DoseUnit unit) {
  return format_dose(d, unit);
}

DoseLimits read_limits(const JsonObject& drug, DoseUnit unit) {
  const JsonObject r =
      drug.required("limits").object({"soft_min", "soft_max", "hard_max", "start_max"});
  DoseLimits limits;
  limits.hard_max = read_dose(r.required("hard_max"), unit);
  limits.soft_max = read_dose(r.required("soft_max"), unit);
  if (limits.soft_max.value > limits.hard_max.value) {
    host::refuse(r.path_of("soft_max.value"), fmt::format("must be at most hard_max ({})",
                                                          dose_text(limits.hard_max.value, unit)));
  }
  if (const std::optional<JsonValue> soft_min = r.optional("soft_min")) {
    limits.soft_min = read_dose(*soft_min, unit);
    if (limits.soft_min->value >= limits.soft_max.value) {
      host::refuse(
          r.path_of("soft_min.value"),
          fmt::format("must be below soft_max ({})", dose_text(limits.soft_max.value, unit)));
    }
  }
  if (const std::optional<JsonValue> start_max = r.optional("start_max")) {
    limits.start_max = read_leveled_dose(*start_max, unit);
    if (limits.start_max->value > limits.hard_max.value) {
      host::refuse(
          r.path_of("start_max.value"),
          fmt::format("must be at most hard_max ({})", dose_text(limits.hard_max.value, unit)));
    }
  }
  return limits;
}

Titration read_titration(const JsonObject& drug, DoseUnit unit) {
  const JsonObject r =
      drug.required("titration").object({"max_step", "max_step_percent", "min_interval_hours"});
  Titration t;
  if (const std::optional<JsonValue> step = r.optional("max_step")) {
    t.max_step = read_leveled_dose(*step, unit);
  }
  if (const std::optional<JsonValue> percent = r.optional("max_step_percent")) {
    const FigureReading f = host::read_figure(*percent, {"level"});
    t.max_step_percent_hundredths = LeveledFigure<std::int64_t>{
        positive_hundredths(f.value, kMaxPercentHundredths), read_level(f.object), f.note};
  }
  if (const std::optional<JsonValue> interval = r.optional("min_interval_hours")) {
    const JsonObject i = interval->object({"hard", "soft"});
    if (!i.has("hard") && !i.has("soft")) i.refuse("needs \"hard\", \"soft\" or both");
    if (i.has("hard")) t.min_interval_hard = read_hours(i.required("hard"));
    if (i.has("soft")) t.min_interval_soft = read_hours(i.required("soft"));
    if (t.min_interval_hard && t.min_interval_soft &&
        t.min_interval_soft->value < t.min_interval_hard->value) {
      host::refuse(i.path_of("soft.value"), fmt::format("must be at least the hard interval ({})",
                                                        format_hours(t.min_interval_hard->value)));
    }
  }
  return t;
}

Stability read_stability(const JsonObject& drug) {
  const JsonObject r =
      drug.required("stability").object({"days", "undiluted_days", "first_fill_days"});
  Stability s;
  s.days = read_days(r.required("days"), 1, kMaxDays);
  if (const std::optional<JsonValue> v = r.optional("undiluted_days")) {
    s.undiluted_days = read_days(*v, 1, kMaxDays);
  }
  if (const std::optional<JsonValue> v = r.optional("first_fill_days")) {
    s.first_fill_days = read_days(*v, 1, kMaxDays);
  }
  return s;
}

ScreeningRule read_screening(const JsonValue& j, DoseUnit unit) {
  const JsonObject r = j.object({"doses", "min_interval_hours", "starting_dose"});
  ScreeningRule rule;
  const FigureReading doses = host::read_figure(r.required("doses"));
  if (!doses.value.json().is_array() || doses.value.json().empty()) {
    doses.value.refuse("must be a non-empty array of doses");
  }
  rule.doses.note = doses.note;
  for (const JsonValue& d : doses.value.array()) {
    const DrugAmount dose(positive_amount(d, unit));
    if (!rule.doses.value.empty() && dose <= rule.doses.value.back()) {
      d.refuse("doses must rise from step to step");
    }
    rule.doses.value.push_back(dose);
  }
  rule.min_interval = read_hours(r.required("min_interval_hours"));
  if (const std::optional<JsonValue> start = r.optional("starting_dose")) {
    const JsonObject s =
        start->object({"multiplier", "long_effect_over_hours", "long_effect_multiplier"});
    rule.starting_dose = StartingDoseRule{read_multiplier(s.required("multiplier")),
                                          read_hours(s.required("long_effect_over_hours")),
                                          read_multiplier(s.required("long_effect_multiplier"))};
  }
  return rule;
}

DrugSpec read_drug(const JsonValue& j) {
  const JsonObject r =
      j.object({"name", "display_name", "unit", "opioid", "withdrawal_risk", "concentrations",
                "limits", "titration", "stability", "max_refill_interval_days", "screening"});
  DrugSpec d;
  d.name = r.string("name");
  if (!valid_name(d.name)) {
    r.required("name").refuse(
        fmt::format("{}: use 1 to {} characters of a-z, 0-9, '-' and '_'", d.name, kMaxNameLength));
  }
  d.display_name = r.string("display_name");
  const std::optional<DoseUnit> unit = parse_dose_unit(r.string("unit"));
  if (!unit) r.required("unit").refuse("must be \"mg\" or \"mcg\"");
  d.unit = *unit;
  d.opioid = r.boolean("opioid");

  const FigureReading risk = host::read_figure(r.required("withdrawal_risk"));
  const std::string risk_name = risk.value.json().is_string() ? risk.value.string_or_empty() : "";
  if (risk_name == "low") {
    d.withdrawal_risk.value = WithdrawalRisk::kLow;
  } else if (risk_name == "moderate") {
    d.withdrawal_risk.value = WithdrawalRisk::kModerate;
  } else if (risk_name == "high") {
    d.withdrawal_risk.value = WithdrawalRisk::kHigh;
  } else {
    risk.value.refuse("must be \"low\", \"moderate\" or \"high\"");
  }
  d.withdrawal_risk.note = risk.note;

  const FigureReading conc = host::read_figure(r.required("concentrations"));
  if (!conc.value.json().is_array() || conc.value.json().empty()) {
    conc.value.refuse(
        fmt::format("must be a non-empty array of concentrations in {}/mL", unit_name(d.unit)));
  }
  d.concentrations.note = conc.note;
  for (const JsonValue& v : conc.value.array()) {
    const Concentration c(positive_amount(v, d.unit));
    if (d.allows(c)) v.refuse(fmt::format("{} is listed twice", format_concentration(c, d.unit)));
    d.concentrations.value.push_back(c);
  }

  d.limits = read_limits(r, d.unit);
  d.titration = read_titration(r, d.unit);
  d.stability = read_stability(r);
  d.max_refill_interval_days = read_days(r.required("max_refill_interval_days"), 1, kMaxDays);
  if (const std::optional<JsonValue> screening = r.optional("screening")) {
    d.screening = read_screening(*screening, d.unit);
  }
  return d;
}

// ---- writing ----

Json figure_json(Json value, const Provenance& note, const char* level = nullptr) {
  Json j = {{"value", std::move(value)}};
  if (level != nullptr) j["level"] = level;
  host::write_provenance(j, note);
  return j;
}

Json dose_json(const Figure<DoseRate>& f, DoseUnit unit) {
  return figure_json(decimal_json(f.value.count(), nanograms_per(unit)), f.note);
}

Json leveled_dose_json(const LeveledFigure<DoseRate>& f, DoseUnit unit) {
  return figure_json(decimal_json(f.value.count(), nanograms_per(unit)), f.note,
                     level_name(f.level));
}

Json hours_json(const Figure<Duration>& f) {
  return figure_json(decimal_json(f.value.count() / kMillisPerMilliHour, 1000), f.note);
}

Json hundredths_json(const Figure<std::int64_t>& f) {
  return figure_json(decimal_json(f.value, 100), f.note);
}

Json days_json(const Figure<std::int64_t>& f) {
  return figure_json(f.value, f.note);
}

Json drug_json(const DrugSpec& d) {
  const std::int64_t per = nanograms_per(d.unit);
  Json j;
  j["name"] = d.name;
  j["display_name"] = d.display_name;
  j["unit"] = unit_name(d.unit);
  j["opioid"] = d.opioid;
  j["withdrawal_risk"] =
      figure_json(withdrawal_risk_name(d.withdrawal_risk.value), d.withdrawal_risk.note);
  Json conc = Json::array();
  for (const Concentration c : d.concentrations.value) conc.push_back(decimal_json(c.count(), per));
  j["concentrations"] = figure_json(conc, d.concentrations.note);

  Json limits;
  if (d.limits.soft_min) limits["soft_min"] = dose_json(*d.limits.soft_min, d.unit);
  limits["soft_max"] = dose_json(d.limits.soft_max, d.unit);
  limits["hard_max"] = dose_json(d.limits.hard_max, d.unit);
  if (d.limits.start_max) limits["start_max"] = leveled_dose_json(*d.limits.start_max, d.unit);
  j["limits"] = limits;

  Json titration = Json::object();
  if (d.titration.max_step)
    titration["max_step"] = leveled_dose_json(*d.titration.max_step, d.unit);
  if (d.titration.max_step_percent_hundredths) {
    const auto& p = *d.titration.max_step_percent_hundredths;
    titration["max_step_percent"] =
        figure_json(decimal_json(p.value, 100), p.note, level_name(p.level));
  }
  if (d.titration.min_interval_hard || d.titration.min_interval_soft) {
    Json interval;
    if (d.titration.min_interval_hard)
      interval["hard"] = hours_json(*d.titration.min_interval_hard);
    if (d.titration.min_interval_soft)
      interval["soft"] = hours_json(*d.titration.min_interval_soft);
    titration["min_interval_hours"] = interval;
  }
  j["titration"] = titration;

  Json stability;
  stability["days"] = days_json(d.stability.days);
  if (d.stability.undiluted_days)
    stability["undiluted_days"] = days_json(*d.stability.undiluted_days);
  if (d.stability.first_fill_days) {
    stability["first_fill_days"] = days_json(*d.stability.first_fill_days);
  }
  j["stability"] = stability;
  j["max_refill_interval_days"] = days_json(d.max_refill_interval_days);

  if (d.screening) {
    Json screening;
    Json doses = Json::array();
    for (const DrugAmount a : d.screening->doses.value)
      doses.push_back(decimal_json(a.count(), per));
    screening["doses"] = figure_json(doses, d.screening->doses.note);
    screening["min_interval_hours"] = hours_json(d.screening->min_interval);
    if (d.screening->starting_dose) {
      const StartingDoseRule& s = *d.screening->starting_dose;
      screening["starting_dose"] = {
          {"multiplier", hundredths_json(s.multiplier_hundredths)},
          {"long_effect_over_hours", hours_json(s.long_effect_over)},
          {"long_effect_multiplier", hundredths_json(s.long_effect_multiplier_hundredths)}};
    }
    j["screening"] = screening;
  }
  return j;
}

}  // namespace

const char* level_name(Level level) {
  switch (level) {
    case Level::kHard:
      return "hard";
    case Level::kSoft:
      return "soft";
    default:
      return "info";
  }
}

const char* withdrawal_risk_name(WithdrawalRisk risk) {
  switch (risk) {
    case WithdrawalRisk::kHigh:
      return "high";
    case WithdrawalRisk::kModerate:
      return "moderate";
    default:
      return "low";
  }
}

bool DrugSpec::allows(Concentration c) const {
  return std::find(concentrations.value.begin(), concentrations.value.end(), c) !=
         concentrations.value.end();
}

// The whole document, inside host::read_json.
DrugLibrary DrugLibrary::read(const JsonValue& root) {
  const JsonObject r =
      root.object({"format", "version", "notes", "refill_safety_margin_days", "drugs"});
  const JsonValue format = r.required("format");
  if (!format.json().is_string() || format.string_or_empty() != kFormat) {
    format.refuse(fmt::format("must be \"{}\"", kFormat));
  }
  const JsonValue version = r.required("version");
  if (!version.json().is_number_integer() || version.whole() != kVersion) {
    version.refuse(fmt::format("must be {} (the version this programmer reads)", kVersion));
  }
  DrugLibrary library;
  if (r.has("notes")) library.notes_ = r.string("notes");
  library.refill_margin_days_ =
      read_days(r.required("refill_safety_margin_days"), 0, kMaxMarginDays);
  const JsonValue drugs = r.required("drugs");
  if (!drugs.json().is_array() || drugs.json().empty()) drugs.refuse("must be a non-empty array");
  for (const JsonValue& d : drugs.array()) {
    DrugSpec drug = read_drug(d);
    for (std::size_t k = 0; k < library.drugs_.size(); ++k) {
      if (library.drugs_[k].name == drug.name) {
        host::refuse(d.path_of("name"), fmt::format("{} is already defined at {}", drug.name,
                                                    host::index_path("drugs", k)));
      }
    }
    library.drugs_.push_back(std::move(drug));
  }
  return library;
}

host::Checked<DrugLibrary> DrugLibrary::from_text(std::string_view text) {
  return host::read_json(text, &DrugLibrary::read);
}

host::Checked<DrugLibrary> DrugLibrary::load(const std::filesystem::path& file) {
  return host::read_json_file(file, &DrugLibrary::read);
}

nlohmann::ordered_json DrugLibrary::to_json() const {
  Json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  if (!notes_.empty()) j["notes"] = notes_;
  j["refill_safety_margin_days"] = days_json(refill_margin_days_);
  Json drugs = Json::array();
  for (const DrugSpec& d : drugs_) drugs.push_back(drug_json(d));
  j["drugs"] = drugs;
  return j;
}

const DrugSpec* DrugLibrary::find(std::string_view name) const {
  for (const DrugSpec& d : drugs_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::string DrugLibrary::names() const {
  std::string list;
  for (const DrugSpec& d : drugs_) {
    if (!list.empty()) list += ", ";
    list += d.name;
  }
  return list;
}

}  // namespace itdd::programmer
