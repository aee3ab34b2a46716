// Failed authentication backs off per claimed identity: three failures in a row that claimed
// one paired device's key lock that key out for 1 s, then 2 s, 4 s... up to 5 minutes; a
// success of that device resets it. Junk that claims no paired key is refused after a table
// lookup and counts against nobody, so a flood of it never keeps a paired device out. Each
// paired key's handshakes are rate-limited before any Diffie-Hellman work; the implant answers
// a lockout once and what proves no paired identity only within a small budget.
#include <gtest/gtest.h>

#include "link_harness.h"

namespace itdd::link {
namespace {

using testing::Bytes;
using testing::Harness;
using testing::Snapshot;

// One handshake attempt from an unpaired device.
bool stranger_hello(Harness& h) {
  Initiator intruder = h.initiator(h.stranger);
  return h.implant->on_hello(intruder.hello().value(), h.now).ok();
}

// A Hello that claims `device`'s (public) key with a low-order ephemeral: it costs the implant
// its Diffie-Hellman work and is a failure of the claimed identity.
bool forged_hello(Harness& h, const hal::KeyPair& device) {
  Hello hello{kVersion, device.public_key, {}};
  hello.initiator_ephemeral[0] = 1;  // a point of order 4
  return h.implant->on_hello(encode(hello), h.now).ok();
}

ResponderConfig unlimited_rate() {
  ResponderConfig c;
  c.hello_rate = RateLimit{1000, milliseconds(1)};
  return c;
}

TEST(Backoff, StrangersNeverLockAnyoneOutNorCostDiffieHellmanWork) {
  Harness h;
  const Snapshot before = h.snapshot();
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(stranger_hello(h));
    h.now = h.now + milliseconds(10);
  }
  EXPECT_EQ(h.events.count(Outcome::kHandshakeRefused, Reason::kUnknownPeer), 1000);
  EXPECT_EQ(h.events.count(Outcome::kLockoutStarted), 0);
  EXPECT_EQ(h.implant->backoff(h.clinician_id), BackoffInfo{});
  EXPECT_EQ(h.implant_crypto.x25519_calls, 0);
  EXPECT_EQ(h.snapshot(), before);
  EXPECT_EQ(h.store.commits, 0);
  // The clinician is answered at once, flood or not.
  [[maybe_unused]] Initiator programmer = h.connect(h.clinician);
  EXPECT_TRUE(h.implant->session().has_value());
}

TEST(Backoff, AClaimedIdentityLocksOutWithDoublingUpToFiveMinutesAndOnlyItself) {
  Harness h(unlimited_rate());
  std::int64_t expected_ms = 1000;
  for (int lockout = 0; lockout < 12; ++lockout) {
    for (int attempt = 1; attempt <= 3; ++attempt) {
      const std::size_t events_before = h.events.events.size();
      EXPECT_FALSE(forged_hello(h, h.clinician));
      ASSERT_GT(h.events.events.size(), events_before);
      const LinkEvent& refusal = h.events.events[events_before];
      EXPECT_EQ(refusal.outcome, Outcome::kHandshakeRefused);
      EXPECT_EQ(refusal.reason, Reason::kMalformed);
      EXPECT_EQ(refusal.peer, h.clinician_id);
      EXPECT_EQ(refusal.a, attempt);  // failures in a row of that identity, this one included
    }
    ASSERT_EQ(h.events.last().outcome, Outcome::kLockoutStarted);
    EXPECT_EQ(h.events.last().peer, h.clinician_id);
    EXPECT_EQ(h.events.last().a, expected_ms) << "lockout " << lockout;
    EXPECT_EQ(h.implant->backoff(h.clinician_id).locked_until, h.now + milliseconds(expected_ms));
    EXPECT_TRUE(h.implant->locked_out(h.clinician_id, h.now));

    // The patient's device is not locked out by the clinician key's failures.
    EXPECT_FALSE(h.implant->locked_out(h.patient_id, h.now));
    const std::int64_t dh = h.implant_crypto.x25519_calls;
    // During the lockout the clinician's key is refused without any Diffie-Hellman work, not
    // counted; the first refusal says how long to wait, the rest are not answered.
    h.now = h.now + milliseconds(expected_ms - 1);
    Initiator programmer = h.initiator(h.clinician);
    for (int i = 0; i < 3; ++i) {
      ASSERT_FALSE(h.implant->on_hello(programmer.hello().value(), h.now).ok());
      EXPECT_EQ(h.implant->last_refusal().reason, Reason::kLockedOut);
      EXPECT_EQ(h.implant->last_refusal().retry_after, milliseconds(1));
      EXPECT_EQ(h.implant->last_refusal().answer, i == 0);
    }
    EXPECT_EQ(h.implant_crypto.x25519_calls, dh);
    EXPECT_EQ(h.implant->backoff(h.clinician_id).failures_in_a_row, 0);
    h.now = h.now + milliseconds(1);
    EXPECT_FALSE(h.implant->locked_out(h.clinician_id, h.now));
    expected_ms = std::min<std::int64_t>(expected_ms * 2, 300'000);
  }
  EXPECT_EQ(h.events.count(Outcome::kLockoutStarted), 12);
  EXPECT_EQ(expected_ms, 300'000);  // the cap was reached and held
  EXPECT_EQ(h.events.count(Outcome::kHandshakeRefused, Reason::kLockedOut), 36);
  EXPECT_EQ(h.store.commits, 0);
}

TEST(Backoff, ASuccessResetsOnlyItsOwnIdentity) {
  Harness h(unlimited_rate());
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(forged_hello(h, h.clinician));
  EXPECT_EQ(h.implant->backoff(h.clinician_id).lockouts_in_a_row, 1);
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(forged_hello(h, h.patient));
  h.now = h.now + seconds(1);
  EXPECT_FALSE(forged_hello(h, h.clinician));
  EXPECT_EQ(h.implant->backoff(h.clinician_id).failures_in_a_row, 1);
  // The clinician authenticates (handshake and first record): its slate is clean, the
  // patient key's failures stay.
  [[maybe_unused]] Initiator programmer = h.connect(h.clinician);
  EXPECT_EQ(h.implant->backoff(h.clinician_id), BackoffInfo{});
  EXPECT_EQ(h.implant->backoff(h.patient_id).failures_in_a_row, 2);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(forged_hello(h, h.clinician));
  EXPECT_EQ(h.events.last().a, 1000);  // back to the first lockout's length
}

TEST(Backoff, AnsweredHandshakeIsNotASuccessUntilItsFirstRecord) {
  Harness h(unlimited_rate());
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(forged_hello(h, h.clinician));
  Initiator programmer = h.handshake(h.clinician);  // Accept sent: not authenticated yet
  EXPECT_EQ(h.implant->backoff(h.clinician_id).failures_in_a_row, 2);
  EXPECT_TRUE(h.open(h.seal(programmer, {1})).has_value());
  EXPECT_EQ(h.implant->backoff(h.clinician_id).failures_in_a_row, 0);
}

TEST(Backoff, BadRecordsCountAgainstNobodyAndTheLiveSessionGoesOn) {
  Harness h;
  Initiator programmer = h.connect(h.clinician);
  Bytes forged(kRecordOverhead + 4, 0);
  forged[8] = static_cast<std::uint8_t>(RecordType::kData);
  for (std::uint8_t i = 1; i <= 30; ++i) {
    forged[0] = static_cast<std::uint8_t>(10 + i);  // a fresh counter, a garbage tag
    EXPECT_FALSE(h.open(forged).has_value());
    EXPECT_EQ(h.events.last().outcome, Outcome::kRecordRefused);
  }
  EXPECT_EQ(h.events.count(Outcome::kRecordRefused, Reason::kBadTag), 30);
  EXPECT_EQ(h.events.count(Outcome::kLockoutStarted), 0);
  EXPECT_FALSE(h.implant->locked_out(h.clinician_id, h.now));
  EXPECT_TRUE(h.implant->on_hello(h.initiator(h.patient).hello().value(), h.now).ok());
  // The authenticated session goes on.
  EXPECT_EQ(h.open(h.seal(programmer, {9})), (Bytes{9}));
  EXPECT_EQ(h.open(programmer, h.seal({8})), (Bytes{8}));
}

TEST(Backoff, EachPairedKeyIsRateLimitedBeforeAnyDiffieHellmanWork) {
  Harness h;  // 32 at once, then two a second
  for (int i = 0; i < 32; ++i) {
    [[maybe_unused]] Initiator session = h.connect(h.clinician);
    ASSERT_TRUE(h.implant->session().has_value()) << i;
  }
  const std::int64_t dh = h.implant_crypto.x25519_calls;
  h.now = h.now + milliseconds(200);
  EXPECT_FALSE(h.implant->on_hello(h.initiator(h.clinician).hello().value(), h.now).ok());
  EXPECT_EQ(h.events.last().reason, Reason::kRateLimited);
  EXPECT_EQ(h.implant->last_refusal().retry_after, milliseconds(300));
  EXPECT_EQ(h.implant_crypto.x25519_calls, dh);
  // Another key has its own allowance.
  EXPECT_TRUE(h.implant->on_hello(h.initiator(h.patient).hello().value(), h.now).ok());
  h.now = h.now + milliseconds(300);
  EXPECT_TRUE(h.implant->on_hello(h.initiator(h.clinician).hello().value(), h.now).ok());
}

TEST(Backoff, JunkClaimingOneKeyCannotReplaceAnotherDevicesHandshake) {
  Harness h;
  Initiator programmer = h.handshake(h.clinician);
  // Hellos claiming the patient's key (its public key is no secret) arrive in between.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(h.implant->on_hello(h.initiator(h.patient).hello().value(), h.now).ok());
  }
  EXPECT_TRUE(h.implant->pending(h.clinician_id).has_value());
  EXPECT_TRUE(h.open(h.seal(programmer, {1})).has_value());
  EXPECT_EQ(h.implant->session()->peer, h.clinician_id);
  EXPECT_EQ(h.implant->backoff(h.clinician_id), BackoffInfo{});
  // Replaced by the same key's newer Hellos: a retry, not a failure (the rate limit bounds it).
  EXPECT_EQ(h.implant->backoff(h.patient_id).failures_in_a_row, 0);
  EXPECT_EQ(h.events.count(Outcome::kSessionClosed, Reason::kReplaced), 2);
}

TEST(Backoff, OnlyASmallBudgetOfAnswersGoesToWhatProvesNoIdentity) {
  Harness h;  // 4 at once, then one every 2 s
  int answered = 0;
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(stranger_hello(h));
    answered += h.implant->last_refusal().answer ? 1 : 0;
    h.now = h.now + milliseconds(100);  // 10 s in all
  }
  EXPECT_EQ(answered, 4 + 4);  // the burst, then one every 2 s of the 10
  // Junk records with no session fall under the same budget.
  h.now = h.now + seconds(60);
  answered = 0;
  const Bytes junk(kRecordOverhead + 1, 0);
  for (int i = 0; i < 10; ++i) {
    Bytes plain(junk.size());
    EXPECT_FALSE(h.implant->open(junk, plain, h.now).ok());
    answered += h.implant->last_refusal().answer ? 1 : 0;
  }
  EXPECT_EQ(answered, 4);
}

TEST(Backoff, EpochsAreReservedInBlocksAndAHelloFloodWearsTheFlashWithinItsBudget) {
  Harness h;
  // An hour of Hellos claiming every paired key (public keys are sent in clear), 10 a second.
  std::int64_t accepted = 0;
  const ImplantTime end = h.now + hours(1);
  for (int i = 0; h.now < end; ++i) {
    const hal::KeyPair& key = i % 2 == 0 ? h.clinician : h.patient;
    accepted += h.implant->on_hello(h.initiator(key).hello().value(), h.now).ok() ? 1 : 0;
    h.now = h.now + milliseconds(100);
  }
  // Each key: 32 at once, then two a second.
  EXPECT_LE(accepted, 2 * (32 + 7200));
  EXPECT_GT(accepted, 0);
  // The budget: one epoch write per epoch_block (65,536) answered handshakes, so under any
  // Hello flood at most one an hour (8 keys x 7,232 = 57,856 < 65,536).
  EXPECT_LE(h.store.commits, 1);
  RecordProperty("hellos_answered_in_an_hour", static_cast<int>(accepted));
  RecordProperty("epoch_writes_in_an_hour", static_cast<int>(h.store.commits));
  // A reset never reuses an epoch: the restarted implant starts above the committed block.
  const std::uint64_t handed_out = h.implant->epoch();
  h.start(h.store.saved);
  Initiator programmer = h.connect(h.clinician);
  EXPECT_GT(programmer.epoch(), handed_out);
  EXPECT_EQ(h.store.commits, 2);
}

TEST(Backoff, PairingFailuresDoNotLockOutPairedDevices) {
  Harness h;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(h.implant->on_pair_hello(Bytes(kPairHelloSize, 1), h.now).ok());  // no window
  }
  EXPECT_TRUE(h.implant->locked_out(h.now));  // the pairing path
  [[maybe_unused]] Initiator programmer = h.connect(h.clinician);
  EXPECT_TRUE(h.implant->session().has_value());
}

TEST(Backoff, ConfiguredThresholdsAreHonoured) {
  ResponderConfig c = unlimited_rate();
  c.backoff.failures_before_lockout = 1;
  c.backoff.first_lockout = seconds(10);
  c.backoff.max_lockout = seconds(15);
  Harness h(c);
  EXPECT_FALSE(forged_hello(h, h.clinician));
  EXPECT_EQ(h.events.last().a, 10'000);
  h.now = h.now + seconds(10);
  EXPECT_FALSE(forged_hello(h, h.clinician));
  EXPECT_EQ(h.events.last().a, 15'000);
}

TEST(Backoff, NonsenseConfigIsRefused) {
  Harness h;
  ResponderConfig c;
  c.backoff.failures_before_lockout = 0;
  EXPECT_FALSE(Responder::restore(h.initial, h.implant_crypto, h.store, h.events, c).ok());
  c = ResponderConfig{};
  c.backoff.max_lockout = milliseconds(1);
  EXPECT_FALSE(Responder::restore(h.initial, h.implant_crypto, h.store, h.events, c).ok());
  c = ResponderConfig{};
  c.hello_rate.burst = 0;
  EXPECT_FALSE(Responder::restore(h.initial, h.implant_crypto, h.store, h.events, c).ok());
  c = ResponderConfig{};
  c.epoch_block = 0;
  EXPECT_FALSE(Responder::restore(h.initial, h.implant_crypto, h.store, h.events, c).ok());
  c = ResponderConfig{};
  c.pairing_hellos = 0;
  EXPECT_FALSE(Responder::restore(h.initial, h.implant_crypto, h.store, h.events, c).ok());
}

}  // namespace
}  // namespace itdd::link
