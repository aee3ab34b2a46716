#include "itdd/therapy/patient_bolus_limiter.h"

namespace itdd::therapy {

const char* describe(BolusRefusal reason) {
  switch (reason) {
    case BolusRefusal::kNone:
      return "granted";
    case BolusRefusal::kNotEnabled:
      return "patient boluses are not enabled in the prescription";
    case BolusRefusal::kLockout:
      return "lockout: too soon after the last bolus";
    case BolusRefusal::kDailyLimit:
      return "the maximum number of boluses in 24 hours has been reached";
    case BolusRefusal::kTherapyStopped:
      return "therapy is stopped";
    case BolusRefusal::kOtherBolusRunning:
      return "another bolus is running";
    case BolusRefusal::kReservoirLow:
      return "not enough drug left in the reservoir";
  }
  return "unknown";
}

ImplantTime PatientBolusLimiter::grant(std::size_t age_order) const {
  return state_.grants[(state_.head + age_order) % state_.grants.size()];
}

std::uint8_t PatientBolusLimiter::granted_in_last_24h(ImplantTime now) const {
  std::uint8_t n = 0;
  for (std::size_t i = 0; i < state_.count; ++i) {
    if (now - grant(i) < days(1)) ++n;
  }
  return n;
}

BolusDecision PatientBolusLimiter::check(const PatientBolusSettings& settings,
                                         ImplantTime now) const {
  BolusDecision decision;
  decision.next_allowed = ImplantTime::never();
  if (!settings.enabled) {
    decision.reason = BolusRefusal::kNotEnabled;
    return decision;
  }
  ImplantTime allowed = now;
  BolusRefusal reason = BolusRefusal::kNone;
  if (state_.count > 0) {
    const ImplantTime lockout_end = grant(state_.count - 1u) + settings.lockout;
    if (now < lockout_end) {
      reason = BolusRefusal::kLockout;
      allowed = lockout_end;
    }
  }
  const std::uint8_t in_window = granted_in_last_24h(now);
  if (in_window >= settings.max_per_24h) {
    // The window frees a place when the (in_window - max + 1)-th most recent-but-oldest
    // bolus of the window turns 24 hours old.
    const std::size_t first_in_window = state_.count - in_window;
    const ImplantTime frees = grant(first_in_window + (in_window - settings.max_per_24h)) + days(1);
    if (frees > allowed) allowed = frees;
    reason = BolusRefusal::kDailyLimit;
  }
  if (reason == BolusRefusal::kNone) {
    decision.granted = true;
    decision.next_allowed = now;
    return decision;
  }
  decision.reason = reason;
  decision.next_allowed = allowed;
  return decision;
}

void PatientBolusLimiter::record_grant(ImplantTime now) {
  const std::size_t size = state_.grants.size();
  if (state_.count < size) {
    state_.grants[(state_.head + state_.count) % size] = now;
    ++state_.count;
  } else {
    state_.grants[state_.head] = now;
    state_.head = static_cast<std::uint8_t>((state_.head + 1) % size);
  }
}

}  // namespace itdd::therapy
