#include "fhir_values.h"

#include <fmt/format.h>
#include <sodium.h>

#include <array>
#include <set>

#include "itdd/host/figures.h"

namespace itdd::programmer {

std::string fhir_uuid(std::string_view name) {
  std::array<unsigned char, 16> h{};
  // BLAKE2b of the name, cut to 128 bits; then the version (8) and variant (10) bits of RFC 9562.
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(name.data()),
                     name.size(), nullptr, 0);
  h[6] = static_cast<unsigned char>((h[6] & 0x0F) | 0x80);
  h[8] = static_cast<unsigned char>((h[8] & 0x3F) | 0x80);
  std::string hex;
  for (std::size_t i = 0; i < h.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) hex += '-';
    hex += fmt::format("{:02x}", h[i]);
  }
  return "urn:uuid:" + hex;
}

std::string fhir_bundle_text(const FhirJson& bundle) {
  return bundle.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

void collect_references(const FhirJson& value, const std::string& where,
                        const std::set<std::string>& known, std::vector<std::string>& out) {
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      collect_references(value[i], fmt::format("{}[{}]", where, i), known, out);
    }
  } else if (value.is_object()) {
    for (const auto& [key, v] : value.items()) {
      if (key == "reference" && v.is_string()) {
        if (known.count(v.get<std::string>()) == 0) {
          out.push_back(fmt::format("{}.reference {} does not resolve in the bundle", where,
                                    v.get<std::string>()));
        }
      } else {
        collect_references(v, where + "." + key, known, out);
      }
    }
  }
}

}  // namespace

std::vector<std::string> fhir_unresolved_references(const FhirJson& bundle) {
  std::vector<std::string> out;
  std::set<std::string> known;
  const FhirJson entries = bundle.value("entry", FhirJson::array());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const FhirJson& e = entries[i];
    const std::string url = e.value("fullUrl", "");
    if (url.empty()) {
      out.push_back(fmt::format("entry[{}]: no fullUrl", i));
    } else if (!known.insert(url).second) {
      out.push_back(fmt::format("entry[{}]: fullUrl {} repeated", i, url));
    }
    const FhirJson r = e.value("resource", FhirJson::object());
    if (r.contains("resourceType") && r.contains("id")) {
      known.insert(r["resourceType"].get<std::string>() + "/" + r["id"].get<std::string>());
    }
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    collect_references(entries[i].value("resource", FhirJson::object()),
                       fmt::format("entry[{}].resource", i), known, out);
  }
  return out;
}

namespace fhir {

FhirJson quantity(std::int64_t count, std::int64_t scale, std::string_view ucum) {
  FhirJson q;
  q["value"] = host::decimal_json(count, scale);
  q["unit"] = ucum;
  q["system"] = kUcum;
  q["code"] = ucum;
  return q;
}

const char* ucum_amount(DoseUnit unit) {
  return unit == DoseUnit::kMicrogram ? "ug" : "mg";
}

FhirJson amount(std::int64_t ng, DoseUnit unit) {
  return quantity(ng, nanograms_per(unit), ucum_amount(unit));
}

FhirJson dose_per_day(std::int64_t ng_per_day, DoseUnit unit) {
  return quantity(ng_per_day, nanograms_per(unit), fmt::format("{}/d", ucum_amount(unit)));
}

FhirJson concentration_ratio(Concentration c, DoseUnit unit) {
  return {{"numerator", amount(c.count(), unit)}, {"denominator", quantity(1, 1, "mL")}};
}

FhirJson millilitres(std::int64_t nl) {
  return quantity(nl, kNanolitresPerMillilitre, "mL");
}

FhirJson millilitres_per_day(std::int64_t nl_per_day) {
  return quantity(nl_per_day, kNanolitresPerMillilitre, "mL/d");
}

std::int64_t flow_nl_per_day(std::int64_t ng_per_day, Concentration c) {
  if (c.count() <= 0) return 0;
  return static_cast<std::int64_t>(static_cast<Int128>(ng_per_day) * kNanolitresPerMillilitre /
                                   c.count());
}

std::string date(std::int64_t ms) {
  return utc_date(ms);
}

std::string instant(std::int64_t ms) {
  const std::int64_t day =
      ms >= 0 ? ms / kMillisPerDay : -((-ms + kMillisPerDay - 1) / kMillisPerDay);
  const std::int64_t in_day = ms - day * kMillisPerDay;
  return fmt::format("{}T{:02}:{:02}:{:02}.{:03}Z", utc_date(day * kMillisPerDay),
                     in_day / 3'600'000, in_day / 60'000 % 60, in_day / 1000 % 60, in_day % 1000);
}

FhirJson coding(std::string_view system, std::string_view code, std::string_view display) {
  return {{"system", system}, {"code", code}, {"display", display}};
}

FhirJson text_concept(std::string_view text) {
  return {{"text", text}};
}

FhirJson reference(const std::string& full_url, std::string_view display) {
  FhirJson r{{"reference", full_url}};
  if (!display.empty()) r["display"] = display;
  return r;
}

FhirJson display_only(std::string_view display) {
  return {{"display", display}};
}

FhirJson intrathecal_route() {
  FhirJson codings = FhirJson::array();
  codings.push_back(coding(kSnomed, "72607000", "Intrathecal route (qualifier value)"));
  return {{"coding", std::move(codings)}, {"text", "intrathecal"}};
}

}  // namespace fhir
}  // namespace itdd::programmer
