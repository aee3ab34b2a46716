// `itdd programmer ...`: the clinician programmer's (or patient device's) side of the link.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "commands.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/status_report.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd/sim/sodium_crypto.h"

namespace itdd::cli {
namespace {

int bad_input(const std::string& what) {
  std::cerr << "error: " << what << '\n';
  return kExitInvalidInput;
}

int failure(const std::string& what) {
  std::cerr << "error: " << what << '\n';
  return kExitFailure;
}

// What a failed exchange means for the person at the programmer.
std::string link_failure(const Error& e) {
  const std::string_view field = e.field;
  if (field == "implant") {
    return "the implant refused: this device is not paired or provisioned with it, the key "
           "file names another implant, or it is locked out after failed attempts (try again "
           "later)";
  }
  return programmer::error_text(e);
}

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

std::string refusal(const protocol::Response& r) {
  std::string s = fmt::format("the implant answered: {}", result_name(r.result));
  if (r.has_error && (r.error.field[0] != '\0' || r.error.message[0] != '\0')) {
    s += fmt::format(" ({}: {})", r.error.field, r.error.message);
  }
  return s;
}

// A session's ingredients, all checked before anything is sent.
struct Session {
  programmer::Endpoint endpoint;
  hal::KeyPair own{};
  link::PublicKey implant{};
  programmer::ClientOptions options;
};

int check_common(const LinkArgs& a, sim::SodiumCrypto& crypto, Session& s, bool need_implant_key) {
  const Result<programmer::Endpoint> e = programmer::parse_endpoint(a.implant);
  if (!e.ok()) return bad_input(fmt::format("--implant {}: {}", a.implant, e.error().message));
  s.endpoint = e.value();
  if (a.timeout_ms < 1 || a.timeout_ms > 600'000) {
    return bad_input("--timeout-ms: from 1 to 600000 ms");
  }
  if (a.attempts < 1 || a.attempts > 100) return bad_input("--attempts: from 1 to 100");
  s.options.reply_timeout = std::chrono::milliseconds(a.timeout_ms);
  s.options.attempts = a.attempts;
  const Result<hal::KeyPair> own = programmer::read_key_pair_file(a.key_file, crypto);
  if (!own.ok())
    return bad_input(fmt::format("--key {}: {}", a.key_file, programmer::error_text(own.error())));
  s.own = own.value();
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

// Opens a connection and a session, runs `body`, closes.
template <class Body>
int with_session(const LinkArgs& a, bool need_implant_key, Body body) {
  sim::SodiumCrypto crypto;
  Session s;
  if (const int rc = check_common(a, crypto, s, need_implant_key); rc != 0) return rc;
  programmer::TcpTransport transport;
  if (const Status c = transport.connect(s.endpoint, s.options.reply_timeout); !c) {
    return failure(fmt::format("{}: {}", a.implant, programmer::error_text(c.error())));
  }
  programmer::Client client(crypto, s.own, s.implant, transport, s.options);
  const int rc = body(client);
  (void)client.close();
  return rc;
}

}  // namespace

ProgrammerCommands add_programmer(CLI::App& programmer, ProgrammerArgs& a) {
  ProgrammerCommands c;
  c.keygen = programmer.add_subcommand(
      "keygen", "Make this device's key pair (file mode 0600) and print its public key");
  c.keygen->add_option("--key", a.link.key_file, "Where to write it (never overwritten)")
      ->required();

  c.pair = programmer.add_subcommand(
      "pair", "Pair with an implant through the one-time code a clinician's programmer shows");
  add_link_options(c.pair, a.link, false);
  c.pair->add_option("--code", a.code, "The 6-digit pairing code")->required();
  c.pair->add_option("--out", a.out_file, "Where to keep the implant's key (never overwritten)")
      ->required();

  c.interrogate = programmer.add_subcommand(
      "interrogate", "Read the implant's status: reservoir, prescription, battery, alarms, clocks");
  add_link_options(c.interrogate, a.link, true);
  c.interrogate->add_flag("--json", a.json, "Print JSON instead of text");

  c.pairing_window = programmer.add_subcommand(
      "pairing-window",
      "Open a pairing window on the implant (clinician or service) and print its one-time code");
  add_link_options(c.pairing_window, a.link, true);
  c.pairing_window
      ->add_option("--role", a.role,
                   "The role the next device to pair gets: patient, clinician "
                   "or service")
      ->required();
  c.pairing_window
      ->add_option("--window-s", a.window_s,
                   "How long the code stays valid, in the implant's seconds (at most 300)")
      ->capture_default_str();
  return c;
}

int run_keygen(const ProgrammerArgs& a) {
  sim::SodiumCrypto crypto;
  if (std::filesystem::exists(a.link.key_file)) {
    return bad_input(
        fmt::format("--key {}: already exists: a key is never overwritten (every "
                    "pairing made with it would be lost); choose another file",
                    a.link.key_file));
  }
  const Result<hal::KeyPair> keys = crypto.generate_key_pair();
  if (!keys.ok()) return failure(programmer::error_text(keys.error()));
  if (const Status s = programmer::write_key_pair_file(a.link.key_file, keys.value()); !s) {
    return bad_input(
        fmt::format("--key {}: {}", a.link.key_file, programmer::error_text(s.error())));
  }
  std::cout << programmer::to_hex(keys->public_key) << '\n';
  return 0;
}

int run_pair(const ProgrammerArgs& a) {
  if (a.code.size() != 6 || a.code.find_first_not_of("0123456789") != std::string::npos) {
    return bad_input(fmt::format(
        "--code {}: the pairing code is 6 digits, as the clinician's programmer shows it", a.code));
  }
  if (std::filesystem::exists(a.out_file)) {
    return bad_input(
        fmt::format("--out {}: already exists: choose another file or remove it", a.out_file));
  }
  sim::SodiumCrypto crypto;
  Session s;
  if (const int rc = check_common(a.link, crypto, s, false); rc != 0) return rc;
  programmer::TcpTransport transport;
  if (const Status c = transport.connect(s.endpoint, s.options.reply_timeout); !c) {
    return failure(fmt::format("{}: {}", a.link.implant, programmer::error_text(c.error())));
  }
  const Result<link::Paired> paired =
      programmer::pair(crypto, s.own, a.code, transport, s.options.reply_timeout);
  if (!paired.ok()) {
    return failure(
        fmt::format("pairing failed ({}): a wrong code, no pairing window open, or it expired",
                    programmer::error_text(paired.error())));
  }
  if (const Status w = programmer::write_implant_file(a.out_file, paired.value()); !w) {
    return failure(
        fmt::format("--out {}: {} (the implant paired this device: pair again to "
                    "learn its key)",
                    a.out_file, programmer::error_text(w.error())));
  }
  itdd_Role role = itdd_Role_ROLE_UNSPECIFIED;
  switch (paired->role) {
    case link::Role::kClinician:
      role = itdd_Role_ROLE_CLINICIAN;
      break;
    case link::Role::kPatient:
      role = itdd_Role_ROLE_PATIENT;
      break;
    case link::Role::kService:
      role = itdd_Role_ROLE_SERVICE;
      break;
    case link::Role::kNone:
      break;
  }
  std::cout << fmt::format("paired with implant {} as {} (device id {}); its key is in {}\n",
                           programmer::to_hex(paired->implant), programmer::role_name(role),
                           paired->peer, a.out_file);
  return 0;
}

int run_interrogate(const ProgrammerArgs& a) {
  return with_session(a.link, true, [&](programmer::Client& client) {
    const Result<protocol::Response> r = client.call(programmer::interrogate_request());
    if (!r.ok()) return failure(fmt::format("{}: {}", a.link.implant, link_failure(r.error())));
    if (r->result != itdd_ResultCode_RESULT_OK || r->which_payload != itdd_Response_status_tag) {
      return failure(refusal(r.value()));
    }
    const std::string implant_hex =
        programmer::to_hex(programmer::read_public_key_file(a.link.implant_key).value());
    if (a.json) {
      nlohmann::json j = programmer::status_json(r->payload.status);
      j["implant_key"] = implant_hex;
      std::cout << j.dump(2) << '\n';
    } else {
      std::cout << fmt::format("{:<14}{}\n", "implant", implant_hex)
                << programmer::format_status(r->payload.status);
    }
    return 0;
  });
}

int run_pairing_window(const ProgrammerArgs& a) {
  const link::Role role = programmer::role_from_name(a.role);
  if (role == link::Role::kNone) {
    return bad_input(fmt::format("--role {}: patient, clinician or service", a.role));
  }
  if (a.window_s < 1 || a.window_s > 300) return bad_input("--window-s: from 1 to 300 s");
  return with_session(a.link, true, [&](programmer::Client& client) {
    const Result<protocol::Response> r =
        client.call(programmer::open_pairing_request(role, seconds(a.window_s)));
    if (!r.ok()) return failure(fmt::format("{}: {}", a.link.implant, link_failure(r.error())));
    if (r->result != itdd_ResultCode_RESULT_OK ||
        r->which_payload != itdd_Response_pairing_window_tag) {
      return failure(refusal(r.value()));
    }
    const itdd_PairingWindow& w = r->payload.pairing_window;
    std::cout << fmt::format("pairing code: {}\nrole: {}\nexpires: {} (the implant's time)\n",
                             w.code, programmer::role_name(w.role),
                             programmer::format_wall(w.expires_at_wall_ms));
    return 0;
  });
}

}  // namespace itdd::cli
