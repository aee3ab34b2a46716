#include "itdd/programmer/outcome.h"

namespace itdd::programmer {

std::optional<Outcome> outcome_of_exit_status(int status) {
  switch (status) {
    case exit_status(Outcome::kOk):
      return Outcome::kOk;
    case exit_status(Outcome::kRefused):
      return Outcome::kRefused;
    case exit_status(Outcome::kInvalidInput):
      return Outcome::kInvalidInput;
    case exit_status(Outcome::kUncertain):
      return Outcome::kUncertain;
    case exit_status(Outcome::kAppliedNotRecorded):
      return Outcome::kAppliedNotRecorded;
    default:
      return std::nullopt;
  }
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kRefused:
      return "refused";
    case Outcome::kInvalidInput:
      return "invalid_input";
    case Outcome::kUncertain:
      return "uncertain";
    case Outcome::kAppliedNotRecorded:
      return "applied_not_recorded";
  }
  return "unknown";
}

Outcome outcome_of(Delivery d) {
  switch (d) {
    case Delivery::kApplied:
      return Outcome::kOk;
    case Delivery::kNotApplied:
      return Outcome::kRefused;
    case Delivery::kUncertain:
      return Outcome::kUncertain;
  }
  return Outcome::kUncertain;
}

Outcome outcome_of(const host::Refusal& r) {
  switch (r.kind) {
    case host::RefusalKind::kInvalidArgument:
    case host::RefusalKind::kMismatch:
    case host::RefusalKind::kNotFound:
    case host::RefusalKind::kConflict:
    case host::RefusalKind::kNotInitialised:
    case host::RefusalKind::kSchemaTooNew:
      return Outcome::kInvalidInput;
    case host::RefusalKind::kRefused:
    case host::RefusalKind::kCapacity:
    case host::RefusalKind::kCorrupt:
    case host::RefusalKind::kIo:
    case host::RefusalKind::kUnavailable:
      return Outcome::kRefused;
    case host::RefusalKind::kUncertain:
      return Outcome::kUncertain;
    case host::RefusalKind::kNotRecorded:
      return Outcome::kAppliedNotRecorded;
  }
  return Outcome::kRefused;
}

}  // namespace itdd::programmer
