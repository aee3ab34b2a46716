// The implant's answer to each request of protocol/schema/itdd.proto, and who may ask what.
// The radio (radio.h) hands a request here only from an authenticated session, with the role
// the link layer knows the peer by; nothing a request carries can change that role.
//
//   request                   clinician  service  patient
//   interrogate, close            yes       yes      yes
//   query command status          yes       yes      yes
//   patient bolus                  -         -       yes
//   silence alarm                 yes        -       yes (non-critical only)
//   program, refill, bolus, prime yes        -        -
//   set clock, alarm test         yes       yes       -
//   event log, history            yes       yes       -
//   pairing (open, list, revoke)  yes       yes       -   (a clinician device: clinician only)
//
// Therapy-changing requests carry a command id: a repeat of an id the implant has seen is
// answered with that command's recorded outcome (a CommandStatus) and never run again.
#pragma once

#include <cstdint>

#include "itdd/app/implant.h"
#include "itdd/core/result.h"
#include "itdd/link/responder.h"
#include "itdd/link/types.h"
#include "itdd/protocol/messages.h"

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

// Whether `role` may send a request of this kind (the Request's which_payload tag).
bool allowed(link::Role role, pb_size_t request_tag);

// Answers one request into `out` (cleared first). Never fails: a refusal is a response.
void handle_request(Implant& implant, PairingControl& pairing, const protocol::Request& request,
                    link::Role role, ImplantTime now, protocol::Response& out);

}  // namespace itdd::app
