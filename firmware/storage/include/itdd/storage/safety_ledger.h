// The safety monitor's memory in flash, so a reset never widens what it permits
// (firmware/safety/README.md). Two rings of CRC-checked records:
//   strokes   every observation in which the rotor sensor saw strokes (time, count): more than
//             an hour at the pump's maximum rate, so the hour window is rebuilt stroke by stroke;
//   windows   every closed five-minute bucket that held strokes (bucket, count), every change
//             of the allowed basal rate (from, rate), every authorised bolus (start, end,
//             volume) and, after a program change, what the earlier programs' patient boluses
//             may still add (until, per hour, per day): more than a day of them.
// Records come in time order within each ring. A write cut by a power loss loses that record
// only (at most the strokes of one observation).
#pragma once

#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/hal/nvm.h"
#include "itdd/storage/flash.h"
#include "itdd/storage/record_ring.h"

namespace itdd::storage {

enum class SafetyRecordKind : std::int64_t {
  kStrokes = 1,
  kBucket = 2,
  kRate = 3,
  kBolus = 4,
  kEarlierExtras = 5,  // what earlier programs' patient boluses may add after a program change
};

struct SafetyRecord {
  SafetyRecordKind kind = SafetyRecordKind::kStrokes;
  std::int64_t a = 0;  // kStrokes: implant ms; kBucket: index; kRate, kBolus: from (ms);
                       // kEarlierExtras: until (ms)
  std::int64_t b = 0;  // kStrokes, kBucket: strokes; kRate: units per ms; kBolus: end (ms);
                       // kEarlierExtras: nL in an hour
  std::int64_t c = 0;  // kBolus: volume (nL); kEarlierExtras: nL in the day window
};

inline constexpr std::uint32_t kSafetyPayloadBytes = 32;

class SafetyLedger {
 public:
  SafetyLedger(hal::Nvm& nvm, Region strokes, Region windows);

  // Mounts both rings; the worse of the two mounts is returned (invalid slots added up).
  Result<RingMount> mount();
  bool mounted() const { return strokes_.mounted() && windows_.mounted(); }
  Status strokes_seen(std::int64_t at_ms, std::int64_t strokes);
  Status bucket_closed(std::int64_t bucket, std::int64_t strokes);
  Status rate_changed(std::int64_t from_ms, std::int64_t rate);
  Status bolus_authorised(std::int64_t start_ms, std::int64_t end_ms, std::int64_t volume_nl);
  Status earlier_patient_extras(std::int64_t until_ms, std::int64_t hour_nl, std::int64_t day_nl);

  // Calls visit(record) for every valid record of the ring, oldest first. Bounded by the ring.
  template <class Visit>
  Status replay_windows(Visit&& visit) {
    return replay(windows_, visit);
  }
  template <class Visit>
  Status replay_strokes(Visit&& visit) {
    return replay(strokes_, visit);
  }
  std::uint32_t strokes_capacity() const { return strokes_.capacity(); }
  std::uint32_t windows_capacity() const { return windows_.capacity(); }

 private:
  static SafetyRecord decode(std::span<const std::uint8_t> p) {
    return SafetyRecord{static_cast<SafetyRecordKind>(get_i64(p.data())), get_i64(p.data() + 8),
                        get_i64(p.data() + 16), get_i64(p.data() + 24)};
  }
  template <class Visit>
  static Status replay(RecordRing& ring, Visit& visit) {
    return ring.walk_from([](std::uint32_t, std::span<const std::uint8_t>) { return false; },
                          [&](std::uint32_t, std::span<const std::uint8_t> p) {
                            visit(decode(p));
                            return true;
                          });
  }
  Status append(RecordRing& ring, const SafetyRecord& r);

  RecordRing strokes_;
  RecordRing windows_;
};

}  // namespace itdd::storage
