// The link's persistent state: a new identity, provisioning and removal on the peer table, the
// byte layout's round trip, and a corrupt or inconsistent state refused on restore.
#include "itdd/link/link_state.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>

#include "link_harness.h"

namespace itdd::link {
namespace {

using testing::Bytes;
using testing::Harness;

TEST(LinkState, NewIdentityIsValidAndEmpty) {
  host::SodiumCrypto c;
  const LinkState s = make_link_state(c).value();
  EXPECT_TRUE(validate(s, c).ok());
  EXPECT_EQ(s.epoch, 0u);
  for (const Peer& p : s.peers) EXPECT_FALSE(p.in_use());
  EXPECT_NE(make_link_state(c).value().identity, s.identity);
}

TEST(LinkState, ProvisionAndRemove) {
  host::SodiumCrypto c;
  LinkState s = make_link_state(c).value();
  const PublicKey a = c.generate_key_pair()->public_key;
  const PeerId id = provision(s, a, Role::kService, ImplantTime(5)).value();
  EXPECT_EQ(id, 1u);
  const std::int32_t i = find_peer(s, a);
  ASSERT_GE(i, 0);
  EXPECT_EQ(s.peers[static_cast<std::size_t>(i)], (Peer{a, Role::kService, 1, ImplantTime(5)}));
  EXPECT_EQ(find_peer(s, id), i);

  const LinkState before = s;
  EXPECT_EQ(provision(s, a, Role::kPatient, ImplantTime(6)).error().code, ErrorCode::kRefused);
  EXPECT_FALSE(provision(s, PublicKey{}, Role::kPatient, ImplantTime(6)).ok());
  EXPECT_FALSE(provision(s, s.identity.public_key, Role::kPatient, ImplantTime(6)).ok());
  EXPECT_FALSE(provision(s, c.generate_key_pair()->public_key, Role::kNone, ImplantTime(6)).ok());
  EXPECT_EQ(s, before);

  ASSERT_TRUE(remove_peer(s, id).ok());
  EXPECT_LT(find_peer(s, a), 0);
  EXPECT_FALSE(remove_peer(s, id).ok());
  // Ids are never reused.
  EXPECT_EQ(provision(s, a, Role::kPatient, ImplantTime(7)).value(), 2u);
  EXPECT_TRUE(validate(s, c).ok());
}

TEST(LinkState, TableHoldsEightPeers) {
  host::SodiumCrypto c;
  LinkState s = make_link_state(c).value();
  for (std::size_t i = 0; i < kMaxPeers; ++i) {
    ASSERT_TRUE(
        provision(s, c.generate_key_pair()->public_key, Role::kPatient, ImplantTime(0)).ok());
  }
  const LinkState full = s;
  const Result<PeerId> r =
      provision(s, c.generate_key_pair()->public_key, Role::kPatient, ImplantTime(0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCapacity);
  EXPECT_EQ(s, full);
}

TEST(LinkState, BytesRoundTripAndTheResponderResumesFromThem) {
  Harness h;
  [[maybe_unused]] Initiator programmer = h.connect(h.clinician);
  const LinkState state = h.implant->state();
  const LinkStateBytes bytes = encode(state);
  EXPECT_EQ(bytes.size(), 440u);
  const Result<LinkState> back = decode_link_state(bytes, h.implant_crypto);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), state);
  h.start(back.value());
  EXPECT_EQ(h.implant->state(), state);
  Initiator again = h.connect(h.clinician);
  EXPECT_EQ(again.epoch(), state.epoch + 1);
}

struct Corruption {
  const char* field;
  void (*corrupt)(LinkState&);
};
const Corruption kCorruptions[] = {
    {"identity.public_key", [](LinkState& s) { s.identity.public_key[3] ^= 1; }},
    {"identity.public_key", [](LinkState& s) { s.identity.secret_key[9] ^= 0x10; }},
    {"identity.secret_key", [](LinkState& s) { s.identity.secret_key[0] ^= 1; }},
    {"identity.secret_key", [](LinkState& s) { s.identity.secret_key = {}; }},
    {"next_peer_id", [](LinkState& s) { s.next_peer_id = 0; }},
    {"peers.id", [](LinkState& s) { s.next_peer_id = 2; }},
    {"peers.role", [](LinkState& s) { s.peers[1].role = static_cast<Role>(7); }},
    {"peers.role", [](LinkState& s) { s.peers[0].role = Role::kNone; }},
    {"peers.key", [](LinkState& s) { s.peers[1].key = s.peers[0].key; }},
    {"peers.key", [](LinkState& s) { s.peers[1].key = {}; }},
    {"peers.key", [](LinkState& s) { s.peers[1].key = s.identity.public_key; }},
    {"peers.id", [](LinkState& s) { s.peers[1].id = s.peers[0].id; }},
    {"peers", [](LinkState& s) { s.peers[5].key[0] = 1; }},
    {"peers", [](LinkState& s) { s.peers[7].paired_at = ImplantTime(3); }},
    {"peers.paired_at", [](LinkState& s) { s.peers[0].paired_at = ImplantTime(-1); }},
};

void expect_same_error(const Error& a, const Error& b, const char* what) {
  EXPECT_EQ(a.code, b.code) << what;
  EXPECT_STREQ(a.field, b.field) << what;
  EXPECT_EQ(a.index, b.index) << what;
  EXPECT_STREQ(a.message, b.message) << what;
  EXPECT_EQ(a.sub_index, b.sub_index) << what;
}

// Each corruption is refused on restore, naming its field.
TEST(LinkState, CorruptStateIsRefused) {
  Harness h;
  const LinkState good = h.initial;
  ASSERT_TRUE(validate(good, h.sodium).ok());
  for (const Corruption& c : kCorruptions) {
    LinkState bad = good;
    c.corrupt(bad);
    const Status s = validate(bad, h.sodium);
    ASSERT_FALSE(s.ok()) << c.field;
    EXPECT_STREQ(s.error().field, c.field);
    EXPECT_FALSE(Responder::restore(bad, h.implant_crypto, h.store, h.events).ok()) << c.field;
    EXPECT_FALSE(decode_link_state(encode(bad), h.sodium).ok()) << c.field;
    // Decoded into a place: the same refusal.
    LinkState into = good;
    const Status decoded = decode_link_state(encode(bad), into, h.sodium);
    ASSERT_FALSE(decoded.ok()) << c.field;
    expect_same_error(decoded.error(), s.error(), c.field);
  }
}

// restore_into refuses what restore refuses, with the same error, and never leaves a responder
// behind it: an empty place stays empty, a place holding a running responder keeps it as it
// was (its session, its state); a responder built before the checks, or the place cleared
// before them, would fail this.
TEST(LinkState, RestoreInPlaceRefusesAsRestoreAndLeavesThePlaceAsItWas) {
  Harness h;
  [[maybe_unused]] Initiator programmer = h.connect(h.clinician);
  ASSERT_TRUE(h.implant->session().has_value());
  const testing::Snapshot running = h.snapshot();
  const std::size_t events = h.events.events.size();
  const std::int64_t commits = h.store.commits;

  auto expect_refused_alike = [&](const LinkState& state, const ResponderConfig& config,
                                  const char* what) {
    const Result<Responder> by_value =
        Responder::restore(state, h.implant_crypto, h.store, h.events, config);
    ASSERT_FALSE(by_value.ok()) << what;
    std::optional<Responder> empty;
    const Status into_empty =
        Responder::restore_into(empty, state, h.implant_crypto, h.store, h.events, config);
    ASSERT_FALSE(into_empty.ok()) << what;
    expect_same_error(into_empty.error(), by_value.error(), what);
    EXPECT_FALSE(empty.has_value()) << what;
    const Status into_running =
        Responder::restore_into(h.implant, state, h.implant_crypto, h.store, h.events, config);
    ASSERT_FALSE(into_running.ok()) << what;
    expect_same_error(into_running.error(), by_value.error(), what);
    ASSERT_TRUE(h.implant.has_value()) << what;
    EXPECT_EQ(h.snapshot(), running) << what;
  };
  for (const Corruption& c : kCorruptions) {
    LinkState bad = h.initial;
    c.corrupt(bad);
    expect_refused_alike(bad, ResponderConfig{}, c.field);
  }
  ResponderConfig config;
  config.backoff.failures_before_lockout = 0;
  expect_refused_alike(h.initial, config, "failures_before_lockout");
  config = ResponderConfig{};
  config.epoch_block = 0;
  expect_refused_alike(h.initial, config, "epoch_block");
  config = ResponderConfig{};
  config.unauthenticated_answers.interval = Duration(0);
  expect_refused_alike(h.initial, config, "unauthenticated_answers");
  // Nothing was said or written for any of them, and the running responder still answers.
  EXPECT_EQ(h.events.events.size(), events);
  EXPECT_EQ(h.store.commits, commits);
  const std::optional<Bytes> back = h.open(programmer, h.seal(Bytes{1, 2, 3}));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, (Bytes{1, 2, 3}));
}

// A good state restored in place is the responder restore makes: the same state, no session,
// no pairing window, the epoch where the state left it.
TEST(LinkState, RestoreInPlaceBuildsWhatRestoreBuilds) {
  Harness h;
  [[maybe_unused]] Initiator programmer = h.connect(h.clinician);
  const LinkState state = h.store.saved;
  const Responder by_value = Responder::restore(state, h.implant_crypto, h.store, h.events).value();
  ASSERT_TRUE(Responder::restore_into(h.implant, state, h.implant_crypto, h.store, h.events).ok());
  EXPECT_EQ(h.implant->state(), by_value.state());
  EXPECT_EQ(h.implant->session(), by_value.session());
  EXPECT_EQ(h.implant->pending(), by_value.pending());
  EXPECT_EQ(h.implant->pairing(), by_value.pairing());
  EXPECT_EQ(h.implant->epoch(), by_value.epoch());
  EXPECT_FALSE(h.implant->session().has_value());
  Initiator again = h.connect(h.clinician);
  EXPECT_EQ(again.epoch(), state.epoch + 1);
}

TEST(LinkState, BytesOfTheWrongSizeOrFormatAreRefused) {
  Harness h;
  LinkStateBytes bytes = encode(h.initial);
  EXPECT_STREQ(decode_link_state(hal::ByteView(bytes).first(439), h.sodium).error().field,
               "link_state");
  LinkState into{};
  EXPECT_STREQ(decode_link_state(hal::ByteView(bytes).first(439), into, h.sodium).error().field,
               "link_state");
  bytes[0] = 2;
  EXPECT_STREQ(decode_link_state(bytes, h.sodium).error().field, "link_state.format");
  EXPECT_STREQ(decode_link_state(bytes, into, h.sodium).error().field, "link_state.format");
}

// Decoded into a place that held another state: every field is the stored one's.
TEST(LinkState, DecodingInPlaceOverwritesEveryField) {
  Harness h;
  host::SodiumCrypto c;
  LinkState into = make_link_state(c).value();
  for (std::size_t i = 0; i < kMaxPeers; ++i) {
    ASSERT_TRUE(provision(into, c.generate_key_pair()->public_key, Role::kService,
                          ImplantTime(static_cast<std::int64_t>(i) + 9))
                    .ok());
  }
  into.epoch = 77;
  ASSERT_TRUE(decode_link_state(encode(h.initial), into, h.sodium).ok());
  EXPECT_EQ(into, h.initial);
  LinkState made = h.initial;
  ASSERT_TRUE(make_link_state(made, c).ok());
  EXPECT_TRUE(validate(made, c).ok());
  EXPECT_EQ(made.epoch, 0u);
  EXPECT_EQ(made.next_peer_id, 1u);
  for (const Peer& p : made.peers) EXPECT_FALSE(p.in_use());
}

// Flipping any bit of the identity or of a peer's id is caught by validate() (a flip of a
// role may give another valid role and a flip of a time another time: the storage layer's CRC
// catches those).
RC_GTEST_PROP(LinkState, FlipsInTheIdentityOrAPeerIdAreRefused, ()) {
  Harness h;
  const LinkStateBytes good = encode(h.initial);
  const std::size_t peer0 = 4 + 64 + 8 + 4;
  const std::size_t id0 = peer0 + kKeySize + 1;
  const std::size_t offset = *rc::gen::oneOf(
      rc::gen::inRange<std::size_t>(4, 68), rc::gen::inRange<std::size_t>(id0, id0 + 4),
      rc::gen::inRange<std::size_t>(id0 + kPeerRecordSize, id0 + kPeerRecordSize + 4));
  const int bit = *rc::gen::inRange(0, 8);
  LinkStateBytes bad = good;
  bad[offset] ^= static_cast<std::uint8_t>(1 << bit);
  RC_ASSERT_FALSE(decode_link_state(bad, h.sodium).ok());
}

}  // namespace
}  // namespace itdd::link
