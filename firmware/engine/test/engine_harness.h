// Runs a TherapyEngine against a fake motor as the implant's main loop would.
#pragma once

#include <vector>

#include "itdd/engine/therapy_engine.h"
#include "itdd/hal/fake_motor.h"

namespace itdd::engine::testing {

// Monday 2026-01-05 00:00 local, in ms since 1970.
inline constexpr WallTime kMondayMidnight{20458LL * kMillisPerDay};

struct RecordingSink final : EventSink {
  void record(const TherapyEvent& event) override { events.push_back(event); }
  int count(EventKind kind) const {
    int n = 0;
    for (const auto& e : events) n += e.kind == kind;
    return n;
  }
  const TherapyEvent* last(EventKind kind) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->kind == kind) return &*it;
    }
    return nullptr;
  }
  std::vector<TherapyEvent> events;
};

struct Harness {
  explicit Harness(const therapy::PumpModel& model = therapy::PumpModel{},
                   WallTime wall = kMondayMidnight)
      : pump(model), engine(pump, motor, sink, ImplantTime(0), wall) {}
  // The engine holds references to the motor and sink: a copy would point into the original.
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Wakes the engine at every wake-up it asks for, up to and including `until`.
  void run_until(ImplantTime until) {
    for (int guard = 0; guard < 50'000'000; ++guard) {
      const ImplantTime wake = engine.next_wake();
      if (wake > until) break;
      now = wake < now ? now : wake;
      engine.on_wake(now);
    }
    now = until;
    engine.on_wake(now);
  }
  void run_for(Duration d) { run_until(now + d); }

  Status fill(Volume volume, const therapy::Drug& drug, Concentration c) {
    RefillCommand cmd;
    cmd.volume = volume;
    cmd.drug = drug;
    cmd.concentration = c;
    cmd.bridge = false;
    const Result<BridgePlan> r = engine.refill(cmd, now);
    return r.ok() ? Status::Ok() : Status(r.error());
  }

  therapy::PumpModel pump;
  hal::FakeMotor motor;
  RecordingSink sink;
  TherapyEngine engine;
  ImplantTime now{0};
};

}  // namespace itdd::engine::testing
