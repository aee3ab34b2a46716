// The implant's event log and hourly delivery history as the clinic reads them.
//
// Log records carry a code, a reason byte and two numbers (a, b) whose meaning depends on the
// code. The codes are the implant's (firmware/app/implant.h says which range is whose):
//   0x0000-0x00FF  therapy engine events (itdd::engine::EventKind)
//   0x0100-0x01FF  alarm events: 0x0100 + AlarmAction, reason = the alarm kind
//   0x0200-0x02FF  implant events (itdd::app::ImplantLogCode)
//   0x0300-0x03FF  link events: 0x0300 + link::Outcome, reason = link::Reason, a = device id;
//                  the peer table's changes also say who made them (app::link_who in b)
// The programmer speaks to the implant only through the wire, so the table is kept here, by
// number; a test built with the firmware checks that both agree. A code this programmer does
// not know is shown raw (code, reason, a, b), never dropped.
//
// Times: records carry the implant's monotonic ms. They are shown in local wall time using the
// implant's wall offset at the time of reading (wall_ms - implant_ms of an interrogation); a
// record from before a clock change is shown at today's offset (the JSON keeps at_implant_ms).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "itdd/protocol/messages.h"

namespace itdd::programmer {

// "priming-started", "alarm-raised", "session-opened"...; nullptr for a code not known here.
const char* log_code_name(std::uint32_t code);

// The record in words, its numbers with their units: "priming started: 0.450 mL over 27 min";
// an unknown code raw: "unknown code 0x0456: reason 3, a 1, b 2".
std::string describe_log_record(const itdd_LogRecord& record, std::int64_t wall_offset_ms);
// One line: "  42  2026-01-05 10:00  priming started: 0.450 mL over 27 min".
std::string format_log_record(const itdd_LogRecord& record, std::int64_t wall_offset_ms);
// {"seq", "at_implant_ms", "at_wall" (estimated), "code", "code_hex", "name" (null if
// unknown), "reason", "a", "b", "text"}: the raw fields for storage, the words for people.
nlohmann::json log_record_json(const itdd_LogRecord& record, std::int64_t wall_offset_ms);

// The hours, one line each (start in local time, mL and strokes), then the totals.
std::string format_history(std::span<const itdd_HourRecord> hours, std::int64_t wall_offset_ms);
// {"hours": [{"hour_index", "start_wall", "volume_nl", "volume_ml", "strokes"}...],
//  "total": {"hours", "volume_nl", "volume_ml", "strokes"}}
nlohmann::json history_json(std::span<const itdd_HourRecord> hours, std::int64_t wall_offset_ms);

}  // namespace itdd::programmer
