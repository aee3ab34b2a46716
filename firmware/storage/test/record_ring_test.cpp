// The ring under the event log and the delivery history: positions rebuilt by mount(), wrap
// with erase of the oldest sector, torn and corrupt slots skipped and reported, and any flash
// geometry storage accepts.
#include "itdd/storage/record_ring.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <vector>

#include "itdd/hal/fake_nvm.h"

namespace itdd::storage {
namespace {

constexpr hal::NvmGeometry kGeometry{512, 8, 8, 128};
constexpr Region kRing{2, 4};
constexpr std::uint32_t kPayload = 20;  // slot 32 bytes: 16 a sector, 64 in all, 48 kept

std::array<std::uint8_t, kPayload> payload(std::uint32_t n) {
  std::array<std::uint8_t, kPayload> p{};
  for (std::uint32_t i = 0; i < kPayload; ++i) p[i] = static_cast<std::uint8_t>(n * 31 + i);
  return p;
}

// All records, oldest first, as (seq, first payload byte).
std::vector<std::uint32_t> seqs(RecordRing& ring) {
  std::vector<std::uint32_t> out;
  const Status s =
      ring.walk_from([](std::uint32_t, std::span<const std::uint8_t>) { return false; },
                     [&](std::uint32_t seq, std::span<const std::uint8_t> p) {
                       EXPECT_EQ(p[0], payload(seq)[0]);
                       out.push_back(seq);
                       return true;
                     });
  EXPECT_TRUE(s.ok());
  return out;
}

std::vector<std::uint32_t> range(std::uint32_t first, std::uint32_t last) {
  std::vector<std::uint32_t> v;
  for (std::uint32_t s = first; s <= last; ++s) v.push_back(s);
  return v;
}

// Appends records whose payload is derived from the sequence number they will get.
void append(RecordRing& ring, std::uint32_t n) {
  for (std::uint32_t i = 0; i < n; ++i) {
    auto r = ring.append(payload(ring.newest_seq() + 1));
    ASSERT_TRUE(r.ok());
  }
}

TEST(RecordRing, Geometry) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  EXPECT_EQ(ring.slot_size(), 32u);
  EXPECT_EQ(ring.slots_per_sector(), 16u);
  EXPECT_EQ(ring.slot_count(), 64u);
  EXPECT_EQ(ring.capacity(), 48u);
}

TEST(RecordRing, RefusesUseBeforeMountAndBadLayouts) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  EXPECT_EQ(ring.append(payload(1)).error().code, ErrorCode::kRefused);
  EXPECT_FALSE(ring.walk_back([](auto, auto) { return true; }).ok());
  RecordRing one(nvm, Region{2, 1}, kPayload, "ring");
  EXPECT_FALSE(one.mount().ok());
  RecordRing outside(nvm, Region{6, 4}, kPayload, "ring");
  EXPECT_FALSE(outside.mount().ok());
  RecordRing fat(nvm, kRing, kMaxRecordPayload + 1, "ring");
  EXPECT_FALSE(fat.mount().ok());
  RecordRing none(nvm, Region{2, 0}, kPayload, "ring");
  EXPECT_EQ(none.capacity(), 0u);
  EXPECT_FALSE(none.mount().ok());
  hal::FakeNvm odd(hal::NvmGeometry{512, 8, 0, 128});
  RecordRing zero_unit(odd, kRing, kPayload, "ring");
  EXPECT_FALSE(zero_unit.mount().ok());
  ASSERT_TRUE(ring.mount().ok());
  const std::array<std::uint8_t, 3> small{};
  EXPECT_EQ(ring.append(small).error().code, ErrorCode::kInvalidArgument);
}

TEST(RecordRing, EmptyMountThenAppendAndRemount) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  auto m = ring.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->valid_records, 0u);
  EXPECT_EQ(m->newest_seq, 0u);
  EXPECT_FALSE(m->torn_tail);
  EXPECT_TRUE(seqs(ring).empty());
  append(ring, 10);
  EXPECT_EQ(seqs(ring), range(1, 10));

  RecordRing again(nvm, kRing, kPayload, "ring");
  m = again.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->valid_records, 10u);
  EXPECT_EQ(m->oldest_seq, 1u);
  EXPECT_EQ(m->newest_seq, 10u);
  EXPECT_EQ(m->invalid_slots, 0u);
  EXPECT_EQ(m->missing_seqs, 0u);
  append(again, 3);
  EXPECT_EQ(seqs(again), range(1, 13));
}

TEST(RecordRing, WrapErasesTheOldestSectorOnly) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  ASSERT_TRUE(ring.mount().ok());
  append(ring, 64);  // exactly full: every sector erased once
  EXPECT_EQ(seqs(ring), range(1, 64));
  for (std::uint32_t s = 2; s < 6; ++s) EXPECT_EQ(nvm.erase_count(s), 1u);
  append(ring, 1);  // erases sector 2 (records 1-16)
  EXPECT_EQ(nvm.erase_count(2), 2u);
  EXPECT_EQ(seqs(ring), range(17, 65));
  append(ring, 200);
  const auto kept = seqs(ring);
  ASSERT_GE(kept.size(), ring.capacity());
  EXPECT_EQ(kept.back(), 265u);
  EXPECT_EQ(kept, range(265 - static_cast<std::uint32_t>(kept.size()) + 1, 265));
  for (std::uint32_t s = 0; s < 8; ++s) {
    EXPECT_EQ(nvm.erase_count(s), s < 2 || s >= 6 ? 0u : (s == 2 ? 5u : 4u)) << s;
  }
  RecordRing again(nvm, kRing, kPayload, "ring");
  auto m = again.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->newest_seq, 265u);
  EXPECT_EQ(m->missing_seqs, 0u);
  EXPECT_EQ(seqs(again), kept);
}

TEST(RecordRing, WalkFromStartsAtTheFirstRecordNotBefore) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  ASSERT_TRUE(ring.mount().ok());
  append(ring, 100);
  std::vector<std::uint32_t> got;
  ASSERT_TRUE(ring.walk_from([](std::uint32_t seq, auto) { return seq < 70; },
                             [&](std::uint32_t seq, auto) {
                               got.push_back(seq);
                               return got.size() < 5;
                             })
                  .ok());
  EXPECT_EQ(got, range(70, 74));
  got.clear();
  ASSERT_TRUE(ring.walk_back([&](std::uint32_t seq, auto) {
                    got.push_back(seq);
                    return got.size() < 3;
                  })
                  .ok());
  EXPECT_EQ(got, (std::vector<std::uint32_t>{100, 99, 98}));
}

// A bit flip in the newest record looks exactly like a torn write: reported, skipped, and the
// next record goes into the slot after it (never over it).
TEST(RecordRing, CorruptNewestIsReportedAsTornAndSkipped) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  ASSERT_TRUE(ring.mount().ok());
  append(ring, 5);
  const std::uint32_t slot4 = kRing.first_sector * 512 + 4 * 32;
  nvm.flip_bit(slot4 + 9, 2);
  RecordRing again(nvm, kRing, kPayload, "ring");
  auto m = again.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->torn_tail);
  EXPECT_EQ(m->invalid_slots, 1u);
  EXPECT_EQ(m->newest_seq, 4u);
  EXPECT_EQ(seqs(again), range(1, 4));
  append(again, 2);
  EXPECT_EQ(seqs(again), range(1, 6));
  RecordRing third(nvm, kRing, kPayload, "ring");
  m = third.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->torn_tail);
  EXPECT_EQ(m->invalid_slots, 1u);
  EXPECT_EQ(m->missing_seqs, 0u);
}

TEST(RecordRing, CorruptRecordInTheMiddleIsMissingNotMisread) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  ASSERT_TRUE(ring.mount().ok());
  append(ring, 30);
  nvm.flip_bit(kRing.first_sector * 512 + 20 * 32 + 3, 7);  // slot 20: record 21
  RecordRing again(nvm, kRing, kPayload, "ring");
  auto m = again.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->torn_tail);
  EXPECT_EQ(m->invalid_slots, 1u);
  EXPECT_EQ(m->missing_seqs, 1u);
  EXPECT_EQ(m->valid_records, 29u);
  auto got = seqs(again);
  auto want = range(1, 30);
  want.erase(want.begin() + 20);
  EXPECT_EQ(got, want);
}

// A reader's cursor: oldest first, one record a call, a damaged record skipped (never misread),
// false at the newest and the next record once it is written; after the ring wrapped, the
// oldest kept.
TEST(RecordRing, ReadNextWalksForwardFromTheOldestSkippingDamage) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  ASSERT_TRUE(ring.mount().ok());
  append(ring, 30);
  nvm.flip_bit(kRing.first_sector * 512 + 20 * 32 + 3, 7);  // slot 20: record 21
  RecordRing again(nvm, kRing, kPayload, "ring");
  ASSERT_TRUE(again.mount().ok());
  RingCursor cursor;
  std::vector<std::uint32_t> got;
  for (int i = 0; i < 40; ++i) {
    const Result<bool> next =
        again.read_next(cursor, [&](std::uint32_t seq, auto) { got.push_back(seq); });
    ASSERT_TRUE(next.ok());
    if (!*next) break;
  }
  auto want = range(1, 30);
  want.erase(want.begin() + 20);
  EXPECT_EQ(got, want);
  append(again, 1);
  got.clear();
  ASSERT_TRUE(*again.read_next(cursor, [&](std::uint32_t seq, auto) { got.push_back(seq); }));
  EXPECT_EQ(got, (std::vector<std::uint32_t>{31}));
  // Wrapped: an unplaced cursor starts at the oldest record the ring still keeps.
  append(again, 60);
  RingCursor fresh;
  got.clear();
  ASSERT_TRUE(*again.read_next(fresh, [&](std::uint32_t seq, auto) { got.push_back(seq); }));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], seqs(again).front());
  RecordRing unmounted(nvm, kRing, kPayload, "ring");
  EXPECT_FALSE(unmounted.read_next(fresh, [](std::uint32_t, auto) {}).ok());
}

TEST(RecordRing, TornLastSlotOfASectorMovesToTheNextSector) {
  hal::FakeNvm nvm(kGeometry);
  RecordRing ring(nvm, kRing, kPayload, "ring");
  ASSERT_TRUE(ring.mount().ok());
  append(ring, 16);
  nvm.flip_bit(kRing.first_sector * 512 + 15 * 32, 0);  // record 16, last slot of sector 2
  RecordRing again(nvm, kRing, kPayload, "ring");
  auto m = again.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->torn_tail);
  append(again, 1);
  EXPECT_EQ(seqs(again), range(1, 16));
  EXPECT_EQ(nvm.erase_count(3), 1u);  // entered, and erased, for the first time
}

// A cut during an erase leaves the sector half old, half erased; its surviving old records are
// real ones and may be read until the next append erases the sector again.
TEST(RecordRing, TornEraseOfTheOldestSectorIsFinishedByTheNextAppend) {
  for (hal::TearMode mode : {hal::TearMode::kPrefix, hal::TearMode::kRandomBits}) {
    hal::FakeNvm nvm(kGeometry, 5);
    RecordRing ring(nvm, kRing, kPayload, "ring");
    ASSERT_TRUE(ring.mount().ok());
    append(ring, 64);
    nvm.cut_power_after(0, mode);
    EXPECT_FALSE(ring.append(payload(65)).ok());
    nvm.power_restore();
    RecordRing again(nvm, kRing, kPayload, "ring");
    auto m = again.mount();
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->newest_seq, 64u);
    EXPECT_FALSE(m->torn_tail);
    auto before = seqs(again);
    EXPECT_EQ(before.back(), 64u);
    for (std::size_t i = 1; i < before.size(); ++i) EXPECT_LT(before[i - 1], before[i]);
    append(again, 1);
    EXPECT_EQ(seqs(again), range(17, 65));
  }
}

// Every geometry storage accepts, and random numbers of records and remounts.
RC_GTEST_PROP(RecordRing, AnyGeometryKeepsTheNewestCapacityRecords, ()) {
  const std::uint32_t unit = 1u << *rc::gen::inRange(0, 6);  // 1 .. 32
  const std::uint32_t page = std::max<std::uint32_t>(unit, 1u << *rc::gen::inRange(4, 9));
  const std::uint32_t sector = page * (1u << *rc::gen::inRange(0, 3));
  // Payloads for which at least two records fit a sector, generated rather than filtered (a
  // filter discarded too many cases and made the property give up).
  const std::uint32_t half_sector = sector / 2 / unit * unit;
  RC_PRE(half_sector > kRecordOverhead);
  const std::uint32_t largest =
      std::min<std::uint32_t>(kMaxRecordPayload, half_sector - kRecordOverhead);
  const std::uint32_t payload_size = *rc::gen::inRange<std::uint32_t>(1, largest + 1);
  RC_ASSERT(sector / round_up(payload_size + kRecordOverhead, unit) >= 2);
  const hal::NvmGeometry g{sector, 6, unit, page};
  hal::FakeNvm nvm(g);
  const Region region{1, *rc::gen::inRange<std::uint32_t>(2, 6)};
  std::uint32_t newest = 0;
  const int rounds = *rc::gen::inRange(1, 5);
  for (int round = 0; round < rounds; ++round) {
    RecordRing ring(nvm, region, payload_size, "ring");
    auto m = ring.mount();
    RC_ASSERT(m.ok());
    RC_ASSERT(m->newest_seq == newest);
    RC_ASSERT(m->missing_seqs == 0u);
    const std::uint32_t n = *rc::gen::inRange<std::uint32_t>(0, 3 * ring.slot_count());
    std::vector<std::uint8_t> p(payload_size);
    for (std::uint32_t i = 0; i < n; ++i) {
      for (std::uint32_t j = 0; j < payload_size; ++j) p[j] = static_cast<std::uint8_t>(newest + j);
      auto r = ring.append(p);
      RC_ASSERT(r.ok());
      RC_ASSERT(r.value() == ++newest);
    }
    std::vector<std::uint32_t> got;
    RC_ASSERT(ring.walk_back([&](std::uint32_t seq, std::span<const std::uint8_t> q) {
                    RC_ASSERT(q[0] == static_cast<std::uint8_t>(seq - 1));
                    got.push_back(seq);
                    return true;
                  })
                  .ok());
    RC_ASSERT(got.size() >= std::min(newest, ring.capacity()));
    for (std::size_t i = 0; i < got.size(); ++i) RC_ASSERT(got[i] == newest - i);
  }
}

// Many cuts in one life: random appends, each round cut at a random write (torn slots pile up
// in the same sector, cut erases leave half-old sectors), rebooted, remounted. No record whose
// append returned Ok is lost while it is among the newest (capacity - cuts) records, nothing
// appears that was not written, and sequence numbers keep rising.
RC_GTEST_PROP(RecordRing, RepeatedCutsLoseNothingAcknowledged, ()) {
  hal::FakeNvm nvm(kGeometry, *rc::gen::arbitrary<std::uint64_t>());
  std::map<std::uint32_t, std::uint8_t> acked;  // seq -> first payload byte
  std::uint8_t tag = 0;
  std::uint8_t in_flight = 0;
  bool have_in_flight = false;
  std::uint32_t cuts = 0;
  const int rounds = *rc::gen::inRange(1, 12);
  for (int round = 0; round <= rounds; ++round) {
    RecordRing ring(nvm, kRing, kPayload, "ring");
    auto m = ring.mount();
    RC_ASSERT(m.ok());
    const std::uint32_t last_ok = acked.empty() ? 0 : acked.rbegin()->first;
    RC_ASSERT(m->newest_seq == last_ok || (have_in_flight && m->newest_seq == last_ok + 1));
    if (m->newest_seq == last_ok + 1) acked[last_ok + 1] = in_flight;  // it landed whole
    have_in_flight = false;
    std::vector<std::pair<std::uint32_t, std::uint8_t>> present;
    RC_ASSERT(ring.walk_back([&](std::uint32_t seq, std::span<const std::uint8_t> p) {
                    present.emplace_back(seq, p[0]);
                    return true;
                  })
                  .ok());
    for (const auto& [seq, first] : present) {
      RC_ASSERT(acked.count(seq) == 1u);
      RC_ASSERT(acked[seq] == first);
    }
    const std::uint32_t newest = m->newest_seq;
    const std::uint32_t keep = ring.capacity() > cuts ? ring.capacity() - cuts : 0;
    for (std::uint32_t seq = newest > keep ? newest - keep + 1 : 1; seq <= newest; ++seq) {
      RC_ASSERT(std::any_of(present.begin(), present.end(),
                            [&](const auto& r) { return r.first == seq; }));
    }
    if (round == rounds) break;
    const std::uint32_t n = *rc::gen::inRange<std::uint32_t>(1, 80);
    nvm.cut_power_after(*rc::gen::inRange<std::uint64_t>(0, n + n / 16 + 1),
                        *rc::gen::element(hal::TearMode::kPrefix, hal::TearMode::kRandomBits));
    for (std::uint32_t i = 0; i < n; ++i) {
      auto p = payload(0);
      p[0] = ++tag;
      auto r = ring.append(p);
      if (!r.ok()) {
        in_flight = p[0];
        have_in_flight = true;
        ++cuts;
        break;
      }
      acked[r.value()] = p[0];
    }
    nvm.power_restore();
  }
}

}  // namespace
}  // namespace itdd::storage
