// Programming as a use case against the implant's firmware and radio in this process (frames
// straight into the radio: tests/radio_rig.h): prepared (nothing sent), committed under the
// token it was reviewed against, read back.
#include "itdd/programmer/use_cases/program.h"

#include <gtest/gtest.h>

#include "../../../tests/radio_rig.h"
#include "itdd/programmer/requests.h"

namespace itdd::programmer {
namespace {

using testing::Device;
using testing::Implanted;

constexpr Concentration kMorphine10{10 * kNanogramsPerMilligram};

DrugLibrary library() {
  return DrugLibrary::load(ITDD_SOURCE_DIR "/data/drug-library.json").value();
}

ProgramInput morphine_per_day(std::int64_t milligrams, Concentration c = kMorphine10) {
  ProgramInput in;
  in.entry.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  in.entry.concentration = c;
  in.entry.mode = EntryMode::kContinuous;
  in.entry.dose = DoseRate(milligrams * kNanogramsPerMilligram);
  return in;
}

struct Bench {
  Implanted implanted;
  std::unique_ptr<Device> clinician = testing::provisioned(implanted, link::Role::kClinician);
  UseCaseSession session{clinician->client, implanted.crypto, "the implant", nullptr,
                         [] { return std::int64_t{1'800'000'000'000}; }};
  DrugLibrary drugs = library();

  void fill() {
    const CommandResult r = clinician->client.command(
        refill_request(1, therapy::make_drug("morphine", DoseUnit::kMilligram), kMorphine10,
                       millilitres(18))
            .value(),
        1);
    ASSERT_EQ(r.delivery, Delivery::kApplied) << r.detail;
  }
  ImplantStatus status() { return interrogate(session).value(); }
};

TEST(ProgramUseCase, AnEmptyReservoirIsRefusedBeforeAnythingIsSent) {
  Bench b;
  const host::Checked<ProgramPlan> plan = prepare_program(b.session, b.drugs, morphine_per_day(2));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(outcome_of(plan.error()), Outcome::kInvalidInput);
  EXPECT_NE(plan.error().message.find("the reservoir has not been filled"), std::string::npos);
}

TEST(ProgramUseCase, AnotherConcentrationThanTheReservoirsIsNamed) {
  Bench b;
  b.fill();
  const host::Checked<ProgramPlan> plan =
      prepare_program(b.session, b.drugs, morphine_per_day(2, Concentration(25'000'000)));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(outcome_of(plan.error()), Outcome::kInvalidInput);
  EXPECT_EQ(plan.error().field, "concentration");
  EXPECT_NE(plan.error().message.find("(the reservoir holds morphine 10 mg/mL)"), std::string::npos)
      << plan.error().message;
}

TEST(ProgramUseCase, PreparedThenCommittedIsReadBackExactly) {
  Bench b;
  b.fill();
  const std::uint64_t token_before = b.status().prescription_token;
  const host::Checked<ProgramPlan> plan = prepare_program(b.session, b.drugs, morphine_per_day(2));
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->accepted.ok());
  EXPECT_TRUE(plan->any_change());
  EXPECT_EQ(plan->implant_token, token_before);
  EXPECT_EQ(b.status().prescription_token, token_before) << "prepare sends nothing";

  const host::Checked<ProgramOutcome> done = commit_program(b.session, plan.value());
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(done->sent.applied());
  EXPECT_FALSE(done->after.has_value()) << done->after->message;
  EXPECT_TRUE(done->verified);
  const ImplantStatus after = b.status();
  EXPECT_EQ(after.prescription_token, done->token);
  EXPECT_EQ(after.prescription->continuous_dose.count(), 2 * kNanogramsPerMilligram);
  EXPECT_FALSE(done->recorded.session_id.has_value()) << "no clinic database: nothing recorded";

  // The same again changes nothing, and commit refuses to send it.
  const host::Checked<ProgramPlan> again = prepare_program(b.session, b.drugs, morphine_per_day(2));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->any_change());
  const host::Checked<ProgramOutcome> refused = commit_program(b.session, again.value());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(outcome_of(refused.error()), Outcome::kInvalidInput);
}

// Between the review and the confirmation someone else programmed the implant: the plan's
// token is stale, the implant refuses it, and the newer program stays.
TEST(ProgramUseCase, APlanReviewedAgainstAnOlderProgramIsNotApplied) {
  Bench b;
  b.fill();
  const host::Checked<ProgramPlan> first = prepare_program(b.session, b.drugs, morphine_per_day(2));
  const host::Checked<ProgramPlan> second =
      prepare_program(b.session, b.drugs, morphine_per_day(3));
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(commit_program(b.session, second.value())->sent.applied());
  const host::Checked<ProgramOutcome> stale = commit_program(b.session, first.value());
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->sent.result.delivery, Delivery::kNotApplied);
  EXPECT_FALSE(stale->verified);
  EXPECT_EQ(b.status().prescription->continuous_dose.count(), 3 * kNanogramsPerMilligram);
}

// The drug library's limits: a hard one blocks (nothing can be sent), a soft one needs a reason.
TEST(ProgramUseCase, TheDrugLibraryDecidesWhatMayBeSent) {
  Bench b;
  b.fill();
  const std::uint64_t token = b.status().prescription_token;
  const host::Checked<ProgramPlan> blocked =
      prepare_program(b.session, b.drugs, morphine_per_day(21));
  ASSERT_TRUE(blocked.ok());
  EXPECT_TRUE(blocked->check.blocked());
  EXPECT_FALSE(blocked->accepted.ok());
  const host::Checked<ProgramOutcome> not_sent = commit_program(b.session, blocked.value());
  ASSERT_FALSE(not_sent.ok());
  EXPECT_EQ(outcome_of(not_sent.error()), Outcome::kInvalidInput);
  EXPECT_EQ(b.status().prescription_token, token) << "nothing was sent";

  const host::Checked<ProgramPlan> soft = prepare_program(b.session, b.drugs, morphine_per_day(12));
  ASSERT_TRUE(soft.ok());
  EXPECT_TRUE(soft->check.needs_override());
  EXPECT_FALSE(soft->accepted.ok());
  ProgramInput with_reason = morphine_per_day(12);
  with_reason.override_reason = "tolerant after a long titration";
  const host::Checked<ProgramPlan> overridden = prepare_program(b.session, b.drugs, with_reason);
  ASSERT_TRUE(overridden.ok());
  EXPECT_TRUE(overridden->accepted.ok());
  EXPECT_TRUE(commit_program(b.session, overridden.value())->verified);
}

}  // namespace
}  // namespace itdd::programmer
