// Reading JSON files people write (the drug library, opioid conversions, pump models, scenarios,
// downloaded logs): the one JSON reader on the host.
//
// - Every value knows its path, so each refusal names the exact field
//   ("drugs[2].limits.hard_max.value", "prescription.steps[3].start").
// - Objects refuse unknown keys (listing the allowed ones) and the same key twice: a typo or a
//   doubled line is caught, not silently ignored. A key whose value is null counts as absent.
// - Numbers are read exactly from the text the file holds (nlohmann-json's SAX interface hands
//   over each number's text), through host::parse_json_number: never through a double, so
//   "0.1" is one tenth and "0.10000000000000001" is refused at a scale of 10^6 as it is typed.
// - Whatever goes wrong, in the text or in the reader's own checks, comes back as a Refusal:
//   a syntax error or a number too large for any reader is "line L, column C: ...", in words
//   of our own, never the JSON library's text, and no exception leaves read_json.
//
//   Checked<Drug> d = host::read_json(text, [](const host::JsonValue& root) {
//     const host::JsonObject o = root.object({"name", "dose"});
//     return Drug{o.string("name"), o.decimal("dose", 1'000'000)};
//   });
//
// JsonValue and JsonObject live only inside the call to read_json (they point into the
// document it parsed); refuse() may be called only there.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "itdd/host/checked.h"

namespace itdd::host {

// Ordered: documents keep the order people wrote, exports read top to bottom.
using Json = nlohmann::ordered_json;

// The largest file read_json_file reads (far above any file itdd writes or reads).
inline constexpr std::size_t kMaxJsonFileBytes = 64u << 20;
// The deepest nesting accepted (the deepest file itdd reads nests 6 levels).
inline constexpr std::size_t kMaxJsonDepth = 64;

namespace detail {
struct ParsedJson;
}

class JsonObject;

class JsonValue {
 public:
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const;
  // The node itself, for checks the accessors below do not make (is_string(), size()).
  const Json& json() const { return *node_; }

  // Refuses the whole read with this value's path.
  [[noreturn]] void refuse(std::string message) const;

  // Each accessor refuses, with this path, a value of another kind.
  // An object with only the `allowed` keys.
  JsonObject object(std::initializer_list<std::string_view> allowed) const;
  JsonObject object(const std::vector<std::string_view>& allowed) const;
  // The elements of an array, each with its path ("events[3]").
  std::vector<JsonValue> array() const;
  // One member of an object, or nothing (absent or null), without judging its other keys: for
  // a "type" or "mode" that says which keys the rest may have.
  std::optional<JsonValue> member(std::string_view key) const;
  // The members of an object whose keys are names the file chooses (pump models by name), in
  // file order, each with its path ("models.peristaltic-20").
  std::vector<std::pair<std::string, JsonValue>> members() const;
  // A non-empty string; string_or_empty() for free text that may be empty.
  std::string string() const;
  std::string string_or_empty() const;
  bool boolean() const;
  // The number as the file writes it.
  std::string number_text() const;
  // A non-negative number as an exact count of 1/scale units (scale a power of ten): refuses
  // more decimals than the scale holds, a negative value, and one beyond 64 bits.
  std::int64_t decimal(std::int64_t scale) const;
  // A whole number, negative or not ("3" or "3.0", not "3.5").
  std::int64_t whole() const;

 private:
  friend class JsonObject;
  friend struct detail::ParsedJson;
  JsonValue(const Json* node, std::string path, const detail::ParsedJson* doc)
      : node_(node), path_(std::move(path)), doc_(doc) {}

  const Json* node_;
  std::string path_;
  const detail::ParsedJson* doc_;
};

class JsonObject {
 public:
  const std::string& path() const { return value_.path(); }
  std::string path_of(std::string_view key) const { return value_.path_of(key); }
  const JsonValue& value() const { return value_; }
  [[noreturn]] void refuse(std::string message) const { value_.refuse(std::move(message)); }

  // Present and not null.
  bool has(std::string_view key) const;
  // Refuses a key that is absent: "is missing".
  JsonValue required(std::string_view key) const;
  std::optional<JsonValue> optional(std::string_view key) const;

  // required(key).string() and the like.
  std::string string(std::string_view key) const { return required(key).string(); }
  bool boolean(std::string_view key) const { return required(key).boolean(); }
  bool boolean_or(std::string_view key, bool fallback) const;
  std::int64_t decimal(std::string_view key, std::int64_t scale) const {
    return required(key).decimal(scale);
  }
  std::int64_t whole(std::string_view key) const { return required(key).whole(); }

 private:
  friend class JsonValue;
  explicit JsonObject(JsonValue value) : value_(std::move(value)) {}
  JsonValue value_;
};

// Refuses the whole read, naming `field` (a path, or empty for the file as a whole). Only inside
// a read_json callback.
[[noreturn]] void refuse(std::string field, std::string message);

// Parses `text` and calls `read` with the document's root; the refusal of the parse or of
// anything `read` refused, or nothing when all was read.
std::optional<Refusal> read_json_with(std::string_view text,
                                      const std::function<void(const JsonValue&)>& read);
// The same for a file: one that cannot be opened or read is refused ("cannot open the file"),
// as is one above kMaxJsonFileBytes.
std::optional<Refusal> read_json_file_with(const std::filesystem::path& file,
                                           const std::function<void(const JsonValue&)>& read);

// What `read(root)` returns, or the refusal.
template <class F>
auto read_json(std::string_view text, F&& read)
    -> Checked<std::invoke_result_t<F&, const JsonValue&>> {
  std::optional<std::invoke_result_t<F&, const JsonValue&>> out;
  if (std::optional<Refusal> r =
          read_json_with(text, [&](const JsonValue& root) { out.emplace(read(root)); })) {
    return std::move(*r);
  }
  return std::move(*out);
}

template <class F>
auto read_json_file(const std::filesystem::path& file, F&& read)
    -> Checked<std::invoke_result_t<F&, const JsonValue&>> {
  std::optional<std::invoke_result_t<F&, const JsonValue&>> out;
  if (std::optional<Refusal> r =
          read_json_file_with(file, [&](const JsonValue& root) { out.emplace(read(root)); })) {
    return std::move(*r);
  }
  return std::move(*out);
}

// "base.key", or "key" when base is empty; "base[index]".
std::string join_path(std::string_view base, std::string_view key);
std::string index_path(std::string_view base, std::size_t index);

}  // namespace itdd::host
