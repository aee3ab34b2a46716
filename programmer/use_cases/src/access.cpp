#include "itdd/programmer/use_cases/access.h"

#include <fmt/format.h>

#include "itdd/programmer/key_files.h"
#include "itdd/programmer/requests.h"

namespace itdd::programmer {

// ---------------------------------------------------------------- opening a session

host::Checked<ClinicOpening> open_clinic_session(UseCaseSession& s) {
  ClinicOpening out;
  if (s.zone == nullptr) return out;
  host::Checked<ImplantStatus> st = interrogate(s);
  if (!st.ok()) return st.error();
  out.clock = check_implant_clock(*s.zone, s.now_utc_ms(), st->wall);
  out.status = std::move(st.value());
  return out;
}

host::Checked<ImplantStatus> interrogation(UseCaseSession& s, const ClinicOpening& opening) {
  if (opening.status) return *opening.status;
  return interrogate(s);
}

// ---------------------------------------------------------------- pairing window

std::optional<host::Refusal> check_pairing_window(link::Role role, std::int64_t window_s) {
  if (role == link::Role::kNone) {
    return host::Refusal{"role", "patient, clinician or service",
                         host::RefusalKind::kInvalidArgument};
  }
  if (window_s < 1 || window_s > kMaxPairingWindowS) {
    return host::Refusal{"window_s", fmt::format("from 1 to {} s", kMaxPairingWindowS),
                         host::RefusalKind::kInvalidArgument};
  }
  return std::nullopt;
}

host::Checked<PairingWindow> open_pairing_window(UseCaseSession& s, link::Role role,
                                                 std::int64_t window_s) {
  if (std::optional<host::Refusal> bad = check_pairing_window(role, window_s)) return *bad;
  const host::Checked<protocol::Response> r =
      call_ok(s, open_pairing_request(role, seconds(window_s)));
  if (!r.ok()) return r.error();
  if (r->which_payload != itdd_Response_pairing_window_tag) {
    return host::Refusal{"", refusal(r.value()), host::RefusalKind::kRefused};
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

host::Checked<std::vector<PairedDevice>> list_devices(UseCaseSession& s) {
  ListRead l = read_list(s.client);
  if (l.devices.ok()) return std::move(l.devices).value();
  if (l.answer && l.answer->result != itdd_ResultCode_RESULT_OK) {
    return host::Refusal{"", refusal(*l.answer), host::RefusalKind::kRefused};
  }
  if (l.answer) {
    return host::Refusal{"",
                         fmt::format("the implant's answer is not a list of paired devices: {}",
                                     error_text(l.devices.error())),
                         host::RefusalKind::kRefused};
  }
  return host::Refusal{"", fmt::format("{}: {}", s.implant_name, link_failure(l.devices.error())),
                       host::RefusalKind::kRefused};
}

host::Checked<RevokePlan> prepare_revoke(UseCaseSession& s, const DeviceChoice& choice,
                                         const link::PublicKey& own) {
  const host::Checked<std::vector<PairedDevice>> before = list_devices(s);
  if (!before.ok()) return before.error();
  const PairedDevice* found = find_device(before.value(), choice);
  if (found == nullptr) {
    return host::Refusal{"device", "the implant lists no such device (nothing was changed)",
                         host::RefusalKind::kRefused};
  }
  return RevokePlan{*found, own};
}

host::Checked<RevokeOutcome> commit_revoke(UseCaseSession& s, const RevokePlan& plan) {
  const Result<protocol::Response> answer =
      s.client.call(revoke_paired_device_request(plan.target.key));
  const bool refused = answer.ok() && answer->result != itdd_ResultCode_RESULT_OK;
  if (plan.self()) {
    // The implant ends the session of the device it removes: this one. Its answer may come
    // before that, or not at all; the list cannot be read back from here.
    if (refused) {
      return host::Refusal{"", fmt::format("not revoked: {}", refusal(answer.value())),
                           host::RefusalKind::kRefused};
    }
    if (!answer.ok()) {
      return host::Refusal{
          "",
          "revocation uncertain: the implant no longer answers this device, as it would "
          "once it is revoked",
          host::RefusalKind::kUncertain};
    }
  } else {
    // The list read back decides.
    switch (judge_revocation(read_list(s.client).devices, plan.target.key)) {
      case Revocation::kRevoked:
        break;
      case Revocation::kStillPaired:
        if (refused) {
          return host::Refusal{"", fmt::format("not revoked: {}", refusal(answer.value())),
                               host::RefusalKind::kRefused};
        }
        return host::Refusal{
            "",
            "not revoked: the implant still lists the device (its answer was lost); try "
            "again",
            host::RefusalKind::kRefused};
      case Revocation::kUnknown:
        return host::Refusal{
            "",
            fmt::format("revocation uncertain: {}",
                        answer.ok() ? std::string("the implant's list could not be read back")
                                    : link_failure(answer.error())),
            host::RefusalKind::kUncertain};
    }
  }
  RevokeOutcome out;
  out.what = fmt::format("revoked {} (by the programmer with key {})", describe_device(plan.target),
                         to_hex(plan.own));
  out.recorded = record_change(s, ChangeKind::kRevoke, out.what);
  return out;
}

}  // namespace itdd::programmer
