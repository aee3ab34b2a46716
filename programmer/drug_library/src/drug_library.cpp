#include "itdd/programmer/drug_library.h"

#include <fmt/format.h>

#include <algorithm>

namespace itdd::programmer {
namespace {

using figures::decimal;
using figures::decimal_json;
using figures::fail;
using figures::index_path;
using figures::Json;
using figures::ObjectReader;

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

// ---- reading ----

// {"value": ..., "source"|"unconfirmed": ...}, optionally with "level".
struct FigureObject {
  ObjectReader reader;
  Provenance note;
  std::string value_path;
  const Json& value;
};

FigureObject open_figure(const Json& j, const std::string& path, bool with_level) {
  ObjectReader r = with_level ? ObjectReader(j, path, {"value", "level", "source", "unconfirmed"})
                              : ObjectReader(j, path, {"value", "source", "unconfirmed"});
  Provenance note = figures::read_provenance(r);
  const Json& value = r.required("value");
  std::string value_path = r.path_of("value");
  return FigureObject{std::move(r), std::move(note), std::move(value_path), value};
}

Level read_level(const ObjectReader& r) {
  const std::string level = r.string("level");
  if (level == "hard") return Level::kHard;
  if (level == "soft") return Level::kSoft;
  fail(r.path_of("level"), "must be \"hard\" or \"soft\"");
}

// A positive amount in the drug's unit, at most kMaxUnits, as ng.
std::int64_t positive_amount(const Json& j, DoseUnit unit, const std::string& path) {
  const std::int64_t ng = decimal(j, nanograms_per(unit), path);
  if (ng <= 0) fail(path, "must be above 0");
  if (ng > kMaxUnits * nanograms_per(unit)) {
    fail(path, fmt::format("must be at most {} {}", kMaxUnits, unit_name(unit)));
  }
  return ng;
}

Figure<DoseRate> read_dose(const Json& j, const std::string& path, DoseUnit unit) {
  const FigureObject f = open_figure(j, path, false);
  return {DoseRate(positive_amount(f.value, unit, f.value_path)), f.note};
}

LeveledFigure<DoseRate> read_leveled_dose(const Json& j, const std::string& path, DoseUnit unit) {
  const FigureObject f = open_figure(j, path, true);
  return {DoseRate(positive_amount(f.value, unit, f.value_path)), read_level(f.reader), f.note};
}

std::int64_t whole_in_range(const Json& j, std::int64_t min, std::int64_t max,
                            const std::string& path, std::string_view unit) {
  const std::int64_t v = decimal(j, 1, path);
  if (v < min || v > max) {
    fail(path, fmt::format("must be from {} to {} {}", min, max, unit));
  }
  return v;
}

Figure<std::int64_t> read_days(const Json& j, const std::string& path, std::int64_t min,
                               std::int64_t max) {
  const FigureObject f = open_figure(j, path, false);
  return {whole_in_range(f.value, min, max, f.value_path, "days"), f.note};
}

Figure<Duration> read_hours(const Json& j, const std::string& path) {
  const FigureObject f = open_figure(j, path, false);
  const std::int64_t milli_hours = decimal(f.value, 1000, f.value_path);
  if (milli_hours <= 0 || milli_hours > kMaxHours * 1000) {
    fail(f.value_path, fmt::format("must be above 0 and at most {} h", kMaxHours));
  }
  return {Duration(milli_hours * kMillisPerMilliHour), f.note};
}

// A positive number in hundredths (percent or multiplier), at most `max_hundredths`.
std::int64_t positive_hundredths(const Json& j, std::int64_t max_hundredths,
                                 const std::string& path) {
  const std::int64_t v = decimal(j, 100, path);
  if (v <= 0 || v > max_hundredths) {
    fail(path, fmt::format("must be above 0 and at most {}", format_decimal(max_hundredths, 100)));
  }
  return v;
}

Figure<std::int64_t> read_multiplier(const Json& j, const std::string& path) {
  const FigureObject f = open_figure(j, path, false);
  return {positive_hundredths(f.value, kMaxMultiplierHundredths, f.value_path), f.note};
}

std::string dose_text(DoseRate d, DoseUnit unit) {
  return format_dose(d, unit);
}

DoseLimits read_limits(const ObjectReader& drug, DoseUnit unit) {
  const ObjectReader r(drug.required("limits"), drug.path_of("limits"),
                       {"soft_min", "soft_max", "hard_max", "start_max"});
  DoseLimits limits;
  limits.hard_max = read_dose(r.required("hard_max"), r.path_of("hard_max"), unit);
  limits.soft_max = read_dose(r.required("soft_max"), r.path_of("soft_max"), unit);
  if (limits.soft_max.value > limits.hard_max.value) {
    fail(r.path_of("soft_max.value"),
         fmt::format("must be at most hard_max ({})", dose_text(limits.hard_max.value, unit)));
  }
  if (r.has("soft_min")) {
    limits.soft_min = read_dose(r.required("soft_min"), r.path_of("soft_min"), unit);
    if (limits.soft_min->value >= limits.soft_max.value) {
      fail(r.path_of("soft_min.value"),
           fmt::format("must be below soft_max ({})", dose_text(limits.soft_max.value, unit)));
    }
  }
  if (r.has("start_max")) {
    limits.start_max = read_leveled_dose(r.required("start_max"), r.path_of("start_max"), unit);
    if (limits.start_max->value > limits.hard_max.value) {
      fail(r.path_of("start_max.value"),
           fmt::format("must be at most hard_max ({})", dose_text(limits.hard_max.value, unit)));
    }
  }
  return limits;
}

Titration read_titration(const ObjectReader& drug, DoseUnit unit) {
  const ObjectReader r(drug.required("titration"), drug.path_of("titration"),
                       {"max_step", "max_step_percent", "min_interval_hours"});
  Titration t;
  if (r.has("max_step")) {
    t.max_step = read_leveled_dose(r.required("max_step"), r.path_of("max_step"), unit);
  }
  if (r.has("max_step_percent")) {
    const FigureObject f =
        open_figure(r.required("max_step_percent"), r.path_of("max_step_percent"), true);
    t.max_step_percent_hundredths = LeveledFigure<std::int64_t>{
        positive_hundredths(f.value, kMaxPercentHundredths, f.value_path), read_level(f.reader),
        f.note};
  }
  if (r.has("min_interval_hours")) {
    const ObjectReader i(r.required("min_interval_hours"), r.path_of("min_interval_hours"),
                         {"hard", "soft"});
    if (!i.has("hard") && !i.has("soft")) fail(i.path(), "needs \"hard\", \"soft\" or both");
    if (i.has("hard")) t.min_interval_hard = read_hours(i.required("hard"), i.path_of("hard"));
    if (i.has("soft")) t.min_interval_soft = read_hours(i.required("soft"), i.path_of("soft"));
    if (t.min_interval_hard && t.min_interval_soft &&
        t.min_interval_soft->value < t.min_interval_hard->value) {
      fail(i.path_of("soft.value"), fmt::format("must be at least the hard interval ({})",
                                                format_hours(t.min_interval_hard->value)));
    }
  }
  return t;
}

Stability read_stability(const ObjectReader& drug) {
  const ObjectReader r(drug.required("stability"), drug.path_of("stability"),
                       {"days", "undiluted_days", "first_fill_days"});
  Stability s;
  s.days = read_days(r.required("days"), r.path_of("days"), 1, kMaxDays);
  if (r.has("undiluted_days")) {
    s.undiluted_days =
        read_days(r.required("undiluted_days"), r.path_of("undiluted_days"), 1, kMaxDays);
  }
  if (r.has("first_fill_days")) {
    s.first_fill_days =
        read_days(r.required("first_fill_days"), r.path_of("first_fill_days"), 1, kMaxDays);
  }
  return s;
}

ScreeningRule read_screening(const Json& j, const std::string& path, DoseUnit unit) {
  const ObjectReader r(j, path, {"doses", "min_interval_hours", "starting_dose"});
  ScreeningRule rule;
  const FigureObject doses = open_figure(r.required("doses"), r.path_of("doses"), false);
  if (!doses.value.is_array() || doses.value.empty()) {
    fail(doses.value_path, "must be a non-empty array of doses");
  }
  rule.doses.note = doses.note;
  for (std::size_t i = 0; i < doses.value.size(); ++i) {
    const std::string p = index_path(doses.value_path, i);
    const DrugAmount dose(positive_amount(doses.value[i], unit, p));
    if (!rule.doses.value.empty() && dose <= rule.doses.value.back()) {
      fail(p, "doses must rise from step to step");
    }
    rule.doses.value.push_back(dose);
  }
  rule.min_interval = read_hours(r.required("min_interval_hours"), r.path_of("min_interval_hours"));
  if (r.has("starting_dose")) {
    const ObjectReader s(r.required("starting_dose"), r.path_of("starting_dose"),
                         {"multiplier", "long_effect_over_hours", "long_effect_multiplier"});
    rule.starting_dose = StartingDoseRule{
        read_multiplier(s.required("multiplier"), s.path_of("multiplier")),
        read_hours(s.required("long_effect_over_hours"), s.path_of("long_effect_over_hours")),
        read_multiplier(s.required("long_effect_multiplier"), s.path_of("long_effect_multiplier"))};
  }
  return rule;
}

DrugSpec read_drug(const Json& j, const std::string& path) {
  const ObjectReader r(
      j, path,
      {"name", "display_name", "unit", "opioid", "withdrawal_risk", "concentrations", "limits",
       "titration", "stability", "max_refill_interval_days", "screening"});
  DrugSpec d;
  d.name = r.string("name");
  if (!valid_name(d.name)) {
    fail(r.path_of("name"), fmt::format("{}: use 1 to {} characters of a-z, 0-9, '-' and '_'",
                                        d.name, kMaxNameLength));
  }
  d.display_name = r.string("display_name");
  const std::optional<DoseUnit> unit = parse_dose_unit(r.string("unit"));
  if (!unit) fail(r.path_of("unit"), "must be \"mg\" or \"mcg\"");
  d.unit = *unit;
  d.opioid = r.boolean("opioid");

  const FigureObject risk =
      open_figure(r.required("withdrawal_risk"), r.path_of("withdrawal_risk"), false);
  const std::string risk_name = risk.value.is_string() ? risk.value.get<std::string>() : "";
  if (risk_name == "low") {
    d.withdrawal_risk.value = WithdrawalRisk::kLow;
  } else if (risk_name == "moderate") {
    d.withdrawal_risk.value = WithdrawalRisk::kModerate;
  } else if (risk_name == "high") {
    d.withdrawal_risk.value = WithdrawalRisk::kHigh;
  } else {
    fail(risk.value_path, "must be \"low\", \"moderate\" or \"high\"");
  }
  d.withdrawal_risk.note = risk.note;

  const FigureObject conc =
      open_figure(r.required("concentrations"), r.path_of("concentrations"), false);
  if (!conc.value.is_array() || conc.value.empty()) {
    fail(conc.value_path,
         fmt::format("must be a non-empty array of concentrations in {}/mL", unit_name(d.unit)));
  }
  d.concentrations.note = conc.note;
  for (std::size_t i = 0; i < conc.value.size(); ++i) {
    const std::string p = index_path(conc.value_path, i);
    const Concentration c(positive_amount(conc.value[i], d.unit, p));
    if (d.allows(c)) fail(p, fmt::format("{} is listed twice", format_concentration(c, d.unit)));
    d.concentrations.value.push_back(c);
  }

  d.limits = read_limits(r, d.unit);
  d.titration = read_titration(r, d.unit);
  d.stability = read_stability(r);
  d.max_refill_interval_days = read_days(r.required("max_refill_interval_days"),
                                         r.path_of("max_refill_interval_days"), 1, kMaxDays);
  if (r.has("screening")) {
    d.screening = read_screening(r.required("screening"), r.path_of("screening"), d.unit);
  }
  return d;
}

// ---- writing ----

Json figure_json(Json value, const Provenance& note, const char* level = nullptr) {
  Json j = {{"value", std::move(value)}};
  if (level != nullptr) j["level"] = level;
  figures::write_provenance(j, note);
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

Checked<DrugLibrary> DrugLibrary::from_json(const nlohmann::ordered_json& doc) {
  try {
    const ObjectReader r(doc, "",
                         {"format", "version", "notes", "refill_safety_margin_days", "drugs"});
    const Json& format = r.required("format");
    if (!format.is_string() || format.get<std::string>() != kFormat) {
      fail("format", fmt::format("must be \"{}\"", kFormat));
    }
    const Json& version = r.required("version");
    if (!version.is_number_integer() || version.get<std::int64_t>() != kVersion) {
      fail("version", fmt::format("must be {} (the version this programmer reads)", kVersion));
    }
    DrugLibrary library;
    if (r.has("notes")) library.notes_ = r.string("notes");
    library.refill_margin_days_ = read_days(r.required("refill_safety_margin_days"),
                                            "refill_safety_margin_days", 0, kMaxMarginDays);
    const Json& drugs = r.required("drugs");
    if (!drugs.is_array() || drugs.empty()) fail("drugs", "must be a non-empty array");
    for (std::size_t i = 0; i < drugs.size(); ++i) {
      const std::string path = index_path("drugs", i);
      DrugSpec drug = read_drug(drugs[i], path);
      for (std::size_t k = 0; k < library.drugs_.size(); ++k) {
        if (library.drugs_[k].name == drug.name) {
          fail(path + ".name",
               fmt::format("{} is already defined at {}", drug.name, index_path("drugs", k)));
        }
      }
      library.drugs_.push_back(std::move(drug));
    }
    return library;
  } catch (const figures::FieldError& e) {
    return Refusal{e.field, e.message};
  }
}

Checked<DrugLibrary> DrugLibrary::from_text(std::string_view text) {
  Json doc;
  try {
    doc = figures::parse_json(text);
  } catch (const figures::FieldError& e) {
    return Refusal{e.field, e.message};
  }
  return from_json(doc);
}

Checked<DrugLibrary> DrugLibrary::load(const std::filesystem::path& file) {
  Json doc;
  try {
    doc = figures::read_json_file(file.string());
  } catch (const figures::FieldError& e) {
    return Refusal{e.field, e.message};
  }
  return from_json(doc);
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
