#include "itdd/host/figures.h"

#include <cstdlib>
#include <vector>

#include "itdd/host/decimal.h"

namespace itdd::host {

Provenance read_provenance(const JsonObject& figure) {
  const bool sourced = figure.has("source");
  if (sourced == figure.has("unconfirmed")) {
    figure.refuse("needs exactly one of \"source\" or \"unconfirmed\"");
  }
  return Provenance{sourced, figure.string(sourced ? "source" : "unconfirmed")};
}

void write_provenance(Json& figure, const Provenance& note) {
  figure[note.confirmed ? "source" : "unconfirmed"] = note.text;
}

FigureReading read_figure(const JsonValue& figure, std::initializer_list<std::string_view> extra) {
  std::vector<std::string_view> allowed = {"value", "source", "unconfirmed"};
  allowed.insert(allowed.end(), extra.begin(), extra.end());
  JsonObject object = figure.object(allowed);
  Provenance note = read_provenance(object);
  JsonValue value = object.required("value");
  return FigureReading{std::move(object), std::move(value), std::move(note)};
}

Json decimal_json(std::int64_t count, std::int64_t scale) {
  if (count % scale == 0) return Json(count / scale);
  return Json(std::strtod(format_decimal(count, scale).c_str(), nullptr));
}

}  // namespace itdd::host
