#include "fhir_records.h"

#include <algorithm>
#include <map>
#include <optional>

#include "itdd/programmer/clinic_overview.h"

namespace itdd::programmer::fhir {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;

// The delivered volume and dose per local day over the pump's whole history: pump_series in
// windows of its longest range, days cut by a window's edge added together.
host::Checked<std::vector<SeriesPoint>> daily_delivery(
    ClinicDb& db, const PumpRecord& pump, const std::vector<DeliveryHourRecord>& hours,
    const std::function<std::int64_t(std::int64_t)>& instant_of, const host::TimeZone& zone) {
  std::vector<SeriesPoint> out;
  if (hours.empty()) return out;
  std::int64_t first = instant_of(hours.front().hour_index * kHourMs);
  std::int64_t last = first;
  for (const DeliveryHourRecord& h : hours) {
    first = std::min(first, instant_of(h.hour_index * kHourMs));
    last = std::max(last, instant_of(h.hour_index * kHourMs));
  }
  std::map<std::int64_t, SeriesPoint> days;
  for (std::int64_t from = first; from <= last; from += kMaxSeriesRangeMs) {
    const std::int64_t to = std::min(from + kMaxSeriesRangeMs, last + 1);
    const host::Checked<PumpSeries> s = pump_series(db, pump.id, from, to, zone);
    if (!s.ok()) return s.error();
    for (const SeriesPoint& p : s->daily) {
      auto [it, fresh] = days.emplace(p.t_ms, p);
      if (fresh) continue;
      it->second.volume_nl += p.volume_nl;
      if (it->second.dose_ng && p.dose_ng) {
        *it->second.dose_ng += *p.dose_ng;
      } else {
        it->second.dose_ng.reset();
      }
    }
  }
  for (auto& [t, p] : days) out.push_back(p);
  return out;
}

}  // namespace

host::Checked<PumpData> read_pump(ClinicDb& db, const PumpRecord& pump, const host::TimeZone& zone,
                                  std::function<std::int64_t(std::int64_t)>& instant_of) {
  PumpData d;
  d.pump = pump;
  auto prescriptions = db.prescription_history(pump.id);
  if (!prescriptions.ok()) return prescriptions.error();
  d.prescriptions = std::move(prescriptions).value();
  auto refills = db.refills(pump.id);
  if (!refills.ok()) return refills.error();
  d.refills = std::move(refills).value();
  auto sessions = db.sessions_of(pump.id);
  if (!sessions.ok()) return sessions.error();
  for (const SessionRecord& s : *sessions) {
    auto report = db.session_report(s.id);
    if (!report.ok()) return report.error();
    d.sessions.push_back(std::move(report).value());
  }
  std::sort(
      d.sessions.begin(), d.sessions.end(),
      [](const SessionReport& a, const SessionReport& b) { return a.session.id < b.session.id; });
  auto events = db.event_log(pump.id);
  if (!events.ok()) return events.error();
  d.events = std::move(events).value();
  const auto clock = db.implant_clock_offset(pump.id);
  if (!clock.ok()) return clock.error();
  // The implant's clock placed as the patient page places it (patient_view.h).
  const std::optional<ImplantClockOffset> offset = *clock;
  const std::int64_t implanted = pump.implant_date_ms;
  instant_of = [offset, implanted, zone](std::int64_t implant_ms) {
    return offset ? implant_instant(implant_ms, *offset, zone) : implanted + implant_ms;
  };
  const auto hours = db.delivery_hours(pump.id);
  if (!hours.ok()) return hours.error();
  auto daily = daily_delivery(db, pump, *hours, instant_of, zone);
  if (!daily.ok()) return daily.error();
  d.daily = std::move(daily).value();
  return d;
}

}  // namespace itdd::programmer::fhir
