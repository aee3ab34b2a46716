// Settings in two copies: A/B alternation, the newest valid copy wins, damage to the older copy
// falls back to the newest, damage to the newest is refused (never a silent rollback), both
// corrupt is an error, and a copy in another format is refused.
#include "itdd/storage/settings_store.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "itdd/hal/fake_nvm.h"

namespace itdd::storage {
namespace {

constexpr hal::NvmGeometry kGeometry{512, 16, 8, 128};
constexpr Region kA{2, 2};
constexpr Region kB{5, 2};

struct Settings {
  std::int64_t volume = 0;
  std::uint32_t mode = 0;
  std::array<std::uint8_t, 301> table{};  // not a multiple of the program unit
};
bool same(const Settings& x, const Settings& y) {
  return x.volume == y.volume && x.mode == y.mode && x.table == y.table;
}

Settings make(std::int64_t n) {
  Settings s;
  s.volume = n * 1000 + 7;
  s.mode = static_cast<std::uint32_t>(n % 3);
  for (std::size_t i = 0; i < s.table.size(); ++i) {
    s.table[i] = static_cast<std::uint8_t>(n + static_cast<std::int64_t>(i));
  }
  return s;
}

std::uint32_t base(Region r) {
  return r.first_sector * kGeometry.sector_size;
}
// The trailer (24 bytes: magic, format, size, seq, ~seq, CRC) and then the commit word (one
// 8-byte program unit: seq, ~seq) end the region.
std::uint32_t commit_word(Region r) {
  return (r.first_sector + r.sector_count) * kGeometry.sector_size - 8;
}
std::uint32_t trailer(Region r) {
  return commit_word(r) - 24;
}

TEST(SettingsStore, BlankFlashHasNoSettings) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  Settings s;
  auto r = store.load(s);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_blank(r.error()));
  EXPECT_STREQ(r.error().field, "settings");
}

TEST(SettingsStore, CommitsAlternateBetweenTheCopiesAndLoadTakesTheNewest) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  for (std::int64_t n = 1; n <= 5; ++n) {
    auto c = store.commit(make(n));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c.value(), static_cast<std::uint32_t>(n));
    Settings s;
    auto l = store.load(s);
    ASSERT_TRUE(l.ok());
    EXPECT_TRUE(same(s, make(n)));
    EXPECT_EQ(l->seq, static_cast<std::uint32_t>(n));
    EXPECT_EQ(l->copy, (n - 1) % 2);  // A, B, A, B, ...
    EXPECT_EQ(l->other_valid, n > 1);
  }
  // Each commit erased only its own copy's sectors.
  for (std::uint32_t s = 0; s < kGeometry.sector_count; ++s) {
    const bool in_a = s >= kA.first_sector && s < kA.first_sector + kA.sector_count;
    const bool in_b = s >= kB.first_sector && s < kB.first_sector + kB.sector_count;
    EXPECT_EQ(nvm.erase_count(s), in_a ? 3u : in_b ? 2u : 0u) << "sector " << s;
  }
}

TEST(SettingsStore, ASecondStoreOnTheSameFlashSeesTheSameSettings) {
  hal::FakeNvm nvm(kGeometry);
  {
    SettingsStore<Settings> store(nvm, kA, kB, 1);
    ASSERT_TRUE(store.commit(make(1)).ok());
    ASSERT_TRUE(store.commit(make(2)).ok());
  }
  SettingsStore<Settings> again(nvm, kA, kB, 1);
  Settings s;
  ASSERT_TRUE(again.load(s).ok());
  EXPECT_TRUE(same(s, make(2)));
  auto c = again.commit(make(3));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value(), 3u);
}

class CorruptNewest : public ::testing::TestWithParam<int> {};

// A bit flip anywhere in the newest copy (data, trailer, its sequence number or its complement)
// is caught, and load refuses rather than return the older copy as if it were the newest: the
// damaged copy's other sequence record still says it was the newest. The older value is there
// only for a caller that asks for a rollback by name.
TEST_P(CorruptNewest, IsRefusedNotRolledBack) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  ASSERT_TRUE(store.commit(make(1)).ok());  // A
  ASSERT_TRUE(store.commit(make(2)).ok());  // B, newest
  const std::uint32_t where[] = {base(kB),
                                 base(kB) + 17,
                                 base(kB) + static_cast<std::uint32_t>(sizeof(Settings)) - 1,
                                 trailer(kB),
                                 trailer(kB) + 13,
                                 trailer(kB) + 23,
                                 trailer(kB) + 17};
  nvm.flip_bit(where[GetParam()], static_cast<std::uint8_t>(GetParam() % 8));
  Settings s = make(9);
  auto l = store.load(s);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(is_newest_lost(l.error()));
  EXPECT_EQ(l.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(l.error().index, 1);  // copy B
  EXPECT_TRUE(same(s, make(9)));

  auto older = store.load_accepting_rollback(s);
  ASSERT_TRUE(older.ok());
  EXPECT_TRUE(same(s, make(1)));
  EXPECT_EQ(older->copy, 0);
  EXPECT_EQ(older->seq, 1u);
  EXPECT_TRUE(older->newest_lost);
  EXPECT_TRUE(older->other_damaged);

  // The next commit keeps the damaged copy (the only sign that the valid one is outdated) and
  // overwrites the outdated one, numbered above the damaged copy.
  auto c = store.commit(make(3));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c.value(), 3u);
  l = store.load(s);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(same(s, make(3)));
  EXPECT_EQ(l->copy, 0);
  EXPECT_TRUE(l->other_damaged);
  EXPECT_FALSE(l->newest_lost);
  // And the one after rewrites the damaged copy.
  ASSERT_TRUE(store.commit(make(4)).ok());
  l = store.load(s);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(same(s, make(4)));
  EXPECT_EQ(l->copy, 1);
  EXPECT_TRUE(l->other_valid);
}
INSTANTIATE_TEST_SUITE_P(Bits, CorruptNewest, ::testing::Range(0, 7));

// After the newest copy is lost, a commit cut at any of its writes (both tear modes) never
// lets the older value through: load returns the value being committed (if its copy was
// whole) or still refuses.
TEST(SettingsStore, ACutCommitAfterALostNewestCopyNeverRollsBack) {
  std::uint64_t writes = 0;
  const auto prepare = [](hal::FakeNvm& nvm, SettingsStore<Settings>& store) {
    ASSERT_TRUE(store.commit(make(1)).ok());  // A
    ASSERT_TRUE(store.commit(make(2)).ok());  // B, newest
    nvm.flip_bit(base(kB) + 40, 2);           // B damaged
  };
  {
    hal::FakeNvm nvm(kGeometry);
    SettingsStore<Settings> store(nvm, kA, kB, 1);
    prepare(nvm, store);
    const std::uint64_t before = nvm.operations();
    ASSERT_TRUE(store.commit(make(3)).ok());
    writes = nvm.operations() - before;
  }
  ASSERT_GT(writes, 3u);
  for (const hal::TearMode mode : {hal::TearMode::kPrefix, hal::TearMode::kRandomBits}) {
    for (std::uint64_t k = 0; k < writes; ++k) {
      hal::FakeNvm nvm(kGeometry, k + 1);
      SettingsStore<Settings> store(nvm, kA, kB, 1);
      prepare(nvm, store);
      nvm.cut_power_after(k, mode);
      (void)store.commit(make(3));
      nvm.power_restore();
      Settings s = make(9);
      auto l = store.load(s);
      if (l.ok()) {
        EXPECT_TRUE(same(s, make(3))) << "cut at " << k << ": an older value came back";
      } else {
        EXPECT_TRUE(is_newest_lost(l.error()) || is_corrupt(l.error()))
            << "cut at " << k << ": " << l.error().message;
      }
    }
  }
}

class CorruptOlder : public ::testing::TestWithParam<int> {};

// A bit flip in the older copy, its sequence records included, leaves the newest in charge: it
// is returned, with the other copy reported damaged.
TEST_P(CorruptOlder, TheNewestIsLoaded) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  ASSERT_TRUE(store.commit(make(1)).ok());  // A, older
  ASSERT_TRUE(store.commit(make(2)).ok());  // B, newest
  const std::uint32_t where[] = {base(kA) + 5,     trailer(kA),      trailer(kA) + 12,
                                 trailer(kA) + 15, trailer(kA) + 16, trailer(kA) + 19};
  nvm.flip_bit(where[GetParam()], 7);
  Settings s;
  auto l = store.load(s);
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(same(s, make(2)));
  EXPECT_EQ(l->copy, 1);
  EXPECT_FALSE(l->other_valid);
  EXPECT_TRUE(l->other_damaged);
  EXPECT_FALSE(l->newest_lost);
}
INSTANTIATE_TEST_SUITE_P(Bits, CorruptOlder, ::testing::Range(0, 6));

TEST(SettingsStore, BothCopiesCorruptIsAnErrorAndLeavesTheOutputAlone) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  ASSERT_TRUE(store.commit(make(1)).ok());
  ASSERT_TRUE(store.commit(make(2)).ok());
  nvm.flip_bit(base(kA) + 40, 3);
  nvm.flip_bit(trailer(kB) + 12, 0);  // the sequence number
  Settings s = make(9);
  auto l = store.load(s);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(is_corrupt(l.error()));
  EXPECT_EQ(l.error().code, ErrorCode::kCorrupt);
  EXPECT_TRUE(same(s, make(9)));
  // Storage is still usable: a new commit is loaded.
  ASSERT_TRUE(store.commit(make(3)).ok());
  ASSERT_TRUE(store.load(s).ok());
  EXPECT_TRUE(same(s, make(3)));
}

TEST(SettingsStore, OneCopyCorruptOtherBlankIsCorrupt) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  ASSERT_TRUE(store.commit(make(1)).ok());
  nvm.flip_bit(base(kA), 0);
  Settings s;
  auto l = store.load(s);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(is_corrupt(l.error()));
}

// A first commit cut at any of its writes leaves no settings, not "corrupt" ones: the copy has
// no commit word until everything before it is whole.
TEST(SettingsStore, ACutFirstCommitIsBlankOrComplete) {
  std::uint64_t writes = 0;
  {
    hal::FakeNvm nvm(kGeometry);
    SettingsStore<Settings> store(nvm, kA, kB, 1);
    ASSERT_TRUE(store.commit(make(1)).ok());
    writes = nvm.operations();
  }
  EXPECT_EQ(writes, 2u + 3u + 1u + 1u);  // 2 erases, 320 bytes in 3 pages, trailer, commit word
  for (hal::TearMode mode : {hal::TearMode::kPrefix, hal::TearMode::kRandomBits}) {
    for (std::uint64_t k = 0; k < writes; ++k) {
      hal::FakeNvm nvm(kGeometry, k + 1);
      SettingsStore<Settings> store(nvm, kA, kB, 1);
      nvm.cut_power_after(k, mode);
      ASSERT_FALSE(store.commit(make(1)).ok());
      nvm.power_restore();
      Settings s;
      auto l = store.load(s);
      if (l.ok()) {
        EXPECT_EQ(k, writes - 1) << "only a cut commit word can leave a whole copy";
        EXPECT_TRUE(same(s, make(1)));
      } else {
        EXPECT_TRUE(is_blank(l.error())) << "cut at " << k << ": " << l.error().message;
      }
    }
  }
}

TEST(SettingsStore, AnotherFormatIsRefusedNotMisread) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> v1(nvm, kA, kB, 1);
  ASSERT_TRUE(v1.commit(make(1)).ok());
  SettingsStore<Settings> v2(nvm, kA, kB, 2);
  Settings s;
  auto l = v2.load(s);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(is_other_format(l.error()));
  // A different size with the same format number is another format too.
  struct Bigger {
    Settings s;
    std::int64_t extra;
  };
  SettingsStore<Bigger> bigger(nvm, kA, kB, 1);
  Bigger b;
  l = bigger.load(b);
  ASSERT_FALSE(l.ok());
  EXPECT_TRUE(is_other_format(l.error()));
  // The new format commits over the other copy, keeping the old one until it is superseded.
  ASSERT_TRUE(v2.commit(make(2)).ok());
  ASSERT_TRUE(v2.load(s).ok());
  EXPECT_TRUE(same(s, make(2)));
  ASSERT_TRUE(v1.load(s).ok());
  EXPECT_TRUE(same(s, make(1)));
}

// A value held in parts apart in RAM (split anywhere: inside a program unit, a page, or empty)
// is committed as the same flash in the same program and erase operations as from one buffer,
// and loads back into its parts.
RC_GTEST_PROP(SettingsStore, PartsWriteTheSameFlashAsOneBufferAndLoadBack, ()) {
  const Settings v = make(*rc::gen::inRange<std::int64_t>(0, 1000));
  constexpr std::size_t kSize = sizeof(Settings);
  const std::size_t cut1 = *rc::gen::inRange<std::size_t>(0, kSize + 1);
  const std::size_t cut2 = *rc::gen::inRange<std::size_t>(cut1, kSize + 1);
  hal::FakeNvm one_nvm(kGeometry);
  hal::FakeNvm parts_nvm(kGeometry);
  SettingsStore<Settings> one(one_nvm, kA, kB, 1);
  SettingsStore<Settings> parts(parts_nvm, kA, kB, 1);
  const auto* in = reinterpret_cast<const std::uint8_t*>(&v);
  const std::span<const std::uint8_t> pieces[3] = {
      {in, cut1}, {in + cut1, cut2 - cut1}, {in + cut2, kSize - cut2}};
  for (int commit = 0; commit < 3; ++commit) {  // both copies, and one overwritten
    RC_ASSERT(one.commit(v).ok());
    RC_ASSERT(parts.commit(BlobStore::ConstParts(pieces)).ok());
  }
  RC_ASSERT(std::ranges::equal(one_nvm.bytes(), parts_nvm.bytes()));
  RC_ASSERT(one_nvm.operations() == parts_nvm.operations());
  Settings back{};
  auto* out = reinterpret_cast<std::uint8_t*>(&back);
  const std::span<std::uint8_t> into[3] = {
      {out, cut1}, {out + cut1, cut2 - cut1}, {out + cut2, kSize - cut2}};
  RC_ASSERT(parts.load(BlobStore::Parts(into)).ok());
  RC_ASSERT(same(back, v));
}

TEST(SettingsStore, PartsThatAreNotTheValuesSizeAreRefused) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  std::array<std::uint8_t, sizeof(Settings) - 1> short_value{};
  const std::span<const std::uint8_t> in[1] = {short_value};
  EXPECT_EQ(store.commit(BlobStore::ConstParts(in)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(nvm.operations(), 0u);
  const std::span<std::uint8_t> out[1] = {short_value};
  ASSERT_TRUE(store.commit(make(1)).ok());
  EXPECT_EQ(store.load(BlobStore::Parts(out)).error().code, ErrorCode::kInvalidArgument);
}

TEST(SettingsStore, LayoutErrors) {
  hal::FakeNvm nvm(kGeometry);
  Settings s;
  SettingsStore<Settings> overlap(nvm, Region{0, 2}, Region{1, 2}, 1);
  EXPECT_EQ(overlap.commit(s).error().code, ErrorCode::kInvalidArgument);
  SettingsStore<Settings> one_sector(nvm, Region{0, 1}, Region{1, 1}, 1);  // 320 + 24 + 8
  EXPECT_TRUE(one_sector.commit(s).ok());
  struct Large {
    std::array<std::uint8_t, 1100> bytes;
  };
  SettingsStore<Large> large(nvm, Region{0, 2}, Region{2, 2}, 1);
  EXPECT_EQ(large.commit(Large{}).error().code, ErrorCode::kCapacity);
  EXPECT_EQ(SettingsStore<Large>::sectors_needed(kGeometry), 3u);
  SettingsStore<Settings> outside(nvm, Region{15, 1}, Region{16, 1}, 1);
  EXPECT_EQ(outside.load(s).error().code, ErrorCode::kInvalidArgument);
}

TEST(SettingsStore, ASizeThatIsNotWholeProgramUnits) {
  using Odd = std::array<std::uint8_t, 301>;
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Odd> store(nvm, kA, kB, 7);
  Odd v{};
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i * 7);
  ASSERT_TRUE(store.commit(v).ok());
  Odd back{};
  ASSERT_TRUE(store.load(back).ok());
  EXPECT_EQ(back, v);
}

TEST(SettingsStore, FlashErrorsAreReportedAsStatus) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  nvm.cut_power_after(0);
  auto c = store.commit(make(1));
  ASSERT_FALSE(c.ok());
  EXPECT_STREQ(c.error().message, "flash: power lost");
  EXPECT_EQ(c.error().code, ErrorCode::kIo);
  Settings s;
  EXPECT_FALSE(store.load(s).ok());
  nvm.power_restore();
  ASSERT_TRUE(store.commit(make(1)).ok());
}

// Any sequence of commits: load returns the last one, sequence numbers count up.
RC_GTEST_PROP(SettingsStore, LoadReturnsTheLastCommit, ()) {
  hal::FakeNvm nvm(kGeometry);
  SettingsStore<Settings> store(nvm, kA, kB, 1);
  const auto values = *rc::gen::container<std::vector<std::int64_t>>(
      *rc::gen::inRange<std::size_t>(1, 12), rc::gen::inRange<std::int64_t>(-1000, 1000));
  std::uint32_t seq = 0;
  for (std::int64_t v : values) {
    auto c = store.commit(make(v));
    RC_ASSERT(c.ok());
    RC_ASSERT(c.value() == ++seq);
    Settings s;
    RC_ASSERT(store.load(s).ok());
    RC_ASSERT(same(s, make(v)));
  }
}

// Repeated cuts in one life: each commit may be cut at any of its writes; after every reboot
// load() returns the last acknowledged value, or the cut one if its copy was whole.
RC_GTEST_PROP(SettingsStore, RepeatedCutsKeepTheLastAcknowledgedValue, ()) {
  hal::FakeNvm nvm(kGeometry, *rc::gen::arbitrary<std::uint64_t>());
  std::optional<std::int64_t> acked;
  const int commits = *rc::gen::inRange(1, 20);
  for (int i = 0; i < commits; ++i) {
    SettingsStore<Settings> store(nvm, kA, kB, 1);  // a fresh boot each time
    const bool cut = *rc::gen::arbitrary<bool>();
    if (cut) {
      nvm.cut_power_after(*rc::gen::inRange<std::uint64_t>(0, 7),
                          *rc::gen::element(hal::TearMode::kPrefix, hal::TearMode::kRandomBits));
    }
    const bool ok = store.commit(make(i)).ok();
    nvm.power_restore();
    if (ok) acked = i;
    Settings s;
    auto l = store.load(s);
    if (!acked && !l.ok()) {
      RC_ASSERT(is_blank(l.error()));
      continue;
    }
    RC_ASSERT(l.ok());
    if (!ok && same(s, make(i))) {
      acked = i;  // the cut commit's copy was whole: it is the newest now
    }
    RC_ASSERT(same(s, make(*acked)));
  }
}

}  // namespace
}  // namespace itdd::storage
