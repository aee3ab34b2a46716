#include "itdd/programmer/implant_log.h"

#include <cstring>
#include <limits>

#include "itdd/programmer/records_report.h"

namespace itdd::programmer {
namespace {

constexpr std::uint32_t kPage =
    static_cast<std::uint32_t>(sizeof(itdd_EventLogPage::records) / sizeof(itdd_LogRecord));

bool is(const itdd_LogRecord& r, const char* name) {
  const char* known = log_code_name(r.code);
  return known != nullptr && std::strcmp(known, name) == 0;
}

// Drug in a volume, rounded up.
DrugAmount drug_in_up(Volume v, Concentration c) {
  const Int128 ng = static_cast<Int128>(v.count()) * c.count();
  return DrugAmount(
      static_cast<std::int64_t>((ng + kNanolitresPerMillilitre - 1) / kNanolitresPerMillilitre));
}

}  // namespace

Result<LogScanEnd> scan_log_newest_first(const LogPageReader& read,
                                         const std::function<bool(const itdd_LogRecord&)>& visit) {
  // A read from past the end holds no record but says the newest sequence number.
  const Result<itdd_EventLogPage> head = read(std::numeric_limits<std::uint32_t>::max());
  if (!head.ok()) return head.error();
  std::uint32_t upper = head->newest_seq;  // the newest not yet visited
  for (std::uint32_t pages = 0; pages < kMaxLogPages; ++pages) {
    if (upper == 0) return LogScanEnd::kLogStart;
    const std::uint32_t from = upper >= kPage ? upper - kPage + 1 : 1;
    const Result<itdd_EventLogPage> page = read(from);
    if (!page.ok()) return page.error();
    for (pb_size_t i = page->records_count; i > 0; --i) {
      const itdd_LogRecord& r = page->records[i - 1];
      if (r.seq < from || r.seq > upper) continue;
      if (!visit(r)) return LogScanEnd::kStopped;
    }
    // The implant answers from the oldest record it holds at or after `from`: a later first
    // record (or none) means nothing older is left.
    if (page->records_count == 0 || page->records[0].seq > from || from == 1) {
      return LogScanEnd::kLogStart;
    }
    upper = from - 1;
  }
  return LogScanEnd::kPageLimit;
}

Result<EarlierBoluses> earlier_clinician_boluses(const LogPageReader& read,
                                                 std::int64_t now_implant_ms, Concentration current,
                                                 Concentration highest) {
  const std::int64_t window_start = now_implant_ms - kMillisPerDay;
  EarlierBoluses found;
  // Walking back in time: the records after the newest refill were given at `current`; those
  // between two refills at the older refill's concentration, known once it is reached.
  std::optional<Concentration> segment = current;
  Volume unresolved{0};
  const Result<LogScanEnd> end = scan_log_newest_first(read, [&](const itdd_LogRecord& r) {
    if (is(r, "clinician-bolus-started") && r.at_implant_ms + r.b > window_start) {
      ++found.count;
      if (segment) {
        found.total += drug_in_up(Volume(r.a), *segment);
      } else {
        unresolved += Volume(r.a);
      }
    } else if (is(r, "refilled")) {
      if (!segment) {
        found.total += drug_in_up(unresolved, Concentration(r.b));
        unresolved = Volume(0);
      }
      segment.reset();
    }
    // No bolus (at most 24 h long) that started before the window less a day reaches into it.
    return r.at_implant_ms >= window_start - kMillisPerDay || unresolved.count() > 0;
  });
  if (!end.ok()) return end.error();
  if (unresolved.count() > 0) {
    found.total += drug_in_up(unresolved, highest);
    found.concentration_assumed = true;
  }
  return found;
}

Result<std::optional<EmptyRecord>> reservoir_empty_record(const LogPageReader& read) {
  std::optional<EmptyRecord> oldest;
  const Result<LogScanEnd> end = scan_log_newest_first(read, [&](const itdd_LogRecord& r) {
    if (is(r, "refilled")) return false;
    if (is(r, "reservoir-empty")) oldest = EmptyRecord{r, false};
    return true;
  });
  if (!end.ok()) return end.error();
  if (oldest && *end != LogScanEnd::kStopped) oldest->or_earlier = true;
  return oldest;
}

}  // namespace itdd::programmer
