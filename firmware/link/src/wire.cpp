#include "itdd/link/wire.h"

#include <algorithm>

namespace itdd::link {
namespace {

template <std::size_t N>
void put_bytes(std::uint8_t* at, const std::array<std::uint8_t, N>& bytes) {
  std::copy(bytes.begin(), bytes.end(), at);
}

template <std::size_t N>
std::array<std::uint8_t, N> get_bytes(const std::uint8_t* at) {
  std::array<std::uint8_t, N> out{};
  std::copy(at, at + N, out.begin());
  return out;
}

}  // namespace

const char* name(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kClinician:
      return "clinician";
    case Role::kPatient:
      return "patient";
    case Role::kService:
      return "service";
  }
  return "unknown";
}

void put_u32(std::uint8_t* at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
void put_u64(std::uint8_t* at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint32_t get_u32(const std::uint8_t* at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | at[i];
  return v;
}
std::uint64_t get_u64(const std::uint8_t* at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | at[i];
  return v;
}

HelloBytes encode(const Hello& m) {
  HelloBytes out{};
  out[0] = m.version;
  put_bytes(out.data() + 1, m.initiator_static);
  put_bytes(out.data() + 1 + kKeySize, m.initiator_ephemeral);
  return out;
}

AcceptBytes encode(const Accept& m) {
  AcceptBytes out{};
  put_bytes(out.data(), m.responder_ephemeral);
  put_u64(out.data() + kKeySize, m.epoch);
  put_bytes(out.data() + kKeySize + 8, m.tag);
  return out;
}

PairHelloBytes encode(const PairHello& m) {
  PairHelloBytes out{};
  out[0] = m.version;
  put_bytes(out.data() + 1, m.device_static);
  put_bytes(out.data() + 1 + kKeySize, m.device_ephemeral);
  return out;
}

PairAcceptBytes encode(const PairAccept& m) {
  PairAcceptBytes out{};
  put_bytes(out.data(), m.implant_ephemeral);
  put_bytes(out.data() + kKeySize, m.implant_static);
  return out;
}

PairProofBytes encode(const PairProof& m) {
  return m.mac;
}

PairConfirmBytes encode(const PairConfirm& m) {
  PairConfirmBytes out{};
  out[0] = static_cast<std::uint8_t>(m.role);
  put_u32(out.data() + 1, m.peer);
  put_bytes(out.data() + 5, m.mac);
  return out;
}

Result<Hello> decode_hello(hal::ByteView bytes) {
  if (bytes.size() != kHelloSize) {
    return make_error(ErrorCode::kInvalidArgument, "hello", "a Hello is 65 bytes");
  }
  if (bytes[0] != kVersion) {
    return make_error(ErrorCode::kInvalidArgument, "hello.version", "unsupported link version");
  }
  Hello m;
  m.version = bytes[0];
  m.initiator_static = get_bytes<kKeySize>(bytes.data() + 1);
  m.initiator_ephemeral = get_bytes<kKeySize>(bytes.data() + 1 + kKeySize);
  return m;
}

Result<Accept> decode_accept(hal::ByteView bytes) {
  if (bytes.size() != kAcceptSize) {
    return make_error(ErrorCode::kInvalidArgument, "accept", "an Accept is 56 bytes");
  }
  Accept m;
  m.responder_ephemeral = get_bytes<kKeySize>(bytes.data());
  m.epoch = get_u64(bytes.data() + kKeySize);
  m.tag = get_bytes<hal::kAeadTagSize>(bytes.data() + kKeySize + 8);
  return m;
}

Result<PairHello> decode_pair_hello(hal::ByteView bytes) {
  if (bytes.size() != kPairHelloSize) {
    return make_error(ErrorCode::kInvalidArgument, "pair_hello", "a PairHello is 65 bytes");
  }
  if (bytes[0] != kVersion) {
    return make_error(ErrorCode::kInvalidArgument, "pair_hello.version",
                      "unsupported link version");
  }
  PairHello m;
  m.version = bytes[0];
  m.device_static = get_bytes<kKeySize>(bytes.data() + 1);
  m.device_ephemeral = get_bytes<kKeySize>(bytes.data() + 1 + kKeySize);
  return m;
}

Result<PairAccept> decode_pair_accept(hal::ByteView bytes) {
  if (bytes.size() != kPairAcceptSize) {
    return make_error(ErrorCode::kInvalidArgument, "pair_accept", "a PairAccept is 64 bytes");
  }
  PairAccept m;
  m.implant_ephemeral = get_bytes<kKeySize>(bytes.data());
  m.implant_static = get_bytes<kKeySize>(bytes.data() + kKeySize);
  return m;
}

Result<PairProof> decode_pair_proof(hal::ByteView bytes) {
  if (bytes.size() != kPairProofSize) {
    return make_error(ErrorCode::kInvalidArgument, "pair_proof", "a PairProof is 32 bytes");
  }
  PairProof m;
  m.mac = get_bytes<kMacSize>(bytes.data());
  return m;
}

Result<PairConfirm> decode_pair_confirm(hal::ByteView bytes) {
  if (bytes.size() != kPairConfirmSize) {
    return make_error(ErrorCode::kInvalidArgument, "pair_confirm", "a PairConfirm is 37 bytes");
  }
  PairConfirm m;
  m.role = static_cast<Role>(bytes[0]);
  if (!is_peer_role(m.role)) {
    return make_error(ErrorCode::kInvalidArgument, "pair_confirm.role", "unknown role");
  }
  m.peer = get_u32(bytes.data() + 1);
  m.mac = get_bytes<kMacSize>(bytes.data() + 5);
  return m;
}

Result<RecordHeader> decode_record_header(hal::ByteView record) {
  if (record.size() < kRecordOverhead) {
    return make_error(ErrorCode::kInvalidArgument, "record",
                      "shorter than a record's header and tag (25 bytes)");
  }
  if (record.size() > kMaxRecordSize) {
    return make_error(ErrorCode::kInvalidArgument, "record", "longer than the largest record");
  }
  RecordHeader h;
  h.counter = get_u64(record.data());
  h.type = static_cast<RecordType>(record[8]);
  if (h.type != RecordType::kData && h.type != RecordType::kClose) {
    return make_error(ErrorCode::kInvalidArgument, "record.type", "unknown record type");
  }
  if (h.type == RecordType::kClose && record.size() != kRecordOverhead) {
    return make_error(ErrorCode::kInvalidArgument, "record.type", "a close record has no payload");
  }
  return h;
}

}  // namespace itdd::link
