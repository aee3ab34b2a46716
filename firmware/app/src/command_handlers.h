// The command layer's parts, shared by its source files (commands.cpp: dispatch, who may ask
// what, status, alarms, clock, records; therapy_commands.cpp: the journalled therapy commands;
// peer_commands.cpp: pairing windows, the list of paired devices, revocation).
#pragma once

#include <cstddef>
#include <cstdint>

#include "itdd/app/commands.h"

namespace itdd::app::detail {

// Copies a NUL-terminated C string into a fixed nanopb char array, truncating.
template <std::size_t N>
void copy_text(char (&to)[N], const char* from) {
  std::size_t i = 0;
  for (; from != nullptr && i + 1 < N && from[i] != '\0'; ++i) to[i] = from[i];
  to[i] = '\0';
}

void refuse(protocol::ImplantResponse& out, itdd_implant_ResultCode code, const Error& e);
void refuse(protocol::ImplantResponse& out, itdd_implant_ResultCode code, const char* field,
            const char* message);
// An implant refusal: malformed values are "invalid", the rest is what the state does not allow.
void refuse(protocol::ImplantResponse& out, const Error& e);
void ok(protocol::ImplantResponse& out, pb_size_t payload_tag);
// Starts the answer: `out` cleared, with the request's id. The request and `out` may share one
// buffer (app::ImplantRadio): a handler reads all it needs from its request before this.
void begin_answer(protocol::ImplantResponse& out, std::uint32_t request_id);

std::int64_t wall_ms(const Implant& implant, ImplantTime t);
itdd_implant_Role role_to_wire(link::Role role);
link::Role role_from_wire(std::int64_t raw);
itdd_implant_CommandState state_to_wire(CommandOutcome outcome);

// Patient boluses still allowed in the rolling 24 hours by the prescription's maximum.
std::uint32_t boluses_left(const engine::TherapyEngine& engine, ImplantTime now);
itdd_implant_BolusRefusal refusal_to_wire(therapy::BolusRefusal r);

// ---- therapy_commands.cpp (each takes the sending device's journal lane) ----
// `req` and `rx` (the prescription decode_request() put its days in) may share their buffer
// with `out`: program() begins the answer itself, once it is done with both (the others are
// given a copy of their request).
void program(Implant& implant, CommandSource source, const itdd_implant_ProgramPrescription& req,
             const protocol::RefusedStep& refused_step, therapy::Prescription& rx,
             std::uint32_t request_id, ImplantTime now, protocol::ImplantResponse& out);
void refill(Implant& implant, CommandSource source, const itdd_implant_Refill& req, ImplantTime now,
            protocol::ImplantResponse& out);
void clinician_bolus(Implant& implant, CommandSource source, const itdd_implant_ClinicianBolus& req,
                     ImplantTime now, protocol::ImplantResponse& out);
void patient_bolus(Implant& implant, CommandSource source,
                   const itdd_implant_PatientBolusRequest& req, ImplantTime now,
                   protocol::ImplantResponse& out);
void prime(Implant& implant, CommandSource source, const itdd_implant_PrimeCatheter& req,
           ImplantTime now, protocol::ImplantResponse& out);

// ---- peer_commands.cpp ----
void open_pairing(Implant& implant, PairingControl& pairing,
                  const itdd_implant_OpenPairingWindow& req, link::Role opener, ImplantTime now,
                  protocol::ImplantResponse& out);
void list_paired(const Implant& implant, const PairingControl& pairing,
                 protocol::ImplantResponse& out);
void revoke(PairingControl& pairing, const itdd_implant_RevokePairedDevice& req, link::Role caller,
            ImplantTime now, protocol::ImplantResponse& out);

}  // namespace itdd::app::detail
