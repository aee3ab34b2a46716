#include "itdd/programmer/program_review.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

using therapy::BasalMode;
using therapy::Prescription;

constexpr std::array<const char*, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::int64_t kMinutesPerDay = therapy::kMinutesPerDay;

const char* unit_name(DoseUnit u) {
  return u == DoseUnit::kMilligram ? "mg" : "mcg";
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
    if (day.steps[i].start_minute <= minute) dose = day.steps[i].dose_rate.count();
  }
  return dose;
}

void add_starts(const Prescription& rx, Weekday wd, std::vector<std::int32_t>& starts) {
  if (rx.mode != BasalMode::kFlexible) return;
  const therapy::DayProgram& day = rx.flex.day(wd);
  for (std::size_t i = 0; i < day.step_count && i < therapy::kMaxStepsPerDay; ++i) {
    starts.push_back(day.steps[i].start_minute);
  }
}

std::string dose_or_stopped(const Prescription& rx, std::int64_t ng_per_day) {
  if (rx.mode == BasalMode::kStopped) return "stopped";
  return format_dose(ng_per_day, rx.drug.unit, "/day");
}

std::string bolus_text(const Prescription& rx) {
  const therapy::PatientBolusSettings& b = rx.patient_bolus;
  if (!b.enabled) return "off";
  return fmt::format("{} over {} min, at most {} per 24 h, lockout {} min",
                     format_dose(b.dose.count(), rx.drug.unit), b.duration.count() / 60'000,
                     b.max_per_24h, b.lockout.count() / 60'000);
}

std::string lasts_text(const Prescription& rx, Volume remaining) {
  const FlowRate flow = heaviest_daily_flow(rx);
  if (flow.count() <= 0) return "no delivery";
  return fmt::format("at least {} days", remaining.count() / flow.count());
}

struct Row {
  std::string item;
  std::string before;
  std::string after;
};

}  // namespace

std::string format_dose(std::int64_t ng, DoseUnit unit, const char* per) {
  const double scale = static_cast<double>(nanograms_per(unit));
  return fmt::format("{:.3f} {}{}", static_cast<double>(ng) / scale, unit_name(unit), per);
}

std::string format_flow(FlowRate flow) {
  const double nl_per_day = static_cast<double>(flow.count());
  return fmt::format("{:.3f} mL/day ({:.2f} uL/h)", nl_per_day / 1e6, nl_per_day / 1e3 / 24.0);
}

std::string minute_text(std::int32_t minute_of_day) {
  return fmt::format("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60);
}

bool ProgramReview::any_change() const {
  return std::any_of(rows.begin(), rows.end(), [](const ReviewRow& r) { return r.changed; });
}

DoseRate heaviest_daily_dose(const Prescription& rx) {
  std::int64_t basal = 0;
  if (rx.mode == BasalMode::kContinuous) {
    basal = rx.continuous_dose.count();
  } else if (rx.mode == BasalMode::kFlexible) {
    const int days = rx.flex.per_weekday ? 7 : 1;
    for (int d = 0; d < days; ++d) {
      const therapy::DayProgram& day = rx.flex.days[static_cast<std::size_t>(d)];
      Int128 ng_minutes = 0;
      for (std::size_t i = 0; i < day.step_count && i < therapy::kMaxStepsPerDay; ++i) {
        const std::int32_t end =
            i + 1 < day.step_count ? day.steps[i + 1].start_minute : therapy::kMinutesPerDay;
        ng_minutes +=
            static_cast<Int128>(day.steps[i].dose_rate.count()) * (end - day.steps[i].start_minute);
      }
      const auto whole = static_cast<std::int64_t>(ng_minutes / kMinutesPerDay);
      basal = std::max(basal, whole + (ng_minutes % kMinutesPerDay != 0 ? 1 : 0));
    }
  }
  const std::int64_t boluses = therapy::max_patient_boluses_per_day(rx.patient_bolus);
  return DoseRate(basal + boluses * rx.patient_bolus.dose.count());
}

FlowRate heaviest_daily_flow(const Prescription& rx) {
  if (rx.concentration.count() <= 0) return FlowRate(0);
  const Int128 nl = static_cast<Int128>(heaviest_daily_dose(rx).count()) * kNanolitresPerMillilitre;
  const auto whole = static_cast<std::int64_t>(nl / rx.concentration.count());
  return FlowRate(whole + (nl % rx.concentration.count() != 0 ? 1 : 0));
}

ProgramReview review_program(const std::optional<Prescription>& before, const Prescription& after,
                             Volume remaining) {
  std::vector<Row> rows;
  const auto side = [&before](auto describe) -> std::string {
    return before ? describe(*before) : std::string("-");
  };
  rows.push_back({"Drug", side([](const Prescription& p) {
                    return fmt::format("{} ({})", p.drug.name.data(), unit_name(p.drug.unit));
                  }),
                  fmt::format("{} ({})", after.drug.name.data(), unit_name(after.drug.unit))});
  rows.push_back({"Concentration", side([](const Prescription& p) {
                    return format_dose(p.concentration.count(), p.drug.unit, "/mL");
                  }),
                  format_dose(after.concentration.count(), after.drug.unit, "/mL")});
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
    return format_dose(heaviest_daily_dose(p).count(), p.drug.unit, "/day");
  };
  rows.push_back({"Most in a day (basal + all boluses)", side(most), most(after)});
  const auto rate = [](const Prescription& p) { return format_flow(heaviest_daily_flow(p)); };
  rows.push_back({"Rate on that day", side(rate), rate(after)});
  rows.push_back({"Reservoir lasts",
                  side([&](const Prescription& p) { return lasts_text(p, remaining); }),
                  lasts_text(after, remaining)});

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

Status verify_readback(const Prescription& sent, std::uint64_t programmed_token,
                       const itdd_ImplantStatus& after) {
  if (after.prescription_token != programmed_token) {
    return make_error(ErrorCode::kMismatch, "prescription_token",
                      "the implant now holds another prescription than the one it confirmed");
  }
  if (!after.has_prescription) {
    return make_error(ErrorCode::kMismatch, "prescription", "the implant reported none");
  }
  const Result<Prescription> held = protocol::prescription_from_wire(after.prescription);
  if (!held.ok()) return held.error();
  if (const char* field = therapy::first_difference(sent, held.value()); field != nullptr) {
    return make_error(ErrorCode::kMismatch, field,
                      "the implant holds a different value than was sent");
  }
  return Status::Ok();
}

}  // namespace itdd::programmer
