#include "itdd/storage/safety_ledger.h"

namespace itdd::storage {
namespace {

constexpr const char* kField = "safety_ledger";

}  // namespace

SafetyLedger::SafetyLedger(hal::Nvm& nvm, Region strokes, Region windows, Region day)
    : strokes_(nvm, strokes, kSafetyPayloadBytes, "safety_ledger.strokes"),
      windows_(nvm, windows, kSafetyPayloadBytes, "safety_ledger.windows"),
      day_(nvm, day, kStrokePackPayloadBytes, "safety_ledger.day") {}

Result<RingMount> SafetyLedger::mount() {
  Result<RingMount> s = strokes_.mount();
  Result<RingMount> w = windows_.mount();
  Result<RingMount> d = day_.mount();
  if (!s) return s;
  if (!w) return w;
  if (!d) return d;
  RingMount m = *s;
  for (const RingMount& other : {*w, *d}) {
    m.valid_records += other.valid_records;
    m.invalid_slots += other.invalid_slots;
    m.torn_tail = m.torn_tail || other.torn_tail;
    m.missing_seqs += other.missing_seqs;
  }
  return m;
}

StrokePackRecord SafetyLedger::decode_pack(std::span<const std::uint8_t> p) {
  StrokePackRecord r;
  r.first_ms = get_i64(p.data());
  r.first_index = get_u32(p.data() + 8);
  r.base_gap_ms = get_u32(p.data() + 12);
  for (std::size_t i = 0; i < StrokePackRecord::kGaps; ++i) {
    r.gaps[i] = get_u16(p.data() + 16 + 2 * i);
  }
  return r;
}

Status SafetyLedger::strokes_packed(const StrokePackRecord& pack) {
  bool ended = false;
  for (const std::uint16_t gap : pack.gaps) {
    if (ended && gap != StrokePackRecord::kNoStroke) {
      return make_error(ErrorCode::kInvalidArgument, kField, "a pack's gaps end at the marker");
    }
    ended = ended || gap == StrokePackRecord::kNoStroke;
  }
  std::uint8_t payload[kStrokePackPayloadBytes];
  put_i64(payload, pack.first_ms);
  put_u32(payload + 8, pack.first_index);
  put_u32(payload + 12, pack.base_gap_ms);
  for (std::size_t i = 0; i < StrokePackRecord::kGaps; ++i) {
    put_u16(payload + 16 + 2 * i, pack.gaps[i]);
  }
  Result<std::uint32_t> written = day_.append(payload);
  if (!written) return written.error();
  return Status::Ok();
}

Result<bool> SafetyLedger::read_pack(RingCursor& cursor, StrokePackRecord* out) {
  return day_.read_next(
      cursor, [&](std::uint32_t, std::span<const std::uint8_t> p) { *out = decode_pack(p); });
}

Status SafetyLedger::append(RecordRing& ring, const SafetyRecord& r) {
  std::uint8_t payload[kSafetyPayloadBytes];
  put_i64(payload, static_cast<std::int64_t>(r.kind));
  put_i64(payload + 8, r.a);
  put_i64(payload + 16, r.b);
  put_i64(payload + 24, r.c);
  Result<std::uint32_t> written = ring.append(payload);
  if (!written) return written.error();
  return Status::Ok();
}

Status SafetyLedger::strokes_seen(std::int64_t at_ms, std::int64_t strokes,
                                  std::uint32_t first_index) {
  if (strokes <= 0) return make_error(ErrorCode::kInvalidArgument, kField, "strokes must be > 0");
  return append(strokes_, SafetyRecord{SafetyRecordKind::kStrokes, at_ms, strokes, first_index});
}

Status SafetyLedger::rate_changed(std::int64_t from_ms, std::int64_t rate) {
  if (rate < 0) return make_error(ErrorCode::kInvalidArgument, kField, "rate must be >= 0");
  return append(windows_, SafetyRecord{SafetyRecordKind::kRate, from_ms, rate});
}

Status SafetyLedger::bolus_authorised(std::int64_t start_ms, std::int64_t end_ms,
                                      std::int64_t volume_nl) {
  if (end_ms < start_ms || volume_nl < 0) {
    return make_error(ErrorCode::kInvalidArgument, kField,
                      "a bolus must end after it starts, with a volume >= 0");
  }
  return append(windows_, SafetyRecord{SafetyRecordKind::kBolus, start_ms, end_ms, volume_nl});
}

Status SafetyLedger::earlier_patient_extras(std::int64_t until_ms, std::int64_t hour_nl,
                                            std::int64_t day_nl) {
  if (hour_nl < 0 || day_nl < 0) {
    return make_error(ErrorCode::kInvalidArgument, kField, "volumes must be >= 0");
  }
  return append(windows_,
                SafetyRecord{SafetyRecordKind::kEarlierExtras, until_ms, hour_nl, day_nl});
}

}  // namespace itdd::storage
