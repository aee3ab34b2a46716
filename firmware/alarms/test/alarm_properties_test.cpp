// Property: for random sequences of raise, clear, silence, acknowledge, arm and alarm test over
// random times, checked against an independent model of which alarms may sound:
//   - no pattern ever starts for a class with no active, unsilenced (and, if non-critical,
//     unacknowledged) alarm, except the alarm test when one was asked for;
//   - every active, unsilenced critical alarm sounds at least once per repeat interval (its
//     first tone at once), give or take kMaxToneDelay for a pattern already playing;
//   - the manager's view (active, silenced, accepted or refused) matches the model.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <vector>

#include "alarm_harness.h"

namespace itdd::alarms {
namespace {

enum class OpType : std::uint8_t { kRaise, kClear, kSilence, kSilenceAll, kAck, kTest, kArm };

struct Op {
  OpType type = OpType::kRaise;
  std::uint8_t code = 1;
  std::int64_t gap_ms = 0;       // time before the op
  std::int64_t duration_ms = 0;  // silence length, or how far ahead to arm
};

rc::Gen<std::int64_t> gen_gap() {
  return rc::gen::weightedOneOf<std::int64_t>({
      {5, rc::gen::inRange<std::int64_t>(0, 15 * kMillisPerSecond)},
      {4, rc::gen::inRange<std::int64_t>(0, 30 * kMillisPerMinute)},
      {2, rc::gen::inRange<std::int64_t>(0, 6 * kMillisPerHour)},
  });
}

rc::Gen<Op> gen_op() {
  return rc::gen::build<Op>(
      rc::gen::set(&Op::type,
                   rc::gen::element(OpType::kRaise, OpType::kRaise, OpType::kRaise, OpType::kClear,
                                    OpType::kClear, OpType::kSilence, OpType::kSilenceAll,
                                    OpType::kAck, OpType::kTest, OpType::kArm)),
      rc::gen::set(&Op::code, rc::gen::inRange<std::uint8_t>(1, kAlarmKindCount + 1)),
      rc::gen::set(&Op::gap_ms, gen_gap()),
      rc::gen::set(&Op::duration_ms,
                   rc::gen::weightedOneOf<std::int64_t>({
                       {1, rc::gen::inRange<std::int64_t>(-kMillisPerMinute, kMillisPerMinute)},
                       {4, rc::gen::inRange<std::int64_t>(0, 2 * kMillisPerHour)},
                       {2, rc::gen::inRange<std::int64_t>(0, 26 * kMillisPerHour)},
                   })));
}

rc::Gen<AlarmConfig> gen_config() {
  return rc::gen::build<AlarmConfig>(
      rc::gen::set(&AlarmConfig::critical_repeat,
                   rc::gen::map(rc::gen::element<std::int64_t>(1, 5, 10, 30, 60), minutes)),
      rc::gen::set(&AlarmConfig::non_critical_repeat,
                   rc::gen::map(rc::gen::element<std::int64_t>(15, 60, 240), minutes)),
      rc::gen::set(&AlarmConfig::critical_max_silence,
                   rc::gen::map(rc::gen::inRange<std::int64_t>(1, 61), minutes)),
      rc::gen::set(&AlarmConfig::non_critical_max_silence,
                   rc::gen::map(rc::gen::inRange<std::int64_t>(1, 24 * 60 + 1), minutes)));
}

// What the rules say, written independently of the manager.
struct ModelAlarm {
  bool active = false;
  bool ack = false;
  bool silenced = false;
  ImplantTime until{};
  ImplantTime armed = ImplantTime::never();
  ImplantTime sounding_since = ImplantTime::never();  // never: not sounding
};

struct Model {
  AlarmConfig config;
  std::array<ModelAlarm, kAlarmKindCount> alarms{};
  bool test_pending = false;
  std::array<ImplantTime, 2> last_tone{ImplantTime::never(), ImplantTime::never()};

  static AlarmClass class_of(std::size_t i) { return kAlarmTable[i].alarm_class; }
  bool sounding(std::size_t i, ImplantTime t) const {
    const ModelAlarm& a = alarms[i];
    return a.active && !(a.silenced && a.until > t) &&
           !(a.ack && class_of(i) == AlarmClass::kNonCritical);
  }
  void refresh(std::size_t i, ImplantTime t) {
    const bool s = sounding(i, t);
    if (!s) alarms[i].sounding_since = ImplantTime::never();
    if (s && alarms[i].sounding_since.is_never()) alarms[i].sounding_since = t;
  }
  void raise(std::size_t i, ImplantTime t) {
    if (alarms[i].active) return;
    alarms[i] = ModelAlarm{};
    alarms[i].active = true;
    refresh(i, t);
  }
  // Armed raises and silence ends up to t, each at its own time.
  void catch_up(ImplantTime t) {
    for (std::size_t i = 0; i < kAlarmKindCount; ++i) {
      ModelAlarm& a = alarms[i];
      if (!a.armed.is_never() && a.armed <= t) {
        const ImplantTime at = a.armed;
        a.armed = ImplantTime::never();
        if (!a.active) raise(i, at);
      }
      if (a.active && a.silenced && a.until <= t) {
        a.silenced = false;
        refresh(i, a.until);
      }
    }
  }
  Duration bound(std::size_t i) const {
    return class_of(i) == AlarmClass::kCritical ? config.critical_max_silence
                                                : config.non_critical_max_silence;
  }
  bool class_sounding(AlarmClass c, ImplantTime t) const {
    for (std::size_t i = 0; i < kAlarmKindCount; ++i) {
      if (class_of(i) == c && sounding(i, t)) return true;
    }
    return false;
  }
};

struct Checker {
  testing::Harness h;
  Model model;
  Duration critical_repeat;

  // Every sounding critical alarm has been heard within its interval (first tone at once).
  void check_coverage(ImplantTime t) {
    for (std::size_t i = 0; i < kAlarmKindCount; ++i) {
      if (Model::class_of(i) != AlarmClass::kCritical || !model.sounding(i, t)) continue;
      const ImplantTime since = model.alarms[i].sounding_since;
      const ImplantTime last = model.last_tone[0];
      if (!last.is_never() && last >= since) {
        RC_ASSERT(t - last <= critical_repeat + kMaxToneDelay);
      } else {
        RC_ASSERT(t - since <= kMaxToneDelay);
      }
    }
  }

  void advance_to(ImplantTime target) {
    for (int guard = 0; guard < 100'000; ++guard) {
      const ImplantTime wake = h.manager.next_wake();
      if (wake > target) break;
      RC_ASSERT(wake >= h.now);
      h.now = wake;
      model.catch_up(wake);
      check_coverage(wake);
      const WakeReport r = h.manager.on_wake(wake);
      if (!r.started) continue;
      switch (r.pattern) {
        case TonePatternId::kCritical:
          RC_ASSERT(model.class_sounding(AlarmClass::kCritical, wake));
          RC_ASSERT(model.sounding(index_of(r.alarm), wake));
          RC_ASSERT(alarm_class(r.alarm) == AlarmClass::kCritical);
          model.last_tone[0] = wake;
          break;
        case TonePatternId::kNonCritical:
          RC_ASSERT(model.class_sounding(AlarmClass::kNonCritical, wake));
          RC_ASSERT(model.sounding(index_of(r.alarm), wake));
          model.last_tone[1] = wake;
          break;
        case TonePatternId::kAlarmTest:
          RC_ASSERT(model.test_pending);
          model.test_pending = false;
          break;
      }
    }
    RC_ASSERT(h.manager.next_wake() > target);
    h.now = target;
    model.catch_up(target);
    check_coverage(target);
  }

  void apply(const Op& op) {
    const ImplantTime t = h.now;
    const AlarmKind kind = static_cast<AlarmKind>(op.code);
    const std::size_t i = index_of(kind);
    ModelAlarm& a = model.alarms[i];
    const Duration d = milliseconds(op.duration_ms);
    switch (op.type) {
      case OpType::kRaise:
        RC_ASSERT(h.manager.raise(kind, t).ok());
        model.raise(i, t);
        break;
      case OpType::kClear:
        RC_ASSERT(h.manager.clear(kind, t).ok());
        a = ModelAlarm{};
        break;
      case OpType::kSilence: {
        const bool ok = a.active && d > Duration(0) && d <= model.bound(i);
        RC_ASSERT(h.manager.silence(kind, t, d).ok() == ok);
        if (ok) {
          a.silenced = true;
          a.until = t + d;
          model.refresh(i, t);
        }
        break;
      }
      case OpType::kSilenceAll: {
        bool any = false;
        bool ok = d > Duration(0);
        for (std::size_t j = 0; j < kAlarmKindCount; ++j) {
          if (!model.alarms[j].active) continue;
          any = true;
          ok = ok && d <= model.bound(j);
        }
        ok = ok && any;
        RC_ASSERT(h.manager.silence_all(t, d).ok() == ok);
        for (std::size_t j = 0; ok && j < kAlarmKindCount; ++j) {
          if (!model.alarms[j].active) continue;
          model.alarms[j].silenced = true;
          model.alarms[j].until = t + d;
          model.refresh(j, t);
        }
        break;
      }
      case OpType::kAck:
        RC_ASSERT(h.manager.acknowledge(kind, t).ok() == a.active);
        if (a.active) {
          a.ack = true;
          model.refresh(i, t);
        }
        break;
      case OpType::kTest:
        RC_ASSERT(h.manager.start_alarm_test(t).ok());
        model.test_pending = true;
        break;
      case OpType::kArm:
        RC_ASSERT(h.manager.arm(kind, t + d, t).ok());
        if (d <= Duration(0)) {
          a.armed = ImplantTime::never();
          model.raise(i, t);
        } else {
          a.armed = t + d;
        }
        break;
    }
    for (std::size_t j = 0; j < kAlarmKindCount; ++j) {
      const AlarmKind k = kAlarmTable[j].kind;
      RC_ASSERT(h.manager.is_active(k) == model.alarms[j].active);
      RC_ASSERT(h.manager.is_sounding(k, t) == model.sounding(j, t));
    }
  }
};

RC_GTEST_PROP(AlarmProperties, TonesOnlyForActiveAlarmsAndCriticalOnesAreNeverForgotten, ()) {
  const AlarmConfig config = *gen_config();
  const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());
  Checker c;
  RC_ASSERT(c.h.manager.configure(config, c.h.now).ok());
  c.model.config = config;
  c.critical_repeat = config.critical_repeat;
  for (const Op& op : ops) {
    c.advance_to(c.h.now + milliseconds(op.gap_ms));
    c.apply(op);
  }
  // Then a day with nothing done: whatever is still active keeps sounding.
  c.advance_to(c.h.now + days(1));
  RC_ASSERT(!c.model.test_pending);
}

}  // namespace
}  // namespace itdd::alarms
