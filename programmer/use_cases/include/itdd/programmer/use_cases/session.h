// What every clinic use case (program, refill, prime, bolus, alarm, clock, log, history) shares:
// the session with one implant it works in, where it stops short (an outcome class and words
// for people), the implant's answers in words, and the clinic database's record of it.
//
// A use case takes typed input and a session and returns a typed outcome; it never reads a
// terminal or prints. Its face (the command line in apps/itdd, the web server) parses, asks for
// the confirmation between a use case's two steps where there are two, and shows the outcome.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "itdd/host/wall_time.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/implant_log.h"
#include "itdd/programmer/implant_status.h"
#include "itdd/programmer/outcome.h"
#include "itdd/programmer/status_report.h"

namespace itdd::programmer {

// Where a use case stops short of its outcome is the host's one error type, a host::Refusal in
// a host::Checked<T> (host/text's checked.h), and its kind gives the outcome
// (programmer::outcome_of, outcome.h: invalid input, refused, uncertain, applied but not
// recorded). A use case writes `message` whole, to be said alone ("the implant answered: ...",
// "NAME: the implant is busy..."); `field` names the use case's input it concerns, when one does
// ("drug", "concentration", "volume", "device"...), for a face to point at its own (a flag, a
// form's field); `detail` explains it further (a refill's discrepancy: what it may mean for the
// patient). A clinic database's refusal is passed on as it is (its field the record's).

// The clinic database's side of a session: who is at the programmer and which pump the implant
// is; without a database nothing is recorded and nothing is required.
struct ClinicRecorder {
  ClinicDb* db = nullptr;
  PumpRecord pump;
  std::string clinician;
  std::string device = "itdd programmer";
  bool active() const { return db != nullptr; }
};

// A session with one implant, as a use case needs it. The face opens the link and the client
// (and closes it after); the use case sends through `client`.
struct UseCaseSession {
  Client& client;
  hal::Crypto& crypto;                       // a fresh random command id for every therapy command
  std::string implant_name;                  // how messages name the implant (its HOST:PORT)
  const host::TimeZone* zone = nullptr;      // the clinic's, when named
  std::function<std::int64_t()> now_utc_ms;  // the host's clock (epoch ms UTC)
  ClinicRecorder* record = nullptr;          // null or inactive: nothing is recorded
  bool recording() const { return record != nullptr && record->active(); }
};

// The host's clock, for the faces' sessions.
std::int64_t system_now_ms();

// What a failed exchange means for the person at the device.
std::string link_failure(const Error& e);
// "the implant answered: refused (field: message)".
std::string refusal(const protocol::Response& r);

// Interrogates the implant: its status in the host's form (implant_status.h, converted here
// once), or a refusal (refused: "NAME: <link failure>", the implant's refusal in words, or a
// status that cannot be understood).
host::Checked<ImplantStatus> interrogate(UseCaseSession& s);
// A request whose answer must be ok: the answer, or a refusal as interrogate's.
host::Checked<protocol::Response> call_ok(UseCaseSession& s, const protocol::Request& request);

// The implant's event log a page at a time (ReadEventLog), for programmer/workflow's lookups
// (implant_log.h). `client` must outlive the reader.
LogPageReader log_reader(Client& client);

// A therapy command sent with a fresh command id, and what came of it.
struct Sent {
  std::uint64_t command_id = 0;
  CommandResult result;
  bool applied() const { return result.delivery == Delivery::kApplied; }
};

// One recorded clinic session: its number, or why it was not recorded (empty without a
// database: `session_id` empty too).
struct Recorded {
  std::optional<std::int64_t> session_id;
  std::string error;
};
// Records one session holding what `write(session_id)` adds (it returns an error text, or "").
// Nothing without a database.
Recorded record_session(UseCaseSession& s, const std::string& summary,
                        const std::function<std::string(std::int64_t)>& write);
// The same with one change of `kind` (bolus, prime, alarm, clock) described by `what`.
Recorded record_change(UseCaseSession& s, ChangeKind kind, const std::string& what);
// Inside `write`: one override record per soft finding of `check` that `reason` overrode, with
// the limit and its source as the clinician saw them, and who gave the reason. An error text,
// or "".
std::string record_overrides(UseCaseSession& s, std::int64_t session, const std::string& drug,
                             const DoseCheck& check, const std::string& reason);

}  // namespace itdd::programmer
