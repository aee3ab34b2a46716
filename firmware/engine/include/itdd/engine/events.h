// What the therapy engine tells the world: a small, settled vocabulary of events, each with
// its time and up to two quantities. The event log (storage) and the simulator's summary both
// listen through EventSink.
#pragma once

#include <cstdint>

#include "itdd/core/time.h"

namespace itdd::engine {

enum class EventKind : std::uint8_t {
  kPrescriptionProgrammed,  // a = basal mode
  kRefilled,                // a = volume nL, b = concentration ng/mL
  kPrimingStarted,          // a = volume nL, b = duration ms
  kPrimingEnded,
  kClinicianBolusStarted,  // a = volume nL, b = duration ms
  kClinicianBolusEnded,
  kBridgeBolusStarted,  // a = volume nL, b = duration ms
  kBridgeBolusEnded,
  kPatientBolusGranted,  // a = volume nL, b = duration ms
  kPatientBolusRefused,  // reason = BolusRefusal, a = next allowed (implant ms)
  kPatientBolusEnded,
  kLowReservoir,    // a = remaining nL
  kReservoirEmpty,  // delivery stopped
  kClockSet,        // a = offset now (ms), b = offset before (ms)
  kMotorStall,      // a = strokes missed so far
  kMotorRecovered,
  kResumedAfterReset,  // a = gap since the last checkpoint (ms), b = volume assumed delivered (nL)
};

const char* name(EventKind kind);

struct TherapyEvent {
  ImplantTime at{};
  EventKind kind = EventKind::kPrescriptionProgrammed;
  std::uint8_t reason = 0;
  std::int64_t a = 0;
  std::int64_t b = 0;
};

class EventSink {
 public:
  virtual void record(const TherapyEvent& event) = 0;

 protected:
  ~EventSink() = default;
};

}  // namespace itdd::engine
