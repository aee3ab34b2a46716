// The safety monitor's memory in flash: records replay in order per ring, packs of stroke times
// read back with a forward cursor, bad input is refused and writes nothing, a remount finds
// everything, and the default layout keeps what it promises.
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
constexpr Region kDay{6, 2};  // 48-byte records: 10 a sector, 10 kept

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
    SafetyLedger ledger(nvm, kStrokes, kWindows, kDay);
    ASSERT_TRUE(ledger.mount().ok());
    ASSERT_TRUE(ledger.rate_changed(1'000, 96'000'000).ok());
    ASSERT_TRUE(ledger.strokes_seen(90'000, 1, 0).ok());
    ASSERT_TRUE(ledger.strokes_seen(180'000, 2, 1).ok());
    ASSERT_TRUE(ledger.rate_changed(400'000, 0).ok());
    ASSERT_TRUE(ledger.bolus_authorised(500'000, 2'300'000, 200'000).ok());
  }
  SafetyLedger again(nvm, kStrokes, kWindows, kDay);
  ASSERT_TRUE(again.mount().ok());
  const std::vector<SafetyRecord> w = windows_of(again);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].kind, SafetyRecordKind::kRate);
  EXPECT_EQ(w[0].a, 1'000);
  EXPECT_EQ(w[0].b, 96'000'000);
  EXPECT_EQ(w[1].a, 400'000);
  EXPECT_EQ(w[2].kind, SafetyRecordKind::kBolus);
  EXPECT_EQ(w[2].b, 2'300'000);
  EXPECT_EQ(w[2].c, 200'000);
  const std::vector<SafetyRecord> s = strokes_of(again);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].a, 90'000);
  EXPECT_EQ(s[1].a, 180'000);
  EXPECT_EQ(s[1].b, 2);
  EXPECT_EQ(s[1].c, 1);  // the number of its first stroke
}

StrokePackRecord pack(std::uint32_t first, std::int64_t ms, std::size_t gaps) {
  StrokePackRecord p;
  p.first_index = first;
  p.first_ms = ms;
  p.gaps.fill(StrokePackRecord::kNoStroke);
  p.base_gap_ms = 50'000;
  for (std::size_t i = 0; i < gaps; ++i) p.gaps[i] = static_cast<std::uint16_t>(3'600 + i);
  return p;
}

TEST(SafetyLedger, PacksOfStrokeTimesReadBackInOrderWithACursor) {
  hal::FakeNvm nvm(kGeometry);
  {
    SafetyLedger ledger(nvm, kStrokes, kWindows, kDay);
    ASSERT_TRUE(ledger.mount().ok());
    ASSERT_TRUE(ledger.strokes_packed(pack(0, 1'000, 12)).ok());
    ASSERT_TRUE(ledger.strokes_packed(pack(13, 80'000, 0)).ok());
    ASSERT_TRUE(ledger.strokes_packed(pack(14, 4'000'000'000'000, 3)).ok());
  }
  SafetyLedger again(nvm, kStrokes, kWindows, kDay);
  ASSERT_TRUE(again.mount().ok());
  RingCursor cursor;
  StrokePackRecord got;
  std::vector<StrokePackRecord> read;
  for (int i = 0; i < 5; ++i) {
    const Result<bool> next = again.read_pack(cursor, &got);
    ASSERT_TRUE(next.ok());
    if (!*next) break;
    read.push_back(got);
  }
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read[0].first_ms, 1'000);
  EXPECT_EQ(read[0].gaps[11], 3'611);
  EXPECT_EQ(read[0].base_gap_ms, 50'000u);
  EXPECT_EQ(read[1].first_index, 13u);
  EXPECT_EQ(read[1].gaps[0], StrokePackRecord::kNoStroke);
  EXPECT_EQ(read[2].first_ms, 4'000'000'000'000);
  EXPECT_EQ(read[2].gaps[2], 3'602);
  EXPECT_EQ(read[2].gaps[3], StrokePackRecord::kNoStroke);
  // A pack written after the cursor reached the newest is the next one read.
  ASSERT_TRUE(again.strokes_packed(pack(20, 5'000'000'000'000, 1)).ok());
  const Result<bool> next = again.read_pack(cursor, &got);
  ASSERT_TRUE(next.ok() && *next);
  EXPECT_EQ(got.first_index, 20u);
  std::vector<std::uint32_t> replayed;
  ASSERT_TRUE(
      again.replay_packs([&](const StrokePackRecord& p) { replayed.push_back(p.first_index); })
          .ok());
  EXPECT_EQ(replayed, (std::vector<std::uint32_t>{0, 13, 14, 20}));
}

TEST(SafetyLedger, ACursorOverwrittenByTheWriterSkipsAheadNeverBack) {
  hal::FakeNvm nvm(kGeometry);
  SafetyLedger ledger(nvm, kStrokes, kWindows, kDay);
  ASSERT_TRUE(ledger.mount().ok());
  ASSERT_TRUE(ledger.strokes_packed(pack(0, 0, 0)).ok());
  RingCursor cursor;
  StrokePackRecord got;
  ASSERT_TRUE(*ledger.read_pack(cursor, &got));
  EXPECT_EQ(got.first_index, 0u);
  // Two sectors' worth more: the ring wraps past the cursor.
  for (std::uint32_t i = 1; i <= 25; ++i) {
    ASSERT_TRUE(ledger.strokes_packed(pack(i, i * 1000, 0)).ok());
  }
  ASSERT_TRUE(*ledger.read_pack(cursor, &got));
  EXPECT_GT(got.first_index, 1u);  // what was overwritten is gone, never read twice
  std::uint32_t last = got.first_index;
  for (int i = 0; i < 30; ++i) {
    const Result<bool> next = ledger.read_pack(cursor, &got);
    ASSERT_TRUE(next.ok());
    if (!*next) break;
    EXPECT_GT(got.first_index, last);
    last = got.first_index;
  }
  EXPECT_EQ(last, 25u);
}

TEST(SafetyLedger, RefusesBadInputAndWritesNothing) {
  hal::FakeNvm nvm(kGeometry);
  SafetyLedger ledger(nvm, kStrokes, kWindows, kDay);
  ASSERT_TRUE(ledger.mount().ok());
  EXPECT_EQ(ledger.strokes_seen(5, 0, 0).error().code, ErrorCode::kInvalidArgument);
  StrokePackRecord bad = pack(0, 5, 2);
  bad.gaps[5] = 7;  // a gap after the end marker
  EXPECT_EQ(ledger.strokes_packed(bad).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger.rate_changed(5, -4).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ledger.bolus_authorised(5, 4, 100).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(windows_of(ledger).empty());
  EXPECT_TRUE(strokes_of(ledger).empty());
  RingCursor cursor;
  StrokePackRecord got;
  EXPECT_FALSE(*ledger.read_pack(cursor, &got));
}

TEST(SafetyLedger, KeepsTheNewestWhenTheRingWraps) {
  hal::FakeNvm nvm(kGeometry);
  SafetyLedger ledger(nvm, kStrokes, kWindows, kDay);
  ASSERT_TRUE(ledger.mount().ok());
  for (std::int64_t i = 1; i <= 100; ++i)
    ASSERT_TRUE(ledger.strokes_seen(i * 1000, 1, static_cast<std::uint32_t>(i)).ok());
  const std::vector<SafetyRecord> s = strokes_of(ledger);
  ASSERT_GE(s.size(), ledger.strokes_capacity());
  EXPECT_EQ(s.back().a, 100'000);
  for (std::size_t i = 1; i < s.size(); ++i) EXPECT_EQ(s[i].a, s[i - 1].a + 1000);
}

TEST(SafetyLedger, DefaultLayoutKeepsAnHourOfStrokesAndADayOfWindowsAndPacks) {
  hal::FakeNvm nvm(kImplantFlash);
  SafetyLedger ledger(nvm, kDefaultLayout.safety_strokes, kDefaultLayout.safety_windows,
                      kDefaultLayout.safety_day);
  ASSERT_TRUE(ledger.mount().ok());
  EXPECT_EQ(ledger.strokes_capacity(), kDefaultSafetyStrokes);
  EXPECT_GE(ledger.strokes_capacity(), 1'024u);
  EXPECT_GE(ledger.windows_capacity(), 2u * 289u);
  // A day at the reference pump's hard limit, 1,001 strokes an hour, in packs of 13.
  EXPECT_EQ(ledger.day_capacity(), kDefaultSafetyPacks);
  EXPECT_EQ(ledger.day_capacity(), 2'125u);
  EXPECT_GE(ledger.day_capacity(), (24u * 1'001u + 12u) / 13u);
  EXPECT_EQ(ledger.day_slots(), 2'210u);
}

TEST(SafetyLedger, AWrappedDayRingHoldsUpToEverySlotAndACursorReadsThemAll) {
  // The implant's lookup of the day window's start reads from the oldest pack after a reset:
  // it must be bounded by the slots, not the capacity (2,125), or it stops short of a pack a
  // day back once the ring holds more than it always keeps (a false trip at low rates).
  hal::FakeNvm nvm(kImplantFlash);
  SafetyLedger ledger(nvm, kDefaultLayout.safety_strokes, kDefaultLayout.safety_windows,
                      kDefaultLayout.safety_day);
  ASSERT_TRUE(ledger.mount().ok());
  // A sector (85 packs) past one full turn: the first sector rewritten, the second not yet.
  const std::uint32_t written = ledger.day_slots() + 85;
  for (std::uint32_t i = 0; i < written; ++i) {
    ASSERT_TRUE(ledger.strokes_packed(pack(13 * i, 1'000 + 90'000 * std::int64_t{i}, 12)).ok());
  }
  SafetyLedger again(nvm, kDefaultLayout.safety_strokes, kDefaultLayout.safety_windows,
                     kDefaultLayout.safety_day);
  ASSERT_TRUE(again.mount().ok());
  RingCursor cursor;
  StrokePackRecord got;
  std::uint32_t read = 0;
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  for (std::uint32_t i = 0; i <= again.day_slots(); ++i) {
    const Result<bool> next = again.read_pack(cursor, &got);
    ASSERT_TRUE(next.ok());
    if (!*next) break;
    if (read == 0) first = got.first_index;
    last = got.first_index;
    ++read;
  }
  EXPECT_EQ(read, again.day_slots());
  EXPECT_GT(read, again.day_capacity());
  EXPECT_EQ(first, 13u * 85u);  // the oldest left: the second sector's first
  EXPECT_EQ(last, 13u * (written - 1));
}

}  // namespace
}  // namespace itdd::storage
