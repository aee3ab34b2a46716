// Reading the implant, and who may talk to it: a clinician's session opening (the implant's
// status and its clock against the clinic's time), the interrogation, the pairing window, the
// list of paired devices and the revocation of one. Reads record nothing; a revocation records
// one clinic session (when a database is kept), after the list read back has shown the device
// gone. Who may open a window or revoke whom is the implant's rule: its refusal is given in its
// own words, never guessed here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "itdd/link/types.h"
#include "itdd/programmer/implant_clock.h"
#include "itdd/programmer/paired_devices.h"
#include "itdd/programmer/use_cases/session.h"

namespace itdd::programmer {

// ---------------------------------------------------------------- opening a session

// What a clinician's session learnt when it opened (issue 10: "the programmer warns when the
// implant's clock and the clinic's differ").
struct ClinicOpening {
  std::optional<ImplantStatus> status;     // interrogated (only when the zone is known)
  std::optional<ImplantClockCheck> clock;  // the implant's clock against the clinic's time
};
// With the clinic's zone (the session's `zone`): interrogates the implant and checks its clock
// against the clinic's time now (the session's clock); without one nothing is sent and nothing
// compared. A refusal as interrogate's (session.h).
host::Checked<ClinicOpening> open_clinic_session(UseCaseSession& s);

// The implant's status: the one the opening read when there is one, else a new interrogation.
host::Checked<ImplantStatus> interrogation(UseCaseSession& s, const ClinicOpening& opening);

// ---------------------------------------------------------------- pairing window

inline constexpr std::int64_t kMaxPairingWindowS = 300;
// The role (patient, clinician or service; field "role") and how long the code stays valid
// (1 to 300 s of the implant's clock; field "window_s"), checked before the implant is
// contacted: nothing, or invalid input.
std::optional<host::Refusal> check_pairing_window(link::Role role, std::int64_t window_s);

struct PairingWindow {
  std::string code;  // the one-time code the pairing device is given
  itdd_Role role = itdd_Role_ROLE_UNSPECIFIED;
  std::int64_t expires_at_wall_ms = 0;  // the implant's local time
};
// Opens a pairing window on the implant (check_pairing_window first: invalid input). A refusal,
// refused: the implant could not be reached, or refused (its words).
host::Checked<PairingWindow> open_pairing_window(UseCaseSession& s, link::Role role,
                                                 std::int64_t window_s);

// ---------------------------------------------------------------- paired devices

// The implant's paired devices. A refusal, refused: not reached, the implant's refusal (a role
// that may not list them), or an answer that is not a list of paired devices.
host::Checked<std::vector<PairedDevice>> list_devices(UseCaseSession& s);

struct RevokePlan {
  PairedDevice target;
  link::PublicKey own{};  // the device doing it
  // The device revokes itself: afterwards it can no longer talk to the implant, and the
  // implant's list cannot be read back from it.
  bool self() const { return target.key == own; }
};
// Reads the list and finds the device `choice` names (nothing is changed). A refusal:
// list_devices', or refused, field "device": the implant lists no such device.
host::Checked<RevokePlan> prepare_revoke(UseCaseSession& s, const DeviceChoice& choice,
                                         const link::PublicKey& own);

struct RevokeOutcome {
  std::string what;  // the change as recorded
  Recorded recorded;
};
// Sends the revocation. For another device the list read back decides (a lost answer, or a
// retry the implant answered "no such device" after the first removed it, is not reported
// wrongly): gone, revoked and recorded; still listed, refused (the implant's words when it
// answered); unreadable, uncertain. For this device itself its answer decides, as the implant
// ends its session: refused in its words, or uncertain when no answer came. Recorded (kind
// revoke) only once revoked.
host::Checked<RevokeOutcome> commit_revoke(UseCaseSession& s, const RevokePlan& plan);

}  // namespace itdd::programmer
