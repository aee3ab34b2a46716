#include <cstring>

#include "command_handlers.h"
#include "itdd/protocol/prescription_wire.h"

// Pairing windows, the list of paired devices and revocation. Whom a clinician or service
// session may pair or remove is the link's rule (link::may_pair_or_remove, and never the last
// clinician): the Responder enforces it and logs every attempt with who made it; here a refusal
// gets its result code and its words.
namespace itdd::app::detail {

void open_pairing(Implant& implant, PairingControl& pairing,
                  const itdd_implant_OpenPairingWindow& req, link::Role opener, ImplantTime now,
                  protocol::ImplantResponse& out) {
  const link::Role role = role_from_wire(protocol::raw_enum(req.role));
  if (role == link::Role::kNone) {
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "role", "unknown role");
    return;
  }
  if (req.window_ms < 0 || req.window_ms > link::kPairingValidity.count()) {
    refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "window_ms", "at most 5 minutes");
    return;
  }
  const Duration validity = req.window_ms == 0 ? link::kPairingValidity : Duration(req.window_ms);
  const Result<link::PairingCode> code = pairing.open_pairing(role, now, validity);
  if (!code.ok()) {
    if (!link::may_pair_or_remove(opener, role)) {
      refuse(
          out, itdd_implant_ResultCode_RESULT_NOT_AUTHORISED, "role",
          role == link::Role::kClinician
              ? "only a clinician may pair a clinician device"
              : "only a clinician may pair a patient device; a service tool pairs service tools");
    } else {
      refuse(out, code.error());
    }
    return;
  }
  ok(out, itdd_implant_Response_pairing_window_tag);
  itdd_implant_PairingWindow& w = out.payload.pairing_window;
  w.role = role_to_wire(role);
  for (std::size_t i = 0; i < code->digits.size(); ++i) w.code[i] = code->digits[i];
  w.code[code->digits.size()] = '\0';
  w.expires_at_wall_ms = wall_ms(implant, now + validity);
}

void list_paired(const Implant& implant, const PairingControl& pairing,
                 protocol::ImplantResponse& out) {
  ok(out, itdd_implant_Response_paired_devices_tag);
  itdd_implant_PairedDevices& list = out.payload.paired_devices;
  for (const link::Peer& peer : pairing.link_state().peers) {
    if (!peer.in_use() || list.devices_count >= sizeof(list.devices) / sizeof(list.devices[0])) {
      continue;
    }
    itdd_implant_PairedDevice& d = list.devices[list.devices_count++];
    d.device_id.size = static_cast<pb_size_t>(peer.key.size());
    std::memcpy(d.device_id.bytes, peer.key.data(), peer.key.size());
    d.role = role_to_wire(peer.role);
    d.paired_at_wall_ms = wall_ms(implant, peer.paired_at);
    d.peer_id = peer.id;
    const ImplantTime seen = pairing.last_seen(peer.id);
    d.seen = !seen.is_never();
    if (d.seen) d.last_seen_wall_ms = wall_ms(implant, seen);
  }
}

void revoke(PairingControl& pairing, const itdd_implant_RevokePairedDevice& req, link::Role caller,
            ImplantTime now, protocol::ImplantResponse& out) {
  for (const link::Peer& peer : pairing.link_state().peers) {
    if (!peer.in_use() || req.device_id.size != peer.key.size() ||
        std::memcmp(req.device_id.bytes, peer.key.data(), peer.key.size()) != 0) {
      continue;
    }
    const link::Role role = peer.role;  // the slot is cleared by a removal
    const Status s = pairing.remove_peer(peer.id, now);
    if (s) {
      ok(out, 0);
    } else if (!link::may_pair_or_remove(caller, role)) {
      refuse(out, itdd_implant_ResultCode_RESULT_NOT_AUTHORISED, "device_id",
             "a service tool may revoke only service tools; a clinician revokes the rest");
    } else {
      // The last clinician device: the clinic must always be able to reprogram the pump.
      refuse(out, itdd_implant_ResultCode_RESULT_REFUSED, "device_id", s.error().message);
    }
    return;
  }
  refuse(out, itdd_implant_ResultCode_RESULT_INVALID, "device_id", "no paired device has this key");
}

}  // namespace itdd::app::detail
