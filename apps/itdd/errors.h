// How `itdd` shows what went wrong, one way for every command: "error: WHAT" on stderr (through
// the terminal filter of escaped_stderr.h), and the exit status of the outcome it is
// (programmer/outcome.h, the one definition: 0 ok, 1 refused, 2 invalid input, 3 uncertain,
// 4 applied but not recorded; `itdd --help` and apps/README.md list them).
#pragma once

#include <string>
#include <string_view>

#include "itdd/core/result.h"
#include "itdd/host/checked.h"

namespace itdd::cli {

int bad_input(const std::string& what);             // 2: nothing ran, an input to change
int failure(const std::string& what);               // 1: refused, nothing changed
int uncertain(const std::string& what);             // 3: interrogate before anything else
int applied_not_recorded(const std::string& what);  // 4: applied, record it by hand

// The host's error (host::Refusal, the one error type): "error: FIELD: MESSAGE" (`option` in
// place of the field when given: the command-line option the user typed, "--state" for the
// virtual implant's "state_dir"), and the exit status of its kind (programmer::outcome_of).
int refused(const host::Refusal& r, std::string_view option = "");
// A use case's refusal (programmer/use_cases): "error: MESSAGE", its message alone, since a use
// case writes it whole and its field names the use case's input, which the command maps to its
// option where it has one (then `refused` with that option); the exit status of its kind
// (invalid input, refused, uncertain, applied but not recorded).
int said(const host::Refusal& r);

// A dose the drug library did not accept (`what`: "program", "bolus"): blocked by a hard limit,
// or a soft limit's --override-reason missing or refused. Nothing was sent. Exit status 2.
int drug_library_refusal(bool blocked, const Error& e, std::string_view what);

}  // namespace itdd::cli
