#include "itdd/programmer/fixed_rate_pump.h"

#include <fmt/format.h>

#include <algorithm>

#include "itdd/programmer/units_text.h"

namespace itdd::programmer {
namespace {

host::Refusal invalid(std::string field, std::string message) {
  return host::Refusal{std::move(field), std::move(message)};
}

std::string what_instead(std::string_view serial) {
  return fmt::format(
      "to change its dose, find the concentration for the dose wanted (`itdd dose fixed-rate "
      "--pump {0} --drug DRUG --dose DOSE`) and put it in at a refill (`itdd clinic pump refill "
      "--pump {0} ...`)",
      serial);
}

// The drug, its concentration against the library, and the dose it gives at the pump's flow.
struct CheckedFill {
  const DrugSpec* drug = nullptr;
  FixedRateConcentration dose;
};
host::Checked<CheckedFill> check_fill(const DrugLibrary& library, const FixedRateFigures& figures,
                                      const FixedRateFill& fill) {
  CheckedFill out;
  out.drug = library.find(fill.drug);
  if (out.drug == nullptr) {
    return invalid("drug", fmt::format("{} is not in the drug library (known: {})", fill.drug,
                                       library.names()));
  }
  if (fill.concentration.count() <= 0) return invalid("concentration", "must be above 0");
  // The concentration's own dose, checked as the calculator checks a wanted dose: the same
  // limits, the same words.
  const DoseRate dose = dose_rate_of(figures.nominal_flow, fill.concentration);
  host::Checked<FixedRateConcentration> c = concentration_for_daily_dose(
      dose, figures.nominal_flow, figures.flow_tolerance_permille, *out.drug);
  if (!c.ok()) {
    host::Refusal e = c.error();
    e.field = "concentration";
    e.message =
        fmt::format("{} at {}: {}", format_concentration(fill.concentration, out.drug->unit),
                    format_flow_ml_per_day(figures.nominal_flow), e.message);
    return e;
  }
  if (fill.concentration > c->highest_listed) {
    return invalid(
        "concentration",
        fmt::format("{} is above the highest concentration the library lists for {}, "
                    "{} ({})",
                    format_concentration(fill.concentration, out.drug->unit),
                    out.drug->display_name, format_concentration(c->highest_listed, out.drug->unit),
                    out.drug->concentrations.note.label()));
  }
  out.dose = std::move(c).value();
  out.dose.concentration = fill.concentration;
  out.dose.delivered = dose;
  out.dose.delivered_at_worst = dose_rate_of(worst_case_flow(figures), fill.concentration);
  return out;
}

host::Checked<FixedRateFilled> plan_fill(ClinicDb& db, const DrugLibrary& library,
                                         const FixedRateFigures& figures, bool first_of_drug,
                                         const FixedRateFill& fill, const CheckedFill& checked) {
  const host::Checked<host::TimeZone> zone = db.time_zone();
  if (!zone.ok()) return zone.error();
  FixedRateFilled out;
  out.plan = fixed_rate_next_refill(
      *zone, fill.at_utc_ms, fill.volume, figures,
      refill_rules(library, *checked.drug, first_of_drug, Dilution::kDilutedOrUnknown));
  out.record.at_ms = fill.at_utc_ms;
  out.record.clinician = fill.clinician;
  out.record.drug = fill.drug;
  out.record.concentration = fill.concentration;
  out.record.withdrawn = fill.withdrawn;
  out.record.volume = fill.volume;
  out.record.next_refill_ms = out.plan.refill.due_utc_ms;
  out.record.next_refill_rule = out.plan.refill.local.why;
  out.record.empty_at_worst_ms = out.plan.empty_at_worst_utc_ms;
  out.daily_dose = checked.dose.delivered;
  out.daily_dose_at_worst = checked.dose.delivered_at_worst;
  out.notes = checked.dose.notes;
  return out;
}

}  // namespace

FixedRateFigures figures_of(const host::GasPumpSpec& model) {
  return FixedRateFigures{model.nominal_flow, model.flow_tolerance_permille, model.residual_volume,
                          model.low_reservoir_default};
}

FixedRateFigures figures_of(const FixedRatePumpRecord& r) {
  return FixedRateFigures{r.nominal_flow, r.flow_tolerance_permille, r.residual_volume,
                          r.refill_margin};
}

CatheterRange catheter_range_of(const host::GasPumpSpec& model) {
  return CatheterRange{model.min_catheter_length_mm, model.max_catheter_length_mm,
                       model.min_catheter_volume, model.max_catheter_volume};
}

host::Checked<void> require_programmable(ClinicDb& db, const PumpRecord& pump,
                                         std::string_view command) {
  const host::Checked<std::optional<FixedRatePumpRecord>> f = db.fixed_rate_pump(pump.id);
  if (!f.ok()) return f.error();
  if (!*f) return host::Checked<void>::Ok();
  return invalid("pump",
                 fmt::format("pump {} ({}) is a fixed-rate gas-driven pump, not programmable: it "
                             "has no electronics, so `{}` has nothing to talk to; {}",
                             pump.serial, pump.model, command, what_instead(pump.serial)));
}

host::Checked<void> require_programmable_model(const host::PumpCatalog& catalog,
                                               std::string_view model, std::string_view command) {
  const host::GasPumpSpec* gas = catalog.find_gas(model);
  if (gas == nullptr) return host::Checked<void>::Ok();
  return invalid(
      "pump_model",
      fmt::format("{} is a fixed-rate gas-driven pump ({}): it has no electronics, so `{}` has "
                  "no implant to run; simulate its flow with `itdd sim run` (a scenario with "
                  "\"pump_model\": \"{}\"), and record it in the clinic with `itdd clinic pump add "
                  "--model {}`",
                  model, gas->description, command, model, model));
}

host::Checked<FixedRateFilled> add_fixed_rate_pump(ClinicDb& db, const DrugLibrary& library,
                                                   const host::GasPumpSpec& model, PumpRecord pump,
                                                   const FixedRateFill& first_fill) {
  const FixedRateFigures figures = figures_of(model);
  const host::Checked<CheckedFill> checked = check_fill(library, figures, first_fill);
  if (!checked.ok()) return checked.error();
  host::Checked<FixedRateFilled> out = plan_fill(db, library, figures, true, first_fill, *checked);
  if (!out.ok()) return out;
  pump.model = model.name;
  pump.reservoir_capacity = model.reservoir_capacity;
  const FixedRatePumpRecord record{0, figures.nominal_flow, figures.flow_tolerance_permille,
                                   figures.residual_volume, figures.refill_margin};
  const host::Checked<std::int64_t> id =
      db.add_fixed_rate_pump(pump, record, catheter_range_of(model), out->record);
  if (!id.ok()) return id.error();
  out->pump_id = *id;
  out->record.pump_id = *id;
  return out;
}

host::Checked<FixedRateFilled> refill_fixed_rate_pump(ClinicDb& db, const DrugLibrary& library,
                                                      std::string_view serial,
                                                      const FixedRateFill& fill) {
  const host::Checked<PumpRecord> pump = db.find_pump_by_serial(serial);
  if (!pump.ok()) return pump.error();
  const host::Checked<std::optional<FixedRatePumpRecord>> f = db.fixed_rate_pump(pump->id);
  if (!f.ok()) return f.error();
  if (!*f) {
    return invalid("pump", fmt::format("pump {} ({}) is programmable: refill it in a programming "
                                       "session (`itdd programmer refill --pump {}`)",
                                       pump->serial, pump->model, pump->serial));
  }
  const FixedRateFigures figures = figures_of(**f);
  const host::Checked<CheckedFill> checked = check_fill(library, figures, fill);
  if (!checked.ok()) return checked.error();
  const host::Checked<std::vector<FixedRateRefillRecord>> fills = db.fixed_rate_refills(pump->id);
  if (!fills.ok()) return fills.error();
  const bool first_of_drug = fills->empty() || fills->back().drug != fill.drug;
  host::Checked<FixedRateFilled> out =
      plan_fill(db, library, figures, first_of_drug, fill, *checked);
  if (!out.ok()) return out;
  out->record.pump_id = pump->id;
  if (!fills->empty()) {
    const FixedRateRefillRecord& last = fills->back();
    const Duration since(std::max<std::int64_t>(fill.at_utc_ms - last.at_ms, 0));
    out->expected_left =
        std::max(last.volume - volume_over(figures.nominal_flow, since), figures.residual_volume);
  }
  const host::Checked<std::int64_t> id = db.record_fixed_rate_refill(out->record);
  if (!id.ok()) return id.error();
  out->pump_id = pump->id;
  out->record.id = *id;
  return out;
}

host::Checked<FixedRateDoseAnswer> fixed_rate_dose(ClinicDb* db, const host::PumpCatalog* catalog,
                                                   const DrugLibrary& library,
                                                   const FixedRateDoseQuestion& q) {
  FixedRateDoseAnswer out;
  if (!q.pump_serial.empty()) {
    if (db == nullptr) {
      return invalid("pump",
                     "a pump is looked up in the clinic database: name one (--db or "
                     "$ITDD_CLINIC_DB), or give the pump's model instead");
    }
    const host::Checked<PumpRecord> pump = db->find_pump_by_serial(q.pump_serial);
    if (!pump.ok()) return pump.error();
    const host::Checked<std::optional<FixedRatePumpRecord>> f = db->fixed_rate_pump(pump->id);
    if (!f.ok()) return f.error();
    if (!*f) {
      return invalid("pump", fmt::format("pump {} ({}) is programmable: its dose is its program "
                                         "(`itdd dose rate` gives the rate for a concentration)",
                                         pump->serial, pump->model));
    }
    out.figures = figures_of(**f);
    out.pump_label = fmt::format("pump {} ({})", pump->serial, pump->model);
  } else {
    const host::GasPumpSpec* model = catalog == nullptr ? nullptr : catalog->find_gas(q.model);
    if (model == nullptr) {
      std::string known;
      if (catalog != nullptr) {
        for (const std::string& n : catalog->gas_names()) known += (known.empty() ? "" : ", ") + n;
      }
      return invalid("pump_model",
                     fmt::format("{} is not a fixed-rate model (fixed-rate models: {})",
                                 q.model.empty() ? "no model" : q.model, known));
    }
    out.figures = figures_of(*model);
    out.pump_label = fmt::format("model {}", model->name);
  }
  out.drug = library.find(q.drug);
  if (out.drug == nullptr) {
    return invalid(
        "drug", fmt::format("{} is not in the drug library (known: {})", q.drug, library.names()));
  }
  host::Checked<FixedRateConcentration> c = concentration_for_daily_dose(
      q.wanted, out.figures.nominal_flow, out.figures.flow_tolerance_permille, *out.drug);
  if (!c.ok()) return c.error();
  out.result = std::move(c).value();
  return out;
}

FixedRateStatus fixed_rate_status(const FixedRatePumpSnapshot& s, std::int64_t now_utc_ms) {
  FixedRateStatus out;
  out.pump = s.pump;
  out.figures = s.figures;
  out.last_fill = s.last_refill;
  if (!s.last_refill) return out;
  const FixedRateFigures f = figures_of(s.figures);
  out.daily_dose = dose_rate_of(f.nominal_flow, s.last_refill->concentration);
  out.daily_dose_at_worst = dose_rate_of(worst_case_flow(f), s.last_refill->concentration);
  // What the fastest flow has taken since the fill, rounded up (toward less left).
  const std::int64_t elapsed = std::max<std::int64_t>(now_utc_ms - s.last_refill->at_ms, 0);
  const Int128 used =
      (static_cast<Int128>(worst_case_flow(f).count()) * elapsed + kMillisPerDay - 1) /
      kMillisPerDay;
  const Int128 left = static_cast<Int128>(s.last_refill->volume.count()) - used;
  out.left_at_worst = Volume(static_cast<std::int64_t>(std::max<Int128>(left, 0)));
  return out;
}

}  // namespace itdd::programmer
