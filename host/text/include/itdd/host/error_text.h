// An implant's or the therapy library's Error, for people: the limit a refusal met, with the
// value asked for and the one allowed ("0.04 mL/day requested, this pump's minimum is
// 0.048 mL/day"), written by the host since the implant formats no text. Used by the
// simulator's scenario reader and by the programmer, for refusals met locally and those read
// from the wire alike.
#pragma once

#include <string>

#include "itdd/core/result.h"

namespace itdd::host {

// The quantities `e` names, or "" when it names none.
std::string limit_text(const Error& e);

// The error's message, then its limit when it names one ("rate is below the pump's minimum
// programmable rate: 0.04 mL/day requested, this pump's minimum is 0.048 mL/day").
std::string message_text(const Error& e);

}  // namespace itdd::host
