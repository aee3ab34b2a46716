// The implant on a body of fakes, for the implant's host tests: the flash survives the implant,
// so a reset is a fresh Implant on the same Body.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "../../power/test/test_battery_config.h"
#include "../../therapy/test/test_prescriptions.h"
#include "itdd/app/implant.h"
#include "itdd/hal/fake_buzzer.h"
#include "itdd/hal/fake_motor.h"
#include "itdd/hal/fake_nvm.h"
#include "itdd/hal/fake_power_sense.h"

namespace itdd::app::rig {

using therapy::testing::kMorphine25;

inline constexpr WallTime kMonday{20458LL * kMillisPerDay};
inline const therapy::Drug kMorphine = therapy::make_drug("morphine", DoseUnit::kMilligram);

inline RefillOrder fill(Volume volume, Concentration c = kMorphine25) {
  RefillOrder order;
  order.refill = engine::RefillCommand{volume, kMorphine, c, Volume(0), true};
  return order;
}

// One implant on one body: the flash survives the implant (a reset makes a fresh Implant on it).
struct Body {
  hal::FakeNvm flash{storage::kImplantFlash};
  hal::FakeMotor motor;
  hal::FakeBuzzer buzzer;
  hal::FakePowerSense power = fresh_cell();  // unless a test lowers it

  static hal::FakePowerSense fresh_cell() {
    hal::FakePowerSense p;
    p.millivolts = power::testing::data_like_config().curve[0].loaded_mv;
    return p;
  }
  ImplantConfig config = default_config();

  static ImplantConfig default_config() {
    ImplantConfig c;
    c.battery = power::testing::data_like_config();
    return c;
  }
};

struct Rig {
  explicit Rig(Body& b, ImplantTime start = ImplantTime(0))
      : body(b),
        implant(std::make_unique<Implant>(b.config, b.motor, b.buzzer, b.flash, b.power, start,
                                          WallTime(kMonday.ms() + start.ms()))),
        now(start) {
    report = implant->boot(start);
  }
  // Power-up after a reset: a fresh Implant on the same flash and motor.
  void reset(ImplantTime at, hal::ResetCause cause = hal::ResetCause::kWatchdog) {
    now = at;
    body.motor.sensed = 0;  // the rotor sensor counts from power-up
    implant = std::make_unique<Implant>(body.config, body.motor, body.buzzer, body.flash,
                                        body.power, at, WallTime(kMonday.ms() + at.ms()));
    report = implant->boot(at, cause);
  }
  void run_until(ImplantTime until) {
    for (int guard = 0; guard < 10'000'000; ++guard) {
      const ImplantTime wake = implant->next_wake();
      if (wake > until) break;
      now = wake < now ? now : wake;
      implant->on_wake(now);
    }
    now = until;
    implant->on_wake(now);
  }
  void run_for(Duration d) { run_until(now + d); }
  // The usual start: 18 mL of morphine 25 mg/mL, `rx` programmed.
  void start(const therapy::Prescription& rx) {
    ASSERT_TRUE(implant->refill(fill(millilitres(18)), now).ok());
    ASSERT_TRUE(implant->program(rx, now).ok());
  }
  bool has_log(std::uint16_t code) {
    std::vector<storage::LogRecord> records(6000);
    const Result<std::size_t> n = implant->event_log().read_from(1, records);
    if (!n.ok()) return false;
    for (std::size_t i = 0; i < *n; ++i) {
      if (records[i].code == code) return true;
    }
    return false;
  }

  Body& body;
  std::unique_ptr<Implant> implant;
  ImplantTime now;
  BootReport report;
};

}  // namespace itdd::app::rig
