// Decides whether a patient may have a bolus now: lockout since the last one and a maximum in
// any rolling 24 hours. A refusal says why and when the next bolus will be allowed.
#pragma once

#include <array>
#include <cstdint>

#include "itdd/core/time.h"
#include "itdd/therapy/prescription.h"

namespace itdd::therapy {

enum class BolusRefusal : std::uint8_t {
  kNone,
  kNotEnabled,         // the prescription allows no patient boluses
  kLockout,            // too soon after the last bolus
  kDailyLimit,         // the maximum in 24 hours has been reached
  kTherapyStopped,     // the pump is stopped (or not yet programmed)
  kOtherBolusRunning,  // a clinician, priming or bridge bolus is running
  kReservoirLow,       // not enough drug left for a whole bolus
};

const char* describe(BolusRefusal reason);

struct BolusDecision {
  bool granted = false;
  BolusRefusal reason = BolusRefusal::kNone;
  ImplantTime next_allowed{};  // for refusals that time will lift; never() otherwise
};

class PatientBolusLimiter {
 public:
  struct State {
    std::array<ImplantTime, kMaxPatientBolusesPer24h> grants{};  // ring, oldest first from head
    std::uint8_t count = 0;
    std::uint8_t head = 0;
  };

  // Checks lockout and the rolling 24-hour limit only; the engine checks the pump's state.
  BolusDecision check(const PatientBolusSettings& settings, ImplantTime now) const;
  void record_grant(ImplantTime now);
  // How many boluses were granted in the 24 hours before `now`.
  std::uint8_t granted_in_last_24h(ImplantTime now) const;

  const State& state() const { return state_; }
  void restore(const State& state) { state_ = state; }

 private:
  ImplantTime grant(std::size_t age_order) const;  // 0 = oldest kept
  State state_{};
};

}  // namespace itdd::therapy
