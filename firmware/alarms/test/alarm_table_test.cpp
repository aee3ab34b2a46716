// The alarm vocabulary and the tone table: classes as docs/intrathecal-facts.md (Alarms) has
// them, stable codes and names, patterns as specified.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "itdd/alarms/alarm_kind.h"
#include "itdd/alarms/tone_patterns.h"

namespace itdd::alarms {
namespace {

// Written out independently of the table: the codes are a contract with logs and programmers.
struct Expected {
  AlarmKind kind;
  int code;
  AlarmClass alarm_class;
  const char* name;
};
constexpr AlarmClass C = AlarmClass::kCritical;
constexpr AlarmClass N = AlarmClass::kNonCritical;
const Expected kExpected[] = {
    {AlarmKind::kLowReservoir, 1, N, "low_reservoir"},                        // facts: non-critical
    {AlarmKind::kReservoirEmpty, 2, C, "reservoir_empty"},                    // facts: critical
    {AlarmKind::kElectiveReplacement, 3, N, "elective_replacement"},          // facts: non-critical
    {AlarmKind::kEndOfService, 4, C, "end_of_service"},                       // facts: critical
    {AlarmKind::kMotorStall, 5, C, "motor_stall"},                            // facts: critical
    {AlarmKind::kOcclusion, 6, C, "occlusion"},                               // drug not flowing
    {AlarmKind::kCriticalMemoryError, 7, C, "critical_memory_error"},         // facts: critical
    {AlarmKind::kNonCriticalMemoryError, 8, N, "non_critical_memory_error"},  // facts
    {AlarmKind::kClockLost, 9, N, "clock_lost"},                              // docs/alarms.md
    {AlarmKind::kSafetyMonitorTrip, 10, C, "safety_monitor_trip"},            // motor stopped
    {AlarmKind::kLowBatteryReset, 11, C, "low_battery_reset"},                // facts: critical
    {AlarmKind::kPumpStopped, 12, C, "pump_stopped"},                         // drug not flowing
    {AlarmKind::kRefillOverdue, 13, N, "refill_overdue"},                     // docs/alarms.md
    {AlarmKind::kDrugExpired, 14, N, "drug_expired"},                         // docs/alarms.md
};

TEST(AlarmTable, EveryKindHasItsCodeClassAndName) {
  ASSERT_EQ(std::size(kExpected), kAlarmKindCount);
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(e.name);
    EXPECT_TRUE(is_valid(e.kind));
    EXPECT_EQ(code(e.kind), e.code);
    EXPECT_EQ(info(e.kind).code, e.code);
    EXPECT_EQ(alarm_class(e.kind), e.alarm_class);
    EXPECT_STREQ(name(e.kind), e.name);
    EXPECT_EQ(alarm_from_code(static_cast<std::uint8_t>(e.code)), e.kind);
  }
}

TEST(AlarmTable, NamesAndPrioritiesAreUnique) {
  std::set<std::string> names;
  std::set<int> priorities;
  for (const AlarmInfo& row : kAlarmTable) {
    names.insert(row.name);
    priorities.insert(row.priority);
  }
  EXPECT_EQ(names.size(), kAlarmKindCount);
  EXPECT_EQ(priorities.size(), kAlarmKindCount);
}

TEST(AlarmTable, EveryCriticalAlarmOutranksEveryNonCriticalOne) {
  for (const AlarmInfo& c : kAlarmTable) {
    for (const AlarmInfo& n : kAlarmTable) {
      if (c.alarm_class == AlarmClass::kCritical && n.alarm_class == AlarmClass::kNonCritical) {
        EXPECT_TRUE(more_urgent(c.kind, n.kind)) << c.name << " vs " << n.name;
      }
    }
  }
}

TEST(AlarmTable, UnknownCodesAreNotAlarms) {
  EXPECT_FALSE(is_valid(AlarmKind::kNone));
  EXPECT_FALSE(is_valid(static_cast<AlarmKind>(15)));
  EXPECT_FALSE(is_valid(static_cast<AlarmKind>(255)));
  EXPECT_EQ(alarm_from_code(0), AlarmKind::kNone);
  EXPECT_EQ(alarm_from_code(15), AlarmKind::kNone);
  EXPECT_STREQ(name(static_cast<AlarmKind>(200)), "none");
  EXPECT_EQ(info(static_cast<AlarmKind>(200)).code, 0);
}

TEST(TonePatterns, CriticalIsAboutThreeSecondsOfTwoTones) {
  const TonePattern& p = tone_pattern(TonePatternId::kCritical);
  EXPECT_STREQ(p.name, "critical");
  EXPECT_EQ(p.duration(), seconds(3));
  std::set<int> frequencies;
  for (const hal::ToneSegment& s : p.tones()) frequencies.insert(s.frequency_hz);
  EXPECT_EQ(frequencies.size(), 2U);
  EXPECT_EQ(frequencies.count(0), 0U);
  EXPECT_EQ(p.repeat, minutes(10));
}

TEST(TonePatterns, NonCriticalIsOneSecondOfOneToneHourly) {
  const TonePattern& p = tone_pattern(TonePatternId::kNonCritical);
  EXPECT_STREQ(p.name, "non-critical");
  ASSERT_EQ(p.segment_count, 1);
  EXPECT_EQ(p.duration(), seconds(1));
  EXPECT_NE(p.segments[0].frequency_hz, 0);
  EXPECT_EQ(p.repeat, hours(1));
}

TEST(TonePatterns, AlarmTestPlaysEveryToneOnce) {
  const TonePattern& test = tone_pattern(TonePatternId::kAlarmTest);
  const TonePattern& critical = tone_pattern(TonePatternId::kCritical);
  const TonePattern& single = tone_pattern(TonePatternId::kNonCritical);
  EXPECT_EQ(test.repeat, Duration(0));
  EXPECT_EQ(test.sounding(), critical.sounding() + single.sounding());
  EXPECT_GT(test.duration(), test.sounding());  // a pause between the two
  for (std::size_t i = 0; i < critical.segment_count; ++i) {
    EXPECT_EQ(test.segments[i], critical.segments[i]);
  }
  EXPECT_EQ(test.segments[test.segment_count - 1], single.segments[0]);
}

TEST(TonePatterns, SoundingTimeLeavesOutPausesAndCountsPartialPlay) {
  const TonePattern& test = tone_pattern(TonePatternId::kAlarmTest);
  EXPECT_EQ(test.sounding_within(Duration(0)), Duration(0));
  EXPECT_EQ(test.sounding_within(milliseconds(750)), milliseconds(750));
  EXPECT_EQ(test.sounding_within(milliseconds(3'250)), seconds(3));  // inside the pause
  EXPECT_EQ(test.sounding_within(milliseconds(3'750)), milliseconds(3'250));
  EXPECT_EQ(test.sounding_within(hours(1)), seconds(4));
}

TEST(TonePatterns, EachClassHasItsPattern) {
  EXPECT_EQ(pattern_for(AlarmClass::kCritical), TonePatternId::kCritical);
  EXPECT_EQ(pattern_for(AlarmClass::kNonCritical), TonePatternId::kNonCritical);
}

}  // namespace
}  // namespace itdd::alarms
