// What every command that talks to an implant shares (the programmer's and the patient
// device's): the link options, checking them before anything is sent, one session around the
// command's work, and the words for what went wrong.
#pragma once

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "commands.h"
#include "errors.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/implant_log.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/status_report.h"
#include "itdd/programmer/tcp_transport.h"
// Transitional: sim::SodiumCrypto, the old name therapy.cpp still uses (see that header).
#include "itdd/sim/sodium_crypto.h"

namespace itdd::cli {

// What a failed exchange means for the person at the device.
std::string link_failure(const Error& e);
// "the implant answered: refused (field: message)".
std::string refusal(const protocol::Response& r);

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

// Opens a connection and a session, runs `body(client)` or `body(client, crypto)` (for command
// ids), closes.
template <class Body>
int with_session(const LinkArgs& a, bool need_implant_key, Body body) {
  host::SodiumCrypto crypto;
  Session s;
  if (const int rc = check_common(a, crypto, s, need_implant_key); rc != 0) return rc;
  programmer::TcpTransport transport;
  if (const Status c = transport.connect(s.endpoint, s.options.reply_timeout); !c) {
    return failure(fmt::format("{}: {}", a.implant, programmer::error_text(c.error())));
  }
  programmer::Client client(crypto, s.own.pair(), s.implant, transport, s.options);
  int rc = 0;
  if constexpr (std::is_invocable_v<Body, programmer::Client&>) {
    rc = body(client);
  } else {
    rc = body(client, crypto);
  }
  (void)client.close();
  return rc;
}

// An interrogation's status, or the exit status after saying why there is none.
struct StatusOrExit {
  itdd_ImplantStatus status{};
  int exit_code = 0;  // 0: `status` holds the answer
};
StatusOrExit interrogate(programmer::Client& client, const LinkArgs& a);

// The implant's event log a page at a time (ReadEventLog), for programmer/workflow's lookups
// (implant_log.h). `client` must outlive the reader.
programmer::LogPageReader log_reader(programmer::Client& client);

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
