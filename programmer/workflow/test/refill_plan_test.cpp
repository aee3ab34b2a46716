#include "itdd/programmer/refill_plan.h"

#include <gtest/gtest.h>

#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

// The wire's status in the host's form, as the programmer converts an interrogation.
inline ImplantStatus host(const itdd_ImplantStatus& wire) {
  return implant_status_from_wire(wire).value();
}

constexpr Concentration k25MgPerMl{25'000'000};
constexpr Concentration k10MgPerMl{10'000'000};
const Volume kCapacity = millilitres(20);

itdd_ImplantStatus holding(const char* drug, Concentration c, Volume remaining) {
  itdd_ImplantStatus s = itdd_ImplantStatus_init_zero;
  s.has_reservoir = true;
  s.reservoir.filled = true;
  s.reservoir.has_drug = true;
  EXPECT_TRUE(
      protocol::drug_to_wire(therapy::make_drug(drug, DoseUnit::kMilligram), s.reservoir.drug)
          .ok());
  s.reservoir.concentration_ng_per_ml = c.count();
  s.reservoir.remaining_nl = remaining.count();
  return s;
}

RefillEntry morphine_refill(Volume withdrawn, Concentration c = k25MgPerMl) {
  RefillEntry e;
  e.withdrawn = withdrawn;
  e.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  e.concentration = c;
  e.volume = millilitres(18);
  return e;
}

const char* refused_field(const Result<RefillPlan>& r) {
  return r.ok() ? "(accepted)" : r.error().field;
}

TEST(RefillPlan, AsExpectedRefillOfTheSameDrugNeedsNothingMore) {
  const Result<RefillPlan> p = plan_refill(host(holding("morphine", k25MgPerMl, millilitres(5))),
                                           kCapacity, morphine_refill(microlitres(4'600)));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->kind, RefillKind::kSameDrug);
  EXPECT_FALSE(p->check->needs_acknowledgement());
  EXPECT_TRUE(p->notes.empty());
}

TEST(RefillPlan, APocketFillSizedDiscrepancyNeedsAnAcknowledgementWithAReason) {
  const itdd_ImplantStatus before = holding("morphine", k25MgPerMl, millilitres(5));
  RefillEntry e = morphine_refill(microlitres(3'900));  // 1.1 mL less than expected
  EXPECT_STREQ(refused_field(plan_refill(host(before), kCapacity, e)), "acknowledge");
  e.acknowledgement = "ok";  // not a reason
  EXPECT_STREQ(refused_field(plan_refill(host(before), kCapacity, e)), "acknowledge");
  e.acknowledgement = "patient checked, no signs of overdose; pump to be interrogated weekly";
  const Result<RefillPlan> p = plan_refill(host(before), kCapacity, e);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->check->finding, RefillFinding::kLessThanExpected);
  ASSERT_EQ(p->notes.size(), 1u);
  EXPECT_NE(p->notes[0].find("pocket fill"), std::string::npos) << p->notes[0];
  EXPECT_NE(p->notes[0].find("1.1 mL"), std::string::npos) << p->notes[0];
}

TEST(RefillPlan, MoreLeftThanExpectedPointsAtUnderInfusion) {
  RefillEntry e = morphine_refill(microlitres(6'500));
  e.acknowledgement = "known motor stall after MRI";
  const Result<RefillPlan> p =
      plan_refill(host(holding("morphine", k25MgPerMl, millilitres(5))), kCapacity, e);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->check->finding, RefillFinding::kMoreThanExpected);
  EXPECT_NE(p->notes[0].find("under-infusion"), std::string::npos);
}

TEST(RefillPlan, RefusesMissingOrImpossibleVolumesNamingTheEntry) {
  const itdd_ImplantStatus before = holding("morphine", k25MgPerMl, millilitres(5));
  RefillEntry e = morphine_refill(millilitres(5));
  e.withdrawn.reset();
  EXPECT_STREQ(refused_field(plan_refill(host(before), kCapacity, e)), "withdrawn");
  e = morphine_refill(millilitres(50));
  EXPECT_STREQ(refused_field(plan_refill(host(before), kCapacity, e)), "withdrawn");
  e = morphine_refill(millilitres(5));
  e.volume = microlitres(20'001);
  EXPECT_STREQ(refused_field(plan_refill(host(before), kCapacity, e)), "volume");
  e.volume = Volume(0);
  EXPECT_STREQ(refused_field(plan_refill(host(before), kCapacity, e)), "volume");
  e.volume = millilitres(18);
  e.low_alarm = millilitres(18);
  EXPECT_STREQ(refused_field(plan_refill(host(before), kCapacity, e)), "low_alarm");
  // Issue 11: the library said "at least 0 mL" where the command line said "more than 0": one
  // rule now, and 0 (an alarm only once the pump is dry) refused by both.
  e.low_alarm = Volume(0);
  const Result<RefillPlan> zero = plan_refill(host(before), kCapacity, e);
  ASSERT_FALSE(zero.ok());
  EXPECT_STREQ(zero.error().message, "must be more than 0 mL and below the volume filled");
  e.low_alarm = millilitres(4);
  EXPECT_TRUE(plan_refill(host(before), kCapacity, e).ok());
  e.volume = kCapacity;  // full is allowed
  EXPECT_TRUE(plan_refill(host(before), kCapacity, e).ok());
}

TEST(RefillPlan, AConcentrationChangeNeedsABridgeDecision) {
  const itdd_ImplantStatus before = holding("morphine", k10MgPerMl, millilitres(5));
  RefillEntry e = morphine_refill(millilitres(5), k25MgPerMl);
  EXPECT_STREQ(refused_field(plan_refill(host(before), kCapacity, e)), "bridge");
  e.bridge = true;
  Result<RefillPlan> p = plan_refill(host(before), kCapacity, e);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, RefillKind::kConcentrationChange);
  EXPECT_TRUE(p->bridge);
  EXPECT_NE(p->notes[0].find("10 mg/mL to 25 mg/mL"), std::string::npos) << p->notes[0];
  e.bridge = false;
  p = plan_refill(host(before), kCapacity, e);
  ASSERT_TRUE(p.ok());
  EXPECT_NE(p->notes[0].find("OFF"), std::string::npos);
}

TEST(RefillPlan, FirstFillAndDrugChange) {
  itdd_ImplantStatus empty = itdd_ImplantStatus_init_zero;
  RefillEntry e = morphine_refill(Volume(0));
  e.withdrawn.reset();
  Result<RefillPlan> p = plan_refill(host(empty), kCapacity, e);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, RefillKind::kFirstFill);
  EXPECT_FALSE(p->check.has_value());

  e = morphine_refill(millilitres(5));
  e.drug = therapy::make_drug("hydromorphone", DoseUnit::kMilligram);
  p = plan_refill(host(holding("morphine", k25MgPerMl, millilitres(5))), kCapacity, e);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->kind, RefillKind::kDrugChange);
  EXPECT_NE(p->notes[0].find("therapy stops"), std::string::npos);

  e.drug = therapy::make_drug("morphine", DoseUnit::kMicrogram);
  EXPECT_STREQ(refused_field(plan_refill(host(holding("morphine", k25MgPerMl, millilitres(5))),
                                         kCapacity, e)),
               "drug");
}

}  // namespace
}  // namespace itdd::programmer
