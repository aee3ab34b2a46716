#include "json_outcome.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <streambuf>
#include <string_view>

#include "itdd/programmer/outcome.h"

namespace itdd::cli {
namespace {

using Json = nlohmann::ordered_json;

// Passes everything to `to` and keeps each whole line, so that the error lines can be found.
class TeeLines : public std::streambuf {
 public:
  explicit TeeLines(std::streambuf* to) : to_(to) {}
  const std::string& text() const { return text_; }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    text_.push_back(traits_type::to_char_type(c));
    return to_->sputc(traits_type::to_char_type(c));
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    text_.append(s, static_cast<std::size_t>(n));
    return to_->sputn(s, n);
  }
  int sync() override { return to_->pubsync(); }

 private:
  std::streambuf* to_;
  std::string text_;
};

// The "error: ..." and "cancelled: ..." lines of what was said on stderr (without "error: "),
// joined; else its last line.
std::string error_lines(const std::string& err) {
  std::string found;
  std::string last;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    last = line;
    std::string_view kept;
    if (line.rfind("error: ", 0) == 0) {
      kept = std::string_view(line).substr(7);
    } else if (line.rfind("cancelled: ", 0) == 0) {
      kept = line;
    } else {
      continue;
    }
    if (!found.empty()) found += "; ";
    found += kept;
  }
  return found.empty() ? last : found;
}

// add_json_outcome_field's fields, in the order they were added.
Json& session_fields() {
  static Json fields = Json::object();
  return fields;
}

Json outcome_fields(const std::string& command, int exit_status) {
  const std::optional<programmer::Outcome> o = programmer::outcome_of_exit_status(exit_status);
  return Json{{"command", command},
              {"outcome", o ? programmer::outcome_name(*o) : "failure"},
              {"exit_status", exit_status}};
}

}  // namespace

void add_json_outcome_field(const std::string& key, nlohmann::json value) {
  session_fields()[key] = Json::parse(value.dump());
}

struct JsonOutcome::Held {
  std::ostringstream out;
  std::streambuf* cout_buf = nullptr;
  std::streambuf* cerr_buf = nullptr;
  std::unique_ptr<TeeLines> err;
};

JsonOutcome::JsonOutcome(std::string command, bool one_line)
    : held_(std::make_unique<Held>()), command_(std::move(command)), one_line_(one_line) {
  held_->cout_buf = std::cout.rdbuf(held_->out.rdbuf());
  held_->err = std::make_unique<TeeLines>(std::cerr.rdbuf());
  held_->cerr_buf = std::cerr.rdbuf(held_->err.get());
}

JsonOutcome::~JsonOutcome() {
  if (!finished_) {
    std::cout.rdbuf(held_->cout_buf);
    std::cerr.rdbuf(held_->cerr_buf);
  }
}

int JsonOutcome::finish(int exit_status) {
  std::cout.flush();
  std::cerr.flush();
  std::cout.rdbuf(held_->cout_buf);
  std::cerr.rdbuf(held_->cerr_buf);
  finished_ = true;
  const std::string printed = held_->out.str();
  const std::string error = exit_status != 0 ? error_lines(held_->err->text()) : std::string();
  Json j = Json::parse(printed, nullptr, /*allow_exceptions=*/false);
  if (j.is_array() && exit_status == 0) {
    std::cout << printed;  // a list: the answer as it is
    return exit_status;
  }
  Json out = outcome_fields(command_, exit_status);
  if (j.is_object()) {
    // The command's own object, its fields first; "command" stays the command's own if it
    // has one (e.g. "alarm test").
    for (auto& [key, value] : out.items()) {
      if (!j.contains(key)) j[key] = value;
    }
    out = std::move(j);
  } else if (!printed.empty()) {
    out[j.is_discarded() ? "text" : "answer"] = j.is_discarded() ? Json(printed) : std::move(j);
  }
  for (auto& [key, value] : session_fields().items()) {
    if (!out.contains(key)) out[key] = value;
  }
  if (exit_status != 0 && !error.empty()) {
    if (!out.contains("error")) {
      out["error"] = error;
    } else if (out["error"] != error) {
      out["errors"] = error;
    }
  }
  std::cout << out.dump(one_line_ ? -1 : 2, ' ', false, Json::error_handler_t::replace) << '\n'
            << std::flush;
  return exit_status;
}

std::string outcome_json_line(const std::string& command, int exit_status,
                              const std::string& error) {
  Json j = outcome_fields(command, exit_status);
  if (!error.empty()) j["error"] = error;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace itdd::cli
