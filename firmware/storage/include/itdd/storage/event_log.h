// The implant's event log: an append-only ring of fixed-size records in flash (RecordRing), each
// with its own sequence number and CRC-32. Thousands of records (kDefaultLayout: 4,794 always
// kept); when the ring wraps, the oldest sector is erased. A record whose append() returned Ok
// survives any later power cut; the one being written at a cut is either complete or detected
// as torn at mount() and skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/hal/nvm.h"
#include "itdd/storage/flash.h"
#include "itdd/storage/record_ring.h"

namespace itdd::storage {

// One logged event. `code` says what happened; codes 0x0000-0x00FF are the therapy engine's
// EventKind values (see engine_storage.h), other modules take their own ranges.
struct LogRecord {
  std::uint32_t seq = 0;  // given by append(); ignored on input
  ImplantTime at{};       // implant (monotonic) time, ms
  std::uint16_t code = 0;
  std::uint8_t reason = 0;
  std::int64_t a = 0;
  std::int64_t b = 0;

  bool operator==(const LogRecord&) const = default;
};

inline constexpr std::uint32_t kLogPayloadBytes = 28;  // at, a, b, code, reason, reserved

// Sees log records one at a time (EventLog::walk_newest_first); returns false to stop.
class LogVisitor {
 public:
  virtual bool visit(const LogRecord& record) = 0;

 protected:
  ~LogVisitor() = default;
};

class EventLog {
 public:
  EventLog(hal::Nvm& nvm, Region region);

  Result<RingMount> mount();
  // Returns the record's sequence number.
  Result<std::uint32_t> append(const LogRecord& record);
  // The newest records, newest first; returns how many were filled.
  Result<std::size_t> read_newest(std::span<LogRecord> out);
  // Records with seq >= first_seq, oldest first, as many as fit (page on with the last seq + 1).
  Result<std::size_t> read_from(std::uint32_t first_seq, std::span<LogRecord> out);
  // Every record, newest first, until the visitor says stop: one pass over the ring (reading
  // the whole log in pages with read_from walks it once per page).
  Status walk_newest_first(LogVisitor& visitor);

  std::uint32_t capacity() const { return ring_.capacity(); }
  std::uint32_t newest_seq() const { return ring_.newest_seq(); }
  bool mounted() const { return ring_.mounted(); }

 private:
  RecordRing ring_;
};

}  // namespace itdd::storage
