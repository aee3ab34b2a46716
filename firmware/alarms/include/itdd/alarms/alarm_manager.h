// The alarm manager: which alarms are active, which are silenced or acknowledged, and when the
// buzzer must next sound. It detects nothing itself: the modules that see a condition (engine,
// battery, storage, safety monitor, clock) raise and clear alarms through it, or arm a raise
// at a known time (refill due, drug stability date, pump stopped too long).
//
// Event-driven: next_wake() says when the next tone, silence end or armed raise is due;
// on_wake(now) does what is due and starts at most one pattern on the hal::Buzzer, which
// plays it by itself. Sounding is per class: while any alarm of a class is active and neither
// silenced nor (non-critical only) acknowledged, the class pattern plays at once and then at
// the class repeat interval. A newly raised alarm, or one whose silence ran out, sounds at once.
// Critical outranks the alarm test, which outranks non-critical; patterns never overlap and
// are separated by kPatternGap.
//
// Every raise, clear, silence, silence end, acknowledgement and alarm test is reported with
// its time through AlarmEventSink. Raising an active alarm or clearing an inactive one changes
// nothing and logs nothing. Bad requests are refused with a reason and change nothing.
// All state is fixed-size and is a plain value (State) for storage.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "itdd/alarms/alarm_events.h"
#include "itdd/alarms/alarm_kind.h"
#include "itdd/alarms/tone_patterns.h"
#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/hal/buzzer.h"

namespace itdd::alarms {

// Settings a clinic may change (kept with the other settings). Defaults come from the tone
// table; the bounds below are hard limits a configuration outside of is refused.
struct AlarmConfig {
  Duration critical_repeat = tone_pattern(TonePatternId::kCritical).repeat;
  Duration non_critical_repeat = tone_pattern(TonePatternId::kNonCritical).repeat;
  Duration critical_max_silence = hours(1);
  Duration non_critical_max_silence = hours(24);  // "until the next day"
  constexpr bool operator==(const AlarmConfig&) const = default;
};

inline constexpr Duration kMinCriticalRepeat = minutes(1);
inline constexpr Duration kMaxCriticalRepeat = hours(1);
inline constexpr Duration kMinNonCriticalRepeat = minutes(15);
inline constexpr Duration kMaxNonCriticalRepeat = hours(4);
inline constexpr Duration kMinMaxSilence = minutes(1);
inline constexpr Duration kMaxCriticalSilence = hours(1);  // a critical alarm comes back within
inline constexpr Duration kMaxNonCriticalSilence = hours(24);
// Quiet time after one pattern before the next may start.
inline constexpr Duration kPatternGap = seconds(2);
// How long to wait before asking again when the buzzer says it is busy.
inline constexpr Duration kBuzzerRetry = seconds(1);
// The longest a due tone can wait for patterns ahead of it: a critical tone waits at most for
// one alarm test; a non-critical one for a critical tone and an alarm test.
inline constexpr Duration kMaxToneDelay = tone_pattern(TonePatternId::kCritical).duration() +
                                          tone_pattern(TonePatternId::kAlarmTest).duration() +
                                          kPatternGap * 2;

Status validate(const AlarmConfig& config);

// Active alarms, most urgent first.
struct ActiveAlarms {
  std::array<AlarmKind, kAlarmKindCount> kinds{};
  std::uint8_t count = 0;
  const AlarmKind* begin() const { return kinds.data(); }
  const AlarmKind* end() const { return kinds.data() + count; }
  bool empty() const { return count == 0; }
  std::size_t size() const { return count; }
  AlarmKind operator[](std::size_t i) const { return kinds[i]; }
};

// What the buzzer has played so far: for the battery's energy account (it multiplies the
// sounding time by its cost per millisecond of tone) and for reports.
struct ToneStats {
  std::array<std::int64_t, kTonePatternCount> started{};  // patterns started, by TonePatternId
  std::int64_t failed = 0;                                // patterns the buzzer refused (fault)
  Duration sounding{};  // time the buzzer was driven (pauses excluded; stopped tones count
                        // what played)
  constexpr bool operator==(const ToneStats&) const = default;
};

// What one on_wake did.
struct WakeReport {
  bool started = false;  // a pattern started
  TonePatternId pattern = TonePatternId::kCritical;
  AlarmKind alarm = AlarmKind::kNone;  // the most urgent alarm it sounded for (kNone: test)
  Duration sounding{};                 // buzzer-on time of the pattern started
};

class AlarmManager {
 public:
  struct Slot {
    bool active = false;
    bool acknowledged = false;
    bool silenced = false;
    ImplantTime raised_at{};
    ImplantTime silenced_until{};
    ImplantTime armed = ImplantTime::never();  // raise by itself at this time
    constexpr bool operator==(const Slot&) const = default;
  };
  struct State {
    AlarmConfig config{};
    std::array<Slot, kAlarmKindCount> slots{};
    // Next tone per class (AlarmClass index); never while the class is not sounding.
    std::array<ImplantTime, kAlarmClassCount> next_tone{ImplantTime::never(), ImplantTime::never()};
    ImplantTime test_due = ImplantTime::never();
    ImplantTime quiet_until{};  // no pattern may start before this
    bool playing = false;       // a pattern was started and has not ended by `playing_end`
    TonePatternId playing_pattern = TonePatternId::kCritical;
    ImplantTime playing_start{};
    ImplantTime playing_end{};
    ToneStats stats{};
    constexpr bool operator==(const State&) const = default;
  };

  AlarmManager(hal::Buzzer& buzzer, AlarmEventSink& events);

  // ---- commands ----
  Status configure(const AlarmConfig& config, ImplantTime now);
  Status raise(AlarmKind kind, ImplantTime now);
  Status clear(AlarmKind kind, ImplantTime now);  // also disarms a pending armed raise
  // Raise `kind` at `at` unless cleared or disarmed first (at <= now: raise now). Not logged
  // itself; the raise is, when it happens.
  Status arm(AlarmKind kind, ImplantTime at, ImplantTime now);
  Status disarm(AlarmKind kind);
  // Silence one active alarm for `duration`: at most config.critical_max_silence for a critical
  // alarm (it sounds again when that runs out if still active) and at most
  // config.non_critical_max_silence for a non-critical one. Clearing ends a silence; so a
  // non-critical alarm that re-raises sounds again.
  Status silence(AlarmKind kind, ImplantTime now, Duration duration);
  // Silence every active alarm; refused whole if `duration` exceeds the bound of any of them.
  Status silence_all(ImplantTime now, Duration duration);
  // The clinic has seen the alarm. A non-critical alarm stops sounding until it is cleared and
  // raised again; a critical one keeps sounding (only its cause, or a bounded silence, stops it).
  Status acknowledge(AlarmKind kind, ImplantTime now);
  // Play the alarm-test pattern (every tone once) as soon as the buzzer is free.
  Status start_alarm_test(ImplantTime now);

  // ---- the event loop ----
  ImplantTime next_wake() const;
  WakeReport on_wake(ImplantTime now);

  // ---- reading ----
  bool is_active(AlarmKind kind) const;
  bool is_silenced(AlarmKind kind, ImplantTime now) const;
  bool is_acknowledged(AlarmKind kind) const;
  // Whether the alarm is active and currently entitled to sound (not silenced, and for a
  // non-critical alarm not acknowledged).
  bool is_sounding(AlarmKind kind, ImplantTime now) const;
  ImplantTime raised_at(AlarmKind kind) const;
  ImplantTime armed_at(AlarmKind kind) const;
  ActiveAlarms active() const;
  AlarmKind most_urgent() const;  // kNone if none is active
  bool any_critical() const;
  const AlarmConfig& config() const { return state_.config; }
  const ToneStats& stats() const { return state_.stats; }

  State snapshot() const { return state_; }
  const State& state() const { return state_; }  // the same, without a copy
  Status restore(const State& state);  // refused (nothing changes) if the state is not sane

 private:
  Slot& slot(AlarmKind kind) { return state_.slots[index_of(kind)]; }
  const Slot& slot(AlarmKind kind) const { return state_.slots[index_of(kind)]; }
  void log(ImplantTime at, AlarmKind kind, AlarmAction action, ImplantTime until = {});
  void catch_up(ImplantTime now);  // armed raises and silence ends due by `now`
  void raise_now(AlarmKind kind, ImplantTime now);
  bool class_sounding(AlarmClass c, ImplantTime now) const;
  AlarmKind most_urgent_sounding(AlarmClass c, ImplantTime now) const;
  // After a change at `now`: schedule or cancel the class's tones; `announce` sounds it at once.
  void reschedule(AlarmClass c, ImplantTime now, bool announce);
  void play(TonePatternId pattern, AlarmKind alarm, ImplantTime now, WakeReport& report);

  hal::Buzzer& buzzer_;
  AlarmEventSink& events_;
  State state_{};
};

}  // namespace itdd::alarms
