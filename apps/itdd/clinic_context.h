// What the clinic's commands share beyond the link (link_session.h): where the drug library and
// the clinic database are, the host's clock for the records, and the drug library's ranking of
// withdrawal risk for the refill calendar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/use_cases/session.h"

namespace itdd::cli {

// $VARIABLE when set and not empty, else `fallback`.
std::string from_env_or(const char* variable, const char* fallback);
// --library, else $ITDD_DRUG_LIBRARY, else the source tree's data/drug-library.json.
std::string drug_library_path(const std::string& flag);
// Loads the library, or says why not on stderr (the caller exits 2).
std::optional<programmer::DrugLibrary> load_drug_library(const std::string& file);
// The library's drug of that name, or null after saying "--drug NAME: not in the drug library
// (known: ...)" on stderr (the caller exits 2).
const programmer::DrugSpec* find_drug(const programmer::DrugLibrary& library,
                                      const std::string& name);
// The host's clock (epoch ms UTC): what the clinic database records.
std::int64_t system_now_ms();
// The clinic's time zone for a command that talks to an implant: --time-zone NAME, else the
// clinic database's (--db, else $ITDD_CLINIC_DB), else $ITDD_TIME_ZONE; never this computer's.
// `zone` is empty when none is named; `exit_code` is set (after saying why on stderr) when one
// is named but cannot be had (an unknown name, a database that cannot be read).
struct ClinicZone {
  std::optional<host::TimeZone> zone;
  std::string source;  // "--time-zone", "the clinic database", "$ITDD_TIME_ZONE"
  int exit_code = 0;
};
ClinicZone clinic_time_zone(const std::string& flag, const std::string& db_flag);

// A clinic database's refusal said with the option its field came from ("error: --mrn: ..."):
// errors.h's `refused` with `option_of(field)`; exit 2 for input, 1 when unavailable.
int db_failure(const host::Refusal& e);

}  // namespace itdd::cli
