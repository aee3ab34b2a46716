#include "pdf_canvas.h"

#include <cairo-pdf.h>
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace itdd::programmer::pdf {
namespace {

// DejaVu Sans covers Latin with its accents, Greek and Cyrillic; fontconfig falls back to a CJK
// font (WenQuanYi Zen Hei from Debian) for the characters it lacks.
constexpr const char* kFontFamily = "DejaVu Sans";

cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

constexpr std::uint32_t kRuleGrey = 0x999999;
constexpr std::uint32_t kHeaderFill = 0xe4e8ee;
constexpr std::uint32_t kMarkedFill = 0xfff1b8;
constexpr double kCellPad = 3.0;

}  // namespace

void set_colour(cairo_t* cr, std::uint32_t rgb) {
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                       (rgb & 0xff) / 255.0);
}

Canvas::Canvas(double width_pt, double height_pt, std::string_view title)
    : width_(width_pt), height_(height_pt) {
  surface_ = cairo_pdf_surface_create_for_stream(append_bytes, &bytes_, width_pt, height_pt);
  const std::string t(title);
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, t.c_str());
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR, "itdd");
  cr_ = cairo_create(surface_);
}

Canvas::~Canvas() {
  if (cr_ != nullptr) cairo_destroy(cr_);
  if (surface_ != nullptr) cairo_surface_destroy(surface_);
}

PangoLayout* Canvas::layout(double width, std::string_view text, const TextStyle& style) {
  PangoLayout* l = pango_cairo_create_layout(cr_);
  PangoFontDescription* font = pango_font_description_new();
  pango_font_description_set_family(font, kFontFamily);
  pango_font_description_set_absolute_size(font, style.size_pt * PANGO_SCALE);
  pango_font_description_set_weight(font, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(l, font);
  pango_font_description_free(font);
  // No ligatures: every character stays its own glyph, so the text reads back ("fi", "ffl").
  PangoAttrList* attrs = pango_attr_list_new();
  pango_attr_list_insert(attrs, pango_attr_font_features_new("liga 0, clig 0"));
  pango_layout_set_attributes(l, attrs);
  pango_attr_list_unref(attrs);
  if (width > 0) {
    pango_layout_set_width(l, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_alignment(l, style.centred ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
  pango_layout_set_text(l, text.data(), static_cast<int>(text.size()));
  return l;
}

double Canvas::text(double x, double y, double width, std::string_view text,
                    const TextStyle& style) {
  PangoLayout* l = layout(width, text, style);
  set_colour(cr_, style.rgb);
  cairo_move_to(cr_, x, y);
  pango_cairo_show_layout(cr_, l);
  int w = 0;
  int h = 0;
  pango_layout_get_size(l, &w, &h);
  g_object_unref(l);
  return static_cast<double>(h) / PANGO_SCALE;
}

double Canvas::measure(double width, std::string_view text, const TextStyle& style) {
  PangoLayout* l = layout(width, text, style);
  int w = 0;
  int h = 0;
  pango_layout_get_size(l, &w, &h);
  g_object_unref(l);
  return static_cast<double>(h) / PANGO_SCALE;
}

double Canvas::line_width(std::string_view text, const TextStyle& style) {
  PangoLayout* l = layout(0, text, style);
  int w = 0;
  int h = 0;
  pango_layout_get_size(l, &w, &h);
  g_object_unref(l);
  return static_cast<double>(w) / PANGO_SCALE;
}

void Canvas::next_page() {
  cairo_show_page(cr_);
  ++page_;
}

host::Checked<std::string> Canvas::finish() {
  cairo_show_page(cr_);
  cairo_destroy(cr_);
  cr_ = nullptr;
  cairo_surface_finish(surface_);
  const cairo_status_t status = cairo_surface_status(surface_);
  cairo_surface_destroy(surface_);
  surface_ = nullptr;
  if (status != CAIRO_STATUS_SUCCESS) {
    return host::Refusal{
        "pdf", fmt::format("the PDF could not be made: {}", cairo_status_to_string(status)),
        host::RefusalKind::kUnavailable};
  }
  return std::move(bytes_);
}

// ---- the flow down A4 pages ----

Flow::Flow(Canvas& canvas, std::string footer) : canvas_(canvas), footer_(std::move(footer)) {}

void Flow::finish_page() {
  if (pages_footed_ > canvas_.page()) return;
  const TextStyle small{7, false, 0x555555};
  const double y = canvas_.height() - kMargin + 14;
  canvas_.text(left(), y, content_width() - 60, footer_, small);
  const std::string number = fmt::format("page {}", canvas_.page() + 1);
  canvas_.text(left() + content_width() - canvas_.line_width(number, small), y, 0, number, small);
  pages_footed_ = canvas_.page() + 1;
}

void Flow::break_page() {
  finish_page();
  canvas_.next_page();
  y_ = kMargin;
}

double Flow::take(double height) {
  if (y_ + height > canvas_.height() - kMargin && y_ > kMargin) break_page();
  const double top = y_;
  y_ += height;
  return top;
}

void Flow::title(std::string_view title, std::string_view subtitle) {
  const TextStyle big{16, true};
  const TextStyle sub{9, false, 0x333333};
  y_ += canvas_.text(left(), y_, content_width(), title, big) + 2;
  y_ += canvas_.text(left(), y_, content_width(), subtitle, sub) + 4;
  cairo_t* cr = canvas_.cr();
  set_colour(cr, 0x000000);
  cairo_set_line_width(cr, 1.0);
  cairo_move_to(cr, left(), y_);
  cairo_line_to(cr, left() + content_width(), y_);
  cairo_stroke(cr);
  y_ += 8;
}

void Flow::heading(std::string_view text) {
  const TextStyle style{11, true, 0x1a3d6b};
  // A heading is never left alone at the bottom of a page.
  const double h = canvas_.measure(content_width(), text, style);
  if (y_ + h + 40 > canvas_.height() - kMargin && y_ > kMargin) break_page();
  y_ += 6;
  const double top = take(h + 2);
  canvas_.text(left(), top, content_width(), text, style);
  cairo_t* cr = canvas_.cr();
  set_colour(cr, kRuleGrey);
  cairo_set_line_width(cr, 0.5);
  cairo_move_to(cr, left(), y_);
  cairo_line_to(cr, left() + content_width(), y_);
  cairo_stroke(cr);
  y_ += 3;
}

void Flow::paragraph(std::string_view text, const TextStyle& style) {
  const double h = canvas_.measure(content_width(), text, style);
  const double top = take(h + 3);
  canvas_.text(left(), top, content_width(), text, style);
}

void Flow::fields(const std::vector<DocumentField>& fields) {
  const TextStyle label{9, true, 0x333333};
  const TextStyle value{9};
  const double label_width = 150;
  const double value_width = content_width() - label_width - 6;
  for (const DocumentField& f : fields) {
    const double h = std::max(canvas_.measure(label_width, f.label, label),
                              canvas_.measure(value_width, f.value, value));
    const double top = take(h + 2);
    canvas_.text(left(), top, label_width, f.label, label);
    canvas_.text(left() + label_width + 6, top, value_width, f.value, value);
  }
}

void Flow::table(const DocumentTable& table) {
  const std::size_t n = table.columns.size();
  if (n == 0) return;
  const TextStyle head{8, true};
  const TextStyle cell{8};
  // Each column as wide as its widest line wants, within a third of the page, then scaled to
  // fill the width.
  std::vector<double> want(n, 30.0);
  const double cap = content_width() / 2.5;
  for (std::size_t c = 0; c < n; ++c) {
    want[c] = std::max(want[c], std::min(cap, canvas_.line_width(table.columns[c], head)));
    for (const auto& row : table.rows) {
      if (c < row.size())
        want[c] = std::max(want[c], std::min(cap, canvas_.line_width(row[c], cell)));
    }
    want[c] += 2 * kCellPad;
  }
  const double total = std::accumulate(want.begin(), want.end(), 0.0);
  for (double& w : want) w *= content_width() / total;

  cairo_t* cr = canvas_.cr();
  const auto cell_text = [](const std::vector<std::string>& cells, std::size_t c) {
    return c < cells.size() ? std::string_view(cells[c]) : std::string_view();
  };
  const auto row_height = [&](const std::vector<std::string>& cells, const TextStyle& style) {
    double h = 0;
    for (std::size_t c = 0; c < n; ++c) {
      h = std::max(h, canvas_.measure(want[c] - 2 * kCellPad, cell_text(cells, c), style));
    }
    return h + 2 * kCellPad;
  };
  const auto draw_row = [&](const std::vector<std::string>& cells, const TextStyle& style,
                            std::uint32_t fill, double h) {
    const double top = take(h);
    if (fill != 0xffffff) {
      set_colour(cr, fill);
      cairo_rectangle(cr, left(), top, content_width(), h);
      cairo_fill(cr);
    }
    double x = left();
    for (std::size_t c = 0; c < n; ++c) {
      canvas_.text(x + kCellPad, top + kCellPad, want[c] - 2 * kCellPad, cell_text(cells, c),
                   style);
      x += want[c];
    }
    set_colour(cr, kRuleGrey);
    cairo_set_line_width(cr, 0.4);
    cairo_move_to(cr, left(), top + h);
    cairo_line_to(cr, left() + content_width(), top + h);
    cairo_stroke(cr);
  };
  const double header_h = row_height(table.columns, head);
  const double bottom = canvas_.height() - kMargin;
  // The header with at least its first row.
  if (y_ + header_h + (table.rows.empty() ? 0 : row_height(table.rows[0], cell)) > bottom &&
      y_ > kMargin) {
    break_page();
  }
  draw_row(table.columns, head, kHeaderFill, header_h);
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const bool marked = r < table.marked.size() && table.marked[r];
    const double h = row_height(table.rows[r], cell);
    if (y_ + h > bottom && y_ > kMargin) {
      break_page();  // the header again above the rows that go on
      draw_row(table.columns, head, kHeaderFill, header_h);
    }
    draw_row(table.rows[r], cell, marked ? kMarkedFill : 0xffffff, h);
  }
  y_ += 4;
}

void Flow::section(const DocumentSection& section) {
  heading(section.title);
  fields(section.fields);
  for (const DocumentTable& t : section.tables) table(t);
  for (const std::string& note : section.notes) paragraph(note, TextStyle{8.5, false, 0x222222});
}

}  // namespace itdd::programmer::pdf
