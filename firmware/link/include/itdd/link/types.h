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

// The implant's number for a paired device, given at pairing or provisioning, never reused.
using PeerId = std::uint32_t;
inline constexpr PeerId kNoPeer = 0;

// The peer table's fixed size.
inline constexpr std::size_t kMaxPeers = 8;

}  // namespace itdd::link
