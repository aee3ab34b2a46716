// Failed authentication backs off: three failures in a row lock new handshakes out for 1 s,
// then 2 s, 4 s... up to an hour; a success resets it. During a lockout even the right key is
// refused without being looked at; every failure and every lockout is reported.
#include <gtest/gtest.h>

#include "link_harness.h"

namespace itdd::link {
namespace {

using testing::Harness;
using testing::Snapshot;

// One handshake attempt from an unpaired device.
bool stranger_hello(Harness& h) {
  Initiator intruder = h.initiator(h.stranger);
  return h.implant->on_hello(intruder.hello().value(), h.now).ok();
}

TEST(Backoff, BruteForceLocksOutWithDoublingAndReportsEveryFailure) {
  Harness h;
  const Snapshot before = h.snapshot();
  std::int64_t expected_ms = 1000;
  for (int lockout = 0; lockout < 16; ++lockout) {
    for (int attempt = 1; attempt <= 3; ++attempt) {
      const std::size_t events_before = h.events.events.size();
      EXPECT_FALSE(stranger_hello(h));
      ASSERT_GT(h.events.events.size(), events_before);
      const LinkEvent& refusal = h.events.events[events_before];
      EXPECT_EQ(refusal.outcome, Outcome::kHandshakeRefused);
      EXPECT_EQ(refusal.reason, Reason::kUnknownPeer);
      EXPECT_EQ(refusal.a, attempt);  // failures in a row, this one included
    }
    ASSERT_EQ(h.events.last().outcome, Outcome::kLockoutStarted);
    EXPECT_EQ(h.events.last().a, expected_ms) << "lockout " << lockout;
    EXPECT_EQ(h.implant->backoff().locked_until, h.now + milliseconds(expected_ms));
    EXPECT_TRUE(h.implant->locked_out(h.now));

    // During the lockout even a paired clinician is refused, without counting as a failure.
    h.now = h.now + milliseconds(expected_ms - 1);
    Initiator programmer = h.initiator(h.clinician);
    const Result<AcceptBytes> refused = h.implant->on_hello(programmer.hello().value(), h.now);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(h.events.last().reason, Reason::kLockedOut);
    EXPECT_EQ(h.implant->backoff().failures_in_a_row, 0);
    h.now = h.now + milliseconds(1);
    EXPECT_FALSE(h.implant->locked_out(h.now));
    expected_ms = std::min<std::int64_t>(expected_ms * 2, 3'600'000);
  }
  EXPECT_EQ(h.events.count(Outcome::kHandshakeRefused, Reason::kUnknownPeer), 48);
  EXPECT_EQ(h.events.count(Outcome::kLockoutStarted), 16);
  EXPECT_EQ(h.events.count(Outcome::kHandshakeRefused, Reason::kLockedOut), 16);
  // Sixteen lockouts later: nothing of the implant's state moved.
  EXPECT_EQ(h.snapshot(), before);
  EXPECT_EQ(h.store.commits, 0);
}

TEST(Backoff, ASuccessResetsTheCount) {
  Harness h;
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(stranger_hello(h));
  EXPECT_EQ(h.implant->backoff().lockouts_in_a_row, 1);
  h.now = h.now + seconds(1);
  EXPECT_FALSE(stranger_hello(h));
  EXPECT_EQ(h.implant->backoff().failures_in_a_row, 1);
  // The clinician authenticates (handshake and first record): the slate is clean.
  [[maybe_unused]] Initiator programmer = h.connect(h.clinician);
  EXPECT_EQ(h.implant->backoff(), BackoffInfo{});
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(stranger_hello(h));
  EXPECT_EQ(h.events.last().a, 1000);  // back to the first lockout's length
}

TEST(Backoff, AnsweredHandshakeIsNotASuccessUntilItsFirstRecord) {
  Harness h;
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(stranger_hello(h));
  Initiator programmer = h.handshake(h.clinician);  // Accept sent: not authenticated yet
  EXPECT_EQ(h.implant->backoff().failures_in_a_row, 2);
  EXPECT_TRUE(h.open(h.seal(programmer, {1})).has_value());
  EXPECT_EQ(h.implant->backoff().failures_in_a_row, 0);
}

TEST(Backoff, BadRecordsCountAndLockOutNewHandshakesButNotTheLiveSession) {
  Harness h;
  Initiator programmer = h.connect(h.clinician);
  testing::Bytes forged(kRecordOverhead + 4, 0);
  forged[8] = static_cast<std::uint8_t>(RecordType::kData);
  for (std::uint8_t i = 1; i <= 3; ++i) {
    forged[0] = static_cast<std::uint8_t>(10 + i);  // a fresh counter, a garbage tag
    EXPECT_FALSE(h.open(forged).has_value());
    EXPECT_EQ(h.events.last().outcome, i < 3 ? Outcome::kRecordRefused : Outcome::kLockoutStarted);
  }
  EXPECT_EQ(h.events.count(Outcome::kRecordRefused, Reason::kBadTag), 3);
  EXPECT_TRUE(h.implant->locked_out(h.now));
  EXPECT_FALSE(h.implant->on_hello(h.initiator(h.patient).hello().value(), h.now).ok());
  // The authenticated session goes on.
  EXPECT_EQ(h.open(h.seal(programmer, {9})), (testing::Bytes{9}));
  EXPECT_EQ(h.open(programmer, h.seal({8})), (testing::Bytes{8}));
}

TEST(Backoff, ConfiguredThresholdsAreHonoured) {
  ResponderConfig c;
  c.backoff.failures_before_lockout = 1;
  c.backoff.first_lockout = seconds(10);
  c.backoff.max_lockout = seconds(15);
  Harness h(c);
  EXPECT_FALSE(stranger_hello(h));
  EXPECT_EQ(h.events.last().a, 10'000);
  h.now = h.now + seconds(10);
  EXPECT_FALSE(stranger_hello(h));
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
}

}  // namespace
}  // namespace itdd::link
