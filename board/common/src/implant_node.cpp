#include "itdd/board/implant_node.h"

namespace itdd::board {

void ImplantNode::power_up(hal::ResetCause cause, WallTime wall, bool radio) {
  const ImplantTime now = ports_.platform.now();
  power_down();
  link_.clear();
  implant_.emplace(config_, ports_.motor, ports_.buzzer, ports_.nvm, ports_.power_sense, now, wall);
  const app::BootReport boot = implant_->boot(now, cause);
  if (radio && ports_.platform.random_seeded()) boot_radio(now);
  Line l;
  l << "boot now=" << now.ms() << " resumed=" << (boot.resumed ? 1 : 0)
    << " gap_ms=" << boot.gap.count() << " recorded_nl=" << boot.recorded_delivered.count()
    << " assumed_nl=" << boot.assumed_delivered.count()
    << " settings_corrupt=" << (boot.settings_corrupt ? 1 : 0);
  if (radio_) l << " radio=" << (radio_->ready() ? "on" : "off");
  ports_.platform.send_line(l.view());
}

void ImplantNode::power_down() {
  radio_.reset();
  implant_.reset();
}

void ImplantNode::boot_radio(ImplantTime now) {
  if (ports_.crypto == nullptr || ports_.link_buffer.size() < app::kLinkBufferSize) return;
  radio_.emplace(*implant_, *ports_.crypto, ports_.nvm);
  // A radio that does not start stays off (every frame answered "the radio is off"); the
  // implant's therapy goes on and its log says why.
  (void)radio_->boot(now);
}

void ImplantNode::seed(std::span<const std::uint8_t, 32> seed) {
  ports_.platform.seed_random(seed);
  boot_radio(ports_.platform.now());
}

Status ImplantNode::start_radio(const ProvisioningRecord& record) {
  if (!ports_.platform.random_seeded()) seed(record.seed);
  if (!radio_on()) {
    return make_error(ErrorCode::kRefused, "radio", "it did not start (the event log says why)");
  }
  if (radio_->responder()->state().next_peer_id != 1) return Status::Ok();
  const Result<link::PeerId> id = provision(record.key, record.role);
  if (!id.ok()) return id.error();
  return Status::Ok();
}

void ImplantNode::describe_radio(Line& l) const {
  if (!radio_on()) {
    l << "off";
    return;
  }
  l << "on key=";
  put_hex(l, radio_->public_key());
  std::int64_t peers = 0;
  for (const link::Peer& p : radio_->responder()->state().peers) {
    peers += p.role != link::Role::kNone;
  }
  l << " peers=" << peers;
}

}  // namespace itdd::board
