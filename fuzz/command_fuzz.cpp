// libFuzzer harness for every request handler of the implant (firmware/app/commands.h): any
// bytes that decode as a Request are handed to the command layer under each role, on one
// implant that lives across inputs (so a fill, a program or a clock change made by one input
// is the state the next one meets, as in the field). Invariants checked after each request:
// the answer encodes; a refusal names a field; a role never gets what it may not ask for; the
// prescription token changes only on an applied program or refill, which its sender's journal
// lane then records; the implant keeps running.
// The same bytes also go to ImplantRadio::on_frame as a frame (no session: refused, unanswered
// or answered with an error frame, never a crash).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "../firmware/power/test/test_battery_config.h"
#include "itdd/app/commands.h"
#include "itdd/app/implant.h"
#include "itdd/app/radio.h"
#include "itdd/hal/fake_buzzer.h"
#include "itdd/hal/fake_motor.h"
#include "itdd/hal/fake_nvm.h"
#include "itdd/hal/fake_power_sense.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/protocol/implant_messages.h"
#include "itdd/protocol/messages.h"
#include "itdd/storage/layout.h"

namespace {

using namespace itdd;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

struct Rig final : app::PairingControl {
  hal::FakeNvm flash{storage::kImplantFlash};
  hal::FakeMotor motor;
  hal::FakeBuzzer buzzer;
  hal::FakePowerSense power;
  host::SodiumCrypto crypto;
  std::unique_ptr<app::Implant> implant;
  std::unique_ptr<app::ImplantRadio> radio;
  link::LinkState state{};
  ImplantTime now{0};

  Rig() {
    app::ImplantConfig config;
    config.battery = power::testing::data_like_config();  // so the battery monitor runs
    power.millivolts = 3610;
    implant = std::make_unique<app::Implant>(config, motor, buzzer, flash, power, now,
                                             WallTime(20458LL * kMillisPerDay));
    implant->boot(now);
    radio = std::make_unique<app::ImplantRadio>(*implant, crypto, flash);
    check(radio->boot(now).ok());
    // One device per role (peer ids 1 to 3): requests come from the device of their role, and
    // its journal lane is its slot.
    const link::Role roles[] = {link::Role::kPatient, link::Role::kService, link::Role::kClinician};
    for (std::size_t i = 0; i < 3; ++i) {
      link::PublicKey key{};
      key[0] = static_cast<std::uint8_t>(i + 1);
      state.peers[i] = link::Peer{key, roles[i], static_cast<link::PeerId>(i + 1), now};
    }
    state.next_peer_id = 4;
  }
  app::Caller caller(link::Role role) const {
    for (const link::Peer& p : state.peers) {
      if (p.in_use() && p.role == role) return app::Caller{p.id, role};
    }
    return app::Caller{};
  }
  Result<link::PairingCode> open_pairing(link::Role, ImplantTime, Duration) override {
    return link::PairingCode{{'1', '2', '3', '4', '5', '6'}};
  }
  const link::LinkState& link_state() const override { return state; }
  Status remove_peer(link::PeerId, ImplantTime) override { return Status::Ok(); }
};

Rig& rig() {
  static Rig r;
  return r;
}

bool changes_prescription(pb_size_t tag) {
  return tag == itdd_Request_program_tag || tag == itdd_Request_refill_tag;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Rig& r = rig();
  const std::span<const std::uint8_t> bytes(data, size);
  static protocol::Request request;  // the host's view of the bytes, for the checks
  static protocol::Response response;
  static std::array<std::uint8_t, protocol::kMaxFrameSize> buffer;
  // The implant's view, as ImplantRadio holds it: the request, then the answer in its place.
  union Exchange {
    protocol::ImplantRequest request;
    protocol::ImplantResponse response;
  };
  static Exchange exchange{};

  // Time moves on a little with each input (bounded, so a long run stays inside a few years).
  r.now = r.now + Duration(size > 0 ? (data[0] % 16) * kMillisPerMinute : 1);
  r.implant->on_wake(r.now);

  const bool readable = protocol::decode_request(bytes, request).ok();
  // The implant's view reads what the host's reads, and nothing else.
  check(protocol::decode_request(bytes, *std::construct_at(&exchange.request)).ok() == readable);
  if (readable) {
    for (const link::Role role :
         {link::Role::kPatient, link::Role::kService, link::Role::kClinician}) {
      const std::uint64_t token = r.implant->prescription_token();
      protocol::ImplantRequest& received = *std::construct_at(&exchange.request);
      check(protocol::decode_request(bytes, received).ok());
      app::handle_request(*r.implant, r, received, r.caller(role), r.now, exchange.response);
      // An error or a payload, never both (the link's buffer is sized for that:
      // protocol::kMaxImplantAnswerSize); the answer encodes, and reads back in the host's view.
      check(!exchange.response.has_error || exchange.response.which_payload == 0);
      const Result<std::size_t> answered = protocol::encode(exchange.response, buffer);
      check(answered.ok());
      // Every answer within the implant's bound, the one its link buffer is sized by.
      check(answered.value() <= protocol::kMaxImplantAnswerSize);
      check(protocol::decode_response(std::span(buffer.data(), answered.value()), response).ok());
      check(response.request_id == request.request_id);
      if (response.result != itdd_ResultCode_RESULT_OK) {
        check(response.has_error && response.error.field[0] != '\0');
      }
      if (!app::allowed(role, request.which_payload)) {
        check(response.result == itdd_ResultCode_RESULT_NOT_AUTHORISED ||
              response.result == itdd_ResultCode_RESULT_UNKNOWN_COMMAND);
      }
      const bool applied = response.result == itdd_ResultCode_RESULT_OK &&
                           changes_prescription(request.which_payload) &&
                           response.which_payload != itdd_Response_command_status_tag;
      if (!applied) check(r.implant->prescription_token() == token);
      // An applied program or refill is journalled in its sender's lane: sent again, it would be
      // answered from the journal, never run twice.
      if (applied) {
        const std::uint64_t id = request.which_payload == itdd_Request_program_tag
                                     ? request.payload.program.command_id
                                     : request.payload.refill.command_id;
        const std::optional<app::CommandSource> lane =
            app::command_source(r.state, r.caller(role).peer);
        check(lane.has_value() &&
              r.implant->command_outcome(*lane, id) == app::CommandOutcome::kApplied);
      }
    }
  }

  std::array<std::uint8_t, protocol::kMaxFrameSize> reply{};
  const std::size_t n = r.radio->on_frame(bytes, reply, r.now);
  // Within a board's buffer, whatever the caller's; a frame longer than it is not read.
  check(n <= app::kLinkBufferSize);
  if (bytes.size() > app::kLinkBufferSize) check(n == 0);
  return 0;
}
