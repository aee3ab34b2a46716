#include "itdd/sim/trumpet.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace itdd::sim {
namespace {

// 100 x num / den as a double (display only).
double percent(Int128 num, Int128 den) {
  return 100.0 * static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

TrumpetResult analyse_trumpet(const TrumpetInput& in, const std::vector<std::int64_t>& windows) {
  if (in.set_rate.count() <= 0) throw std::invalid_argument("the set rate must be above 0");
  if (in.sample_interval.count() <= 0) throw std::invalid_argument("no sample interval");
  const std::int64_t s_ms = in.sample_interval.count();
  const std::size_t k = in.sample_volume_nl.size();
  TrumpetResult r;
  r.set_rate = in.set_rate;
  r.period = Duration(s_ms * static_cast<std::int64_t>(k));
  // Prefix sums: the volume of any run of samples in O(1).
  std::vector<std::int64_t> prefix(k + 1, 0);
  for (std::size_t i = 0; i < k; ++i) prefix[i + 1] = prefix[i] + in.sample_volume_nl[i];
  r.total_volume_nl = prefix[k];
  // In nL x ms: a run of m samples should hold r x m x S / day; its error is
  // (volume x day - r x m x S) / (r x m x S).
  const auto error_num = [&](std::int64_t volume, std::int64_t m) {
    return static_cast<Int128>(volume) * kMillisPerDay -
           static_cast<Int128>(in.set_rate.count()) * m * s_ms;
  };
  if (k > 0) {
    const Int128 den =
        static_cast<Int128>(in.set_rate.count()) * static_cast<std::int64_t>(k) * s_ms;
    r.overall_error_percent =
        percent(error_num(r.total_volume_nl, static_cast<std::int64_t>(k)), den);
    r.mean_flow = FlowRate(static_cast<std::int64_t>(static_cast<Int128>(r.total_volume_nl) *
                                                     kMillisPerDay / r.period.count()));
  }
  for (std::int64_t minutes : windows) {
    TrumpetWindow w;
    w.minutes = minutes;
    const std::int64_t window_ms = minutes * kMillisPerMinute;
    if (window_ms % s_ms != 0) throw std::invalid_argument("a window must be whole samples");
    const std::int64_t m = window_ms / s_ms;
    if (static_cast<std::size_t>(m) <= k) {
      w.positions = k - static_cast<std::size_t>(m) + 1;
      std::int64_t most = prefix[static_cast<std::size_t>(m)];
      std::int64_t least = most;
      for (std::size_t j = 1; j < w.positions; ++j) {
        const std::int64_t v = prefix[j + static_cast<std::size_t>(m)] - prefix[j];
        most = std::max(most, v);
        least = std::min(least, v);
      }
      const Int128 den = static_cast<Int128>(in.set_rate.count()) * m * s_ms;
      w.ep_max_percent = percent(error_num(most, m), den);
      w.ep_min_percent = percent(error_num(least, m), den);
    }
    r.windows.push_back(w);
  }
  return r;
}

void write_trumpet_csv(std::ostream& out, const TrumpetResult& r) {
  out << "window_min,positions,ep_max_percent,ep_min_percent\n";
  for (const TrumpetWindow& w : r.windows) {
    if (w.positions == 0) {
      out << fmt::format("{},0,,\n", w.minutes);
    } else {
      out << fmt::format("{},{},{:.3f},{:.3f}\n", w.minutes, w.positions, w.ep_max_percent,
                         w.ep_min_percent);
    }
  }
  out << fmt::format(
      "# overall mean flow error A: {:.3f} % (mean {} nL/day against {} nL/day over "
      "{} min)\n",
      r.overall_error_percent, r.mean_flow.count(), r.set_rate.count(),
      r.period.count() / kMillisPerMinute);
}

void write_flow_csv(std::ostream& out, const TrumpetInput& in) {
  out << "minute,volume_nl,flow_ml_per_h\n";
  const double per_hour = static_cast<double>(kMillisPerHour) /
                          static_cast<double>(in.sample_interval.count()) /
                          static_cast<double>(kNanolitresPerMillilitre);
  for (std::size_t i = 0; i < in.sample_volume_nl.size(); ++i) {
    out << fmt::format(
        "{:g},{},{:.6f}\n",
        static_cast<double>(static_cast<std::int64_t>(i) * in.sample_interval.count()) /
            kMillisPerMinute,
        in.sample_volume_nl[i], static_cast<double>(in.sample_volume_nl[i]) * per_hour);
  }
}

std::string trumpet_svg(const TrumpetResult& r, const std::string& title) {
  // Plot area and scales: x log10(window minutes) from 1 to 2000, y symmetric about 0 and wide
  // enough for every point (at least ±10 %).
  constexpr double kWidth = 720, kHeight = 420, kLeft = 70, kRight = 20, kTop = 40, kBottom = 60;
  double span = 10;
  for (const TrumpetWindow& w : r.windows) {
    if (w.positions == 0) continue;
    span = std::max({span, std::abs(w.ep_max_percent), std::abs(w.ep_min_percent)});
  }
  span = std::max(span, std::abs(r.overall_error_percent));
  // A round span so the five grid lines each side fall on round numbers.
  const double round_to = span <= 50 ? 10.0 : span <= 250 ? 50.0 : 100.0;
  span = std::ceil(span / round_to) * round_to;
  const double x0 = std::log10(1.0), x1 = std::log10(2000.0);
  const auto x_of = [&](double minutes) {
    return kLeft + (std::log10(minutes) - x0) / (x1 - x0) * (kWidth - kLeft - kRight);
  };
  const auto y_of = [&](double pct) {
    return kTop + (span - pct) / (2 * span) * (kHeight - kTop - kBottom);
  };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} "
      "{1}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
      kWidth, kHeight);
  const auto escape = [](const std::string& s) {
    std::string o;
    for (char c : s) {
      if (c == '&')
        o += "&amp;";
      else if (c == '<')
        o += "&lt;";
      else if (c == '>')
        o += "&gt;";
      else if (c == '"')
        o += "&quot;";
      else
        o += c;
    }
    return o;
  };
  svg += fmt::format("<text x=\"{}\" y=\"22\" font-size=\"14\">{}</text>\n", kLeft, escape(title));
  // Grid: y every span/5, x at each window.
  for (int i = -5; i <= 5; ++i) {
    const double pct = span * i / 5.0;
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:g} %</text>\n",
        kLeft, y_of(pct), kWidth - kRight, y_of(pct), i == 0 ? "#888" : "#eee", kLeft - 6,
        y_of(pct) + 4, pct);
  }
  for (const TrumpetWindow& w : r.windows) {
    const double x = x_of(static_cast<double>(w.minutes));
    const std::string label =
        w.minutes % 60 == 0 ? fmt::format("{} h", w.minutes / 60) : fmt::format("{}", w.minutes);
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>\n"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
        x, kTop, kHeight - kBottom, kHeight - kBottom + 16, label);
  }
  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">observation window (minutes, log "
      "scale)</text>\n",
      (kLeft + kWidth - kRight) / 2, kHeight - 20);
  svg += fmt::format(
      "<text transform=\"translate(16 {:.1f}) rotate(-90)\" text-anchor=\"middle\">flow error "
      "(% of the set rate)</text>\n",
      (kTop + kHeight - kBottom) / 2);
  const auto polyline = [&](bool max, const char* colour) {
    std::string points;
    for (const TrumpetWindow& w : r.windows) {
      if (w.positions == 0) continue;
      points += fmt::format("{:.1f},{:.1f} ", x_of(static_cast<double>(w.minutes)),
                            y_of(max ? w.ep_max_percent : w.ep_min_percent));
    }
    return fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
                       points, colour);
  };
  svg += polyline(true, "#c0392b");
  svg += polyline(false, "#2c6fbb");
  svg += fmt::format(
      "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#27ae60\" "
      "stroke-dasharray=\"6 4\" stroke-width=\"1.5\"/>\n",
      kLeft, y_of(r.overall_error_percent), kWidth - kRight, y_of(r.overall_error_percent));
  svg += fmt::format(
      "<text x=\"{0:.1f}\" y=\"{1:.1f}\" fill=\"#c0392b\">Ep(max)</text>\n"
      "<text x=\"{0:.1f}\" y=\"{2:.1f}\" fill=\"#2c6fbb\">Ep(min)</text>\n"
      "<text x=\"{0:.1f}\" y=\"{3:.1f}\" fill=\"#27ae60\">A = {4:.2f} %</text>\n",
      kWidth - kRight - 110, kTop + 14, kTop + 30, kTop + 46, r.overall_error_percent);
  svg += "</svg>\n";
  return svg;
}

}  // namespace itdd::sim
