// The small FHIR values the export is made of: UCUM quantities from exact base integers,
// instants and dates, codings, references. Internal to programmer/fhir.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "itdd/core/units.h"
#include "itdd/programmer/fhir_export.h"

namespace itdd::programmer::fhir {

inline constexpr const char* kUcum = "http://unitsofmeasure.org";
inline constexpr const char* kSnomed = "http://snomed.info/sct";

// `count` 1/`scale` of `ucum` (a UCUM code, also its display): {"value", "unit", "system",
// "code"}, the value exact (host::decimal_json).
FhirJson quantity(std::int64_t count, std::int64_t scale, std::string_view ucum);
// The drug's UCUM unit ("mg", "ug") and its ng per unit.
const char* ucum_amount(DoseUnit unit);
FhirJson amount(std::int64_t ng, DoseUnit unit);                // mg or ug
FhirJson dose_per_day(std::int64_t ng_per_day, DoseUnit unit);  // mg/d or ug/d
FhirJson concentration_ratio(Concentration c, DoseUnit unit);   // mg per 1 mL
FhirJson millilitres(std::int64_t nl);                          // mL
FhirJson millilitres_per_day(std::int64_t nl_per_day);          // mL/d
// The flow that delivers `ng_per_day` at `c`, rounded down to the nL/day (toward delivering
// less); 0 for a concentration of 0.
std::int64_t flow_nl_per_day(std::int64_t ng_per_day, Concentration c);

// "2026-06-01T08:30:00.000Z" (UTC, to the millisecond): a FHIR instant and dateTime.
std::string instant(std::int64_t ms);
// "2026-06-01": a calendar date kept as midnight UTC (birth, implant).
std::string date(std::int64_t ms);

FhirJson coding(std::string_view system, std::string_view code, std::string_view display);
FhirJson text_concept(std::string_view text);
FhirJson reference(const std::string& full_url, std::string_view display = {});
FhirJson display_only(std::string_view display);

// The intrathecal route: SNOMED CT 72607000 (docs/fhir.md gives its sources).
FhirJson intrathecal_route();

}  // namespace itdd::programmer::fhir
