// The safety monitor's memory in flash: records replay in order per ring, bad input is refused
// and writes nothing, a remount finds everything, and the default layout keeps what it promises.
#include "itdd/storage/safety_ledger.h"

#include <gtest/gtest.h>

#include <vector>

#include "itdd/hal/fake_nvm.h"
#include "itdd/storage/layout.h"

namespace itdd::storage {
namespace {

constexpr hal::NvmGeometry kGeometry{512, 8, 8, 128};
constexpr Region kStrokes{0, 3};  // 40-byte records: 12 a sector, 24 kept
constexpr Region kWindows{3, 3};

std::vector<SafetyRecord> windows_of(SafetyLedger& ledger) {
  std::vector<SafetyRecord> out;
  EXPECT_TRUE(ledger.replay_windows([&](const SafetyRecord& r) { out.push_back(r); }).ok());
  return out;
}

std::vector<SafetyRecord> strokes_of(SafetyLedger& ledger) {
  std::vector<SafetyRecord> out;
  EXPECT_TRUE(ledger.replay_strokes([&](const SafetyRecord& r) { out.push_back(r); }).ok());
  return out;
}

TEST(SafetyLedger, ReplaysEachRingOldestFirstAfterARemount) {
  hal::FakeNvm nvm(kGeometry);
  {
    SafetyLedger ledger(nvm, kStrokes, kWindows);
    ASSERT_TRUE(ledger.mount().ok());
    ASSERT_TRUE(ledger.rate_changed(1'000, 96'000'000).ok());
    ASSERT_TRUE(ledger.strokes_seen(90'000, 1).ok());
    ASSERT_TRUE(ledger.strokes_seen(180'000, 2).ok());
    ASSERT_TRUE(ledger.bucket_closed(0, 3).ok());
    ASSERT_TRUE(ledger.rate_changed(400'000, 0).ok());
    ASSERT_TRUE(ledger.bolus_authorised(500'000, 2'300'000, 200'000).ok());
  }
  SafetyLedger again(nvm, kStrokes, kWindows);
  ASSERT_TRUE(again.mount().ok());
  const std::vector<SafetyRecord> w = windows_of(again);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].kind, SafetyRecordKind::kRate);
  EXPECT_EQ(w[0].a, 1'000);
  EXPECT_EQ(w[0].b, 96'000'000);
  EXPECT_EQ(w[1].kind, SafetyRecordKind::kBucket);
  EXPECT_EQ(w[1].b, 3);
  EXPECT_EQ(w[2].a, 400'000);
  EXPECT_EQ(w[3].kind, SafetyRecordKind::kBolus);
  EXPECT_EQ(w[3].b, 2'300'000);
  EXPECT_EQ(w[3].c, 200'000);
  const std::vector<SafetyRecord> s = strokes_of(again);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].a, 90'000);
  EXPECT_EQ(s[1].a, 180'000);
  EXPECT_EQ(s[1].b, 2);
}

TEST(SafetyLedger, RefusesBadInputAndWritesNothing) {
  hal::FakeNvm nvm(kGeometry);
  SafetyLedger ledger(nvm, kStrokes, kWindows);
  ASSERT_TRUE(ledger.mount().ok());
  EXPECT_EQ(ledger.strokes_seen(5, 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger.bucket_closed(5, -1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger.rate_changed(5, -4).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger.bolus_authorised(5, 4, 100).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(windows_of(ledger).empty());
  EXPECT_TRUE(strokes_of(ledger).empty());
}

TEST(SafetyLedger, KeepsTheNewestWhenTheRingWraps) {
  hal::FakeNvm nvm(kGeometry);
  SafetyLedger ledger(nvm, kStrokes, kWindows);
  ASSERT_TRUE(ledger.mount().ok());
  for (std::int64_t i = 1; i <= 100; ++i) ASSERT_TRUE(ledger.strokes_seen(i * 1000, 1).ok());
  const std::vector<SafetyRecord> s = strokes_of(ledger);
  ASSERT_GE(s.size(), ledger.strokes_capacity());
  EXPECT_EQ(s.back().a, 100'000);
  for (std::size_t i = 1; i < s.size(); ++i) EXPECT_EQ(s[i].a, s[i - 1].a + 1000);
}

TEST(SafetyLedger, DefaultLayoutKeepsAnHourOfStrokesAndADayOfWindows) {
  hal::FakeNvm nvm(kImplantFlash);
  SafetyLedger ledger(nvm, kDefaultLayout.safety_strokes, kDefaultLayout.safety_windows);
  ASSERT_TRUE(ledger.mount().ok());
  EXPECT_EQ(ledger.strokes_capacity(), kDefaultSafetyStrokes);
  EXPECT_GE(ledger.strokes_capacity(), 1'024u);
  EXPECT_GE(ledger.windows_capacity(), 2u * 289u);
}

}  // namespace
}  // namespace itdd::storage
