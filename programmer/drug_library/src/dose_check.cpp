#include "itdd/programmer/dose_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

#include "itdd/host/decimal.h"

namespace itdd::programmer {
namespace {

using therapy::BasalMode;
using therapy::kMinutesPerDay;
constexpr std::int64_t kMinutesPerWeek = 7 * kMinutesPerDay;

std::string drug_name(const therapy::Drug& drug) {
  const auto end = std::find(drug.name.begin(), drug.name.end(), '\0');
  return std::string(drug.name.begin(), end);
}

std::int64_t ceil_div(Int128 a, std::int64_t b) {
  const Int128 q = a / b;
  return static_cast<std::int64_t>((a % b != 0 && a > 0) ? q + 1 : q);
}

// The dose rate in force in each minute of the week (a step starts on a whole minute).
std::vector<std::int64_t> weekly_minutes(const therapy::FlexProgram& flex) {
  std::vector<std::int64_t> rate(static_cast<std::size_t>(kMinutesPerWeek), 0);
  for (std::int64_t d = 0; d < 7; ++d) {
    const therapy::DayProgram& day = flex.day(static_cast<Weekday>(d));
    const std::size_t count = std::min<std::size_t>(day.step_count, therapy::kMaxStepsPerDay);
    for (std::size_t i = 0; i < count; ++i) {
      const std::int64_t start =
          std::clamp<std::int64_t>(day.steps[i].start_minute(), 0, kMinutesPerDay);
      const std::int64_t end =
          i + 1 < count
              ? std::clamp<std::int64_t>(day.steps[i + 1].start_minute(), 0, kMinutesPerDay)
              : kMinutesPerDay;
      for (std::int64_t m = start; m < end; ++m) {
        rate[static_cast<std::size_t>(d * kMinutesPerDay + m)] = day.steps[i].dose_rate().count();
      }
    }
  }
  return rate;
}

std::string percent_text(std::int64_t hundredths) {
  return host::format_decimal(hundredths, 100, 2) + " %";
}

class Checker {
 public:
  Checker(DoseCheck& check, const DrugSpec& spec) : c_(check), spec_(spec) {}

  std::string dose(DoseRate d) const { return format_dose(d, spec_.unit); }

  void add(Level level, const char* field, std::string message, std::string limit = "",
           const host::Provenance* note = nullptr) {
    c_.findings.push_back(
        Finding{level, field, std::move(message), std::move(limit), note ? note->label() : ""});
  }

  void concentration(Concentration proposed) {
    if (spec_.allows(proposed)) return;
    std::string allowed;
    for (const Concentration c : spec_.concentrations.value) {
      if (!allowed.empty()) allowed += ", ";
      allowed += format_concentration(c, spec_.unit);
    }
    add(Level::kHard, finding_field::kConcentration,
        fmt::format("{} is not a concentration the library allows for {} (allowed: {})",
                    format_concentration(proposed, spec_.unit), spec_.display_name, allowed),
        allowed, &spec_.concentrations.note);
  }

  // A clinician bolus: the heaviest 24 h with it against the maxima (not soft_min: a bolus
  // only adds).
  void bolus_daily_dose(DoseRate heaviest) {
    const DoseLimits& l = spec_.limits;
    if (heaviest > l.hard_max.value) {
      add(Level::kHard, finding_field::kDailyDose,
          fmt::format("with this bolus the heaviest 24 h gives {}, above the hard maximum for {}",
                      dose(heaviest), spec_.display_name),
          dose(l.hard_max.value), &l.hard_max.note);
    } else if (heaviest > l.soft_max.value) {
      add(Level::kSoft, finding_field::kDailyDose,
          fmt::format("with this bolus the heaviest 24 h gives {}, above the soft maximum for {}",
                      dose(heaviest), spec_.display_name),
          dose(l.soft_max.value), &l.soft_max.note);
    }
  }

  void daily_dose(DoseRate proposed) {
    const DoseLimits& l = spec_.limits;
    if (proposed > l.hard_max.value) {
      add(Level::kHard, finding_field::kDailyDose,
          fmt::format("the maximum daily dose {} is above the hard maximum for {}", dose(proposed),
                      spec_.display_name),
          dose(l.hard_max.value), &l.hard_max.note);
    } else if (proposed > l.soft_max.value) {
      add(Level::kSoft, finding_field::kDailyDose,
          fmt::format("the maximum daily dose {} is above the soft maximum for {}", dose(proposed),
                      spec_.display_name),
          dose(l.soft_max.value), &l.soft_max.note);
    }
    if (l.soft_min && proposed.count() > 0 && proposed < l.soft_min->value) {
      add(Level::kSoft, finding_field::kDailyDose,
          fmt::format("the maximum daily dose {} is below the lowest usual dose for {}",
                      dose(proposed), spec_.display_name),
          dose(l.soft_min->value), &l.soft_min->note);
    }
  }

  void start(DoseRate proposed) {
    const auto& start_max = spec_.limits.start_max;
    if (!start_max || proposed <= start_max->value) return;
    add(start_max->level, finding_field::kStartDose,
        fmt::format("{} is started at a maximum daily dose of {}, above the highest starting dose",
                    spec_.display_name, dose(proposed)),
        dose(start_max->value), &start_max->note);
  }

  void stop(DoseRate previous) {
    if (spec_.withdrawal_risk.value != WithdrawalRisk::kHigh) return;
    add(Level::kSoft, finding_field::kDailyDose,
        fmt::format("{} stops (from {}): its withdrawal risk is high, so stopping needs a reason",
                    spec_.display_name, dose(previous)),
        "", &spec_.withdrawal_risk.note);
  }

  void increase(DoseRate previous, DoseRate proposed, const std::optional<WallTime>& last_increase,
                WallTime now) {
    const DoseRate step = proposed - previous;
    // Shown rounded up so a step just above the limit never reads as equal to it.
    const std::int64_t percent_hundredths =
        ceil_div(static_cast<Int128>(step.count()) * 10'000, previous.count());
    add(Level::kInfo, finding_field::kDailyDose,
        fmt::format("the maximum daily dose rises from {} to {} (+{}, +{})", dose(previous),
                    dose(proposed), dose(step), percent_text(percent_hundredths)));
    const Titration& t = spec_.titration;
    if (!t.max_step && !t.max_step_percent_hundredths && !t.min_interval_hard &&
        !t.min_interval_soft) {
      add(Level::kInfo, finding_field::kTitrationStep,
          fmt::format("the library has no titration rule for {}: the size and timing of this "
                      "increase are not checked",
                      spec_.display_name));
      return;
    }
    if (t.max_step && step > t.max_step->value) {
      add(t.max_step->level, finding_field::kTitrationStep,
          fmt::format("the daily dose rises by {}, more than allowed in one increase", dose(step)),
          dose(t.max_step->value), &t.max_step->note);
    }
    if (t.max_step_percent_hundredths) {
      const auto& limit = *t.max_step_percent_hundredths;
      if (static_cast<Int128>(step.count()) * 10'000 >
          static_cast<Int128>(previous.count()) * limit.value) {
        add(limit.level, finding_field::kTitrationStep,
            fmt::format("the daily dose rises by {}, more than allowed in one increase",
                        percent_text(percent_hundredths)),
            percent_text(limit.value), &limit.note);
      }
    }
    interval(last_increase, now);
  }

  void interval(const std::optional<WallTime>& last_increase, WallTime now) {
    const Titration& t = spec_.titration;
    if (!t.min_interval_hard && !t.min_interval_soft) return;
    const host::Figure<Duration>& longest =
        t.min_interval_soft ? *t.min_interval_soft : *t.min_interval_hard;
    if (!last_increase) {
      add(Level::kSoft, finding_field::kTitrationInterval,
          fmt::format("the time of the last increase is not known: confirm from the records "
                      "that at least {} have passed",
                      format_hours(longest.value)),
          format_hours(longest.value), &longest.note);
      return;
    }
    const Duration elapsed(now.ms() - last_increase->ms());
    if (t.min_interval_hard && elapsed < t.min_interval_hard->value) {
      add(Level::kHard, finding_field::kTitrationInterval,
          fmt::format("only {} since the last increase; increases must be at least {} apart",
                      format_hours(elapsed), format_hours(t.min_interval_hard->value)),
          format_hours(t.min_interval_hard->value), &t.min_interval_hard->note);
    } else if (t.min_interval_soft && elapsed < t.min_interval_soft->value) {
      add(Level::kSoft, finding_field::kTitrationInterval,
          fmt::format("{} since the last increase; at least {} between increases is recommended",
                      format_hours(elapsed), format_hours(t.min_interval_soft->value)),
          format_hours(t.min_interval_soft->value), &t.min_interval_soft->note);
    }
  }

 private:
  DoseCheck& c_;
  const DrugSpec& spec_;
};

}  // namespace

DoseRate basal_max_daily_dose(const therapy::Prescription& rx) {
  switch (rx.mode) {
    case BasalMode::kContinuous:
      return rx.continuous_dose;
    case BasalMode::kFlexible: {
      // Sliding 24-hour window over the week, in ng-minutes per day.
      const std::vector<std::int64_t> rate = weekly_minutes(rx.flex);
      Int128 window = 0;
      for (std::int64_t m = 0; m < kMinutesPerDay; ++m) window += rate[static_cast<std::size_t>(m)];
      Int128 heaviest = window;
      for (std::int64_t start = 1; start < kMinutesPerWeek; ++start) {
        window -= rate[static_cast<std::size_t>(start - 1)];
        window += rate[static_cast<std::size_t>((start + kMinutesPerDay - 1) % kMinutesPerWeek)];
        heaviest = std::max(heaviest, window);
      }
      return DoseRate(ceil_div(heaviest, kMinutesPerDay));
    }
    default:
      return DoseRate(0);
  }
}

DoseRate max_daily_dose(const therapy::Prescription& rx) {
  const std::int64_t boluses = therapy::max_patient_boluses_per_day(rx.patient_bolus);
  return basal_max_daily_dose(rx) + DoseRate(boluses * rx.patient_bolus.dose.count());
}

bool DoseCheck::blocked() const {
  return first(Level::kHard) != nullptr;
}

bool DoseCheck::needs_override() const {
  return !blocked() && first(Level::kSoft) != nullptr;
}

const Finding* DoseCheck::first(Level level) const {
  for (const Finding& f : findings) {
    if (f.level == level) return &f;
  }
  return nullptr;
}

DoseCheck check_prescription(const DrugLibrary& library, const therapy::Prescription& proposed,
                             const PreviousTherapy* previous, WallTime now) {
  DoseCheck c;
  c.drug = drug_name(proposed.drug);
  c.basal_max_daily_dose = basal_max_daily_dose(proposed);
  c.patient_boluses_per_day = therapy::max_patient_boluses_per_day(proposed.patient_bolus);
  c.patient_bolus_dose =
      proposed.patient_bolus.enabled ? proposed.patient_bolus.dose : DrugAmount(0);
  c.max_daily_dose = max_daily_dose(proposed);

  const DrugSpec* spec = library.find(c.drug);
  if (spec == nullptr) {
    c.findings.push_back(Finding{
        Level::kHard, finding_field::kDrug,
        fmt::format("\"{}\" is not in the drug library (known: {})", c.drug, library.names()), "",
        ""});
    return c;
  }
  c.display_name = spec->display_name;
  c.unit = spec->unit;
  c.limits = spec->limits;
  Checker check(c, *spec);
  if (proposed.drug.unit != spec->unit) {
    check.add(Level::kHard, finding_field::kUnit,
              fmt::format("{} is prescribed in {} in the library, not {}", spec->display_name,
                          unit_name(spec->unit), unit_name(proposed.drug.unit)),
              unit_name(spec->unit));
  }
  check.concentration(proposed.concentration);
  check.daily_dose(c.max_daily_dose);

  const bool same_drug = previous != nullptr && drug_name(previous->prescription.drug) == c.drug;
  const DoseRate before = same_drug ? max_daily_dose(previous->prescription) : DoseRate(0);
  if (same_drug) c.previous_max_daily_dose = before;
  if (before.count() == 0) {
    if (c.max_daily_dose.count() > 0) check.start(c.max_daily_dose);
  } else if (c.max_daily_dose.count() == 0) {
    check.stop(before);
  } else if (c.max_daily_dose > before) {
    check.increase(before, c.max_daily_dose, previous->last_increase_at, now);
  }
  return c;
}

DoseCheck check_bolus(const DrugLibrary& library, const therapy::Prescription& running,
                      const ClinicianBolus& bolus) {
  DoseCheck c;
  c.drug = drug_name(bolus.drug);
  // The program in force counts when it is for this drug (after a change of drug it is not).
  if (running.drug == bolus.drug) {
    c.basal_max_daily_dose = basal_max_daily_dose(running);
    c.patient_boluses_per_day = therapy::max_patient_boluses_per_day(running.patient_bolus);
    c.patient_bolus_dose =
        running.patient_bolus.enabled ? running.patient_bolus.dose : DrugAmount(0);
  }
  c.clinician_bolus = BolusTerms{bolus.dose, bolus.duration, bolus.earlier, bolus.earlier_count};
  c.max_daily_dose = c.basal_max_daily_dose +
                     DoseRate(c.patient_boluses_per_day * c.patient_bolus_dose.count()) +
                     DoseRate(bolus.earlier.count()) + DoseRate(bolus.dose.count());

  const DrugSpec* spec = library.find(c.drug);
  if (spec == nullptr) {
    c.findings.push_back(Finding{
        Level::kHard, finding_field::kDrug,
        fmt::format("\"{}\" is not in the drug library (known: {})", c.drug, library.names()), "",
        ""});
    return c;
  }
  c.display_name = spec->display_name;
  c.unit = spec->unit;
  c.limits = spec->limits;
  Checker check(c, *spec);
  if (bolus.drug.unit != spec->unit) {
    check.add(Level::kHard, finding_field::kUnit,
              fmt::format("{} is prescribed in {} in the library, not {}", spec->display_name,
                          unit_name(spec->unit), unit_name(bolus.drug.unit)),
              unit_name(spec->unit));
  }
  check.concentration(bolus.concentration);
  check.bolus_daily_dose(c.max_daily_dose);
  return c;
}

Status accept(const DoseCheck& check, const std::optional<std::string>& reason) {
  if (const Finding* hard = check.first(Level::kHard); hard != nullptr) {
    return make_error(ErrorCode::kRefused, hard->field,
                      "a hard limit of the drug library blocks it; no reason can "
                      "override it");
  }
  if (!check.needs_override()) return Status::Ok();
  const std::size_t written =
      reason ? static_cast<std::size_t>(std::count_if(
                   reason->begin(), reason->end(),
                   [](char ch) { return std::isspace(static_cast<unsigned char>(ch)) == 0; }))
             : 0;
  if (written < kMinOverrideReasonLength) {
    return make_error(ErrorCode::kRefused, "override_reason",
                      "soft limits of the drug library need the clinician's reason (at least 5 "
                      "characters)");
  }
  return Status::Ok();
}

namespace {

// "limit 20 mg/day; source: ..." of a finding, or "" when it has neither.
std::string limit_and_source(const Finding& f) {
  std::string out;
  if (!f.limit.empty()) out += "limit " + f.limit;
  if (!f.source.empty()) out += (out.empty() ? "" : "; ") + f.source;
  return out;
}

std::string verdict_text(const DoseCheck& check) {
  if (const Finding* hard = check.first(Level::kHard); hard != nullptr) {
    const std::string limit = limit_and_source(*hard);
    return fmt::format(
        "BLOCKED by a hard limit of the drug library on {}{}: no reason can "
        "override it",
        hard->field, limit.empty() ? "" : " (" + limit + ")");
  }
  if (const Finding* soft = check.first(Level::kSoft); soft != nullptr) {
    const std::string limit = limit_and_source(*soft);
    return fmt::format(
        "needs the clinician's override reason: a soft limit of the drug library "
        "on {}{}",
        soft->field, limit.empty() ? "" : " (" + limit + ")");
  }
  if (check.unit && check.limits) {
    return fmt::format(
        "within the library's limits: at most the soft maximum {} ({}) and the "
        "hard maximum {} ({})",
        format_dose(check.limits->soft_max.value, *check.unit), check.limits->soft_max.note.label(),
        format_dose(check.limits->hard_max.value, *check.unit),
        check.limits->hard_max.note.label());
  }
  return "within the library's limits";
}

}  // namespace

std::string format_dose_check(const DoseCheck& check) {
  const auto dose = [&check](DoseRate d) {
    return check.unit ? format_dose(d, *check.unit) : fmt::format("{} ng/day", d.count());
  };
  const auto amount = [&check](DrugAmount a) {
    return check.unit ? format_amount(a, *check.unit) : fmt::format("{} ng", a.count());
  };
  std::string out;
  if (check.unit) {
    out += fmt::format("Drug library check: {} ({})\n", check.display_name, check.drug);
  } else {
    out += fmt::format("Drug library check: {}\n", check.drug);
  }
  // What the heaviest 24 h is made of.
  std::vector<std::string> parts;
  if (check.patient_boluses_per_day > 0 || check.clinician_bolus) {
    parts.push_back(fmt::format("basal {}", dose(check.basal_max_daily_dose)));
  }
  if (check.patient_boluses_per_day > 0) {
    parts.push_back(fmt::format("{} patient bolus{} of {}", check.patient_boluses_per_day,
                                check.patient_boluses_per_day == 1 ? "" : "es",
                                amount(check.patient_bolus_dose)));
  }
  if (const auto& b = check.clinician_bolus) {
    if (b->earlier_count > 0) {
      parts.push_back(fmt::format("{} earlier clinician bolus{} of {} in all", b->earlier_count,
                                  b->earlier_count == 1 ? "" : "es", amount(b->earlier)));
    }
    parts.push_back(
        fmt::format("this bolus {} over {}", amount(b->dose), format_hours(b->duration)));
  }
  std::string made_of;
  for (const std::string& p : parts) made_of += (made_of.empty() ? "" : " + ") + p;
  out +=
      fmt::format("  {:<20} {}{}\n", check.clinician_bolus ? "heaviest 24 h" : "maximum daily dose",
                  dose(check.max_daily_dose), made_of.empty() ? "" : " (" + made_of + ")");
  if (check.previous_max_daily_dose) {
    out += fmt::format("  current maximum      {}\n", dose(*check.previous_max_daily_dose));
  }
  for (const Finding& f : check.findings) {
    out += fmt::format("  {:<5} {}: {}\n", level_name(f.level), f.field, f.message);
    if (!f.limit.empty()) out += fmt::format("        limit {}\n", f.limit);
    if (!f.source.empty()) out += fmt::format("        {}\n", f.source);
  }
  out += "  verdict: " + verdict_text(check) + "\n";
  return out;
}

nlohmann::ordered_json dose_check_json(const DoseCheck& check) {
  nlohmann::ordered_json j;
  j["drug"] = check.drug;
  if (check.unit) {
    const std::int64_t per = nanograms_per(*check.unit);
    j["display_name"] = check.display_name;
    j["unit"] = unit_name(*check.unit);
    // In the drug's unit ("unit"), exact; the ng integers follow.
    j["max_daily_dose_per_day"] = host::decimal_json(check.max_daily_dose.count(), per);
    j["basal_max_daily_dose_per_day"] = host::decimal_json(check.basal_max_daily_dose.count(), per);
    j["patient_bolus_dose"] = host::decimal_json(check.patient_bolus_dose.count(), per);
  }
  j["max_daily_dose_ng_per_day"] = check.max_daily_dose.count();
  j["basal_max_daily_dose_ng_per_day"] = check.basal_max_daily_dose.count();
  j["patient_boluses_per_day"] = check.patient_boluses_per_day;
  j["patient_bolus_dose_ng"] = check.patient_bolus_dose.count();
  j["previous_max_daily_dose_ng_per_day"] =
      check.previous_max_daily_dose ? nlohmann::ordered_json(check.previous_max_daily_dose->count())
                                    : nlohmann::ordered_json(nullptr);
  if (const auto& b = check.clinician_bolus) {
    nlohmann::ordered_json bolus;
    if (check.unit) {
      const std::int64_t per = nanograms_per(*check.unit);
      bolus["dose"] = host::decimal_json(b->dose.count(), per);
      bolus["earlier"] = host::decimal_json(b->earlier.count(), per);
    }
    bolus["dose_ng"] = b->dose.count();
    bolus["duration_ms"] = b->duration.count();
    bolus["earlier_ng"] = b->earlier.count();
    bolus["earlier_count"] = b->earlier_count;
    j["clinician_bolus"] = bolus;
  } else {
    j["clinician_bolus"] = nullptr;
  }
  if (check.unit && check.limits) {
    const auto limit = [&check](const host::Figure<DoseRate>& f) {
      return nlohmann::ordered_json{
          {"per_day", host::decimal_json(f.value.count(), nanograms_per(*check.unit))},
          {"ng_per_day", f.value.count()},
          {"source", f.note.label()}};
    };
    j["limits"] = {{"soft_max", limit(check.limits->soft_max)},
                   {"hard_max", limit(check.limits->hard_max)}};
  }
  j["blocked"] = check.blocked();
  j["needs_override"] = check.needs_override();
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const Finding& f : check.findings) {
    findings.push_back({{"level", level_name(f.level)},
                        {"field", f.field},
                        {"message", f.message},
                        {"limit", f.limit},
                        {"source", f.source}});
  }
  j["findings"] = findings;
  j["verdict"] = check.blocked() ? "blocked" : check.needs_override() ? "needs override" : "within";
  j["verdict_text"] = verdict_text(check);
  return j;
}

}  // namespace itdd::programmer
