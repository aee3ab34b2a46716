// One pump's history over time (patient_view.h).
#include "itdd/programmer/patient_view.h"

#include <fmt/format.h>

#include <algorithm>

#include "itdd/programmer/clinic_overview.h"
#include "itdd/programmer/pump_status.h"
#include "itdd/programmer/records_report.h"
#include "itdd/programmer/status_report.h"

namespace itdd::programmer {

// 128-bit intermediates (GCC's and Clang's __int128; -Wpedantic asks for the marker).
__extension__ typedef __int128 Wide;
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
// Log codes (programmer/report/records_report.h keeps the table by number).
constexpr std::uint32_t kPatientBolusGranted = 0x0008;
constexpr std::uint32_t kPatientBolusRefused = 0x0009;
constexpr std::uint32_t kAlarmRaised = 0x0100;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// ng in `volume` at `concentration`, rounded down (toward less delivered, as shown).
std::int64_t dose_ng(std::int64_t volume_nl, Concentration c) {
  return static_cast<std::int64_t>(static_cast<Wide>(volume_nl) * c.count() /
                                   kNanolitresPerMillilitre);
}

// The concentration in the reservoir at `t`: the last refill at or before it.
std::optional<Concentration> concentration_at(const std::vector<RefillRecord>& refills,
                                              std::int64_t t) {
  std::optional<Concentration> c;
  for (const RefillRecord& r : refills) {
    if (r.at_ms > t) break;
    c = r.concentration;
  }
  return c;
}

}  // namespace

host::Checked<PumpSeries> pump_series(ClinicDb& db, std::int64_t pump_id, std::int64_t from_ms,
                                      std::int64_t to_ms, const host::TimeZone& zone) {
  if (from_ms >= to_ms) {
    return host::Refusal{"from_ms", "must be before to_ms"};
  }
  if (to_ms - from_ms > kMaxSeriesRangeMs) {
    return host::Refusal{"from_ms",
                         fmt::format("a range of {} days: ask for 400 days or less at once",
                                     (to_ms - from_ms) / kMillisPerDay)};
  }
  const host::Checked<PumpRecord> pump = db.pump(pump_id);
  if (!pump.ok()) return pump.error();
  const host::Checked<std::vector<RefillRecord>> refills = db.refills(pump_id);
  if (!refills.ok()) return refills.error();
  const host::Checked<std::vector<PrescriptionRecord>> history = db.prescription_history(pump_id);
  if (!history.ok()) return history.error();
  const host::Checked<std::optional<ImplantClockOffset>> clock = db.implant_clock_offset(pump_id);
  if (!clock.ok()) return clock.error();
  const host::Checked<std::vector<DeliveryHourRecord>> hours = db.delivery_hours(pump_id);
  if (!hours.ok()) return hours.error();
  const host::Checked<std::vector<EventLogRecord>> events = db.event_log(pump_id);
  if (!events.ok()) return events.error();
  const host::Checked<std::vector<SessionRecord>> sessions = db.sessions_of(pump_id);
  if (!sessions.ok()) return sessions.error();

  PumpSeries out;
  out.from_ms = from_ms;
  out.to_ms = to_ms;
  out.implant_clock_known = clock->has_value();
  // The implant's monotonic clock to an instant: the upload's offset, else from the implant date
  // (the implant's clock starts near it; the page says the placement is approximate).
  const auto instant = [&](std::int64_t implant_ms) {
    if (*clock) return implant_instant(implant_ms, **clock, zone);
    return pump->implant_date_ms + implant_ms;
  };
  const auto in_range = [&](std::int64_t t) { return t >= from_ms && t < to_ms; };

  // Delivered per hour, and per local day.
  for (const DeliveryHourRecord& h : *hours) {
    const std::int64_t t = instant(h.hour_index * kHourMs);
    if (!in_range(t)) continue;
    SeriesPoint p{t, h.volume.count(), std::nullopt};
    if (const auto c = concentration_at(*refills, t)) p.dose_ng = dose_ng(h.volume.count(), *c);
    const std::int64_t day = floor_div(zone.local(t).ms(), kMillisPerDay);
    const std::int64_t day_start = zone.start_of_day(day);
    if (out.daily.empty() || out.daily.back().t_ms != day_start) {
      out.daily.push_back(SeriesPoint{day_start, 0, std::int64_t{0}});
    }
    SeriesPoint& d = out.daily.back();
    d.volume_nl += p.volume_nl;
    if (p.dose_ng && d.dose_ng) {
      *d.dose_ng += *p.dose_ng;
    } else {
      d.dose_ng.reset();  // a day with an hour of unknown concentration has no total
    }
    out.hourly.push_back(p);
  }

  // The reservoir: predicted from each refill (a point a day and at each refill), measured at
  // the refills.
  for (std::size_t i = 0; i < refills->size(); ++i) {
    const RefillRecord& r = (*refills)[i];
    const std::int64_t end = i + 1 < refills->size() ? (*refills)[i + 1].at_ms : to_ms;
    if (in_range(r.at_ms)) {
      out.reservoir_measured.push_back({r.at_ms, r.expected, r.withdrawn, r.difference,
                                        discrepancy_threshold(pump->reservoir_capacity), r.finding,
                                        r.volume});
    }
    if (end <= from_ms || r.at_ms >= to_ms) continue;
    for (std::int64_t t = std::max(r.at_ms, from_ms - (from_ms - r.at_ms) % kMillisPerDay);
         t < std::min(end, to_ms); t += kMillisPerDay) {
      const std::optional<Volume> left = estimate_reservoir(r, *history, t);
      if (!left) break;
      if (in_range(t)) out.reservoir_predicted.push_back({t, left->count(), std::nullopt});
    }
    if (const auto left = estimate_reservoir(r, *history, std::min(end, to_ms) - 1)) {
      out.reservoir_predicted.push_back({std::min(end, to_ms) - 1, left->count(), std::nullopt});
    }
  }

  // Prescriptions as steps: the one in force at from_ms, then each one in range.
  for (std::size_t i = 0; i < history->size(); ++i) {
    const PrescriptionRecord& p = (*history)[i];
    const bool next_in_force = i + 1 < history->size() && (*history)[i + 1].at_ms <= from_ms;
    if (p.at_ms >= to_ms || next_in_force) continue;
    out.prescriptions.push_back(
        {std::max(p.at_ms, from_ms), p.max_daily_dose, p.mode, p.drug, p.concentration});
  }

  for (const EventLogRecord& e : *events) {
    const std::int64_t t = instant(e.at_implant_ms);
    if (!in_range(t)) continue;
    if (e.code == kPatientBolusGranted || e.code == kPatientBolusRefused) {
      BolusMarker b;
      b.t_ms = t;
      b.granted = e.code == kPatientBolusGranted;
      if (b.granted) {
        b.volume = Volume(e.a);
        if (const auto c = concentration_at(*refills, t)) b.dose_ng = dose_ng(e.a, *c);
      }
      itdd_LogRecord raw{};
      raw.seq = e.seq;
      raw.at_implant_ms = e.at_implant_ms;
      raw.code = e.code;
      raw.reason = e.reason;
      raw.a = e.a;
      raw.b = e.b;
      b.text = describe_log_record(raw, 0);
      out.boluses.push_back(std::move(b));
    } else if (e.code == kAlarmRaised) {
      itdd_LogRecord raw{};
      raw.seq = e.seq;
      raw.at_implant_ms = e.at_implant_ms;
      raw.code = e.code;
      raw.reason = e.reason;
      raw.a = e.a;
      raw.b = e.b;
      const char* kind = alarm_name(static_cast<itdd_AlarmKind>(e.reason <= 255 ? e.reason : 255));
      out.alarms.push_back({t, kind, describe_log_record(raw, 0)});
    }
  }
  for (const SessionRecord& s : *sessions) {
    if (in_range(s.started_at_ms)) out.sessions.push_back(s);
  }
  return out;
}

}  // namespace itdd::programmer
