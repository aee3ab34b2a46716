#include "itdd/programmer/use_cases/access.h"

#include <fmt/format.h>

#include "itdd/programmer/key_files.h"
#include "itdd/programmer/requests.h"

namespace itdd::programmer {

// ---------------------------------------------------------------- opening a session

Step<ClinicOpening> open_clinic_session(UseCaseSession& s) {
  ClinicOpening out;
  if (s.zone == nullptr) return out;
  Step<ImplantStatus> st = interrogate(s);
  if (!st.ok()) return st.stop();
  out.clock = check_implant_clock(*s.zone, s.now_utc_ms(), st->wall);
  out.status = std::move(st.value());
  return out;
}

Step<ImplantStatus> interrogation(UseCaseSession& s, const ClinicOpening& opening) {
  if (opening.status) return *opening.status;
  return interrogate(s);
}

// ---------------------------------------------------------------- pairing window

std::optional<Stop> check_pairing_window(link::Role role, std::int64_t window_s) {
  if (role == link::Role::kNone) {
    return Stop(Outcome::kInvalidInput, "role", "patient, clinician or service");
  }
  if (window_s < 1 || window_s > kMaxPairingWindowS) {
    return Stop(Outcome::kInvalidInput, "window_s",
                fmt::format("from 1 to {} s", kMaxPairingWindowS));
  }
  return std::nullopt;
}

Step<PairingWindow> open_pairing_window(UseCaseSession& s, link::Role role, std::int64_t window_s) {
  if (std::optional<Stop> bad = check_pairing_window(role, window_s)) return *bad;
  const Step<protocol::Response> r = call_ok(s, open_pairing_request(role, seconds(window_s)));
  if (!r.ok()) return r.stop();
  if (r->which_payload != itdd_Response_pairing_window_tag) {
    return Stop(Outcome::kRefused, "", refusal(r.value()));
  }
  const itdd_PairingWindow& w = r->payload.pairing_window;
  return PairingWindow{w.code, w.role, w.expires_at_wall_ms};
}

// ---------------------------------------------------------------- paired devices

namespace {

// The list as read, or why not: the link's failure, the implant's answer when it refused or
// answered something else.
struct ListRead {
  Result<std::vector<PairedDevice>> devices;
  std::optional<protocol::Response> answer;
};

ListRead read_list(Client& client) {
  const Result<protocol::Response> r = client.call(list_paired_devices_request());
  if (!r.ok()) return {r.error(), std::nullopt};
  return {paired_devices_from(r.value()), r.value()};
}

}  // namespace

Step<std::vector<PairedDevice>> list_devices(UseCaseSession& s) {
  ListRead l = read_list(s.client);
  if (l.devices.ok()) return std::move(l.devices).value();
  if (l.answer && l.answer->result != itdd_ResultCode_RESULT_OK) {
    return Stop(Outcome::kRefused, "", refusal(*l.answer));
  }
  if (l.answer) {
    return Stop(Outcome::kRefused, "",
                fmt::format("the implant's answer is not a list of paired devices: {}",
                            error_text(l.devices.error())));
  }
  return Stop(Outcome::kRefused, "",
              fmt::format("{}: {}", s.implant_name, link_failure(l.devices.error())));
}

Step<RevokePlan> prepare_revoke(UseCaseSession& s, const DeviceChoice& choice,
                                const link::PublicKey& own) {
  const Step<std::vector<PairedDevice>> before = list_devices(s);
  if (!before.ok()) return before.stop();
  const PairedDevice* found = find_device(before.value(), choice);
  if (found == nullptr) {
    return Stop(Outcome::kRefused, "device",
                "the implant lists no such device (nothing was changed)");
  }
  return RevokePlan{*found, own};
}

Step<RevokeOutcome> commit_revoke(UseCaseSession& s, const RevokePlan& plan) {
  const Result<protocol::Response> answer =
      s.client.call(revoke_paired_device_request(plan.target.key));
  const bool refused = answer.ok() && answer->result != itdd_ResultCode_RESULT_OK;
  if (plan.self()) {
    // The implant ends the session of the device it removes: this one. Its answer may come
    // before that, or not at all; the list cannot be read back from here.
    if (refused) {
      return Stop(Outcome::kRefused, "", fmt::format("not revoked: {}", refusal(answer.value())));
    }
    if (!answer.ok()) {
      return Stop(Outcome::kUncertain, "",
                  "revocation uncertain: the implant no longer answers this device, as it would "
                  "once it is revoked");
    }
  } else {
    // The list read back decides.
    switch (judge_revocation(read_list(s.client).devices, plan.target.key)) {
      case Revocation::kRevoked:
        break;
      case Revocation::kStillPaired:
        if (refused) {
          return Stop(Outcome::kRefused, "",
                      fmt::format("not revoked: {}", refusal(answer.value())));
        }
        return Stop(Outcome::kRefused, "",
                    "not revoked: the implant still lists the device (its answer was lost); try "
                    "again");
      case Revocation::kUnknown:
        return Stop(
            Outcome::kUncertain, "",
            fmt::format("revocation uncertain: {}",
                        answer.ok() ? std::string("the implant's list could not be read back")
                                    : link_failure(answer.error())));
    }
  }
  RevokeOutcome out;
  out.what = fmt::format("revoked {} (by the programmer with key {})", describe_device(plan.target),
                         to_hex(plan.own));
  out.recorded = record_change(s, ChangeKind::kRevoke, out.what);
  return out;
}

}  // namespace itdd::programmer
