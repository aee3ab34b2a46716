#include "itdd/alarms/alarm_manager.h"

namespace itdd::alarms {

namespace {

constexpr std::size_t class_index(AlarmClass c) {
  return static_cast<std::size_t>(c);
}

constexpr ImplantTime earlier(ImplantTime a, ImplantTime b) {
  return a < b ? a : b;
}
constexpr ImplantTime later(ImplantTime a, ImplantTime b) {
  return a < b ? b : a;
}

Error unknown_alarm() {
  return make_error(ErrorCode::kInvalidArgument, "kind", "not a known alarm");
}

Status check_kind(AlarmKind kind) {
  if (!is_valid(kind)) return unknown_alarm();
  return Status::Ok();
}

bool in_range(Duration d, Duration lo, Duration hi) {
  return d >= lo && d <= hi;
}

}  // namespace

const char* name(AlarmAction action) {
  switch (action) {
    case AlarmAction::kRaised:
      return "raised";
    case AlarmAction::kCleared:
      return "cleared";
    case AlarmAction::kSilenced:
      return "silenced";
    case AlarmAction::kSilenceEnded:
      return "silence_ended";
    case AlarmAction::kAcknowledged:
      return "acknowledged";
    case AlarmAction::kAlarmTest:
      return "alarm_test";
    case AlarmAction::kToneFailed:
      return "tone_failed";
  }
  return "unknown";
}

Status validate(const AlarmConfig& config) {
  if (!in_range(config.critical_repeat, kMinCriticalRepeat, kMaxCriticalRepeat)) {
    return make_error(ErrorCode::kInvalidArgument, "critical_repeat",
                      "must be from 1 minute to 1 hour");
  }
  if (!in_range(config.non_critical_repeat, kMinNonCriticalRepeat, kMaxNonCriticalRepeat)) {
    return make_error(ErrorCode::kInvalidArgument, "non_critical_repeat",
                      "must be from 15 minutes to 4 hours");
  }
  if (!in_range(config.critical_max_silence, kMinMaxSilence, kMaxCriticalSilence)) {
    return make_error(ErrorCode::kInvalidArgument, "critical_max_silence",
                      "must be from 1 minute to 1 hour");
  }
  if (!in_range(config.non_critical_max_silence, kMinMaxSilence, kMaxNonCriticalSilence)) {
    return make_error(ErrorCode::kInvalidArgument, "non_critical_max_silence",
                      "must be from 1 minute to 24 hours");
  }
  return Status::Ok();
}

AlarmManager::AlarmManager(hal::Buzzer& buzzer, AlarmEventSink& events)
    : buzzer_(buzzer), events_(events) {}

void AlarmManager::log(ImplantTime at, AlarmKind kind, AlarmAction action, ImplantTime until) {
  events_.record(AlarmEvent{at, kind, action, until});
}

// ---- commands ----

Status AlarmManager::configure(const AlarmConfig& config, ImplantTime now) {
  if (Status s = validate(config); !s) return s;
  catch_up(now);
  state_.config = config;
  // A shorter interval takes effect now, not after the tone already scheduled.
  const Duration repeat[kAlarmClassCount] = {config.critical_repeat, config.non_critical_repeat};
  for (std::size_t c = 0; c < kAlarmClassCount; ++c) {
    ImplantTime& next = state_.next_tone[c];
    if (!next.is_never() && next > now + repeat[c]) next = now + repeat[c];
  }
  return Status::Ok();
}

Status AlarmManager::raise(AlarmKind kind, ImplantTime now) {
  if (Status s = check_kind(kind); !s) return s;
  catch_up(now);
  if (!slot(kind).active) raise_now(kind, now);
  return Status::Ok();
}

void AlarmManager::raise_now(AlarmKind kind, ImplantTime now) {
  Slot& s = slot(kind);
  s = Slot{};
  s.active = true;
  s.raised_at = now;
  log(now, kind, AlarmAction::kRaised);
  reschedule(alarm_class(kind), now, /*announce=*/true);
}

Status AlarmManager::clear(AlarmKind kind, ImplantTime now) {
  if (Status s = check_kind(kind); !s) return s;
  catch_up(now);
  Slot& s = slot(kind);
  s.armed = ImplantTime::never();
  if (!s.active) return Status::Ok();
  s = Slot{};
  log(now, kind, AlarmAction::kCleared);
  reschedule(alarm_class(kind), now, /*announce=*/false);
  return Status::Ok();
}

Status AlarmManager::arm(AlarmKind kind, ImplantTime at, ImplantTime now) {
  if (Status s = check_kind(kind); !s) return s;
  if (at.is_never()) {
    return make_error(ErrorCode::kInvalidArgument, "at", "an armed alarm needs a time");
  }
  catch_up(now);
  if (at <= now) {
    slot(kind).armed = ImplantTime::never();
    if (!slot(kind).active) raise_now(kind, now);
    return Status::Ok();
  }
  slot(kind).armed = at;
  return Status::Ok();
}

Status AlarmManager::disarm(AlarmKind kind) {
  if (Status s = check_kind(kind); !s) return s;
  slot(kind).armed = ImplantTime::never();
  return Status::Ok();
}

Status AlarmManager::silence(AlarmKind kind, ImplantTime now, Duration duration) {
  if (Status s = check_kind(kind); !s) return s;
  catch_up(now);
  Slot& s = slot(kind);
  if (!s.active) return make_error(ErrorCode::kRefused, "kind", "the alarm is not active");
  const bool critical = alarm_class(kind) == AlarmClass::kCritical;
  const Duration limit =
      critical ? state_.config.critical_max_silence : state_.config.non_critical_max_silence;
  if (duration <= Duration(0)) {
    return make_error(ErrorCode::kInvalidArgument, "duration", "must be positive");
  }
  if (duration > limit) {
    return make_error(ErrorCode::kInvalidArgument, "duration",
                      critical ? "longer than a critical alarm may be silenced"
                               : "longer than a non-critical alarm may be silenced");
  }
  s.silenced = true;
  s.silenced_until = now + duration;
  log(now, kind, AlarmAction::kSilenced, s.silenced_until);
  reschedule(alarm_class(kind), now, /*announce=*/false);
  return Status::Ok();
}

Status AlarmManager::silence_all(ImplantTime now, Duration duration) {
  catch_up(now);
  bool any = false;
  for (const AlarmInfo& row : kAlarmTable) {
    if (!slot(row.kind).active) continue;
    any = true;
    const Duration limit = row.alarm_class == AlarmClass::kCritical
                               ? state_.config.critical_max_silence
                               : state_.config.non_critical_max_silence;
    if (duration <= Duration(0)) {
      return make_error(ErrorCode::kInvalidArgument, "duration", "must be positive");
    }
    if (duration > limit) {
      return make_error(ErrorCode::kInvalidArgument, "duration",
                        "longer than an active alarm may be silenced");
    }
  }
  if (!any) return make_error(ErrorCode::kRefused, "kind", "no alarm is active");
  for (const AlarmInfo& row : kAlarmTable) {
    Slot& s = slot(row.kind);
    if (!s.active) continue;
    s.silenced = true;
    s.silenced_until = now + duration;
    log(now, row.kind, AlarmAction::kSilenced, s.silenced_until);
  }
  reschedule(AlarmClass::kCritical, now, false);
  reschedule(AlarmClass::kNonCritical, now, false);
  return Status::Ok();
}

Status AlarmManager::acknowledge(AlarmKind kind, ImplantTime now) {
  if (Status s = check_kind(kind); !s) return s;
  catch_up(now);
  Slot& s = slot(kind);
  if (!s.active) return make_error(ErrorCode::kRefused, "kind", "the alarm is not active");
  if (s.acknowledged) return Status::Ok();
  s.acknowledged = true;
  log(now, kind, AlarmAction::kAcknowledged);
  reschedule(alarm_class(kind), now, /*announce=*/false);
  return Status::Ok();
}

Status AlarmManager::start_alarm_test(ImplantTime now) {
  catch_up(now);
  if (state_.test_due.is_never()) state_.test_due = now;
  return Status::Ok();
}

// ---- scheduling ----

bool AlarmManager::is_sounding(AlarmKind kind, ImplantTime now) const {
  if (!is_valid(kind)) return false;
  const Slot& s = slot(kind);
  if (!s.active) return false;
  if (s.silenced && s.silenced_until > now) return false;
  return !(s.acknowledged && alarm_class(kind) == AlarmClass::kNonCritical);
}

bool AlarmManager::class_sounding(AlarmClass c, ImplantTime now) const {
  return most_urgent_sounding(c, now) != AlarmKind::kNone;
}

AlarmKind AlarmManager::most_urgent_sounding(AlarmClass c, ImplantTime now) const {
  AlarmKind best = AlarmKind::kNone;
  for (const AlarmInfo& row : kAlarmTable) {
    if (row.alarm_class != c || !is_sounding(row.kind, now)) continue;
    if (best == AlarmKind::kNone || more_urgent(row.kind, best)) best = row.kind;
  }
  return best;
}

void AlarmManager::reschedule(AlarmClass c, ImplantTime now, bool announce) {
  ImplantTime& next = state_.next_tone[class_index(c)];
  if (!class_sounding(c, now)) {
    next = ImplantTime::never();
    // Tones stop with their cause: cut short the class's pattern if it is still playing.
    if (state_.playing && state_.playing_pattern == pattern_for(c) && now < state_.playing_end) {
      buzzer_.stop();
      const TonePattern& p = tone_pattern(state_.playing_pattern);
      state_.stats.sounding -= p.sounding() - p.sounding_within(now - state_.playing_start);
      state_.playing = false;
      state_.playing_end = now;
      state_.quiet_until = now + kPatternGap;
    }
    return;
  }
  if (next.is_never() || announce) next = earlier(next, now);
}

void AlarmManager::catch_up(ImplantTime now) {
  if (state_.playing && state_.playing_end <= now) state_.playing = false;
  // Armed raises first (in code order), then silences that ran out.
  for (const AlarmInfo& row : kAlarmTable) {
    Slot& s = slot(row.kind);
    if (!s.armed.is_never() && s.armed <= now) {
      s.armed = ImplantTime::never();
      if (!s.active) raise_now(row.kind, now);
    }
  }
  for (const AlarmInfo& row : kAlarmTable) {
    Slot& s = slot(row.kind);
    if (s.active && s.silenced && s.silenced_until <= now) {
      s.silenced = false;
      log(now, row.kind, AlarmAction::kSilenceEnded);
      reschedule(row.alarm_class, now, /*announce=*/true);
    }
  }
}

ImplantTime AlarmManager::next_wake() const {
  ImplantTime tone = earlier(state_.next_tone[0], state_.next_tone[1]);
  tone = earlier(tone, state_.test_due);
  ImplantTime wake = tone.is_never() ? tone : later(tone, state_.quiet_until);
  for (const Slot& s : state_.slots) {
    wake = earlier(wake, s.armed);
    if (s.active && s.silenced) wake = earlier(wake, s.silenced_until);
  }
  return wake;
}

WakeReport AlarmManager::on_wake(ImplantTime now) {
  WakeReport report;
  catch_up(now);
  if (now < state_.quiet_until) return report;
  const ImplantTime critical = state_.next_tone[class_index(AlarmClass::kCritical)];
  const ImplantTime non_critical = state_.next_tone[class_index(AlarmClass::kNonCritical)];
  if (critical <= now) {
    play(TonePatternId::kCritical, most_urgent_sounding(AlarmClass::kCritical, now), now, report);
  } else if (state_.test_due <= now) {
    play(TonePatternId::kAlarmTest, AlarmKind::kNone, now, report);
  } else if (non_critical <= now) {
    play(TonePatternId::kNonCritical, most_urgent_sounding(AlarmClass::kNonCritical, now), now,
         report);
  }
  return report;
}

void AlarmManager::play(TonePatternId id, AlarmKind alarm, ImplantTime now, WakeReport& report) {
  const TonePattern& pattern = tone_pattern(id);
  const hal::BuzzerOutcome outcome = buzzer_.play(pattern.tones());
  if (outcome == hal::BuzzerOutcome::kBusy) {
    state_.quiet_until = now + kBuzzerRetry;  // nothing else changes: ask again shortly
    return;
  }
  if (id == TonePatternId::kAlarmTest) {
    state_.test_due = ImplantTime::never();
    log(now, AlarmKind::kNone, AlarmAction::kAlarmTest);
  } else {
    // Keep the rhythm: the next tone is one interval after this one was due, not after it
    // played (a tone held back by another pattern does not push the ones after it).
    const std::size_t c = id == TonePatternId::kCritical ? class_index(AlarmClass::kCritical)
                                                         : class_index(AlarmClass::kNonCritical);
    const Duration repeat = id == TonePatternId::kCritical ? state_.config.critical_repeat
                                                           : state_.config.non_critical_repeat;
    ImplantTime next = state_.next_tone[c] + repeat;
    if (next <= now) next = now + repeat;  // woken late: one tone now, none to catch up
    state_.next_tone[c] = next;
  }
  if (outcome == hal::BuzzerOutcome::kFault) {
    ++state_.stats.failed;
    log(now, alarm, AlarmAction::kToneFailed);
    return;
  }
  ++state_.stats.started[static_cast<std::size_t>(id)];
  state_.stats.sounding += pattern.sounding();
  state_.playing = true;
  state_.playing_pattern = id;
  state_.playing_start = now;
  state_.playing_end = now + pattern.duration();
  state_.quiet_until = state_.playing_end + kPatternGap;
  report.started = true;
  report.pattern = id;
  report.alarm = alarm;
  report.sounding = pattern.sounding();
}

// ---- reading ----

bool AlarmManager::is_active(AlarmKind kind) const {
  return is_valid(kind) && slot(kind).active;
}

bool AlarmManager::is_silenced(AlarmKind kind, ImplantTime now) const {
  return is_active(kind) && slot(kind).silenced && slot(kind).silenced_until > now;
}

bool AlarmManager::is_acknowledged(AlarmKind kind) const {
  return is_active(kind) && slot(kind).acknowledged;
}

ImplantTime AlarmManager::raised_at(AlarmKind kind) const {
  return is_active(kind) ? slot(kind).raised_at : ImplantTime::never();
}

ImplantTime AlarmManager::armed_at(AlarmKind kind) const {
  return is_valid(kind) ? slot(kind).armed : ImplantTime::never();
}

ActiveAlarms AlarmManager::active() const {
  ActiveAlarms list;
  // Insertion by priority: at most kAlarmKindCount entries.
  for (const AlarmInfo& row : kAlarmTable) {
    if (!slot(row.kind).active) continue;
    std::size_t i = list.count;
    while (i > 0 && more_urgent(row.kind, list.kinds[i - 1])) {
      list.kinds[i] = list.kinds[i - 1];
      --i;
    }
    list.kinds[i] = row.kind;
    ++list.count;
  }
  return list;
}

AlarmKind AlarmManager::most_urgent() const {
  const ActiveAlarms list = active();
  return list.empty() ? AlarmKind::kNone : list[0];
}

bool AlarmManager::any_critical() const {
  for (const AlarmInfo& row : kAlarmTable) {
    if (row.alarm_class == AlarmClass::kCritical && slot(row.kind).active) return true;
  }
  return false;
}

Status AlarmManager::restore(const State& state) {
  if (Status s = validate(state.config); !s) return s;
  if (static_cast<std::size_t>(state.playing_pattern) >= kTonePatternCount) {
    return make_error(ErrorCode::kInvalidArgument, "playing_pattern", "not a known pattern");
  }
  for (const Slot& s : state.slots) {
    if (!s.active && (s.acknowledged || s.silenced)) {
      return make_error(ErrorCode::kInvalidArgument, "slots",
                        "an inactive alarm cannot be silenced or acknowledged");
    }
  }
  state_ = state;
  return Status::Ok();
}

}  // namespace itdd::alarms
