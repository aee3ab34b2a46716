// data/alarm-tones.json and the table the firmware compiles in say the same thing.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "itdd/alarms/alarm_kind.h"
#include "itdd/alarms/alarm_manager.h"
#include "itdd/alarms/tone_patterns.h"

namespace itdd::alarms {
namespace {

nlohmann::json load() {
  std::ifstream in(std::string(ITDD_SOURCE_DIR) + "/data/alarm-tones.json");
  EXPECT_TRUE(in.good()) << "cannot open data/alarm-tones.json";
  return nlohmann::json::parse(in);
}

TEST(ToneData, PatternsMatchTheCompiledTable) {
  const nlohmann::json data = load();
  const nlohmann::json& patterns = data.at("patterns");
  ASSERT_EQ(patterns.size(), kTonePatternCount);
  for (const TonePattern& p : kTonePatterns) {
    SCOPED_TRACE(p.name);
    ASSERT_TRUE(patterns.contains(p.name));
    const nlohmann::json& j = patterns.at(p.name);
    if (p.repeat.count() == 0) {
      EXPECT_TRUE(j.at("repeat_minutes").is_null());
    } else {
      EXPECT_EQ(j.at("repeat_minutes").get<std::int64_t>() * kMillisPerMinute, p.repeat.count());
    }
    const nlohmann::json& segs = j.at("segments");
    ASSERT_EQ(segs.size(), p.segment_count);
    for (std::size_t i = 0; i < p.segment_count; ++i) {
      EXPECT_EQ(segs[i].at("hz").get<int>(), p.segments[i].frequency_hz) << "segment " << i;
      EXPECT_EQ(segs[i].at("ms").get<int>(), p.segments[i].duration_ms) << "segment " << i;
    }
  }
}

TEST(ToneData, SilenceBoundsMatchTheDefaults) {
  const nlohmann::json data = load();
  const AlarmConfig defaults;
  EXPECT_EQ(data.at("silence_max_minutes").at("critical").get<std::int64_t>() * kMillisPerMinute,
            defaults.critical_max_silence.count());
  EXPECT_EQ(
      data.at("silence_max_minutes").at("non_critical").get<std::int64_t>() * kMillisPerMinute,
      defaults.non_critical_max_silence.count());
}

TEST(ToneData, AlarmsMatchTheCompiledTable) {
  const nlohmann::json data = load();
  const nlohmann::json& list = data.at("alarms");
  ASSERT_EQ(list.size(), kAlarmKindCount);
  for (std::size_t i = 0; i < kAlarmKindCount; ++i) {
    const AlarmInfo& row = kAlarmTable[i];
    SCOPED_TRACE(row.name);
    EXPECT_EQ(list[i].at("code").get<int>(), row.code);
    EXPECT_EQ(list[i].at("name").get<std::string>(), row.name);
    EXPECT_EQ(list[i].at("class").get<std::string>(), name(row.alarm_class));
  }
}

}  // namespace
}  // namespace itdd::alarms
