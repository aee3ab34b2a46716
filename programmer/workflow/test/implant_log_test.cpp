// The log lookups against a log served as the implant serves it: pages of at most 32 records
// from a sequence number on, the oldest ones overwritten, the newest sequence number in every
// page.
#include "itdd/programmer/implant_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace itdd::programmer {
namespace {

// The implant's codes (engine::EventKind), as programmer/report's table names them.
constexpr std::uint32_t kRefilled = 0x01;
constexpr std::uint32_t kClinicianBolusStarted = 0x04;
constexpr std::uint32_t kReservoirEmpty = 0x0C;
constexpr std::uint32_t kSessionOpened = 0x0302;

constexpr Concentration k10(10'000'000);
constexpr Concentration k25(25'000'000);

struct FakeLog {
  std::vector<itdd_LogRecord> records;  // oldest first, seq from `first_seq`
  std::uint32_t first_seq = 1;
  int reads = 0;

  void add(std::int64_t at_ms, std::uint32_t code, std::int64_t a = 0, std::int64_t b = 0) {
    itdd_LogRecord r = itdd_LogRecord_init_zero;
    r.seq = first_seq + static_cast<std::uint32_t>(records.size());
    r.at_implant_ms = at_ms;
    r.code = code;
    r.a = a;
    r.b = b;
    records.push_back(r);
  }
  // The oldest `n` records are overwritten.
  void overwrite(std::size_t n) {
    records.erase(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(n));
    first_seq += static_cast<std::uint32_t>(n);
  }
  LogPageReader reader() {
    return [this](std::uint32_t from) -> Result<itdd_EventLogPage> {
      ++reads;
      itdd_EventLogPage page = itdd_EventLogPage_init_zero;
      for (const itdd_LogRecord& r : records) {
        if (r.seq < from) continue;
        if (page.records_count == 32) break;
        page.records[page.records_count++] = r;
      }
      page.newest_seq = records.empty() ? first_seq - 1 : records.back().seq;
      return page;
    };
  }
};

const std::int64_t kNow = 100 * kMillisPerDay;

TEST(ImplantLog, VisitsEveryRecordNewestFirstAcrossPages) {
  FakeLog log;
  for (int i = 0; i < 100; ++i) log.add(i, kSessionOpened);
  std::vector<std::uint32_t> seen;
  const Result<LogScanEnd> end = scan_log_newest_first(log.reader(), [&](const itdd_LogRecord& r) {
    seen.push_back(r.seq);
    return true;
  });
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, LogScanEnd::kLogStart);
  ASSERT_EQ(seen.size(), 100u);
  EXPECT_EQ(seen.front(), 100u);
  EXPECT_EQ(seen.back(), 1u);
  EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));
  // Overwritten records end the walk where the log now starts.
  log.overwrite(50);
  seen.clear();
  ASSERT_EQ(*scan_log_newest_first(log.reader(),
                                   [&](const itdd_LogRecord& r) {
                                     seen.push_back(r.seq);
                                     return true;
                                   }),
            LogScanEnd::kLogStart);
  ASSERT_EQ(seen.size(), 50u);
  EXPECT_EQ(seen.back(), 51u);
  // An empty log, and stopping early (after one page of reading).
  EXPECT_EQ(*scan_log_newest_first(FakeLog{}.reader(), [](const itdd_LogRecord&) { return true; }),
            LogScanEnd::kLogStart);
  log.reads = 0;
  EXPECT_EQ(*scan_log_newest_first(log.reader(), [](const itdd_LogRecord&) { return false; }),
            LogScanEnd::kStopped);
  EXPECT_EQ(log.reads, 2);
}

TEST(ImplantLog, AnImplantThatCannotBeAskedIsAnError) {
  const LogPageReader broken = [](std::uint32_t) -> Result<itdd_EventLogPage> {
    return make_error(ErrorCode::kRefused, "transport", "no answer");
  };
  EXPECT_FALSE(scan_log_newest_first(broken, [](const itdd_LogRecord&) { return true; }).ok());
  EXPECT_FALSE(earlier_clinician_boluses(broken, kNow, k10, k25).ok());
  EXPECT_FALSE(reservoir_empty_record(broken).ok());
}

TEST(ImplantLog, ClinicianBolusesReachingIntoTheLast24HoursCount) {
  FakeLog log;
  log.add(kNow - 3 * kMillisPerDay, kRefilled, 18'000'000, k10.count());
  // Started 25 h ago over 2 h: its last hour is inside the window. 0.1 mL at 10 mg/mL: 1 mg.
  log.add(kNow - 25 * kMillisPerHour, kClinicianBolusStarted, 100'000, 2 * kMillisPerHour);
  // Started 26 h ago over 1 h: ended before the window.
  log.add(kNow - 26 * kMillisPerHour + 1, kClinicianBolusStarted, 500'000, kMillisPerHour);
  for (int i = 0; i < 40; ++i) log.add(kNow - 20 * kMillisPerHour + i, kSessionOpened);
  // 2 h ago, 0.25 mL: 2.5 mg.
  log.add(kNow - 2 * kMillisPerHour, kClinicianBolusStarted, 250'000, kMillisPerHour);
  const Result<EarlierBoluses> b = earlier_clinician_boluses(log.reader(), kNow, k10, k25);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->count, 2);
  EXPECT_EQ(b->total, milligrams(1) + micrograms(2'500));
  EXPECT_FALSE(b->concentration_assumed);
  // The one that ended exactly when the window opened does not reach into it.
  FakeLog edge;
  edge.add(kNow - 25 * kMillisPerHour, kClinicianBolusStarted, 100'000, kMillisPerHour);
  EXPECT_EQ(earlier_clinician_boluses(edge.reader(), kNow, k10, k25)->count, 0);
}

TEST(ImplantLog, EachBolusCountsAtTheConcentrationItWasGivenAt) {
  FakeLog log;
  log.add(kNow - 40 * kMillisPerHour, kRefilled, 18'000'000, k10.count());
  log.add(kNow - 20 * kMillisPerHour, kClinicianBolusStarted, 100'000, kMillisPerHour);  // 1 mg
  log.add(kNow - 10 * kMillisPerHour, kRefilled, 18'000'000, k25.count());
  log.add(kNow - 5 * kMillisPerHour, kClinicianBolusStarted, 100'000, kMillisPerHour);  // 2.5 mg
  const Result<EarlierBoluses> b = earlier_clinician_boluses(log.reader(), kNow, k25, k25);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->count, 2);
  EXPECT_EQ(b->total, milligrams(1) + micrograms(2'500));
  EXPECT_FALSE(b->concentration_assumed);
  // With the older refill overwritten, that bolus's solution is not known: counted at the
  // highest concentration allowed, and said so.
  log.overwrite(1);
  const Result<EarlierBoluses> assumed = earlier_clinician_boluses(log.reader(), kNow, k25, k25);
  ASSERT_TRUE(assumed.ok());
  EXPECT_EQ(assumed->total, micrograms(5'000));
  EXPECT_TRUE(assumed->concentration_assumed);
  // Rounded up: 1 nL at 25 mg/mL is 25 ng exactly, 1 nL at 10.000001 mg/mL is 10.000001 ng.
  FakeLog fine;
  fine.add(kNow - kMillisPerHour, kClinicianBolusStarted, 1, kMillisPerHour);
  EXPECT_EQ(earlier_clinician_boluses(fine.reader(), kNow, Concentration(10'000'001), k25)->total,
            DrugAmount(11));
}

TEST(ImplantLog, TheLookBackStopsADayBeforeTheWindow) {
  FakeLog log;
  for (int i = 0; i < 3000; ++i) log.add(kNow - 30 * kMillisPerDay + i, kSessionOpened);
  for (int i = 0; i < 10; ++i) log.add(kNow - kMillisPerHour + i, kSessionOpened);
  log.reads = 0;
  ASSERT_TRUE(earlier_clinician_boluses(log.reader(), kNow, k10, k25).ok());
  EXPECT_LE(log.reads, 3) << "records a month old were read";
}

TEST(ImplantLog, TheReservoirEmptyRecordSinceTheLastRefill) {
  FakeLog log;
  log.add(1'000, kRefilled, 18'000'000, k10.count());
  log.add(2'000, kReservoirEmpty);  // an earlier dry spell, refilled since
  log.add(3'000, kRefilled, 18'000'000, k10.count());
  EXPECT_FALSE(reservoir_empty_record(log.reader())->has_value());
  log.add(50 * kMillisPerDay, kReservoirEmpty);
  for (int i = 0; i < 100; ++i) log.add(51 * kMillisPerDay + i, kSessionOpened);
  // After a reset the implant found its reservoir empty again: the dry spell began earlier.
  log.add(52 * kMillisPerDay, kReservoirEmpty);
  const Result<std::optional<EmptyRecord>> r = reservoir_empty_record(log.reader());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->record.seq, 4u);
  EXPECT_EQ((*r)->record.at_implant_ms, 50 * kMillisPerDay);
  EXPECT_FALSE((*r)->or_earlier);
  // The log overwritten past the refill: the oldest empty record it still holds, which the dry
  // spell may have begun before.
  log.overwrite(4);
  const Result<std::optional<EmptyRecord>> partial = reservoir_empty_record(log.reader());
  ASSERT_TRUE(partial.ok() && partial->has_value());
  EXPECT_EQ((*partial)->record.at_implant_ms, 52 * kMillisPerDay);
  EXPECT_TRUE((*partial)->or_earlier);
  log.overwrite(101);
  EXPECT_FALSE(reservoir_empty_record(log.reader())->has_value());
}

}  // namespace
}  // namespace itdd::programmer
