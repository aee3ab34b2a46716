// The documents drawn: the session report and the summary's text down A4 pages, the summary's
// plots as vector graphics, and the ID-1 card's two faces. What goes on them is decided in
// document_content.cpp; here only where and how it is drawn.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "itdd/programmer/documents.h"
#include "pdf_canvas.h"

namespace itdd::programmer {
namespace {

using pdf::Canvas;
using pdf::Flow;
using pdf::set_colour;
using pdf::TextStyle;

constexpr double kDayMs = 86'400'000.0;
constexpr std::uint32_t kFrameGrey = 0x888888;
constexpr std::uint32_t kGridGrey = 0xdddddd;

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
};

bool has_points(const Plot& plot) {
  return std::any_of(plot.series.begin(), plot.series.end(),
                     [](const PlotSeries& s) { return !s.x.empty(); });
}

// One plot in `box`: the title and legend on a line, the y axis's labels on the left, the time
// axis's below; returns the data area.
Box draw_plot(Canvas& canvas, const Plot& plot, const Box& box) {
  cairo_t* cr = canvas.cr();
  const TextStyle title{8.5, true};
  const TextStyle tick{6.5, false, 0x444444};
  const TextStyle legend{6.5};
  const double title_h = canvas.text(box.x, box.y, box.w * 0.55, plot.title, title) + 3;
  // The legend, right-aligned on the title's line.
  double lx = box.x + box.w;
  for (auto it = plot.series.rbegin(); it != plot.series.rend(); ++it) {
    const double w = canvas.line_width(it->label, legend);
    lx -= w + 14;
    set_colour(cr, it->rgb);
    cairo_rectangle(cr, lx, box.y + 2.5, 7, 5);
    cairo_fill(cr);
    canvas.text(lx + 9, box.y, 0, it->label, legend);
  }
  const Box area{box.x + 44, box.y + title_h, box.w - 44 - 6, box.h - title_h - 13};
  const double xspan = plot.x_max > plot.x_min ? plot.x_max - plot.x_min : 1.0;
  const double yspan = plot.y_max > plot.y_min ? plot.y_max - plot.y_min : 1.0;
  const auto px = [&](double x) { return area.x + (x - plot.x_min) / xspan * area.w; };
  const auto py = [&](double y) { return area.y + area.h - (y - plot.y_min) / yspan * area.h; };

  // Grid and ticks.
  cairo_set_line_width(cr, 0.3);
  for (const AxisTick& t : plot.y_ticks) {
    set_colour(cr, kGridGrey);
    cairo_move_to(cr, area.x, py(t.at));
    cairo_line_to(cr, area.x + area.w, py(t.at));
    cairo_stroke(cr);
    const double w = canvas.line_width(t.label, tick);
    canvas.text(area.x - 3 - w, py(t.at) - 4, 0, t.label, tick);
  }
  for (const AxisTick& t : plot.x_ticks) {
    set_colour(cr, kGridGrey);
    cairo_move_to(cr, px(t.at), area.y);
    cairo_line_to(cr, px(t.at), area.y + area.h);
    cairo_stroke(cr);
    const double w = canvas.line_width(t.label, tick);
    canvas.text(std::clamp(px(t.at) - w / 2, area.x - 10, area.x + area.w - w + 4),
                area.y + area.h + 2, 0, t.label, tick);
  }
  set_colour(cr, kFrameGrey);
  cairo_set_line_width(cr, 0.6);
  cairo_rectangle(cr, area.x, area.y, area.w, area.h);
  cairo_stroke(cr);

  if (!has_points(plot)) {
    const TextStyle empty{8, false, 0x777777, true};
    canvas.text(area.x, area.y + area.h / 2 - 5, area.w, plot.empty_text, empty);
    return area;
  }
  cairo_save(cr);
  cairo_rectangle(cr, area.x, area.y, area.w, area.h);
  cairo_clip(cr);
  for (const PlotSeries& s : plot.series) {
    set_colour(cr, s.rgb);
    cairo_set_line_width(cr, 1.2);
    const std::size_t n = std::min(s.x.size(), s.y.size());
    switch (s.kind) {
      case PlotSeries::Kind::kBars: {
        const double day_px = kDayMs / xspan * area.w;
        for (std::size_t i = 0; i < n; ++i) {
          const double top = py(s.y[i]);
          cairo_rectangle(cr, px(s.x[i]) + day_px * 0.1, top, std::max(0.8, day_px * 0.8),
                          py(plot.y_min) - top);
        }
        cairo_fill(cr);
        break;
      }
      case PlotSeries::Kind::kLine:
        for (std::size_t i = 0; i < n; ++i) {
          if (i == 0) {
            cairo_move_to(cr, px(s.x[i]), py(s.y[i]));
          } else {
            cairo_line_to(cr, px(s.x[i]), py(s.y[i]));
          }
        }
        cairo_stroke(cr);
        break;
      case PlotSeries::Kind::kSteps:
        for (std::size_t i = 0; i < n; ++i) {
          if (i == 0) {
            cairo_move_to(cr, px(s.x[i]), py(s.y[i]));
          } else {
            cairo_line_to(cr, px(s.x[i]), py(s.y[i - 1]));
            cairo_line_to(cr, px(s.x[i]), py(s.y[i]));
          }
        }
        if (n > 0) cairo_line_to(cr, px(plot.x_max), py(s.y[n - 1]));
        cairo_stroke(cr);
        break;
      case PlotSeries::Kind::kPoints:
      case PlotSeries::Kind::kHollowPoints:
        for (std::size_t i = 0; i < n; ++i) {
          cairo_new_sub_path(cr);
          cairo_arc(cr, px(s.x[i]), py(s.y[i]), 2.4, 0, 2 * M_PI);
          if (s.kind == PlotSeries::Kind::kPoints) {
            cairo_fill(cr);
          } else {
            cairo_stroke(cr);
          }
        }
        break;
      case PlotSeries::Kind::kMarkers:
        for (std::size_t i = 0; i < n; ++i) {
          const double x = px(s.x[i]);
          cairo_move_to(cr, x, area.y + area.h);
          cairo_line_to(cr, x, area.y + 4);
          cairo_stroke(cr);
          cairo_move_to(cr, x - 3, area.y + area.h);
          cairo_line_to(cr, x + 3, area.y + area.h);
          cairo_line_to(cr, x, area.y + area.h - 5);
          cairo_close_path(cr);
          cairo_fill(cr);
          if (i < s.texts.size()) {
            // Staggered on three lines so markers close together keep their names apart.
            const double row = static_cast<double>(i % 3);
            canvas.text(x + 2, area.y + 3 + row * 9, 0, s.texts[i], TextStyle{6, false, s.rgb});
          }
        }
        break;
    }
  }
  cairo_restore(cr);
  return area;
}

// Text blocks fitted into a box: the largest scale (at most 1, at least 0.6) at which they fit.
struct CardLine {
  std::string text;
  TextStyle style;
  double gap_after = 1.0;
};

double fit_scale(Canvas& canvas, const std::vector<CardLine>& lines, double width, double height) {
  for (double scale = 1.0; scale > 0.6; scale -= 0.05) {
    double h = 0;
    for (const CardLine& l : lines) {
      TextStyle s = l.style;
      s.size_pt *= scale;
      h += canvas.measure(width, l.text, s) + l.gap_after * scale;
    }
    if (h <= height) return scale;
  }
  return 0.6;
}

double draw_lines(Canvas& canvas, const std::vector<CardLine>& lines, double x, double y,
                  double width, double scale) {
  for (const CardLine& l : lines) {
    TextStyle s = l.style;
    s.size_pt *= scale;
    y += canvas.text(x, y, width, l.text, s) + l.gap_after * scale;
  }
  return y;
}

}  // namespace

host::Checked<RenderedPdf> render_session_report(const SessionReportDocument& document) {
  Canvas canvas(kA4WidthPt, kA4HeightPt, document.title);
  Flow flow(canvas, document.footer);
  flow.title(document.title, document.subtitle);
  for (const DocumentSection& s : document.sections) flow.section(s);
  flow.finish_page();
  const int pages = canvas.page() + 1;
  host::Checked<std::string> bytes = canvas.finish();
  if (!bytes.ok()) return bytes.error();
  return RenderedPdf{std::move(bytes).value(), {}, pages};
}

host::Checked<RenderedPdf> render_patient_summary(const PatientSummaryDocument& document) {
  Canvas canvas(kA4WidthPt, kA4HeightPt, document.title);
  Flow flow(canvas, document.footer);
  RenderedPdf out;
  flow.title(document.title, document.subtitle);
  for (const DocumentSection& s : document.sections) flow.section(s);
  for (const PumpPlots& pump : document.pumps) {
    flow.new_page();
    flow.heading(pump.heading);
    for (const std::string& note : pump.notes) flow.paragraph(note, TextStyle{8, false, 0x333333});
    const double bottom = kA4HeightPt - Flow::kMargin;
    const double each =
        pump.plots.empty() ? 0 : (bottom - flow.y() - 4) / static_cast<double>(pump.plots.size());
    for (const Plot& plot : pump.plots) {
      const double top = flow.take(each);
      const Box area =
          draw_plot(canvas, plot, Box{flow.left(), top + 2, flow.content_width(), each - 8});
      out.plots.push_back(PlotArea{canvas.page(), area.x, area.y, area.w, area.h, plot.title});
    }
  }
  if (!document.pumps.empty()) flow.new_page();
  flow.heading(fmt::format("Sessions ({})", document.sessions.rows.size()));
  if (document.sessions.rows.empty()) {
    flow.paragraph("No programming session in this period.");
  } else {
    flow.table(document.sessions);
  }
  flow.finish_page();
  out.pages = canvas.page() + 1;
  host::Checked<std::string> bytes = canvas.finish();
  if (!bytes.ok()) return bytes.error();
  out.bytes = std::move(bytes).value();
  return out;
}

host::Checked<RenderedPdf> render_implant_card(const ImplantCardDocument& card) {
  Canvas canvas(kId1WidthPt, kId1HeightPt, card.heading + ": " + card.patient_name);
  cairo_t* cr = canvas.cr();
  constexpr double kPad = 8;
  const double inner = kId1WidthPt - 2 * kPad;
  constexpr std::uint32_t kBand = 0x1a3d6b;
  constexpr std::uint32_t kWarn = 0xa8321d;

  // Front: a band with the heading, the patient, the pump and drug, the metal-detector note.
  set_colour(cr, kBand);
  cairo_rectangle(cr, 0, 0, kId1WidthPt, 22);
  cairo_fill(cr);
  canvas.text(kPad, 5, inner, card.heading, TextStyle{10, true, 0xffffff});
  std::vector<CardLine> front;
  front.push_back({card.patient_name, TextStyle{10, true}, 3});
  for (const DocumentField& f : card.front) {
    front.push_back({f.label + ": " + f.value, TextStyle{7}, 0.8});
  }
  std::vector<CardLine> warning{{card.metal_detector_note, TextStyle{7, true, kWarn}, 0}};
  const double warn_h = canvas.measure(inner, card.metal_detector_note, warning[0].style);
  const double front_room = kId1HeightPt - 22 - 5 - kPad - warn_h - 3;
  draw_lines(canvas, front, kPad, 27, inner, fit_scale(canvas, front, inner, front_room));
  draw_lines(canvas, warning, kPad, kId1HeightPt - kPad - warn_h, inner, 1.0);
  set_colour(cr, kFrameGrey);
  cairo_set_line_width(cr, 0.5);
  cairo_rectangle(cr, 0.25, 0.25, kId1WidthPt - 0.5, kId1HeightPt - 0.5);
  cairo_stroke(cr);
  canvas.next_page();

  // Back: MRI, the alarm sounds, and whom to call in a band at the bottom.
  std::vector<CardLine> back;
  back.push_back({"MRI", TextStyle{7.5, true, kBand}, 0.5});
  back.push_back({card.mri_note, TextStyle{6.5, true}, 0.8});
  back.push_back({card.mr_conditions, TextStyle{6}, 2.5});
  back.push_back({"Alarm sounds", TextStyle{7.5, true, kBand}, 0.5});
  for (const DocumentField& f : card.alarm_sounds) {
    back.push_back({f.label + ": " + f.value, TextStyle{6}, 0.8});
  }
  // Whom to call, the number on a line of its own so it never breaks.
  const std::vector<CardLine> call{
      {"In an emergency call " + card.clinic_name, TextStyle{6.5, true, 0xffffff}, 0.5},
      {card.emergency_phone, TextStyle{9, true, 0xffffff}, 0}};
  double call_h = 0;
  for (const CardLine& l : call) call_h += canvas.measure(inner, l.text, l.style) + l.gap_after;
  const double band_top = kId1HeightPt - call_h - 8;
  set_colour(cr, kBand);
  cairo_rectangle(cr, 0, band_top, kId1WidthPt, kId1HeightPt - band_top);
  cairo_fill(cr);
  draw_lines(canvas, call, kPad, band_top + 4, inner, 1.0);
  draw_lines(canvas, back, kPad, 6, inner, fit_scale(canvas, back, inner, band_top - 9));
  set_colour(cr, kFrameGrey);
  cairo_set_line_width(cr, 0.5);
  cairo_rectangle(cr, 0.25, 0.25, kId1WidthPt - 0.5, kId1HeightPt - 0.5);
  cairo_stroke(cr);

  host::Checked<std::string> bytes = canvas.finish();
  if (!bytes.ok()) return bytes.error();
  return RenderedPdf{std::move(bytes).value(), {}, 2};
}

}  // namespace itdd::programmer
