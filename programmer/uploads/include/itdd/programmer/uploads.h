// The files a clinic uploads to its database (`itdd clinic upload`): an implant's event log or
// delivery history as `itdd programmer log|history --out FILE` wrote it (formats
// "itdd-event-log" and "itdd-delivery-history", version 1). Read whole and checked before
// anything is stored, with host/text's JSON reader: every refusal names the field
// ("records[3].seq: ...") or the line and column, and nothing is thrown.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/host/checked.h"
#include "itdd/programmer/clinic_db.h"

namespace itdd::programmer {

struct DownloadedRecords {
  enum class Kind : std::uint8_t { kEventLog, kDeliveryHistory };
  Kind kind = Kind::kEventLog;
  std::string implant_key;                // 64 hex digits, or empty when the file does not say
  std::vector<EventLogRecord> records;    // kEventLog
  std::vector<DeliveryHourRecord> hours;  // kDeliveryHistory
  // The implant's wall clock less its monotonic clock when read, if the file says (places the
  // implant's times on the clinic's time line: ClinicDb::set_implant_clock_offset).
  std::optional<std::int64_t> wall_offset_ms;
};

host::Checked<DownloadedRecords> read_downloaded_records(const std::filesystem::path& file);
host::Checked<DownloadedRecords> downloaded_records_from_text(std::string_view text);

}  // namespace itdd::programmer
