// Where everything lives in the implant's flash. The reference part is a 512 KB NOR array with
// 4 KB sectors, 8-byte program units and 256-byte pages (a typical Cortex-M internal flash or
// SPI NOR); docs/storage.md has the map and the capacities.
#pragma once

#include <cstdint>

#include "itdd/hal/nvm.h"
#include "itdd/storage/delivery_history.h"
#include "itdd/storage/event_log.h"
#include "itdd/storage/flash.h"
#include "itdd/storage/safety_ledger.h"

namespace itdd::storage {

inline constexpr hal::NvmGeometry kImplantFlash{4096, 128, 8, 256};

struct Layout {
  Region settings_a;
  Region settings_b;
  Region event_log;
  Region delivery_history;
  Region link_a;  // the radio link's keys, paired devices and session epoch (two copies)
  Region link_b;
  Region safety_strokes;  // the safety monitor's memory (safety_ledger.h)
  Region safety_windows;
  Region safety_day;  // packs of stroke times for the exact day window
};

inline constexpr Layout kDefaultLayout{
    .settings_a = {0, 4},  // 16 KB: the therapy state (6 KB today) with room to grow
    .settings_b = {4, 4},
    .event_log = {8, 48},          // 40-byte records, 102 a sector
    .delivery_history = {56, 20},  // 32-byte records, 128 a sector
    .link_a = {76, 1},
    .link_b = {77, 1},
    .safety_strokes = {78, 12},  // 40-byte records: 1,122 kept, over an hour at 1,000 an hour
    .safety_windows = {90, 8},   // 714 kept: a day's rate changes, hourly rates and boluses
    .safety_day = {98, 26},      // 48-byte records: 2,125 packs kept, over a day at 1,000 an hour
};                               // sectors 124-127 are free

// Capacities of the default layout on the reference part.
inline constexpr std::uint32_t kDefaultLogCapacity =
    (kImplantFlash.sector_size /
     round_up(kLogPayloadBytes + kRecordOverhead, kImplantFlash.program_unit)) *
    (kDefaultLayout.event_log.sector_count - 1);
inline constexpr std::uint32_t kDefaultHistoryHours =
    (kImplantFlash.sector_size /
     round_up(kHourPayloadBytes + kRecordOverhead, kImplantFlash.program_unit)) *
    (kDefaultLayout.delivery_history.sector_count - 1);

static_assert(kDefaultLogCapacity >= 4000, "the event log keeps thousands of records");
static_assert(kDefaultHistoryHours >= 90 * 24, "delivery history keeps at least 90 days");
inline constexpr std::uint32_t kDefaultSafetyStrokes =
    (kImplantFlash.sector_size /
     round_up(kSafetyPayloadBytes + kRecordOverhead, kImplantFlash.program_unit)) *
    (kDefaultLayout.safety_strokes.sector_count - 1);
inline constexpr std::uint32_t kDefaultSafetyWindows =
    (kImplantFlash.sector_size /
     round_up(kSafetyPayloadBytes + kRecordOverhead, kImplantFlash.program_unit)) *
    (kDefaultLayout.safety_windows.sector_count - 1);
static_assert(kDefaultSafetyStrokes >= 1'024, "an hour of strokes at the ring's size");
inline constexpr std::uint32_t kDefaultSafetyPacks =
    (kImplantFlash.sector_size /
     round_up(kStrokePackPayloadBytes + kRecordOverhead, kImplantFlash.program_unit)) *
    (kDefaultLayout.safety_day.sector_count - 1);
// A day at the reference pump's hard limit (1,001 strokes in any hour) in full packs of 13, and
// a pack cut short at each change of a flexible program's step and at the start and end of each
// patient bolus (at most 24 a day), with room for clinician boluses and clock changes.
static_assert(kDefaultSafetyPacks >= (24 * 1'001 + 12) / 13 + 2 * 48 + 2 * 24 + 50,
              "over a day of packs at the pump's maximum rate, with room");
static_assert(kDefaultLayout.safety_day.first_sector + kDefaultLayout.safety_day.sector_count <=
                  kImplantFlash.sector_count,
              "the layout fits the part");
static_assert(kDefaultSafetyWindows >= 2 * 289 + 2 * 48,
              "a day of hourly rates and of a flexible program's rate changes, with room");
static_assert(kDefaultLayout.safety_windows.first_sector +
                      kDefaultLayout.safety_windows.sector_count <=
                  kImplantFlash.sector_count,
              "the layout fits the part");
static_assert(kDefaultLayout.link_b.first_sector + kDefaultLayout.link_b.sector_count <=
                  kImplantFlash.sector_count,
              "the layout fits the part");

}  // namespace itdd::storage
