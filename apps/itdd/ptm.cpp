// `itdd ptm ...`: the patient therapy manager, the patient's handheld. It asks the implant for
// what the patient needs to know (`status`) and for a bolus within the limits the clinician set
// (`bolus`), in plain words. What the device decides (the key's role, what an answer means) is
// in ptm/ (`itdd/ptm/patient_device.h`); this file parses, calls and prints.
#include <fmt/format.h>

#include <iostream>

#include "commands.h"
#include "itdd/programmer/patient_report.h"
#include "itdd/ptm/patient_device.h"
#include "link_session.h"

namespace itdd::cli {

struct PtmCommands::State {
  LinkArgs link;
  bool json = false;
  CLI::App* status = nullptr;
  CLI::App* bolus = nullptr;
};

namespace {

using State = PtmCommands::State;

int check_patient_key(const LinkArgs& a) {
  if (const std::optional<host::Refusal> r = ptm::check_patient_pairing(a.implant_key)) {
    return bad_input("--implant-key " + r->text());
  }
  return 0;
}

int run_status(const State& s) {
  if (const int rc = check_patient_key(s.link); rc != 0) return rc;
  return with_session(s.link, true, [&](programmer::Client& client, host::SodiumCrypto& crypto) {
    programmer::UseCaseSession session = reading_session(client, crypto, s.link);
    const host::Checked<programmer::ImplantStatus> st = programmer::interrogate(session);
    if (!st.ok()) return said(st.error());
    if (s.json) {
      std::cout << programmer::patient_status_json(st.value()).dump(2) << '\n';
    } else {
      std::cout << programmer::format_patient_status(st.value());
    }
    return 0;
  });
}

// Prints what the bolus request came to (ptm::judge_bolus decided it) and gives its exit status.
int print_bolus(const ptm::BolusOutcome& b, bool json) {
  nlohmann::json j = {{"command", "ptm bolus"}};
  add_delivery(j, b.result, b.command_id);
  const auto print_json = [&] {
    if (json) std::cout << j.dump(2) << '\n';
  };
  switch (b.answer) {
    case ptm::BolusAnswer::kUncertain:
      print_json();
      return uncertain(fmt::format(
          "the bolus may or may not have been given ({}). Do not ask again before `itdd ptm "
          "status` shows what the pump did",
          b.result.detail));
    case ptm::BolusAnswer::kNotAuthorised:
      return failure("bolus refused: this device is not authorised to ask for boluses");
    case ptm::BolusAnswer::kNotGiven:
      if (b.answer_lost) {
        return failure("bolus not given (the pump's answer was lost; it says it gave none)");
      }
      return failure(fmt::format("bolus not given: {}", b.result.response
                                                            ? refusal(*b.result.response)
                                                            : b.result.detail));
    case ptm::BolusAnswer::kRefused:
      j["granted"] = false;
      j["left_in_24h"] = b.left_in_24h;
      j["refusal"] = b.refusal_name;
      j["reason"] = b.reason;
      j["next_allowed"] =
          b.next_allowed ? nlohmann::json(*b.next_allowed) : nlohmann::json(nullptr);
      print_json();
      return failure("bolus refused: " + b.reason);
    case ptm::BolusAnswer::kGranted:
      break;
  }
  j["granted"] = true;
  if (b.answer_lost) {
    j["answer_lost"] = true;
    if (json) {
      std::cout << j.dump(2) << '\n';
    } else {
      std::cout << "bolus granted (the pump confirmed it; its answer was lost)\n";
    }
    return 0;
  }
  j["left_in_24h"] = b.left_in_24h;
  j["dose"] = b.dose;
  if (json) {
    std::cout << j.dump(2) << '\n';
  } else {
    std::cout << fmt::format(
        "bolus granted: {}; {} left in the next 24 hours\n",
        b.dose.empty() ? std::string("the prescribed dose") : b.dose,
        b.left_in_24h == 1 ? std::string("1 bolus") : fmt::format("{} boluses", b.left_in_24h));
  }
  return 0;
}

int run_bolus(const State& s) {
  if (const int rc = check_patient_key(s.link); rc != 0) return rc;
  return with_session(s.link, true, [&](programmer::Client& client, host::SodiumCrypto& crypto) {
    programmer::UseCaseSession session = reading_session(client, crypto, s.link);
    const host::Checked<programmer::ImplantStatus> st = programmer::interrogate(session);
    if (!st.ok()) return said(st.error());
    return print_bolus(ptm::request_bolus(client, crypto, st.value()), s.json);
  });
}

}  // namespace

PtmCommands::PtmCommands(CLI::App& app) : state_(std::make_unique<State>()) {
  State& s = *state_;
  CLI::App* ptm = app.add_subcommand("ptm", "The patient's device: status and boluses");
  ptm->require_subcommand(1);
  s.status = ptm->add_subcommand(
      "status", "Is therapy running, is the reservoir low, boluses used and left, alarms");
  s.bolus = ptm->add_subcommand("bolus", "Ask the pump for a bolus within the prescribed limits");
  for (CLI::App* cmd : {s.status, s.bolus}) {
    add_link_options(cmd, s.link, true);
    cmd->add_flag("--json", s.json, "Print JSON instead of text");
  }
}

PtmCommands::~PtmCommands() = default;

std::optional<int> PtmCommands::run() const {
  if (state_->status->parsed()) return run_status(*state_);
  if (state_->bolus->parsed()) return run_bolus(*state_);
  return std::nullopt;
}

}  // namespace itdd::cli
