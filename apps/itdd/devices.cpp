// `itdd programmer devices|revoke`: the implant's paired devices, and removing one (a stolen or
// lost programmer or patient device), recorded in the clinic database. Who may revoke whom is
// the implant's rule: its refusal is shown in its words, never guessed here.
#include <fmt/format.h>

#include <iostream>

#include "clinic_record.h"
#include "commands.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/paired_devices.h"
#include "itdd/programmer/requests.h"
#include "link_session.h"

namespace itdd::cli {

struct DeviceCommands::State {
  LinkArgs link;
  RecordArgs record;
  bool json = false;
  bool yes = false;
  std::string device;  // revoke: its number or its public key
  CLI::App* devices = nullptr;
  CLI::App* revoke = nullptr;
};

namespace {

using State = DeviceCommands::State;

// This device's public key (in the clear in both kinds of key pair file) and the implant's,
// as given; checked by check_common before any session.
link::PublicKey own_key(const LinkArgs& a) {
  const Result<link::PublicKey> k = programmer::read_public_key_file(a.key_file);
  return k.ok() ? k.value() : link::PublicKey{};
}

std::string implant_key_hex(const LinkArgs& a) {
  const Result<link::PublicKey> k = programmer::read_public_key_file(a.implant_key);
  return k.ok() ? programmer::to_hex(k.value()) : std::string();
}

// The implant's list, or the exit status after saying why there is none.
struct ListOrExit {
  std::vector<programmer::PairedDevice> devices;
  int exit_code = 0;
};

Result<std::vector<programmer::PairedDevice>> read_list(programmer::Client& client,
                                                        std::optional<protocol::Response>* answer) {
  const Result<protocol::Response> r = client.call(programmer::list_paired_devices_request());
  if (!r.ok()) return r.error();
  if (answer != nullptr) *answer = r.value();
  return programmer::paired_devices_from(r.value());
}

ListOrExit list(programmer::Client& client, const LinkArgs& link) {
  ListOrExit out;
  std::optional<protocol::Response> answer;
  const Result<std::vector<programmer::PairedDevice>> l = read_list(client, &answer);
  if (l.ok()) {
    out.devices = l.value();
  } else if (answer && answer->result != itdd_ResultCode_RESULT_OK) {
    out.exit_code = failure(refusal(*answer));
  } else if (answer) {
    out.exit_code = failure(fmt::format("the implant's answer is not a list of paired devices: {}",
                                        programmer::error_text(l.error())));
  } else {
    out.exit_code = failure(fmt::format("{}: {}", link.implant, link_failure(l.error())));
  }
  return out;
}

int run_devices(const State& s) {
  return with_session(s.link, true, [&](programmer::Client& client) {
    const ListOrExit l = list(client, s.link);
    if (l.exit_code != 0) return l.exit_code;
    const link::PublicKey own = own_key(s.link);
    if (s.json) {
      std::cout << nlohmann::json{{"implant_key", implant_key_hex(s.link)},
                                  {"devices", programmer::devices_json(l.devices, own)}}
                       .dump(2)
                << '\n';
    } else {
      std::cout << programmer::format_devices(l.devices, own);
    }
    return 0;
  });
}

int run_revoke(const State& s) {
  const Result<programmer::DeviceChoice> choice = programmer::parse_device_choice(s.device);
  if (!choice.ok()) {
    return bad_input(fmt::format("--device {}: {}", s.device, choice.error().message));
  }
  ClinicRecord record;
  if (const int rc = record.open(s.record, s.link); rc != 0) return rc;
  return with_session(s.link, true, [&](programmer::Client& client) {
    const ListOrExit before = list(client, s.link);
    if (before.exit_code != 0) return before.exit_code;
    const programmer::PairedDevice* found = programmer::find_device(before.devices, *choice);
    if (found == nullptr) {
      return failure(
          fmt::format("--device {}: the implant lists no such device (nothing was changed); `itdd "
                      "programmer devices` shows them",
                      s.device));
    }
    const programmer::PairedDevice target = *found;
    const link::PublicKey own = own_key(s.link);
    std::string preview = fmt::format(
        "revoke {}\nthe implant will refuse this device from now on; to use it "
        "again it must be paired again through a pairing window\n",
        programmer::describe_device(target));
    if (target.key == own) {
      preview +=
          "this is the device you are using: after this it can no longer talk to the "
          "implant\n";
    }
    if (!s.yes && !confirm(preview, s.json)) return kExitFailure;

    const Result<protocol::Response> answer =
        client.call(programmer::revoke_paired_device_request(target.key));
    if (target.key == own) {
      // The implant ends the session of the device it removes: this one. Its answer may come
      // before that, or not at all; the list cannot be read back from here.
      if (answer.ok() && answer->result != itdd_ResultCode_RESULT_OK) {
        return failure(fmt::format("not revoked: {}", refusal(answer.value())));
      }
      if (!answer.ok()) {
        return uncertain(
            "revocation uncertain: the implant no longer answers this device, as it would once "
            "it is revoked; check with another device's `itdd programmer devices`");
      }
    } else {
      // The list read back decides: a lost answer, or a retry the implant answered "no such
      // device" after the first one removed it, must not be reported wrongly.
      switch (programmer::judge_revocation(read_list(client, nullptr), target.key)) {
        case programmer::Revocation::kRevoked:
          break;
        case programmer::Revocation::kStillPaired:
          if (answer.ok() && answer->result != itdd_ResultCode_RESULT_OK) {
            return failure(fmt::format("not revoked: {}", refusal(answer.value())));
          }
          return failure(
              "not revoked: the implant still lists the device (its answer was lost); try again");
        case programmer::Revocation::kUnknown:
          return uncertain(fmt::format(
              "revocation uncertain: {}; check with `itdd programmer devices` before anything "
              "else",
              answer.ok() ? std::string("the implant's list could not be read back")
                          : link_failure(answer.error())));
      }
    }
    nlohmann::json j = {{"command", "revoke"},
                        {"revoked", programmer::device_json(target, own)},
                        {"by_device", programmer::to_hex(own)}};
    const std::string what =
        fmt::format("revoked {} (by the programmer with key {})",
                    programmer::describe_device(target), programmer::to_hex(own));
    return record.finish_change(programmer::ChangeKind::kRevoke, what, j,
                                fmt::format("revoked {}: the implant no longer lists it\n",
                                            programmer::describe_device(target)),
                                s.json);
  });
}

}  // namespace

DeviceCommands::DeviceCommands(CLI::App& programmer) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.devices = programmer.add_subcommand(
      "devices", "List the implant's paired devices: number, role, when paired and last seen, key");
  add_link_options(s.devices, s.link, true);
  add_clinic_clock_options(s.devices, s.link);
  s.devices->add_flag("--json", s.json, "Print JSON instead of text");

  s.revoke = programmer.add_subcommand(
      "revoke",
      "Remove a paired device from the implant (a lost or stolen programmer or patient "
      "device); recorded in the clinic database");
  add_link_options(s.revoke, s.link, true);
  add_clinic_clock_options(s.revoke, s.link);
  s.revoke
      ->add_option("--device", s.device,
                   "The device: its number as `itdd programmer devices` shows it, or its public "
                   "key (64 hex digits)")
      ->required();
  s.revoke->add_flag("--yes", s.yes, "Do not ask before revoking");
  s.revoke->add_flag("--json", s.json, "Print JSON instead of text");
  add_record_options(s.revoke, s.record, s.link);
}

DeviceCommands::~DeviceCommands() = default;

std::optional<int> DeviceCommands::run() const {
  const State& s = *state_;
  if (s.devices->parsed()) return run_devices(s);
  if (s.revoke->parsed()) return run_revoke(s);
  return std::nullopt;
}

}  // namespace itdd::cli
