// The handshake and the records: a paired device and the implant authenticate each other and
// talk both ways; an unpaired device, a replayed record, a record of an earlier session (also
// across an implant restart with the RNG repeating itself) and any tampered record are refused
// with the implant's state unchanged but for its failure counter.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "link_harness.h"

namespace itdd::link {
namespace {

using testing::Bytes;
using testing::Harness;
using testing::Snapshot;

TEST(Handshake, PairedClinicianOpensASessionAndTalksBothWays) {
  Harness h;
  Initiator programmer = h.handshake(h.clinician);
  ASSERT_TRUE(programmer.established());
  EXPECT_EQ(programmer.epoch(), 1u);
  // The epoch was committed before the Accept left the implant: the end of a reserved block.
  EXPECT_EQ(h.store.commits, 1);
  EXPECT_EQ(h.store.saved.epoch, h.config.epoch_block);
  EXPECT_EQ(h.implant->state().epoch, h.config.epoch_block);
  EXPECT_EQ(h.implant->epoch(), 1u);
  // Until the programmer's first record the implant does not trust the session.
  EXPECT_FALSE(h.implant->session().has_value());
  ASSERT_TRUE(h.implant->pending().has_value());
  EXPECT_EQ(h.events.count(Outcome::kHandshakeAccepted), 1);

  Received received;
  const std::optional<Bytes> request = h.open(h.seal(programmer, {1, 2, 3}), &received);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(*request, (Bytes{1, 2, 3}));
  EXPECT_TRUE(received.session_opened);
  EXPECT_EQ(received.peer, h.clinician_id);
  EXPECT_EQ(received.role, Role::kClinician);
  ASSERT_TRUE(h.implant->session().has_value());
  EXPECT_EQ(h.implant->session()->role, Role::kClinician);
  EXPECT_FALSE(h.implant->pending().has_value());
  EXPECT_EQ(h.events.count(Outcome::kSessionOpened), 1);

  for (std::uint8_t round = 0; round < 5; ++round) {
    const Bytes reply_payload(100 + round, round);
    EXPECT_EQ(h.open(programmer, h.seal(reply_payload)), reply_payload);
    const Bytes next(round, static_cast<std::uint8_t>(0xA0 + round));  // round 0: empty
    ASSERT_EQ(h.open(h.seal(programmer, next), &received), next);
    EXPECT_FALSE(received.session_opened);
  }
  EXPECT_EQ(h.implant->session()->received, 6u);
  EXPECT_EQ(h.implant->session()->sent, 5u);
  EXPECT_EQ(h.implant->backoff(h.clinician_id).failures_in_a_row, 0);
}

TEST(Handshake, CiphertextHidesThePayload) {
  Harness h;
  Initiator programmer = h.connect(h.clinician);
  const Bytes secret(64, 0x5A);
  const Bytes record = h.seal(programmer, secret);
  ASSERT_EQ(record.size(), secret.size() + kRecordOverhead);
  const Bytes body(record.begin() + kRecordHeaderSize, record.end() - hal::kAeadTagSize);
  EXPECT_NE(body, secret);
}

TEST(Handshake, UnpairedInitiatorIsRefusedAndNothingChanges) {
  Harness h;
  const Snapshot before = h.snapshot();
  Initiator intruder = h.initiator(h.stranger);
  const Result<AcceptBytes> accept = h.implant->on_hello(intruder.hello().value(), h.now);
  ASSERT_FALSE(accept.ok());
  EXPECT_STREQ(accept.error().field, "hello.initiator_static");
  EXPECT_EQ(h.snapshot(), before);
  EXPECT_EQ(h.store.commits, 0);                // not even the epoch moved
  EXPECT_EQ(h.implant_crypto.x25519_calls, 0);  // no Diffie-Hellman work for a stranger
  // It claimed no paired identity: nobody's backoff moves.
  EXPECT_EQ(h.implant->backoff(h.clinician_id), BackoffInfo{});
  EXPECT_EQ(h.implant->backoff(), BackoffInfo{});
  ASSERT_FALSE(h.events.events.empty());
  EXPECT_EQ(h.events.last().outcome, Outcome::kHandshakeRefused);
  EXPECT_EQ(h.events.last().reason, Reason::kUnknownPeer);
  EXPECT_EQ(h.events.last().peer, kNoPeer);
  EXPECT_EQ(h.events.last().key_id, key_id(h.stranger.public_key));  // which device it was
  EXPECT_EQ(h.implant->last_refusal().reason, Reason::kUnknownPeer);
  EXPECT_TRUE(h.implant->last_refusal().answer);
}

TEST(Handshake, MalformedAndWrongVersionHellosAreRefused) {
  Harness h;
  const Snapshot before = h.snapshot();
  HelloBytes hello = h.initiator(h.clinician).hello().value();
  EXPECT_FALSE(h.implant->on_hello(std::span(hello).first(64), h.now).ok());
  EXPECT_EQ(h.events.last().reason, Reason::kMalformed);
  hello[0] = 2;
  const Result<AcceptBytes> r = h.implant->on_hello(hello, h.now);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "hello.version");
  EXPECT_EQ(h.events.last().reason, Reason::kVersion);
  EXPECT_EQ(h.snapshot(), before);
}

TEST(Handshake, LowOrderEphemeralIsRefused) {
  Harness h;
  const Snapshot before = h.snapshot();
  Hello hello{kVersion, h.clinician.public_key, {}};  // the zero point
  EXPECT_FALSE(h.implant->on_hello(encode(hello), h.now).ok());
  hello.initiator_ephemeral[0] = 1;  // a point of order 4
  EXPECT_FALSE(h.implant->on_hello(encode(hello), h.now).ok());
  EXPECT_EQ(h.events.last().reason, Reason::kMalformed);
  EXPECT_EQ(h.snapshot(), before);
}

TEST(Handshake, ImplantThatCannotCommitItsEpochSendsNothing) {
  Harness h;
  const Snapshot before = h.snapshot();
  h.store.failing = true;
  Initiator programmer = h.initiator(h.clinician);
  EXPECT_FALSE(h.implant->on_hello(programmer.hello().value(), h.now).ok());
  EXPECT_EQ(h.events.last().reason, Reason::kStorage);
  EXPECT_EQ(h.snapshot(), before);
  h.store.failing = false;
  EXPECT_TRUE(h.implant->on_hello(programmer.hello().value(), h.now).ok());
  EXPECT_EQ(h.implant->epoch(), 1u);
  EXPECT_EQ(h.implant->state().epoch, h.config.epoch_block);
}

TEST(Handshake, InitiatorRefusesAForgedOrTamperedAccept) {
  Harness h;
  Initiator programmer = h.initiator(h.clinician);
  const AcceptBytes accept = h.implant->on_hello(programmer.hello().value(), h.now).value();
  for (std::size_t byte : {0ul, 33ul, 40ul, 55ul}) {  // ephemeral, epoch, tag
    AcceptBytes bad = accept;
    bad[byte] ^= 0x01;
    EXPECT_FALSE(programmer.on_accept(bad, h.now).ok()) << byte;
    EXPECT_FALSE(programmer.established());
  }
  // An impostor implant (another key pair) cannot answer for this one.
  host::SodiumCrypto& c = h.sodium;
  Harness other({}, 8);
  Initiator fooled(c, h.clinician, h.implant->public_key());
  ASSERT_TRUE(provision(other.initial, h.clinician.public_key, Role::kClinician, h.now).ok());
  other.start(other.initial);
  const Result<AcceptBytes> forged = other.implant->on_hello(fooled.hello().value(), h.now);
  ASSERT_TRUE(forged.ok());
  const Status s = fooled.on_accept(forged.value(), h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "accept.tag");
  EXPECT_TRUE(programmer.on_accept(accept, h.now).ok());
}

TEST(Records, ReplayInTheSameSessionIsRefused) {
  Harness h;
  Initiator programmer = h.connect(h.clinician);
  const Bytes first = h.seal(programmer, {10});
  const Bytes second = h.seal(programmer, {20});
  ASSERT_TRUE(h.open(first).has_value());
  ASSERT_TRUE(h.open(second).has_value());
  const Snapshot before = h.snapshot();
  for (const Bytes& replay : {first, second}) {
    Bytes plain(16);
    const Result<Received> r = h.implant->open(replay, plain, h.now);
    ASSERT_FALSE(r.ok());
    EXPECT_STREQ(r.error().field, "record.counter");
    EXPECT_EQ(h.events.last().outcome, Outcome::kRecordRefused);
    EXPECT_EQ(h.events.last().reason, Reason::kBadCounter);
    EXPECT_EQ(h.events.last().peer, h.clinician_id);
  }
  EXPECT_EQ(h.snapshot(), before);
  // A record names no identity: its failure counts against nobody (an injector must not lock
  // out the device whose session it imitates).
  EXPECT_EQ(h.implant->backoff(h.clinician_id).failures_in_a_row, 0);
  // The session still works.
  EXPECT_TRUE(h.open(h.seal(programmer, {30})).has_value());
  // And the programmer refuses a replayed reply the same way.
  const Bytes reply = h.seal({1});
  ASSERT_TRUE(h.open(programmer, reply).has_value());
  EXPECT_FALSE(h.open(programmer, reply).has_value());
}

TEST(Records, RecordOfAnEarlierSessionIsRefused) {
  Harness h;
  Initiator old_session = h.connect(h.clinician);
  const Bytes captured = h.seal(old_session, {0xC0, 0xFF, 0xEE});  // never delivered
  Bytes close(kRecordOverhead);
  ASSERT_TRUE(old_session.close(close, h.now).ok());
  ASSERT_TRUE(h.open(close).has_value());
  EXPECT_FALSE(h.implant->session().has_value());

  Initiator programmer = h.handshake(h.clinician);  // epoch 2, counters from 1 again
  const Snapshot before = h.snapshot();
  Bytes plain(16);
  const Result<Received> r = h.implant->open(captured, plain, h.now);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "record.tag");
  EXPECT_EQ(h.events.last().reason, Reason::kBadTag);
  EXPECT_EQ(h.snapshot(), before);
  EXPECT_TRUE(h.open(h.seal(programmer, {1})).has_value());
}

TEST(Records, EarlierSessionReplayedAfterARestartWithARepeatingRngIsRefused) {
  Harness h;
  // The programmer's random source is deterministic too, so its Hello can be replayed exactly.
  hal::FakeRngCrypto programmer_crypto(h.sodium, 99);
  Initiator programmer(programmer_crypto, h.clinician, h.implant->public_key());
  const HelloBytes hello = programmer.hello().value();
  h.implant_crypto.reseed(1234);
  const AcceptBytes accept = h.implant->on_hello(hello, h.now).value();
  ASSERT_TRUE(programmer.on_accept(accept, h.now).ok());
  const Bytes first = h.seal(programmer, {0x42});
  ASSERT_TRUE(h.open(first).has_value());
  const Bytes second = h.seal(programmer, {0x43});  // captured by an attacker

  // The implant resets; it comes back from its persisted state and its RNG repeats itself.
  const LinkState persisted = h.store.saved;
  EXPECT_EQ(persisted.epoch, h.config.epoch_block);  // epochs 1..block reserved
  h.start(persisted);
  h.implant_crypto.reseed(1234);
  // The attacker replays the whole earlier exchange: same Hello, same implant ephemeral...
  const AcceptBytes again = h.implant->on_hello(hello, h.now).value();
  EXPECT_EQ(std::vector(again.begin(), again.begin() + 32),
            std::vector(accept.begin(), accept.begin() + 32));  // the RNG did repeat
  EXPECT_NE(again, accept);                                     // but the epoch did not
  EXPECT_EQ(h.implant->epoch(), h.config.epoch_block + 1);      // above the whole reserved block
  const Snapshot before = h.snapshot();
  EXPECT_FALSE(h.open(first).has_value());
  EXPECT_EQ(h.events.last().reason, Reason::kBadTag);
  EXPECT_FALSE(h.open(second).has_value());
  EXPECT_EQ(h.snapshot(), before);
  EXPECT_FALSE(h.implant->session().has_value());
}

TEST(Records, RestartedImplantRestoresItsEpochAndTalksAgain) {
  Harness h;
  [[maybe_unused]] Initiator a = h.connect(h.clinician);
  Initiator b = h.connect(h.clinician);
  EXPECT_EQ(b.epoch(), 2u);
  h.start(h.store.saved);
  Initiator c = h.connect(h.clinician);
  // Epochs 3..block may have been handed out before the reset (the implant cannot know): the
  // restarted one starts above the block it had reserved, and reserves the next.
  EXPECT_EQ(c.epoch(), h.config.epoch_block + 1);
  EXPECT_EQ(h.store.saved.epoch, 2 * h.config.epoch_block);
  EXPECT_EQ(h.store.commits, 2);
  EXPECT_EQ(h.open(c, h.seal({7})), (Bytes{7}));
}

RC_GTEST_PROP(Records, AnySingleBitFlipIsRefused, ()) {
  Harness h;
  Initiator programmer = h.connect(h.clinician);
  const auto payload = *rc::gen::container<Bytes>(*rc::gen::inRange<std::size_t>(0, 200),
                                                  rc::gen::arbitrary<std::uint8_t>());
  const Bytes record = h.seal(programmer, payload);
  const std::size_t bit = *rc::gen::inRange<std::size_t>(0, record.size() * 8);
  Bytes tampered = record;
  tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  const Snapshot before = h.snapshot();
  RC_ASSERT_FALSE(h.open(tampered).has_value());
  RC_ASSERT(h.snapshot() == before);
  RC_ASSERT(h.implant->backoff(h.clinician_id).failures_in_a_row == 0);
  RC_ASSERT(h.events.last().outcome == Outcome::kRecordRefused);
  // The untouched record still opens: the tampered one consumed nothing.
  RC_ASSERT(h.open(record) == std::optional<Bytes>(payload));

  // The same from the implant to the programmer.
  const Bytes reply = h.seal(payload);
  Bytes bad_reply = reply;
  bad_reply[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));  // same size
  RC_ASSERT_FALSE(h.open(programmer, bad_reply).has_value());
  RC_ASSERT(h.open(programmer, reply) == std::optional<Bytes>(payload));
}

TEST(Records, TruncatedOrOversizedRecordsAreRefused) {
  Harness h;
  Initiator programmer = h.connect(h.clinician);
  const Snapshot before = h.snapshot();
  const Bytes record = h.seal(programmer, {1, 2, 3});
  for (std::size_t n = 0; n < record.size(); ++n) {
    EXPECT_FALSE(h.open(Bytes(record.begin(), record.begin() + static_cast<long>(n))).has_value());
  }
  EXPECT_FALSE(h.open(Bytes(kMaxRecordSize + 1, 0)).has_value());
  EXPECT_EQ(h.snapshot(), before);
}

TEST(Records, ARecordWithNoSessionIsRefused) {
  Harness h;
  Bytes plain(8);
  const Result<Received> r = h.implant->open(Bytes(kRecordOverhead + 1, 0), plain, h.now);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.events.last().reason, Reason::kNoSession);
  Bytes out(64);
  EXPECT_FALSE(h.implant->seal({}, out, h.now).ok());
}

TEST(Sessions, EitherSideCloses) {
  Harness h;
  Initiator programmer = h.connect(h.clinician);
  Bytes close(kRecordOverhead);
  ASSERT_TRUE(h.implant->close(close, h.now).ok());
  EXPECT_FALSE(h.implant->session().has_value());
  Bytes plain(4);
  const Result<Opened> r = programmer.open(close, plain, h.now);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->type, RecordType::kClose);
  EXPECT_FALSE(programmer.established());
  EXPECT_EQ(h.events.count(Outcome::kSessionClosed, Reason::kByImplant), 1);

  Initiator again = h.connect(h.clinician);
  ASSERT_TRUE(again.close(close, h.now).ok());
  Received received;
  ASSERT_TRUE(h.open(close, &received).has_value());
  EXPECT_EQ(received.type, RecordType::kClose);
  EXPECT_FALSE(h.implant->session().has_value());
  EXPECT_EQ(h.events.count(Outcome::kSessionClosed, Reason::kByPeer), 1);
}

TEST(Sessions, IdleSessionExpires) {
  Harness h;
  Initiator programmer = h.connect(h.clinician);
  EXPECT_EQ(h.implant->next_deadline(), h.now + h.config.idle_timeout);
  h.now = h.now + h.config.idle_timeout - milliseconds(1);
  ASSERT_TRUE(h.open(h.seal(programmer, {1})).has_value());  // activity restarts the clock
  h.now = h.now + h.config.idle_timeout;
  h.implant->tick(h.now);
  EXPECT_FALSE(h.implant->session().has_value());
  EXPECT_EQ(h.events.count(Outcome::kSessionExpired, Reason::kIdle), 1);
  EXPECT_FALSE(h.open(h.seal(programmer, {2})).has_value());
  EXPECT_EQ(h.events.last().reason, Reason::kNoSession);
  EXPECT_EQ(h.implant->next_deadline(), ImplantTime::never());
}

TEST(Sessions, ReplayedHelloDoesNotDisturbTheLiveSession) {
  Harness h;
  hal::FakeRngCrypto programmer_crypto(h.sodium, 5);
  Initiator programmer(programmer_crypto, h.clinician, h.implant->public_key());
  const HelloBytes hello = programmer.hello().value();
  ASSERT_TRUE(programmer.on_accept(h.implant->on_hello(hello, h.now).value(), h.now).ok());
  ASSERT_TRUE(h.open(h.seal(programmer, {1})).has_value());

  // An attacker replays the Hello: the implant answers (it cannot tell) but keeps the live
  // session until the new one proves itself, which the attacker cannot do.
  ASSERT_TRUE(h.implant->on_hello(hello, h.now).ok());
  ASSERT_TRUE(h.implant->pending().has_value());
  EXPECT_EQ(h.open(h.seal(programmer, {2})), (Bytes{2}));
  EXPECT_EQ(h.open(programmer, h.seal({3})), (Bytes{3}));
  EXPECT_EQ(h.implant->session()->epoch, 1u);

  // The answered handshake is abandoned after its timeout, and counts as a failure.
  h.now = h.now + h.config.handshake_timeout;
  h.implant->tick(h.now);
  EXPECT_FALSE(h.implant->pending().has_value());
  EXPECT_EQ(h.events.count(Outcome::kSessionClosed, Reason::kAbandoned), 1);
  EXPECT_EQ(h.implant->backoff(h.clinician_id).failures_in_a_row, 1);  // the claimed identity's
  EXPECT_EQ(h.implant->backoff(h.patient_id).failures_in_a_row, 0);
  EXPECT_TRUE(h.implant->session().has_value());
}

TEST(Sessions, ANewAuthenticatedSessionReplacesTheOld) {
  Harness h;
  Initiator old_session = h.connect(h.clinician);
  [[maybe_unused]] Initiator patient = h.connect(h.patient);
  EXPECT_EQ(h.implant->session()->peer, h.patient_id);
  EXPECT_EQ(h.implant->session()->role, Role::kPatient);
  EXPECT_EQ(h.events.count(Outcome::kSessionClosed, Reason::kReplaced), 1);
  EXPECT_FALSE(h.open(h.seal(old_session, {1})).has_value());
}

}  // namespace
}  // namespace itdd::link
