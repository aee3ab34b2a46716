// order_by_risk, the refill call list's order, without a database; and the date helpers.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "itdd/programmer/clinic_db.h"

namespace itdd::programmer {
namespace {

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kNow = 1'740'787'200'000;  // 2025-03-01 00:00 UTC

DueRow row(const std::string& serial, const std::string& drug, std::optional<int> days_left) {
  DueRow r;
  r.pump.serial = serial;
  r.drug = drug;
  if (days_left) {
    r.next_refill_ms = kNow + *days_left * kDay;
    r.days_left = *days_left;
    r.status = *days_left < 0 ? DueStatus::kOverdue : DueStatus::kDue;
  } else {
    r.status = DueStatus::kUnknown;
  }
  return r;
}

int baclofen_first(std::string_view drug) {
  return drug == "baclofen" ? 2 : 1;
}

std::vector<std::string> serials(const std::vector<DueRow>& rows) {
  std::vector<std::string> out;
  for (const DueRow& r : rows) out.push_back(r.pump.serial);
  return out;
}

TEST(OrderByRisk, HigherRiskBeforeFewerDaysWithinTheWindow) {
  // Baclofen with 10 days left is called before morphine with 3: both are due within the
  // window, and running dry on baclofen can kill.
  const auto ordered =
      order_by_risk({row("MOR-3", "morphine", 3), row("BAC-10", "baclofen", 10)}, baclofen_first);
  EXPECT_EQ(serials(ordered), (std::vector<std::string>{"BAC-10", "MOR-3"}));
}

TEST(OrderByRisk, OverdueComesFirstWhateverTheDrug) {
  const auto ordered = order_by_risk({row("BAC-1", "baclofen", 1), row("MOR-LATE", "morphine", -1),
                                      row("BAC-LATE", "baclofen", -1)},
                                     baclofen_first);
  EXPECT_EQ(serials(ordered), (std::vector<std::string>{"BAC-LATE", "MOR-LATE", "BAC-1"}));
}

TEST(OrderByRisk, UnknownComesAfterOverdueAndBeforeDue) {
  const auto ordered = order_by_risk(
      {row("DUE", "morphine", 0), row("NEVER", "", std::nullopt), row("LATE", "morphine", -3)},
      baclofen_first);
  EXPECT_EQ(serials(ordered), (std::vector<std::string>{"LATE", "NEVER", "DUE"}));
}

TEST(OrderByRisk, WithoutARankTheDateDecidesThenTheSerial) {
  const auto ordered = order_by_risk({row("B", "baclofen", 10), row("M", "morphine", 3),
                                      row("A", "morphine", 3), row("X", "x", -7)},
                                     RiskRank{});
  EXPECT_EQ(serials(ordered), (std::vector<std::string>{"X", "A", "M", "B"}));
}

TEST(OrderByRisk, MostOverdueFirstAmongEqualRisk) {
  const auto ordered =
      order_by_risk({row("LATE-1", "morphine", -1), row("LATE-9", "morphine", -9)}, RiskRank{});
  EXPECT_EQ(serials(ordered), (std::vector<std::string>{"LATE-9", "LATE-1"}));
}

int group_of(const DueRow& r) {
  return r.status == DueStatus::kOverdue ? 0 : (r.status == DueStatus::kUnknown ? 1 : 2);
}

RC_GTEST_PROP(OrderByRisk, IsAPermutationOrderedByGroupThenRiskThenDate, ()) {
  const auto drugs = std::vector<std::string>{"baclofen", "morphine", "ziconotide", ""};
  const auto n = *rc::gen::inRange<std::size_t>(0, 30);
  std::vector<DueRow> rows;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string drug = *rc::gen::elementOf(drugs);
    const bool known = *rc::gen::inRange(0, 5) != 0;
    rows.push_back(row("S" + std::to_string(i), drug,
                       known ? std::optional<int>(*rc::gen::inRange(-20, 30)) : std::nullopt));
  }
  const RiskRank rank = [](std::string_view d) {
    return d == "baclofen" ? 3 : (d == "ziconotide" ? 2 : 0);
  };
  const std::vector<DueRow> ordered = order_by_risk(rows, rank);
  std::vector<std::string> in = serials(rows);
  std::vector<std::string> out = serials(ordered);
  std::sort(in.begin(), in.end());
  std::sort(out.begin(), out.end());
  RC_ASSERT(in == out);
  for (std::size_t i = 1; i < ordered.size(); ++i) {
    const DueRow& a = ordered[i - 1];
    const DueRow& b = ordered[i];
    RC_ASSERT(group_of(a) <= group_of(b));
    if (group_of(a) != group_of(b)) continue;
    RC_ASSERT(rank(a.drug) >= rank(b.drug));
    if (rank(a.drug) != rank(b.drug)) continue;
    RC_ASSERT(a.next_refill_ms.value_or(0) <= b.next_refill_ms.value_or(0));
  }
}

TEST(UtcDates, RoundTripAndRefuseNonDates) {
  EXPECT_EQ(parse_utc_date("2025-03-01"), std::optional<std::int64_t>(kNow));
  EXPECT_EQ(utc_date(kNow), "2025-03-01");
  EXPECT_EQ(utc_date(kNow - 1), "2025-02-28");
  EXPECT_EQ(utc_minute(kNow + 14 * kMillisPerHour + 5 * kMillisPerMinute), "2025-03-01 14:05 UTC");
  EXPECT_EQ(utc_minute(-kMillisPerMinute), "1969-12-31 23:59 UTC");
  EXPECT_EQ(parse_utc_date("1969-12-31"), std::optional<std::int64_t>(-kDay));
  EXPECT_FALSE(parse_utc_date("2025-02-29").has_value());
  EXPECT_FALSE(parse_utc_date("2025-3-01").has_value());
  EXPECT_FALSE(parse_utc_date("2025-03-01x").has_value());
  EXPECT_FALSE(parse_utc_date("20a5-03-01").has_value());
  EXPECT_FALSE(parse_utc_date("").has_value());
}

TEST(Names, ParseWhatTheyPrint) {
  for (auto i : {Indication::kPain, Indication::kSpasticity}) {
    EXPECT_EQ(parse_indication(indication_name(i)), i);
  }
  for (int k = 0; k <= static_cast<int>(ChangeKind::kRevoke); ++k) {
    const auto kind = static_cast<ChangeKind>(k);
    EXPECT_EQ(parse_change_kind(change_kind_name(kind)), kind);
  }
  EXPECT_EQ(parse_score_kind("ashworth"), ScoreKind::kAshworth);
  EXPECT_FALSE(parse_indication("cancer").has_value());
  EXPECT_EQ(std::string(change_kind_name(ChangeKind::kOverride)), "override");
  EXPECT_EQ(std::string(change_kind_name(ChangeKind::kRevoke)), "revoke");
}

}  // namespace
}  // namespace itdd::programmer
