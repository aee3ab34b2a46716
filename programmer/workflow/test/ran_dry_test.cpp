// A refill of a pump that ran dry says so, since when, what it means for the drug in the drug
// library's words, and what to do before the refill restarts the program.
#include "itdd/programmer/ran_dry.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "itdd/host/wall_time.h"
#include "itdd/programmer/refill_plan.h"
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

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

constexpr std::int64_t kNowImplant = 40 * kMillisPerDay;
constexpr std::int64_t kWallOffset = 20'000 * kMillisPerDay;  // 2024-10-04 00:00 local

// An implant holding `drug` at `c`, running `dose_per_day` continuously, its reservoir empty.
itdd_ImplantStatus empty_pump(const char* drug, DoseUnit unit, Concentration c,
                              DoseRate dose_per_day) {
  itdd_ImplantStatus s = itdd_ImplantStatus_init_zero;
  s.activity = itdd_Activity_ACTIVITY_RESERVOIR_EMPTY;
  s.implant_ms = kNowImplant;
  s.wall_ms = kNowImplant + kWallOffset;
  s.has_reservoir = true;
  s.reservoir.filled = true;
  s.reservoir.has_drug = true;
  EXPECT_TRUE(protocol::drug_to_wire(therapy::make_drug(drug, unit), s.reservoir.drug).ok());
  s.reservoir.concentration_ng_per_ml = c.count();
  s.reservoir.remaining_nl = 400;  // less than a stroke
  s.reservoir.capacity_nl = 20'000'000;
  s.alarms_count = 1;
  s.alarms[0].kind = itdd_AlarmKind_ALARM_KIND_RESERVOIR_EMPTY;
  s.alarms[0].alarm_class = itdd_AlarmClass_ALARM_CLASS_CRITICAL;
  therapy::Prescription rx;
  rx.drug = therapy::make_drug(drug, unit);
  rx.concentration = c;
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = dose_per_day;
  s.has_prescription = true;
  EXPECT_TRUE(protocol::prescription_to_wire(rx, s.prescription).ok());
  s.catheter_volume_nl = 150'000;
  s.pump_dead_volume_nl = 200'000;
  s.priming_rate_nl_per_day = 24'000'000;
  return s;
}

EmptyRecord emptied_at(std::int64_t implant_ms, std::uint32_t seq = 77) {
  EmptyRecord e;
  e.record.seq = seq;
  e.record.at_implant_ms = implant_ms;
  e.record.code = 0x0C;
  return e;
}

TEST(RanDry, APumpThatDidNotRunDrySaysNothing) {
  itdd_ImplantStatus st =
      empty_pump("morphine", DoseUnit::kMilligram, Concentration(10'000'000), DoseRate(1'000'000));
  st.activity = itdd_Activity_ACTIVITY_BASAL;
  st.alarms_count = 0;
  EXPECT_FALSE(reservoir_ran_dry(host(st)));
  EXPECT_FALSE(ran_dry(host(st), std::nullopt, library()));
  // Halted, but the empty alarm is active: it ran dry.
  st.activity = itdd_Activity_ACTIVITY_HALTED;
  st.alarms_count = 1;
  st.alarms[0].kind = itdd_AlarmKind_ALARM_KIND_RESERVOIR_EMPTY;
  EXPECT_TRUE(reservoir_ran_dry(host(st)));
}

TEST(RanDry, MorphineSinceWhenWithdrawalToleranceAndNoPriming) {
  const itdd_ImplantStatus st =
      empty_pump("morphine", DoseUnit::kMilligram, Concentration(10'000'000), DoseRate(2'000'000));
  // Ran dry 3 days 4 hours and 30.5 minutes ago.
  const std::int64_t at = kNowImplant - 3 * kMillisPerDay - 4 * kMillisPerHour - 30 * 60'000 - 500;
  const std::optional<RanDry> dry = ran_dry(host(st), emptied_at(at), library());
  ASSERT_TRUE(dry);
  EXPECT_TRUE(dry->delivery_stopped);
  EXPECT_EQ(dry->since, WallTime(at + kWallOffset));
  EXPECT_EQ(dry->dry_for, Duration(kNowImplant - at));
  EXPECT_EQ(dry->withdrawal_risk, WithdrawalRisk::kModerate);
  EXPECT_TRUE(dry->opioid);
  EXPECT_EQ(dry->program_dose, DoseRate(2'000'000));
  EXPECT_EQ(dry->line_volume, Volume(350'000));
  EXPECT_EQ(dry->line_drug, milligrams(3) + micrograms(500));
  const std::string text = format_ran_dry(*dry);
  EXPECT_TRUE(has(text, "THE RESERVOIR RAN DRY: no Morphine")) << text;
  EXPECT_TRUE(has(text, "has been delivered since " + host::format_wall_time(*dry->since) +
                            " (the implant's clock; event log record 77), 3 d 4 h 30 min ago; "
                            "the implant reports delivery stopped (reservoir empty)"))
      << text;
  // The library's words for the withdrawal risk.
  EXPECT_TRUE(has(text,
                  "the withdrawal risk of Morphine (preservative-free, Infumorph) is moderate: "
                  "examine the patient for withdrawal"))
      << text;
  EXPECT_TRUE(has(text, "unconfirmed: rank chosen: opioid withdrawal when the reservoir runs dry"))
      << text;
  // An opioid: tolerance may be lost; the program restarts with the refill.
  EXPECT_TRUE(has(text,
                  "is an opioid: after 3 d 4 h 30 min without it the patient may have "
                  "lost tolerance"))
      << text;
  EXPECT_TRUE(has(text, "delayed respiratory depression")) << text;
  EXPECT_TRUE(
      has(text, "respiratory depression. The refill restarts the program in force, up to 2 mg/day"))
      << text;
  EXPECT_TRUE(has(text, "program the lower dose before the refill")) << text;
  EXPECT_TRUE(has(text, "docs/intrathecal-facts.md, Running dry and withdrawal")) << text;
  // Priming: not needed by the pump model; what it would push in, and how long the line takes.
  EXPECT_TRUE(has(text,
                  "no priming bolus: the implant stops at its computed empty, so by its "
                  "account the pump's dead volume 0.2 mL and the catheter's 0.15 mL (set "
                  "at the last priming) still hold Morphine"))
      << text;
  EXPECT_TRUE(has(text, "would push that 0.35 mL, 3.5 mg, into the patient within 21 min")) << text;
  // 0.35 mL at 0.2 mL/day.
  EXPECT_TRUE(has(text, "pushed through, 1 d 18 h at the program's rate")) << text;

  const nlohmann::ordered_json j = ran_dry_json(*dry);
  EXPECT_EQ(j["drug"], "morphine");
  EXPECT_EQ(j["delivery_stopped"], true);
  EXPECT_EQ(j["since_wall_ms"], at + kWallOffset);
  EXPECT_EQ(j["since_or_earlier"], false);
  EXPECT_EQ(j["dry_for_ms"], kNowImplant - at);
  EXPECT_EQ(j["withdrawal_risk"], "moderate");
  EXPECT_EQ(j["opioid"], true);
  EXPECT_EQ(j["prime"], false);
  EXPECT_EQ(j["line_drug_ng"], 3'500'000);
  EXPECT_GE(j["advice"].size(), 3u);
}

TEST(RanDry, BaclofenWithdrawalCanKillInTheLibrarysWords) {
  const itdd_ImplantStatus st =
      empty_pump("baclofen", DoseUnit::kMicrogram, Concentration(500'000), DoseRate(300'000));
  const std::optional<RanDry> dry =
      ran_dry(host(st), emptied_at(kNowImplant - kMillisPerDay), library());
  ASSERT_TRUE(dry);
  EXPECT_EQ(dry->withdrawal_risk, WithdrawalRisk::kHigh);
  EXPECT_FALSE(dry->opioid);
  const std::string text = format_ran_dry(*dry);
  EXPECT_TRUE(has(text, ") is high: examine the patient for withdrawal")) << text;
  EXPECT_TRUE(has(text, "source: Baclofen withdrawal can kill")) << text;
  EXPECT_FALSE(has(text, "is an opioid")) << text;
  EXPECT_TRUE(has(text, "the refill restarts the program in force, up to 300 mcg/day")) << text;
}

TEST(RanDry, ZiconotideRestartsAtMostAtTheLibrarysStartingDose) {
  const itdd_ImplantStatus st =
      empty_pump("ziconotide", DoseUnit::kMicrogram, Concentration(100'000), DoseRate(9'600));
  const std::optional<RanDry> dry =
      ran_dry(host(st), emptied_at(kNowImplant - kMillisPerDay), library());
  ASSERT_TRUE(dry);
  const std::string text = format_ran_dry(*dry);
  EXPECT_TRUE(has(text, ") is low: examine the patient")) << text;
  EXPECT_TRUE(has(text, "the drug library's highest dose to start or restart Ziconotide")) << text;
  EXPECT_TRUE(has(text,
                  "is 2.4 mcg/day (hard limit), and the program in force gives up to 9.6 "
                  "mcg/day"))
      << text;
  EXPECT_TRUE(has(text, "source: Prialt: start at no more than 2.4 mcg/day")) << text;
}

TEST(RanDry, SinceWhenUnknownOrOnlyBoundedWhenTheLogIsOverwritten) {
  const itdd_ImplantStatus st =
      empty_pump("morphine", DoseUnit::kMilligram, Concentration(10'000'000), DoseRate(2'000'000));
  const std::optional<RanDry> unknown = ran_dry(host(st), std::nullopt, library());
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(unknown->since);
  EXPECT_TRUE(has(format_ran_dry(*unknown),
                  "since when is not known (the event log holds no record of it"));
  EXPECT_TRUE(ran_dry_json(*unknown)["since"].is_null());
  EmptyRecord partial = emptied_at(kNowImplant - kMillisPerDay);
  partial.or_earlier = true;
  const std::string text = format_ran_dry(*ran_dry(host(st), partial, library()));
  EXPECT_TRUE(has(text, " or earlier (the implant's clock")) << text;
  EXPECT_TRUE(has(text, "at least 1 d ago")) << text;
}

TEST(RanDry, TheRefillPlanKeepsItAndTheWithdrawalNoLongerReadsAsExpected) {
  const itdd_ImplantStatus st =
      empty_pump("morphine", DoseUnit::kMilligram, Concentration(10'000'000), DoseRate(2'000'000));
  RefillEntry e;
  e.withdrawn = Volume(0);
  e.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  e.concentration = Concentration(10'000'000);
  e.volume = millilitres(18);
  // Without the finding the refill reads as a good one.
  const Result<RefillPlan> plain = plan_refill(host(st), millilitres(20), e);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(withdrawal_text(*plain), "withdrawn 0 mL against 0.0004 mL expected: as expected");
  const Result<RefillPlan> p =
      plan_refill(host(st), millilitres(20), e,
                  ran_dry(host(st), emptied_at(kNowImplant - kMillisPerDay), library()));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->ran_dry);
  EXPECT_EQ(withdrawal_text(*p),
            "withdrawn 0 mL against 0.0004 mL expected: nothing to speak of was left because the "
            "reservoir ran dry (see above), not a sign that all is well");
  ASSERT_EQ(p->notes.size(), 1u);
  EXPECT_TRUE(has(p->notes[0], "no bridge bolus: the concentration does not change"))
      << p->notes[0];
}

}  // namespace
}  // namespace itdd::programmer
