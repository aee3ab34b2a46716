// What every command that talks to an implant shares (the programmer's and the patient
// device's): the link options, checking them before anything is sent, one session around the
// command's work, and the words for what went wrong.
#pragma once

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>

#include "clinic_context.h"
#include "commands.h"
#include "errors.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/implant_clock.h"
#include "itdd/programmer/implant_log.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/status_report.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd/programmer/use_cases/session.h"

namespace itdd::cli {

// The words for a failed exchange and for the implant's refusal (programmer/use_cases).
using programmer::link_failure;
using programmer::refusal;

// A session's ingredients, all checked before anything is sent.
struct Session {
  programmer::Endpoint endpoint;
  programmer::DeviceKeys own;  // wiped when the session's command ends
  link::PublicKey implant{};
  programmer::ClientOptions options;
};

// Checks the link options and reads the keys; 0, or the exit status after saying what is wrong.
int check_common(const LinkArgs& a, host::SodiumCrypto& crypto, Session& s, bool need_implant_key);
void add_link_options(CLI::App* cmd, LinkArgs& a, bool implant_key);

// --time-zone, and marks the command a clinician's session whose opening checks the implant's
// clock (kWarn; a command that shows the check itself sets kCommandSays before its session).
void add_clinic_clock_options(CLI::App* cmd, LinkArgs& a);

// A session for a use case that records nothing (a read, the patient's device): this client,
// the implant named as --implant says.
programmer::UseCaseSession reading_session(programmer::Client& client, hal::Crypto& crypto,
                                           const LinkArgs& a);

// What a clinician's session learnt when it opened: the clinic's zone (when one is named), the
// implant's status and its clock against the clinic's time (when a zone is named).
struct SessionOpening {
  ClinicZone zone;
  std::optional<programmer::ImplantStatus> status;
  std::optional<programmer::ImplantClockCheck> clock;
};

// The session's first step for every clinician command (issue: "the programmer warns when the
// implant's clock and the clinic's differ"): programmer/use_cases' open_clinic_session (with the
// clinic's zone known it interrogates the implant and checks its clock); a difference is said
// on stderr ("warning: ...", unless the command says it) and in the --json object
// ("clock_check", null when no zone is named). 0, or the exit status after saying why the
// implant could not be interrogated.
int open_clinic_session(programmer::Client& client, hal::Crypto& crypto, const LinkArgs& a,
                        SessionOpening& opening);
// The clock check as JSON (null when not compared).
nlohmann::json clock_check_json(const SessionOpening& opening);

// Opens a connection and a session, runs `body(client)`, `body(client, crypto)` (for command
// ids) or `body(client, crypto, opening)`, closes. A clinician's command
// (add_clinic_clock_options) checks the implant's clock first (open_clinic_session).
template <class Body>
int with_session(const LinkArgs& a, bool need_implant_key, Body body) {
  // The clinic's zone is resolved before anything is sent: an unknown name is bad input.
  SessionOpening opening;
  if (a.clinic_clock != ClinicClock::kNotChecked) {
    opening.zone = clinic_time_zone(a.time_zone, a.clinic_db);
    if (opening.zone.exit_code != 0) return opening.zone.exit_code;
  }
  host::SodiumCrypto crypto;
  Session s;
  if (const int rc = check_common(a, crypto, s, need_implant_key); rc != 0) return rc;
  programmer::TcpTransport transport;
  if (const Status c = transport.connect(s.endpoint, s.options.reply_timeout); !c) {
    return failure(fmt::format("{}: {}", a.implant, programmer::error_text(c.error())));
  }
  programmer::Client client(crypto, s.own.pair(), s.implant, transport, s.options);
  int rc = 0;
  if (a.clinic_clock != ClinicClock::kNotChecked) {
    rc = open_clinic_session(client, crypto, a, opening);
  }
  if (rc != 0) {
    // Not interrogated: nothing was sent but the interrogation.
  } else if constexpr (std::is_invocable_v<Body, programmer::Client&>) {
    rc = body(client);
  } else if constexpr (std::is_invocable_v<Body, programmer::Client&, host::SodiumCrypto&>) {
    rc = body(client, crypto);
  } else {
    rc = body(client, crypto, static_cast<const SessionOpening&>(opening));
  }
  (void)client.close();
  return rc;
}

// The implant's event log a page at a time (programmer/use_cases).
using programmer::log_reader;

// Shows `preview` and asks "Go ahead? [y/N]" (on stdout, or on stderr when stdout carries JSON),
// then reads one line from stdin: true only for "y" or "yes". End of input is a no.
bool confirm(const std::string& preview, bool json_on_stdout);

// What a therapy command came to, into its --json object: "delivery", "command_id", and when
// its reply was lost, "reply_lost", how the delivery was learned ("learned_from": a repeat with
// the same id, or asking the implant about the id) and "delivery_detail".
void add_delivery(nlohmann::json& j, const programmer::CommandResult& r, std::uint64_t command_id);

// 0 when a therapy command was applied (with its answer, or confirmed by the implant after a
// lost reply); otherwise the exit status after saying, with `what` ("priming"), why not: the
// implant's refusal in words (refused), or that nobody can know (uncertain: interrogate
// first). With `json`, the delivery (add_delivery) is printed on stdout first.
int check_applied(const programmer::CommandResult& r, const std::string& what,
                  std::uint64_t command_id, bool json);

}  // namespace itdd::cli
