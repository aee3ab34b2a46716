// An append-only ring of fixed-size records over whole sectors, the engine under EventLog and
// DeliveryHistory. Each slot holds [sequence number | payload | CRC-32 of both], written in one
// go (split only at flash page boundaries) and never programmed twice between erases. The ring
// advances slot by slot; when it reaches a sector it erases that sector first, dropping the
// oldest records. mount() rebuilds the position from flash alone, in one bounded scan; a slot
// whose CRC fails is never returned, and a torn write is skipped, not overwritten.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/hal/nvm.h"
#include "itdd/storage/flash.h"

namespace itdd::storage {

inline constexpr std::uint32_t kMaxRecordPayload = 40;
inline constexpr std::uint32_t kRecordOverhead = 8;  // sequence number and CRC

// What mount() found.
struct RingMount {
  std::uint32_t valid_records = 0;
  std::uint32_t invalid_slots = 0;  // written slots whose CRC fails: torn writes or corruption
  bool torn_tail = false;  // the slot after the newest record is torn: the last write was cut
  std::uint32_t missing_seqs = 0;  // sequence numbers between the oldest and newest not found
  std::uint32_t oldest_seq = 0;    // 0 when the ring is empty
  std::uint32_t newest_seq = 0;
};

// A reader's place in a ring (RecordRing::read_next): the slot and sequence number of the last
// record it read; an unplaced cursor starts before the oldest.
struct RingCursor {
  std::uint32_t slot = 0;
  std::uint32_t seq = 0;
  bool placed = false;
};

class RecordRing {
 public:
  // `field` names the store in errors ("event_log", "delivery_history").
  RecordRing(hal::Nvm& nvm, Region region, std::uint32_t payload_size, const char* field);

  // Scans every slot once. Must succeed before append() or reads.
  Result<RingMount> mount();
  // Writes one record; returns its sequence number (1, 2, 3, ...). After an error the slot is
  // skipped (it may be half-written) and its sequence number is not reused until the next mount.
  Result<std::uint32_t> append(std::span<const std::uint8_t> payload);

  bool mounted() const { return mounted_; }
  std::uint32_t slot_size() const;
  std::uint32_t slots_per_sector() const;
  std::uint32_t slot_count() const;
  // Records the ring always keeps: all but one sector (the one erased next), less one slot per
  // write cut since that sector was erased.
  std::uint32_t capacity() const;
  std::uint32_t newest_seq() const { return newest_seq_; }  // 0 when empty
  std::uint32_t payload_size() const { return payload_size_; }

  // Calls visit(seq, payload) for the valid records from the newest back (sequence numbers
  // strictly falling) until it returns false. At most one pass over the ring.
  template <class Visit>
  Status walk_back(Visit&& visit);
  // Calls visit(seq, payload) in ascending order for the valid records from the oldest one for
  // which before(seq, payload) is false up to the newest, until visit returns false. `before`
  // must be false from some record on (e.g. seq < first). At most two passes over the ring.
  template <class Before, class Visit>
  Status walk_from(Before&& before, Visit&& visit);
  // Reads the first valid record after the cursor (a higher sequence number, in slot order)
  // into visit(seq, payload) and moves the cursor to it; false when the cursor is at the newest.
  // After the ring wrapped past the cursor, records may be skipped (the reader sees the gap in
  // its own numbering). Usually one slot read; at most one pass.
  template <class Visit>
  Result<bool> read_next(RingCursor& cursor, Visit&& visit);

 private:
  enum class SlotState : std::uint8_t { kErased, kValid, kInvalid };
  struct Slot {
    SlotState state = SlotState::kErased;
    std::uint32_t seq = 0;
    std::array<std::uint8_t, kMaxRecordPayload> payload{};
  };
  Status check_layout() const;
  Status read_slot(std::uint32_t slot, Slot& out);
  std::uint32_t address(std::uint32_t slot) const;
  // Mounted only (the layout mount() checked, kept from then on: a device's geometry is fixed).
  std::uint32_t slots() const { return per_sector_ * region_.sector_count; }
  std::uint32_t next(std::uint32_t slot) const { return slot + 1 == slots() ? 0 : slot + 1; }
  std::uint32_t prev(std::uint32_t slot) const { return slot == 0 ? slots() - 1 : slot - 1; }
  std::span<const std::uint8_t> payload_of(const Slot& s) const {
    return std::span<const std::uint8_t>(s.payload.data(), payload_size_);
  }

  hal::Nvm& nvm_;
  Region region_;
  std::uint32_t payload_size_;
  const char* field_;
  bool mounted_ = false;
  bool empty_ = true;
  // The layout, from the geometry at mount(): every record written asked the flash for it
  // several times over a virtual call, with a division each (bench/README.md).
  std::uint8_t slot_bytes_ = 0;  // at most kMaxSlot
  std::uint32_t per_sector_ = 0;
  std::uint32_t sector_size_ = 0;
  std::uint32_t page_size_ = 0;
  std::uint32_t head_ = 0;         // the slot the next record goes to
  std::uint32_t newest_slot_ = 0;  // valid when !empty_
  std::uint32_t newest_seq_ = 0;
  std::uint32_t next_seq_ = 1;
};

template <class Visit>
Status RecordRing::walk_back(Visit&& visit) {
  if (!mounted_) return make_error(ErrorCode::kRefused, field_, "not mounted");
  if (empty_) return Status::Ok();
  std::uint32_t bound = newest_seq_ + 1;
  std::uint32_t slot = newest_slot_;
  Slot s;
  for (std::uint32_t i = 0; i < slots(); ++i, slot = prev(slot)) {
    if (Status st = read_slot(slot, s); !st) return st;
    if (s.state != SlotState::kValid || s.seq >= bound) continue;
    bound = s.seq;
    if (!visit(s.seq, payload_of(s))) break;
  }
  return Status::Ok();
}

template <class Before, class Visit>
Status RecordRing::walk_from(Before&& before, Visit&& visit) {
  if (!mounted_) return make_error(ErrorCode::kRefused, field_, "not mounted");
  if (empty_) return Status::Ok();
  // Back from the newest to the first record that is `before`: the slot after it starts.
  std::uint32_t bound = newest_seq_ + 1;
  std::uint32_t slot = newest_slot_;
  std::uint32_t start = 0;
  bool found = false;
  Slot s;
  for (std::uint32_t i = 0; i < slots(); ++i, slot = prev(slot)) {
    if (Status st = read_slot(slot, s); !st) return st;
    if (s.state != SlotState::kValid || s.seq >= bound) continue;
    bound = s.seq;
    if (before(s.seq, payload_of(s))) break;
    start = slot;
    found = true;
  }
  if (!found) return Status::Ok();
  std::uint32_t last = 0;
  slot = start;
  for (std::uint32_t i = 0; i < slots(); ++i, slot = next(slot)) {
    if (Status st = read_slot(slot, s); !st) return st;
    if (s.state == SlotState::kValid && s.seq > last && s.seq <= newest_seq_) {
      last = s.seq;
      if (!visit(s.seq, payload_of(s))) break;
    }
    if (slot == newest_slot_) break;
  }
  return Status::Ok();
}

template <class Visit>
Result<bool> RecordRing::read_next(RingCursor& cursor, Visit&& visit) {
  if (!mounted_) return make_error(ErrorCode::kRefused, field_, "not mounted");
  if (empty_ || (cursor.placed && cursor.seq >= newest_seq_)) return false;
  // From the slot after the cursor's, or after the newest: the oldest follows the erased run.
  std::uint32_t slot = next(cursor.placed ? cursor.slot : newest_slot_);
  const std::uint32_t after = cursor.placed ? cursor.seq : 0;
  Slot s;
  for (std::uint32_t i = 0; i < slots(); ++i, slot = next(slot)) {
    if (Status st = read_slot(slot, s); !st) return st.error();
    if (s.state == SlotState::kValid && s.seq > after && s.seq <= newest_seq_) {
      cursor = RingCursor{slot, s.seq, true};
      visit(s.seq, payload_of(s));
      return true;
    }
  }
  return false;
}

}  // namespace itdd::storage
