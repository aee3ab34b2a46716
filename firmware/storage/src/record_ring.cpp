#include "itdd/storage/record_ring.h"

#include <algorithm>

#include "itdd/storage/crc32.h"

namespace itdd::storage {
namespace {

constexpr std::uint32_t kMaxSlot = round_up(kMaxRecordPayload + kRecordOverhead, kMaxProgramUnit);

}  // namespace

RecordRing::RecordRing(hal::Nvm& nvm, Region region, std::uint32_t payload_size, const char* field)
    : nvm_(nvm), region_(region), payload_size_(payload_size), field_(field) {}

// These stay well-defined (no division by zero, no wrap) even on a layout mount() refuses.
std::uint32_t RecordRing::slot_size() const {
  const std::uint32_t unit = nvm_.geometry().program_unit;
  return round_up(payload_size_ + kRecordOverhead, unit == 0 ? 1 : unit);
}

std::uint32_t RecordRing::slots_per_sector() const {
  return nvm_.geometry().sector_size / slot_size();
}

std::uint32_t RecordRing::slot_count() const {
  return slots_per_sector() * region_.sector_count;
}

std::uint32_t RecordRing::capacity() const {
  return region_.sector_count == 0 ? 0 : slots_per_sector() * (region_.sector_count - 1);
}

// Mounted only: the layout kept at mount().
std::uint32_t RecordRing::address(std::uint32_t slot) const {
  return (region_.first_sector + slot / per_sector_) * sector_size_ +
         slot % per_sector_ * slot_bytes_;
}

Status RecordRing::check_layout() const {
  if (Status s = check_region(nvm_.geometry(), region_, 2, field_); !s) return s;
  if (payload_size_ == 0 || payload_size_ > kMaxRecordPayload) {
    return make_error(ErrorCode::kInvalidArgument, field_, "record payload size out of range");
  }
  if (slots_per_sector() < 2) {
    return make_error(ErrorCode::kInvalidArgument, field_, "sector too small for two records");
  }
  return Status::Ok();
}

Status RecordRing::read_slot(std::uint32_t slot, Slot& out) {
  std::uint8_t raw[kMaxSlot];
  const std::span<std::uint8_t> bytes(raw, slot_bytes_);
  if (Status s = read_bytes(nvm_, address(slot), bytes, field_, static_cast<std::int32_t>(slot));
      !s) {
    return s;
  }
  out.seq = 0;
  if (all_erased(bytes)) {
    out.state = SlotState::kErased;
    return Status::Ok();
  }
  const std::uint32_t body = 4 + payload_size_;
  const std::uint32_t seq = get_u32(raw);
  if (seq == 0 || seq == 0xFFFFFFFFu ||
      crc32(std::span<const std::uint8_t>(raw, body)) != get_u32(raw + body)) {
    out.state = SlotState::kInvalid;
    return Status::Ok();
  }
  out.state = SlotState::kValid;
  out.seq = seq;
  for (std::uint32_t i = 0; i < payload_size_; ++i) out.payload[i] = raw[4 + i];
  return Status::Ok();
}

Result<RingMount> RecordRing::mount() {
  mounted_ = false;
  if (Status s = check_layout(); !s) return s.error();
  const hal::NvmGeometry g = nvm_.geometry();
  slot_bytes_ = static_cast<std::uint8_t>(slot_size());  // checked: at most kMaxSlot
  per_sector_ = slots_per_sector();
  sector_size_ = g.sector_size;
  page_size_ = g.page_size;
  RingMount m;
  Slot s;
  std::uint32_t newest_slot = 0;
  // One pass over every slot: the newest valid record is where the ring stands.
  for (std::uint32_t slot = 0; slot < slots(); ++slot) {
    if (Status st = read_slot(slot, s); !st) return st.error();
    if (s.state == SlotState::kInvalid) ++m.invalid_slots;
    if (s.state != SlotState::kValid) continue;
    ++m.valid_records;
    if (m.oldest_seq == 0 || s.seq < m.oldest_seq) m.oldest_seq = s.seq;
    if (s.seq > m.newest_seq) {
      m.newest_seq = s.seq;
      newest_slot = slot;
    }
  }
  empty_ = m.valid_records == 0;
  newest_slot_ = newest_slot;
  newest_seq_ = m.newest_seq;
  next_seq_ = m.newest_seq + 1;
  if (!empty_) {
    const std::uint64_t span = static_cast<std::uint64_t>(m.newest_seq) - m.oldest_seq + 1;
    m.missing_seqs =
        span > m.valid_records ? static_cast<std::uint32_t>(span - m.valid_records) : 0;
  }

  // The first candidate slot, and the erased run that ends its sector.
  const std::uint32_t candidate = empty_ ? 0 : next(newest_slot);
  const std::uint32_t per = per_sector_;
  const std::uint32_t sector_begin = candidate / per * per;
  std::uint32_t erased_from = sector_begin + per;
  for (std::uint32_t i = 0; i < per; ++i) {
    const std::uint32_t slot = sector_begin + per - 1 - i;
    if (Status st = read_slot(slot, s); !st) return st.error();
    if (s.state != SlotState::kErased) break;
    erased_from = slot;
  }
  if (Status st = read_slot(candidate, s); !st) return st.error();
  // A torn write leaves exactly this: one bad slot after the newest record, erased after it.
  m.torn_tail = s.state == SlotState::kInvalid && erased_from == candidate + 1;

  if (candidate == sector_begin) {
    head_ = candidate;  // an unused sector: append() erases it first, whatever it holds
  } else if (erased_from <= candidate) {
    head_ = candidate;
  } else if (erased_from < sector_begin + per) {
    head_ = erased_from;  // skip the torn slot(s): they cannot be programmed again
  } else {
    head_ = next(sector_begin + per - 1);  // nothing usable left here: the next sector
  }
  mounted_ = true;
  return m;
}

Result<std::uint32_t> RecordRing::append(std::span<const std::uint8_t> payload) {
  if (!mounted_) return make_error(ErrorCode::kRefused, field_, "not mounted");
  if (payload.size() != payload_size_) {
    return make_error(ErrorCode::kInvalidArgument, field_, "record payload has the wrong size");
  }
  if (next_seq_ == 0xFFFFFFFFu) {
    return make_error(ErrorCode::kCapacity, field_, "sequence numbers exhausted");
  }
  // One division: the head's sector in the region and its place there.
  const std::uint32_t sector_index = head_ / per_sector_;
  const std::uint32_t in_sector = head_ - sector_index * per_sector_;
  const std::uint32_t sector = region_.first_sector + sector_index;
  if (in_sector == 0) {
    // Entering a sector: it holds the oldest records (or a torn erase); erase it first.
    if (Status s = nvm_status(nvm_.erase_sector(sector), field_, static_cast<std::int32_t>(sector));
        !s) {
      return s.error();
    }
  }
  std::uint8_t raw[kMaxSlot];
  std::fill_n(raw, kMaxSlot, std::uint8_t{0xFF});
  const std::uint32_t seq = next_seq_;
  put_u32(raw, seq);
  std::copy_n(payload.begin(), payload_size_, raw + 4);
  const std::uint32_t body = 4 + payload_size_;
  put_u32(raw + body, crc32(std::span<const std::uint8_t>(raw, body)));
  const std::uint32_t slot = head_;
  head_ = next(head_);
  ++next_seq_;
  if (Status s = program_bytes(nvm_, page_size_, sector * sector_size_ + in_sector * slot_bytes_,
                               std::span<const std::uint8_t>(raw, slot_bytes_), field_,
                               static_cast<std::int32_t>(slot));
      !s) {
    return s.error();
  }
  empty_ = false;
  newest_slot_ = slot;
  newest_seq_ = seq;
  return seq;
}

}  // namespace itdd::storage
