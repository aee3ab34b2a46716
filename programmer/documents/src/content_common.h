// What the session report, the summary and the card share of their content.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/programmer/documents.h"

namespace itdd::programmer::detail {

// The drug's unit from the library, or nothing for a drug it does not know.
inline std::optional<DoseUnit> dose_unit_of(const DrugLibrary& library, std::string_view drug) {
  const DrugSpec* spec = library.find(drug);
  return spec != nullptr ? std::optional<DoseUnit>(spec->unit) : std::nullopt;
}

inline const OverviewRow* find_row(const std::vector<OverviewRow>& rows, std::int64_t pump_id) {
  for (const OverviewRow& r : rows) {
    if (r.pump && r.pump->id == pump_id) return &r;
  }
  return nullptr;
}

// "peristaltic-20 (programmable, 20 mL)", or the bare name for a model the file lacks.
std::string pump_line(const PumpRecord& pump, const host::PumpCatalog& catalog);

}  // namespace itdd::programmer::detail
