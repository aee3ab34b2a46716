#include "itdd/programmer/uploads.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace itdd::programmer {
namespace {

using Json = nlohmann::json;

const std::string kKey(64, 'a');

// As `itdd programmer log --out` writes it (apps/itdd/programmer.cpp, report's log_record_json).
Json event_log() {
  return Json::parse(R"({"format": "itdd-event-log", "version": 1,
    "implant_key": ")" +
                     kKey + R"(",
    "read_at": {"wall": "2025-03-01 10:00", "wall_ms": 1, "implant_ms": 2},
    "wall_offset_ms": 3600000, "from_seq": 0, "newest_seq": 2,
    "records": [
      {"seq": 1, "at_implant_ms": 1000, "at_wall": "2025-03-01 09:00", "code": 257,
       "code_hex": "0x0101", "name": "boot", "reason": 0, "a": -5, "b": 7, "text": "boot"},
      {"seq": 2, "at_implant_ms": 2000, "at_wall": "2025-03-01 09:01", "code": 4294967295,
       "code_hex": "0xffffffff", "name": null, "reason": 3, "a": 0, "b": 0, "text": "?"}]})");
}

Json delivery_history() {
  return Json::parse(R"({"format": "itdd-delivery-history", "version": 1, "implant_key": "",
    "read_at": {"wall": "2025-03-01 10:00", "wall_ms": 1, "implant_ms": 2},
    "wall_offset_ms": 0, "from_hour": 0, "newest_hour": 1,
    "hours": [{"hour_index": 0, "start_wall": "x", "volume_nl": 4000, "volume_ml": 0.004,
               "strokes": 4},
              {"hour_index": 1, "start_wall": "y", "volume_nl": 3000, "volume_ml": 0.003,
               "strokes": 3}],
    "total": {"hours": 2, "volume_nl": 7000, "volume_ml": 0.007, "strokes": 7}})");
}

std::string refusal(const Json& doc) {
  const host::Checked<DownloadedRecords> r = downloaded_records_from_text(doc.dump());
  return r.ok() ? "accepted" : r.error().text();
}

TEST(Uploads, BothFormatsAsItddWritesThem) {
  const host::Checked<DownloadedRecords> log = downloaded_records_from_text(event_log().dump());
  ASSERT_TRUE(log.ok()) << log.error().text();
  EXPECT_EQ(log->kind, DownloadedRecords::Kind::kEventLog);
  EXPECT_EQ(log->implant_key, kKey);
  ASSERT_EQ(log->records.size(), 2u);
  EXPECT_EQ(log->records[0].code, 257u);
  EXPECT_EQ(log->records[0].a, -5);
  EXPECT_EQ(log->records[1].code, 4294967295u);
  const host::Checked<DownloadedRecords> history =
      downloaded_records_from_text(delivery_history().dump());
  ASSERT_TRUE(history.ok()) << history.error().text();
  EXPECT_EQ(history->kind, DownloadedRecords::Kind::kDeliveryHistory);
  ASSERT_EQ(history->hours.size(), 2u);
  EXPECT_EQ(history->hours[1].volume, Volume(3000));
  EXPECT_EQ(history->hours[1].strokes, 3);
}

TEST(Uploads, EachProblemNamesItsField) {
  Json d = event_log();
  d["format"] = "itdd-pump-models";
  EXPECT_NE(refusal(d).find("format: must be \"itdd-event-log\" or \"itdd-delivery-history\""),
            std::string::npos);
  d = event_log();
  d["records"][1]["seq"] = -1;
  EXPECT_EQ(refusal(d), "records[1].seq: must be a whole number from 0 to 4294967295");
  d = event_log();
  d["records"][0]["code"] = 4294967296;
  EXPECT_EQ(refusal(d), "records[0].code: must be a whole number from 0 to 4294967295");
  d = event_log();
  d["records"][0]["at_implant_ms"] = 1.5;
  EXPECT_EQ(refusal(d), "records[0].at_implant_ms: 1.5: must be a whole number");
  d = event_log();
  d["records"][0]["a"] = "5";
  EXPECT_EQ(refusal(d), "records[0].a: must be a number, not a string");
  d = event_log();
  d["records"][0].erase("b");
  EXPECT_EQ(refusal(d), "records[0].b: is missing");
  d = event_log();
  d["records"][0]["bb"] = 1;
  EXPECT_NE(refusal(d).find("records[0].bb: unknown key"), std::string::npos);
  d = event_log();
  d["implant_key"] = "abc";
  EXPECT_EQ(refusal(d), "implant_key: must be the implant's public key, 64 hexadecimal digits");
  d = event_log();
  d["version"] = 2;
  EXPECT_EQ(refusal(d), "version: must be 1 (the version this itdd reads)");
  d = delivery_history();
  d["hours"][0]["volume_nl"] = -3;
  EXPECT_EQ(refusal(d), "hours[0].volume_nl: must be a whole number from 0 to 9223372036854775807");
  d = delivery_history();
  d["hours"] = Json::object();
  EXPECT_EQ(refusal(d), "hours: must be an array [...], not an object");
  EXPECT_EQ(refusal(Json::array()), "must be an object {...}, not an array");
}

TEST(Uploads, ANumberBeyondADoubleIsRefusedNotThrown) {
  std::string text = event_log().dump();
  const std::string a = "\"a\":-5";
  const std::size_t at = text.find(a);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, a.size(), "\"a\":7757E877777777778");
  const host::Checked<DownloadedRecords> r = downloaded_records_from_text(text);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(": the number 7757E877777777778 is too large"),
            std::string::npos)
      << r.error().text();
  const host::Checked<DownloadedRecords> missing = read_downloaded_records("/no/such/log.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().text(), "cannot open the file");
}

}  // namespace
}  // namespace itdd::programmer
