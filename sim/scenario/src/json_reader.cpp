#include "json_reader.h"

#include <fmt/format.h>

#include <cmath>

namespace itdd::scenario::detail {

std::string join_path(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return fmt::format("{}.{}", base, key);
}

std::string index_path(std::string_view base, std::size_t index) {
  return fmt::format("{}[{}]", base, index);
}

void fail(const std::string& path, std::string message) {
  throw InputError(path, std::move(message));
}

std::string number_text(double value) {
  return fmt::format("{}", value);
}

double as_number(const Json& j, const std::string& path) {
  if (!j.is_number()) fail(path, "must be a number");
  const double value = j.get<double>();
  if (!std::isfinite(value)) fail(path, "must be a finite number");
  return value;
}

std::int64_t as_integer(const Json& j, const std::string& path) {
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number_float()) {
    const double value = j.get<double>();
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9e15) {
      return static_cast<std::int64_t>(value);
    }
  }
  fail(path, "must be a whole number");
}

std::string as_string(const Json& j, const std::string& path) {
  if (!j.is_string()) fail(path, "must be a string");
  return j.get<std::string>();
}

bool as_bool(const Json& j, const std::string& path) {
  if (!j.is_boolean()) fail(path, "must be true or false");
  return j.get<bool>();
}

const Json& as_array(const Json& j, const std::string& path) {
  if (!j.is_array()) fail(path, "must be an array");
  return j;
}

namespace {
std::string with_unit(double value, std::string_view unit, std::string_view note = "") {
  std::string text =
      unit.empty() ? number_text(value) : fmt::format("{} {}", number_text(value), unit);
  if (!note.empty()) text += fmt::format(" ({})", note);
  return text;
}
}  // namespace

double in_range(double value, double min, double max, const std::string& path,
                std::string_view unit, std::string_view max_note) {
  if (!(value >= min && value <= max)) {
    fail(path, fmt::format("must be between {} and {} (got {})", with_unit(min, unit),
                           with_unit(max, unit, max_note), number_text(value)));
  }
  return value;
}

double above_and_at_most(double value, double exclusive_min, double max, const std::string& path,
                         std::string_view unit, std::string_view max_note) {
  if (!(value > exclusive_min && value <= max)) {
    fail(path,
         fmt::format("must be above {} and at most {} (got {})", with_unit(exclusive_min, unit),
                     with_unit(max, unit, max_note), number_text(value)));
  }
  return value;
}

std::int64_t to_base_units(double value, std::int64_t factor, const std::string& path,
                           std::string_view base_unit, bool allow_zero) {
  if (!std::isfinite(value)) fail(path, "must be a finite number");
  if (value < 0) fail(path, fmt::format("must not be negative (got {})", number_text(value)));
  if (value == 0) {
    if (!allow_zero) fail(path, "must be greater than 0");
    return 0;
  }
  const double scaled = value * static_cast<double>(factor);
  // Far above any clinical value, and well inside 64-bit arithmetic downstream.
  if (scaled > 1e15) fail(path, fmt::format("is too large (got {})", number_text(value)));
  const std::int64_t rounded = std::llround(scaled);
  if (rounded == 0) {
    fail(path, fmt::format("is too small: {} rounds to 0 {}", number_text(value), base_unit));
  }
  return rounded;
}

ObjectReader::ObjectReader(const Json& j, std::string path, std::vector<std::string_view> allowed)
    : j_(j), path_(std::move(path)) {
  if (!j_.is_object()) fail(path_.empty() ? "(document)" : path_, "must be an object");
  for (const auto& item : j_.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == item.key();
    if (!known) {
      fail(path_of(item.key()),
           fmt::format("unknown key (allowed here: {})", fmt::join(allowed, ", ")));
    }
  }
}

bool ObjectReader::has(std::string_view key) const {
  return j_.contains(std::string(key)) && !j_.at(std::string(key)).is_null();
}

const Json& ObjectReader::required(std::string_view key) const {
  if (!has(key)) fail(path_of(key), "is required");
  return j_.at(std::string(key));
}

const Json* ObjectReader::optional(std::string_view key) const {
  return has(key) ? &j_.at(std::string(key)) : nullptr;
}

bool ObjectReader::boolean_or(std::string_view key, bool fallback) const {
  const Json* j = optional(key);
  return j == nullptr ? fallback : as_bool(*j, path_of(key));
}

}  // namespace itdd::scenario::detail
