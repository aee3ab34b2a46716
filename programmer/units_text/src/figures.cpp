#include "itdd/programmer/figures.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace itdd::programmer {

std::string Provenance::label() const {
  return (confirmed ? "source: " : "unconfirmed: ") + text;
}

namespace figures {

void fail(std::string field, std::string message) {
  throw FieldError{std::move(field), std::move(message)};
}

std::string join_path(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return fmt::format("{}.{}", base, key);
}

std::string index_path(std::string_view base, std::size_t index) {
  return fmt::format("{}[{}]", base, index);
}

ObjectReader::ObjectReader(const Json& j, std::string path,
                           std::initializer_list<std::string_view> allowed)
    : j_(j), path_(std::move(path)) {
  if (!j_.is_object()) fail(path_, "must be an object");
  for (const auto& [key, value] : j_.items()) {
    bool known = false;
    for (const std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (const std::string_view a : allowed) {
        list += list.empty() ? "" : ", ";
        list += a;
      }
      fail(path_of(key), fmt::format("unknown key (allowed: {})", list));
    }
  }
}

const Json& ObjectReader::required(std::string_view key) const {
  const auto it = j_.find(key);
  if (it == j_.end()) fail(path_of(key), "is missing");
  return *it;
}

std::string ObjectReader::string(std::string_view key) const {
  const Json& j = required(key);
  if (!j.is_string()) fail(path_of(key), "must be a string");
  std::string s = j.get<std::string>();
  if (s.empty()) fail(path_of(key), "must not be empty");
  return s;
}

bool ObjectReader::boolean(std::string_view key) const {
  const Json& j = required(key);
  if (!j.is_boolean()) fail(path_of(key), "must be true or false");
  return j.get<bool>();
}

Provenance read_provenance(const ObjectReader& figure) {
  const bool sourced = figure.has("source");
  if (sourced == figure.has("unconfirmed")) {
    fail(figure.path(), "needs exactly one of \"source\" or \"unconfirmed\"");
  }
  return Provenance{sourced, figure.string(sourced ? "source" : "unconfirmed")};
}

void write_provenance(Json& figure, const Provenance& note) {
  figure[note.confirmed ? "source" : "unconfirmed"] = note.text;
}

std::int64_t decimal(const Json& j, std::int64_t scale, const std::string& path) {
  std::string text;
  if (j.is_number_unsigned()) {
    text = fmt::format("{}", j.get<std::uint64_t>());
  } else if (j.is_number_integer()) {
    text = fmt::format("{}", j.get<std::int64_t>());
  } else if (j.is_number_float()) {
    const double value = j.get<double>();
    if (!std::isfinite(value)) fail(path, "must be a finite number");
    char buffer[512];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
    if (r.ec != std::errc()) fail(path, "too large");
    text.assign(buffer, r.ptr);
  } else {
    fail(path, "must be a number");
  }
  Checked<std::int64_t> count = parse_decimal(text, scale);
  if (!count.ok()) fail(path, count.error().message);
  return count.value();
}

Json decimal_json(std::int64_t count, std::int64_t scale) {
  if (count % scale == 0) return Json(count / scale);
  return Json(std::strtod(format_decimal(count, scale).c_str(), nullptr));
}

Json read_json_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("", "cannot open the file");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_json(text);
}

Json parse_json(std::string_view text) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // Line and column of the byte where parsing stopped, counted from the text.
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    fail("", fmt::format("line {}, column {}: invalid JSON", line, column));
  }
}

}  // namespace figures
}  // namespace itdd::programmer
