// The link's fixed layouts: sizes, round trips, and refusals that name what is wrong.
#include "itdd/link/wire.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <vector>

namespace itdd::link {
namespace {

PublicKey key(std::uint8_t fill) {
  PublicKey k{};
  k.fill(fill);
  k[0] = static_cast<std::uint8_t>(fill + 1);
  return k;
}

TEST(Wire, SizesAreTheDocumentedOnes) {
  EXPECT_EQ(kHelloSize, 65u);
  EXPECT_EQ(kAcceptSize, 56u);
  EXPECT_EQ(kPairHelloSize, 65u);
  EXPECT_EQ(kPairAcceptSize, 64u);
  EXPECT_EQ(kPairProofSize, 32u);
  EXPECT_EQ(kPairConfirmSize, 37u);
  EXPECT_EQ(kRecordOverhead, 25u);
}

TEST(Wire, MessagesRoundTrip) {
  const Hello hello{kVersion, key(1), key(2)};
  EXPECT_EQ(decode_hello(encode(hello)).value(), hello);
  Accept accept{key(3), 0x0102030405060708ull, {}};
  accept.tag.fill(9);
  const AcceptBytes a = encode(accept);
  EXPECT_EQ(a[32], 0x08);  // little-endian epoch
  EXPECT_EQ(decode_accept(a).value(), accept);
  const PairHello pair_hello{kVersion, key(4), key(5)};
  EXPECT_EQ(decode_pair_hello(encode(pair_hello)).value(), pair_hello);
  const PairAccept pair_accept{key(6), key(7)};
  EXPECT_EQ(decode_pair_accept(encode(pair_accept)).value(), pair_accept);
  PairProof proof;
  proof.mac.fill(0x33);
  EXPECT_EQ(decode_pair_proof(encode(proof)).value(), proof);
  PairConfirm confirm{Role::kService, 0xA1B2C3D4u, {}};
  confirm.mac.fill(0x44);
  const PairConfirmBytes c = encode(confirm);
  EXPECT_EQ(c[1], 0xD4);
  EXPECT_EQ(decode_pair_confirm(c).value(), confirm);
}

TEST(Wire, VersionAndRoleAreChecked) {
  HelloBytes hello = encode(Hello{kVersion, key(1), key(2)});
  hello[0] = 0;
  const Result<Hello> h = decode_hello(hello);
  ASSERT_FALSE(h.ok());
  EXPECT_STREQ(h.error().field, "hello.version");
  PairHelloBytes pair_hello = encode(PairHello{});
  pair_hello[0] = 2;
  EXPECT_STREQ(decode_pair_hello(pair_hello).error().field, "pair_hello.version");
  PairConfirmBytes confirm = encode(PairConfirm{Role::kPatient, 1, {}});
  for (std::uint8_t role : {0, 4, 255}) {
    confirm[0] = role;
    EXPECT_STREQ(decode_pair_confirm(confirm).error().field, "pair_confirm.role");
  }
}

RC_GTEST_PROP(Wire, EveryDecoderRefusesAnyOtherLength, ()) {
  const auto bytes = *rc::gen::container<std::vector<std::uint8_t>>(
      *rc::gen::inRange<std::size_t>(0, 120), rc::gen::arbitrary<std::uint8_t>());
  const auto refused = [&](auto result, std::size_t size, const char* field) {
    if (bytes.size() == size) return;
    RC_ASSERT_FALSE(result.ok());
    RC_ASSERT(std::strcmp(result.error().field, field) == 0);
  };
  refused(decode_hello(bytes), kHelloSize, "hello");
  refused(decode_accept(bytes), kAcceptSize, "accept");
  refused(decode_pair_hello(bytes), kPairHelloSize, "pair_hello");
  refused(decode_pair_accept(bytes), kPairAcceptSize, "pair_accept");
  refused(decode_pair_proof(bytes), kPairProofSize, "pair_proof");
  refused(decode_pair_confirm(bytes), kPairConfirmSize, "pair_confirm");
}

TEST(Wire, RecordHeader) {
  std::vector<std::uint8_t> record(kRecordOverhead + 3, 0);
  record[0] = 7;
  record[8] = static_cast<std::uint8_t>(RecordType::kData);
  const Result<RecordHeader> h = decode_record_header(record);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->counter, 7u);
  EXPECT_EQ(h->type, RecordType::kData);

  record[8] = 0;
  EXPECT_STREQ(decode_record_header(record).error().field, "record.type");
  record[8] = static_cast<std::uint8_t>(RecordType::kClose);  // a close carries nothing
  EXPECT_STREQ(decode_record_header(record).error().field, "record.type");
  record.resize(kRecordOverhead);
  EXPECT_TRUE(decode_record_header(record).ok());
  record.resize(kRecordOverhead - 1);
  EXPECT_STREQ(decode_record_header(record).error().field, "record");
  record.assign(kMaxRecordSize + 1, 1);
  EXPECT_STREQ(decode_record_header(record).error().field, "record");
}

TEST(Wire, RolesHaveNames) {
  EXPECT_STREQ(name(Role::kClinician), "clinician");
  EXPECT_STREQ(name(Role::kPatient), "patient");
  EXPECT_STREQ(name(Role::kService), "service");
  EXPECT_FALSE(is_peer_role(Role::kNone));
  EXPECT_FALSE(is_peer_role(static_cast<Role>(9)));
}

}  // namespace
}  // namespace itdd::link
