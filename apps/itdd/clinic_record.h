// The clinic's record of what a programmer did: every command that changes an implant (program,
// refill, prime, bolus, alarm silence and test, clock) is one session in the clinic database,
// with who (--clinician), when, and what changed: what `itdd clinic report --session N` shows.
// Without a database (--db, $ITDD_CLINIC_DB) nothing is recorded and nothing is required.
// Here: the options, opening the database and finding the pump before anything is sent, and
// showing the outcome; the use cases (programmer/use_cases) write the records.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "commands.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/use_cases/session.h"
#include "link_session.h"

namespace itdd::cli {

struct RecordArgs {
  std::string clinician;
  std::string pump_serial;
  std::string command;  // the command parsed, as typed ("itdd programmer program")
};
// --db (into `link`: the clinic database also names the clinic's time zone), --clinician,
// --pump. The command also calls add_clinic_clock_options (link_session.h) for --time-zone.
void add_record_options(CLI::App* cmd, RecordArgs& a, LinkArgs& link);

class ClinicRecord {
 public:
  // Opens the database and finds the pump (by --pump, else by the implant's key, which it then
  // remembers). 0, or the exit status (2) after saying what to fix: called before anything is
  // sent to the implant.
  int open(const RecordArgs& a, const LinkArgs& link);

  // The session a use case works in (programmer/use_cases): this client, the clinic's zone the
  // session opened with, this record. `client` and this outlive it.
  programmer::UseCaseSession session(programmer::Client& client, hal::Crypto& crypto,
                                     const LinkArgs& link, const SessionOpening& opening);
  // Shows a use case's outcome after it recorded its session (`recorded`): `j` on stdout with
  // "clinic_session" (its number, or null) when `json`, else `text` with "recorded as session
  // N"; a database error after the implant applied the change is said (the change stands and
  // must be recorded by hand) and gives the exit status for it.
  int show(nlohmann::json j, std::string text, bool json, const programmer::Recorded& recorded);

 private:
  RecordArgs args_;
  std::unique_ptr<programmer::ClinicDb> db_;
  programmer::PumpRecord pump_;
  programmer::ClinicRecorder recorder_;
};

}  // namespace itdd::cli
