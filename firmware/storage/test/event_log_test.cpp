// The event log: records round-trip, newest-first and paged reads, thousands of records in the
// default layout, torn and corrupt records reported and never returned.
#include "itdd/storage/event_log.h"

#include <gtest/gtest.h>

#include <vector>

#include "itdd/hal/fake_nvm.h"
#include "itdd/storage/layout.h"

namespace itdd::storage {
namespace {

constexpr hal::NvmGeometry kGeometry{512, 8, 8, 128};
constexpr Region kLog{1, 4};  // 40-byte records: 12 a sector, 48 slots, 36 kept

LogRecord event(std::uint32_t n) {
  LogRecord r;
  r.at = ImplantTime(static_cast<std::int64_t>(n) * 60'000 - 5);
  r.code = static_cast<std::uint16_t>(n % 300);
  r.reason = static_cast<std::uint8_t>(n * 7);
  r.a = -static_cast<std::int64_t>(n) * 1'000'000'007;
  r.b = INT64_MAX - n;
  return r;
}

LogRecord with_seq(LogRecord r, std::uint32_t seq) {
  r.seq = seq;
  return r;
}

TEST(EventLog, RecordsRoundTripWithEveryField) {
  hal::FakeNvm nvm(kGeometry);
  EventLog log(nvm, kLog);
  ASSERT_TRUE(log.mount().ok());
  LogRecord extreme;
  extreme.at = ImplantTime(INT64_MIN);
  extreme.code = 0xFFFF;
  extreme.reason = 0xFF;
  extreme.a = INT64_MIN;
  extreme.b = -1;
  auto s = log.append(extreme);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value(), 1u);
  ASSERT_TRUE(log.append(event(2)).ok());
  std::vector<LogRecord> out(4);
  auto n = log.read_newest(out);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n.value(), 2u);
  EXPECT_EQ(out[0], with_seq(event(2), 2));
  EXPECT_EQ(out[1], with_seq(extreme, 1));
}

TEST(EventLog, NewestFirstAndPagesBySequence) {
  hal::FakeNvm nvm(kGeometry);
  EventLog log(nvm, kLog);
  ASSERT_TRUE(log.mount().ok());
  for (std::uint32_t i = 1; i <= 30; ++i) ASSERT_EQ(log.append(event(i)).value(), i);
  std::vector<LogRecord> out(5);
  ASSERT_EQ(log.read_newest(out).value(), 5u);
  for (std::uint32_t i = 0; i < 5; ++i) EXPECT_EQ(out[i], with_seq(event(30 - i), 30 - i));
  // Paging: 12..16, then 17..21, ... until a short page.
  std::uint32_t next = 12;
  std::size_t pages = 0;
  for (;;) {
    auto n = log.read_from(next, out);
    ASSERT_TRUE(n.ok());
    for (std::size_t i = 0; i < n.value(); ++i) {
      EXPECT_EQ(out[i], with_seq(event(next), next));
      ++next;
    }
    ++pages;
    if (n.value() < out.size()) break;
  }
  EXPECT_EQ(next, 31u);
  EXPECT_EQ(pages, 4u);  // 5 + 5 + 5 + 4
  EXPECT_EQ(log.read_from(31, out).value(), 0u);
  std::span<LogRecord> none;
  EXPECT_EQ(log.read_newest(none).value(), 0u);
}

TEST(EventLog, AfterAWrapReadsStartAtTheOldestKept) {
  hal::FakeNvm nvm(kGeometry);
  EventLog log(nvm, kLog);
  ASSERT_TRUE(log.mount().ok());
  for (std::uint32_t i = 1; i <= 500; ++i) ASSERT_TRUE(log.append(event(i)).ok());
  std::vector<LogRecord> all(100);
  auto n = log.read_from(1, all);
  ASSERT_TRUE(n.ok());
  ASSERT_GE(n.value(), log.capacity());
  EXPECT_EQ(all[n.value() - 1].seq, 500u);
  const std::uint32_t first = all[0].seq;
  for (std::size_t i = 0; i < n.value(); ++i) {
    EXPECT_EQ(all[i], with_seq(event(first + static_cast<std::uint32_t>(i)),
                               first + static_cast<std::uint32_t>(i)));
  }
}

TEST(EventLog, DefaultLayoutKeepsThousandsOfRecords) {
  hal::FakeNvm nvm(kImplantFlash);
  EventLog log(nvm, kDefaultLayout.event_log);
  EXPECT_EQ(log.capacity(), kDefaultLogCapacity);
  EXPECT_GE(log.capacity(), 4000u);
  ASSERT_TRUE(log.mount().ok());
  const std::uint32_t total = 6000;
  for (std::uint32_t i = 1; i <= total; ++i) ASSERT_TRUE(log.append(event(i)).ok());
  EventLog again(nvm, kDefaultLayout.event_log);
  auto m = again.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->newest_seq, total);
  EXPECT_EQ(m->invalid_slots, 0u);
  std::vector<LogRecord> out(kDefaultLogCapacity);
  auto n = again.read_from(total - kDefaultLogCapacity + 1, out);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n.value(), kDefaultLogCapacity);
  for (std::uint32_t i = 0; i < kDefaultLogCapacity; ++i) {
    const std::uint32_t seq = total - kDefaultLogCapacity + 1 + i;
    ASSERT_EQ(out[i], with_seq(event(seq), seq));
  }
}

TEST(EventLog, TornAppendIsReportedSkippedAndTheLogGoesOn) {
  for (hal::TearMode mode : {hal::TearMode::kPrefix, hal::TearMode::kRandomBits}) {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      hal::FakeNvm nvm(kGeometry, seed);
      EventLog log(nvm, kLog);
      ASSERT_TRUE(log.mount().ok());
      for (std::uint32_t i = 1; i <= 5; ++i) ASSERT_TRUE(log.append(event(i)).ok());
      nvm.cut_power_after(0, mode);
      ASSERT_FALSE(log.append(event(6)).ok());
      nvm.power_restore();
      EventLog again(nvm, kLog);
      auto m = again.mount();
      ASSERT_TRUE(m.ok());
      std::vector<LogRecord> out(10);
      auto n = again.read_from(1, out);
      ASSERT_TRUE(n.ok());
      // Either the record landed whole, or it is gone and (if anything was written) reported.
      if (m->newest_seq == 6) {
        ASSERT_EQ(n.value(), 6u);
        EXPECT_EQ(out[5], with_seq(event(6), 6));
        EXPECT_FALSE(m->torn_tail);
      } else {
        ASSERT_EQ(m->newest_seq, 5u);
        ASSERT_EQ(n.value(), 5u);
        EXPECT_EQ(m->torn_tail, m->invalid_slots == 1);
      }
      auto s = again.append(event(7));
      ASSERT_TRUE(s.ok());
      EXPECT_EQ(s.value(), m->newest_seq + 1);
      ASSERT_EQ(again.read_newest(std::span(out).first(1)).value(), 1u);
      EXPECT_EQ(out[0], with_seq(event(7), s.value()));
    }
  }
}

TEST(EventLog, BitFlipsInRecordsAreDetected) {
  hal::FakeNvm nvm(kGeometry);
  EventLog log(nvm, kLog);
  ASSERT_TRUE(log.mount().ok());
  for (std::uint32_t i = 1; i <= 20; ++i) ASSERT_TRUE(log.append(event(i)).ok());
  // Records 3 (its time) and 9 (its CRC).
  nvm.flip_bit(kLog.first_sector * 512 + 2 * 40 + 5, 1);
  nvm.flip_bit(kLog.first_sector * 512 + 8 * 40 + 35, 6);
  EventLog again(nvm, kLog);
  auto m = again.mount();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->invalid_slots, 2u);
  EXPECT_EQ(m->missing_seqs, 2u);
  EXPECT_EQ(m->valid_records, 18u);
  std::vector<LogRecord> out(30);
  auto n = again.read_from(1, out);
  ASSERT_EQ(n.value(), 18u);
  for (std::size_t i = 0; i < n.value(); ++i) {
    EXPECT_NE(out[i].seq, 3u);
    EXPECT_NE(out[i].seq, 9u);
    EXPECT_EQ(out[i], with_seq(event(out[i].seq), out[i].seq));
  }
}

}  // namespace
}  // namespace itdd::storage
