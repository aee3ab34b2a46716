#include "itdd/alarms/alarm_manager.h"

#include <gtest/gtest.h>

#include "alarm_harness.h"

namespace itdd::alarms {
namespace {

using testing::Harness;
using testing::Tone;

Duration repeat_of(AlarmClass c) {
  return c == AlarmClass::kCritical ? minutes(10) : hours(1);  // the documented defaults
}

// ---- every alarm kind: raise, tones, clear, silence, acknowledge ----

class EveryAlarm : public ::testing::TestWithParam<AlarmInfo> {};

INSTANTIATE_TEST_SUITE_P(Alarms, EveryAlarm, ::testing::ValuesIn(kAlarmTable),
                         [](const ::testing::TestParamInfo<AlarmInfo>& p) {
                           return std::string(p.param.name);
                         });

TEST_P(EveryAlarm, RaiseMakesItActiveLogsItAndSoundsAtItsInterval) {
  const AlarmInfo row = GetParam();
  Harness h;
  const ImplantTime raised = h.now;
  ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
  EXPECT_TRUE(h.manager.is_active(row.kind));
  EXPECT_EQ(h.manager.raised_at(row.kind), raised);
  ASSERT_EQ(h.manager.active().size(), 1U);
  EXPECT_EQ(h.manager.active()[0], row.kind);
  EXPECT_EQ(h.manager.most_urgent(), row.kind);
  EXPECT_EQ(h.manager.any_critical(), row.alarm_class == AlarmClass::kCritical);
  ASSERT_EQ(h.sink.events.size(), 1U);
  EXPECT_EQ(h.sink.events[0], (AlarmEvent{raised, row.kind, AlarmAction::kRaised, {}}));

  // It sounds at once, then every interval of its class, with its class's pattern.
  const Duration repeat = repeat_of(row.alarm_class);
  EXPECT_EQ(h.manager.next_wake(), raised);
  h.run_for(repeat * 5 + seconds(1));
  ASSERT_EQ(h.tones.size(), 6U);
  for (std::size_t i = 0; i < h.tones.size(); ++i) {
    EXPECT_EQ(h.tones[i].at, raised + repeat * static_cast<std::int64_t>(i));
    EXPECT_EQ(h.tones[i].pattern, pattern_for(row.alarm_class));
    EXPECT_EQ(h.tones[i].alarm, row.kind);
  }
  ASSERT_EQ(h.buzzer.plays.size(), 6U);
  const auto expected = tone_pattern(pattern_for(row.alarm_class)).tones();
  EXPECT_TRUE(std::equal(h.buzzer.plays[0].begin(), h.buzzer.plays[0].end(), expected.begin(),
                         expected.end()));
  // Only the raise is logged: tones are not.
  EXPECT_EQ(h.sink.events.size(), 1U);
}

TEST_P(EveryAlarm, RaisingAnActiveAlarmAgainChangesNothing) {
  const AlarmInfo row = GetParam();
  Harness h;
  const ImplantTime raised = h.now;
  ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
  h.run_for(minutes(3));
  const ImplantTime next = h.manager.next_wake();
  ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
  EXPECT_EQ(h.sink.count(row.kind, AlarmAction::kRaised), 1U);
  EXPECT_EQ(h.manager.raised_at(row.kind), raised);
  EXPECT_EQ(h.manager.next_wake(), next);  // no extra tone either
}

TEST_P(EveryAlarm, ClearMakesItInactiveLogsItAndStopsTheTones) {
  const AlarmInfo row = GetParam();
  Harness h;
  ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
  h.run_for(repeat_of(row.alarm_class) * 2 + minutes(1));
  const std::size_t before = h.tones.size();
  EXPECT_EQ(before, 3U);
  const ImplantTime cleared = h.now;
  ASSERT_TRUE(h.manager.clear(row.kind, h.now).ok());
  EXPECT_FALSE(h.manager.is_active(row.kind));
  EXPECT_TRUE(h.manager.active().empty());
  EXPECT_EQ(h.manager.most_urgent(), AlarmKind::kNone);
  ASSERT_NE(h.sink.last(row.kind, AlarmAction::kCleared), nullptr);
  EXPECT_EQ(h.sink.last(row.kind, AlarmAction::kCleared)->at, cleared);
  EXPECT_TRUE(h.manager.next_wake().is_never());
  h.run_for(days(2));
  EXPECT_EQ(h.tones.size(), before);

  // Clearing it again is a no-op and is not logged.
  ASSERT_TRUE(h.manager.clear(row.kind, h.now).ok());
  EXPECT_EQ(h.sink.count(row.kind, AlarmAction::kCleared), 1U);
}

TEST_P(EveryAlarm, ClearingAnInactiveAlarmIsANoOp) {
  Harness h;
  ASSERT_TRUE(h.manager.clear(GetParam().kind, h.now).ok());
  EXPECT_TRUE(h.sink.events.empty());
  EXPECT_EQ(h.buzzer.stops, 0);
}

TEST_P(EveryAlarm, SilenceWithinItsBoundThenItComesBackIfStillActive) {
  const AlarmInfo row = GetParam();
  const bool critical = row.alarm_class == AlarmClass::kCritical;
  const Duration bound = critical ? hours(1) : hours(24);
  Harness h;
  ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
  h.run_for(seconds(10));
  ASSERT_EQ(h.tones.size(), 1U);

  // Beyond the bound: refused, nothing changes.
  Status s = h.manager.silence(row.kind, h.now, bound + seconds(1));
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "duration");
  s = h.manager.silence(row.kind, h.now, Duration(0));
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(h.manager.is_silenced(row.kind, h.now));
  EXPECT_EQ(h.sink.count(row.kind, AlarmAction::kSilenced), 0U);

  const ImplantTime silenced = h.now;
  ASSERT_TRUE(h.manager.silence(row.kind, h.now, bound).ok());
  EXPECT_TRUE(h.manager.is_silenced(row.kind, h.now));
  EXPECT_TRUE(h.manager.is_active(row.kind));
  const AlarmEvent* e = h.sink.last(row.kind, AlarmAction::kSilenced);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->at, silenced);
  EXPECT_EQ(e->until, silenced + bound);

  h.run_until(silenced + bound - milliseconds(1));
  EXPECT_EQ(h.tones.size(), 1U) << "silent while silenced";
  h.run_for(seconds(1));
  ASSERT_EQ(h.tones.size(), 2U) << "comes back when the silence ends";
  EXPECT_EQ(h.tones[1].at, silenced + bound);
  ASSERT_NE(h.sink.last(row.kind, AlarmAction::kSilenceEnded), nullptr);
  EXPECT_EQ(h.sink.last(row.kind, AlarmAction::kSilenceEnded)->at, silenced + bound);
  h.run_for(repeat_of(row.alarm_class));
  EXPECT_EQ(h.tones.size(), 3U) << "and keeps its rhythm";
}

TEST_P(EveryAlarm, ASilencedAlarmThatIsClearedAndRaisedAgainSounds) {
  const AlarmInfo row = GetParam();
  Harness h;
  ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
  ASSERT_TRUE(h.manager.silence(row.kind, h.now, minutes(30)).ok());
  h.run_for(minutes(5));
  const std::size_t before = h.tones.size();
  ASSERT_TRUE(h.manager.clear(row.kind, h.now).ok());
  EXPECT_EQ(h.sink.count(row.kind, AlarmAction::kSilenceEnded), 0U);
  ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
  EXPECT_FALSE(h.manager.is_silenced(row.kind, h.now));
  h.run_for(seconds(1));
  EXPECT_EQ(h.tones.size(), before + 1);
}

TEST_P(EveryAlarm, SilencingOrAcknowledgingAnInactiveAlarmIsRefused) {
  Harness h;
  Status s = h.manager.silence(GetParam().kind, h.now, minutes(5));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kRefused);
  s = h.manager.acknowledge(GetParam().kind, h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kRefused);
  EXPECT_TRUE(h.sink.events.empty());
}

TEST_P(EveryAlarm, AcknowledgeQuietsANonCriticalAlarmButNotACriticalOne) {
  const AlarmInfo row = GetParam();
  Harness h;
  ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
  h.run_for(seconds(5));
  const ImplantTime acked = h.now;
  ASSERT_TRUE(h.manager.acknowledge(row.kind, h.now).ok());
  ASSERT_TRUE(h.manager.acknowledge(row.kind, h.now).ok());  // again: not logged again
  EXPECT_EQ(h.sink.count(row.kind, AlarmAction::kAcknowledged), 1U);
  EXPECT_EQ(h.sink.last(row.kind, AlarmAction::kAcknowledged)->at, acked);
  EXPECT_TRUE(h.manager.is_acknowledged(row.kind));
  EXPECT_TRUE(h.manager.is_active(row.kind));
  h.run_for(hours(3) - seconds(10));
  if (row.alarm_class == AlarmClass::kCritical) {
    EXPECT_EQ(h.tones.size(), 18U);  // every 10 minutes for 3 hours
  } else {
    EXPECT_EQ(h.tones.size(), 1U);
    // Until it is cleared and raised again.
    ASSERT_TRUE(h.manager.clear(row.kind, h.now).ok());
    ASSERT_TRUE(h.manager.raise(row.kind, h.now).ok());
    EXPECT_FALSE(h.manager.is_acknowledged(row.kind));
    h.run_for(seconds(1));
    EXPECT_EQ(h.tones.size(), 2U);
  }
}

TEST_P(EveryAlarm, ArmedRaiseHappensAtItsTimeAndClearDisarmsIt) {
  const AlarmInfo row = GetParam();
  Harness h;
  const ImplantTime due = h.now + days(40);
  ASSERT_TRUE(h.manager.arm(row.kind, due, h.now).ok());
  EXPECT_FALSE(h.manager.is_active(row.kind));
  EXPECT_EQ(h.manager.armed_at(row.kind), due);
  EXPECT_EQ(h.manager.next_wake(), due);
  EXPECT_TRUE(h.sink.events.empty());
  h.run_until(due);
  EXPECT_TRUE(h.manager.is_active(row.kind));
  EXPECT_EQ(h.manager.raised_at(row.kind), due);
  EXPECT_EQ(h.sink.last(row.kind, AlarmAction::kRaised)->at, due);
  ASSERT_EQ(h.tones.size(), 1U);
  EXPECT_EQ(h.tones[0].at, due);
  EXPECT_TRUE(h.manager.armed_at(row.kind).is_never());

  // Re-armed (e.g. a refill set a new due date) and cleared before: it never comes.
  ASSERT_TRUE(h.manager.clear(row.kind, h.now).ok());
  ASSERT_TRUE(h.manager.arm(row.kind, h.now + days(1), h.now).ok());
  ASSERT_TRUE(h.manager.clear(row.kind, h.now).ok());
  EXPECT_TRUE(h.manager.next_wake().is_never());
  h.run_for(days(3));
  EXPECT_FALSE(h.manager.is_active(row.kind));
}

// ---- across alarms ----

TEST(AlarmManager, NothingActiveMeansNothingToDo) {
  Harness h;
  EXPECT_TRUE(h.manager.next_wake().is_never());
  EXPECT_TRUE(h.manager.active().empty());
  EXPECT_EQ(h.manager.most_urgent(), AlarmKind::kNone);
  h.run_for(days(365));
  EXPECT_TRUE(h.tones.empty());
  EXPECT_EQ(h.wakes, 0U);
}

TEST(AlarmManager, UnknownKindsAreRefused) {
  Harness h;
  for (AlarmKind bad : {AlarmKind::kNone, static_cast<AlarmKind>(15), static_cast<AlarmKind>(99)}) {
    EXPECT_FALSE(h.manager.raise(bad, h.now).ok());
    EXPECT_FALSE(h.manager.clear(bad, h.now).ok());
    EXPECT_FALSE(h.manager.silence(bad, h.now, minutes(1)).ok());
    EXPECT_FALSE(h.manager.acknowledge(bad, h.now).ok());
    EXPECT_FALSE(h.manager.arm(bad, h.now + hours(1), h.now).ok());
    EXPECT_FALSE(h.manager.disarm(bad).ok());
    EXPECT_FALSE(h.manager.is_active(bad));
  }
  EXPECT_TRUE(h.sink.events.empty());
  EXPECT_TRUE(h.manager.next_wake().is_never());
}

TEST(AlarmManager, ActiveListIsMostUrgentFirst) {
  Harness h;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kLowReservoir, h.now).ok());
  ASSERT_TRUE(h.manager.raise(AlarmKind::kElectiveReplacement, h.now).ok());
  ASSERT_TRUE(h.manager.raise(AlarmKind::kEndOfService, h.now).ok());
  ASSERT_TRUE(h.manager.raise(AlarmKind::kSafetyMonitorTrip, h.now).ok());
  const ActiveAlarms list = h.manager.active();
  ASSERT_EQ(list.size(), 4U);
  EXPECT_EQ(list[0], AlarmKind::kSafetyMonitorTrip);
  EXPECT_EQ(list[1], AlarmKind::kEndOfService);
  EXPECT_EQ(list[2], AlarmKind::kLowReservoir);
  EXPECT_EQ(list[3], AlarmKind::kElectiveReplacement);
  EXPECT_EQ(h.manager.most_urgent(), AlarmKind::kSafetyMonitorTrip);
  for (std::size_t i = 1; i < list.size(); ++i) EXPECT_TRUE(more_urgent(list[i - 1], list[i]));
}

TEST(AlarmManager, CriticalSoundsFirstThenNonCriticalAfterAGap) {
  Harness h;
  const ImplantTime t0 = h.now;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kLowReservoir, h.now).ok());
  ASSERT_TRUE(h.manager.raise(AlarmKind::kMotorStall, h.now).ok());
  h.run_for(seconds(30));
  ASSERT_EQ(h.tones.size(), 2U);
  EXPECT_EQ(h.tones[0].pattern, TonePatternId::kCritical);
  EXPECT_EQ(h.tones[0].alarm, AlarmKind::kMotorStall);
  EXPECT_EQ(h.tones[0].at, t0);
  EXPECT_EQ(h.tones[1].pattern, TonePatternId::kNonCritical);
  EXPECT_EQ(h.tones[1].alarm, AlarmKind::kLowReservoir);
  EXPECT_EQ(h.tones[1].at, t0 + seconds(3) + kPatternGap);
  // The rhythm of each class is its own.
  h.run_for(hours(2));
  EXPECT_EQ(h.tones_of(TonePatternId::kCritical).size(), 13U);
  EXPECT_EQ(h.tones_of(TonePatternId::kNonCritical).size(), 3U);
  EXPECT_EQ(h.tones_of(TonePatternId::kNonCritical)[1].at, t0 + hours(1) + seconds(5));
}

TEST(AlarmManager, ASecondCriticalAlarmIsAnnouncedAtOnceAndTheToneNamesTheMostUrgent) {
  Harness h;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kPumpStopped, h.now).ok());
  h.run_for(minutes(4));
  const ImplantTime t1 = h.now;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kOcclusion, h.now).ok());
  h.run_for(seconds(1));
  ASSERT_EQ(h.tones.size(), 2U);
  EXPECT_EQ(h.tones[1].at, t1);
  EXPECT_EQ(h.tones[1].alarm, AlarmKind::kOcclusion);
  h.run_for(minutes(10));
  ASSERT_EQ(h.tones.size(), 3U);
  EXPECT_EQ(h.tones[2].at, t1 + minutes(10));
}

TEST(AlarmManager, SilencingOneCriticalAlarmLeavesAnotherSounding) {
  Harness h;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kReservoirEmpty, h.now).ok());
  ASSERT_TRUE(h.manager.raise(AlarmKind::kEndOfService, h.now).ok());
  ASSERT_TRUE(h.manager.silence(AlarmKind::kReservoirEmpty, h.now, hours(1)).ok());
  h.run_for(minutes(35));
  EXPECT_EQ(h.tones.size(), 4U);
  for (const Tone& t : h.tones) EXPECT_EQ(t.alarm, AlarmKind::kEndOfService);
}

TEST(AlarmManager, SilenceAllKeepsEachClassWithinItsBound) {
  Harness h;
  ASSERT_FALSE(h.manager.silence_all(h.now, minutes(5)).ok());  // nothing to silence
  ASSERT_TRUE(h.manager.raise(AlarmKind::kLowReservoir, h.now).ok());
  ASSERT_TRUE(h.manager.silence_all(h.now, hours(8)).ok());  // non-critical only: fine
  EXPECT_TRUE(h.manager.is_silenced(AlarmKind::kLowReservoir, h.now));
  ASSERT_TRUE(h.manager.raise(AlarmKind::kOcclusion, h.now).ok());
  const Status s = h.manager.silence_all(h.now, hours(8));  // a critical one is active now
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "duration");
  EXPECT_FALSE(h.manager.is_silenced(AlarmKind::kOcclusion, h.now));
  const ImplantTime t = h.now;
  ASSERT_TRUE(h.manager.silence_all(h.now, hours(1)).ok());
  EXPECT_TRUE(h.manager.is_silenced(AlarmKind::kOcclusion, h.now));
  EXPECT_EQ(h.sink.last(AlarmKind::kLowReservoir, AlarmAction::kSilenced)->until, t + hours(1));
  h.run_for(minutes(59));
  EXPECT_TRUE(h.tones.empty());
  h.run_for(minutes(2));
  ASSERT_EQ(h.tones.size(), 2U);  // both come back
  EXPECT_EQ(h.tones[0].pattern, TonePatternId::kCritical);
  EXPECT_EQ(h.tones[1].pattern, TonePatternId::kNonCritical);
}

TEST(AlarmManager, ClearingDuringATonesStopsTheBuzzerAndCountsOnlyWhatPlayed) {
  Harness h;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kMotorStall, h.now).ok());
  h.run_for(Duration(0));
  ASSERT_EQ(h.tones.size(), 1U);
  EXPECT_EQ(h.manager.stats().sounding, seconds(3));
  h.run_for(milliseconds(1'200));
  ASSERT_TRUE(h.manager.clear(AlarmKind::kMotorStall, h.now).ok());
  EXPECT_EQ(h.buzzer.stops, 1);
  EXPECT_EQ(h.manager.stats().sounding, milliseconds(1'200));
  // After its end, clearing does not touch the buzzer.
  ASSERT_TRUE(h.manager.raise(AlarmKind::kMotorStall, h.now).ok());
  h.run_for(seconds(10));
  ASSERT_TRUE(h.manager.clear(AlarmKind::kMotorStall, h.now).ok());
  EXPECT_EQ(h.buzzer.stops, 1);
}

TEST(AlarmManager, ToneStatsAreWhatTheBatteryAccounts) {
  Harness h;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kReservoirEmpty, h.now).ok());
  ASSERT_TRUE(h.manager.raise(AlarmKind::kElectiveReplacement, h.now).ok());
  h.run_for(hours(24) - seconds(1));
  const ToneStats& s = h.manager.stats();
  EXPECT_EQ(s.started[static_cast<std::size_t>(TonePatternId::kCritical)], 144);
  EXPECT_EQ(s.started[static_cast<std::size_t>(TonePatternId::kNonCritical)], 24);
  EXPECT_EQ(s.started[static_cast<std::size_t>(TonePatternId::kAlarmTest)], 0);
  EXPECT_EQ(s.sounding, seconds(144 * 3 + 24 * 1));
  EXPECT_EQ(s.failed, 0);
}

TEST(AlarmManager, CriticalRepeatIsConfigurableWithinBounds) {
  Harness h;
  AlarmConfig config;
  config.critical_repeat = seconds(30);
  EXPECT_FALSE(h.manager.configure(config, h.now).ok());
  config.critical_repeat = hours(2);
  Status s = h.manager.configure(config, h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "critical_repeat");
  config.critical_repeat = minutes(10);
  config.critical_max_silence = hours(2);
  s = h.manager.configure(config, h.now);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "critical_max_silence");
  EXPECT_EQ(h.manager.config(), AlarmConfig{});  // refused configurations change nothing

  ASSERT_TRUE(h.manager.raise(AlarmKind::kOcclusion, h.now).ok());
  h.run_for(seconds(1));
  config = AlarmConfig{};
  config.critical_repeat = minutes(5);
  ASSERT_TRUE(h.manager.configure(config, h.now).ok());
  h.run_for(minutes(30));
  ASSERT_EQ(h.tones.size(), 7U);
  EXPECT_EQ(h.tones[1].at - h.tones[0].at, minutes(5) + seconds(1));  // from the change
  EXPECT_EQ(h.tones[2].at - h.tones[1].at, minutes(5));

  config.critical_max_silence = minutes(15);
  ASSERT_TRUE(h.manager.configure(config, h.now).ok());
  EXPECT_FALSE(h.manager.silence(AlarmKind::kOcclusion, h.now, minutes(20)).ok());
  EXPECT_TRUE(h.manager.silence(AlarmKind::kOcclusion, h.now, minutes(15)).ok());
}

TEST(AlarmManager, AlarmTestPlaysEveryPatternOnceAndIsLogged) {
  Harness h;
  const ImplantTime t = h.now;
  ASSERT_TRUE(h.manager.start_alarm_test(h.now).ok());
  ASSERT_TRUE(h.manager.start_alarm_test(h.now).ok());  // already pending: one test
  h.run_for(days(1));
  ASSERT_EQ(h.tones.size(), 1U);
  EXPECT_EQ(h.tones[0].pattern, TonePatternId::kAlarmTest);
  EXPECT_EQ(h.tones[0].alarm, AlarmKind::kNone);
  EXPECT_EQ(h.tones[0].at, t);
  ASSERT_EQ(h.buzzer.plays.size(), 1U);
  // Every segment of every other pattern appears in it, in order.
  const auto& played = h.buzzer.plays[0];
  std::size_t at = 0;
  for (TonePatternId id : {TonePatternId::kCritical, TonePatternId::kNonCritical}) {
    for (const hal::ToneSegment& seg : tone_pattern(id).tones()) {
      while (at < played.size() && played[at].frequency_hz == 0) ++at;
      ASSERT_LT(at, played.size());
      EXPECT_EQ(played[at], seg);
      ++at;
    }
  }
  EXPECT_EQ(at, played.size());
  ASSERT_EQ(h.sink.events.size(), 1U);
  EXPECT_EQ(h.sink.events[0], (AlarmEvent{t, AlarmKind::kNone, AlarmAction::kAlarmTest, {}}));
  EXPECT_EQ(h.manager.stats().started[static_cast<std::size_t>(TonePatternId::kAlarmTest)], 1);
  EXPECT_TRUE(h.manager.active().empty());  // a test raises nothing
}

TEST(AlarmManager, AlarmTestWaitsForACriticalToneAndDoesNotDisturbItsRhythm) {
  Harness h;
  const ImplantTime t = h.now;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kReservoirEmpty, h.now).ok());
  ASSERT_TRUE(h.manager.start_alarm_test(h.now).ok());
  h.run_for(minutes(21));
  ASSERT_EQ(h.tones.size(), 4U);
  EXPECT_EQ(h.tones[0].pattern, TonePatternId::kCritical);
  EXPECT_EQ(h.tones[1].pattern, TonePatternId::kAlarmTest);
  EXPECT_EQ(h.tones[1].at, t + seconds(3) + kPatternGap);
  EXPECT_EQ(h.tones[2].at, t + minutes(10));
  EXPECT_EQ(h.tones[3].at, t + minutes(20));
}

TEST(AlarmManager, ACriticalToneDueDuringTheTestFollowsItAndKeepsItsRhythm) {
  Harness h;
  ASSERT_TRUE(h.manager.start_alarm_test(h.now).ok());
  h.run_for(seconds(1));
  const ImplantTime raised = h.now;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kMotorStall, h.now).ok());
  h.run_for(minutes(11));
  ASSERT_EQ(h.tones.size(), 3U);
  const ImplantTime test_end = h.tones[0].at + tone_pattern(TonePatternId::kAlarmTest).duration();
  EXPECT_EQ(h.tones[1].at, test_end + kPatternGap);
  EXPECT_LE(h.tones[1].at - raised, kMaxToneDelay);
  EXPECT_EQ(h.tones[2].at, raised + minutes(10));  // due times, not play times, set the rhythm
}

TEST(AlarmManager, ABusyBuzzerIsAskedAgainAndAFaultIsLogged) {
  Harness h;
  h.buzzer.busy = true;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kEndOfService, h.now).ok());
  const ImplantTime t = h.now;
  h.run_for(milliseconds(2'500));
  EXPECT_TRUE(h.tones.empty());
  EXPECT_EQ(h.buzzer.requests, 3);  // at t, t+1 s, t+2 s
  h.buzzer.busy = false;
  h.run_for(seconds(1));
  ASSERT_EQ(h.tones.size(), 1U);
  EXPECT_EQ(h.tones[0].at, t + seconds(3));
  h.buzzer.faulty = true;
  h.run_for(minutes(10));
  EXPECT_EQ(h.tones.size(), 1U);
  EXPECT_EQ(h.manager.stats().failed, 1);
  ASSERT_NE(h.sink.last(AlarmKind::kEndOfService, AlarmAction::kToneFailed), nullptr);
  EXPECT_EQ(h.sink.last(AlarmKind::kEndOfService, AlarmAction::kToneFailed)->at, t + minutes(10));
  EXPECT_EQ(h.manager.next_wake(), t + minutes(20));  // no hammering a faulty buzzer
}

TEST(AlarmManager, AWakeUpLateByHoursPlaysOneToneAndCatchesNothingUp) {
  Harness h;
  const ImplantTime t = h.now;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kOcclusion, h.now).ok());
  h.run_for(Duration(0));
  const WakeReport r = h.manager.on_wake(t + hours(5) + minutes(3));
  EXPECT_TRUE(r.started);
  EXPECT_EQ(h.manager.next_wake(), t + hours(5) + minutes(13));
  EXPECT_EQ(h.buzzer.plays.size(), 2U);
}

TEST(AlarmManager, SnapshotAndRestoreContinueExactly) {
  Harness a;
  ASSERT_TRUE(a.manager.raise(AlarmKind::kLowReservoir, a.now).ok());
  ASSERT_TRUE(a.manager.raise(AlarmKind::kMotorStall, a.now).ok());
  ASSERT_TRUE(a.manager.raise(AlarmKind::kElectiveReplacement, a.now).ok());
  ASSERT_TRUE(a.manager.acknowledge(AlarmKind::kElectiveReplacement, a.now).ok());
  ASSERT_TRUE(a.manager.arm(AlarmKind::kRefillOverdue, a.now + days(3), a.now).ok());
  a.run_for(minutes(17));
  ASSERT_TRUE(a.manager.silence(AlarmKind::kMotorStall, a.now, minutes(40)).ok());
  AlarmConfig config;
  config.critical_repeat = minutes(7);
  ASSERT_TRUE(a.manager.configure(config, a.now).ok());
  const AlarmManager::State saved = a.manager.snapshot();

  Harness b;
  b.now = a.now;
  ASSERT_TRUE(b.manager.restore(saved).ok());
  EXPECT_EQ(b.manager.snapshot(), saved);
  EXPECT_EQ(b.manager.next_wake(), a.manager.next_wake());
  EXPECT_EQ(b.manager.config(), config);
  EXPECT_EQ(b.manager.stats(), a.manager.stats());
  EXPECT_TRUE(b.manager.is_silenced(AlarmKind::kMotorStall, b.now));
  EXPECT_TRUE(b.manager.is_acknowledged(AlarmKind::kElectiveReplacement));
  EXPECT_EQ(b.manager.armed_at(AlarmKind::kRefillOverdue),
            a.manager.armed_at(AlarmKind::kRefillOverdue));

  a.tones.clear();
  a.sink.events.clear();
  a.run_for(days(4));
  b.run_for(days(4));
  ASSERT_EQ(a.tones.size(), b.tones.size());
  for (std::size_t i = 0; i < a.tones.size(); ++i) {
    EXPECT_EQ(a.tones[i].at, b.tones[i].at);
    EXPECT_EQ(a.tones[i].pattern, b.tones[i].pattern);
  }
  EXPECT_EQ(a.sink.events, b.sink.events);
  EXPECT_EQ(b.manager.snapshot(), a.manager.snapshot());
  EXPECT_TRUE(b.manager.is_active(AlarmKind::kRefillOverdue));
}

TEST(AlarmManager, RestoreRefusesAnInsaneStateAndKeepsItsOwn) {
  Harness h;
  ASSERT_TRUE(h.manager.raise(AlarmKind::kOcclusion, h.now).ok());
  const AlarmManager::State mine = h.manager.snapshot();
  AlarmManager::State bad = mine;
  bad.config.critical_max_silence = hours(5);
  EXPECT_FALSE(h.manager.restore(bad).ok());
  bad = mine;
  bad.slots[index_of(AlarmKind::kLowReservoir)].silenced = true;  // silenced but inactive
  EXPECT_FALSE(h.manager.restore(bad).ok());
  bad = mine;
  bad.playing_pattern = static_cast<TonePatternId>(9);
  EXPECT_FALSE(h.manager.restore(bad).ok());
  EXPECT_EQ(h.manager.snapshot(), mine);
}

TEST(AlarmManager, EventNamesAreStable) {
  EXPECT_STREQ(name(AlarmAction::kRaised), "raised");
  EXPECT_STREQ(name(AlarmAction::kCleared), "cleared");
  EXPECT_STREQ(name(AlarmAction::kSilenced), "silenced");
  EXPECT_STREQ(name(AlarmAction::kSilenceEnded), "silence_ended");
  EXPECT_STREQ(name(AlarmAction::kAcknowledged), "acknowledged");
  EXPECT_STREQ(name(AlarmAction::kAlarmTest), "alarm_test");
  EXPECT_STREQ(name(AlarmAction::kToneFailed), "tone_failed");
}

}  // namespace
}  // namespace itdd::alarms
