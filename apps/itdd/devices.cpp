// `itdd programmer devices|revoke`: the implant's paired devices, and removing one (a stolen or
// lost programmer or patient device), recorded in the clinic database: the flags, the
// confirmation and the printing over programmer/use_cases (access.h), which decides.
#include <fmt/format.h>

#include <iostream>

#include "clinic_record.h"
#include "commands.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/paired_devices.h"
#include "itdd/programmer/use_cases/access.h"
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

int run_devices(const State& s) {
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        ClinicRecord none;  // reading changes nothing: no clinic session
        programmer::UseCaseSession session = none.session(client, crypto, s.link, opening);
        const host::Checked<std::vector<programmer::PairedDevice>> listed =
            programmer::list_devices(session);
        if (!listed.ok()) return said(listed.error());
        const link::PublicKey own = own_key(s.link);
        if (s.json) {
          std::cout << nlohmann::json{{"implant_key", implant_key_hex(s.link)},
                                      {"devices", programmer::devices_json(listed.value(), own)}}
                           .dump(2)
                    << '\n';
        } else {
          std::cout << programmer::format_devices(listed.value(), own);
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
  return with_session(
      s.link, true,
      [&](programmer::Client& client, host::SodiumCrypto& crypto, const SessionOpening& opening) {
        programmer::UseCaseSession session = record.session(client, crypto, s.link, opening);
        const link::PublicKey own = own_key(s.link);
        const host::Checked<programmer::RevokePlan> plan =
            programmer::prepare_revoke(session, *choice, own);
        if (!plan.ok()) {
          const host::Refusal& stop = plan.error();
          if (stop.field != "device") return said(stop);
          return failure(fmt::format("--device {}: {}; `itdd programmer devices` shows them",
                                     s.device, stop.message));
        }
        const programmer::PairedDevice& target = plan->target;
        std::string preview = fmt::format(
            "revoke {}\nthe implant will refuse this device from now on; to use it "
            "again it must be paired again through a pairing window\n",
            programmer::describe_device(target));
        if (plan->self()) {
          preview +=
              "this is the device you are using: after this it can no longer talk to the "
              "implant\n";
        }
        if (!s.yes && !confirm(preview, s.json)) return kExitFailure;

        const host::Checked<programmer::RevokeOutcome> done =
            programmer::commit_revoke(session, plan.value());
        if (!done.ok()) {
          const host::Refusal& stop = done.error();
          if (stop.kind != host::RefusalKind::kUncertain) return said(stop);
          // Where to look, in this command line's words.
          return uncertain(fmt::format("{}; {}", stop.message,
                                       plan->self()
                                           ? "check with another device's `itdd programmer devices`"
                                           : "check with `itdd programmer devices` before anything "
                                             "else"));
        }
        nlohmann::json j = {{"command", "revoke"},
                            {"revoked", programmer::device_json(target, own)},
                            {"by_device", programmer::to_hex(own)}};
        return record.show(j,
                           fmt::format("revoked {}: the implant no longer lists it\n",
                                       programmer::describe_device(target)),
                           s.json, done->recorded);
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
