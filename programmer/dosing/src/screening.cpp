#include "itdd/programmer/screening.h"

#include <fmt/format.h>

#include "itdd/host/decimal.h"
#include "itdd/host/wall_time.h"

namespace itdd::programmer {
namespace {

std::string entry(std::size_t i, const char* field) {
  return fmt::format("history[{}].{}", i, field);
}

std::string multiplier_text(std::int64_t hundredths) {
  return host::format_decimal(hundredths, 100);
}

// The history checked against the rule; the index of the effective bolus, if any.
host::Checked<std::optional<std::size_t>> validate(const DrugSpec& drug, const ScreeningRule& rule,
                                                   const std::vector<ScreeningBolus>& history) {
  const std::vector<DrugAmount>& doses = rule.doses.value;
  for (std::size_t i = 0; i < history.size(); ++i) {
    const ScreeningBolus& b = history[i];
    if (i >= doses.size()) {
      return host::Refusal{entry(i, "dose"), fmt::format("the {} screening has only {} steps",
                                                         drug.display_name, doses.size())};
    }
    if (i > 0 && history[i - 1].effective) {
      return host::Refusal{fmt::format("history[{}]", i),
                           fmt::format("a bolus after an effective one: the screening ended at "
                                       "history[{}]",
                                       i - 1)};
    }
    if (b.dose != doses[i]) {
      return host::Refusal{entry(i, "dose"), fmt::format("step {} of the screening is {}, not {}",
                                                         i + 1, format_amount(doses[i], drug.unit),
                                                         format_amount(b.dose, drug.unit))};
    }
    if (i > 0 && b.given_at && history[i - 1].given_at &&
        b.given_at->ms() - history[i - 1].given_at->ms() < rule.min_interval.value.count()) {
      return host::Refusal{entry(i, "given_at"),
                           fmt::format("must be at least {} after the previous bolus ({})",
                                       format_hours(rule.min_interval.value),
                                       host::format_wall_time(*history[i - 1].given_at))};
    }
    if (b.effect_duration && b.effect_duration->count() < 0) {
      return host::Refusal{entry(i, "effect_duration"), "must not be negative"};
    }
    if (b.response) {
      const int top = b.response->scale == ResponseScale::kPain ? 10 : 4;
      for (const int score : {b.response->before, b.response->after}) {
        if (score < 0 || score > top) {
          return host::Refusal{entry(i, "response"),
                               fmt::format("{} scores are from 0 to {}",
                                           response_scale_name(b.response->scale), top)};
        }
      }
    }
  }
  if (!history.empty() && history.back().effective) {
    return std::optional<std::size_t>(history.size() - 1);
  }
  return std::optional<std::size_t>();
}

}  // namespace

const char* response_scale_name(ResponseScale scale) {
  return scale == ResponseScale::kAshworth ? "ashworth" : "pain";
}

host::Checked<ScreeningStep> next_screening_step(const DrugSpec& drug,
                                                 const std::vector<ScreeningBolus>& history) {
  if (!drug.screening) {
    return ScreeningStep{ScreeningOutcome::kNoRule, DrugAmount(0), std::nullopt,
                         fmt::format("no screening rule in the library for {}", drug.display_name),
                         ""};
  }
  const ScreeningRule& rule = *drug.screening;
  const host::Checked<std::optional<std::size_t>> effective = validate(drug, rule, history);
  if (!effective.ok()) return effective.error();
  const std::string source = rule.doses.note.label();
  if (effective.value()) {
    const ScreeningBolus& b = history[**effective];
    std::string when = b.given_at ? " given " + host::format_wall_time(*b.given_at) : "";
    return ScreeningStep{ScreeningOutcome::kEffective, b.dose, std::nullopt,
                         fmt::format("done: {} was effective (step {}{})",
                                     format_amount(b.dose, drug.unit), **effective + 1, when),
                         source};
  }
  if (history.size() == rule.doses.value.size()) {
    return ScreeningStep{ScreeningOutcome::kFailed, history.back().dose, std::nullopt,
                         fmt::format("stop: screening failed: {}, the last step, was not "
                                     "effective, so no pump",
                                     format_amount(history.back().dose, drug.unit)),
                         source};
  }
  const DrugAmount next = rule.doses.value[history.size()];
  if (history.empty()) {
    return ScreeningStep{ScreeningOutcome::kNextDose, next, std::nullopt,
                         fmt::format("first screening bolus: {}", format_amount(next, drug.unit)),
                         source};
  }
  const ScreeningBolus& last = history.back();
  std::optional<WallTime> earliest;
  std::string when =
      fmt::format("at least {} after the last bolus", format_hours(rule.min_interval.value));
  if (last.given_at) {
    earliest = WallTime(last.given_at->ms() + rule.min_interval.value.count());
    when = fmt::format("not before {} ({})", host::format_wall_time(*earliest), when);
  }
  return ScreeningStep{
      ScreeningOutcome::kNextDose, next, earliest,
      fmt::format("next screening bolus: {}, {}; {} was not effective",
                  format_amount(next, drug.unit), when, format_amount(last.dose, drug.unit)),
      source + "; " + rule.min_interval.note.label()};
}

namespace {

// The sources of the figures that set the dose: the multiplier applied, and the long-effect
// threshold only when it applied (an effect over it). One "source:" (or "unconfirmed:") per kind,
// a text said once.
std::string starting_dose_source(const host::Provenance& multiplier,
                                 const host::Provenance* threshold) {
  std::string out = multiplier.label();
  if (threshold != nullptr && threshold->text != multiplier.text) {
    out += threshold->confirmed == multiplier.confirmed ? "; " + threshold->text
                                                        : "; " + threshold->label();
  }
  return out;
}

}  // namespace

host::Checked<StartingDose> suggested_starting_dose(const DrugSpec& drug,
                                                    const std::vector<ScreeningBolus>& history) {
  if (!drug.screening || !drug.screening->starting_dose) {
    return StartingDose{
        std::nullopt,
        fmt::format("no rule in the library for the starting dose of {}", drug.display_name), ""};
  }
  const host::Checked<ScreeningStep> step = next_screening_step(drug, history);
  if (!step.ok()) return step.error();
  if (step->outcome != ScreeningOutcome::kEffective) {
    return host::Refusal{"history",
                         fmt::format("no effective screening dose: {}", step->explanation)};
  }
  const std::size_t index = history.size() - 1;
  const ScreeningBolus& effective = history[index];
  if (!effective.effect_duration) {
    return host::Refusal{
        entry(index, "effect_duration"),
        fmt::format("record how long the effect lasted: the starting dose differs "
                    "when it lasted over {}",
                    format_hours(drug.screening->starting_dose->long_effect_over.value))};
  }
  const StartingDoseRule& rule = *drug.screening->starting_dose;
  const bool long_effect = *effective.effect_duration > rule.long_effect_over.value;
  const host::Figure<std::int64_t>& multiplier =
      long_effect ? rule.long_effect_multiplier_hundredths : rule.multiplier_hundredths;
  const DoseRate dose(effective.dose.count() * multiplier.value / 100);
  return StartingDose{
      dose,
      fmt::format("{} x the effective screening dose ({}) per day = {}: its effect lasted {}, {} "
                  "{}",
                  multiplier_text(multiplier.value), format_amount(effective.dose, drug.unit),
                  format_dose(dose, drug.unit), format_hours(*effective.effect_duration),
                  long_effect ? "over" : "not over", format_hours(rule.long_effect_over.value)),
      starting_dose_source(multiplier.note, long_effect ? &rule.long_effect_over.note : nullptr)};
}

}  // namespace itdd::programmer
