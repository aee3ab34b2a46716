#include "itdd/host/json_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <unordered_map>

#include "itdd/host/decimal.h"

namespace itdd::host {

namespace detail {

// A parsed document and the text of each non-integer number in it, by node (the tree is not
// changed after parsing, so the addresses hold).
struct ParsedJson {
  Json root;
  std::unordered_map<const Json*, std::string> float_texts;

  JsonValue root_value() const { return JsonValue(&root, "", this); }
};

}  // namespace detail

namespace {

// What refuse() throws; caught by read_json_with in this file, never beyond it.
struct Refused {
  Refusal refusal;
};

// "line L, column C" of byte `offset` of `text` (both from 1).
std::string place(std::string_view text, std::size_t offset) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

// Builds the tree as nlohmann-json's own DOM parser does, and also: keeps the text of each
// non-integer number (in document order), refuses a key given twice in an object and nesting
// deeper than kMaxJsonDepth, and turns the parser's errors into refusals of our own.
class Builder final : public nlohmann::json_sax<Json> {
 public:
  explicit Builder(std::string_view text) : text_(text) {}

  bool null() override { return put(Json(nullptr)); }
  bool boolean(bool v) override { return put(Json(v)); }
  bool number_integer(number_integer_t v) override { return put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(Json(v)); }
  bool number_float(number_float_t v, const string_t& text) override {
    float_texts_.push_back(text);
    return put(Json(v));
  }
  bool string(string_t& v) override { return put(Json(std::move(v))); }
  bool binary(binary_t&) override {
    failure_ = Refusal{"", "invalid JSON: binary values are not JSON text"};
    return false;
  }
  bool start_object(std::size_t) override { return open(Json::object()); }
  bool key(string_t& k) override {
    Json& object = *stack_.back();
    if (object.contains(k)) {
      failure_ =
          Refusal{join_path(paths_.back(), k), "is given twice in the same object: keep one"};
      return false;
    }
    key_ = std::move(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t position, const std::string& last_token,
                   const nlohmann::detail::exception& ex) override {
    if (ex.id == 406) {
      // A number beyond a double's range (nlohmann-json reads every non-integer through one):
      // the parser stops after it, so its start is its length back.
      const std::size_t start =
          position >= last_token.size() ? position - last_token.size() : position;
      failure_ = Refusal{"", fmt::format("{}: the number {} is too large", place(text_, start),
                                         shortened(last_token))};
    } else if (std::string_view(ex.what()).find("unexpected end of input") !=
               std::string_view::npos) {
      failure_ = Refusal{"", fmt::format("{}: invalid JSON: the text ends before the JSON does",
                                         place(text_, text_.size()))};
    } else {
      // The parser stops at the byte it could not use.
      const std::size_t at = position == 0 ? 0 : std::min(position, text_.size()) - 1;
      failure_ = Refusal{
          "", fmt::format("{}: invalid JSON near '{}'", place(text_, at), context_before(at))};
    }
    return false;
  }

  // After a successful parse: the tree and each float's text by node.
  void finish(detail::ParsedJson& out) {
    out.root = std::move(root_);
    std::size_t next = 0;
    map_floats(out.root, out, next);
  }

  const std::optional<Refusal>& failure() const { return failure_; }

 private:
  // Up to 24 characters of the line that ends at byte `at`, without leading blanks; control
  // characters and bytes above ASCII shown as '?'.
  std::string context_before(std::size_t at) const {
    std::size_t from = at;
    while (from > 0 && at - from < 23 && text_[from - 1] != '\n') --from;
    while (from < at && (text_[from] == ' ' || text_[from] == '\t')) ++from;
    std::string out;
    for (std::size_t i = from; i <= at && i < text_.size(); ++i) {
      const auto c = static_cast<unsigned char>(text_[i]);
      out += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
    }
    return out;
  }

  static std::string shortened(const std::string& token) {
    return token.size() <= 40 ? token : token.substr(0, 37) + "...";
  }

  // The path of the value about to be put.
  std::string next_path() const {
    if (stack_.empty()) return "";
    const Json& top = *stack_.back();
    return top.is_array() ? index_path(paths_.back(), top.size()) : join_path(paths_.back(), key_);
  }

  Json* put_at(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(value));
      return &top.back();
    }
    Json& slot = top[key_];
    slot = std::move(value);
    return &slot;
  }

  bool put(Json value) {
    put_at(std::move(value));
    return true;
  }

  bool open(Json container) {
    if (stack_.size() >= kMaxJsonDepth) {
      failure_ = Refusal{next_path(), fmt::format("is nested deeper than {} levels: not a file "
                                                  "itdd reads",
                                                  kMaxJsonDepth)};
      return false;
    }
    std::string path = next_path();
    stack_.push_back(put_at(std::move(container)));
    paths_.push_back(std::move(path));
    return true;
  }

  bool close() {
    stack_.pop_back();
    paths_.pop_back();
    return true;
  }

  // Document order: ordered_json keeps keys as written, and no key is given twice.
  void map_floats(const Json& node, detail::ParsedJson& out, std::size_t& next) {
    if (node.is_number_float()) {
      if (next < float_texts_.size()) out.float_texts.emplace(&node, std::move(float_texts_[next]));
      ++next;
    } else if (node.is_structured()) {
      for (const Json& child : node) map_floats(child, out, next);
    }
  }

  std::string_view text_;
  Json root_;
  std::vector<Json*> stack_;
  std::vector<std::string> paths_;
  std::string key_;
  std::vector<std::string> float_texts_;
  std::optional<Refusal> failure_;
};

const char* kind_of(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "true or false";
    default:
      return "a number";
  }
}

std::optional<Refusal> run(const detail::ParsedJson& doc,
                           const std::function<void(const JsonValue&)>& read) {
  try {
    read(doc.root_value());
    return std::nullopt;
  } catch (const Refused& r) {
    return r.refusal;
  } catch (const Json::exception& e) {
    // Only a fault in a reader (an accessor of the JSON library used on the wrong kind): said
    // as such, and nothing is used.
    return Refusal{
        "", fmt::format("itdd could not read this file (a fault in itdd: JSON error {})", e.id)};
  }
}

}  // namespace

std::string join_path(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  return fmt::format("{}.{}", base, key);
}

std::string index_path(std::string_view base, std::size_t index) {
  return fmt::format("{}[{}]", base, index);
}

void refuse(std::string field, std::string message) {
  throw Refused{Refusal{std::move(field), std::move(message)}};
}

// ---- JsonValue ----

std::string JsonValue::path_of(std::string_view key) const {
  return join_path(path_, key);
}

void JsonValue::refuse(std::string message) const {
  host::refuse(path_, std::move(message));
}

JsonObject JsonValue::object(std::initializer_list<std::string_view> allowed) const {
  return object(std::vector<std::string_view>(allowed));
}

JsonObject JsonValue::object(const std::vector<std::string_view>& allowed) const {
  if (!node_->is_object())
    refuse(fmt::format("must be an object {{...}}, not {}", kind_of(*node_)));
  for (const auto& [key, value] : node_->items()) {
    bool known = false;
    for (const std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (const std::string_view a : allowed) {
        list += list.empty() ? "" : ", ";
        list += a;
      }
      host::refuse(path_of(key), fmt::format("unknown key (allowed: {})", list));
    }
  }
  return JsonObject(*this);
}

std::vector<JsonValue> JsonValue::array() const {
  if (!node_->is_array()) refuse(fmt::format("must be an array [...], not {}", kind_of(*node_)));
  std::vector<JsonValue> out;
  out.reserve(node_->size());
  for (std::size_t i = 0; i < node_->size(); ++i) {
    out.push_back(JsonValue(&(*node_)[i], index_path(path_, i), doc_));
  }
  return out;
}

std::optional<JsonValue> JsonValue::member(std::string_view key) const {
  if (!node_->is_object())
    refuse(fmt::format("must be an object {{...}}, not {}", kind_of(*node_)));
  const auto it = node_->find(key);
  if (it == node_->end() || it->is_null()) return std::nullopt;
  return JsonValue(&*it, path_of(key), doc_);
}

std::vector<std::pair<std::string, JsonValue>> JsonValue::members() const {
  if (!node_->is_object())
    refuse(fmt::format("must be an object {{...}}, not {}", kind_of(*node_)));
  std::vector<std::pair<std::string, JsonValue>> out;
  out.reserve(node_->size());
  for (const auto& [key, value] : node_->items()) {
    out.emplace_back(key, JsonValue(&value, path_of(key), doc_));
  }
  return out;
}

std::string JsonValue::string_or_empty() const {
  if (!node_->is_string()) refuse(fmt::format("must be a string, not {}", kind_of(*node_)));
  return node_->get_ref<const std::string&>();
}

std::string JsonValue::string() const {
  std::string s = string_or_empty();
  if (s.empty()) refuse("must not be empty");
  return s;
}

bool JsonValue::boolean() const {
  if (!node_->is_boolean()) refuse(fmt::format("must be true or false, not {}", kind_of(*node_)));
  return node_->get<bool>();
}

std::string JsonValue::number_text() const {
  if (node_->is_number_unsigned()) return fmt::format("{}", node_->get<std::uint64_t>());
  if (node_->is_number_integer()) return fmt::format("{}", node_->get<std::int64_t>());
  if (node_->is_number_float()) {
    const auto it = doc_->float_texts.find(node_);
    if (it == doc_->float_texts.end()) refuse("itdd could not read this number (a fault in itdd)");
    return it->second;
  }
  refuse(fmt::format("must be a number, not {}", kind_of(*node_)));
}

std::int64_t JsonValue::decimal(std::int64_t scale) const {
  const Checked<std::int64_t> count = parse_json_number(number_text(), scale);
  if (!count.ok()) refuse(count.error().message);
  return count.value();
}

std::int64_t JsonValue::whole() const {
  const Checked<std::int64_t> count = parse_json_integer(number_text());
  if (!count.ok()) refuse(count.error().message);
  return count.value();
}

// ---- JsonObject ----

bool JsonObject::has(std::string_view key) const {
  const Json& j = value_.json();
  const auto it = j.find(key);
  return it != j.end() && !it->is_null();
}

JsonValue JsonObject::required(std::string_view key) const {
  std::optional<JsonValue> v = optional(key);
  if (!v) host::refuse(path_of(key), "is missing");
  return std::move(*v);
}

std::optional<JsonValue> JsonObject::optional(std::string_view key) const {
  const Json& j = value_.json();
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return JsonValue(&*it, path_of(key), value_.doc_);
}

bool JsonObject::boolean_or(std::string_view key, bool fallback) const {
  const std::optional<JsonValue> v = optional(key);
  return v ? v->boolean() : fallback;
}

// ---- reading ----

std::optional<Refusal> read_json_with(std::string_view text,
                                      const std::function<void(const JsonValue&)>& read) {
  Builder builder(text);
  const bool parsed = Json::sax_parse(text, &builder, Json::input_format_t::json, true);
  if (!parsed) {
    return builder.failure().value_or(Refusal{"", "invalid JSON"});
  }
  detail::ParsedJson doc;
  builder.finish(doc);
  return run(doc, read);
}

std::optional<Refusal> read_json_file_with(const std::filesystem::path& file,
                                           const std::function<void(const JsonValue&)>& read) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    return Refusal{"", "cannot open the file: it is a folder"};
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Refusal{"", "cannot open the file"};
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxJsonFileBytes) {
      return Refusal{
          "", fmt::format("is larger than {} MiB: not a file itdd reads", kMaxJsonFileBytes >> 20)};
    }
  }
  if (in.bad()) return Refusal{"", "cannot be read"};
  return read_json_with(text, read);
}

}  // namespace itdd::host
