#include "itdd/host/cell.h"

#include "itdd/core/units.h"

namespace itdd::host {
namespace {

// Rounded-to-nearest interpolation of y at x between (x0, y0) and (x1, y1), x0 < x1.
std::int64_t lerp(std::int64_t x0, std::int64_t y0, std::int64_t x1, std::int64_t y1,
                  std::int64_t x) {
  const Int128 num = static_cast<Int128>(y1 - y0) * (x - x0);
  const Int128 den = x1 - x0;
  const Int128 q = num >= 0 ? (num + den / 2) / den : -((-num + den / 2) / den);
  return y0 + static_cast<std::int64_t>(q);
}

// A column of the curve at a depth: flat before the first point and after the last.
template <class Column>
std::int64_t curve_at(const CellSpec& p, std::int64_t depth_ppm, Column column) {
  const std::size_t n = p.curve_points;
  if (depth_ppm <= p.curve[0].depth_permille * 1000LL) return column(p.curve[0]);
  for (std::size_t i = 1; i < n; ++i) {
    const CellPoint& a = p.curve[i - 1];
    const CellPoint& b = p.curve[i];
    if (depth_ppm <= b.depth_permille * 1000LL) {
      return lerp(a.depth_permille * 1000LL, column(a), b.depth_permille * 1000LL, column(b),
                  depth_ppm);
    }
  }
  return column(p.curve[n - 1]);
}

}  // namespace

std::int32_t open_circuit_mv_at(const CellSpec& p, std::int64_t depth_ppm) {
  if (p.curve_points == 0) return static_cast<std::int32_t>(p.nominal_voltage_mv);
  return static_cast<std::int32_t>(
      curve_at(p, depth_ppm, [](const CellPoint& c) -> std::int64_t { return c.open_circuit_mv; }));
}

std::int32_t resistance_mohm_at(const CellSpec& p, std::int64_t depth_ppm) {
  if (p.curve_points == 0) return 0;
  return static_cast<std::int32_t>(
      curve_at(p, depth_ppm, [](const CellPoint& c) -> std::int64_t { return c.resistance_mohm; }));
}

std::int32_t loaded_mv_at(const CellSpec& p, std::int64_t depth_ppm) {
  // uA x mOhm = nV.
  const std::int64_t drop_nv =
      static_cast<std::int64_t>(p.load_ua) * resistance_mohm_at(p, depth_ppm);
  return static_cast<std::int32_t>(open_circuit_mv_at(p, depth_ppm) -
                                   (drop_nv + 500'000) / 1'000'000);
}

}  // namespace itdd::host
