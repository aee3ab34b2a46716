// The implant's alarm vocabulary: every condition the implant announces with a tone, its class
// (critical: drug is not flowing or will stop, or may have been over-delivered; non-critical:
// act soon), a stable numeric code (never renumbered: logs, the programmer and the clinic's
// records keep it) and a name. The table is data: see docs/alarms.md for when each is raised
// and cleared and where its class comes from.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace itdd::alarms {

// The enumerator's value is the alarm's code. Codes are stable: further alarms go at the end.
enum class AlarmKind : std::uint8_t {
  kNone = 0,  // no alarm: used in events that are not about one alarm (the alarm test)
  kLowReservoir = 1,
  kReservoirEmpty = 2,
  kElectiveReplacement = 3,  // ERI: battery will reach end of service; plan the replacement
  kEndOfService = 4,         // EOS: battery exhausted, therapy stops
  kMotorStall = 5,
  kOcclusion = 6,
  kCriticalMemoryError = 7,     // prescription or settings failed their check: safe state
  kNonCriticalMemoryError = 8,  // log or history damaged; therapy is intact
  kClockLost = 9,
  kSafetyMonitorTrip = 10,
  kLowBatteryReset = 11,
  kPumpStopped = 12,  // no delivery for longer than the set time
  kRefillOverdue = 13,
  kDrugExpired = 14,  // drug in the reservoir is past its stability date
};

inline constexpr std::size_t kAlarmKindCount = 14;

enum class AlarmClass : std::uint8_t {
  kCritical,     // ~3 s two-tone, repeated often
  kNonCritical,  // ~1 s single tone, about hourly
};

inline constexpr std::size_t kAlarmClassCount = 2;

struct AlarmInfo {
  AlarmKind kind = AlarmKind::kNone;
  std::uint8_t code = 0;  // = the enumerator's value
  AlarmClass alarm_class = AlarmClass::kCritical;
  std::uint8_t priority = 0;  // 1 is the most urgent; every critical alarm outranks every other
  const char* name = "";      // stable snake_case name for logs, JSON and the programmer
};

// The table, in code order (index = code - 1). Sources and reasons: docs/alarms.md.
inline constexpr std::array<AlarmInfo, kAlarmKindCount> kAlarmTable = {{
    {AlarmKind::kLowReservoir, 1, AlarmClass::kNonCritical, 9, "low_reservoir"},
    {AlarmKind::kReservoirEmpty, 2, AlarmClass::kCritical, 5, "reservoir_empty"},
    {AlarmKind::kElectiveReplacement, 3, AlarmClass::kNonCritical, 12, "elective_replacement"},
    {AlarmKind::kEndOfService, 4, AlarmClass::kCritical, 7, "end_of_service"},
    {AlarmKind::kMotorStall, 5, AlarmClass::kCritical, 3, "motor_stall"},
    {AlarmKind::kOcclusion, 6, AlarmClass::kCritical, 4, "occlusion"},
    {AlarmKind::kCriticalMemoryError, 7, AlarmClass::kCritical, 2, "critical_memory_error"},
    {AlarmKind::kNonCriticalMemoryError, 8, AlarmClass::kNonCritical, 14,
     "non_critical_memory_error"},
    {AlarmKind::kClockLost, 9, AlarmClass::kNonCritical, 13, "clock_lost"},
    {AlarmKind::kSafetyMonitorTrip, 10, AlarmClass::kCritical, 1, "safety_monitor_trip"},
    {AlarmKind::kLowBatteryReset, 11, AlarmClass::kCritical, 6, "low_battery_reset"},
    {AlarmKind::kPumpStopped, 12, AlarmClass::kCritical, 8, "pump_stopped"},
    {AlarmKind::kRefillOverdue, 13, AlarmClass::kNonCritical, 11, "refill_overdue"},
    {AlarmKind::kDrugExpired, 14, AlarmClass::kNonCritical, 10, "drug_expired"},
}};

constexpr bool is_valid(AlarmKind kind) {
  const auto code = static_cast<std::uint8_t>(kind);
  return code >= 1 && code <= kAlarmKindCount;
}

// The kind with a code, or kNone if no alarm has it.
constexpr AlarmKind alarm_from_code(std::uint8_t code) {
  return (code >= 1 && code <= kAlarmKindCount) ? static_cast<AlarmKind>(code) : AlarmKind::kNone;
}

// Zero-based table index of a valid kind.
constexpr std::size_t index_of(AlarmKind kind) {
  return static_cast<std::size_t>(static_cast<std::uint8_t>(kind) - 1U);
}

inline constexpr AlarmInfo kNoAlarmInfo{};

// Table row of a valid kind (kNone and unknown values get an empty row with code 0).
constexpr const AlarmInfo& info(AlarmKind kind) {
  return is_valid(kind) ? kAlarmTable[index_of(kind)] : kNoAlarmInfo;
}

constexpr AlarmClass alarm_class(AlarmKind kind) {
  return info(kind).alarm_class;
}
constexpr const char* name(AlarmKind kind) {
  return is_valid(kind) ? info(kind).name : "none";
}
constexpr std::uint8_t code(AlarmKind kind) {
  return static_cast<std::uint8_t>(kind);
}
constexpr const char* name(AlarmClass c) {
  return c == AlarmClass::kCritical ? "critical" : "non_critical";
}

// True if `a` is more urgent than `b` (critical first, then by priority).
constexpr bool more_urgent(AlarmKind a, AlarmKind b) {
  return info(a).priority < info(b).priority;
}

namespace detail {
constexpr bool table_is_consistent() {
  std::array<bool, kAlarmKindCount + 1> seen{};
  for (std::size_t i = 0; i < kAlarmKindCount; ++i) {
    const AlarmInfo& row = kAlarmTable[i];
    if (row.code != i + 1 || static_cast<std::uint8_t>(row.kind) != row.code) return false;
    if (row.priority < 1 || row.priority > kAlarmKindCount || seen[row.priority]) return false;
    seen[row.priority] = true;
  }
  // Every critical alarm outranks every non-critical one.
  for (const AlarmInfo& c : kAlarmTable) {
    for (const AlarmInfo& n : kAlarmTable) {
      if (c.alarm_class == AlarmClass::kCritical && n.alarm_class == AlarmClass::kNonCritical &&
          c.priority > n.priority) {
        return false;
      }
    }
  }
  return true;
}
}  // namespace detail
static_assert(detail::table_is_consistent(),
              "alarm table: codes in order, priorities unique, critical before non-critical");

}  // namespace itdd::alarms
