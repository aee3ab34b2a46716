// The drawing layer under the documents: a cairo PDF surface written to memory, text laid out
// by pango (wrapped at words, the fonts found by fontconfig: DejaVu Sans, with a CJK font from
// Debian for what it lacks), and a flow that places sections, fields and tables down A4 pages.
// Only documents' own sources include it.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "itdd/host/checked.h"
#include "itdd/programmer/documents.h"

namespace itdd::programmer::pdf {

struct TextStyle {
  double size_pt = 9;
  bool bold = false;
  std::uint32_t rgb = 0x000000;
  bool centred = false;
};

void set_colour(cairo_t* cr, std::uint32_t rgb);

class Canvas {
 public:
  Canvas(double width_pt, double height_pt, std::string_view title);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  cairo_t* cr() const { return cr_; }
  double width() const { return width_; }
  double height() const { return height_; }
  int page() const { return page_; }

  // Draws `text` in a box `width` wide with its top left at (x, y), wrapped at words; returns
  // the height it took. measure() is the same without drawing.
  double text(double x, double y, double width, std::string_view text, const TextStyle& style);
  double measure(double width, std::string_view text, const TextStyle& style);
  // The width of `text` on one line.
  double line_width(std::string_view text, const TextStyle& style);

  void next_page();
  // The PDF's bytes, or why cairo could not make them. Call once, last.
  host::Checked<std::string> finish();

 private:
  PangoLayout* layout(double width, std::string_view text, const TextStyle& style);

  std::string bytes_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
  double width_ = 0;
  double height_ = 0;
  int page_ = 0;
};

// Places blocks down A4 pages between margins, starting a new page when one does not fit.
class Flow {
 public:
  explicit Flow(Canvas& canvas, std::string footer);

  double y() const { return y_; }
  double left() const { return kMargin; }
  double content_width() const { return canvas_.width() - 2 * kMargin; }
  // Room for `height` points: a new page when it does not fit; returns the top to draw at.
  double take(double height);

  void title(std::string_view title, std::string_view subtitle);
  void heading(std::string_view text);
  void paragraph(std::string_view text, const TextStyle& style = {});
  void fields(const std::vector<DocumentField>& fields);
  void table(const DocumentTable& table);
  void section(const DocumentSection& section);
  void gap(double points) { y_ += points; }
  void finish_page();  // the footer and page number of the page drawn last
  void new_page() { break_page(); }

  static constexpr double kMargin = 42.0;

 private:
  void break_page();

  Canvas& canvas_;
  std::string footer_;
  double y_ = kMargin;
  int pages_footed_ = 0;
};

}  // namespace itdd::programmer::pdf
