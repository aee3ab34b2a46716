// Every kind of refusal has one outcome, hence one exit status: what the caller can fix is
// invalid input (2), what stands in its way is refused (1), a command whose fate is not known
// is uncertain (3), one applied but not recorded is that (4).
#include "itdd/programmer/outcome.h"

#include <gtest/gtest.h>

namespace itdd::programmer {
namespace {

Outcome of(host::RefusalKind kind) {
  return outcome_of(host::Refusal{"field", "message", kind});
}

TEST(RefusalOutcome, WhatTheCallerCanFixIsInvalidInput) {
  for (const host::RefusalKind k :
       {host::RefusalKind::kInvalidArgument, host::RefusalKind::kMismatch,
        host::RefusalKind::kNotFound, host::RefusalKind::kConflict,
        host::RefusalKind::kNotInitialised, host::RefusalKind::kSchemaTooNew}) {
    EXPECT_EQ(of(k), Outcome::kInvalidInput) << static_cast<int>(k);
    EXPECT_EQ(exit_status(of(k)), 2);
  }
}

TEST(RefusalOutcome, WhatStandsInTheWayIsRefused) {
  for (const host::RefusalKind k :
       {host::RefusalKind::kRefused, host::RefusalKind::kCapacity, host::RefusalKind::kCorrupt,
        host::RefusalKind::kIo, host::RefusalKind::kUnavailable}) {
    EXPECT_EQ(of(k), Outcome::kRefused) << static_cast<int>(k);
    EXPECT_EQ(exit_status(of(k)), 1);
  }
}

TEST(RefusalOutcome, AUseCasesSentCommandIsUncertainOrAppliedButNotRecorded) {
  EXPECT_EQ(exit_status(of(host::RefusalKind::kUncertain)), 3);
  EXPECT_EQ(of(host::RefusalKind::kUncertain), Outcome::kUncertain);
  EXPECT_EQ(exit_status(of(host::RefusalKind::kNotRecorded)), 4);
  EXPECT_EQ(of(host::RefusalKind::kNotRecorded), Outcome::kAppliedNotRecorded);
}

}  // namespace
}  // namespace itdd::programmer
