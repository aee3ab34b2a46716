// Reading JSON with a path: every accessor knows where it is in the document so that each
// error names the exact field ("prescription.steps[3].start"), and objects refuse unknown
// keys so a typo is caught instead of silently ignored. Internal to itdd_scenario.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/scenario/input_error.h"

namespace itdd::scenario::detail {

using Json = nlohmann::json;

std::string join_path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t index);
[[noreturn]] void fail(const std::string& path, std::string message);

// Shortest text for a number in messages: 0.048, 20, 1e+06.
std::string number_text(double value);

double as_number(const Json& j, const std::string& path);
std::int64_t as_integer(const Json& j, const std::string& path);
std::string as_string(const Json& j, const std::string& path);
bool as_bool(const Json& j, const std::string& path);
const Json& as_array(const Json& j, const std::string& path);

// Range checks with the allowed range in the message. `unit` is shown after the bounds.
// `max_note` explains where the maximum comes from ("the reservoir's capacity").
double in_range(double value, double min, double max, const std::string& path,
                std::string_view unit = "", std::string_view max_note = "");
double above_and_at_most(double value, double exclusive_min, double max, const std::string& path,
                         std::string_view unit = "", std::string_view max_note = "");

// A decimal clinical number times `factor` (e.g. 1e6 nL per mL), rounded to the nearest base
// unit once, here. Refuses negatives, and positives that would round to zero; zero itself only
// when `allow_zero`. `base_unit` names the result's unit in messages ("nL", "ng").
std::int64_t to_base_units(double value, std::int64_t factor, const std::string& path,
                           std::string_view base_unit, bool allow_zero);

class ObjectReader {
 public:
  // Refuses a non-object and any key not in `allowed` (listing the allowed ones).
  ObjectReader(const Json& j, std::string path, std::vector<std::string_view> allowed);

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return join_path(path_, key); }
  bool has(std::string_view key) const;
  const Json& required(std::string_view key) const;
  const Json* optional(std::string_view key) const;

  double number(std::string_view key) const { return as_number(required(key), path_of(key)); }
  std::int64_t integer(std::string_view key) const {
    return as_integer(required(key), path_of(key));
  }
  std::string string(std::string_view key) const { return as_string(required(key), path_of(key)); }
  bool boolean_or(std::string_view key, bool fallback) const;

 private:
  const Json& j_;
  std::string path_;
};

}  // namespace itdd::scenario::detail
