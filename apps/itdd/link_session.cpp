#include "link_session.h"

#include <unistd.h>

#include <cctype>
#include <iostream>

#include "itdd/programmer/key_files.h"
#include "itdd/programmer/passphrase_input.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/use_cases/access.h"
#include "json_outcome.h"

namespace itdd::cli {

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

programmer::UseCaseSession reading_session(programmer::Client& client, hal::Crypto& crypto,
                                           const LinkArgs& a) {
  return programmer::UseCaseSession{client, crypto, a.implant, nullptr, programmer::system_now_ms};
}

void add_clinic_clock_options(CLI::App* cmd, LinkArgs& a) {
  a.clinic_clock = ClinicClock::kWarn;
  cmd->add_option("--time-zone", a.time_zone,
                  "The clinic's time zone, an IANA name such as Europe/Paris: the implant's "
                  "clock is checked against it at each session (default: the clinic "
                  "database's, else $ITDD_TIME_ZONE)");
}

nlohmann::json clock_check_json(const SessionOpening& opening) {
  if (!opening.clock || !opening.zone.zone) return nullptr;
  const programmer::ImplantClockCheck& c = *opening.clock;
  return {{"time_zone", opening.zone.zone->name()},
          {"time_zone_from", opening.zone.source},
          {"clinic_local", host::format_wall_time(c.clinic_local)},
          {"clinic_local_ms", c.clinic_local.ms()},
          {"difference_ms", c.difference_ms},
          {"tolerance_ms", programmer::kImplantClockTolerance.count()},
          {"differs", c.differs},
          {"missed_daylight_saving_change", c.missed_change.has_value()},
          {"warning", c.differs ? nlohmann::json(c.message) : nlohmann::json(nullptr)}};
}

int open_clinic_session(programmer::Client& client, hal::Crypto& crypto, const LinkArgs& a,
                        SessionOpening& opening) {
  if (opening.zone.zone) {
    programmer::UseCaseSession session = reading_session(client, crypto, a);
    session.zone = &*opening.zone.zone;
    const host::Checked<programmer::ClinicOpening> opened =
        programmer::open_clinic_session(session);
    if (!opened.ok()) return said(opened.error());
    opening.status = opened->status;
    opening.clock = opened->clock;
    if (opening.clock->differs && a.clinic_clock == ClinicClock::kWarn) {
      std::cerr << "warning: " << opening.clock->message << '\n';
    }
  }
  // Every clinician command's --json object says it, the same way (null: not compared).
  add_json_outcome_field("clock_check", clock_check_json(opening));
  return 0;
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
