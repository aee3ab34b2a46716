// Opioid conversion between drugs and routes (data/opioid-conversions.json): rules of thumb
// whose results vary widely in practice, so the converter shows every rule it used with its
// source, says that practice varies, rounds down to a stated precision, and where rules disagree
// (intrathecal hydromorphone:morphine 2:1 in one trial, 6:1 in another practice) uses the one
// giving the lower target dose and says so. Rules may chain (oral morphine -> intrathecal
// morphine -> intrathecal hydromorphone); each rule is used at most once in a chain.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/figures.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {

struct DrugRoute {
  std::string drug;   // "morphine"
  std::string route;  // "oral", "iv", "epidural", "intrathecal"

  std::string text() const;  // "morphine:intrathecal"
  bool operator==(const DrugRoute&) const = default;
};
// "morphine:oral" (lowercase names, one colon).
host::Checked<DrugRoute> parse_drug_route(std::string_view text);

struct EquivalentDose {
  DrugRoute at;
  DrugAmount amount{};
  DoseUnit unit = DoseUnit::kMilligram;
  bool operator==(const EquivalentDose&) const = default;
};

// Amounts taken as equal in effect.
struct Equivalence {
  std::string name;
  std::vector<EquivalentDose> doses;
  host::Provenance note;
  bool operator==(const Equivalence&) const = default;
};

class OpioidConversions {
 public:
  // The file, or the refusal of its first problem (its JSON path and what is wrong; a file that
  // cannot be read and invalid JSON have an empty field).
  static host::Checked<OpioidConversions> load(const std::filesystem::path& file);
  static host::Checked<OpioidConversions> from_text(std::string_view text);

  const std::vector<Equivalence>& equivalences() const { return equivalences_; }
  const std::string& caution() const { return caution_; }
  // The rounding step in millionths of the target drug's unit (10,000 = 0.01 mg).
  const host::Figure<std::int64_t>& rounding_millionths() const { return rounding_; }
  // Every drug:route some rule names, in file order.
  std::vector<DrugRoute> known() const;
  std::string known_text() const;  // "morphine:oral, morphine:iv, ..."

 private:
  static OpioidConversions read(const host::JsonValue& root);

  std::string caution_;
  host::Figure<std::int64_t> rounding_;
  std::vector<Equivalence> equivalences_;
};

// One rule applied: `from_amount` at `from` is taken as `to_amount` at `to`.
struct ConversionStep {
  EquivalentDose from;
  EquivalentDose to;
  std::string rule;  // the equivalence's name
  host::Provenance note;
};

struct ConversionPath {
  std::vector<ConversionStep> steps;
  DoseRate exact_floor{};  // the exact result cut to the ng
  bool exact_has_fraction = false;
  DoseRate rounded{};  // rounded down to the precision
};

struct Conversion {
  DrugRoute from;
  DoseUnit from_unit = DoseUnit::kMilligram;
  DoseRate dose{};  // asked for
  DrugRoute to;
  DoseUnit to_unit = DoseUnit::kMilligram;
  DoseRate result{};                   // used.rounded
  ConversionPath used;                 // the path giving the lowest target dose
  std::vector<ConversionPath> others;  // other paths (higher or equal targets)
  DrugAmount precision{};              // the rounding step in ng
  std::string caution;
};

// Refuses a dose not above zero (field "dose"), the same drug and route on both sides, a
// drug:route no rule names (field "from" or "to", listing the known ones), and two that no chain
// of rules links.
host::Checked<Conversion> convert(const OpioidConversions& table, const DrugRoute& from,
                                  const DrugRoute& to, DoseRate dose_per_day);

std::string format_conversion(const Conversion& conversion);
nlohmann::ordered_json conversion_json(const Conversion& conversion);

}  // namespace itdd::programmer
