#include "itdd/programmer/paired_devices.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "itdd/programmer/key_files.h"

namespace itdd::programmer {
namespace {

link::PublicKey key_of(std::uint8_t b) {
  link::PublicKey k{};
  k.fill(b);
  return k;
}

void add(protocol::Response& r, std::uint32_t number, itdd_Role role, const link::PublicKey& key,
         std::int64_t paired, std::optional<std::int64_t> seen) {
  itdd_PairedDevice& d = r.payload.paired_devices.devices[r.payload.paired_devices.devices_count++];
  d.device_id.size = static_cast<pb_size_t>(key.size());
  std::copy(key.begin(), key.end(), d.device_id.bytes);
  d.role = role;
  d.peer_id = number;
  d.paired_at_wall_ms = paired;
  d.seen = seen.has_value();
  d.last_seen_wall_ms = seen.value_or(0);
}

// 2026-12-07 09:00 and 10:15, local wall ms.
constexpr std::int64_t kPaired = 20'794LL * 86'400'000 + 9 * 3'600'000;
constexpr std::int64_t kSeen = kPaired + 75 * 60'000;

protocol::Response two_devices() {
  protocol::Response r{};
  r.result = itdd_ResultCode_RESULT_OK;
  r.which_payload = itdd_Response_paired_devices_tag;
  add(r, 1, itdd_Role_ROLE_CLINICIAN, key_of(0x11), kPaired, kSeen);
  add(r, 2, itdd_Role_ROLE_PATIENT, key_of(0x22), kPaired, std::nullopt);
  return r;
}

TEST(PairedDevices, TheListReadsEveryDeviceAndWhenItWasLastSeen) {
  const Result<std::vector<PairedDevice>> list = paired_devices_from(two_devices());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].number, 1u);
  EXPECT_EQ((*list)[0].role, itdd_Role_ROLE_CLINICIAN);
  EXPECT_EQ((*list)[0].last_seen_wall_ms, kSeen);
  EXPECT_FALSE((*list)[1].last_seen_wall_ms.has_value());

  const std::string text = format_devices(list.value(), key_of(0x11));
  EXPECT_NE(text.find("     1  clinician  2026-12-07 09:00  2026-12-07 10:15   " +
                      to_hex(key_of(0x11)) + "  (this device)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("     2  patient    2026-12-07 09:00  no session logged  " +
                      to_hex(key_of(0x22)) + "\n"),
            std::string::npos)
      << text;
  const nlohmann::json j = devices_json(list.value(), key_of(0x11));
  EXPECT_EQ(j[0]["last_seen"], "2026-12-07 10:15");
  EXPECT_EQ(j[0]["this_device"], true);
  EXPECT_TRUE(j[1]["last_seen"].is_null());
  EXPECT_EQ(j[1]["role"], "patient");
  EXPECT_EQ(describe_device((*list)[1]),
            "device 2 (patient, key " + to_hex(key_of(0x22)) +
                ", paired 2026-12-07 09:00, last seen no session logged)");
  EXPECT_EQ(format_devices({}, key_of(1)), "no paired devices\n");
}

TEST(PairedDevices, AnAnswerThatIsNotAListIsRefused) {
  protocol::Response refused{};
  refused.result = itdd_ResultCode_RESULT_NOT_AUTHORISED;
  EXPECT_STREQ(paired_devices_from(refused).error().field, "answer");
  protocol::Response short_key = two_devices();
  short_key.payload.paired_devices.devices[1].device_id.size = 31;
  EXPECT_STREQ(paired_devices_from(short_key).error().field, "device_id");
}

TEST(PairedDevices, ADeviceIsNamedByItsNumberOrItsKey) {
  const std::vector<PairedDevice> list = paired_devices_from(two_devices()).value();
  const Result<DeviceChoice> by_number = parse_device_choice("2");
  ASSERT_TRUE(by_number.ok());
  ASSERT_NE(find_device(list, by_number.value()), nullptr);
  EXPECT_EQ(find_device(list, by_number.value())->key, key_of(0x22));
  const Result<DeviceChoice> by_key = parse_device_choice(to_hex(key_of(0x11)));
  ASSERT_TRUE(by_key.ok());
  EXPECT_EQ(find_device(list, by_key.value())->number, 1u);
  EXPECT_EQ(find_device(list, parse_device_choice("3").value()), nullptr);
  for (const char* bad : {"", "0", "-1", "two", "2x", "99999999999"}) {
    EXPECT_STREQ(parse_device_choice(bad).error().field, "device") << bad;
  }
}

TEST(PairedDevices, TheListReadBackDecidesWhetherARevocationHappened) {
  const std::vector<PairedDevice> before = paired_devices_from(two_devices()).value();
  std::vector<PairedDevice> after = before;
  after.erase(after.begin() + 1);
  EXPECT_EQ(judge_revocation(after, key_of(0x22)), Revocation::kRevoked);
  EXPECT_EQ(judge_revocation(before, key_of(0x22)), Revocation::kStillPaired);
  const Result<std::vector<PairedDevice>> unread =
      make_error(ErrorCode::kRefused, "transport", "no answer");
  EXPECT_EQ(judge_revocation(unread, key_of(0x22)), Revocation::kUnknown);
}

}  // namespace
}  // namespace itdd::programmer
