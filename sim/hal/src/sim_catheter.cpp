#include "itdd/sim/sim_catheter.h"

namespace itdd::sim {

SimCatheter::SimCatheter(Volume dead_volume, Concentration initial)
    : dead_volume_nl_(dead_volume.count() > 0 ? dead_volume.count() : 0) {
  if (dead_volume_nl_ > 0) append(dead_volume_nl_, initial.count());
}

std::int64_t SimCatheter::drug_inside() const {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    const Segment& s = segment(i);
    total += s.volume_nl * s.concentration;
  }
  return total;
}

void SimCatheter::append(std::int64_t volume_nl, std::int64_t concentration) {
  if (count_ == kMaxSegments) {
    // Mix the two oldest: the volume-weighted concentration, rounded to nearest. Only reached
    // with more than 16 different solutions in the line, so the rounding (under 1 ng) is moot.
    Segment& oldest = segments_[index_of(0)];
    Segment& next = segments_[index_of(1)];
    const std::int64_t volume = oldest.volume_nl + next.volume_nl;
    const Int128 drug = static_cast<Int128>(oldest.volume_nl) * oldest.concentration +
                        static_cast<Int128>(next.volume_nl) * next.concentration;
    next.volume_nl = volume;
    next.concentration = volume > 0 ? static_cast<std::int64_t>((drug + volume / 2) / volume) : 0;
    head_ = index_of(1);
    --count_;
  }
  segments_[index_of(count_)] = Segment{volume_nl, concentration};
  ++count_;
}

std::int64_t SimCatheter::pop_tip_slow(std::int64_t volume_nl) {
  std::int64_t drug = 0;
  while (volume_nl > 0 && count_ > 0) {
    Segment& tip = segments_[head_];
    const std::int64_t taken = tip.volume_nl < volume_nl ? tip.volume_nl : volume_nl;
    drug += taken * tip.concentration;
    tip.volume_nl -= taken;
    volume_nl -= taken;
    // Keep the last segment even when empty so the next push has a concentration to match.
    if (tip.volume_nl == 0 && count_ > 1) {
      head_ = index_of(1);
      --count_;
    }
  }
  return drug;
}

}  // namespace itdd::sim
