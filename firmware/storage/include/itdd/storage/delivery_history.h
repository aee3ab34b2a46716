// Delivery per hour, in flash: one record per hour of implant time (hour_index = implant ms /
// 3,600,000) with the volume delivered and the strokes made in it, each with its own CRC-32,
// in a RecordRing. kDefaultLayout keeps at least 2,432 hours (101 days); hours come in rising
// order, gaps allowed (an hour with no record is an hour nothing was recorded for).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/core/units.h"
#include "itdd/hal/nvm.h"
#include "itdd/storage/flash.h"
#include "itdd/storage/record_ring.h"

namespace itdd::storage {

struct HourRecord {
  std::int64_t hour_index = 0;
  Volume volume{};  // nL delivered in that hour
  std::int64_t strokes = 0;

  bool operator==(const HourRecord&) const = default;
};

inline constexpr std::uint32_t kHourPayloadBytes = 24;

class DeliveryHistory {
 public:
  DeliveryHistory(hal::Nvm& nvm, Region region);

  Result<RingMount> mount();
  // Appends one hour. hour_index must be above every hour already recorded (kRefused if not),
  // volume and strokes not negative.
  Status record(std::int64_t hour_index, Volume volume, std::int64_t strokes);
  // Hours in [first_hour, last_hour], oldest first, as many as fit; returns how many.
  Result<std::size_t> read_hours(std::int64_t first_hour, std::int64_t last_hour,
                                 std::span<HourRecord> out);
  // The newest hour recorded, or -1 when none.
  std::int64_t newest_hour() const { return newest_hour_; }
  std::uint32_t capacity_hours() const { return ring_.capacity(); }
  bool mounted() const { return ring_.mounted(); }

 private:
  RecordRing ring_;
  std::int64_t newest_hour_ = -1;
};

}  // namespace itdd::storage
