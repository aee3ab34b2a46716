// Test helpers: a recording event sink and a loop that wakes the manager exactly when it asks.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "itdd/alarms/alarm_manager.h"
#include "itdd/hal/fake_buzzer.h"

namespace itdd::alarms::testing {

struct RecordingSink final : AlarmEventSink {
  void record(const AlarmEvent& event) override { events.push_back(event); }
  std::size_t count(AlarmKind kind, AlarmAction action) const {
    std::size_t n = 0;
    for (const AlarmEvent& e : events) n += (e.kind == kind && e.action == action) ? 1 : 0;
    return n;
  }
  const AlarmEvent* last(AlarmKind kind, AlarmAction action) const {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->kind == kind && it->action == action) return &*it;
    }
    return nullptr;
  }
  std::vector<AlarmEvent> events;
};

struct Tone {
  ImplantTime at;
  TonePatternId pattern;
  AlarmKind alarm;
};

struct Harness {
  hal::FakeBuzzer buzzer;
  RecordingSink sink;
  AlarmManager manager{buzzer, sink};
  ImplantTime now{1'000'000};
  std::vector<Tone> tones;
  std::size_t wakes = 0;

  // Wakes the manager at every next_wake() up to and including `until`, then sets now.
  void run_until(ImplantTime until) {
    for (int guard = 0; guard < 100'000; ++guard) {
      const ImplantTime wake = manager.next_wake();
      if (wake > until) break;
      ASSERT_GE(wake, now) << "next_wake went back in time";
      now = wake;
      ++wakes;
      const WakeReport r = manager.on_wake(now);
      if (r.started) tones.push_back({now, r.pattern, r.alarm});
    }
    ASSERT_GT(manager.next_wake(), until) << "the manager never stopped asking to be woken";
    now = until;
  }
  void run_for(Duration d) { run_until(now + d); }

  std::vector<Tone> tones_of(TonePatternId id) const {
    std::vector<Tone> out;
    for (const Tone& t : tones) {
      if (t.pattern == id) out.push_back(t);
    }
    return out;
  }
};

}  // namespace itdd::alarms::testing
