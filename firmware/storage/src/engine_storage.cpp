#include "itdd/storage/engine_storage.h"

namespace itdd::storage {

LogRecord to_log_record(const engine::TherapyEvent& event) {
  LogRecord r;
  r.at = event.at;
  r.code = static_cast<std::uint16_t>(kEngineCodeFirst + static_cast<std::uint16_t>(event.kind));
  r.reason = event.reason;
  r.a = event.a;
  r.b = event.b;
  return r;
}

Result<engine::TherapyEvent> to_therapy_event(const LogRecord& record) {
  if (record.code > kEngineCodeLast) {
    return make_error(ErrorCode::kInvalidArgument, "event_log.code", "not a therapy engine event");
  }
  engine::TherapyEvent e;
  e.at = record.at;
  e.kind = static_cast<engine::EventKind>(record.code - kEngineCodeFirst);
  e.reason = record.reason;
  e.a = record.a;
  e.b = record.b;
  return e;
}

}  // namespace itdd::storage
