// `itdd ptm ...`: the patient therapy manager, the patient's handheld. It asks the implant for
// what the patient needs to know (`status`) and for a bolus within the limits the clinician set
// (`bolus`), in plain words. The implant decides and enforces every limit and the roles; this
// device only refuses to start with a key that was paired for another role, so a patient is
// never handed a clinician's device by mistake.
#include <fmt/format.h>

#include <iostream>

#include "commands.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/patient_report.h"
#include "itdd/programmer/requests.h"
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

// The implant file written at pairing records the role this device was paired with.
int check_patient_key(const LinkArgs& a) {
  const Result<link::Role> role = programmer::read_paired_role(a.implant_key);
  if (!role.ok()) {
    return bad_input(
        fmt::format("--implant-key {}: {}", a.implant_key, programmer::error_text(role.error())));
  }
  if (role.value() != link::Role::kNone && role.value() != link::Role::kPatient) {
    return bad_input(fmt::format(
        "--implant-key {}: this device was paired as a {} device, not a patient's: the patient "
        "therapy manager needs a key paired for the patient (use `itdd programmer` for the "
        "clinic's work)",
        a.implant_key, link::name(role.value())));
  }
  return 0;
}

int run_status(const State& s) {
  if (const int rc = check_patient_key(s.link); rc != 0) return rc;
  return with_session(s.link, true, [&](programmer::Client& client) {
    const StatusOrExit st = interrogate(client, s.link);
    if (st.exit_code != 0) return st.exit_code;
    if (s.json) {
      std::cout << programmer::patient_status_json(st.status).dump(2) << '\n';
    } else {
      std::cout << programmer::format_patient_status(st.status);
    }
    return 0;
  });
}

int run_bolus(const State& s) {
  if (const int rc = check_patient_key(s.link); rc != 0) return rc;
  return with_session(s.link, true, [&](programmer::Client& client, host::SodiumCrypto& crypto) {
    // The prescription says the dose; the implant decides.
    const StatusOrExit st = interrogate(client, s.link);
    if (st.exit_code != 0) return st.exit_code;
    const std::string dose = programmer::patient_bolus_dose_text(st.status);
    const std::uint64_t id = programmer::new_command_id(crypto);
    const programmer::CommandResult r = client.command(programmer::patient_bolus_request(id), id);
    nlohmann::json j = {{"command", "ptm bolus"}};
    add_delivery(j, r, id);
    if (r.delivery == programmer::Delivery::kUncertain) {
      if (s.json) std::cout << j.dump(2) << '\n';
      return uncertain(fmt::format(
          "the bolus may or may not have been given ({}). Do not ask again before `itdd ptm "
          "status` shows what the pump did",
          r.detail));
    }
    if (r.delivery == programmer::Delivery::kNotApplied &&
        (!r.response || r.response->result != itdd_ResultCode_RESULT_OK)) {
      if (r.response && r.response->result == itdd_ResultCode_RESULT_NOT_AUTHORISED) {
        return failure("bolus refused: this device is not authorised to ask for boluses");
      }
      return failure(
          fmt::format("bolus not given: {}", r.response ? refusal(*r.response) : r.detail));
    }
    if (!r.response || r.response->which_payload != itdd_Response_patient_bolus_tag) {
      // The answer was lost; the implant says whether it gave the bolus, not why.
      const bool given = r.delivery == programmer::Delivery::kApplied;
      j["granted"] = given;
      j["answer_lost"] = true;
      if (!given) {
        return failure("bolus not given (the pump's answer was lost; it says it gave none)");
      }
      if (s.json) {
        std::cout << j.dump(2) << '\n';
      } else {
        std::cout << "bolus granted (the pump confirmed it; its answer was lost)\n";
      }
      return 0;
    }
    const itdd_PatientBolusDecision& d = r.response->payload.patient_bolus;
    j["granted"] = d.granted;
    j["left_in_24h"] = d.left_in_24h;
    if (!d.granted) {
      const std::string why = programmer::bolus_refusal_text(
          d.refusal, d.has_next_allowed_wall_ms, d.next_allowed_wall_ms, st.status.wall_ms,
          st.status.patient_bolus.max_per_24h);
      j["refusal"] = programmer::bolus_refusal_name(d.refusal);
      j["reason"] = why;
      j["next_allowed"] = d.has_next_allowed_wall_ms
                              ? nlohmann::json(programmer::format_wall(d.next_allowed_wall_ms))
                              : nlohmann::json(nullptr);
      if (s.json) std::cout << j.dump(2) << '\n';
      return failure("bolus refused: " + why);
    }
    j["dose"] = dose;
    if (s.json) {
      std::cout << j.dump(2) << '\n';
    } else {
      std::cout << fmt::format(
          "bolus granted: {}; {} left in the next 24 hours\n",
          dose.empty() ? std::string("the prescribed dose") : dose,
          d.left_in_24h == 1 ? std::string("1 bolus") : fmt::format("{} boluses", d.left_in_24h));
    }
    return 0;
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
