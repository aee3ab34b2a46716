#include "errors.h"

#include <fmt/format.h>

#include <iostream>

#include "itdd/programmer/outcome.h"
#include "itdd/programmer/status_report.h"

namespace itdd::cli {
namespace {

int say(const std::string& what, programmer::Outcome outcome) {
  std::cerr << "error: " << what << '\n';
  return programmer::exit_status(outcome);
}

}  // namespace

int bad_input(const std::string& what) {
  return say(what, programmer::Outcome::kInvalidInput);
}

int failure(const std::string& what) {
  return say(what, programmer::Outcome::kRefused);
}

int uncertain(const std::string& what) {
  return say(what, programmer::Outcome::kUncertain);
}

int applied_not_recorded(const std::string& what) {
  return say(what, programmer::Outcome::kAppliedNotRecorded);
}

int refused(const host::Refusal& r, std::string_view option) {
  const std::string text =
      option.empty() ? r.text() : host::Refusal{std::string(option), r.message, r.kind}.text();
  return say(text, programmer::outcome_of(r));
}

int said(const host::Refusal& r) {
  return say(r.message, programmer::outcome_of(r));
}

int drug_library_refusal(bool blocked, const Error& e, std::string_view what) {
  if (blocked) {
    return bad_input(fmt::format("the drug library blocks this {} ({}): nothing was sent", what,
                                 programmer::error_text(e)));
  }
  return bad_input(fmt::format("--override-reason: {}: nothing was sent", e.message));
}

}  // namespace itdd::cli
