// The implant's answer to each request of protocol/schema/itdd.proto, and who may ask what.
// The radio (radio.h) hands a request here only from an authenticated session, with the peer id
// and role the link layer knows the peer by; nothing a request carries can change them.
//
//   request                   clinician  service  patient
//   interrogate, close            yes       yes      yes
//   query command status          yes       yes      yes  (its own commands)
//   patient bolus                  -         -       yes
//   silence alarm                 yes        -       yes (non-critical only)
//   program, refill, bolus, prime yes        -        -
//   set clock, alarm test         yes       yes       -
//   event log, history            yes       yes       -
//   pairing (open, list, revoke)  yes       yes       -
//
// Whom a pairing window or a revocation may concern is the link's rule
// (link::may_pair_or_remove: a clinician any role, a service tool only service tools; never the
// last clinician), enforced and logged by the Responder; this layer names the refusal.
//
// Therapy-changing requests carry a command id: a repeat of an id the implant has seen from the
// same device is answered with that command's recorded outcome (a CommandStatus) and never run
// again (command_journal.h).
#pragma once

#include <cstdint>
#include <optional>

#include "itdd/app/command_journal.h"
#include "itdd/app/implant.h"
#include "itdd/core/result.h"
#include "itdd/link/responder.h"
#include "itdd/link/types.h"
#include "itdd/protocol/implant_messages.h"

namespace itdd::app {

// What the pairing requests need from the link (the radio provides it).
class PairingControl {
 public:
  virtual Result<link::PairingCode> open_pairing(link::Role role, ImplantTime now,
                                                 Duration validity) = 0;
  virtual const link::LinkState& link_state() const = 0;
  virtual Status remove_peer(link::PeerId peer, ImplantTime now) = 0;
  // When this peer last opened an authenticated session, as far as the implant knows (never:
  // not known, e.g. not since its log was overwritten).
  virtual ImplantTime last_seen(link::PeerId /*peer*/) const { return ImplantTime::never(); }

 protected:
  ~PairingControl() = default;
};

// The authenticated device a request came from (link::Received's peer and role).
struct Caller {
  link::PeerId peer = link::kNoPeer;
  link::Role role = link::Role::kNone;
};

// The journal lane of a paired device (its peer-table slot), or nothing if it is not paired.
std::optional<CommandSource> command_source(const link::LinkState& state, link::PeerId peer);

// Whether `role` may send a request of this kind (the Request's which_payload tag).
bool allowed(link::Role role, pb_size_t request_tag);

// Answers one request into `out` (cleared first). Never fails: a refusal is a response.
void handle_request(Implant& implant, PairingControl& pairing, protocol::ImplantRequest& request,
                    Caller caller, ImplantTime now, protocol::ImplantResponse& out);

}  // namespace itdd::app
