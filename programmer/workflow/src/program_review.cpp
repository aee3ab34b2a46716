#include "itdd/programmer/program_review.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "itdd/programmer/dose_check.h"
#include "itdd/programmer/units_text.h"
#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

using therapy::BasalMode;
using therapy::Prescription;

constexpr std::array<const char*, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::int64_t kMinutesPerDay = therapy::kMinutesPerDay;

std::string minute_text(std::int32_t minute_of_day) {
  return fmt::format("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60);
}

// The flow of the heaviest 24 h, rounded up to the nL/day.
FlowRate heaviest_flow(const Prescription& rx) {
  if (rx.concentration.count() <= 0) return FlowRate(0);
  const Int128 nl = static_cast<Int128>(max_daily_dose(rx).count()) * kNanolitresPerMillilitre;
  const auto whole = static_cast<std::int64_t>(nl / rx.concentration.count());
  return FlowRate(whole + (nl % rx.concentration.count() != 0 ? 1 : 0));
}

std::string flow_text(FlowRate flow) {
  return fmt::format("{} ({})", format_flow_ml_per_day(flow), format_flow_ul_per_hour(flow));
}

std::string mode_text(const Prescription& rx) {
  switch (rx.mode) {
    case BasalMode::kStopped:
      return "stopped";
    case BasalMode::kContinuous:
      return "continuous";
    case BasalMode::kFlexible:
      return rx.flex.per_weekday ? "flexible, per weekday" : "flexible, every day";
  }
  return "?";
}

// The basal dose in force at `minute` of a day following `wd`'s program.
std::int64_t dose_at(const Prescription& rx, Weekday wd, std::int32_t minute) {
  if (rx.mode == BasalMode::kContinuous) return rx.continuous_dose.count();
  if (rx.mode != BasalMode::kFlexible) return 0;
  const therapy::DayProgram& day = rx.flex.day(wd);
  std::int64_t dose = 0;
  for (std::size_t i = 0; i < day.step_count && i < therapy::kMaxStepsPerDay; ++i) {
    if (day.steps[i].start_minute() <= minute) dose = day.steps[i].dose_rate().count();
  }
  return dose;
}

void add_starts(const Prescription& rx, Weekday wd, std::vector<std::int32_t>& starts) {
  if (rx.mode != BasalMode::kFlexible) return;
  const therapy::DayProgram& day = rx.flex.day(wd);
  for (std::size_t i = 0; i < day.step_count && i < therapy::kMaxStepsPerDay; ++i) {
    starts.push_back(day.steps[i].start_minute());
  }
}

std::string dose_or_stopped(const Prescription& rx, std::int64_t ng_per_day) {
  if (rx.mode == BasalMode::kStopped) return "stopped";
  return format_dose(DoseRate(ng_per_day), rx.drug.unit);
}

std::string bolus_text(const Prescription& rx) {
  const therapy::PatientBolusSettings& b = rx.patient_bolus;
  if (!b.enabled) return "off";
  return fmt::format("{} over {} min, at most {} per 24 h, lockout {} min",
                     format_amount(b.dose, rx.drug.unit), b.duration.count() / 60'000,
                     b.max_per_24h, b.lockout.count() / 60'000);
}

std::string lasts_text(const Prescription& rx, Volume remaining,
                       const std::optional<RefillDue>& due) {
  const FlowRate flow = heaviest_flow(rx);
  if (flow.count() <= 0) return "no delivery";
  const std::int64_t lasts = remaining.count() / flow.count();
  if (!due) return fmt::format("at least {} days", lasts);
  // Both figures, and the one that comes first decides when to refill; the rule behind the
  // date is said when the date decides (a drug's stability, say, long before the volume).
  if (due->days < 0) {
    return fmt::format(
        "at least {} days by volume; the refill is overdue by {} days ({}): the "
        "refill date decides",
        lasts, -due->days, due->rule);
  }
  if (due->days <= lasts) {
    return fmt::format(
        "at least {} days by volume; the refill is due first, in {} days ({}): "
        "the refill date decides",
        lasts, due->days, due->rule);
  }
  return fmt::format(
      "at least {} days by volume, before the refill due in {} days: the volume "
      "decides",
      lasts, due->days);
}

struct Row {
  std::string item;
  std::string before;
  std::string after;
};

}  // namespace

bool ProgramReview::any_change() const {
  return std::any_of(rows.begin(), rows.end(), [](const ReviewRow& r) { return r.changed; });
}

ProgramReview review_program(const std::optional<Prescription>& before, const Prescription& after,
                             Volume remaining, const std::optional<RefillDue>& due) {
  std::vector<Row> rows;
  const auto side = [&before](auto describe) -> std::string {
    return before ? describe(*before) : std::string("-");
  };
  rows.push_back({"Drug", side([](const Prescription& p) {
                    return fmt::format("{} ({})", p.drug.name.data(), unit_name(p.drug.unit));
                  }),
                  fmt::format("{} ({})", after.drug.name.data(), unit_name(after.drug.unit))});
  rows.push_back({"Concentration", side([](const Prescription& p) {
                    return format_concentration(p.concentration, p.drug.unit);
                  }),
                  format_concentration(after.concentration, after.drug.unit)});
  rows.push_back({"Mode", side(mode_text), mode_text(after)});

  const bool any_flex =
      after.mode == BasalMode::kFlexible || (before && before->mode == BasalMode::kFlexible);
  if (!any_flex) {
    rows.push_back({"Daily dose", side([](const Prescription& p) {
                      return dose_or_stopped(p, p.continuous_dose.count());
                    }),
                    dose_or_stopped(after, after.continuous_dose.count())});
  } else {
    const bool per_weekday = after.flex.per_weekday || (before && before->flex.per_weekday &&
                                                        before->mode == BasalMode::kFlexible);
    const int days = per_weekday ? 7 : 1;
    for (int d = 0; d < days; ++d) {
      const auto wd = static_cast<Weekday>(d);
      std::vector<std::int32_t> starts{0};
      add_starts(after, wd, starts);
      if (before) add_starts(*before, wd, starts);
      std::sort(starts.begin(), starts.end());
      starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
      for (std::size_t i = 0; i < starts.size(); ++i) {
        const std::int32_t end =
            i + 1 < starts.size() ? starts[i + 1] : static_cast<std::int32_t>(kMinutesPerDay);
        std::string item =
            fmt::format("{}{}-{}", per_weekday ? fmt::format("{} ", kDayNames[d]) : "",
                        minute_text(starts[i]), minute_text(end));
        const std::int32_t at = starts[i];
        rows.push_back({std::move(item), side([&](const Prescription& p) {
                          return dose_or_stopped(p, dose_at(p, wd, at));
                        }),
                        dose_or_stopped(after, dose_at(after, wd, at))});
      }
    }
  }
  rows.push_back({"Patient bolus", side(bolus_text), bolus_text(after)});
  const auto most = [](const Prescription& p) {
    return format_dose(max_daily_dose(p), p.drug.unit);
  };
  rows.push_back({"Most in a day (basal + all boluses)", side(most), most(after)});
  const auto rate = [](const Prescription& p) { return flow_text(heaviest_flow(p)); };
  rows.push_back({"Rate on that day", side(rate), rate(after)});
  rows.push_back({"Reservoir lasts",
                  side([&](const Prescription& p) { return lasts_text(p, remaining, due); }),
                  lasts_text(after, remaining, due)});

  ProgramReview review;
  for (Row& r : rows) {
    const bool changed = r.before != r.after;
    review.rows.push_back({std::move(r.item), std::move(r.before), std::move(r.after), changed});
  }
  return review;
}

std::string format_review(const ProgramReview& review) {
  std::size_t item_width = 4;
  std::size_t before_width = 6;
  for (const ReviewRow& r : review.rows) {
    item_width = std::max(item_width, r.item.size());
    before_width = std::max(before_width, r.before.size());
  }
  std::string out =
      fmt::format("  {:<{}}  {:<{}}  {}\n", "", item_width, "NOW", before_width, "NEW");
  for (const ReviewRow& r : review.rows) {
    out += fmt::format("{} {:<{}}  {:<{}}  {}\n", r.changed ? '*' : ' ', r.item, item_width,
                       r.before, before_width, r.after);
  }
  return out;
}

nlohmann::json review_json(const ProgramReview& review) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ReviewRow& r : review.rows) {
    rows.push_back({{"item", r.item}, {"now", r.before}, {"new", r.after}, {"changed", r.changed}});
  }
  return rows;
}

nlohmann::json program_record_json(const Prescription& rx) {
  nlohmann::json j;
  j["mode"] = rx.mode == BasalMode::kContinuous ? "continuous"
              : rx.mode == BasalMode::kFlexible ? "flex"
                                                : "stopped";
  j["unit"] = unit_name(rx.drug.unit);
  j["concentration_ng_per_ml"] = rx.concentration.count();
  j["continuous_ng_per_day"] = rx.continuous_dose.count();
  if (rx.mode == BasalMode::kFlexible) {
    nlohmann::json days = nlohmann::json::array();
    const std::size_t day_count = rx.flex.per_weekday ? 7 : 1;
    for (std::size_t d = 0; d < day_count; ++d) {
      const therapy::DayProgram& day = rx.flex.days[d];
      nlohmann::json steps = nlohmann::json::array();
      for (std::size_t i = 0; i < day.step_count && i < therapy::kMaxStepsPerDay; ++i) {
        steps.push_back({{"start_minute", day.steps[i].start_minute()},
                         {"ng_per_day", day.steps[i].dose_rate().count()}});
      }
      days.push_back(std::move(steps));
    }
    j["flex"] = {{"per_weekday", rx.flex.per_weekday}, {"days", std::move(days)}};
  }
  const therapy::PatientBolusSettings& b = rx.patient_bolus;
  j["patient_bolus"] = b.enabled ? nlohmann::json{{"dose_ng", b.dose.count()},
                                                  {"duration_ms", b.duration.count()},
                                                  {"max_per_24h", b.max_per_24h},
                                                  {"lockout_ms", b.lockout.count()}}
                                 : nlohmann::json(nullptr);
  return j;
}

Status verify_readback(const Prescription& sent, std::uint64_t programmed_token,
                       const ImplantStatus& after) {
  if (after.prescription_token != programmed_token) {
    return make_error(ErrorCode::kMismatch, "prescription_token",
                      "the implant now holds another prescription than the one it confirmed");
  }
  if (!after.prescription) {
    return make_error(ErrorCode::kMismatch, "prescription", "the implant reported none");
  }
  if (const char* field = therapy::first_difference(sent, *after.prescription); field != nullptr) {
    return make_error(ErrorCode::kMismatch, field,
                      "the implant holds a different value than was sent");
  }
  return Status::Ok();
}

}  // namespace itdd::programmer
