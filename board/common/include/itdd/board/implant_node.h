// The implant as a board runs it: app::Implant on the board's ports, its radio
// (app::ImplantRadio) and the link's frames out of the radio UART's bytes (FrameReceiver), in
// the one frame buffer. Both images of the emulated board run it: the bench image, whose bench
// (bench.h) drives it with text commands on UART1, and the product image, whose only way in is
// the link (board/mps2_an386/src/product_main.cpp). The factory's two gifts go through it in
// both: the random source's seed (seed()) and the first programmer (provision()); the bench
// takes them as commands, the product image from its provisioning record (provisioning.h).
//
// Portable: the target and the host build (board/host) run this same code.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "itdd/app/implant.h"
#include "itdd/app/radio.h"
#include "itdd/board/counting_motor.h"
#include "itdd/board/frame_receiver.h"
#include "itdd/board/line.h"
#include "itdd/board/provisioning.h"
#include "itdd/core/time.h"
#include "itdd/hal/buzzer.h"
#include "itdd/hal/crypto.h"
#include "itdd/hal/nvm.h"
#include "itdd/hal/power_sense.h"
#include "itdd/hal/reset_cause.h"

namespace itdd::board {

// What differs between the emulated board and the host build.
class Platform {
 public:
  // The implant's monotonic clock (the board's timer), ms.
  virtual ImplantTime now() = 0;
  // Sleeps (WFI) until `t` or an interrupt, whichever is first.
  virtual void sleep_until(ImplantTime t) = 0;
  // The bench cuts the supply for `off` and restores it: RAM is lost, the NVM and the real-time
  // clock keep running. On the target it resets the processor and does not return; on the host
  // it advances the clock and returns, and the bench powers the implant up again.
  virtual void power_cut(Duration off) = 0;
  virtual void kick_watchdog() = 0;
  // One line of output on the board's text UART (without its newline).
  virtual void send_line(std::string_view line) = 0;
  // Instructions the core has executed since power-up, where the platform can count them (the
  // emulator with one instruction per nanosecond of its clock); 0 where it cannot (the host).
  virtual std::uint64_t instructions() = 0;
  // The most stack the board has used since power-up (its high-water mark), bytes; 0 where it
  // cannot tell (the host).
  virtual std::uint32_t stack_used() = 0;
  // The entropy the radio's keys come from. A board without a random number generator is
  // given a 32-byte seed at manufacture (the bench's `seed`, the product image's provisioning
  // record), which it keeps across resets; until then the radio stays off. A platform with its
  // own entropy (the host's OS) ignores the seed but still waits for it, so a bench run reads
  // the same on both.
  virtual void seed_random(std::span<const std::uint8_t, 32> seed) = 0;
  virtual bool random_seeded() = 0;

 protected:
  ~Platform() = default;
};

struct ImplantPorts {
  Platform& platform;
  CountingMotor& motor;
  hal::Buzzer& buzzer;
  hal::Nvm& nvm;
  hal::PowerSense& power_sense;
  // The radio's cryptography (hal::Crypto on libsodium); null: a board without the link.
  hal::Crypto* crypto = nullptr;
  // The link's one frame buffer (received frame, then the reply in its place): at least
  // app::kLinkBufferSize bytes.
  std::span<std::uint8_t> link_buffer{};
};

// At most kMaxWakeupsAtOneInstant wake-ups at one instant, then the board sleeps a millisecond:
// an implant asking to be woken at once without end is a defect the watchdog must not be fed
// through.
class WakeGuard {
 public:
  static constexpr int kMaxWakeupsAtOneInstant = 64;
  bool allow(ImplantTime now) {
    at_this_instant_ = now == last_ ? at_this_instant_ + 1 : 0;
    last_ = now;
    return at_this_instant_ < kMaxWakeupsAtOneInstant;
  }

 private:
  ImplantTime last_ = ImplantTime::never();
  int at_this_instant_ = 0;
};

class ImplantNode {
 public:
  ImplantNode(ImplantPorts ports, const app::ImplantConfig& config)
      : ports_(ports), config_(config), link_(ports.link_buffer) {}

  // After a reset: builds the implant on the NVM's contents and boots it, then its radio if the
  // board is seeded and `radio` allows; says so in one line ("boot now=... [radio=on|off]").
  void power_up(hal::ResetCause cause, WallTime wall, bool radio = true);
  // The supply cut: the radio and the implant are gone with the RAM.
  void power_down();

  // The factory's entropy (the bench's `seed`, the product's record), on a board not seeded yet
  // (it keeps the seed it was given at manufacture: the caller checks): kept by the platform,
  // and the radio switched on (if the board has one). A radio that does not start stays off.
  void seed(std::span<const std::uint8_t, 32> seed);
  // A device's key with its role (the bench's `provision`; the factory or service path), after
  // the implant powered up, with the radio on (radio_on()).
  Result<link::PeerId> provision(const link::PublicKey& key, link::Role role) {
    return radio_->provision(key, role, ports_.platform.now());
  }
  // The product image's factory path at power-up: the board seeded from the record if it was
  // not yet, and the record's programmer added to an implant that never had a device (so one
  // the clinic removed over the link is not brought back at the next reset). An error: the
  // radio is off, and why.
  Status start_radio(const ProvisioningRecord& record);

  // One byte from the link's UART: true when it completed a frame, which answer_frame() answers.
  bool link_byte(std::uint8_t byte) { return link_.push(byte) == FrameReceiver::Took::kFrame; }
  // The frame received (empty: none), before answer_frame() answers it in its place.
  std::span<const std::uint8_t> received_frame() { return link_.frame(); }
  // The radio answers the frame received, in the link buffer; the reply to send (empty: none;
  // no radio: nothing on the air answers).
  std::span<const std::uint8_t> answer_frame() {
    const std::span<std::uint8_t> frame = link_.frame();
    if (frame.empty()) return {};
    std::size_t n = 0;
    if (radio_) n = radio_->on_frame(frame, link_.buffer(), ports_.platform.now());
    link_.clear();
    if (n > 0) ++replies_;
    return link_.buffer().first(n);
  }

  // The radio's own deadlines (session time-outs, the refusal summary), if due at `now`.
  void wake_radio(ImplantTime now) {
    if (radio_ && radio_->next_wake() <= now) radio_->on_wake(now);
  }
  // When the board must next wake: the implant's wake-up, or the radio's if that is after `now`
  // and earlier.
  ImplantTime next_wake(ImplantTime now) const {
    const ImplantTime radio_wake = radio_ ? radio_->next_wake() : ImplantTime::never();
    const ImplantTime implant_wake = implant_->next_wake();
    return radio_wake > now && radio_wake < implant_wake ? radio_wake : implant_wake;
  }

  // "on key=HEX peers=N" or "off".
  void describe_radio(Line& l) const;

  app::Implant* implant() { return implant_ ? &*implant_ : nullptr; }
  const app::ImplantRadio* radio() const { return radio_ ? &*radio_ : nullptr; }
  bool radio_on() const { return radio_ && radio_->ready(); }
  const FrameReceiver& link() const { return link_; }
  std::uint64_t replies() const { return replies_; }

 private:
  void boot_radio(ImplantTime now);

  ImplantPorts ports_;
  const app::ImplantConfig& config_;
  std::optional<app::Implant> implant_;
  // The implant's radio (after the implant, which it refers to); on once the board is seeded.
  std::optional<app::ImplantRadio> radio_;
  FrameReceiver link_;
  std::uint64_t replies_ = 0;
};

}  // namespace itdd::board
