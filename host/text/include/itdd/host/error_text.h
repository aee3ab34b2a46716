// An implant's or the therapy library's Error, for people: the limit a refusal met, with the
// value asked for and the one allowed ("0.04 mL/day requested, this pump's minimum is
// 0.048 mL/day"), written by the host since the implant formats no text; and the Error as the
// host's Refusal (checked.h), so that the host has one error type. Used by the simulator's
// scenario reader and by the programmer, for refusals met locally and those read from the wire
// alike.
#pragma once

#include <string>

#include "itdd/core/result.h"
#include "itdd/host/checked.h"

namespace itdd::host {

// The quantities `e` names, or "" when it names none.
std::string limit_text(const Error& e);

// The error's message, then its limit when it names one ("rate is below the pump's minimum
// programmable rate: 0.04 mL/day requested, this pump's minimum is 0.048 mL/day").
std::string message_text(const Error& e);

// The Error as a Refusal: the field as a path with its indices ("steps[3]", "weekdays[1][2]"),
// the message with the limit it met (message_text), the kind its code.
Refusal refusal_of(const Error& e);

// The implant's codes are kinds of refusal one for one; a kind only the host meets maps to the
// nearest code (not found: invalid argument; conflict: mismatch; not initialised, schema too
// new and uncertain: refused; unavailable and not recorded: I/O).
RefusalKind kind_of(ErrorCode code);
ErrorCode error_code_of(RefusalKind kind);

}  // namespace itdd::host
