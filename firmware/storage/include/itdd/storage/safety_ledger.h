// The safety monitor's memory in flash, so a reset never widens what it permits and the day
// window is exact (firmware/safety/README.md). Three rings of CRC-checked records:
//   strokes   every observation in which the rotor sensor saw strokes (time, count, the number
//             of its first stroke): more than an hour at the pump's maximum rate, so the hour
//             window and the strokes not yet packed are rebuilt stroke by stroke;
//   windows   every change of the allowed basal rate (from, rate) and the rate in force every
//             hour, every authorised bolus (start, end, volume) and, after a program change,
//             what the earlier programs' patient boluses may still add (until, per hour, per
//             day): more than a day of them;
//   day       packs of up to 13 stroke times (the first in ms, the others as gaps: a base and
//             16 bits each), more than a day of them at the pump's maximum rate: the monitor reads
//             them back as its day window's start moves on (read_pack, a forward cursor).
// Records come in time order within each ring. A write cut by a power loss loses that record
// only (at most the strokes of one observation; a pack's strokes are still in the strokes ring).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/hal/nvm.h"
#include "itdd/storage/flash.h"
#include "itdd/storage/record_ring.h"

namespace itdd::storage {

enum class SafetyRecordKind : std::int64_t {
  kStrokes = 1,
  kBucket = 2,  // written by earlier firmware (five-minute buckets); no longer read
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
  std::int64_t c = 0;  // kStrokes: the number of the first stroke; kBolus: volume (nL);
                       // kEarlierExtras: nL in the day window
};

inline constexpr std::uint32_t kSafetyPayloadBytes = 32;

// A pack of stroke times (the monitor's safety::StrokePack): the first stroke's number and
// time, then the gaps in ms from one stroke to the next, each base_gap_ms plus 16 bits;
// kNoStroke ends them.
struct StrokePackRecord {
  static constexpr std::size_t kGaps = 12;
  static constexpr std::uint16_t kNoStroke = 0xFFFF;
  std::uint32_t first_index = 0;
  std::int64_t first_ms = 0;
  std::uint32_t base_gap_ms = 0;
  std::array<std::uint16_t, kGaps> gaps{};
};
inline constexpr std::uint32_t kStrokePackPayloadBytes = 8 + 4 + 4 + 2 * StrokePackRecord::kGaps;
static_assert(kStrokePackPayloadBytes <= kMaxRecordPayload, "a pack fits a record");

class SafetyLedger {
 public:
  SafetyLedger(hal::Nvm& nvm, Region strokes, Region windows, Region day);

  // Mounts the three rings; the worst of the mounts is returned (invalid slots added up).
  Result<RingMount> mount();
  bool mounted() const { return strokes_.mounted() && windows_.mounted() && day_.mounted(); }
  Status strokes_seen(std::int64_t at_ms, std::int64_t strokes, std::uint32_t first_index);
  // Refuses a pack whose gaps go on after the end marker, writing nothing.
  Status strokes_packed(const StrokePackRecord& pack);
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
  // Every valid pack, oldest first. Bounded by the ring.
  template <class Visit>
  Status replay_packs(Visit&& visit) {
    return day_.walk_from([](std::uint32_t, std::span<const std::uint8_t>) { return false; },
                          [&](std::uint32_t, std::span<const std::uint8_t> p) {
                            visit(decode_pack(p));
                            return true;
                          });
  }
  // The next pack after the cursor (oldest first from an unplaced one); false at the newest.
  Result<bool> read_pack(RingCursor& cursor, StrokePackRecord* out);
  std::uint32_t strokes_capacity() const { return strokes_.capacity(); }
  std::uint32_t windows_capacity() const { return windows_.capacity(); }
  std::uint32_t day_capacity() const { return day_.capacity(); }
  // The day ring's slots: more than it always keeps (day_capacity), and the most valid packs it
  // can hold at once, so the most read_pack calls that can return one in a row.
  std::uint32_t day_slots() const { return day_.slot_count(); }

 private:
  static StrokePackRecord decode_pack(std::span<const std::uint8_t> p);
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
  RecordRing day_;
};

}  // namespace itdd::storage
