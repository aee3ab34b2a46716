#include "itdd/programmer/opioid_conversion.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "itdd/host/decimal.h"

namespace itdd::programmer {
namespace {

using host::Json;
using host::JsonObject;
using host::JsonValue;

constexpr std::string_view kFormat = "itdd-opioid-conversions";
constexpr std::int64_t kMillionths = 1'000'000;
constexpr std::size_t kMaxEquivalences = 64;  // chains are searched with a bit per rule
constexpr std::int64_t kMaxUnits = 1'000'000;

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= 23 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Int128 gcd(Int128 a, Int128 b) {
  while (b != 0) {
    const Int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// a * b for non-negative a and b; false when it does not fit. (Not __builtin_mul_overflow: on
// __int128 clang calls a compiler-rt helper that the fuzz build does not link.)
bool product(Int128 a, Int128 b, Int128& out) {
  constexpr Int128 kMax = ~(static_cast<Int128>(1) << 127);
  if (a != 0 && b > kMax / a) return false;
  out = a * b;
  return true;
}

// num/den times a/b (all positive), reduced; false on overflow.
bool multiply(Int128& num, Int128& den, std::int64_t a, std::int64_t b) {
  Int128 n = 0;
  Int128 d = 0;
  if (!product(num, a, n) || !product(den, b, d)) return false;
  const Int128 g = gcd(n, d);
  num = n / g;
  den = d / g;
  return true;
}

EquivalentDose read_dose(const JsonValue& j) {
  const JsonObject r = j.object({"drug", "route", "amount", "unit"});
  EquivalentDose d;
  d.at.drug = r.string("drug");
  d.at.route = r.string("route");
  if (!valid_name(d.at.drug)) r.required("drug").refuse("use a-z, 0-9, '-' and '_'");
  if (!valid_name(d.at.route)) r.required("route").refuse("use a-z, 0-9, '-' and '_'");
  const std::optional<DoseUnit> unit = parse_dose_unit(r.string("unit"));
  if (!unit) r.required("unit").refuse("must be \"mg\" or \"mcg\"");
  d.unit = *unit;
  const JsonValue amount = r.required("amount");
  const std::int64_t ng = amount.decimal(nanograms_per(d.unit));
  if (ng <= 0 || ng > kMaxUnits * nanograms_per(d.unit)) {
    amount.refuse(fmt::format("must be above 0 and at most {} {}", kMaxUnits, unit_name(d.unit)));
  }
  d.amount = DrugAmount(ng);
  return d;
}

struct Search {
  const OpioidConversions& table;
  DrugRoute target;
  DoseRate dose;
  std::int64_t precision_ng;
  std::vector<ConversionPath> found;
  std::vector<ConversionStep> steps;
  std::vector<DrugRoute> visited;

  void from(const DrugRoute& at, std::uint64_t used, Int128 num, Int128 den) {
    if (at == target) {
      finish(num, den);
      return;
    }
    const auto& rules = table.equivalences();
    for (std::size_t e = 0; e < rules.size(); ++e) {
      if ((used >> e) & 1U) continue;
      const auto here = std::find_if(rules[e].doses.begin(), rules[e].doses.end(),
                                     [&](const EquivalentDose& d) { return d.at == at; });
      if (here == rules[e].doses.end()) continue;
      for (const EquivalentDose& next : rules[e].doses) {
        if (std::find(visited.begin(), visited.end(), next.at) != visited.end()) continue;
        Int128 n = num;
        Int128 d = den;
        if (!multiply(n, d, next.amount.count(), here->amount.count())) continue;
        steps.push_back(ConversionStep{*here, next, rules[e].name, rules[e].note});
        visited.push_back(next.at);
        from(next.at, used | (std::uint64_t{1} << e), n, d);
        visited.pop_back();
        steps.pop_back();
      }
    }
  }

  void finish(Int128 num, Int128 den) {
    Int128 exact = 0;
    if (!product(dose.count(), num, exact)) return;
    ConversionPath path;
    path.steps = steps;
    path.exact_floor = DoseRate(static_cast<std::int64_t>(exact / den));
    path.exact_has_fraction = exact % den != 0;
    path.rounded = DoseRate(path.exact_floor.count() / precision_ng * precision_ng);
    found.push_back(std::move(path));
  }
};

std::string amount_text(const EquivalentDose& d) {
  return fmt::format("{} {}", d.at.text(), format_amount(d.amount, d.unit));
}

// "0.166666... mg/day" when the exact value goes on below the ng.
std::string exact_text(const ConversionPath& p, DoseUnit unit) {
  return fmt::format("{}{} {}/day",
                     host::format_decimal(p.exact_floor.count(), nanograms_per(unit)),
                     p.exact_has_fraction ? "..." : "", unit_name(unit));
}
}  // namespace

std::string DrugRoute::text() const {
  return drug + ":" + route;
}

host::Checked<DrugRoute> parse_drug_route(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return host::Refusal{"",
                         fmt::format("{}: expected DRUG:ROUTE, e.g. morphine:intrathecal", text)};
  }
  DrugRoute r{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (!valid_name(r.drug) || !valid_name(r.route)) {
    return host::Refusal{
        "", fmt::format("{}: expected DRUG:ROUTE in lowercase, e.g. morphine:oral", text)};
  }
  return r;
}

host::Checked<OpioidConversions> OpioidConversions::load(const std::filesystem::path& file) {
  return host::read_json_file(file, &OpioidConversions::read);
}

host::Checked<OpioidConversions> OpioidConversions::from_text(std::string_view text) {
  return host::read_json(text, &OpioidConversions::read);
}

// The whole document, inside host::read_json.
OpioidConversions OpioidConversions::read(const JsonValue& root) {
  const JsonObject r =
      root.object({"format", "version", "notes", "caution", "rounding_precision", "equivalences"});
  const JsonValue format = r.required("format");
  if (!format.json().is_string() || format.string_or_empty() != kFormat) {
    format.refuse(fmt::format("must be \"{}\"", kFormat));
  }
  const JsonValue version = r.required("version");
  if (!version.json().is_number_integer() || version.whole() != 1) {
    version.refuse("must be 1 (the version this programmer reads)");
  }
  if (r.has("notes")) (void)r.required("notes").string_or_empty();
  OpioidConversions table;
  table.caution_ = r.string("caution");
  const host::FigureReading p = host::read_figure(r.required("rounding_precision"));
  table.rounding_.note = p.note;
  table.rounding_.value = p.value.decimal(kMillionths);
  // The step must be a whole number of ng in both units (at least 0.001 of the unit).
  if (table.rounding_.value <= 0 || table.rounding_.value % 1'000 != 0 ||
      table.rounding_.value > kMillionths) {
    p.value.refuse("must be from 0.001 to 1 (of the target drug's unit), in steps of 0.001");
  }
  const JsonValue list = r.required("equivalences");
  if (!list.json().is_array() || list.json().empty()) list.refuse("must be a non-empty array");
  if (list.json().size() > kMaxEquivalences) {
    list.refuse(fmt::format("at most {} rules", kMaxEquivalences));
  }
  for (const JsonValue& item : list.array()) {
    const JsonObject e = item.object({"name", "doses", "source", "unconfirmed"});
    Equivalence eq;
    eq.name = e.string("name");
    eq.note = host::read_provenance(e);
    const JsonValue doses = e.required("doses");
    if (!doses.json().is_array() || doses.json().size() < 2) {
      doses.refuse("needs at least two doses taken as equal");
    }
    for (const JsonValue& dose : doses.array()) {
      EquivalentDose d = read_dose(dose);
      for (const EquivalentDose& other : eq.doses) {
        if (other.at == d.at) dose.refuse(fmt::format("{} is listed twice", d.at.text()));
      }
      // One unit per drug across the file, so doses of a drug compare directly.
      const auto same_unit = [&](const EquivalentDose& other) {
        if (other.at.drug == d.at.drug && other.unit != d.unit) {
          host::refuse(dose.path_of("unit"), fmt::format("{} is in {} elsewhere in this file",
                                                         d.at.drug, unit_name(other.unit)));
        }
      };
      for (const Equivalence& earlier : table.equivalences_) {
        for (const EquivalentDose& other : earlier.doses) same_unit(other);
      }
      for (const EquivalentDose& other : eq.doses) same_unit(other);
      eq.doses.push_back(std::move(d));
    }
    for (const Equivalence& earlier : table.equivalences_) {
      if (earlier.name == eq.name) {
        e.required("name").refuse(fmt::format("{} is used twice", eq.name));
      }
    }
    table.equivalences_.push_back(std::move(eq));
  }
  return table;
}

std::vector<DrugRoute> OpioidConversions::known() const {
  std::vector<DrugRoute> out;
  for (const Equivalence& e : equivalences_) {
    for (const EquivalentDose& d : e.doses) {
      if (std::find(out.begin(), out.end(), d.at) == out.end()) out.push_back(d.at);
    }
  }
  return out;
}

std::string OpioidConversions::known_text() const {
  std::string text;
  for (const DrugRoute& r : known()) {
    if (!text.empty()) text += ", ";
    text += r.text();
  }
  return text;
}

host::Checked<Conversion> convert(const OpioidConversions& table, const DrugRoute& from,
                                  const DrugRoute& to, DoseRate dose_per_day) {
  if (dose_per_day.count() <= 0) return host::Refusal{"dose", "must be above 0"};
  const auto unit_at = [&table](const DrugRoute& r) -> std::optional<DoseUnit> {
    for (const Equivalence& e : table.equivalences()) {
      for (const EquivalentDose& d : e.doses) {
        if (d.at == r) return d.unit;
      }
    }
    return std::nullopt;
  };
  const std::optional<DoseUnit> from_unit = unit_at(from);
  if (!from_unit) {
    return host::Refusal{
        "from", fmt::format("no rule names {} (known: {})", from.text(), table.known_text())};
  }
  const std::optional<DoseUnit> to_unit = unit_at(to);
  if (!to_unit) {
    return host::Refusal{
        "to", fmt::format("no rule names {} (known: {})", to.text(), table.known_text())};
  }
  if (from == to)
    return host::Refusal{"to", "is the same drug and route as --from: nothing to convert"};

  const std::int64_t precision_ng =
      nanograms_per(*to_unit) * table.rounding_millionths().value / kMillionths;
  Search search{table, to, dose_per_day, precision_ng, {}, {}, {from}};
  search.from(from, 0, 1, 1);
  if (search.found.empty()) {
    return host::Refusal{"to", fmt::format("no chain of rules leads from {} to {} (known: {})",
                                           from.text(), to.text(), table.known_text())};
  }
  // Lowest target first (exactly, then the fewest rules), so a disagreement between rules
  // always resolves toward the smaller dose of the new drug.
  std::stable_sort(search.found.begin(), search.found.end(),
                   [](const ConversionPath& a, const ConversionPath& b) {
                     if (a.exact_floor != b.exact_floor) return a.exact_floor < b.exact_floor;
                     if (a.exact_has_fraction != b.exact_has_fraction) return !a.exact_has_fraction;
                     return a.steps.size() < b.steps.size();
                   });
  Conversion c;
  c.from = from;
  c.from_unit = *from_unit;
  c.dose = dose_per_day;
  c.to = to;
  c.to_unit = *to_unit;
  c.used = search.found.front();
  c.result = c.used.rounded;
  c.others.assign(search.found.begin() + 1, search.found.end());
  c.precision = DrugAmount(precision_ng);
  c.caution = table.caution();
  return c;
}

std::string format_conversion(const Conversion& c) {
  std::string out = "Opioid conversion (rules of thumb: practice varies widely)\n";
  out += fmt::format("  from    {}  {}\n", c.from.text(), format_dose(c.dose, c.from_unit));
  out += fmt::format("  to      {}  {}\n", c.to.text(), format_dose(c.result, c.to_unit));
  out += fmt::format("          rounded down to {}; exact {}\n",
                     format_amount(c.precision, c.to_unit), exact_text(c.used, c.to_unit));
  for (const ConversionStep& s : c.used.steps) {
    out += fmt::format("  rule    {} = {}  ({})\n", amount_text(s.from), amount_text(s.to), s.rule);
    out += fmt::format("          {}\n", s.note.label());
  }
  if (!c.others.empty()) {
    out += "  other chains of rules give (the lowest result is the one used):\n";
    for (const ConversionPath& p : c.others) {
      std::string rules;
      for (const ConversionStep& s : p.steps) rules += (rules.empty() ? "" : ", ") + s.rule;
      out += fmt::format("          {} via {}\n", format_dose(p.rounded, c.to_unit), rules);
    }
  }
  out += fmt::format("  caution {}\n", c.caution);
  return out;
}

nlohmann::ordered_json conversion_json(const Conversion& c) {
  using J = nlohmann::ordered_json;
  const auto path_json = [&c](const ConversionPath& p) {
    J steps = J::array();
    for (const ConversionStep& s : p.steps) {
      steps.push_back(
          {{"rule", s.rule},
           {"from", s.from.at.text()},
           {"from_amount", host::decimal_json(s.from.amount.count(), nanograms_per(s.from.unit))},
           {"from_unit", unit_name(s.from.unit)},
           {"to", s.to.at.text()},
           {"to_amount", host::decimal_json(s.to.amount.count(), nanograms_per(s.to.unit))},
           {"to_unit", unit_name(s.to.unit)},
           {s.note.confirmed ? "source" : "unconfirmed", s.note.text}});
    }
    return J{{"result_per_day", host::decimal_json(p.rounded.count(), nanograms_per(c.to_unit))},
             {"result_ng_per_day", p.rounded.count()},
             {"exact_ng_per_day_floor", p.exact_floor.count()},
             {"exact_has_fraction_of_ng", p.exact_has_fraction},
             {"steps", steps}};
  };
  J others = J::array();
  for (const ConversionPath& p : c.others) others.push_back(path_json(p));
  return J{{"from", c.from.text()},
           {"dose_per_day", host::decimal_json(c.dose.count(), nanograms_per(c.from_unit))},
           {"dose_unit", unit_name(c.from_unit)},
           {"dose_ng_per_day", c.dose.count()},
           {"to", c.to.text()},
           {"result_per_day", host::decimal_json(c.result.count(), nanograms_per(c.to_unit))},
           {"result_unit", unit_name(c.to_unit)},
           {"result_ng_per_day", c.result.count()},
           {"rounded_down_to", host::decimal_json(c.precision.count(), nanograms_per(c.to_unit))},
           {"used", path_json(c.used)},
           {"others", others},
           {"caution", c.caution}};
}

}  // namespace itdd::programmer
