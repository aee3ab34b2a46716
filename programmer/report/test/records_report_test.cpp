#include "itdd/programmer/records_report.h"

#include <gtest/gtest.h>

#include <vector>

namespace itdd::programmer {
namespace {

constexpr std::int64_t kOffset = 1'767'571'200'000;  // implant ms 0 is 2026-01-05 00:00

itdd_LogRecord record(std::uint32_t code, std::uint32_t reason = 0, std::int64_t a = 0,
                      std::int64_t b = 0) {
  return itdd_LogRecord{42, 3'600'000, code, reason, a, b};
}

TEST(RecordsReport, EveryRangeHasNamesAndTheNumbersTheirUnits) {
  EXPECT_STREQ(log_code_name(0x0002), "priming-started");
  EXPECT_STREQ(log_code_name(0x0100), "alarm-raised");
  EXPECT_STREQ(log_code_name(0x0105), "alarm-test");
  EXPECT_STREQ(log_code_name(0x0200), "boot");
  EXPECT_STREQ(log_code_name(0x0302), "session-opened");
  EXPECT_STREQ(log_code_name(0x03FF), "link-refusals-counted");
  EXPECT_EQ(log_code_name(0x0011), nullptr);
  EXPECT_EQ(log_code_name(0x0107), nullptr);
  EXPECT_STREQ(log_code_name(0x020D), "settings-newest-lost");
  EXPECT_STREQ(log_code_name(0x020E), "settings-copy-damaged");
  EXPECT_EQ(log_code_name(0x020F), nullptr);
  EXPECT_STREQ(log_code_name(0x030E), "peer-removal-refused");
  EXPECT_EQ(log_code_name(0x030F), nullptr);
  EXPECT_EQ(log_code_name(0x0400), nullptr);

  const auto text = [](const itdd_LogRecord& r) { return describe_log_record(r, kOffset); };
  EXPECT_EQ(text(record(0x0002, 0, 450'000, 1'620'000)), "priming started: 0.450 mL over 27 min");
  EXPECT_EQ(text(record(0x0001, 0, 18'000'000, 25'000'000)), "refilled: 18.000 mL at 25.000 mg/mL");
  EXPECT_EQ(text(record(0x0001, 0, 18'000'000, 25'000)), "refilled: 18.000 mL at 25.000 mcg/mL");
  EXPECT_EQ(text(record(0x0009, 2, 7'200'000)),
            "patient bolus refused: lockout, next allowed 2026-01-05 02:00");
  EXPECT_EQ(text(record(0x0009, 1, -1)), "patient bolus refused: not-enabled");
  EXPECT_EQ(text(record(0x000D, 0, 3'600'000, 0)), "clock set: moved +1 h");
  EXPECT_EQ(text(record(0x0010, 0, 5'400'000, 3'000)),
            "resumed after a reset: gap 1 h 30 min, 0.003 mL assumed delivered");
  EXPECT_EQ(text(record(0x0102, 1, 90'000'000)),
            "alarm silenced: low-reservoir until 2026-01-06 01:00");
  EXPECT_EQ(text(record(0x0200, 0, 1, 600'000)),
            "boot: committed therapy resumed, 10 min since the last checkpoint");
  EXPECT_EQ(text(record(0x0204, 1, 2'000'000, 1'000'000)),
            "safety monitor trip (1 h window): 2.000 mL delivered, 1.000 mL allowed; therapy "
            "halted");
  // A damaged newest settings copy: the clinic reads that the older prescription was not run.
  EXPECT_EQ(text(record(0x020D, 0, 1)),
            "the newest settings copy (B) is damaged: the older prescription was not resumed; "
            "therapy stopped (safe state); refill and program again");
  EXPECT_EQ(text(record(0x020E, 0, 0, 7)),
            "the older settings copy (A) failed its check (damage or a cut write): the newest "
            "(number 7) was used and the bad copy rewritten");
  EXPECT_EQ(text(record(0x0302, 0, 3, 17)), "link: session opened, device 3, session 17");
  EXPECT_EQ(text(record(0x0301, 3, 0, 1)),
            "link: handshake refused (unknown peer), key 00000000000001");
  EXPECT_EQ(text(record(0x03FF, 0, 12)), "link: 12 refusals counted, not written one by one");
  // Unknown: raw, nothing lost.
  EXPECT_EQ(text(record(0x0456, 3, 1, 2)), "unknown code 0x0456: reason 3, a 1, b 2");
  EXPECT_EQ(text(record(0x0011, 0, 5, 6)), "unknown code 0x0011: reason 0, a 5, b 6");
}

TEST(RecordsReport, LogJsonKeepsTheRawFields) {
  const nlohmann::json j = log_record_json(record(0x0002, 0, 450'000, 1'620'000), kOffset);
  EXPECT_EQ(j["seq"], 42);
  EXPECT_EQ(j["at_implant_ms"], 3'600'000);
  EXPECT_EQ(j["at_wall"], "2026-01-05 01:00");
  EXPECT_EQ(j["code"], 2);
  EXPECT_EQ(j["code_hex"], "0x0002");
  EXPECT_EQ(j["name"], "priming-started");
  EXPECT_EQ(j["a"], 450'000);
  EXPECT_EQ(j["b"], 1'620'000);
  EXPECT_EQ(j["reason"], 0);
  EXPECT_EQ(j["text"], "priming started: 0.450 mL over 27 min");
  EXPECT_TRUE(log_record_json(record(0x0456), kOffset)["name"].is_null());
  EXPECT_EQ(format_log_record(record(0x0003), kOffset), "     42  2026-01-05 01:00  priming ended");
}

TEST(RecordsReport, HistoryHoursAndTotals) {
  const std::vector<itdd_HourRecord> hours = {{0, 40'000, 40}, {1, 41'000, 41}, {3, 9'000, 9}};
  const std::string text = format_history(hours, kOffset);
  EXPECT_NE(text.find("2026-01-05 00:00      0.040 mL        40"), std::string::npos) << text;
  EXPECT_NE(text.find("2026-01-05 03:00      0.009 mL         9"), std::string::npos) << text;
  EXPECT_NE(text.find("total: 3 recorded hours, 0.090 mL, 90 strokes"), std::string::npos) << text;
  const nlohmann::json j = history_json(hours, kOffset);
  ASSERT_EQ(j["hours"].size(), 3u);
  EXPECT_EQ(j["hours"][2]["hour_index"], 3);
  EXPECT_EQ(j["hours"][2]["start_wall"], "2026-01-05 03:00");
  EXPECT_EQ(j["hours"][1]["volume_nl"], 41'000);
  EXPECT_DOUBLE_EQ(j["hours"][1]["volume_ml"].get<double>(), 0.041);
  EXPECT_EQ(j["hours"][0]["strokes"], 40);
  EXPECT_EQ(j["total"]["volume_nl"], 90'000);
  EXPECT_EQ(j["total"]["strokes"], 90);
  EXPECT_EQ(j["total"]["hours"], 3);
  EXPECT_NE(format_history({}, kOffset).find("total: 0 recorded hours, 0.000 mL, 0 strokes"),
            std::string::npos);
}

}  // namespace
}  // namespace itdd::programmer
