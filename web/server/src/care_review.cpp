#include "care_review.h"

#include <fmt/format.h>

#include <string>

#include "itdd/programmer/status_report.h"
#include "itdd/programmer/text_input.h"
#include "itdd/programmer/units_text.h"

namespace itdd::web {

using namespace itdd::programmer;

namespace {

Json row(std::string item, std::string before, std::string after) {
  const bool changed = before != after;
  return {{"item", std::move(item)},
          {"before", std::move(before)},
          {"after", std::move(after)},
          {"changed", changed}};
}

std::string activity_text(const ImplantStatus& s) {
  return status_json(s).value("activity", std::string("unknown"));
}

// The program in force in words: "baclofen 500 mcg/mL, continuous 100 mcg/day".
std::string program_text(const ImplantStatus& s) {
  if (!s.programmed()) return "none programmed";
  const therapy::Prescription& rx = *s.prescription;
  const DoseUnit unit = rx.drug.unit;
  const std::string head =
      fmt::format("{} {}", rx.drug.name.data(), format_concentration(rx.concentration, unit));
  switch (rx.mode) {
    case therapy::BasalMode::kContinuous:
      return fmt::format("{}, continuous {}", head, format_dose(rx.continuous_dose, unit));
    case therapy::BasalMode::kFlexible:
      return fmt::format("{}, flexible program", head);
    default:
      return fmt::format("{}, stopped (no basal delivery)", head);
  }
}

std::string reservoir_text(Volume v) {
  return format_volume_ml(v);
}

// What is left after `used` (never shown below zero: the implant stops at empty).
std::string reservoir_after(const ImplantStatus& s, Volume used) {
  const Volume left = s.reservoir.remaining > used ? s.reservoir.remaining - used : Volume(0);
  return fmt::format("{} ({} less)", format_volume_ml(left), format_volume_ml(used));
}

std::string wall_text(std::int64_t wall_ms) {
  return fmt::format("{} (the implant's clock)", format_wall(wall_ms));
}

}  // namespace

Json prime_review_rows(const ImplantStatus& now, const PrimePlan& plan) {
  Json rows = Json::array();
  rows.push_back(row("Activity", activity_text(now), "priming, then the program again"));
  rows.push_back(
      row("Program", program_text(now),
          now.programmed() ? "paused while priming, then resumed unchanged" : program_text(now)));
  rows.push_back(
      row("Priming volume", "-",
          fmt::format("{} (pump dead volume {} + catheter {})", format_volume_ml(plan.total),
                      format_volume_ml(plan.pump_dead_volume), format_volume_ml(plan.catheter))));
  if (plan.rate.count() > 0) {
    rows.push_back(row("Priming rate", "-", format_flow_ml_per_day(plan.rate)));
    rows.push_back(row("Takes", "-", fmt::format("about {}", format_duration(plan.takes))));
  } else {
    rows.push_back(row("Priming rate", "-", "the implant did not say"));
  }
  rows.push_back(row("Catheter volume (as primed)", format_volume_ml(now.catheter_volume),
                     format_volume_ml(plan.catheter)));
  rows.push_back(
      row("Reservoir", reservoir_text(now.reservoir.remaining), reservoir_after(now, plan.total)));
  return rows;
}

Json bolus_review_rows(const ImplantStatus& now, const BolusReview& b) {
  const DoseUnit unit = b.drug.unit;
  Json rows = Json::array();
  const std::string drug =
      fmt::format("{} {}", b.drug.name.data(), format_concentration(b.concentration, unit));
  rows.push_back(row("Drug in the reservoir", drug, drug));
  rows.push_back(row("Activity", activity_text(now), "clinician bolus, then the program again"));
  rows.push_back(row(
      "Program", program_text(now),
      now.programmed() ? "paused during the bolus, then resumed unchanged" : program_text(now)));
  rows.push_back(
      row("Clinician bolus", "-",
          fmt::format("{} over {}", format_amount(b.dose, unit), format_duration(b.duration))));
  rows.push_back(row("Bolus volume", "-",
                     fmt::format("{} at {}", format_volume_ml(b.volume),
                                 format_concentration(b.concentration, unit))));
  rows.push_back(row("Clinician boluses in the last 24 h",
                     fmt::format("{}, {}", b.earlier.count, format_amount(b.earlier.total, unit)),
                     fmt::format("{}, {} (with this one)", b.earlier.count + 1,
                                 format_amount(b.earlier.total + b.dose, unit))));
  rows.push_back(
      row("Reservoir", reservoir_text(now.reservoir.remaining), reservoir_after(now, b.volume)));
  return rows;
}

namespace {

void add_after(Json& rows, const std::optional<ImplantStatus>& after) {
  const auto line = [&](std::string label, std::string text) {
    rows.push_back({{"label", std::move(label)}, {"text", std::move(text)}});
  };
  if (!after) {
    line("Interrogation after", "not read: interrogate the implant to see what it does");
    return;
  }
  line("Activity now", activity_text(*after));
  line("Program", program_text(*after));
  line("Reservoir now", format_volume_ml(after->reservoir.remaining));
}

}  // namespace

Json prime_read_back(const PrimeOutcome& done, const std::optional<ImplantStatus>& after) {
  Json rows = Json::array();
  if (done.started) {
    rows.push_back({{"label", "Priming started"},
                    {"text", format_volume_ml(Volume(done.started->volume_nl))}});
    rows.push_back({{"label", "Ends"}, {"text", wall_text(done.started->ends_at_wall_ms)}});
  } else {
    rows.push_back(
        {{"label", "Priming"}, {"text", "applied; the implant's answer was lost (interrogate)"}});
  }
  add_after(rows, after);
  return rows;
}

Json bolus_read_back(const BolusOutcome& done, const BolusReview& b,
                     const std::optional<ImplantStatus>& after) {
  Json rows = Json::array();
  if (done.started) {
    rows.push_back(
        {{"label", "Bolus started"},
         {"text",
          fmt::format("{} ({})", format_amount(DrugAmount(done.started->dose_ng), b.drug.unit),
                      format_volume_ml(b.volume))}});
    rows.push_back({{"label", "Ends"}, {"text", wall_text(done.started->ends_at_wall_ms)}});
  } else {
    rows.push_back(
        {{"label", "Bolus"}, {"text", "applied; the implant's answer was lost (interrogate)"}});
  }
  add_after(rows, after);
  return rows;
}

}  // namespace itdd::web
