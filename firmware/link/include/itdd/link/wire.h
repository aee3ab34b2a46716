// The link's messages as fixed binary layouts (integers little-endian). They travel inside the
// protocol's frames; this module neither frames nor knows message type codes. Every decode
// checks the length first and names what is wrong.
//
//   Hello        65 B  version u8 | initiator static key 32 | initiator ephemeral key 32
//   Accept       56 B  responder ephemeral key 32 | epoch u64 | confirmation tag 16
//   PairHello    65 B  version u8 | device static key 32 | device code-bound ephemeral 32
//   PairAccept   64 B  implant code-bound ephemeral 32 | implant static key 32
//   PairProof    32 B  device proof (BLAKE2b-256)
//   PairConfirm  37 B  role u8 | peer id u32 | implant proof (BLAKE2b-256)
//   Record    25+n B   counter u64 | type u8 | ciphertext n | tag 16
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/core/result.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/types.h"

namespace itdd::link {

inline constexpr std::size_t kHelloSize = 1 + kKeySize + kKeySize;
inline constexpr std::size_t kAcceptSize = kKeySize + 8 + hal::kAeadTagSize;
inline constexpr std::size_t kPairHelloSize = 1 + kKeySize + kKeySize;
inline constexpr std::size_t kPairAcceptSize = kKeySize + kKeySize;
inline constexpr std::size_t kPairProofSize = kMacSize;
inline constexpr std::size_t kPairConfirmSize = 1 + 4 + kMacSize;
inline constexpr std::size_t kRecordHeaderSize = 8 + 1;
inline constexpr std::size_t kRecordOverhead = kRecordHeaderSize + hal::kAeadTagSize;
// The largest record payload accepted (at least the protocol's largest message).
// Room for the largest protocol message (a full interrogation, under 9 KB; firmware/app checks it).
inline constexpr std::size_t kMaxRecordPayload = 9 * 1024;
inline constexpr std::size_t kMaxRecordSize = kRecordOverhead + kMaxRecordPayload;

using HelloBytes = std::array<std::uint8_t, kHelloSize>;
using AcceptBytes = std::array<std::uint8_t, kAcceptSize>;
using PairHelloBytes = std::array<std::uint8_t, kPairHelloSize>;
using PairAcceptBytes = std::array<std::uint8_t, kPairAcceptSize>;
using PairProofBytes = std::array<std::uint8_t, kPairProofSize>;
using PairConfirmBytes = std::array<std::uint8_t, kPairConfirmSize>;

enum class RecordType : std::uint8_t {
  kData = 1,   // a protocol message
  kClose = 2,  // the sender ends the session (empty payload)
};

struct Hello {
  std::uint8_t version = kVersion;
  PublicKey initiator_static{};
  PublicKey initiator_ephemeral{};
  constexpr bool operator==(const Hello&) const = default;
};

struct Accept {
  PublicKey responder_ephemeral{};
  std::uint64_t epoch = 0;
  hal::AeadTag tag{};
  constexpr bool operator==(const Accept&) const = default;
};

struct PairHello {
  std::uint8_t version = kVersion;
  PublicKey device_static{};
  PublicKey device_ephemeral{};
  constexpr bool operator==(const PairHello&) const = default;
};

struct PairAccept {
  PublicKey implant_ephemeral{};
  PublicKey implant_static{};
  constexpr bool operator==(const PairAccept&) const = default;
};

struct PairProof {
  Mac mac{};
  constexpr bool operator==(const PairProof&) const = default;
};

struct PairConfirm {
  Role role = Role::kNone;
  PeerId peer = kNoPeer;
  Mac mac{};
  constexpr bool operator==(const PairConfirm&) const = default;
};

struct RecordHeader {
  std::uint64_t counter = 0;
  RecordType type = RecordType::kData;
};

HelloBytes encode(const Hello& m);
AcceptBytes encode(const Accept& m);
PairHelloBytes encode(const PairHello& m);
PairAcceptBytes encode(const PairAccept& m);
PairProofBytes encode(const PairProof& m);
PairConfirmBytes encode(const PairConfirm& m);

// Each refuses a wrong length (kInvalidArgument, field = the message's name) and a version
// other than kVersion (field "<message>.version"); PairConfirm refuses an unknown role.
Result<Hello> decode_hello(hal::ByteView bytes);
Result<Accept> decode_accept(hal::ByteView bytes);
Result<PairHello> decode_pair_hello(hal::ByteView bytes);
Result<PairAccept> decode_pair_accept(hal::ByteView bytes);
Result<PairProof> decode_pair_proof(hal::ByteView bytes);
Result<PairConfirm> decode_pair_confirm(hal::ByteView bytes);
// A record's clear header; refuses a record shorter than kRecordOverhead, longer than
// kMaxRecordSize, or of an unknown type.
Result<RecordHeader> decode_record_header(hal::ByteView record);

// Little-endian helpers shared by the link's sources.
void put_u32(std::uint8_t* at, std::uint32_t v);
void put_u64(std::uint8_t* at, std::uint64_t v);
std::uint32_t get_u32(const std::uint8_t* at);
std::uint64_t get_u64(const std::uint8_t* at);

}  // namespace itdd::link
