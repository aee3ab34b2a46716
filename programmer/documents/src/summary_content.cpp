// What goes on the patient summary (documents.h): the patient and their pumps, the plots the
// dashboard's patient page draws (programmer/clinic_view's pump_series) in the drug's units with
// time ticks at the clinic's local midnights, and the sessions of the period.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "content_common.h"
#include "itdd/programmer/documents.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {
namespace detail {

std::string pump_line(const PumpRecord& pump, const host::PumpCatalog& catalog) {
  if (const host::PumpModelSpec* spec = catalog.find(pump.model)) {
    return fmt::format("{} (programmable, {} reservoir)", pump.model,
                       format_volume_ml(spec->model.reservoir_capacity));
  }
  if (const host::GasPumpSpec* gas = catalog.find_gas(pump.model)) {
    return fmt::format("{} (fixed-rate gas-driven, {} reservoir)", pump.model,
                       format_volume_ml(gas->reservoir_capacity));
  }
  return pump.model;
}

}  // namespace detail
namespace {

using detail::dose_unit_of;

constexpr std::uint32_t kBlue = 0x1f77b4;
constexpr std::uint32_t kOrange = 0xe6750a;
constexpr std::uint32_t kGreen = 0x2a9d3a;
constexpr std::uint32_t kRed = 0xc62828;
constexpr std::uint32_t kPurple = 0x7b3fa0;

// Ticks at local midnights, every 1, 7, 14, 30 or 60 days as the period grows; "MM-DD".
std::vector<AxisTick> time_ticks(std::int64_t from_ms, std::int64_t to_ms,
                                 const host::TimeZone& zone) {
  const std::int64_t days = (to_ms - from_ms) / kMillisPerDay;
  const std::int64_t step = days <= 10    ? 1
                            : days <= 45  ? 7
                            : days <= 100 ? 14
                            : days <= 200 ? 30
                                          : 60;
  std::vector<AxisTick> ticks;
  const std::int64_t first_day = (from_ms + zone.offset_ms(from_ms)) / kMillisPerDay;
  for (std::int64_t d = first_day; ticks.size() < 40; d += step) {
    const std::int64_t at = zone.start_of_day(d);
    if (at >= to_ms) break;
    if (at < from_ms) continue;
    ticks.push_back({static_cast<double>(at), zone.date_at(at).substr(5)});
  }
  return ticks;
}

// A round step (1, 2 or 5 times a power of ten) giving about four ticks from 0 to `top`.
std::vector<AxisTick> value_ticks(double top) {
  std::vector<AxisTick> ticks;
  if (!(top > 0)) return ticks;
  const double raw = top / 4.0;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (const double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * power;
    if (step >= raw) break;
  }
  for (double v = 0; v <= top * 1.0001; v += step) ticks.push_back({v, fmt::format("{:g}", v)});
  return ticks;
}

// The y range and ticks from the series' values: 0 up to a little above the largest.
void fit_y(Plot& plot, double floor_fraction = 0.0) {
  double top = 0;
  for (const PlotSeries& s : plot.series) {
    for (const double y : s.y) top = std::max(top, y);
  }
  if (top <= 0) top = 1;
  plot.y_ticks = value_ticks(top * 1.1);
  plot.y_max = plot.y_ticks.empty() ? top * 1.1 : std::max(top * 1.1, plot.y_ticks.back().at);
  plot.y_min = -floor_fraction * plot.y_max;
}

PumpPlots pump_plots(const PumpRecord& pump, const PumpSeries& series, DoseUnit unit,
                     std::string_view drug, const DocumentSources& src,
                     const host::TimeZone& zone) {
  const double per_unit = static_cast<double>(nanograms_per(unit));
  const std::string u = unit_name(unit);
  PumpPlots out;
  out.heading = fmt::format("Pump {}: {}, {}", pump.serial, detail::pump_line(pump, src.catalog),
                            drug.empty() ? "no drug" : drug);
  out.notes.push_back(fmt::format("From {} to {} ({}). Doses in {}, volumes in mL.",
                                  zone.minute_at(series.from_ms), zone.minute_at(series.to_ms),
                                  zone.name(), u));
  if (!series.implant_clock_known) {
    out.notes.push_back(
        "The implant's clock was not read with an upload: its hours are placed from the implant "
        "date, and may be off by the implant's clock offset.");
  }
  const auto base = [&](std::string title, std::string y_unit, std::string empty) {
    Plot p;
    p.title = std::move(title);
    p.y_unit = std::move(y_unit);
    p.x_min = static_cast<double>(series.from_ms);
    p.x_max = static_cast<double>(series.to_ms);
    p.x_ticks = time_ticks(series.from_ms, series.to_ms, zone);
    p.empty_text = std::move(empty);
    return p;
  };

  // Delivered dose per day (bars), from the uploaded hourly history.
  Plot dose = base(fmt::format("Delivered dose per day ({}/day)", u), u + "/day",
                   "no delivery history uploaded for this period");
  PlotSeries bars{PlotSeries::Kind::kBars, "delivered", kBlue, {}, {}, {}};
  for (const SeriesPoint& p : series.daily) {
    if (!p.dose_ng) continue;
    bars.x.push_back(static_cast<double>(p.t_ms));
    bars.y.push_back(static_cast<double>(*p.dose_ng) / per_unit);
  }
  dose.series.push_back(std::move(bars));
  fit_y(dose);
  out.plots.push_back(std::move(dose));

  // The reservoir: predicted between refills, measured at them.
  Plot reservoir = base("Reservoir (mL), with refills", "mL", "no refill recorded in this period");
  PlotSeries predicted{PlotSeries::Kind::kLine, "predicted", kBlue, {}, {}, {}};
  for (const SeriesPoint& p : series.reservoir_predicted) {
    predicted.x.push_back(static_cast<double>(p.t_ms));
    predicted.y.push_back(static_cast<double>(p.volume_nl) / kNanolitresPerMillilitre);
  }
  PlotSeries withdrawn{PlotSeries::Kind::kHollowPoints, "withdrawn", kRed, {}, {}, {}};
  PlotSeries filled{PlotSeries::Kind::kPoints, "filled", kGreen, {}, {}, {}};
  for (const MeasuredRefill& r : series.reservoir_measured) {
    withdrawn.x.push_back(static_cast<double>(r.at_ms));
    withdrawn.y.push_back(static_cast<double>(r.withdrawn.count()) / kNanolitresPerMillilitre);
    filled.x.push_back(static_cast<double>(r.at_ms));
    filled.y.push_back(static_cast<double>(r.filled.count()) / kNanolitresPerMillilitre);
  }
  reservoir.series = {std::move(predicted), std::move(withdrawn), std::move(filled)};
  fit_y(reservoir);
  out.plots.push_back(std::move(reservoir));

  // Prescriptions over time: the most a day each allows, as steps.
  Plot rx = base(fmt::format("Prescribed, most per day ({}/day)", u), u + "/day",
                 "no prescription recorded");
  PlotSeries steps{PlotSeries::Kind::kSteps, "most per day", kOrange, {}, {}, {}};
  for (const PrescriptionStep& p : series.prescriptions) {
    steps.x.push_back(static_cast<double>(std::max(p.t_ms, series.from_ms)));
    steps.y.push_back(static_cast<double>(p.max_daily_dose.count()) / per_unit);
  }
  rx.series.push_back(std::move(steps));
  fit_y(rx);
  out.plots.push_back(std::move(rx));

  // Patient boluses: granted at their dose, refused below the axis.
  Plot boluses = base(fmt::format("Patient boluses ({})", u), u, "no patient bolus in this period");
  PlotSeries granted{PlotSeries::Kind::kPoints, "granted", kGreen, {}, {}, {}};
  PlotSeries refused{PlotSeries::Kind::kHollowPoints, "refused", kRed, {}, {}, {}};
  for (const BolusMarker& b : series.boluses) {
    if (b.granted) {
      granted.x.push_back(static_cast<double>(b.t_ms));
      granted.y.push_back(b.dose_ng ? static_cast<double>(*b.dose_ng) / per_unit : 0.0);
    } else {
      refused.x.push_back(static_cast<double>(b.t_ms));
      refused.y.push_back(0.0);
    }
  }
  boluses.series = {std::move(granted), std::move(refused)};
  fit_y(boluses, 0.08);
  out.plots.push_back(std::move(boluses));

  // Alarms and sessions as markers on the time line.
  Plot events = base("Alarms and sessions", "", "no alarm or session in this period");
  PlotSeries alarms{PlotSeries::Kind::kMarkers, "alarm", kRed, {}, {}, {}};
  for (const EventMarker& a : series.alarms) {
    alarms.x.push_back(static_cast<double>(a.t_ms));
    alarms.y.push_back(0.0);
    alarms.texts.push_back(a.name);
  }
  PlotSeries sessions{PlotSeries::Kind::kMarkers, "session", kPurple, {}, {}, {}};
  for (const SessionRecord& s : series.sessions) {
    sessions.x.push_back(static_cast<double>(s.started_at_ms));
    sessions.y.push_back(0.0);
    sessions.texts.push_back(fmt::format("session {}", s.id));
  }
  events.series = {std::move(alarms), std::move(sessions)};
  events.y_min = 0;
  events.y_max = 1;
  out.plots.push_back(std::move(events));
  return out;
}

}  // namespace

host::Checked<PatientSummaryDocument> patient_summary_document(const DocumentSources& src,
                                                               std::string_view mrn,
                                                               std::int64_t from_ms,
                                                               std::int64_t to_ms) {
  if (from_ms >= to_ms) {
    return host::Refusal{"from", "the period's start must be before its end",
                         host::RefusalKind::kInvalidArgument};
  }
  if (to_ms - from_ms > kMaxSeriesRangeMs) {
    return host::Refusal{"from",
                         fmt::format("a period of {} days: give 400 days or less",
                                     (to_ms - from_ms) / kMillisPerDay),
                         host::RefusalKind::kInvalidArgument};
  }
  ClinicDb& db = src.db;
  const host::Checked<PatientRecord> patient = db.find_patient_by_mrn(mrn);
  if (!patient.ok()) return patient.error();
  const host::Checked<host::TimeZone> zone = db.time_zone();
  if (!zone.ok()) return zone.error();
  const host::Checked<ClinicContact> contact = db.clinic_contact();
  if (!contact.ok()) return contact.error();
  const auto pumps = db.pumps_of(patient->id);
  if (!pumps.ok()) return pumps.error();
  const auto snapshot = db.clinic_snapshot(patient->id);
  if (!snapshot.ok()) return snapshot.error();
  const std::vector<OverviewRow> rows = build_overview(*snapshot, src.library, src.now_ms, *zone);

  PatientSummaryDocument doc;
  doc.title = fmt::format("Patient summary: {}", patient->name);
  doc.subtitle =
      fmt::format("{}: MRN {}, {} to {}. Times in the clinic's time zone, {}.",
                  contact->name.empty() ? std::string("Clinic") : contact->name, patient->mrn,
                  zone->date_at(from_ms), zone->date_at(to_ms - 1), zone->name());
  doc.footer = fmt::format("itdd patient summary {}, printed {} ({})", patient->mrn,
                           zone->minute_at(src.now_ms), zone->name());
  doc.sections.push_back(
      {"Patient",
       {{"Name", patient->name},
        {"MRN", patient->mrn},
        {"Born", utc_date(patient->birth_date_ms)},
        {"Indication", indication_name(patient->indication)},
        {"Period", fmt::format("{} to {} ({} days)", zone->minute_at(from_ms),
                               zone->minute_at(to_ms), (to_ms - from_ms) / kMillisPerDay)}},
       {},
       {}});
  DocumentSection pump_section{"Pumps", {}, {}, {}};
  DocumentTable pump_table;
  pump_table.columns = {"Serial", "Model", "Implanted", "Status", "Drug now", "Replacement"};
  doc.sessions.columns = {"Session", "Started", "Clinician", "Pump", "What it recorded"};
  for (const PumpRecord& pump : *pumps) {
    if (pump.implant_date_ms >= to_ms) continue;
    const OverviewRow* row = detail::find_row(rows, pump.id);
    const std::string drug = row != nullptr ? row->drug : std::string();
    pump_table.rows.push_back(
        {pump.serial, detail::pump_line(pump, src.catalog), utc_date(pump.implant_date_ms),
         pump.active ? "active" : "explanted or replaced", drug.empty() ? "-" : drug,
         row != nullptr && pump.active ? plan_replacement(*row, src.catalog, *zone, src.now_ms).text
                                       : "-"});
    const host::Checked<PumpSeries> series = pump_series(db, pump.id, from_ms, to_ms, *zone);
    if (!series.ok()) return series.error();
    // The drug's unit: the one in force in the period, else the pump's drug now; mg otherwise.
    std::string plotted_drug = drug;
    if (!series->prescriptions.empty()) plotted_drug = series->prescriptions.back().drug;
    const DoseUnit unit = dose_unit_of(src.library, plotted_drug).value_or(DoseUnit::kMilligram);
    doc.pumps.push_back(pump_plots(pump, *series, unit, plotted_drug, src, *zone));

    const auto sessions = db.sessions_of(pump.id);
    if (!sessions.ok()) return sessions.error();
    for (const SessionRecord& s : *sessions) {
      if (s.started_at_ms < from_ms || s.started_at_ms >= to_ms) continue;
      const host::Checked<SessionReport> report = db.session_report(s.id);
      if (!report.ok()) return report.error();
      std::string what;
      for (const ChangeRecord& c : report->changes) what += (what.empty() ? "" : "; ") + c.what;
      doc.sessions.rows.push_back({std::to_string(s.id), zone->minute_at(s.started_at_ms),
                                   s.operator_name, pump.serial,
                                   what.empty() ? (s.summary.empty() ? "-" : s.summary) : what});
    }
  }
  std::sort(doc.sessions.rows.begin(), doc.sessions.rows.end(),
            [](const auto& a, const auto& b) { return std::stoll(a[0]) < std::stoll(b[0]); });
  if (pump_table.rows.empty()) {
    pump_section.notes.push_back("No pump implanted before the end of the period.");
  } else {
    pump_section.tables.push_back(std::move(pump_table));
  }
  doc.sections.push_back(std::move(pump_section));
  return doc;
}

}  // namespace itdd::programmer
