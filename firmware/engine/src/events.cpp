#include "itdd/engine/events.h"

namespace itdd::engine {

const char* name(EventKind kind) {
  switch (kind) {
    case EventKind::kPrescriptionProgrammed:
      return "prescription_programmed";
    case EventKind::kRefilled:
      return "refilled";
    case EventKind::kPrimingStarted:
      return "priming_started";
    case EventKind::kPrimingEnded:
      return "priming_ended";
    case EventKind::kClinicianBolusStarted:
      return "clinician_bolus_started";
    case EventKind::kClinicianBolusEnded:
      return "clinician_bolus_ended";
    case EventKind::kBridgeBolusStarted:
      return "bridge_bolus_started";
    case EventKind::kBridgeBolusEnded:
      return "bridge_bolus_ended";
    case EventKind::kPatientBolusGranted:
      return "patient_bolus_granted";
    case EventKind::kPatientBolusRefused:
      return "patient_bolus_refused";
    case EventKind::kPatientBolusEnded:
      return "patient_bolus_ended";
    case EventKind::kLowReservoir:
      return "low_reservoir";
    case EventKind::kReservoirEmpty:
      return "reservoir_empty";
    case EventKind::kClockSet:
      return "clock_set";
    case EventKind::kMotorStall:
      return "motor_stall";
    case EventKind::kMotorRecovered:
      return "motor_recovered";
    case EventKind::kResumedAfterReset:
      return "resumed_after_reset";
  }
  return "unknown";
}

}  // namespace itdd::engine
