#include "itdd/storage/delivery_history.h"

namespace itdd::storage {
namespace {

constexpr const char* kField = "delivery_history";

HourRecord decode(std::span<const std::uint8_t> p) {
  return HourRecord{get_i64(p.data()), Volume(get_i64(p.data() + 8)), get_i64(p.data() + 16)};
}

}  // namespace

DeliveryHistory::DeliveryHistory(hal::Nvm& nvm, Region region)
    : ring_(nvm, region, kHourPayloadBytes, kField) {}

Result<RingMount> DeliveryHistory::mount() {
  newest_hour_ = -1;
  Result<RingMount> m = ring_.mount();
  if (!m) return m;
  const Status s = ring_.walk_back([&](std::uint32_t, std::span<const std::uint8_t> p) {
    newest_hour_ = decode(p).hour_index;
    return false;
  });
  if (!s) return s.error();
  return m;
}

Status DeliveryHistory::record(std::int64_t hour_index, Volume volume, std::int64_t strokes) {
  if (hour_index < 0 || volume < Volume(0) || strokes < 0) {
    return make_error(ErrorCode::kInvalidArgument, kField, "hour, volume and strokes must be >= 0");
  }
  if (hour_index <= newest_hour_) {
    return make_error(ErrorCode::kRefused, kField, "hour already recorded or older");
  }
  std::uint8_t payload[kHourPayloadBytes];
  put_i64(payload, hour_index);
  put_i64(payload + 8, volume.count());
  put_i64(payload + 16, strokes);
  Result<std::uint32_t> r = ring_.append(payload);
  if (!r) return r.error();
  newest_hour_ = hour_index;
  return Status::Ok();
}

Result<std::size_t> DeliveryHistory::read_hours(std::int64_t first_hour, std::int64_t last_hour,
                                                std::span<HourRecord> out) {
  std::size_t n = 0;
  if (out.empty() || last_hour < first_hour) return n;
  std::int64_t last_emitted = -1;
  const Status s = ring_.walk_from(
      [&](std::uint32_t, std::span<const std::uint8_t> p) {
        return decode(p).hour_index < first_hour;
      },
      [&](std::uint32_t, std::span<const std::uint8_t> p) {
        const HourRecord h = decode(p);
        if (h.hour_index > last_hour) return false;
        if (h.hour_index <= last_emitted) return true;  // a retried hour: the first one counts
        last_emitted = h.hour_index;
        out[n++] = h;
        return n < out.size();
      });
  if (!s) return s.error();
  return n;
}

}  // namespace itdd::storage
