#include "itdd/link/link_state.h"

#include <algorithm>

#include "itdd/link/wire.h"
#include "secure.h"

namespace itdd::link {

Result<LinkState> make_link_state(hal::Crypto& crypto) {
  LinkState state;
  const Status made = make_link_state(state, crypto);
  if (!made.ok()) return made.error();
  return state;
}

Status make_link_state(LinkState& out, hal::Crypto& crypto) {
  out = LinkState{};
  const Result<hal::KeyPair> identity = crypto.generate_key_pair();
  if (!identity.ok()) return identity.error();
  if (is_zero(identity->secret_key)) {
    return make_error(ErrorCode::kRefused, "identity", "the random source gave a zero key");
  }
  out.identity = identity.value();
  // Stored clamped (the form X25519 uses anyway), so any change to the secret is detectable.
  out.identity.secret_key[0] &= 248;
  out.identity.secret_key[31] &= 127;
  out.identity.secret_key[31] |= 64;
  return Status::Ok();
}

Status validate(const LinkState& state, hal::Crypto& crypto) {
  if (is_zero(state.identity.secret_key)) {
    return make_error(ErrorCode::kInvalidArgument, "identity.secret_key", "zero key");
  }
  const hal::X25519Secret& secret = state.identity.secret_key;
  if ((secret[0] & 7) != 0 || (secret[31] & 0xC0) != 0x40) {
    return make_error(ErrorCode::kInvalidArgument, "identity.secret_key", "not clamped");
  }
  const Result<PublicKey> pub = crypto.public_key_of(state.identity.secret_key);
  if (!pub.ok()) return pub.error();
  if (!crypto.equal(pub.value(), state.identity.public_key)) {
    return make_error(ErrorCode::kMismatch, "identity.public_key",
                      "not the public key of the identity's secret key");
  }
  if (state.next_peer_id == kNoPeer) {
    return make_error(ErrorCode::kInvalidArgument, "next_peer_id", "must be at least 1");
  }
  for (std::size_t i = 0; i < kMaxPeers; ++i) {
    const Peer& p = state.peers[i];
    const auto index = static_cast<std::int32_t>(i);
    if (!p.in_use()) {
      if (!(p == Peer{})) {
        return make_error(ErrorCode::kInvalidArgument, "peers", "a free slot is not empty", index);
      }
      continue;
    }
    if (!is_peer_role(p.role)) {
      return make_error(ErrorCode::kInvalidArgument, "peers.role", "unknown role", index);
    }
    if (is_zero(p.key)) {
      return make_error(ErrorCode::kInvalidArgument, "peers.key", "zero key", index);
    }
    if (p.key == state.identity.public_key) {
      return make_error(ErrorCode::kInvalidArgument, "peers.key", "the implant's own key", index);
    }
    if (p.id >= state.next_peer_id) {
      return make_error(ErrorCode::kInvalidArgument, "peers.id", "not below next_peer_id", index);
    }
    if (p.paired_at.ms() < 0) {
      return make_error(ErrorCode::kInvalidArgument, "peers.paired_at", "negative time", index);
    }
    for (std::size_t j = 0; j < i; ++j) {
      const Peer& q = state.peers[j];
      if (!q.in_use()) continue;
      if (q.id == p.id) {
        return make_error(ErrorCode::kInvalidArgument, "peers.id", "repeated id", index);
      }
      if (q.key == p.key) {
        return make_error(ErrorCode::kInvalidArgument, "peers.key", "repeated key", index);
      }
    }
  }
  return Status::Ok();
}

std::int32_t find_peer(const LinkState& state, const PublicKey& key) {
  for (std::size_t i = 0; i < kMaxPeers; ++i) {
    if (state.peers[i].in_use() && state.peers[i].key == key) return static_cast<std::int32_t>(i);
  }
  return -1;
}

std::int32_t find_peer(const LinkState& state, PeerId id) {
  if (id == kNoPeer) return -1;
  for (std::size_t i = 0; i < kMaxPeers; ++i) {
    if (state.peers[i].id == id) return static_cast<std::int32_t>(i);
  }
  return -1;
}

Result<PeerId> provision(LinkState& state, const PublicKey& key, Role role, ImplantTime now) {
  if (!is_peer_role(role)) {
    return make_error(ErrorCode::kInvalidArgument, "role", "not a peer role");
  }
  if (is_zero(key)) return make_error(ErrorCode::kInvalidArgument, "key", "zero key");
  if (key == state.identity.public_key) {
    return make_error(ErrorCode::kInvalidArgument, "key", "the implant's own key");
  }
  if (find_peer(state, key) >= 0) {
    return make_error(ErrorCode::kRefused, "key", "already paired (remove it first)");
  }
  if (state.next_peer_id == UINT32_MAX) {
    return make_error(ErrorCode::kCapacity, "next_peer_id", "peer ids used up");
  }
  for (Peer& p : state.peers) {
    if (p.in_use()) continue;
    p = Peer{key, role, state.next_peer_id, now};
    ++state.next_peer_id;
    return p.id;
  }
  return make_error(ErrorCode::kCapacity, "peers", "the peer table is full");
}

Status remove_peer(LinkState& state, PeerId id) {
  const std::int32_t i = find_peer(state, id);
  if (i < 0) return make_error(ErrorCode::kInvalidArgument, "peer", "no such peer");
  state.peers[static_cast<std::size_t>(i)] = Peer{};
  return Status::Ok();
}

LinkStateBytes encode(const LinkState& state) {
  LinkStateBytes out{};
  std::uint8_t* at = out.data();
  put_u32(at, kLinkStateFormat);
  at += 4;
  at = std::copy(state.identity.public_key.begin(), state.identity.public_key.end(), at);
  at = std::copy(state.identity.secret_key.begin(), state.identity.secret_key.end(), at);
  put_u64(at, state.epoch);
  at += 8;
  put_u32(at, state.next_peer_id);
  at += 4;
  for (const Peer& p : state.peers) {
    at = std::copy(p.key.begin(), p.key.end(), at);
    *at++ = static_cast<std::uint8_t>(p.role);
    put_u32(at, p.id);
    at += 4;
    put_u64(at, static_cast<std::uint64_t>(p.paired_at.ms()));
    at += 8;
  }
  return out;
}

Result<LinkState> decode_link_state(hal::ByteView bytes, hal::Crypto& crypto) {
  LinkState state;
  const Status decoded = decode_link_state(bytes, state, crypto);
  if (!decoded.ok()) return decoded.error();
  return state;
}

Status decode_link_state(hal::ByteView bytes, LinkState& state, hal::Crypto& crypto) {
  if (bytes.size() != kLinkStateSize) {
    return make_error(ErrorCode::kInvalidArgument, "link_state", "wrong size");
  }
  const std::uint8_t* at = bytes.data();
  if (get_u32(at) != kLinkStateFormat) {
    return make_error(ErrorCode::kInvalidArgument, "link_state.format", "unknown format");
  }
  at += 4;
  std::copy(at, at + kKeySize, state.identity.public_key.begin());
  at += kKeySize;
  std::copy(at, at + kKeySize, state.identity.secret_key.begin());
  at += kKeySize;
  state.epoch = get_u64(at);
  at += 8;
  state.next_peer_id = get_u32(at);
  at += 4;
  for (Peer& p : state.peers) {
    std::copy(at, at + kKeySize, p.key.begin());
    at += kKeySize;
    p.role = static_cast<Role>(*at++);
    p.id = get_u32(at);
    at += 4;
    p.paired_at = ImplantTime(static_cast<std::int64_t>(get_u64(at)));
    at += 8;
  }
  return validate(state, crypto);
}

}  // namespace itdd::link
