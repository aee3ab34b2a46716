#include "itdd/storage/safety_ledger.h"

namespace itdd::storage {
namespace {

constexpr const char* kField = "safety_ledger";

}  // namespace

SafetyLedger::SafetyLedger(hal::Nvm& nvm, Region strokes, Region windows)
    : strokes_(nvm, strokes, kSafetyPayloadBytes, "safety_ledger.strokes"),
      windows_(nvm, windows, kSafetyPayloadBytes, "safety_ledger.windows") {}

Result<RingMount> SafetyLedger::mount() {
  Result<RingMount> s = strokes_.mount();
  Result<RingMount> w = windows_.mount();
  if (!s) return s;
  if (!w) return w;
  RingMount m = *s;
  m.valid_records += w->valid_records;
  m.invalid_slots += w->invalid_slots;
  m.torn_tail = m.torn_tail || w->torn_tail;
  m.missing_seqs += w->missing_seqs;
  return m;
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

Status SafetyLedger::strokes_seen(std::int64_t at_ms, std::int64_t strokes) {
  if (strokes <= 0) return make_error(ErrorCode::kInvalidArgument, kField, "strokes must be > 0");
  return append(strokes_, SafetyRecord{SafetyRecordKind::kStrokes, at_ms, strokes});
}

Status SafetyLedger::bucket_closed(std::int64_t bucket, std::int64_t strokes) {
  if (strokes <= 0) return make_error(ErrorCode::kInvalidArgument, kField, "strokes must be > 0");
  return append(windows_, SafetyRecord{SafetyRecordKind::kBucket, bucket, strokes});
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
