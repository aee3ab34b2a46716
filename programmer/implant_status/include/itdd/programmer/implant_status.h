// The host's model of what an implant says about itself (its interrogation), converted once
// from the wire (protocol's itdd_ImplantStatus) so that the programmer's reports, workflows and
// use cases read units as types and optional facts as optionals, never nanopb's has_ flags,
// fixed arrays or raw integers. The enumerations (activity, alarm, battery status, bolus
// refusal) keep the schema's names: they are the protocol's vocabulary, numbered once.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/core/units.h"
#include "itdd/protocol/itdd.pb.h"
#include "itdd/therapy/prescription.h"

namespace itdd::programmer {

struct ReservoirStatus {
  bool filled = false;                // a drug has been put in it
  std::optional<therapy::Drug> drug;  // what it holds, when the implant says
  Concentration concentration{};
  Volume remaining{};
  Volume low_threshold{};            // the low-reservoir alarm's volume
  std::optional<WallTime> low_at;    // projected on the implant's clock; empty: never
  std::optional<WallTime> empty_at;  // projected; empty: never
  Volume capacity{};                 // the pump model's (0: not said)
};

struct BatteryStatus {
  itdd_BatteryStatus status = itdd_BatteryStatus_BATTERY_STATUS_UNSPECIFIED;
  std::int32_t remaining_permille = 0;  // of the nominal capacity
  Duration longevity{};                 // to end of service at the current program
  std::optional<WallTime> eri_at;       // when ERI was raised, or its projected date
  bool faulty_cell = false;
};

struct AlarmStatus {
  itdd_AlarmKind kind = itdd_AlarmKind_ALARM_KIND_NONE;
  itdd_AlarmClass alarm_class = itdd_AlarmClass_ALARM_CLASS_UNSPECIFIED;
  bool silenced = false;
  std::optional<WallTime> silenced_until;
};

// The patient's boluses in the rolling 24 hours and whether one would be granted now.
struct PatientBolusStatus {
  std::int32_t used_in_24h = 0;
  std::int32_t max_per_24h = 0;  // 0: patient boluses are not enabled
  std::int32_t left_in_24h = 0;
  bool allowed_now = false;
  itdd_BolusRefusal refusal = itdd_BolusRefusal_BOLUS_REFUSAL_NONE;  // when not allowed now
  std::optional<WallTime> next_allowed_at;  // empty: allowed now, or no time will lift it
};

struct ImplantStatus {
  itdd_Activity activity = itdd_Activity_ACTIVITY_UNSPECIFIED;
  // The program in force (a stopped one without a drug name: never programmed); empty when the
  // implant gave none.
  std::optional<therapy::Prescription> prescription;
  std::uint64_t prescription_token = 0;  // what a new program must name to replace it
  ReservoirStatus reservoir;
  std::optional<BatteryStatus> battery;  // empty: the battery monitor is unavailable
  std::vector<AlarmStatus> alarms;       // at most one per kind
  ImplantTime implant_time{};            // its monotonic clock
  WallTime wall{};                       // its local wall clock
  bool clock_valid = false;              // false after the clock was lost, until it is set
  Volume delivered{};                    // since the implant started
  FlowRate current_flow{};
  std::optional<PatientBolusStatus> patient_bolus;
  Volume catheter_volume{};  // as set at the last priming
  Volume pump_dead_volume{};
  FlowRate priming_rate{};

  // The implant's wall clock less its monotonic one: puts a log record's time on its wall.
  std::int64_t wall_offset_ms() const { return wall.ms() - implant_time.ms(); }
  // Whether a program with a drug was ever set (a new implant's is stopped and names none).
  bool programmed() const { return prescription && prescription->drug.name[0] != '\0'; }
  // The reservoir's drug while it is filled; empty otherwise.
  std::optional<therapy::Drug> drug_held() const {
    return reservoir.filled ? reservoir.drug : std::nullopt;
  }
};

// The wire's status in the host's form. Refuses, naming the field, what cannot be understood
// (a prescription or drug the wire mangled, an alarm list longer than its array).
Result<ImplantStatus> implant_status_from_wire(const itdd_ImplantStatus& wire);

}  // namespace itdd::programmer
