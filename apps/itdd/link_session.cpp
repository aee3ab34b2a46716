#include "link_session.h"

#include <unistd.h>

#include <cctype>
#include <iostream>

#include "itdd/programmer/key_files.h"
#include "itdd/programmer/passphrase_input.h"
#include "itdd/programmer/requests.h"

namespace itdd::cli {
namespace {

const char* result_name(itdd_ResultCode r) {
  switch (r) {
    case itdd_ResultCode_RESULT_OK:
      return "ok";
    case itdd_ResultCode_RESULT_REFUSED:
      return "refused";
    case itdd_ResultCode_RESULT_INVALID:
      return "invalid";
    case itdd_ResultCode_RESULT_NOT_AUTHORISED:
      return "not authorised for this device's role";
    case itdd_ResultCode_RESULT_STALE_TOKEN:
      return "stale prescription token";
    case itdd_ResultCode_RESULT_BUSY:
      return "busy";
    case itdd_ResultCode_RESULT_UNKNOWN_COMMAND:
      return "a request this implant does not know";
    default:
      return "unspecified";
  }
}

}  // namespace

std::string link_failure(const Error& e) {
  const std::string_view field = e.field;
  if (field == "busy") {
    return "the implant is busy: it is in a session with another device (a programmer or the "
           "patient's device); try again when that device has finished (a session left open "
           "ends after 10 minutes without traffic)";
  }
  if (field == "implant.not_paired") {
    return "the implant refused: this device is not paired with it (pair it through a "
           "clinician's pairing window, or check that the key file is this device's)";
  }
  if (field == "implant.wrong_key") {
    return "the implant refused: what this device sent did not authenticate (the key file "
           "does not match the pairing, or the implant ended the session); try again";
  }
  if (field == "implant.locked_out") {
    const std::string wait =
        e.index > 0 ? fmt::format("try again in {} s", e.index) : std::string("try again later");
    return fmt::format(
        "the implant refused: this device is locked out after failed attempts with its key, "
        "or is over its rate of handshakes; {} (someone may be trying this device's key: "
        "check the implant's event log)",
        wait);
  }
  if (field == "transport") {
    // The implant stays silent toward a key in a lockout (after one notice) and toward strangers
    // beyond a small budget: silence is not always distance.
    return programmer::error_text(e) +
           " (the implant may be out of range, or silent: after failed attempts with this "
           "device's key it says so once and then does not answer for up to 5 minutes)";
  }
  if (field == "implant.version") {
    return "the implant speaks another protocol version: update the programmer";
  }
  if (field == "implant") {
    return "the implant refused: this device is not paired or provisioned with it, the key "
           "file names another implant, or it is locked out after failed attempts (try again "
           "later)";
  }
  return programmer::error_text(e);
}

std::string refusal(const protocol::Response& r) {
  std::string s = fmt::format("the implant answered: {}", result_name(r.result));
  if (r.has_error && (r.error.field[0] != '\0' || r.error.message[0] != '\0')) {
    s += fmt::format(" ({})", programmer::error_text(protocol::error_from_wire(r.error)));
  }
  return s;
}

int check_common(const LinkArgs& a, host::SodiumCrypto& crypto, Session& s, bool need_implant_key) {
  const Result<programmer::Endpoint> e = programmer::parse_endpoint(a.implant);
  if (!e.ok()) return bad_input(fmt::format("--implant {}: {}", a.implant, e.error().message));
  s.endpoint = e.value();
  if (a.timeout_ms < 1 || a.timeout_ms > 600'000) {
    return bad_input("--timeout-ms: from 1 to 600000 ms");
  }
  if (a.attempts < 1 || a.attempts > 100) return bad_input("--attempts: from 1 to 100");
  s.options.reply_timeout = std::chrono::milliseconds(a.timeout_ms);
  s.options.attempts = a.attempts;
  programmer::PassphraseOptions from;
  from.file = a.passphrase_file;
  const Status own = programmer::read_key_pair_file(
      a.key_file, crypto,
      programmer::passphrase_source(from, fmt::format("passphrase for {}: ", a.key_file)), s.own);
  if (!own) {
    const std::string_view field = own.error().field;
    const std::string option = field == "passphrase file"
                                   ? fmt::format("--passphrase-file {}", a.passphrase_file)
                                   : fmt::format("--key {}", a.key_file);
    return bad_input(fmt::format("{}: {}", option, programmer::error_text(own.error())));
  }
  if (need_implant_key) {
    const Result<link::PublicKey> k = programmer::read_public_key_file(a.implant_key);
    if (!k.ok()) {
      return bad_input(
          fmt::format("--implant-key {}: {}", a.implant_key, programmer::error_text(k.error())));
    }
    s.implant = k.value();
  }
  return 0;
}

void add_link_options(CLI::App* cmd, LinkArgs& a, bool implant_key) {
  cmd->add_option("--implant", a.implant,
                  "The implant's HOST:PORT (as `itdd implant serve` prints)")
      ->required();
  cmd->add_option("--key", a.key_file, "This device's key pair (from `itdd programmer keygen`)")
      ->required();
  cmd->add_option("--passphrase-file", a.passphrase_file,
                  "When the key pair is protected: a file (mode 0600) whose first line is its "
                  "passphrase (else $ITDD_KEY_PASSPHRASE, else asked on the terminal)");
  if (implant_key) {
    cmd->add_option("--implant-key", a.implant_key,
                    "The implant's public key: the file `pair` wrote, or one holding its hex "
                    "(e.g. STATE/implant.pub)")
        ->required();
  }
  cmd->add_option("--timeout-ms", a.timeout_ms, "How long to wait for each answer")
      ->capture_default_str();
  cmd->add_option("--attempts", a.attempts, "Sends of one request before giving up")
      ->capture_default_str();
}

StatusOrExit interrogate(programmer::Client& client, const LinkArgs& a) {
  StatusOrExit out;
  const Result<protocol::Response> r = client.call(programmer::interrogate_request());
  if (!r.ok()) {
    out.exit_code = failure(fmt::format("{}: {}", a.implant, link_failure(r.error())));
  } else if (r->result != itdd_ResultCode_RESULT_OK ||
             r->which_payload != itdd_Response_status_tag) {
    out.exit_code = failure(refusal(r.value()));
  } else {
    out.status = r->payload.status;
  }
  return out;
}

programmer::LogPageReader log_reader(programmer::Client& client) {
  return [&client](std::uint32_t from) -> Result<itdd_EventLogPage> {
    const Result<protocol::Response> r = client.call(programmer::read_event_log_request(from));
    if (!r.ok()) return r.error();
    if (r->result != itdd_ResultCode_RESULT_OK || r->which_payload != itdd_Response_event_log_tag) {
      return make_error(ErrorCode::kRefused, "event_log", "the implant did not give its event log");
    }
    return r->payload.event_log;
  };
}

bool confirm(const std::string& preview, bool json_on_stdout) {
  std::ostream& out = json_on_stdout ? std::cerr : std::cout;
  out << preview << "Go ahead? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) answer.clear();
  // A terminal echoed the answer and its newline; piped input was not shown.
  if (::isatty(STDIN_FILENO) == 0) out << answer << '\n';
  for (char& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool yes = answer == "y" || answer == "yes";
  if (!yes) out << "cancelled: nothing was changed\n";
  return yes;
}

void add_delivery(nlohmann::json& j, const programmer::CommandResult& r, std::uint64_t command_id) {
  switch (r.delivery) {
    case programmer::Delivery::kApplied:
      j["delivery"] = "applied";
      break;
    case programmer::Delivery::kNotApplied:
      j["delivery"] = "not applied";
      break;
    case programmer::Delivery::kUncertain:
      j["delivery"] = "uncertain";
      break;
  }
  j["command_id"] = command_id;
  if (r.reply_lost()) {
    j["reply_lost"] = true;
    j["learned_from"] = programmer::learned_name(r.learned);
    j["delivery_detail"] = r.detail;
  }
}

int check_applied(const programmer::CommandResult& r, const std::string& what,
                  std::uint64_t command_id, bool json) {
  if (r.delivery == programmer::Delivery::kApplied) return 0;
  if (json) {
    nlohmann::json j;
    add_delivery(j, r, command_id);
    if (r.response.has_value() && r.response->result != itdd_ResultCode_RESULT_OK) {
      j["refusal"] = refusal(*r.response);
    }
    std::cout << j.dump(2) << '\n';
  }
  switch (r.delivery) {
    case programmer::Delivery::kApplied:
      return 0;
    case programmer::Delivery::kNotApplied:
      if (r.response.has_value() && r.response->result != itdd_ResultCode_RESULT_OK) {
        return failure(fmt::format("{} not applied: {}", what, refusal(*r.response)));
      }
      return failure(fmt::format("{} not applied: {}", what, r.detail));
    case programmer::Delivery::kUncertain:
      break;
  }
  return uncertain(fmt::format(
      "{} uncertain: {}; interrogate the implant before doing anything else", what, r.detail));
}

}  // namespace itdd::cli
