#include "itdd/sim/gas_runner.h"

#include <algorithm>
#include <stdexcept>

#include "itdd/sim/sim_catheter.h"

namespace itdd::sim {
namespace {

using scenario::AmbientPressureEvent;
using scenario::BodyTemperatureEvent;
using scenario::GasRefillEvent;
using scenario::GasScenario;

// The time `volume` takes at `flow`, rounded up (the volume is complete at its end); none when
// there is no flow.
std::optional<Duration> time_for(Volume volume, FlowRate flow) {
  if (volume.count() <= 0) return Duration(0);
  if (flow.count() <= 0) return std::nullopt;
  const Int128 num = static_cast<Int128>(volume.count()) * kMillisPerDay;
  return Duration(static_cast<std::int64_t>((num + flow.count() - 1) / flow.count()));
}

class GasRun {
 public:
  GasRun(const GasScenario& s, const GasRunOptions& o)
      : s_(s),
        o_(o),
        drugs_(scenario::drugs_given(s)),
        pump_(s.pump, s.initial_fill, base_conditions()),
        catheter_(s.catheter_volume,
                  s.catheter_starts_with_drug ? s.initial_solution.concentration : Concentration(0),
                  0),
        solution_(s.initial_solution) {
    if (o.step.count() <= 0 || kMillisPerHour % o.step.count() != 0) {
      throw std::invalid_argument("the gas pump's step must divide an hour");
    }
    tip_.fill(0);
    for (const scenario::DrugGiven& d : drugs_) r_.drugs.push_back({d.name, d.unit, 0, 0});
    const std::int64_t hours_total = (s.duration.count() + kMillisPerHour - 1) / kMillisPerHour;
    r_.hourly.resize(static_cast<std::size_t>(hours_total));
    r_.hourly_drug_fg.resize(r_.hourly.size() * drugs_.size());
    if (o.record_steps) {
      r_.step_volume_nl.resize(
          static_cast<std::size_t>((s.duration.count() + o.step.count() - 1) / o.step.count()));
    }
    // Every instant the conditions may change: each period's start and end.
    for (const scenario::GasScenarioEvent& e : s.events) {
      changes_.push_back(e.at);
      changes_.push_back(e.until);
    }
    std::sort(changes_.begin(), changes_.end());
    r_.duration = s.duration;
    r_.step = o.step;
    if (o.patient != nullptr) {
      if (o.patient->drugs.size() != drugs_.size()) {
        throw std::logic_error("the virtual patient was not set up for the scenario's drugs");
      }
      patient_.emplace(*o.patient, r_.hourly.size());
    }
  }

  GasRunResult run() {
    begin_fill(Duration(0), "initial_fill_ml", s_.initial_fill, s_.initial_solution, std::nullopt,
               std::nullopt);
    record_conditions(Duration(0), "start");
    sample_reservoir(Duration(0));
    r_.min_flow = pump_.flow();
    r_.max_flow = pump_.flow();
    Duration t{};
    std::size_t next_event = 0;
    std::size_t next_change = 0;
    const Duration end = s_.duration;
    while (t < end) {
      // Refills at t, then the conditions at t.
      bool changed = false;
      std::string source;
      while (next_event < s_.events.size() && s_.events[next_event].at <= t) {
        const scenario::GasScenarioEvent& e = s_.events[next_event++];
        if (const auto* refill = std::get_if<GasRefillEvent>(&e.action)) {
          this->refill(t, e.source, *refill);
        }
        source = e.source;
        changed = true;
      }
      while (next_change < changes_.size() && changes_[next_change] <= t) {
        if (source.empty()) source = ended_at(changes_[next_change]);
        ++next_change;
        changed = true;
      }
      if (changed) {
        const GasConditions c = conditions_at(t);
        if (!(c == pump_.conditions())) {
          pump_.set_conditions(c);
          record_conditions(t, source);
        }
      }
      Duration next = t + o_.step - Duration(t.count() % o_.step.count());
      if (next_change < changes_.size() && changes_[next_change] < next) {
        next = changes_[next_change];
      }
      if (next_event < s_.events.size() && s_.events[next_event].at < next) {
        next = s_.events[next_event].at;
      }
      if (end < next) next = end;
      step(t, next);
      t = next;
      if (t.count() % kMillisPerDay == 0 || t == end) sample_reservoir(t);
    }
    finish();
    return std::move(r_);
  }

 private:
  GasConditions base_conditions() const {
    return GasConditions{s_.body_temperature_mc, s_.ambient_pa, s_.intrathecal_pa};
  }

  // The period that began last among those running at t holds (events are in time order).
  GasConditions conditions_at(Duration t) const {
    GasConditions c = base_conditions();
    for (const scenario::GasScenarioEvent& e : s_.events) {
      if (e.at > t) break;
      if (t >= e.until) continue;
      if (const auto* b = std::get_if<BodyTemperatureEvent>(&e.action)) {
        c.temperature_mc = b->temperature_mc;
      } else if (const auto* a = std::get_if<AmbientPressureEvent>(&e.action)) {
        c.ambient_pa = a->ambient_pa;
      }
    }
    return c;
  }

  std::string ended_at(Duration t) const {
    for (const scenario::GasScenarioEvent& e : s_.events) {
      if (e.until == t && e.at != e.until) return e.source + " (end)";
    }
    return "";
  }

  void record_conditions(Duration t, const std::string& source) {
    r_.conditions.push_back({t, source, pump_.conditions(), pump_.flow()});
  }

  void begin_fill(Duration t, const std::string& source, Volume volume,
                  const scenario::Solution& solution, std::optional<Volume> withdrawn,
                  std::optional<Volume> expected_left) {
    GasFillRecord f;
    f.at = t;
    f.source = source;
    f.volume = volume;
    f.solution = solution;
    f.withdrawn = withdrawn;
    f.expected_left = expected_left;
    const host::GasPumpSpec& spec = s_.pump;
    const auto within = [&](std::optional<Duration> d) -> std::optional<Duration> {
      if (!d || t + *d > s_.duration) return std::nullopt;
      return t + *d;
    };
    f.projected_low = within(time_for(volume - spec.low_reservoir_default, spec.nominal_flow));
    f.projected_empty = within(time_for(volume - spec.residual_volume, spec.nominal_flow));
    r_.fills.push_back(f);
    fill_at_ = t;
    if (patient_) {
      // A fixed-rate pump's dose: its nominal flow times the concentration.
      const std::size_t drug = scenario::drug_position(drugs_, solution.drug_name);
      patient_->prescribe(drug, static_cast<std::int64_t>(
                                    static_cast<Int128>(spec.nominal_flow.count()) *
                                    solution.concentration.count() / kNanolitresPerMillilitre));
    }
  }

  void refill(Duration t, const std::string& source, const GasRefillEvent& e) {
    // What the nominal flow would have left since the last fill (never below the residual).
    const GasFillRecord& last = r_.fills.back();
    const Volume nominal_out =
        Volume(static_cast<std::int64_t>(static_cast<Int128>(s_.pump.nominal_flow.count()) *
                                         (t - fill_at_).count() / kMillisPerDay));
    Volume expected = last.volume - nominal_out;
    if (expected < s_.pump.residual_volume) expected = s_.pump.residual_volume;
    const Volume withdrawn = pump_.refill(e.volume);
    solution_ = e.solution;
    drug_ = static_cast<DrugIndex>(scenario::drug_position(drugs_, e.solution.drug_name));
    begin_fill(t, source, e.volume, e.solution, withdrawn, expected);
  }

  void step(Duration from, Duration to) {
    if (patient_) patient_->advance_to(ImplantTime(from.count()), tip_);
    const FlowRate flow = pump_.flow();
    const Volume out = pump_.advance(to - from);
    ++r_.steps;
    if (flow.count() > 0) {
      r_.min_flow = std::min(r_.min_flow, flow);
      r_.max_flow = std::max(r_.max_flow, flow);
    } else {
      r_.time_empty = r_.time_empty + (to - from);
    }
    GasFillRecord& fill = r_.fills.back();
    if (!fill.actual_low && pump_.reservoir() <= s_.pump.low_reservoir_default) {
      fill.actual_low = to;
    }
    if (!fill.actual_empty && pump_.reservoir() <= s_.pump.residual_volume) {
      fill.actual_empty = to;
    }
    if (out.count() == 0) return;
    r_.moved = r_.moved + out;
    DrugAmounts before = tip_;
    const std::int64_t fg = catheter_.push(out, solution_.concentration, drug_, tip_);
    r_.tip_drug_fg += fg;
    const std::size_t hour = static_cast<std::size_t>(from.count() / kMillisPerHour);
    r_.hourly[hour].volume_nl += out.count();
    r_.hourly[hour].drug_fg += fg;
    for (std::size_t d = 0; d < drugs_.size(); ++d) {
      r_.hourly_drug_fg[hour * drugs_.size() + d] += tip_[d] - before[d];
    }
    if (o_.record_steps) {
      r_.step_volume_nl[static_cast<std::size_t>(from.count() / o_.step.count())] += out.count();
    }
  }

  void sample_reservoir(Duration t) {
    if (!r_.daily_reservoir.empty() && r_.daily_reservoir.back().at == t) return;
    r_.daily_reservoir.push_back({t, pump_.reservoir()});
  }

  void finish() {
    const DrugAmounts inside = catheter_.drug_inside_by_drug();
    for (std::size_t d = 0; d < drugs_.size(); ++d) {
      r_.drugs[d].tip_drug_fg = tip_[d];
      r_.drugs[d].catheter_drug_fg_at_end = inside[d];
    }
    r_.final_reservoir = pump_.reservoir();
    r_.final_concentration = solution_.concentration;
    r_.catheter_drug_fg_at_end = catheter_.drug_inside();
    if (patient_) r_.patient = patient_->finish(ImplantTime(s_.duration.count()), tip_);
  }

  const GasScenario& s_;
  const GasRunOptions& o_;
  std::vector<scenario::DrugGiven> drugs_;
  GasPump pump_;
  SimCatheter catheter_;
  scenario::Solution solution_;
  DrugIndex drug_ = 0;
  DrugAmounts tip_{};
  std::vector<Duration> changes_;
  Duration fill_at_{};
  GasRunResult r_;
  std::optional<VirtualPatient> patient_;
};

}  // namespace

GasRunResult run_gas_scenario(const scenario::GasScenario& scenario, const GasRunOptions& options) {
  GasRun run(scenario, options);
  return run.run();
}

}  // namespace itdd::sim
