// The radio's boot from the link's stored state (ImplantRadio::boot): a copy it cannot trust,
// damaged in flash or one that reads as a state the link must not run on, leaves the radio off
// with the error that names it (the one the storage layer or the link's decoding gives), one log
// record saying so, every frame answered "the radio is off", the stored copy as it was and the
// therapy running; the good copy brings the same keys and peers back. The boot reads the state
// into the radio's exchange place and builds the responder in its own (docs/footprint.md): these
// tests hold it to the behaviour it had with the state on the stack.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "../firmware/therapy/test/test_prescriptions.h"
#include "itdd/app/radio.h"
#include "itdd/link/initiator.h"
#include "itdd/link/link_state.h"
#include "itdd/programmer/requests.h"
#include "itdd/storage/layout.h"
#include "itdd/storage/settings_store.h"
#include "radio_rig.h"

namespace itdd {
namespace {

using programmer::Delivery;
using testing::Device;
using testing::Implanted;
using testing::is_error_frame;
using testing::provisioned;

// The radio's own store of the link's state: the same layout, format 1 (app/src/radio.cpp).
storage::SettingsStore<link::LinkStateBytes> link_store(Implanted& i) {
  return storage::SettingsStore<link::LinkStateBytes>(i.flash, storage::kDefaultLayout.link_a,
                                                      storage::kDefaultLayout.link_b, 1);
}

void expect_same_error(const Error& a, const Error& b) {
  EXPECT_EQ(a.code, b.code);
  EXPECT_STREQ(a.field, b.field);
  EXPECT_EQ(a.index, b.index);
  EXPECT_STREQ(a.message, b.message);
}

// An implant filled and programmed over the radio by its clinician, delivering.
struct Delivering {
  Implanted implanted;
  std::unique_ptr<Device> clinician = provisioned(implanted, link::Role::kClinician);
  link::LinkState link_state;

  Delivering() {
    const Result<protocol::Request> refill =
        programmer::refill_request(11, therapy::make_drug("morphine", DoseUnit::kMilligram),
                                   therapy::testing::kMorphine25, millilitres(18));
    EXPECT_EQ(clinician->client.command(refill.value(), 11).delivery, Delivery::kApplied);
    const Result<protocol::Request> program =
        programmer::program_request(12, implanted.implant->prescription_token(),
                                    therapy::testing::morphine_continuous(DoseRate(4'000'000)));
    EXPECT_EQ(clinician->client.command(program.value(), 12).delivery, Delivery::kApplied);
    link_state = implanted.radio->responder()->state();
  }

  // After a reset: the radio's boot's outcome, and the therapy still delivering an hour on.
  Status power_cycle() {
    const Status booted = implanted.power_up_with_radio();
    EXPECT_EQ(implanted.implant->engine().activity(), engine::Activity::kBasal);
    const std::uint32_t strokes = implanted.motor.sensed_strokes();
    implanted.advance(hours(1));
    EXPECT_GT(implanted.motor.sensed_strokes(), strokes) << "the therapy stopped";
    return booted;
  }

  // The radio is off: no responder, and a handshake is answered only "the radio is off".
  void expect_radio_off() {
    EXPECT_FALSE(implanted.radio->ready());
    EXPECT_EQ(implanted.radio->responder(), nullptr);
    link::Initiator i(implanted.crypto, clinician->keys, link_state.identity.public_key);
    const link::HelloBytes hello = i.hello().value();
    std::vector<std::uint8_t> frame(protocol::kMaxFrameSize);
    frame.resize(protocol::encode_frame(protocol::FrameType::kHandshake, hello, frame).value());
    testing::Loopback loop(implanted);
    const std::vector<std::uint8_t> reply = loop.raw(frame);
    ASSERT_TRUE(is_error_frame(reply));
    const protocol::LinkError e =
        protocol::decode_link_error(protocol::decode_frame(reply)->payload).value();
    EXPECT_STREQ(e.message, "the implant's radio is off");
  }

  // The newest record in the log: the radio left off (app::kLinkRadioOff), why in its reason
  // (app::LinkStateLoss), and a = 0.
  void expect_logged_off(app::LinkStateLoss why) {
    const auto reason = static_cast<std::uint8_t>(why);
    std::vector<storage::LogRecord> newest(1);
    const std::uint32_t seq = implanted.implant->event_log().newest_seq();
    ASSERT_EQ(implanted.implant->event_log().read_from(seq, newest).value(), 1u);
    EXPECT_EQ(newest[0].code, app::kLinkRadioOff);
    EXPECT_EQ(newest[0].reason, reason);
    EXPECT_EQ(newest[0].a, 0);
  }

  // The radio is on again with the keys and peers it had.
  void expect_radio_back() {
    ASSERT_TRUE(implanted.radio->ready());
    EXPECT_EQ(implanted.radio->responder()->state().identity, link_state.identity);
    EXPECT_EQ(implanted.radio->responder()->state().peers, link_state.peers);
  }
};

// A copy that passes its CRC but reads as a state the link must not run on (a corrupt identity,
// a bad peer, another layout): the radio is off with the link's own error for it.
TEST(RadioBoot, AStoredStateTheLinkRefusesLeavesTheRadioOffAndTheTherapyOn) {
  Delivering d;
  storage::SettingsStore<link::LinkStateBytes> store = link_store(d.implanted);
  link::LinkStateBytes good{};
  ASSERT_TRUE(store.load(good).ok());
  ASSERT_EQ(good, link::encode(d.link_state));

  struct Case {
    const char* what;
    void (*damage)(link::LinkStateBytes&);
  };
  const Case cases[] = {
      {"the public key", [](link::LinkStateBytes& b) { b[4 + 3] ^= 1; }},
      {"the secret key unclamped", [](link::LinkStateBytes& b) { b[4 + 32] |= 1; }},
      {"a peer's role", [](link::LinkStateBytes& b) { b[4 + 64 + 8 + 4 + 32] = 7; }},
      {"next_peer_id 0", [](link::LinkStateBytes& b) { b[4 + 64 + 8] = 0; }},
      {"another format", [](link::LinkStateBytes& b) { b[0] = 2; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    link::LinkStateBytes bad = good;
    c.damage(bad);
    const Result<link::LinkState> refused = link::decode_link_state(bad, d.implanted.crypto);
    ASSERT_FALSE(refused.ok());
    ASSERT_TRUE(store.commit(bad).ok());

    const Status booted = d.power_cycle();
    ASSERT_FALSE(booted.ok());
    expect_same_error(booted.error(), refused.error());
    d.expect_radio_off();
    d.expect_logged_off(app::LinkStateLoss::kRefused);
    // Nothing written over it: the copy is the one the radio refused.
    link::LinkStateBytes stored{};
    ASSERT_TRUE(store.load(stored).ok());
    EXPECT_EQ(stored, bad);
  }
  ASSERT_TRUE(store.commit(good).ok());
  EXPECT_TRUE(d.power_cycle().ok());
  d.expect_radio_back();
}

// Both copies damaged in flash (no copy passes its CRC): the storage layer's error.
TEST(RadioBoot, ADamagedStoredStateLeavesTheRadioOffAndTheTherapyOn) {
  Delivering d;
  storage::SettingsStore<link::LinkStateBytes> store = link_store(d.implanted);
  link::LinkStateBytes good{};
  ASSERT_TRUE(store.load(good).ok());
  ASSERT_TRUE(store.commit(good).ok());  // both copies written
  const std::uint32_t sector = storage::kImplantFlash.sector_size;
  d.implanted.flash.flip_bit(storage::kDefaultLayout.link_a.first_sector * sector + 40, 2);
  d.implanted.flash.flip_bit(storage::kDefaultLayout.link_b.first_sector * sector + 40, 5);
  link::LinkStateBytes scratch{};
  const Result<storage::SettingsLoad> damaged = store.load(scratch);
  ASSERT_FALSE(damaged.ok());
  ASSERT_FALSE(storage::is_blank(damaged.error()));

  const Status booted = d.power_cycle();
  ASSERT_FALSE(booted.ok());
  expect_same_error(booted.error(), damaged.error());
  d.expect_radio_off();
  d.expect_logged_off(storage::is_newest_lost(damaged.error()) ? app::LinkStateLoss::kNewestLost
                                                               : app::LinkStateLoss::kNoCopy);
}

// The first power-up makes the identity and keeps it: the next boot reads the same one.
TEST(RadioBoot, TheFirstPowerUpsIdentityIsTheOneTheNextBootReads) {
  Implanted i;
  ASSERT_TRUE(i.radio->ready());
  const link::LinkState made = i.radio->responder()->state();
  EXPECT_EQ(made.next_peer_id, 1u);
  link::LinkStateBytes stored{};
  ASSERT_TRUE(link_store(i).load(stored).ok());
  EXPECT_EQ(stored, link::encode(made));
  ASSERT_TRUE(i.power_up_with_radio().ok());
  EXPECT_EQ(i.radio->responder()->state(), made);
}

}  // namespace
}  // namespace itdd
