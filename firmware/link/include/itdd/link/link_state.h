// What the implant's link keeps across resets: its identity key pair, the session epoch and the
// peer table. A plain value; the storage layer persists it (settings with CRC, two copies), the
// responder asks for it to be committed through StateStore before it answers, and `validate`
// checks a restored copy before the implant trusts it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/types.h"

namespace itdd::link {

// One paired device. A free slot is Peer{} (id kNoPeer, role kNone, zero key).
struct Peer {
  PublicKey key{};
  Role role = Role::kNone;
  PeerId id = kNoPeer;
  ImplantTime paired_at{};
  constexpr bool in_use() const { return id != kNoPeer; }
  constexpr bool operator==(const Peer&) const = default;
};

struct LinkState {
  hal::KeyPair identity{};  // the implant's static X25519 key pair, made once at manufacture
  // Sessions answered so far: incremented and committed before every Accept, so no two
  // sessions of this implant ever share an epoch, across resets too.
  std::uint64_t epoch = 0;
  PeerId next_peer_id = 1;  // ids are never reused
  std::array<Peer, kMaxPeers> peers{};
  constexpr bool operator==(const LinkState&) const = default;
};

// The responder's way to make its state durable: the integrator writes `state` to flash and
// returns only when it is committed (or an error, and then the responder sends nothing).
class StateStore {
 public:
  virtual Status commit(const LinkState& state) = 0;

 protected:
  ~StateStore() = default;
};

// A fresh implant identity (factory), epoch 0, no peers.
Result<LinkState> make_link_state(hal::Crypto& crypto);
// The same, made in `out` (no copy of the state on the caller's stack). On a refusal `out` holds
// no state to use.
Status make_link_state(LinkState& out, hal::Crypto& crypto);

// Refuses a state the link must not run on, naming the field (and the peer-table index): an
// identity whose public key is not its secret key's, a bad role, a zero or repeated key, a
// repeated id, an id not below next_peer_id, a free slot that is not empty.
Status validate(const LinkState& state, hal::Crypto& crypto);

// Index of the peer with this key, or -1.
std::int32_t find_peer(const LinkState& state, const PublicKey& key);
std::int32_t find_peer(const LinkState& state, PeerId id);

// The factory/service path: adds a device's key with a role. Refuses a zero key, the implant's
// own key, a key already paired (kRefused), a role that is not a peer role, a full table
// (kCapacity). Nothing changes on a refusal.
Result<PeerId> provision(LinkState& state, const PublicKey& key, Role role, ImplantTime now);
// Frees the peer's slot (kInvalidArgument if there is none).
Status remove_peer(LinkState& state, PeerId id);

// A fixed byte layout for storage (little-endian): format u32 | identity public 32 | identity
// secret 32 | epoch u64 | next_peer_id u32 | kMaxPeers x (key 32 | role u8 | id u32 |
// paired_at i64).
inline constexpr std::uint32_t kLinkStateFormat = 1;
inline constexpr std::size_t kPeerRecordSize = kKeySize + 1 + 4 + 8;
inline constexpr std::size_t kLinkStateSize =
    4 + 2 * kKeySize + 8 + 4 + kMaxPeers * kPeerRecordSize;
using LinkStateBytes = std::array<std::uint8_t, kLinkStateSize>;

LinkStateBytes encode(const LinkState& state);
// Length and format first, then validate().
Result<LinkState> decode_link_state(hal::ByteView bytes, hal::Crypto& crypto);
// The same checks and refusals, decoded into `out` (no copy of the state on the caller's stack).
// On a refusal `out` holds what was read, or nothing read yet: not a state to use.
Status decode_link_state(hal::ByteView bytes, LinkState& out, hal::Crypto& crypto);

}  // namespace itdd::link
