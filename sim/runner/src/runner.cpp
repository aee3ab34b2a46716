#include "itdd/sim/runner.h"

#include <fmt/format.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include "itdd/app/implant.h"
#include "itdd/programmer/status_report.h"
#include "itdd/sim/sim_battery.h"
#include "itdd/sim/sim_buzzer.h"
#include "itdd/sim/sim_catheter.h"
#include "itdd/sim/sim_clock.h"
#include "itdd/sim/sim_flash.h"
#include "itdd/sim/sim_mechanism.h"
#include "itdd/sim/sim_reservoir.h"

namespace itdd::sim {
namespace {

using engine::EventKind;
using scenario::Scenario;

// Keeps every event an implant reports, engine or alarm alike.
template <class Sink, class Event>
class Recorder final : public Sink {
 public:
  explicit Recorder(std::vector<Event>& out) : out_(out) {}
  void record(const Event& event) override { out_.push_back(event); }

 private:
  std::vector<Event>& out_;
};
using RecordingSink = Recorder<engine::EventSink, engine::TherapyEvent>;
using AlarmRecorder = Recorder<alarms::AlarmEventSink, alarms::AlarmEvent>;

// Default refill dates when a scenario does not give them (the drug library will, later).
constexpr Duration kDefaultRefillDue = days(180);
constexpr Duration kDefaultDrugStability = days(180);

// How long a browned-out cell rests before the electronics restart.
constexpr Duration kBrownOutRecovery = hours(1);
// Wake-ups the implant may ask for at one instant without making a stroke (its modules each
// settle in one: the engine, the safety monitor, the alarms, the battery check) before the
// loop calls it a busy loop.
constexpr int kMaxIdleWakeupsAtOneInstant = 16;

// Drive effort of a healthy mechanism (per mille of rated load); an occlusion multiplies it.
constexpr std::int64_t kNormalLoadPermille = 400;

// The first fill's drug (scenario::drugs_given).
constexpr DrugIndex kFirstDrug = 0;

ImplantTime at_elapsed(Duration d) {
  return ImplantTime(d.count());
}

// The simulated pump and body, the implant's engine, and the loop that drives them.
class Simulation {
 public:
  Simulation(const Scenario& s, const RunOptions& options)
      : s_(s),
        options_(options),
        model_(s.pump.spec.model),
        drugs_(scenario::drugs_given(s)),
        reservoir_(model_.reservoir_capacity),
        catheter_(model_.pump_dead_volume + s.catheter_volume,
                  s.catheter_starts_with_drug ? s.initial_solution.concentration : Concentration(0),
                  kFirstDrug),
        battery_(s.pump.spec.battery),
        mechanism_(s.pump.stroke, clock_, reservoir_, catheter_, battery_),
        sink_(result_.events),
        alarm_sink_(result_.alarm_events),
        flash_(storage::kImplantFlash),
        buzzer_(clock_, &battery_),
        power_sense_(battery_),
        end_(at_elapsed(s.duration)) {
    config_.pump = model_;
    config_.battery = s.pump.spec.battery_monitor;
    power_up(ImplantTime(0));
    result_.duration = s.duration;
    const std::int64_t hours = (s.duration.count() + kMillisPerHour - 1) / kMillisPerHour;
    result_.hourly.assign(static_cast<std::size_t>(hours), HourBin{});
    if (drugs_.size() > kMaxDrugs) {
      throw std::logic_error(
          "the scenario gives more drugs than the simulated body can tell apart");
    }
    for (const scenario::DrugGiven& d : drugs_) result_.drugs.push_back(DrugTotal{d.name, d.unit});
    if (options.patient != nullptr) {
      if (options.patient->drugs.size() != drugs_.size()) {
        throw std::logic_error("the virtual patient was not set up for the scenario's drugs");
      }
      patient_.emplace(*options.patient, static_cast<std::size_t>(hours));
    }
    result_.hourly_drug_fg.assign(static_cast<std::size_t>(hours) * drugs_.size(), 0);
    result_.daily_reservoir.reserve(static_cast<std::size_t>(hours / 24 + 2));
    result_.events.reserve(4096);
    result_.bolus_requests.reserve(s.events.size());
  }

  // The implant is its RAM: a power-up makes a fresh one on the same flash and body.
  // `record`: false for the read-out at the end of a run that ended with the power off.
  void power_up(ImplantTime now, hal::ResetCause cause = hal::ResetCause::kPowerOn,
                bool record = true) {
    mechanism_.power_cycle();
    implant_ =
        std::make_unique<app::Implant>(config_, mechanism_, buzzer_, flash_, power_sense_, now,
                                       WallTime(s_.start.ms() + now.ms() + clock_shift_));
    implant_->observe(&sink_, &alarm_sink_);
    const app::BootReport boot = implant_->boot(now, cause);
    if (now > ImplantTime(0) && record) {
      result_.boots.push_back(BootRecord{now, cause == hal::ResetCause::kBrownOut, boot.resumed,
                                         boot.settings_corrupt, boot.gap, boot.recorded_delivered,
                                         boot.assumed_delivered, boot.end_of_service});
    }
  }
  const engine::TherapyEngine& engine() const { return implant_->engine(); }

  SimulationResult run() {
    setup();
    loop();
    finish();
    return std::move(result_);
  }

 private:
  void command(const std::string& source, const std::string& type, const Status& status) {
    CommandRecord c;
    c.at = clock_.now();
    c.source = source;
    c.type = type;
    c.ok = status.ok();
    if (!status.ok()) c.error = programmer::error_text(status.error());
    if (status.ok() && implant_) c.projected = engine().project(clock_.now());
    result_.commands.push_back(std::move(c));
  }

  void fill(const scenario::RefillEvent& refill, const std::string& source) {
    const ImplantTime now = clock_.now();
    engine::RefillCommand cmd;
    cmd.volume = refill.volume;
    cmd.drug = refill.solution.drug();
    cmd.concentration = refill.solution.concentration;
    cmd.low_reservoir_threshold = refill.low_threshold;
    cmd.bridge = refill.bridge;
    if (!implant_) {
      command(source, "refill", make_error(ErrorCode::kRefused, "", "the implant has no power"));
      return;
    }
    // The refill check comes first: withdraw what is really left, compare with the estimate.
    std::optional<programmer::RefillCheck> check;
    if (!result_.fills.empty()) {
      const Result<programmer::RefillCheck> c = programmer::check_refill(
          engine().reservoir_remaining(), reservoir_.actual(), model_.reservoir_capacity);
      if (c.ok()) check = c.value();
    }
    app::RefillOrder order;
    order.refill = cmd;
    order.refill_due_in = kDefaultRefillDue;
    order.drug_stable_for = kDefaultDrugStability;
    const Result<engine::BridgePlan> outcome = implant_->refill(order, now);
    if (!outcome.ok()) {
      command(source, "refill", outcome.error());
      return;
    }
    // The engine may have delivered a last stroke from the old fill inside refill(): close the
    // old fill's record only now.
    close_fill();
    const std::size_t drug = scenario::drug_position(drugs_, refill.solution.drug_name);
    // A pocket fill: part of what was injected never reached the reservoir.
    if (drug >= drugs_.size() ||
        !reservoir_.refill(refill.volume - refill.pocket_fill, refill.solution.concentration,
                           static_cast<DrugIndex>(drug))) {
      throw std::logic_error(source + ": the simulated reservoir refused a refill the engine took");
    }
    mechanism_.watch_reservoir(refill.low_threshold);
    FillRecord f;
    f.at = now;
    f.source = source;
    f.volume = refill.volume;
    f.solution = refill.solution;
    f.low_threshold = refill.low_threshold;
    f.pocket_fill = refill.pocket_fill;
    if (patient_ && refill.pocket_fill.count() > 0) {
      patient_->pocket_fill(now, drug,
                            refill.pocket_fill.count() * refill.solution.concentration.count());
    }
    f.bridge = outcome.value();
    f.projected = engine().project(now);
    f.refill_check = check;
    result_.fills.push_back(std::move(f));
    fill_first_event_.push_back(refilled_event_index());
    command(source, "refill", Status::Ok());
  }

  std::size_t refilled_event_index() const {
    for (std::size_t i = result_.events.size(); i > 0; --i) {
      if (result_.events[i - 1].kind == EventKind::kRefilled) return i - 1;
    }
    return result_.events.size();
  }

  void close_fill() {
    if (result_.fills.empty()) return;
    FillRecord& f = result_.fills.back();
    f.actual_low = mechanism_.actual_low_at();
    f.actual_dry = mechanism_.actual_dry_at();
  }

  // Each command from the scenario stands for one radio session with the implant.
  void session(app::Implant::RadioPeer peer) {
    if (peer == app::Implant::RadioPeer::kPatientDevice) {
      battery_.on_patient_session();
    } else {
      battery_.on_radio_session();
    }
    if (implant_) implant_->radio_session(peer);
  }

  void setup() {
    const ImplantTime start(0);
    session(app::Implant::RadioPeer::kProgrammer);  // the implant visit: fill, program, prime
    scenario::RefillEvent initial;
    initial.volume = s_.initial_fill;
    initial.solution = s_.initial_solution;
    initial.low_threshold = s_.low_reservoir;
    initial.bridge = false;
    fill(initial, "initial_fill_ml");
    if (result_.fills.empty()) {
      throw std::logic_error("the engine refused the initial fill: " +
                             result_.commands.back().error);
    }
    // The implant is told its catheter's volume at implant, primed or not: bridge boluses
    // displace it.
    command("catheter", "catheter", implant_->set_catheter_volume(s_.catheter_volume, start));
    command("prescription", "prescription", implant_->program(s_.prescription, start));
    if (s_.prime) command("prime", "prime", implant_->prime(s_.catheter_volume, start));
    // The first projection includes the prescription and the priming volume.
    result_.fills.front().projected = engine().project(start);
    sample_reservoir();
    prescribed_to_patient();
  }

  // The virtual patient's reference: the steady state of what the implant is prescribed now
  // (its weekly mean dose per day; a stopped prescription keeps the last).
  void prescribed_to_patient() {
    if (!patient_ || !implant_) return;
    const therapy::Prescription& rx = engine().prescription();
    const std::size_t drug = scenario::drug_position(drugs_, rx.drug.name.data());
    if (drug >= drugs_.size()) return;
    std::int64_t week_ng = 0;
    if (rx.mode != therapy::BasalMode::kStopped) {
      for (std::uint8_t wd = 0; wd < 7; ++wd) {
        week_ng += therapy::basal_daily_dose(rx, static_cast<Weekday>(wd)).count();
      }
    }
    patient_->prescribe(drug, week_ng / 7);
  }

  void sample_reservoir() {
    result_.daily_reservoir.push_back(ReservoirSample{
        clock_.now(), implant_ ? engine().reservoir_remaining() : Volume(0), reservoir_.actual()});
  }

  void close_hour(std::size_t bin) {
    const MechanismTotals& t = mechanism_.totals();
    HourBin& out = result_.hourly[bin];
    out.volume_nl = t.moved.count() - bin_start_moved_;
    out.drug_fg = t.tip_drug_fg - bin_start_drug_;
    bin_start_moved_ = t.moved.count();
    bin_start_drug_ = t.tip_drug_fg;
    std::int64_t* by_drug = &result_.hourly_drug_fg[bin * drugs_.size()];
    for (std::size_t d = 0; d < drugs_.size(); ++d) {
      by_drug[d] = t.tip_drug_fg_by_drug[d] - bin_start_by_drug_[d];
      bin_start_by_drug_[d] = t.tip_drug_fg_by_drug[d];
    }
  }

  void dispatch(const scenario::ScenarioEvent& e) {
    const ImplantTime now = clock_.now();
    if (std::holds_alternative<scenario::PatientBolusEvent>(e.action)) {
      session(app::Implant::RadioPeer::kPatientDevice);
    } else if (!std::holds_alternative<scenario::FaultEvent>(e.action)) {
      session(app::Implant::RadioPeer::kProgrammer);
    }
    struct Visitor {
      Simulation& sim;
      const scenario::ScenarioEvent& e;
      ImplantTime now;
      bool powered() {
        if (sim.implant_) return true;
        sim.command(e.source, scenario::type_name(e.action),
                    make_error(ErrorCode::kRefused, "", "the implant has no power"));
        return false;
      }
      void operator()(const scenario::RefillEvent& refill) { sim.fill(refill, e.source); }
      void operator()(const scenario::PrescriptionEvent& p) {
        if (powered()) {
          sim.command(e.source, "prescription", sim.implant_->program(*p.prescription, now));
        }
      }
      void operator()(const scenario::ClinicianBolusEvent& b) {
        if (powered()) {
          sim.command(e.source, "clinician_bolus",
                      sim.implant_->clinician_bolus(b.dose, b.duration, now));
        }
      }
      void operator()(const scenario::PatientBolusEvent&) {
        if (powered()) sim.patient_bolus(e.source);
      }
      void operator()(const scenario::SetClockEvent& c) {
        if (!powered()) return;
        const WallTime wall =
            c.absolute ? c.to : WallTime(sim.engine().wall_clock(now).ms() + c.shift.count());
        sim.clock_shift_ = wall.ms() - (sim.s_.start.ms() + now.ms());
        sim.result_.clock_changes.push_back(ClockChange{now, sim.clock_shift_});
        sim.implant_->set_clock(wall, now);
        sim.command(e.source, "set_clock", Status::Ok());
      }
      void operator()(const scenario::FaultEvent& f) { sim.inject(f, e.source); }
    };
    std::visit(Visitor{*this, e, now}, e.action);
  }

  // Faults act on the simulated body, or on the implant's RAM as a particle strike would.
  void inject(const scenario::FaultEvent& f, const std::string& source) {
    using scenario::FaultKind;
    const ImplantTime now = clock_.now();
    switch (f.kind) {
      case FaultKind::kMotorStallStart:
        mechanism_.set_stalled(true);
        break;
      case FaultKind::kMotorStallEnd:
        mechanism_.set_stalled(false);
        break;
      case FaultKind::kOcclusionStart:
        mechanism_.set_load(static_cast<std::uint16_t>(kNormalLoadPermille * f.percent / 100));
        break;
      case FaultKind::kOcclusionEnd:
        mechanism_.set_load(kNormalLoadPermille);
        break;
      case FaultKind::kStrokeDrift:
        mechanism_.set_mean_volume(Volume(s_.pump.stroke.mean.count() * f.percent / 100));
        break;
      case FaultKind::kPowerCut:
        if (implant_) {
          implant_.reset();  // RAM is gone; what is in flash stays
          mechanism_.set_enabled(false);
        }
        break;
      case FaultKind::kPowerRestore:
        if (!implant_) power_up(now);
        brown_out_restore_ = ImplantTime::never();
        break;
      case FaultKind::kRamBitFlip:
        if (implant_) {
          std::span<std::uint8_t> ram = f.target == scenario::RamTarget::kPrescription
                                            ? implant_->live_prescription_ram()
                                            : implant_->live_scheduler_ram();
          ram[static_cast<std::size_t>(f.byte)] ^= static_cast<std::uint8_t>(1u << f.bit);
        }
        break;
      case FaultKind::kClockLoss:
        if (implant_) implant_->clock_lost(now);
        break;
      case FaultKind::kRunawayStart:
        runaway_interval_ = Duration(kMillisPerHour / f.per_hour);
        next_runaway_ = now + runaway_interval_;
        break;
      case FaultKind::kRunawayEnd:
        next_runaway_ = ImplantTime::never();
        break;
      case FaultKind::kSchedulerFault:
        if (implant_) {
          std::span<std::uint8_t> ram = implant_->live_scheduler_ram();
          delivery::StrokeScheduler::State state;
          std::memcpy(&state, ram.data(), sizeof(state));
          state.continuous_flow = state.continuous_flow * f.factor;
          state.flex_flow = state.flex_flow * f.factor;
          std::memcpy(ram.data(), &state, sizeof(state));
        }
        break;
      case FaultKind::kFaultyCell: {
        // The resistive-film failure: the cell loses this share of its energy from now on.
        CellFault fault;
        fault.onset = battery_.age();
        fault.capacity_loss_permille = static_cast<std::int32_t>(f.percent * 10);
        fault.resistance_rise_mohm_per_day = f.resistance_ohm_per_day * 1000;
        battery_.inject_fault(fault);
        break;
      }
    }
    command(source, scenario::name(f.kind), Status::Ok());
  }

  void patient_bolus(const std::string& source) {
    const ImplantTime now = clock_.now();
    const therapy::BolusDecision d = implant_->patient_bolus(now);
    BolusRequestRecord r;
    r.at = now;
    r.source = source;
    r.granted = d.granted;
    r.reason = d.reason;
    r.next_allowed = d.next_allowed;
    if (d.granted) {
      // The engine says nothing about the next chance after a grant; a limiter fed the same
      // grants answers it (and would disagree with the engine only if the engine were wrong).
      mirror_limiter_.record_grant(now);
      const therapy::BolusDecision next =
          mirror_limiter_.check(engine().prescription().patient_bolus, now);
      r.next_allowed = next.granted ? now : next.next_allowed;
    }
    result_.bolus_requests.push_back(std::move(r));
  }

  void loop() {
    const std::vector<scenario::ScenarioEvent>& events = s_.events;
    std::size_t next_event = 0;
    std::size_t bin = 0;
    ImplantTime now(0);
    ImplantTime next_bin = ImplantTime(kMillisPerHour) < end_ ? ImplantTime(kMillisPerHour) : end_;
    ImplantTime next_progress = at_elapsed(options_.progress_every);
    ImplantTime last_on_wake = ImplantTime::never();
    std::int64_t strokes_at_last_on_wake = -1;
    int idle_at_this_instant = 0;

    for (;;) {
      ++result_.loop_iterations;
      // The implant is woken exactly when it asks, never later: skipping ahead once hid an
      // ordering bug. Asking again at the instant it was just woken at, having made no stroke,
      // is counted; doing so without end would be a busy loop on the implant (a firmware
      // defect that drains the cell), which stops the run rather than being stepped over.
      const ImplantTime wake = implant_ ? implant_->next_wake() : ImplantTime::never();
      if (wake <= now && last_on_wake == now && engine().strokes() == strokes_at_last_on_wake) {
        ++result_.engine_idle_wakeups;
        if (++idle_at_this_instant > kMaxIdleWakeupsAtOneInstant) {
          throw std::logic_error(fmt::format(
              "the implant asks to be woken at once without end at {} ms with nothing to do",
              now.ms()));
        }
      } else if (wake > now) {
        idle_at_this_instant = 0;
      }
      ImplantTime t = wake < next_bin ? wake : next_bin;
      if (next_event < events.size() && at_elapsed(events[next_event].at) < t) {
        t = at_elapsed(events[next_event].at);
      }
      if (next_runaway_ < t) t = next_runaway_;
      if (brown_out_restore_ < t) t = brown_out_restore_;
      if (t > now) {
        battery_.sleep(t - now);
        clock_.advance_to(t);
        now = t;
      }
      if (patient_) patient_->advance_to(now, mechanism_.totals().tip_drug_fg_by_drug);
      if (now == brown_out_restore_) {
        brown_out_restore_ = ImplantTime::never();
        if (!implant_) power_up(now, hal::ResetCause::kBrownOut);
      }
      if (now == next_bin) {
        close_hour(bin++);
        check_cell(now);
        if (bin % 24 == 0 || now == end_) sample_reservoir();
        if (now == end_) break;
        next_bin = next_bin + hours(1) < end_ ? next_bin + hours(1) : end_;
        if (options_.on_progress && now >= next_progress) {
          options_.on_progress(now - ImplantTime(0), s_.duration);
          next_progress = next_progress + options_.progress_every;
        }
      }
      bool woken = wake <= now;
      if (now == next_runaway_) {
        // An uncommanded stroke; the rotor sensor interrupt wakes the implant.
        if (mechanism_.uncommanded_stroke()) ++result_.uncommanded_strokes;
        next_runaway_ = next_runaway_ + runaway_interval_;
        woken = true;
      }
      if (woken && implant_) {
        implant_->on_wake(now);
        last_on_wake = now;
        strokes_at_last_on_wake = engine().strokes();
      }
      while (next_event < events.size() && at_elapsed(events[next_event].at) <= now) {
        dispatch(events[next_event++]);
        last_on_wake = ImplantTime::never();  // a command may have changed what is due
        prescribed_to_patient();
      }
      if (options_.on_moved) options_.on_moved(now - ImplantTime(0), mechanism_.totals().moved);
    }
  }

  // Strokes are the cell's heaviest load: once it cannot hold its voltage under one the
  // electronics brown out (checked hourly, for the hour's strokes: a brown-out shows within the
  // hour). Unloaded, the cell recovers enough to restart them a while later, as long as it has
  // energy left; with none left the implant stays dead.
  void check_cell(ImplantTime now) {
    if (!implant_) return;
    const std::int64_t strokes = battery_.strokes();
    const bool loaded = strokes != strokes_at_last_cell_check_;
    strokes_at_last_cell_check_ = strokes;
    // Without strokes the electronics draw only their sleep current, which a weak cell still
    // holds up until its energy is gone.
    if (battery_.remaining_uj() > 0 && (!loaded || battery_.can_deliver())) return;
    implant_.reset();
    mechanism_.set_enabled(false);
    ++result_.brown_outs;
    if (battery_.remaining_uj() > 0) brown_out_restore_ = now + kBrownOutRecovery;
  }

  void finish() {
    close_fill();
    // Attribute the engine's reservoir events to the fill they happened in.
    for (std::size_t k = 0; k < result_.fills.size(); ++k) {
      const std::size_t first = fill_first_event_[k];
      const std::size_t last =
          k + 1 < result_.fills.size() ? fill_first_event_[k + 1] : result_.events.size();
      FillRecord& f = result_.fills[k];
      for (std::size_t i = first; i < last; ++i) {
        const engine::TherapyEvent& e = result_.events[i];
        if (e.kind == EventKind::kLowReservoir && f.implant_low_alarm.is_never()) {
          f.implant_low_alarm = e.at;
        }
        if (e.kind == EventKind::kReservoirEmpty && f.implant_empty.is_never()) {
          f.implant_empty = e.at;
        }
      }
    }
    if (!implant_) {
      power_up(clock_.now(), hal::ResetCause::kPowerOn, false);  // read what the implant kept
    }
    result_.tones_played = buzzer_.patterns();
    result_.storage_write_failures = implant_->storage_write_failures();
    const MechanismTotals& t = mechanism_.totals();
    result_.strokes = engine().strokes();
    result_.programmed = engine().programmed();
    result_.implant_delivered = engine().delivered();
    result_.missed = engine().missed();
    result_.moved = t.moved;
    result_.short_by = t.short_by;
    result_.tip_drug_fg = t.tip_drug_fg;
    result_.final_implant_estimate = engine().reservoir_remaining();
    result_.final_actual = reservoir_.actual();
    result_.final_concentration = reservoir_.concentration();
    result_.catheter_dead_volume = catheter_.dead_volume();
    result_.catheter_drug_fg_at_end = catheter_.drug_inside();
    const DrugAmounts inside = catheter_.drug_inside_by_drug();
    for (std::size_t d = 0; d < drugs_.size(); ++d) {
      result_.drugs[d].tip_drug_fg = t.tip_drug_fg_by_drug[d];
      result_.drugs[d].catheter_drug_fg_at_end = inside[d];
    }
    if (patient_) result_.patient = patient_->finish(end_, t.tip_drug_fg_by_drug);
    result_.battery_capacity_uj = battery_.params().capacity_uj;
    result_.battery_used_uj = battery_.used_uj();
    result_.battery_stroke_uj = battery_.stroke_energy_uj();
    result_.battery_sleep_uj = battery_.sleep_energy_uj();
    result_.battery_processor_uj = battery_.processor_energy_uj();
    result_.battery_radio_uj = battery_.radio_energy_uj();
    result_.battery_tone_uj = battery_.tone_energy_uj();
    if (const power::BatteryMonitor* m = implant_->battery()) {
      result_.battery_monitor_valid = true;
      result_.battery_assessment = m->last();
      result_.battery_state = m->state();
    }
    result_.battery_remaining_percent = battery_.remaining_percent();
  }

  const Scenario& s_;
  const RunOptions& options_;
  therapy::PumpModel model_;
  std::vector<scenario::DrugGiven> drugs_;  // position = the DrugIndex the body carries
  SimulationResult result_;
  SimClock clock_;
  SimReservoir reservoir_;
  SimCatheter catheter_;
  SimBattery battery_;
  SimMechanism mechanism_;
  RecordingSink sink_;
  AlarmRecorder alarm_sink_;
  SimFlash flash_;
  SimBuzzer buzzer_;
  SimPowerSense power_sense_;
  app::ImplantConfig config_;
  std::unique_ptr<app::Implant> implant_;
  std::int64_t clock_shift_ = 0;  // wall clock set away from the scenario's, ms
  ImplantTime next_runaway_ = ImplantTime::never();
  ImplantTime brown_out_restore_ = ImplantTime::never();
  std::int64_t strokes_at_last_cell_check_ = 0;
  Duration runaway_interval_{};
  therapy::PatientBolusLimiter mirror_limiter_;
  std::optional<VirtualPatient> patient_;
  ImplantTime end_;
  std::vector<std::size_t> fill_first_event_;
  std::int64_t bin_start_moved_ = 0;
  std::int64_t bin_start_drug_ = 0;
  DrugAmounts bin_start_by_drug_{};
};

}  // namespace

SimulationResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  return Simulation(scenario, options).run();
}

}  // namespace itdd::sim
