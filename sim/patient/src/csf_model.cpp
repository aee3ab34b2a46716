#include "itdd/sim/csf_model.h"

#include <cmath>

#include "itdd/core/units.h"

namespace itdd::sim {
namespace {

constexpr double kNlPerMl = 1e6;
constexpr std::int64_t kOne = std::int64_t{1} << CsfModel::kFractionBits;

// x in [0, 1] as 2^-40 fixed point, rounded down (toward less drug kept).
std::int64_t fixed(double x) {
  if (!(x > 0)) return 0;
  if (x >= 1) return kOne;
  return static_cast<std::int64_t>(std::floor(std::ldexp(x, CsfModel::kFractionBits)));
}

// Where the rounding of two shares of one amount could add up to more than all of it, the
// second gives way: drug is never created.
void keep_within_one(std::int64_t& first, std::int64_t& second) {
  if (first > kOne) first = kOne;
  if (first + second > kOne) second = kOne - first;
}

std::int64_t apply(std::int64_t amount_fg, std::int64_t coefficient) {
  return static_cast<std::int64_t>((static_cast<Int128>(amount_fg) * coefficient) >>
                                   CsfModel::kFractionBits);
}

// The equations' matrix on the amounts, per minute, and its eigenvalues: real and distinct, as
// Q > 0 makes the off-diagonal product positive.
struct Rates {
  double a11, a12, a21, a22;
  double slow, fast;  // slow: the one closer to zero, the terminal decay
};
Rates rates_of(const CsfCompartments& c) {
  Rates r{};
  const double q = c.exchange_ml_per_min;
  r.a11 = -(c.lumbar_clearance_ml_per_min + q) / c.lumbar_volume_ml;
  r.a12 = q / c.cisternal_volume_ml;
  r.a21 = q / c.lumbar_volume_ml;
  r.a22 = -(q + c.cisternal_clearance_ml_per_min) / c.cisternal_volume_ml;
  const double half_trace = (r.a11 + r.a22) / 2;
  const double root = std::sqrt((r.a11 - r.a22) * (r.a11 - r.a22) / 4 + r.a12 * r.a21);
  r.slow = half_trace + root;
  r.fast = half_trace - root;
  return r;
}

}  // namespace

std::int64_t lumbar_volume_nl(const CsfDrugParams& drug, const CsfPhysiology& csf) {
  return drug.volume_nl * csf.lumbar_share_permille / 1000;
}

std::int64_t cisternal_volume_nl(const CsfDrugParams& drug, const CsfPhysiology& csf) {
  return static_cast<std::int64_t>(
      static_cast<Int128>(drug.volume_nl - lumbar_volume_nl(drug, csf)) *
      drug.lumbar_to_cisternal_milli / 1000);
}

std::int64_t minimum_clearance_nl_per_min(const CsfDrugParams& drug, const CsfPhysiology& csf) {
  // Q (R - 1) / R with R in thousandths, rounded up.
  const Int128 num =
      static_cast<Int128>(csf.exchange_nl_per_min) * (drug.lumbar_to_cisternal_milli - 1000);
  const std::int64_t den = drug.lumbar_to_cisternal_milli;
  return static_cast<std::int64_t>((num + den - 1) / den);
}

CsfCompartments compartments_of(const CsfDrugParams& drug, const CsfPhysiology& csf) {
  CsfCompartments c;
  c.lumbar_volume_ml = static_cast<double>(lumbar_volume_nl(drug, csf)) / kNlPerMl;
  c.cisternal_volume_ml = static_cast<double>(cisternal_volume_nl(drug, csf)) / kNlPerMl;
  c.exchange_ml_per_min = static_cast<double>(csf.exchange_nl_per_min) / kNlPerMl;
  const double ratio = static_cast<double>(drug.lumbar_to_cisternal_milli) / 1000.0;
  const double clearance = static_cast<double>(drug.clearance_nl_per_min) / kNlPerMl;
  c.cisternal_clearance_ml_per_min = c.exchange_ml_per_min * (ratio - 1);
  c.lumbar_clearance_ml_per_min = clearance - c.exchange_ml_per_min * (ratio - 1) / ratio;
  if (c.lumbar_clearance_ml_per_min < 0 &&
      drug.clearance_nl_per_min >= minimum_clearance_nl_per_min(drug, csf)) {
    c.lumbar_clearance_ml_per_min = 0;  // the nL rounding of the minimum, not a real deficit
  }
  const Rates r = rates_of(c);
  c.terminal_half_life_min = std::log(2.0) / -r.slow;
  return c;
}

CsfModel::CsfModel(const CsfDrugParams& drug, const CsfPhysiology& csf)
    : compartments_(compartments_of(drug, csf)),
      clearance_nl_per_min_(drug.clearance_nl_per_min),
      lumbar_nl_(sim::lumbar_volume_nl(drug, csf)),
      cisternal_nl_(sim::cisternal_volume_nl(drug, csf)) {
  const auto [a11, a12, a21, a22, slow, fast] = rates_of(compartments_);

  const double h = static_cast<double>(kCsfStep.count()) / static_cast<double>(kMillisPerMinute);
  const double e_slow = std::exp(slow * h);
  const double e_fast = std::exp(fast * h);
  // exp(A h) = (e_slow (A - fast I) - e_fast (A - slow I)) / (slow - fast).
  const double d = slow - fast;
  const double e11 = (e_slow * (a11 - fast) - e_fast * (a11 - slow)) / d;
  const double e12 = (e_slow - e_fast) * a12 / d;
  const double e21 = (e_slow - e_fast) * a21 / d;
  const double e22 = (e_slow * (a22 - fast) - e_fast * (a22 - slow)) / d;
  // A constant input into the lumbar compartment over the step: A^-1 (exp(A h) - I) e_L / h.
  const double det = a11 * a22 - a12 * a21;
  const double g1 = (a22 * (e11 - 1) - a12 * e21) / (det * h);
  const double g2 = (-a21 * (e11 - 1) + a11 * e21) / (det * h);

  k_.lumbar_from_lumbar = fixed(e11);
  k_.cisternal_from_lumbar = fixed(e21);
  k_.lumbar_from_cisternal = fixed(e12);
  k_.cisternal_from_cisternal = fixed(e22);
  k_.lumbar_from_input = fixed(g1);
  k_.cisternal_from_input = fixed(g2);
  keep_within_one(k_.lumbar_from_lumbar, k_.cisternal_from_lumbar);
  keep_within_one(k_.cisternal_from_cisternal, k_.lumbar_from_cisternal);
  keep_within_one(k_.lumbar_from_input, k_.cisternal_from_input);
}

void CsfModel::step(std::int64_t input_fg) {
  if (input_fg < 0) input_fg = 0;
  const std::int64_t before = lumbar_fg_ + cisternal_fg_ + input_fg;
  // Each part rounded down on its own: every column's shares add up to at most all of it, so
  // the new amounts never hold more than before and the difference is what was cleared.
  const std::int64_t lumbar = apply(lumbar_fg_, k_.lumbar_from_lumbar) +
                              apply(cisternal_fg_, k_.lumbar_from_cisternal) +
                              apply(input_fg, k_.lumbar_from_input);
  const std::int64_t cisternal = apply(lumbar_fg_, k_.cisternal_from_lumbar) +
                                 apply(cisternal_fg_, k_.cisternal_from_cisternal) +
                                 apply(input_fg, k_.cisternal_from_input);
  lumbar_fg_ = lumbar;
  cisternal_fg_ = cisternal;
  entered_fg_ += input_fg;
  cleared_fg_ += before - lumbar - cisternal;
}

std::int64_t CsfModel::lumbar_pg_per_ml() const {
  return static_cast<std::int64_t>(static_cast<Int128>(lumbar_fg_) * 1000 / lumbar_nl_);
}

std::int64_t CsfModel::cisternal_pg_per_ml() const {
  return static_cast<std::int64_t>(static_cast<Int128>(cisternal_fg_) * 1000 / cisternal_nl_);
}

std::int64_t CsfModel::steady_state_pg_per_ml(std::int64_t ng_per_day) const {
  // (ng/day) / (1440 min/day x CL nL/min) is ng per nL; 1 ng/nL = 10^9 pg/mL.
  return static_cast<std::int64_t>(static_cast<Int128>(ng_per_day) * 1'000'000'000 /
                                   (static_cast<Int128>(1440) * clearance_nl_per_min_));
}

}  // namespace itdd::sim
