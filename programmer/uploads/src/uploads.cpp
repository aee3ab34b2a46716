#include "itdd/programmer/uploads.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>

#include "itdd/host/json_reader.h"

namespace itdd::programmer {
namespace {

using host::JsonObject;
using host::JsonValue;

constexpr std::int64_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();

constexpr const char* kNotOurs =
    "must be \"itdd-event-log\" or \"itdd-delivery-history\": a file written by `itdd "
    "programmer log|history --out FILE`";

std::int64_t whole_in(const JsonValue& v, std::int64_t min, std::int64_t max) {
  const std::int64_t n = v.whole();
  if (n < min || n > max) v.refuse(fmt::format("must be a whole number from {} to {}", min, max));
  return n;
}

std::string implant_key(const JsonObject& top) {
  const JsonValue v = top.required("implant_key");
  std::string key = v.string_or_empty();
  const bool hex =
      std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (!key.empty() && (key.size() != 64 || !hex)) {
    v.refuse("must be the implant's public key, 64 hexadecimal digits");
  }
  return key;
}

EventLogRecord read_record(const JsonValue& j) {
  // What `itdd programmer log` writes for a record; the display fields are not read back.
  const JsonObject r = j.object(
      {"seq", "at_implant_ms", "at_wall", "code", "code_hex", "name", "reason", "a", "b", "text"});
  EventLogRecord e;
  e.seq = static_cast<std::uint32_t>(whole_in(r.required("seq"), 0, kMaxU32));
  e.at_implant_ms = whole_in(r.required("at_implant_ms"), 0, kMaxI64);
  e.code = static_cast<std::uint32_t>(whole_in(r.required("code"), 0, kMaxU32));
  e.reason = static_cast<std::uint32_t>(whole_in(r.required("reason"), 0, kMaxU32));
  e.a = r.whole("a");
  e.b = r.whole("b");
  return e;
}

DeliveryHourRecord read_hour(const JsonValue& j) {
  const JsonObject h = j.object({"hour_index", "start_wall", "volume_nl", "volume_ml", "strokes"});
  DeliveryHourRecord d;
  d.hour_index = whole_in(h.required("hour_index"), 0, kMaxI64);
  d.volume = Volume(whole_in(h.required("volume_nl"), 0, kMaxI64));
  d.strokes = whole_in(h.required("strokes"), 0, kMaxI64);
  return d;
}

DownloadedRecords read(const JsonValue& root) {
  // The kind first: it says which keys the rest may have.
  const std::optional<JsonValue> format = root.member("format");
  if (!format) host::refuse("format", kNotOurs);
  const std::string kind = format->json().is_string() ? format->string_or_empty() : "";
  DownloadedRecords out;
  if (kind == "itdd-event-log") {
    const JsonObject top = root.object({"format", "version", "implant_key", "read_at",
                                        "wall_offset_ms", "from_seq", "newest_seq", "records"});
    if (top.whole("version") != 1)
      top.required("version").refuse("must be 1 (the version this itdd reads)");
    out.kind = DownloadedRecords::Kind::kEventLog;
    out.implant_key = implant_key(top);
    if (const auto w = top.optional("wall_offset_ms")) out.wall_offset_ms = w->whole();
    for (const JsonValue& r : top.required("records").array())
      out.records.push_back(read_record(r));
  } else if (kind == "itdd-delivery-history") {
    const JsonObject top =
        root.object({"format", "version", "implant_key", "read_at", "wall_offset_ms", "from_hour",
                     "newest_hour", "hours", "total"});
    if (top.whole("version") != 1)
      top.required("version").refuse("must be 1 (the version this itdd reads)");
    out.kind = DownloadedRecords::Kind::kDeliveryHistory;
    out.implant_key = implant_key(top);
    if (const auto w = top.optional("wall_offset_ms")) out.wall_offset_ms = w->whole();
    for (const JsonValue& h : top.required("hours").array()) out.hours.push_back(read_hour(h));
  } else {
    format->refuse(kNotOurs);
  }
  return out;
}

}  // namespace

host::Checked<DownloadedRecords> read_downloaded_records(const std::filesystem::path& file) {
  return host::read_json_file(file, &read);
}

host::Checked<DownloadedRecords> downloaded_records_from_text(std::string_view text) {
  return host::read_json(text, &read);
}

}  // namespace itdd::programmer
