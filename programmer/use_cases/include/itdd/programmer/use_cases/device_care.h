// The clinician's commands around the therapy: priming, a clinician bolus, silencing or testing
// the alarms, setting the implant's clock, and reading its event log and delivery history.
// Those that change the implant record one clinic session each (when a database is kept); the
// two that need the clinician's confirmation (prime, bolus, clock) come in two steps, prepare
// (nothing sent: what the face shows before asking) and commit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itdd/programmer/bolus_review.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/use_cases/session.h"

namespace itdd::programmer {

// ---------------------------------------------------------------- prime

struct PrimePlan {
  Volume pump_dead_volume{};
  Volume catheter{};
  Volume total{};    // what the priming pushes: the pump's dead volume and the catheter's
  FlowRate rate{};   // the implant's priming rate (0: it did not say)
  Duration takes{};  // at that rate (0 when the rate is not known)
};
// Interrogates: the pump's dead volume and priming rate beside the catheter's volume.
host::Checked<PrimePlan> prepare_prime(UseCaseSession& s, Volume catheter);

struct PrimeOutcome {
  Sent sent;
  std::optional<itdd_Priming> started;  // the implant's answer (empty: applied, answer lost)
  std::string what;                     // the change as recorded
  Recorded recorded;
};
// Sends the priming; when applied, records it.
PrimeOutcome commit_prime(UseCaseSession& s, const PrimePlan& plan);

// ---------------------------------------------------------------- clinician bolus

struct BolusInput {
  DrugAmount dose{};
  DoseUnit unit = DoseUnit::kMilligram;  // the unit the dose was typed in
  Duration duration{};
  std::string expected_drug;    // the drug the clinician expects in the implant (empty: any)
  std::string override_reason;  // why a soft limit is exceeded (empty: none)
};
struct BolusPlan {
  BolusReview review;
  std::string override_reason;
  Status accepted = Status::Ok();  // the drug library's verdict with the reason given
};
// Interrogates and reviews the bolus (bolus_review.h: the reservoir's drug, the program in
// force and the earlier clinician boluses of the event log). A refusal: another drug than the
// expected one (field "drug"), the dose in another unit than the drug's (field "unit"), an
// empty reservoir (field "reservoir"), an event log that could not be read (refused).
host::Checked<BolusPlan> prepare_bolus(UseCaseSession& s, const DrugLibrary& library,
                                       const BolusInput& input);

struct BolusOutcome {
  Sent sent;
  std::optional<itdd_BolusStarted> started;  // empty: applied, answer lost
  std::string what;                          // the change as recorded
  Recorded recorded;
};
// Sends an accepted plan (else a refusal, invalid input); when applied, records it with any
// override.
host::Checked<BolusOutcome> commit_bolus(UseCaseSession& s, const BolusPlan& plan);

// ---------------------------------------------------------------- alarms

// The alarm a name stands for ("low-reservoir"...); empty for none. `known` gets the names.
std::optional<itdd_AlarmKind> alarm_kind_named(const std::string& name, std::string* known);
// Silences an active alarm for `length` and records it.
host::Checked<Recorded> silence_alarm(UseCaseSession& s, itdd_AlarmKind kind, Duration length);
// Starts the alarm test tones and records it.
host::Checked<Recorded> test_alarm(UseCaseSession& s);

// ---------------------------------------------------------------- clock

struct ClockPlan {
  WallTime implant_reads{};  // the implant's clock when asked
  WallTime to{};             // what it will be set to (for the clinic's now: as of prepare)
  bool clinic_now = false;   // set to the clinic's local time when sent
};
// `wall`: the local time to set; empty: the clinic's local time now (the session's zone must
// be named: else invalid input). Interrogates.
host::Checked<ClockPlan> prepare_set_clock(UseCaseSession& s, std::optional<WallTime> wall);
struct ClockOutcome {
  WallTime was{};
  WallTime to{};
  std::int64_t moved_ms = 0;
  Recorded recorded;
};
// Sets the clock (the clinic's now read at the last moment) and records it.
host::Checked<ClockOutcome> commit_set_clock(UseCaseSession& s, const ClockPlan& plan);

// ---------------------------------------------------------------- downloads

struct EventLogDownload {
  ImplantStatus read_at;  // the interrogation the log was read after
  std::int64_t wall_offset_ms = 0;
  std::uint32_t newest_seq = 0;
  std::vector<itdd_LogRecord> records;  // oldest first, from the sequence number asked
};
// The implant's whole event log from `from_seq`, page by page.
host::Checked<EventLogDownload> download_event_log(UseCaseSession& s, std::uint32_t from_seq);

struct HistoryDownload {
  ImplantStatus read_at;
  std::int64_t wall_offset_ms = 0;
  std::int64_t newest_hour = -1;  // -1: no hour recorded yet
  std::int64_t from_hour = 0;
  std::vector<itdd_HourRecord> hours;
};
// The newest `hours` recorded hours of delivery, page by page.
host::Checked<HistoryDownload> download_history(UseCaseSession& s, std::int64_t hours);

}  // namespace itdd::programmer
