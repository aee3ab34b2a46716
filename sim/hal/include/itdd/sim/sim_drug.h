// Which drug a solution in the simulated body is. The runner numbers each different drug of a
// scenario (by name: morphine is morphine whatever unit its concentration is written in) in
// the order it first appears, the first fill's drug 0, and tells the reservoir at each fill;
// the catheter carries the number with every segment so what leaves the tip keeps its drug.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace itdd::sim {

using DrugIndex = std::uint8_t;

// Different drugs one scenario may give (the scenario reader refuses more). Bounded so the
// per-drug totals are a fixed array the mechanism adds to on each stroke without allocating.
inline constexpr std::size_t kMaxDrugs = 8;

// Drug per drug index, femtograms (nL x ng/mL, see sim_catheter.h).
using DrugAmounts = std::array<std::int64_t, kMaxDrugs>;

}  // namespace itdd::sim
