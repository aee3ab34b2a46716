// A refill as a use case against the implant's firmware and radio in this process
// (tests/radio_rig.h): a first fill, a refill whose withdrawn volume is off (stopped until
// acknowledged, the discrepancy explained), a concentration change (a bridge decision), the
// next refill date in the clinic's time.
#include "itdd/programmer/use_cases/refill.h"

#include <gtest/gtest.h>

#include "../../../tests/radio_rig.h"

namespace itdd::programmer {
namespace {

using testing::Device;
using testing::Implanted;

constexpr std::int64_t kNow = 1'800'000'000'000;  // the host's clock, fixed

struct Bench {
  Implanted implanted;
  std::unique_ptr<Device> clinician = testing::provisioned(implanted, link::Role::kClinician);
  host::TimeZone paris = host::find_time_zone("Europe/Paris").value();
  UseCaseSession session{clinician->client, implanted.crypto, "the implant", &paris,
                         [] { return kNow; }};
  DrugLibrary library = DrugLibrary::load(ITDD_SOURCE_DIR "/data/drug-library.json").value();
  const DrugSpec& morphine = *library.find("morphine");

  RefillInput input(std::int64_t mg_per_ml, Volume volume, std::optional<Volume> withdrawn) {
    RefillInput in;
    in.entry.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
    in.entry.concentration = Concentration(mg_per_ml * kNanogramsPerMilligram);
    in.entry.volume = volume;
    in.entry.withdrawn = withdrawn;
    return in;
  }
  RefillOutcome refill(const RefillInput& in) {
    const host::Checked<RefillPreparation> p = prepare_refill(session, library, morphine, in);
    EXPECT_TRUE(p.ok()) << p.error().message;
    const host::Checked<RefillOutcome> done = commit_refill(session, p.value());
    EXPECT_TRUE(done.ok() && done->sent.applied() && !done->after);
    return done.value();
  }
};

TEST(RefillUseCase, AFirstFillIsDatedInTheClinicsTime) {
  Bench b;
  EXPECT_EQ(check_refill_concentration(b.morphine, Concentration(12'000'000))->field,
            "concentration");
  const host::Checked<RefillPreparation> p =
      prepare_refill(b.session, b.library, b.morphine, b.input(10, millilitres(18), {}));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->plan.kind, RefillKind::kFirstFill);
  EXPECT_EQ(interrogate(b.session)->reservoir.filled, false) << "prepare sends nothing";
  const host::Checked<RefillOutcome> done = commit_refill(b.session, p.value());
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(done->sent.applied());
  EXPECT_EQ(done->reservoir.remaining.count(), millilitres(18).count());
  ASSERT_TRUE(done->in_clinic.has_value());
  EXPECT_GT(done->in_clinic->due_utc_ms, kNow);
  EXPECT_EQ(done->next.due, done->in_clinic->local.due);
  EXPECT_FALSE(done->bridge.has_value());
}

TEST(RefillUseCase, AWithdrawnVolumeOffTheEstimateIsStoppedUntilAcknowledged) {
  Bench b;
  b.refill(b.input(10, millilitres(18), {}));
  // Nothing was programmed: the implant expects all 18 mL back; 15 mL is 3 mL short.
  RefillInput in = b.input(10, millilitres(18), millilitres(15));
  const host::Checked<RefillPreparation> stopped =
      prepare_refill(b.session, b.library, b.morphine, in);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(outcome_of(stopped.error()), Outcome::kInvalidInput);
  EXPECT_EQ(stopped.error().field, "acknowledge");
  EXPECT_NE(stopped.error().detail.find("REFILL DISCREPANCY: withdrawn 15"), std::string::npos)
      << stopped.error().detail;
  EXPECT_NE(stopped.error().detail.find("POCKET FILL"), std::string::npos);
  in.entry.acknowledgement = "checked the pocket, patient well";
  const RefillOutcome done = b.refill(in);
  EXPECT_EQ(done.reservoir.remaining.count(), millilitres(18).count());
}

TEST(RefillUseCase, AConcentrationChangeNeedsABridgeDecision) {
  Bench b;
  b.refill(b.input(10, millilitres(18), {}));
  RefillInput in = b.input(25, millilitres(18), millilitres(18));
  const host::Checked<RefillPreparation> stopped =
      prepare_refill(b.session, b.library, b.morphine, in);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().field, "bridge");
  in.entry.bridge = false;
  const host::Checked<RefillPreparation> p = prepare_refill(b.session, b.library, b.morphine, in);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->plan.kind, RefillKind::kConcentrationChange);
}

}  // namespace
}  // namespace itdd::programmer
