// With --json, every run of `itdd` prints exactly one JSON object on stdout, whatever it came to:
// the command's own object, or for a refusal, invalid input or an uncertain outcome an object
// saying so. Either way it carries "command" (e.g. "programmer bolus"), "outcome" and
// "exit_status" (programmer/outcome.h, the one definition of both), and "error" when the run
// did not end ok (the "error: ..." lines said on stderr, as a person sees them).
//
// How: while a command runs, what it writes on stdout is held back (stderr is passed through
// and its error lines kept); finish() prints it once with the outcome added. A command's object
// keeps its fields and their order. A list command's array is printed as it is (it is the
// answer); text a command wrote without JSON is put under "text". `implant serve` runs for
// ever, so its start-up line is its own (serve.cpp): it is not held back.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace itdd::cli {

class JsonOutcome {
 public:
  // Holds std::cout back and copies std::cerr's error lines, until finish(). `one_line`: the
  // object is printed on one line (serve's start-up line).
  explicit JsonOutcome(std::string command, bool one_line = false);
  ~JsonOutcome();
  JsonOutcome(const JsonOutcome&) = delete;
  JsonOutcome& operator=(const JsonOutcome&) = delete;

  // Restores std::cout and std::cerr, prints the one JSON object for `exit_status`, and
  // returns `exit_status`.
  int finish(int exit_status);

  struct Held;

 private:
  std::unique_ptr<Held> held_;
  std::string command_;
  bool one_line_ = false;
  bool finished_ = false;
};

// A field every --json object of this run carries (unless the command's object has it): what
// the session found on opening, e.g. "clock_check" (link_session.h), said once for all
// commands.
void add_json_outcome_field(const std::string& key, nlohmann::json value);

// The JSON object for an outcome when the command printed none, as one line (serve's refusals
// before it starts, and the parse errors main() sees before any command runs).
std::string outcome_json_line(const std::string& command, int exit_status,
                              const std::string& error);

}  // namespace itdd::cli
