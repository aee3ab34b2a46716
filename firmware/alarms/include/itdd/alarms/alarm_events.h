// What the alarm manager tells the event log. Kept here, not in engine/events.h, so the alarm
// module depends on nothing above the hal; the integrator forwards these to the event log.
#pragma once

#include <cstdint>

#include "itdd/alarms/alarm_kind.h"
#include "itdd/core/time.h"

namespace itdd::alarms {

enum class AlarmAction : std::uint8_t {
  kRaised = 0,
  kCleared = 1,
  kSilenced = 2,      // `until` = when the silence ends
  kSilenceEnded = 3,  // a silence ran out while the alarm was still active: it sounds again
  kAcknowledged = 4,  // seen by the clinic; a non-critical alarm is quiet until it re-raises
  kAlarmTest = 5,     // the alarm test pattern started (kind = kNone)
  kToneFailed = 6,    // the buzzer reported a fault; kind = the alarm it was for (or kNone)
};

const char* name(AlarmAction action);

struct AlarmEvent {
  ImplantTime at{};
  AlarmKind kind = AlarmKind::kNone;
  AlarmAction action = AlarmAction::kRaised;
  ImplantTime until{};  // kSilenced only
  constexpr bool operator==(const AlarmEvent&) const = default;
};

class AlarmEventSink {
 public:
  virtual void record(const AlarmEvent& event) = 0;

 protected:
  ~AlarmEventSink() = default;
};

}  // namespace itdd::alarms
