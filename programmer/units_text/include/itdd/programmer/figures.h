// Clinical figures in data files: every number is {"value": x, "source": "..."} or
// {"value": x, "unconfirmed": "..."} (as in data/pump-models.json), so the programmer can show
// the clinician where a limit comes from. The readers keep a JSON path as they go, refuse
// unknown keys (a typo is caught, not ignored), and read numbers exactly: a JSON number's
// shortest decimal text goes through parse_decimal, never through double arithmetic.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/programmer/units_text.h"

namespace itdd::programmer {

// Where a figure comes from: a source (a label, a study, a clinic) or an unconfirmed note (a
// sensible default to keep configurable).
struct Provenance {
  bool confirmed = false;
  std::string text;

  // "source: ..." or "unconfirmed: ...".
  std::string label() const;
  bool operator==(const Provenance&) const = default;
};

template <class T>
struct Figure {
  T value{};
  Provenance note;
  bool operator==(const Figure&) const = default;
};

namespace figures {

// Ordered: files keep the order people wrote, exports read top to bottom (name first).
using Json = nlohmann::ordered_json;

// Thrown by the readers while a file is read; the loaders turn it into a Refusal.
struct FieldError {
  std::string field;
  std::string message;
};
[[noreturn]] void fail(std::string field, std::string message);

std::string join_path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t index);

class ObjectReader {
 public:
  // Refuses a non-object and any key not in `allowed` (listing the allowed ones).
  ObjectReader(const Json& j, std::string path, std::initializer_list<std::string_view> allowed);

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return join_path(path_, key); }
  bool has(std::string_view key) const { return j_.contains(key); }
  const Json& required(std::string_view key) const;
  std::string string(std::string_view key) const;  // non-empty
  bool boolean(std::string_view key) const;

 private:
  const Json& j_;
  std::string path_;
};

// Exactly one of "source" or "unconfirmed", not empty.
Provenance read_provenance(const ObjectReader& figure);
void write_provenance(Json& figure, const Provenance& note);

// A non-negative JSON number as an exact count of 1/scale units (scale a power of ten).
std::int64_t decimal(const Json& j, std::int64_t scale, const std::string& path);
// Back: a whole number stays an integer (10, not 10.0); others are the double whose shortest
// text is the exact decimal, so reading the export gives the same count again.
Json decimal_json(std::int64_t count, std::int64_t scale);

// Parses JSON text, or reads a whole file; an unreadable file or bad syntax is a FieldError with
// an empty field ("line 4, column 7: invalid JSON").
Json parse_json(std::string_view text);
Json read_json_file(const std::string& file);

}  // namespace figures
}  // namespace itdd::programmer
