// `itdd clinic pump list` and `itdd clinic session list` (clinic_lists.cpp): where each pump
// stands, and the session numbers `itdd clinic report --session N` asks for.
#pragma once

#include "commands.h"

namespace itdd::cli {

int run_pump_list(const ClinicArgs& a);
int run_session_list(const ClinicArgs& a);

}  // namespace itdd::cli
