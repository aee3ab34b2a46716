#include "itdd/sim/sim_catheter.h"

namespace itdd::sim {
namespace {

// `part` nL of `whole` nL holding `drug_fg`, rounded down (toward delivering less); the
// remainder stays behind and leaves with the last part, where part == whole gives all of it.
std::int64_t share(std::int64_t drug_fg, std::int64_t part, std::int64_t whole) {
  if (part >= whole) return drug_fg;
  if (part <= 0) return 0;
  return static_cast<std::int64_t>(static_cast<Int128>(drug_fg) * part / whole);
}

}  // namespace

SimCatheter::SimCatheter(Volume dead_volume, Concentration initial, DrugIndex drug)
    : dead_volume_nl_(dead_volume.count() > 0 ? dead_volume.count() : 0) {
  if (dead_volume_nl_ > 0) {
    append(Segment{dead_volume_nl_, initial.count(), dead_volume_nl_ * initial.count(), drug});
  }
}

std::int64_t SimCatheter::drug_inside() const {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < count_; ++i) total += segment(i).drug_fg;
  return total;
}

DrugAmounts SimCatheter::drug_inside_by_drug() const {
  DrugAmounts inside = mixed_fg_;
  for (std::size_t i = 0; i < count_; ++i) {
    const Segment& s = segment(i);
    if (s.drug != kSeveralDrugs) inside[s.drug] += s.drug_fg;
  }
  return inside;
}

void SimCatheter::append(const Segment& segment) {
  if (count_ == kMaxSegments) {
    // Room for one more: the oldest adjacent pair of one drug, else the two oldest.
    std::size_t pair = 0;
    while (pair + 1 < count_ && !(this->segment(pair).drug == this->segment(pair + 1).drug &&
                                  this->segment(pair).drug != kSeveralDrugs)) {
      ++pair;
    }
    merge_with_next(pair + 1 < count_ ? pair : 0);
  }
  segments_[index_of(count_)] = segment;
  ++count_;
}

// Makes segment `age_order` and the next one (age_order + 1 < count_) one segment, their drug
// added exactly; the newer segments move up one place.
void SimCatheter::merge_with_next(std::size_t age_order) {
  Segment& older = segments_[index_of(age_order)];
  const Segment& newer = segments_[index_of(age_order + 1)];
  if (older.drug != newer.drug) {
    // Only ever the two at the tip (append): the tip segment becomes (or stays) the mixed one;
    // the one behind it is never mixed, as the mixed segment never leaves the tip's place.
    if (older.drug != kSeveralDrugs) {
      mixed_fg_ = DrugAmounts{};
      mixed_fg_[older.drug] = older.drug_fg;
      older.drug = kSeveralDrugs;
    }
    mixed_fg_[newer.drug] += newer.drug_fg;
  }
  // A mixed segment is never read by its concentration (its drugs may share one).
  if (older.drug == kSeveralDrugs || older.concentration != newer.concentration) {
    older.concentration = kVaried;
  }
  older.volume_nl += newer.volume_nl;
  older.drug_fg += newer.drug_fg;
  for (std::size_t i = age_order + 1; i + 1 < count_; ++i) {
    segments_[index_of(i)] = segments_[index_of(i + 1)];
  }
  --count_;
}

// Takes `volume_nl` (at most its volume) out of the tip segment; returns its drug.
std::int64_t SimCatheter::take_from_tip(std::int64_t volume_nl, DrugAmounts& tip_out) {
  Segment& tip = segments_[head_];
  std::int64_t taken_fg = 0;
  if (tip.concentration != kVaried) {
    taken_fg = volume_nl * tip.concentration;
    tip_out[tip.drug] += taken_fg;
  } else if (tip.drug != kSeveralDrugs) {
    taken_fg = share(tip.drug_fg, volume_nl, tip.volume_nl);
    tip_out[tip.drug] += taken_fg;
  } else {
    for (std::size_t d = 0; d < kMaxDrugs; ++d) {
      const std::int64_t part = share(mixed_fg_[d], volume_nl, tip.volume_nl);
      mixed_fg_[d] -= part;
      tip_out[d] += part;
      taken_fg += part;
    }
  }
  tip.volume_nl -= volume_nl;
  tip.drug_fg -= taken_fg;
  return taken_fg;
}

std::int64_t SimCatheter::pop_tip_slow(std::int64_t volume_nl, DrugAmounts& tip_out) {
  std::int64_t drug = 0;
  // Bounded: each pass empties a segment or takes all that is asked (a push puts the volume
  // in before it is taken out, so the line never runs short).
  while (volume_nl > 0 && count_ > 0) {
    const Segment& tip = segments_[head_];
    const std::int64_t taken = tip.volume_nl < volume_nl ? tip.volume_nl : volume_nl;
    drug += take_from_tip(taken, tip_out);
    volume_nl -= taken;
    if (tip.volume_nl == 0) {
      // Keep the last segment even when empty so the next push has a concentration to match.
      if (count_ == 1) break;
      head_ = index_of(1);
      --count_;
    }
  }
  return drug;
}

}  // namespace itdd::sim
