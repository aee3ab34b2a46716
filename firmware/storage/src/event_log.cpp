#include "itdd/storage/event_log.h"

namespace itdd::storage {
namespace {

void encode(const LogRecord& r, std::uint8_t* p) {
  put_i64(p, r.at.ms());
  put_i64(p + 8, r.a);
  put_i64(p + 16, r.b);
  put_u16(p + 24, r.code);
  p[26] = r.reason;
  p[27] = 0;
}

LogRecord decode(std::uint32_t seq, std::span<const std::uint8_t> p) {
  LogRecord r;
  r.seq = seq;
  r.at = ImplantTime(get_i64(p.data()));
  r.a = get_i64(p.data() + 8);
  r.b = get_i64(p.data() + 16);
  r.code = get_u16(p.data() + 24);
  r.reason = p[26];
  return r;
}

}  // namespace

EventLog::EventLog(hal::Nvm& nvm, Region region)
    : ring_(nvm, region, kLogPayloadBytes, "event_log") {}

Result<RingMount> EventLog::mount() {
  return ring_.mount();
}

Result<std::uint32_t> EventLog::append(const LogRecord& record) {
  std::uint8_t payload[kLogPayloadBytes];
  encode(record, payload);
  return ring_.append(payload);
}

Result<std::size_t> EventLog::read_newest(std::span<LogRecord> out) {
  std::size_t n = 0;
  if (out.empty()) return n;
  const Status s = ring_.walk_back([&](std::uint32_t seq, std::span<const std::uint8_t> p) {
    out[n++] = decode(seq, p);
    return n < out.size();
  });
  if (!s) return s.error();
  return n;
}

Status EventLog::walk_newest_first(LogVisitor& visitor) {
  return ring_.walk_back([&](std::uint32_t seq, std::span<const std::uint8_t> p) {
    return visitor.visit(decode(seq, p));
  });
}

Result<std::size_t> EventLog::read_from(std::uint32_t first_seq, std::span<LogRecord> out) {
  std::size_t n = 0;
  if (out.empty()) return n;
  const Status s = ring_.walk_from(
      [&](std::uint32_t seq, std::span<const std::uint8_t>) { return seq < first_seq; },
      [&](std::uint32_t seq, std::span<const std::uint8_t> p) {
        out[n++] = decode(seq, p);
        return n < out.size();
      });
  if (!s) return s.error();
  return n;
}

}  // namespace itdd::storage
