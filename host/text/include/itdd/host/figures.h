// Clinical figures in data files: every number is {"value": x, "source": "..."} or
// {"value": x, "unconfirmed": "..."} (data/pump-models.json, data/drug-library.json,
// data/opioid-conversions.json), so what a limit rests on can be shown beside it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "itdd/host/json_reader.h"

namespace itdd::host {

// Where a figure comes from: a source (a label, a study, a clinic) or an unconfirmed note (a
// sensible default to keep configurable).
struct Provenance {
  bool confirmed = false;
  std::string text;

  // "source: ..." or "unconfirmed: ...".
  std::string label() const { return (confirmed ? "source: " : "unconfirmed: ") + text; }
  bool operator==(const Provenance&) const = default;
};

template <class T>
struct Figure {
  T value{};
  Provenance note;
  bool operator==(const Figure&) const = default;
};

// Exactly one of "source" or "unconfirmed" in `figure`, not empty.
Provenance read_provenance(const JsonObject& figure);
void write_provenance(Json& figure, const Provenance& note);

// A figure object: its "value" (any JSON) and its provenance; `extra` keys are allowed beside
// them (a drug library limit's "level").
struct FigureReading {
  JsonObject object;
  JsonValue value;
  Provenance note;
};
FigureReading read_figure(const JsonValue& figure,
                          std::initializer_list<std::string_view> extra = {});

// An exact count of 1/scale units as a JSON number for an export: a whole number stays an
// integer (10, not 10.0); any other is the double whose shortest text is the exact decimal (up
// to 15 significant digits, which every figure itdd exports fits), so reading the export back
// gives the same count.
Json decimal_json(std::int64_t count, std::int64_t scale);

}  // namespace itdd::host
