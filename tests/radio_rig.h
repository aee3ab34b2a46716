// The implant and its radio on fakes, in one process with the programmer's client: frames go
// straight through ImplantRadio::on_frame (the radio end-to-end and link flood tests).
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <vector>

#include "../firmware/power/test/test_battery_config.h"
#include "itdd/app/implant.h"
#include "itdd/app/radio.h"
#include "itdd/hal/fake_buzzer.h"
#include "itdd/hal/fake_motor.h"
#include "itdd/hal/fake_nvm.h"
#include "itdd/hal/fake_power_sense.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/client.h"
#include "itdd/storage/layout.h"

namespace itdd::testing {

inline constexpr WallTime kStart{20458LL * kMillisPerDay};

// An implant and its radio on fakes; a power cycle makes both again on the same flash.
struct Implanted {
  hal::FakeNvm flash{storage::kImplantFlash};
  hal::FakeMotor motor;
  hal::FakeBuzzer buzzer;
  hal::FakePowerSense power;
  host::SodiumCrypto crypto;
  app::ImplantConfig config;
  std::unique_ptr<app::Implant> implant;
  std::unique_ptr<app::ImplantRadio> radio;
  ImplantTime now{0};

  Implanted() {
    config.battery = power::testing::data_like_config();
    power.millivolts = config.battery.curve[0].loaded_mv;
    power_up();
  }
  void power_up() { EXPECT_TRUE(power_up_with_radio().ok()); }
  // The same; the radio's boot's outcome (an error leaves the radio off).
  Status power_up_with_radio() {
    radio.reset();
    implant = std::make_unique<app::Implant>(config, motor, buzzer, flash, power, now,
                                             WallTime(kStart.ms() + now.ms()));
    implant->boot(now);
    radio = std::make_unique<app::ImplantRadio>(*implant, crypto, flash);
    return radio->boot(now);
  }
  void advance(Duration d) {
    const ImplantTime until = now + d;
    for (int guard = 0; guard < 1'000'000 && implant->next_wake() <= until; ++guard) {
      now = implant->next_wake() < now ? now : implant->next_wake();
      implant->on_wake(now);
    }
    now = until;
    implant->on_wake(now);
    radio->on_wake(now);
  }
};

// Frames straight into the radio. Keeps what was sent (to replay it) and can lose replies.
class Loopback final : public programmer::Transport {
 public:
  explicit Loopback(Implanted& i) : i_(i) {}
  Status send(std::span<const std::uint8_t> frame) override {
    sent.emplace_back(frame.begin(), frame.end());
    if (drop_records > 0 && protocol::decode_frame(frame).ok() &&
        protocol::decode_frame(frame)->type == protocol::FrameType::kRecord) {
      --drop_records;  // lost on the way to the implant
      return Status::Ok();
    }
    if (!inject.empty()) {
      // An outsider's frame arrives first (e.g. a forged plaintext error frame).
      replies.push_back(inject);
      inject.clear();
    }
    std::vector<std::uint8_t> reply(protocol::kMaxFrameSize);
    const std::size_t n = i_.radio->on_frame(frame, reply, i_.now);
    if (n == 0) return Status::Ok();
    if (lose_replies > 0) {
      --lose_replies;
      return Status::Ok();
    }
    reply.resize(n);
    replies.push_back(std::move(reply));
    return Status::Ok();
  }
  Result<std::vector<std::uint8_t>> receive(std::chrono::milliseconds) override {
    if (replies.empty()) return make_error(ErrorCode::kRefused, "transport", "no answer");
    std::vector<std::uint8_t> r = std::move(replies.front());
    replies.pop_front();
    return r;
  }
  // Sends raw bytes, returns the reply frame (empty: none).
  std::vector<std::uint8_t> raw(std::span<const std::uint8_t> frame) {
    std::vector<std::uint8_t> reply(protocol::kMaxFrameSize);
    reply.resize(i_.radio->on_frame(frame, reply, i_.now));
    return reply;
  }

  std::vector<std::vector<std::uint8_t>> sent;
  std::deque<std::vector<std::uint8_t>> replies;
  int lose_replies = 0;
  int drop_records = 0;              // records (requests) lost on the way to the implant
  std::vector<std::uint8_t> inject;  // delivered to the device before the next reply

 private:
  Implanted& i_;
};

inline bool is_error_frame(const std::vector<std::uint8_t>& frame) {
  const Result<protocol::FrameView> f = protocol::decode_frame(frame);
  return f.ok() && f->type == protocol::FrameType::kError;
}

// A device: its key pair, a transport into the implant and a client.
struct Device {
  Device(Implanted& i, hal::KeyPair k)
      : keys(k), loop(i), client(i.crypto, keys, i.radio->public_key(), loop) {}
  hal::KeyPair keys;
  Loopback loop;
  programmer::Client client;
};

inline hal::KeyPair new_keys(host::SodiumCrypto& crypto) {
  return crypto.generate_key_pair().value();
}

inline std::unique_ptr<Device> provisioned(Implanted& i, link::Role role) {
  auto d = std::make_unique<Device>(i, new_keys(i.crypto));
  EXPECT_TRUE(i.radio->provision(d->keys.public_key, role, i.now).ok());
  return d;
}

}  // namespace itdd::testing
