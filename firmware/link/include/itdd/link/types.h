// The secure link's basic vocabulary: protocol version, roles, peer ids, key sizes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/hal/crypto.h"

namespace itdd::link {

// The link protocol's version, first byte of Hello and PairHello. A peer speaking another one is
// refused (kVersion) rather than misread.
inline constexpr std::uint8_t kVersion = 1;

inline constexpr std::size_t kKeySize = hal::kX25519Size;
inline constexpr std::size_t kMacSize = 32;  // BLAKE2b-256 pairing proofs
using PublicKey = hal::X25519Public;
using Mac = std::array<std::uint8_t, kMacSize>;

// Who a paired device is; each command is allowed only to its roles (decided by the command
// layer with the session's role).
enum class Role : std::uint8_t {
  kNone = 0,  // a free peer-table slot
  kClinician = 1,
  kPatient = 2,
  kService = 3,
};

constexpr bool is_peer_role(Role role) {
  return role == Role::kClinician || role == Role::kPatient || role == Role::kService;
}

const char* name(Role role);

// Who may pair or remove whom. Roles are ordered by what they may do to the patient's therapy,
// which is what a device of that role can harm and what losing it costs the patient:
//   clinician (programs it)  >  patient (boluses within the prescription)  >  service (none).
// A session may open a pairing window for, or remove, only a role at or below its own, and only
// clinician and service sessions manage the peer table at all (a patient device pairs and
// removes nothing). So a service tool can neither remove the clinic's programmer nor give
// itself a patient's bolus rights. docs/threat-model.md (section 5.3) has the whole table.
constexpr int authority(Role role) {
  switch (role) {
    case Role::kClinician:
      return 3;
    case Role::kPatient:
      return 2;
    case Role::kService:
      return 1;
    case Role::kNone:
      break;
  }
  return 0;
}
constexpr bool manages_peers(Role role) {
  return role == Role::kClinician || role == Role::kService;
}
constexpr bool may_pair_or_remove(Role actor, Role subject) {
  return manages_peers(actor) && is_peer_role(subject) && authority(subject) <= authority(actor);
}

// The implant's number for a paired device, given at pairing or provisioning, never reused.
using PeerId = std::uint32_t;
inline constexpr PeerId kNoPeer = 0;

// The peer table's fixed size.
inline constexpr std::size_t kMaxPeers = 8;

}  // namespace itdd::link
