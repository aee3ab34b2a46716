// The command layer (commands.h) on an implant of fakes, for its host tests: a peer table of
// devices (a fake PairingControl: no window ever opens; the link's own rules are tested with the
// real Responder in firmware/link/test and through the radio in tests/), the requests as the
// radio hands them over, and the sender each one comes from.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "implant_rig.h"
#include "itdd/app/commands.h"
#include "itdd/protocol/implant_messages.h"
#include "itdd/protocol/prescription_wire.h"

namespace itdd::app::rig {

struct PeerTable final : PairingControl {
  // One device per role given, peer ids 1, 2, ... in slots 0, 1, ...
  explicit PeerTable(std::initializer_list<link::Role> roles = {
                         link::Role::kClinician, link::Role::kPatient, link::Role::kService}) {
    std::size_t i = 0;
    for (const link::Role role : roles) {
      link::PublicKey key{};
      key[0] = static_cast<std::uint8_t>(i + 1);
      state.peers[i] = link::Peer{key, role, static_cast<link::PeerId>(i + 1), ImplantTime(0)};
      ++i;
    }
    state.next_peer_id = static_cast<link::PeerId>(i + 1);
  }
  Result<link::PairingCode> open_pairing(link::Role, ImplantTime, Duration) override {
    return make_error(ErrorCode::kRefused, "pairing", "not in this test");
  }
  const link::LinkState& link_state() const override { return state; }
  Status remove_peer(link::PeerId, ImplantTime) override { return Status::Ok(); }

  // The device in slot `slot` as the radio names it, and its journal lane.
  Caller caller(std::size_t slot) const {
    return Caller{state.peers[slot].id, state.peers[slot].role};
  }
  CommandSource lane(std::size_t slot) const {
    return CommandSource{static_cast<std::uint32_t>(slot), state.peers[slot].id};
  }
  link::LinkState state{};
};

inline protocol::Request request(pb_size_t tag) {
  protocol::Request r{};
  r.request_id = 1;
  r.which_payload = tag;
  return r;
}

inline protocol::Request interrogate_request() {
  return request(itdd_Request_interrogate_tag);
}

inline protocol::Request prime_request(std::uint64_t id, Volume catheter) {
  protocol::Request r = request(itdd_Request_prime_catheter_tag);
  r.payload.prime_catheter.command_id = id;
  r.payload.prime_catheter.catheter_volume_nl = catheter.count();
  return r;
}

inline protocol::Request patient_bolus_request(std::uint64_t id) {
  protocol::Request r = request(itdd_Request_patient_bolus_tag);
  r.payload.patient_bolus.command_id = id;
  return r;
}

inline protocol::Request clinician_bolus_request(std::uint64_t id, DrugAmount dose,
                                                 Duration duration) {
  protocol::Request r = request(itdd_Request_clinician_bolus_tag);
  r.payload.clinician_bolus.command_id = id;
  r.payload.clinician_bolus.dose_ng = dose.count();
  r.payload.clinician_bolus.duration_ms = duration.count();
  return r;
}

// Morphine 25 mg/mL, `volume` in the reservoir.
inline protocol::Request refill_request(std::uint64_t id, Volume volume) {
  protocol::Request r = request(itdd_Request_refill_tag);
  r.payload.refill.command_id = id;
  r.payload.refill.has_drug = protocol::drug_to_wire(kMorphine, r.payload.refill.drug).ok();
  r.payload.refill.concentration_ng_per_ml = therapy::testing::kMorphine25.count();
  r.payload.refill.volume_nl = volume.count();
  return r;
}

inline protocol::Request program_request(std::uint64_t id, std::uint64_t token,
                                         const therapy::Prescription& rx) {
  protocol::Request r = request(itdd_Request_program_tag);
  r.payload.program.command_id = id;
  r.payload.program.replaces_token = token;
  r.payload.program.has_prescription =
      protocol::prescription_to_wire(rx, r.payload.program.prescription).ok();
  return r;
}

inline protocol::Request query_request(std::uint64_t id) {
  protocol::Request r = request(itdd_Request_query_command_status_tag);
  r.payload.query_command_status.command_id = id;
  return r;
}

inline protocol::Request set_clock_request(WallTime wall) {
  protocol::Request r = request(itdd_Request_set_clock_tag);
  r.payload.set_clock.wall_ms = wall.ms();
  return r;
}

// A command applied now: its own answer (a refusal or an answer from the journal is not).
inline bool freshly_applied(const protocol::Response& r) {
  return r.result == itdd_ResultCode_RESULT_OK &&
         r.which_payload != itdd_Response_command_status_tag &&
         (r.which_payload != itdd_Response_patient_bolus_tag || r.payload.patient_bolus.granted);
}

// An answer from the journal: the command had been seen, with this outcome.
inline bool answered_from_journal(const protocol::Response& r, itdd_CommandState state) {
  return r.result == itdd_ResultCode_RESULT_OK &&
         r.which_payload == itdd_Response_command_status_tag &&
         r.payload.command_status.state == state;
}

// A request as the radio hands it to the command layer (ImplantRadio::on_record): its bytes
// decoded in the implant's view (a program command's days straight into the prescription beside
// the request), answered in the same place, and the answer's bytes read back as a programmer
// reads them. The buffers are static (the board's test images have a small stack).
inline void handle_request(Implant& implant, PairingControl& pairing,
                           const protocol::Request& request, Caller caller, ImplantTime now,
                           protocol::Response& out) {
  static std::array<std::uint8_t, protocol::kMaxMessageSize> bytes{};
  union Exchange {
    protocol::ImplantRequest request;
    protocol::ImplantResponse response;
  };
  static Exchange exchange{};
  out = protocol::Response{};
  const Result<std::size_t> sent = protocol::encode(request, bytes);
  ASSERT_TRUE(sent.ok());
  protocol::ImplantRequest& received = *std::construct_at(&exchange.request);
  ASSERT_TRUE(protocol::decode_request(std::span(bytes.data(), sent.value()), received).ok());
  app::handle_request(implant, pairing, received, caller, now, exchange.response);
  // An error or a payload, never both (protocol::kMaxImplantAnswerSize).
  EXPECT_TRUE(!exchange.response.has_error || exchange.response.which_payload == 0);
  const Result<std::size_t> answered = protocol::encode(exchange.response, bytes);
  ASSERT_TRUE(answered.ok());
  ASSERT_TRUE(protocol::decode_response(std::span(bytes.data(), answered.value()), out).ok());
}

// An implant on a body of fakes, a peer table, and requests sent from one of its devices.
struct CommandRig {
  explicit CommandRig(std::initializer_list<link::Role> roles = {link::Role::kClinician,
                                                                 link::Role::kPatient,
                                                                 link::Role::kService})
      : peers(roles) {}
  Body body;
  Rig rig{body};
  PeerTable peers;

  protocol::Response send(const protocol::Request& request, std::size_t slot) {
    protocol::Response out{};
    handle_request(*rig.implant, peers, request, peers.caller(slot), rig.now, out);
    return out;
  }
};

}  // namespace itdd::app::rig
