// Delivery per hour: rising hours only, range reads, at least 90 days in the default layout,
// survives remounts.
#include "itdd/storage/delivery_history.h"

#include <gtest/gtest.h>

#include <vector>

#include "itdd/hal/fake_nvm.h"
#include "itdd/storage/layout.h"

namespace itdd::storage {
namespace {

constexpr hal::NvmGeometry kGeometry{512, 8, 8, 128};
constexpr Region kHistory{0, 3};  // 32-byte records: 16 a sector, 32 kept

HourRecord hour(std::int64_t h) {
  return HourRecord{h, Volume(h * 417 + 3), h % 60};
}

TEST(DeliveryHistory, RecordsAndReadsRanges) {
  hal::FakeNvm nvm(kGeometry);
  DeliveryHistory history(nvm, kHistory);
  ASSERT_TRUE(history.mount().ok());
  EXPECT_EQ(history.newest_hour(), -1);
  for (std::int64_t h = 100; h < 120; ++h) {
    if (h == 105) continue;  // a gap: nothing recorded for that hour
    ASSERT_TRUE(history.record(h, hour(h).volume, hour(h).strokes).ok());
  }
  EXPECT_EQ(history.newest_hour(), 119);
  std::vector<HourRecord> out(10);
  auto n = history.read_hours(103, 108, out);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n.value(), 5u);
  EXPECT_EQ(out[0], hour(103));
  EXPECT_EQ(out[1], hour(104));
  EXPECT_EQ(out[2], hour(106));
  EXPECT_EQ(out[4], hour(108));
  EXPECT_EQ(history.read_hours(0, 99, out).value(), 0u);
  EXPECT_EQ(history.read_hours(120, 200, out).value(), 0u);
  EXPECT_EQ(history.read_hours(110, 100, out).value(), 0u);
  ASSERT_EQ(history.read_hours(0, 1000, std::span(out).first(3)).value(), 3u);
  EXPECT_EQ(out[2], hour(102));
}

TEST(DeliveryHistory, RefusesHoursOutOfOrderAndNegativeValues) {
  hal::FakeNvm nvm(kGeometry);
  DeliveryHistory history(nvm, kHistory);
  EXPECT_FALSE(history.record(1, Volume(1), 1).ok());  // not mounted
  ASSERT_TRUE(history.mount().ok());
  ASSERT_TRUE(history.record(10, Volume(5), 1).ok());
  EXPECT_EQ(history.record(10, Volume(5), 1).error().code, ErrorCode::kRefused);
  EXPECT_EQ(history.record(9, Volume(5), 1).error().code, ErrorCode::kRefused);
  EXPECT_EQ(history.record(11, Volume(-1), 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(history.record(11, Volume(1), -1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(history.record(-1, Volume(1), 1).error().code, ErrorCode::kInvalidArgument);
  // Remounting keeps the order rule.
  DeliveryHistory again(nvm, kHistory);
  ASSERT_TRUE(again.mount().ok());
  EXPECT_EQ(again.newest_hour(), 10);
  EXPECT_FALSE(again.record(10, Volume(5), 1).ok());
  EXPECT_TRUE(again.record(11, Volume(5), 1).ok());
}

TEST(DeliveryHistory, DefaultLayoutKeepsNinetyDays) {
  hal::FakeNvm nvm(kImplantFlash);
  DeliveryHistory history(nvm, kDefaultLayout.delivery_history);
  EXPECT_EQ(history.capacity_hours(), kDefaultHistoryHours);
  EXPECT_GE(history.capacity_hours(), 90u * 24u);
  ASSERT_TRUE(history.mount().ok());
  const std::int64_t hours = 24 * 200;  // 200 days: wraps twice
  for (std::int64_t h = 0; h < hours; ++h) {
    ASSERT_TRUE(history.record(h, hour(h).volume, hour(h).strokes).ok());
  }
  DeliveryHistory again(nvm, kDefaultLayout.delivery_history);
  ASSERT_TRUE(again.mount().ok());
  std::vector<HourRecord> out(kDefaultHistoryHours + 200);
  const std::int64_t first = hours - kDefaultHistoryHours;
  auto n = again.read_hours(first, hours - 1, out);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n.value(), kDefaultHistoryHours);
  for (std::size_t i = 0; i < n.value(); ++i) {
    ASSERT_EQ(out[i], hour(first + static_cast<std::int64_t>(i)));
  }
}

TEST(DeliveryHistory, CorruptHourIsLeftOut) {
  hal::FakeNvm nvm(kGeometry);
  DeliveryHistory history(nvm, kHistory);
  ASSERT_TRUE(history.mount().ok());
  for (std::int64_t h = 0; h < 10; ++h) ASSERT_TRUE(history.record(h, Volume(h), h).ok());
  nvm.flip_bit(4 * 32 + 12, 4);  // hour 4's volume
  DeliveryHistory again(nvm, kHistory);
  auto m = again.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->invalid_slots, 1u);
  EXPECT_EQ(m->missing_seqs, 1u);
  std::vector<HourRecord> out(20);
  auto n = again.read_hours(0, 9, out);
  ASSERT_EQ(n.value(), 9u);
  EXPECT_EQ(out[3].hour_index, 3);
  EXPECT_EQ(out[4].hour_index, 5);
  EXPECT_EQ(out[4].volume, Volume(5));
}

}  // namespace
}  // namespace itdd::storage
