// What a clinic prints: the session report, the patient summary with its plots, and the implant
// ID card, laid out as PDF (cairo and pango). Two steps, so the decisions can be tested apart
// from the drawing:
//   1. `*_document(...)` reads the clinic database, the drug library and the pump catalog and
//      decides what goes on the page: every number with its unit, every date in the clinic's
//      time zone, the rule behind each date. Refused (host::Refusal) for an unknown session or
//      patient, or a card without the clinic's name and emergency phone.
//   2. `render(...)` lays a document out as PDF bytes; `write_pdf_file` puts them at a path
//      through a temporary file renamed into place, so a failure leaves no partial file.
// The command line (`itdd clinic report|summary|card --pdf`) and the dashboard's server only
// call these.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/pump_catalog.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/clinic_overview.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/patient_view.h"

namespace itdd::programmer {

// What every document is built from.
struct DocumentSources {
  ClinicDb& db;
  const DrugLibrary& library;
  const host::PumpCatalog& catalog;
  std::int64_t now_ms = 0;  // "printed at", and what "projected" counts from
};

// ---- the parts of a page ----

struct DocumentField {
  std::string label;
  std::string value;
};

struct DocumentTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each as many cells as columns
  std::vector<bool> marked;                    // per row: drawn marked (a value that changed)
};

struct DocumentSection {
  std::string title;
  std::vector<DocumentField> fields;
  std::vector<DocumentTable> tables;
  std::vector<std::string> notes;  // sentences after the fields and tables
};

// ---- pump replacement planning ----

// When to schedule a pump's replacement: the projected elective replacement indicator (ERI) at
// the current program, less the pump model's lead time (data/pump-models.json,
// replacement_lead_days, with its note).
struct ReplacementPlan {
  std::optional<std::int64_t> eri_ms;          // projected, or empty
  std::optional<std::int64_t> schedule_by_ms;  // eri less the lead time
  bool eri_reached = false;
  bool end_of_service = false;
  // The replacement should be scheduled now or within 90 days: ERI or end of service reached,
  // or the schedule-by date within 90 days (or passed).
  bool act_soon = false;
  std::int64_t lead_days = 0;
  std::string text;    // one sentence for people, dates in the clinic's zone
  std::string source;  // the lead time's "source: ..." or "unconfirmed: ..."
};
ReplacementPlan plan_replacement(const OverviewRow& row, const host::PumpCatalog& catalog,
                                 const host::TimeZone& zone, std::int64_t now_ms);
// Every active pump's plan (by serial), for the overview's lists.
struct PumpReplacement {
  std::string serial;
  std::string mrn;
  ReplacementPlan plan;
};
host::Checked<std::vector<PumpReplacement>> replacement_plans(const DocumentSources& sources);

// ---- the session report ----

struct SessionReportDocument {
  std::string title;     // "Programming session 4"
  std::string subtitle;  // the clinic, its time zone
  std::vector<DocumentSection> sections;
  std::string footer;  // when printed, in which zone
};
host::Checked<SessionReportDocument> session_report_document(const DocumentSources& sources,
                                                             std::int64_t session_id);

// ---- the patient summary ----

struct AxisTick {
  double at = 0;      // ms for the time axis, the value for a y axis
  std::string label;  // "12-01", "0.5"
};

// One plot: points in its own units (x: epoch ms), drawn as the kind says.
struct PlotSeries {
  enum class Kind : std::uint8_t { kBars, kLine, kSteps, kPoints, kHollowPoints, kMarkers };
  Kind kind = Kind::kLine;
  std::string label;  // the legend
  std::uint32_t rgb = 0x1f77b4;
  std::vector<double> x;
  std::vector<double> y;
  std::vector<std::string> texts;  // kMarkers: a label each
};

struct Plot {
  std::string title;   // "Delivered dose per day (mcg/day)"
  std::string y_unit;  // "mcg/day", "mL"
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::vector<AxisTick> x_ticks;
  std::vector<AxisTick> y_ticks;
  std::vector<PlotSeries> series;
  std::string empty_text;  // said inside the plot when no series has a point
};

struct PumpPlots {
  std::string heading;  // "Pump SN-0001 (peristaltic-20), baclofen"
  std::vector<std::string> notes;
  std::vector<Plot> plots;  // dose per day, reservoir, prescriptions, boluses, alarms
};

struct PatientSummaryDocument {
  std::string title;
  std::string subtitle;
  std::vector<DocumentSection> sections;  // the patient, the period, the pumps
  std::vector<PumpPlots> pumps;
  DocumentTable sessions;
  std::string footer;
};
// The patient's pumps implanted before `to_ms`, over [from_ms, to_ms) (at most 400 days, as the
// dashboard's plots).
host::Checked<PatientSummaryDocument> patient_summary_document(const DocumentSources& sources,
                                                               std::string_view mrn,
                                                               std::int64_t from_ms,
                                                               std::int64_t to_ms);

// ---- the implant ID card ----

struct ImplantCardDocument {
  // Front.
  std::string heading;  // "Implanted drug pump"
  std::string patient_name;
  std::vector<DocumentField> front;  // pump, serial, implant date, drug, catheter tip
  std::string metal_detector_note;
  // Back.
  std::string mri_note;
  std::string mr_conditions;
  std::vector<DocumentField> alarm_sounds;  // low reservoir, critical
  std::string clinic_name;
  std::string emergency_phone;
};
// The patient's active pump (the newest implanted when there are several). Refused without an
// active pump, or before the clinic's name and emergency phone are set.
host::Checked<ImplantCardDocument> implant_card_document(const DocumentSources& sources,
                                                         std::string_view mrn);

// ---- PDF ----

// Where a plot's drawing area is on its page (points from the top left), so a test can look at
// the rendered page there.
struct PlotArea {
  int page = 0;  // from 0
  double x = 0, y = 0, width = 0, height = 0;
  std::string title;
};

struct RenderedPdf {
  std::string bytes;
  std::vector<PlotArea> plots;
  int pages = 0;
};

// ISO 216 A4 (the report and the summary) and ISO/IEC 7810 ID-1 (the card), in points.
inline constexpr double kA4WidthPt = 595.276;
inline constexpr double kA4HeightPt = 841.890;
inline constexpr double kId1WidthPt = 85.60 * 72.0 / 25.4;   // 242.65
inline constexpr double kId1HeightPt = 53.98 * 72.0 / 25.4;  // 153.01

host::Checked<RenderedPdf> render_session_report(const SessionReportDocument& document);
host::Checked<RenderedPdf> render_patient_summary(const PatientSummaryDocument& document);
host::Checked<RenderedPdf> render_implant_card(const ImplantCardDocument& document);

// Writes `bytes` to `path` whole or not at all: a temporary file beside it, flushed, then
// renamed over it. Refused (field "pdf", kInvalidArgument) when the folder cannot be written,
// naming the path and the reason; nothing is left behind.
host::Checked<void> write_pdf_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace itdd::programmer
