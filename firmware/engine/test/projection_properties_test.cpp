// The reservoir projection is a bound: a patient who takes every bolus the limits allow, each as
// early as the lockout and the 24-hour maximum allow, never meets the low-reservoir alarm or the
// empty stop before the projected time; and the bound is not loose (within one lockout).
// Random prescriptions (continuous and flexible, per weekday or not), bolus settings, reservoir
// volumes and thresholds, starting times of day, and a projection taken at a random moment
// after some boluses were already given (so the limiter's history matters).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <vector>

#include "../../therapy/test/test_prescriptions.h"
#include "engine_harness.h"
#include "itdd/engine/therapy_engine.h"

namespace itdd::engine {
namespace {

using testing::Harness;
using therapy::BasalMode;
using therapy::Prescription;

// A dose whose flow at `c` is at least `flow_nl` nL/day.
DoseRate dose_for(std::int64_t flow_nl, Concentration c) {
  return DoseRate((static_cast<Int128>(flow_nl) * c.count() + kNanolitresPerMillilitre - 1) /
                  kNanolitresPerMillilitre);
}

therapy::DayProgram gen_day(Concentration c) {
  const int count = *rc::gen::inRange(1, 49);
  std::vector<int> starts = *rc::gen::unique<std::vector<int>>(
      static_cast<std::size_t>(count - 1), rc::gen::inRange(1, therapy::kMinutesPerDay));
  starts.push_back(0);
  std::sort(starts.begin(), starts.end());
  therapy::DayProgram day;
  for (int start : starts) {
    const std::int64_t flow = *rc::gen::oneOf(rc::gen::just<std::int64_t>(0),
                                              rc::gen::inRange<std::int64_t>(48'000, 3'000'000));
    day.steps[day.step_count++] = therapy::testing::flex_step(start, dose_for(flow, c));
  }
  return day;
}

Prescription gen_prescription() {
  Prescription rx;
  rx.drug = therapy::make_drug("testdrug", DoseUnit::kMicrogram);
  rx.concentration = Concentration(*rc::gen::element<std::int64_t>(500'000, 2'000'000, 25'000'000));
  if (*rc::gen::arbitrary<bool>()) {
    rx.mode = BasalMode::kContinuous;
    rx.continuous_dose =
        dose_for(*rc::gen::inRange<std::int64_t>(48'000, 3'000'000), rx.concentration);
  } else {
    rx.mode = BasalMode::kFlexible;
    rx.flex.per_weekday = *rc::gen::arbitrary<bool>();
    for (int d = 0; d < (rx.flex.per_weekday ? 7 : 1); ++d) {
      rx.flex.days[static_cast<std::size_t>(d)] = gen_day(rx.concentration);
    }
  }
  therapy::PatientBolusSettings& pb = rx.patient_bolus;
  pb.enabled = true;
  pb.duration = minutes(*rc::gen::inRange(1, 181));
  pb.dose = DrugAmount(
      dose_for(*rc::gen::inRange<std::int64_t>(1'000, 400'000), rx.concentration).count());
  pb.max_per_24h = static_cast<std::uint8_t>(*rc::gen::inRange(1, 25));
  pb.lockout = std::min(hours(24), pb.duration + minutes(*rc::gen::inRange(0, 1000)));
  return rx;
}

// Takes every bolus as soon as it is allowed and wakes the engine whenever it asks, up to
// `until` or until `stop` says so.
struct EarlyPatient {
  Harness& h;
  ImplantTime next_bolus{0};
  bool refused_for_reservoir = false;

  template <typename Stop>
  void run(ImplantTime until, Stop stop) {
    for (int guard = 0; guard < 5'000'000 && !stop(); ++guard) {
      const ImplantTime wake = h.engine.next_wake();
      const ImplantTime t = std::min(wake, next_bolus);
      if (t > until || t.is_never()) break;
      h.now = std::max(h.now, t);
      if (t == next_bolus) {
        const therapy::BolusDecision d = h.engine.request_patient_bolus(h.now);
        if (d.granted) {
          next_bolus = h.engine.preview_patient_bolus(h.now).next_allowed;
        } else {
          refused_for_reservoir |= d.reason == therapy::BolusRefusal::kReservoirLow;
          next_bolus = d.next_allowed;
        }
        RC_ASSERT(next_bolus.is_never() || next_bolus > h.now);
      } else {
        h.engine.on_wake(h.now);
      }
    }
  }
};

RC_GTEST_PROP(ProjectionProperties, NoAlarmBeforeTheWorstCaseAndNotLooserThanALockout, ()) {
  const Prescription rx = gen_prescription();
  const therapy::PumpModel pump;
  RC_PRE(therapy::validate(rx, pump).ok());
  const WallTime start(testing::kMondayMidnight.ms() +
                       *rc::gen::inRange<std::int64_t>(0, 7 * 24 * 60) * kMillisPerMinute);
  Harness h(pump, start);
  const Volume volume(*rc::gen::inRange<std::int64_t>(50'000, 6'000'000));
  RefillCommand fill{volume, rx.drug, rx.concentration, Volume(0), false};
  fill.low_reservoir_threshold = Volume(*rc::gen::inRange<std::int64_t>(1, volume.count()));
  RC_ASSERT(h.engine.refill(fill, h.now).ok());
  RC_ASSERT(h.engine.program(rx, h.now).ok());

  EarlyPatient patient{h};
  const auto low = [&] { return h.sink.count(EventKind::kLowReservoir) > 0; };
  const auto empty = [&] { return h.sink.count(EventKind::kReservoirEmpty) > 0; };
  // Some boluses before the projection is taken, so that it starts from a history.
  const ImplantTime asked(*rc::gen::inRange<std::int64_t>(0, 3 * kMillisPerDay));
  const auto either = [&] { return low() || empty(); };
  patient.run(asked, either);
  RC_PRE(!either());
  h.now = asked;
  h.engine.on_wake(h.now);
  const Projection p = h.engine.project(h.now);
  RC_ASSERT(!p.low_reservoir.is_never());

  patient.run(ImplantTime::never(), empty);
  // With no basal, the last strokes may never come once the reservoir holds less than a bolus.
  const auto when = [&](EventKind kind) {
    const TherapyEvent* e = h.sink.last(kind);
    return e == nullptr ? ImplantTime::never() : e->at;
  };
  const ImplantTime alarm = when(EventKind::kLowReservoir);
  RC_LOG() << "asked at " << asked.ms() << ": low projected " << p.low_reservoir.ms() << ", came "
           << alarm.ms() << "; empty projected " << p.empty.ms() << ", came "
           << when(EventKind::kReservoirEmpty).ms() << "\n";
  RC_ASSERT(alarm >= p.low_reservoir);
  RC_ASSERT(when(EventKind::kReservoirEmpty) >= p.empty);
  // Boluses refused because the reservoir holds less than one come later than the worst case
  // counts them, and a threshold under one stroke may be passed by the empty stop; otherwise
  // the alarm comes within one lockout of the projection.
  if (!patient.refused_for_reservoir && !alarm.is_never()) {
    RC_ASSERT(alarm - p.low_reservoir <= rx.patient_bolus.lockout);
  }
}

}  // namespace
}  // namespace itdd::engine
