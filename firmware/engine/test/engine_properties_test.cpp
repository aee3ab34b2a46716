// Properties of the therapy engine over random valid prescriptions and event timelines:
//  - delivered volume never exceeds what was programmed and is never a whole stroke short;
//  - the reservoir account never goes negative and delivery stops when it is empty;
//  - patient-bolus limits (lockout, rolling 24 h maximum) always hold;
//  - restarts (snapshot and restore) change nothing;
//  - clock changes neither repeat nor skip any part of a flexible program.
// The programmed volume is computed here independently, in floating point, from the
// prescription and the accepted commands.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "../../therapy/test/test_prescriptions.h"
#include "engine_harness.h"
#include "itdd/engine/therapy_engine.h"

namespace itdd::engine {
namespace {

using testing::Harness;
using therapy::BasalMode;
using therapy::Prescription;

constexpr std::int64_t kStrokeNl = 1000;

therapy::PumpModel big_pump() {
  therapy::PumpModel pump;
  pump.reservoir_capacity = millilitres(1000);  // never runs dry unless a test wants it to
  return pump;
}

// ---- generators ----

Concentration gen_concentration() {
  return Concentration(*rc::gen::element<std::int64_t>(50'000, 500'000, 2'000'000, 10'000'000,
                                                       25'000'000, 50'000'000));
}

// A dose whose flow at `c` is `flow_nl` nL/day (rounded up so the flow is not less).
DoseRate dose_for_flow(std::int64_t flow_nl, Concentration c) {
  return DoseRate((static_cast<Int128>(flow_nl) * c.count() + kNanolitresPerMillilitre - 1) /
                  kNanolitresPerMillilitre);
}

std::int64_t gen_flow() {
  return *rc::gen::oneOf(rc::gen::just<std::int64_t>(0),
                         rc::gen::inRange<std::int64_t>(50'000, 5'000'000),
                         rc::gen::inRange<std::int64_t>(50'000, 300'000));
}

therapy::DayProgram gen_day(Concentration c) {
  const int count = *rc::gen::inRange(1, 49);
  std::vector<int> starts = *rc::gen::unique<std::vector<int>>(
      static_cast<std::size_t>(count - 1), rc::gen::inRange(1, therapy::kMinutesPerDay));
  starts.push_back(0);
  std::sort(starts.begin(), starts.end());
  therapy::DayProgram day;
  for (int start : starts) {
    day.steps[day.step_count++] = therapy::testing::flex_step(start, dose_for_flow(gen_flow(), c));
  }
  return day;
}

Prescription gen_prescription(bool with_patient_bolus) {
  Prescription rx;
  rx.drug = therapy::make_drug("testdrug", DoseUnit::kMicrogram);
  rx.concentration = gen_concentration();
  if (*rc::gen::arbitrary<bool>()) {
    rx.mode = BasalMode::kContinuous;
    rx.continuous_dose =
        dose_for_flow(*rc::gen::inRange<std::int64_t>(50'000, 5'000'000), rx.concentration);
  } else {
    rx.mode = BasalMode::kFlexible;
    rx.flex.per_weekday = *rc::gen::arbitrary<bool>();
    const int days = rx.flex.per_weekday ? 7 : 1;
    for (int d = 0; d < days; ++d)
      rx.flex.days[static_cast<std::size_t>(d)] = gen_day(rx.concentration);
  }
  if (with_patient_bolus) {
    therapy::PatientBolusSettings& pb = rx.patient_bolus;
    pb.enabled = true;
    pb.duration = minutes(*rc::gen::inRange(1, 121));
    // Bolus volumes from one stroke up to what 8 mL/day allows over the bolus duration.
    const std::int64_t most =
        std::max<std::int64_t>(kStrokeNl + 1, 8'000'000 * pb.duration.count() / kMillisPerDay);
    pb.dose = DrugAmount(
        dose_for_flow(*rc::gen::inRange<std::int64_t>(kStrokeNl, most), rx.concentration).count());
    pb.max_per_24h = static_cast<std::uint8_t>(*rc::gen::inRange(1, 25));
    pb.lockout = pb.duration + minutes(*rc::gen::inRange(0, 600));
  }
  return rx;
}

// ---- the independent model of what is programmed ----

// Flow of a flexible program at local time `t` (ms since 1970), by linear search.
std::int64_t flex_flow_at(const Prescription& rx, std::int64_t t) {
  const std::int64_t day = floor_div(t, kMillisPerDay);
  const std::int64_t minute = (t - day * kMillisPerDay) / kMillisPerMinute;
  const therapy::DayProgram& program = rx.flex.day(weekday_of_day(day));
  std::size_t i = 0;
  while (i + 1 < program.step_count && program.steps[i + 1].start_minute() <= minute) ++i;
  return flow_for(program.steps[i].dose_rate(), rx.concentration).count();
}

// Integral of the basal program over [from, to) local time, in nL.
double basal_integral(const Prescription& rx, std::int64_t from, std::int64_t to) {
  if (to <= from) return 0;
  if (rx.mode == BasalMode::kContinuous) {
    return static_cast<double>(flow_for(rx.continuous_dose, rx.concentration).count()) *
           static_cast<double>(to - from) / kMillisPerDay;
  }
  if (rx.mode != BasalMode::kFlexible) return 0;
  double total = 0;
  std::int64_t t = from;
  while (t < to) {
    // Steps change only on whole minutes.
    const std::int64_t next_minute = (floor_div(t, kMillisPerMinute) + 1) * kMillisPerMinute;
    const std::int64_t end = std::min(next_minute, to);
    total +=
        static_cast<double>(flex_flow_at(rx, t)) * static_cast<double>(end - t) / kMillisPerDay;
    t = end;
  }
  return total;
}

struct Window {
  std::int64_t start;
  std::int64_t end;
  double volume;
};

double overlap(std::int64_t a0, std::int64_t a1, std::int64_t b0, std::int64_t b1) {
  return static_cast<double>(std::max<std::int64_t>(0, std::min(a1, b1) - std::max(a0, b0)));
}

// Programmed volume from implant time 0 to `t` (wall = implant + offset, no clock changes).
double programmed_until(const Prescription& rx, std::int64_t offset, std::int64_t start,
                        const std::vector<Window>& overrides, const std::vector<Window>& additives,
                        std::int64_t t) {
  // Basal runs outside override windows (which never overlap each other).
  double total = 0;
  std::int64_t cursor = start;
  for (const Window& w : overrides) {
    if (w.start >= t) break;
    total += basal_integral(rx, cursor + offset, std::min(w.start, t) + offset);
    cursor = std::min(w.end, t);
  }
  total += basal_integral(rx, cursor + offset, t + offset);
  for (const auto* list : {&overrides, &additives}) {
    for (const Window& w : *list) {
      total += w.volume * overlap(w.start, w.end, start, t) / static_cast<double>(w.end - w.start);
    }
  }
  return total;
}

void check_delivery(double programmed, Volume delivered) {
  const double d = static_cast<double>(delivered.count());
  RC_ASSERT(d <= programmed + 0.5);
  RC_ASSERT(d > programmed - static_cast<double>(kStrokeNl) - 0.5);
}

RC_GTEST_PROP(EngineProperties, DeliveredWithinOneStrokeOfProgrammedAndLimitsHold, ()) {
  const Prescription rx = gen_prescription(*rc::gen::arbitrary<bool>());
  const therapy::PumpModel pump = big_pump();
  RC_PRE(therapy::validate(rx, pump).ok());
  RC_TAG(rx.mode == BasalMode::kContinuous ? "continuous" : "flexible",
         rx.patient_bolus.enabled ? "patient boluses" : "no patient boluses");

  auto h = std::make_unique<Harness>(pump);
  const std::int64_t offset = testing::kMondayMidnight.ms();
  RC_ASSERT(h->fill(millilitres(1000), rx.drug, rx.concentration).ok());
  RC_ASSERT(h->engine.program(rx, h->now).ok());

  std::vector<Window> overrides;
  std::vector<Window> additives;
  std::vector<std::int64_t> grants;
  const int actions = *rc::gen::inRange(1, 40);
  for (int i = 0; i < actions; ++i) {
    h->run_for(Duration(*rc::gen::inRange<std::int64_t>(0, 2 * kMillisPerDay)));
    const std::int64_t now = h->now.ms();
    switch (*rc::gen::inRange(0, 4)) {
      case 0: {  // patient bolus request
        const therapy::BolusDecision d = h->engine.request_patient_bolus(h->now);
        if (d.granted) {
          grants.push_back(now);
          additives.push_back(
              Window{now, now + rx.patient_bolus.duration.count(),
                     static_cast<double>(therapy::patient_bolus_volume(rx).count())});
        } else if (!d.next_allowed.is_never()) {
          RC_ASSERT(d.next_allowed.ms() > now);
        }
        break;
      }
      case 1: {  // clinician bolus
        const Volume volume(*rc::gen::inRange<std::int64_t>(kStrokeNl, 200'000));
        const DrugAmount amount = drug_in(volume, rx.concentration);
        const Duration duration = minutes(*rc::gen::inRange(1, 180));
        if (h->engine.start_clinician_bolus(amount, duration, h->now).ok()) {
          const Volume actual = volume_holding(amount, rx.concentration);
          overrides.push_back(
              Window{now, now + duration.count(), static_cast<double>(actual.count())});
        }
        break;
      }
      case 2: {  // restart: a new engine resumes from the saved state
        const TherapyEngine::State saved = h->engine.snapshot();
        auto next = std::make_unique<Harness>(pump);
        next->now = h->now;
        next->engine.restore(saved);
        h = std::move(next);
        break;
      }
      default:
        break;
    }
    check_delivery(programmed_until(rx, offset, 0, overrides, additives, h->now.ms()),
                   h->engine.delivered());
    RC_ASSERT(h->engine.reservoir_remaining() >= Volume(0));
  }

  // Patient-bolus limits held for every grant.
  for (std::size_t i = 0; i < grants.size(); ++i) {
    if (i > 0) RC_ASSERT(grants[i] - grants[i - 1] >= rx.patient_bolus.lockout.count());
    const auto in_window =
        std::count_if(grants.begin(), grants.begin() + static_cast<long>(i) + 1,
                      [&](std::int64_t g) { return grants[i] - g < kMillisPerDay; });
    RC_ASSERT(in_window <= rx.patient_bolus.max_per_24h);
  }
}

RC_GTEST_PROP(EngineProperties, ReservoirNeverNegativeAndEmptyStopsDelivery, ()) {
  const Prescription rx = gen_prescription(true);
  therapy::PumpModel pump;
  RC_PRE(therapy::validate(rx, pump).ok());
  Harness h(pump);
  const auto refill = [&] {
    const Volume v(*rc::gen::inRange<std::int64_t>(kStrokeNl, millilitres(3).count()));
    RefillCommand cmd{v, rx.drug, rx.concentration, Volume(0), false};
    cmd.low_reservoir_threshold = Volume(v.count() / 2);
    // The volume left is replaced by what was put in, as the refill workflow does.
    RC_ASSERT(h.engine.refill(cmd, h.now).ok());
    return v;
  };
  Volume filled_total = refill();
  RC_ASSERT(h.engine.program(rx, h.now).ok());
  const int actions = *rc::gen::inRange(1, 20);
  for (int i = 0; i < actions; ++i) {
    h.run_for(Duration(*rc::gen::inRange<std::int64_t>(0, 20 * kMillisPerDay)));
    RC_ASSERT(h.engine.reservoir_remaining() >= Volume(0));
    if (h.engine.activity() == Activity::kReservoirEmpty) {
      const std::int64_t strokes = h.motor.attempts;
      h.run_for(days(1));
      RC_ASSERT(h.motor.attempts == strokes);  // nothing moves while empty
      RC_ASSERT(h.engine.reservoir_remaining() < pump.stroke_volume);
    }
    if (*rc::gen::inRange(0, 3) == 0) (void)h.engine.request_patient_bolus(h.now);
    if (*rc::gen::inRange(0, 3) == 0) filled_total += refill();
  }
  RC_ASSERT(h.engine.delivered() <= filled_total);
}

RC_GTEST_PROP(EngineProperties, ClockChangesNeitherRepeatNorSkipTheProgram, ()) {
  Prescription rx = gen_prescription(false);
  rx.mode = BasalMode::kFlexible;
  if (rx.flex.days[0].step_count == 0) rx.flex.days[0] = gen_day(rx.concentration);
  const therapy::PumpModel pump = big_pump();
  RC_PRE(therapy::validate(rx, pump).ok());
  Harness h(pump);
  RC_ASSERT(h.fill(millilitres(1000), rx.drug, rx.concentration).ok());
  RC_ASSERT(h.engine.program(rx, h.now).ok());
  const std::int64_t schedule_start = h.engine.scheduler().schedule_ms();
  std::int64_t wall = testing::kMondayMidnight.ms();
  std::int64_t total_shift = 0;
  const int changes = *rc::gen::inRange(1, 6);
  for (int i = 0; i < changes; ++i) {
    h.run_for(Duration(*rc::gen::inRange<std::int64_t>(0, kMillisPerDay)));
    const std::int64_t shift =
        *rc::gen::inRange<std::int64_t>(-12 * kMillisPerHour, 12 * kMillisPerHour + 1);
    total_shift += shift < 0 ? -shift : shift;
    wall = h.engine.wall_clock(h.now).ms() + shift;
    h.engine.set_wall_clock(WallTime(wall), h.now);
  }
  // Re-alignment runs at a quarter of real time: give it time to finish.
  h.run_for(Duration(4 * total_shift + kMillisPerHour));
  RC_ASSERT(!h.engine.scheduler().realigning());
  RC_ASSERT(h.engine.scheduler().schedule_ms() == h.engine.wall_clock(h.now).ms());
  // Every part of the program between the start and the wall time now was delivered once.
  const double programmed = basal_integral(rx, schedule_start, h.engine.scheduler().schedule_ms());
  check_delivery(programmed, h.engine.delivered());
}

}  // namespace
}  // namespace itdd::engine
