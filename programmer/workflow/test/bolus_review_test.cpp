// A clinician bolus reviewed from an interrogation and the implant's log: the reservoir's drug,
// the program in force and the earlier boluses go into the drug library's check.
#include "itdd/programmer/bolus_review.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

// The wire's status in the host's form, as the programmer converts an interrogation.
inline ImplantStatus host(const itdd_ImplantStatus& wire) {
  return implant_status_from_wire(wire).value();
}

const DrugLibrary& library() {
  static const DrugLibrary lib = [] {
    host::Checked<DrugLibrary> l =
        DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json");
    if (!l.ok()) throw std::runtime_error(l.error().text());
    return std::move(l).value();
  }();
  return lib;
}

constexpr std::int64_t kNow = 10 * kMillisPerDay;

// Morphine 10 mg/mL in the reservoir, 1 mg/day running.
itdd_ImplantStatus morphine_running() {
  itdd_ImplantStatus s = itdd_ImplantStatus_init_zero;
  s.implant_ms = kNow;
  s.has_reservoir = true;
  s.reservoir.filled = true;
  s.reservoir.has_drug = true;
  EXPECT_TRUE(
      protocol::drug_to_wire(therapy::make_drug("morphine", DoseUnit::kMilligram), s.reservoir.drug)
          .ok());
  s.reservoir.concentration_ng_per_ml = 10'000'000;
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = Concentration(10'000'000);
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = DoseRate(1'000'000);
  s.has_prescription = true;
  EXPECT_TRUE(protocol::prescription_to_wire(rx, s.prescription).ok());
  return s;
}

// A log of `records` (seq from 1), served a page at a time as the implant serves it.
LogPageReader log_of(std::vector<itdd_LogRecord> records) {
  return [records](std::uint32_t from) -> Result<itdd_EventLogPage> {
    itdd_EventLogPage page = itdd_EventLogPage_init_zero;
    for (const itdd_LogRecord& r : records) {
      if (r.seq >= from && page.records_count < 32) page.records[page.records_count++] = r;
    }
    page.newest_seq = records.empty() ? 0 : records.back().seq;
    return page;
  };
}

itdd_LogRecord bolus_record(std::uint32_t seq, std::int64_t at, Volume v, Duration d) {
  itdd_LogRecord r = itdd_LogRecord_init_zero;
  r.seq = seq;
  r.at_implant_ms = at;
  r.code = 0x04;  // clinician-bolus-started
  r.a = v.count();
  r.b = d.count();
  return r;
}

TEST(BolusReview, TheProgramAndTheEarlierBolusesGoIntoTheCheck) {
  // 0.5 mL (5 mg) three hours ago: 1 + 5 + 5 = 11 mg, above the soft maximum.
  const Result<BolusReview> b = review_bolus(
      host(morphine_running()), library(), milligrams(5), DoseUnit::kMilligram, hours(1),
      log_of({bolus_record(1, kNow - hours(3).count(), microlitres(500), hours(1))}));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->volume, microlitres(500));
  EXPECT_EQ(b->earlier.count, 1);
  EXPECT_EQ(b->earlier.total, milligrams(5));
  EXPECT_EQ(b->check.max_daily_dose, DoseRate(11'000'000));
  EXPECT_TRUE(b->check.needs_override());
  const std::string text = format_bolus_review(*b, "");
  EXPECT_NE(text.find("clinician bolus: 5 mg of morphine over 1 h\n= 0.5 mL at 10 mg/mL"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1 earlier clinician bolus of 5 mg in all"), std::string::npos) << text;
  EXPECT_NE(text.find("override reason: none given (--override-reason)"), std::string::npos)
      << text;
  EXPECT_NE(format_bolus_review(*b, "pain crisis, reviewed").find("override reason: pain crisis"),
            std::string::npos);
  const nlohmann::ordered_json j = bolus_review_json(*b);
  EXPECT_EQ(j["dose_ng"], 5'000'000);
  EXPECT_EQ(j["volume_nl"], 500'000);
  EXPECT_EQ(j["dose_check"]["verdict"], "needs override");
}

TEST(BolusReview, RefusedWithoutDrugInTheWrongUnitOrWithoutTheLog) {
  itdd_ImplantStatus empty = morphine_running();
  empty.reservoir.filled = false;
  const LogPageReader no_log = log_of({});
  Result<BolusReview> b =
      review_bolus(host(empty), library(), milligrams(1), DoseUnit::kMilligram, hours(1), no_log);
  ASSERT_FALSE(b.ok());
  EXPECT_STREQ(b.error().field, "reservoir");
  b = review_bolus(host(morphine_running()), library(), micrograms(1), DoseUnit::kMicrogram,
                   hours(1), no_log);
  ASSERT_FALSE(b.ok());
  EXPECT_STREQ(b.error().field, "unit");
  const LogPageReader broken = [](std::uint32_t) -> Result<itdd_EventLogPage> {
    return make_error(ErrorCode::kRefused, "transport", "no answer");
  };
  b = review_bolus(host(morphine_running()), library(), milligrams(1), DoseUnit::kMilligram,
                   hours(1), broken);
  ASSERT_FALSE(b.ok());
  EXPECT_STREQ(b.error().field, "transport");
}

}  // namespace
}  // namespace itdd::programmer
