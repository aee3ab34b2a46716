// Pairing by a one-time code: an authenticated clinician opens a window for a role, a new
// device proves the code, the implant proves it back and adds the device; the new device then
// handshakes with its role. Wrong codes use the window's three attempts; an expired window
// refuses; refusals change nothing but the counters.
#include <gtest/gtest.h>

#include <string_view>

#include "link_harness.h"

namespace itdd::link {
namespace {

using testing::Harness;
using testing::Snapshot;

std::span<const char> text(const PairingCode& code) {
  return code.digits;
}

PairingCode wrong(const PairingCode& code) {
  PairingCode w = code;
  w.digits[5] = w.digits[5] == '9' ? '0' : static_cast<char>(w.digits[5] + 1);
  return w;
}

// A clinician session open, then a window for `role`.
struct PairingHarness : Harness {
  Initiator programmer;
  PairingCode code;
  hal::KeyPair device_keys;
  explicit PairingHarness(Role role = Role::kPatient, std::uint64_t seed = 7)
      : Harness({}, seed),
        programmer(connect(clinician)),
        code(implant->open_pairing(role, now).value()),
        device_keys(sodium.generate_key_pair().value()) {}

  // One attempt of the whole exchange with `typed`; the device's result.
  Result<Paired> attempt(const PairingCode& typed, PairingDevice& device) {
    const Result<PairHelloBytes> hello = device.hello(text(typed));
    if (!hello.ok()) return hello.error();
    const Result<PairAcceptBytes> accept = implant->on_pair_hello(hello.value(), now);
    if (!accept.ok()) return accept.error();
    const Result<PairProofBytes> proof = device.on_accept(accept.value());
    if (!proof.ok()) return proof.error();
    const Result<PairConfirmBytes> confirm = implant->on_pair_proof(proof.value(), now);
    if (!confirm.ok()) return confirm.error();
    return device.on_confirm(confirm.value());
  }
};

TEST(Pairing, CodeIsSixRandomDigits) {
  PairingHarness h;
  for (const char c : h.code.digits) EXPECT_TRUE(c >= '0' && c <= '9');
  const PairingCode second = h.implant->open_pairing(Role::kPatient, h.now).value();
  EXPECT_NE(second, h.code);  // a new window, a new code (and the old one closed)
  EXPECT_EQ(h.events.count(Outcome::kPairingClosed, Reason::kReplaced), 1);
}

TEST(Pairing, RightCodePairsAndTheNewDeviceHandshakesWithItsRole) {
  PairingHarness h(Role::kPatient);
  EXPECT_TRUE(h.implant->pairing().open);
  EXPECT_EQ(h.implant->pairing().attempts_left, 3);
  PairingDevice device(h.sodium, h.device_keys);
  const Result<Paired> paired = h.attempt(h.code, device);
  ASSERT_TRUE(paired.ok()) << paired.error().field << ": " << paired.error().message;
  EXPECT_EQ(paired->implant, h.implant->public_key());
  EXPECT_EQ(paired->role, Role::kPatient);
  EXPECT_FALSE(h.implant->pairing().open);  // one device per window

  const std::int32_t index = find_peer(h.implant->state(), h.device_keys.public_key);
  ASSERT_GE(index, 0);
  const Peer& peer = h.implant->state().peers[static_cast<std::size_t>(index)];
  EXPECT_EQ(peer.id, paired->peer);
  EXPECT_EQ(peer.role, Role::kPatient);
  EXPECT_EQ(peer.paired_at, h.now);
  EXPECT_EQ(h.store.saved, h.implant->state());  // committed
  EXPECT_EQ(h.events.count(Outcome::kPaired), 1);
  EXPECT_EQ(h.events.last().peer, paired->peer);

  // The new device now opens sessions like any paired one, with its role.
  Initiator ptm(h.sodium, h.device_keys, paired->implant);
  testing::Bytes plain;
  ASSERT_TRUE(ptm.on_accept(h.implant->on_hello(ptm.hello().value(), h.now).value(), h.now).ok());
  Received received;
  ASSERT_TRUE(h.open(h.seal(ptm, {0x11}), &received).has_value());
  EXPECT_EQ(received.role, Role::kPatient);
  EXPECT_EQ(received.peer, paired->peer);
}

TEST(Pairing, ThreeWrongCodesCloseTheWindow) {
  PairingHarness h;
  const LinkState state = h.implant->state();
  for (int left = 2; left >= 0; --left) {
    PairingDevice device(h.sodium, h.device_keys);
    const Result<Paired> r = h.attempt(wrong(h.code), device);
    ASSERT_FALSE(r.ok());
    EXPECT_STREQ(r.error().field, "pair_proof");
    EXPECT_EQ(h.implant->pairing().attempts_left, left);
    EXPECT_EQ(h.implant->pairing().open, left > 0);
  }
  EXPECT_EQ(h.events.count(Outcome::kPairingRefused, Reason::kWrongCode), 3);
  EXPECT_EQ(h.events.count(Outcome::kPairingClosed, Reason::kAttemptsUsed), 1);
  // Three failures in a row: locked out for a second, then even the right code is refused.
  EXPECT_EQ(h.events.count(Outcome::kLockoutStarted), 1);
  h.now = h.now + seconds(1);
  PairingDevice device(h.sodium, h.device_keys);
  const Result<Paired> late = h.attempt(h.code, device);
  ASSERT_FALSE(late.ok());
  EXPECT_STREQ(late.error().field, "pair_hello");
  EXPECT_EQ(h.events.last().reason, Reason::kNoWindow);
  EXPECT_EQ(h.implant->state(), state);
  EXPECT_LT(find_peer(h.implant->state(), h.device_keys.public_key), 0);
}

TEST(Pairing, AWrongCodeLeavesTheOtherAttempts) {
  PairingHarness h;
  PairingDevice device(h.sodium, h.device_keys);
  EXPECT_FALSE(h.attempt(wrong(h.code), device).ok());
  const Snapshot after_wrong = h.snapshot();
  EXPECT_EQ(after_wrong.pairing.attempts_left, 2);
  EXPECT_FALSE(after_wrong.pairing.exchange);  // the next attempt needs a new PairHello
  EXPECT_TRUE(h.attempt(h.code, device).ok());
}

TEST(Pairing, ExpiredWindowRefuses) {
  PairingHarness h;
  h.now = h.now + kPairingValidity;
  const Snapshot before = h.snapshot();  // expiry is due but tick() has not run
  PairingDevice device(h.sodium, h.device_keys);
  const Result<Paired> r = h.attempt(h.code, device);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.events.count(Outcome::kPairingClosed, Reason::kExpired), 1);
  EXPECT_EQ(h.events.last().reason, Reason::kNoWindow);
  EXPECT_FALSE(h.implant->pairing().open);
  EXPECT_EQ(h.implant->state(), before.state);
}

TEST(Pairing, WindowExpiringBetweenHelloAndProofRefuses) {
  PairingHarness h;
  PairingDevice device(h.sodium, h.device_keys);
  const PairAcceptBytes accept =
      h.implant->on_pair_hello(device.hello(text(h.code)).value(), h.now).value();
  const PairProofBytes proof = device.on_accept(accept).value();
  h.now = h.now + kPairingValidity;
  EXPECT_FALSE(h.implant->on_pair_proof(proof, h.now).ok());
  EXPECT_LT(find_peer(h.implant->state(), h.device_keys.public_key), 0);
}

TEST(Pairing, ShorterValidityAndLimits) {
  PairingHarness h;
  EXPECT_FALSE(
      h.implant->open_pairing(Role::kPatient, h.now, kPairingValidity + milliseconds(1)).ok());
  EXPECT_FALSE(h.implant->open_pairing(Role::kPatient, h.now, milliseconds(0)).ok());
  EXPECT_FALSE(h.implant->open_pairing(Role::kNone, h.now).ok());
  const PairingCode code = h.implant->open_pairing(Role::kService, h.now, seconds(30)).value();
  EXPECT_EQ(h.implant->next_deadline(), h.now + seconds(30));
  h.now = h.now + seconds(30);
  PairingDevice device(h.sodium, h.device_keys);
  EXPECT_FALSE(h.attempt(code, device).ok());
}

TEST(Pairing, OnlyAClinicianOrServiceSessionOpensAWindow) {
  Harness h;
  EXPECT_FALSE(h.implant->open_pairing(Role::kPatient, h.now).ok());  // no session at all
  [[maybe_unused]] Initiator ptm = h.connect(h.patient);
  const Result<PairingCode> r = h.implant->open_pairing(Role::kClinician, h.now);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.events.last().reason, Reason::kNotAllowed);
  EXPECT_FALSE(h.implant->pairing().open);
}

TEST(Pairing, PairHelloWithoutAWindowCountsAsAFailure) {
  Harness h;
  const Snapshot before = h.snapshot();
  const hal::KeyPair keys = h.sodium.generate_key_pair().value();
  PairingDevice device(h.sodium, keys);
  const std::string_view guess = "123456";
  EXPECT_FALSE(h.implant->on_pair_hello(device.hello(guess).value(), h.now).ok());
  EXPECT_EQ(h.implant->backoff().failures_in_a_row, 1);
  EXPECT_EQ(h.snapshot(), before);
}

TEST(Pairing, EachPairHelloIsAnAttemptAndAWindowAnswersOnlySixOfThem) {
  PairingHarness h;
  const std::int64_t maps = h.implant_crypto.map_calls;
  std::int64_t answered = 0;
  for (int i = 0; i < 300; ++i) {  // random keys, a new device each time
    PairingDevice device(h.sodium, h.sodium.generate_key_pair().value());
    const std::string_view guess = "123456";
    answered += h.implant->on_pair_hello(device.hello(guess).value(), h.now).ok() ? 1 : 0;
    h.now = h.now + milliseconds(100);
  }
  EXPECT_EQ(answered, 6);
  EXPECT_EQ(h.events.count(Outcome::kPairingAnswered), 6);
  EXPECT_EQ(h.implant_crypto.map_calls - maps, 6);  // the rest cost no crypto
  // The seventh closed the window: the clinician opens a new one (and sees why).
  EXPECT_EQ(h.events.count(Outcome::kPairingClosed, Reason::kAttemptsUsed), 1);
  EXPECT_FALSE(h.implant->pairing().open);
  // The rest were refused without a window, and locked the pairing path out: the first refusal
  // of each lockout is answered (how long to wait), the others are not.
  EXPECT_GT(h.events.count(Outcome::kLockoutStarted), 0);
  EXPECT_EQ(h.implant->backoff(h.clinician_id), BackoffInfo{});  // paired devices unaffected
}

TEST(Pairing, ALockoutOfThePairingPathIsAnsweredOnceThenSilent) {
  Harness h;
  const testing::Bytes junk(kPairHelloSize, 1);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(h.implant->on_pair_hello(junk, h.now).ok());
  ASSERT_TRUE(h.implant->locked_out(h.now));
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(h.implant->on_pair_hello(junk, h.now).ok());
    EXPECT_EQ(h.implant->last_refusal().reason, Reason::kLockedOut);
    EXPECT_EQ(h.implant->last_refusal().retry_after, seconds(1));
    EXPECT_EQ(h.implant->last_refusal().answer, i == 0);
  }
}

TEST(Pairing, MalformedPairingMessagesAreRefused) {
  PairingHarness h;
  const Snapshot before = h.snapshot();
  PairHello hello{kVersion, h.device_keys.public_key, {}};  // the zero point as ephemeral
  EXPECT_FALSE(h.implant->on_pair_hello(encode(hello), h.now).ok());
  EXPECT_EQ(h.events.last().reason, Reason::kMalformed);
  hello.version = 9;
  EXPECT_FALSE(h.implant->on_pair_hello(encode(hello), h.now).ok());
  EXPECT_EQ(h.events.last().reason, Reason::kVersion);
  const std::array<std::uint8_t, 10> junk{};
  EXPECT_FALSE(h.implant->on_pair_proof(junk, h.now).ok());
  EXPECT_EQ(h.events.count(Outcome::kPairingRefused, Reason::kNoExchange), 1);
  EXPECT_EQ(h.events.last().outcome, Outcome::kLockoutStarted);  // three failures in a row
  h.now = h.now + seconds(1);
  EXPECT_FALSE(h.implant->on_pair_hello(junk, h.now).ok());
  EXPECT_EQ(h.events.last().reason, Reason::kMalformed);
  EXPECT_EQ(h.snapshot(), before);
  EXPECT_EQ(h.implant->pairing().attempts_left, 3);  // none of these was a guess
}

TEST(Pairing, AlreadyPairedDeviceAndFullTableAreRefused) {
  PairingHarness h;
  PairingDevice again(h.sodium, h.patient);
  const Result<Paired> r = h.attempt(h.code, again);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(h.events.last().reason, Reason::kAlreadyPaired);

  for (std::size_t i = 2; i < kMaxPeers; ++i) {
    ASSERT_TRUE(
        h.implant->provision(h.sodium.generate_key_pair()->public_key, Role::kPatient, h.now).ok());
  }
  PairingDevice device(h.sodium, h.device_keys);
  EXPECT_FALSE(h.attempt(h.code, device).ok());
  EXPECT_EQ(h.events.last().reason, Reason::kTableFull);
  EXPECT_EQ(h.implant->pairing().attempts_left, 3);
}

TEST(Pairing, DeviceRefusesAConfirmThatDoesNotProveTheCode) {
  PairingHarness h;
  PairingDevice device(h.sodium, h.device_keys);
  const PairAcceptBytes accept =
      h.implant->on_pair_hello(device.hello(text(h.code)).value(), h.now).value();
  const PairProofBytes proof = device.on_accept(accept).value();
  PairConfirmBytes confirm = h.implant->on_pair_proof(proof, h.now).value();
  PairConfirmBytes forged = confirm;
  forged[0] = static_cast<std::uint8_t>(Role::kClinician);  // a role upgrade on the air
  EXPECT_FALSE(device.on_confirm(forged).ok());
  forged = confirm;
  forged[20] ^= 1;
  EXPECT_FALSE(device.on_confirm(forged).ok());
  EXPECT_TRUE(device.on_confirm(confirm).ok());
}

TEST(Pairing, AnImpostorImplantLearnsNothingTestableFromTheDevice) {
  // An attacker posing as the implant answers with its own code-bound ephemeral for a guessed
  // code. The device's proof depends on the real code only through a key the attacker cannot
  // compute for any other guess, so the exchange tells it one thing: whether its one guess
  // was right. Here: a wrong guess, and the device's proof does not match the attacker's
  // expectation for it.
  PairingHarness h;
  Harness impostor({}, 8);  // another implant, its window open with a different code
  [[maybe_unused]] Initiator clinician = impostor.connect(impostor.clinician);
  const PairingCode guess = impostor.implant->open_pairing(Role::kPatient, impostor.now).value();
  ASSERT_NE(guess, h.code);
  PairingDevice device(h.sodium, h.device_keys);
  const Result<PairAcceptBytes> accept =
      impostor.implant->on_pair_hello(device.hello(text(h.code)).value(), impostor.now);
  ASSERT_TRUE(accept.ok());
  const PairProofBytes proof = device.on_accept(accept.value()).value();
  EXPECT_FALSE(impostor.implant->on_pair_proof(proof, impostor.now).ok());
  EXPECT_EQ(impostor.events.last().reason, Reason::kWrongCode);
}

}  // namespace
}  // namespace itdd::link
