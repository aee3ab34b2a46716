#include "itdd/programmer/refill_date.h"

#include <fmt/format.h>

#include "itdd/host/decimal.h"
#include "itdd/host/wall_time.h"

namespace itdd::programmer {
namespace {

WallTime plus(WallTime t, Duration d) {
  return WallTime(t.ms() + d.count());
}

}  // namespace

const char* refill_rule_name(RefillRule rule) {
  switch (rule) {
    case RefillRule::kLowReservoir:
      return "low-reservoir";
    case RefillRule::kStability:
      return "stability";
    case RefillRule::kFirstFillStability:
      return "first-fill-stability";
    default:
      return "max-refill-interval";
  }
}

RefillDate next_refill_date(std::optional<WallTime> low_reservoir_at, Duration safety_margin,
                            WallTime filled_at, std::int64_t stability_days,
                            std::optional<std::int64_t> first_fill_stability_days,
                            std::int64_t max_refill_interval_days) {
  const std::string filled = host::format_wall_time(filled_at);
  std::vector<RefillDate> candidates;
  // `why` is filled in for the earliest only, below.
  const auto add = [&candidates](WallTime due, RefillRule rule, std::string reason) {
    candidates.push_back(RefillDate{due, rule, std::move(reason), {}});
  };
  if (low_reservoir_at) {
    add(plus(*low_reservoir_at, -safety_margin), RefillRule::kLowReservoir,
        fmt::format("the reservoir is predicted low on {}, less the {}-day safety margin",
                    host::format_wall_time(*low_reservoir_at),
                    host::format_decimal(safety_margin.count() / (kMillisPerDay / 100), 100)));
  }
  add(plus(filled_at, days(stability_days)), RefillRule::kStability,
      fmt::format("the solution is stable for {} days after the fill on {}", stability_days,
                  filled));
  if (first_fill_stability_days) {
    add(plus(filled_at, days(*first_fill_stability_days)), RefillRule::kFirstFillStability,
        fmt::format("the first fill must be refilled within {} days of {}",
                    *first_fill_stability_days, filled));
  }
  add(plus(filled_at, days(max_refill_interval_days)), RefillRule::kMaxInterval,
      fmt::format("refills are at most {} days apart (filled {})", max_refill_interval_days,
                  filled));
  const RefillDate* earliest = &candidates.front();
  for (const RefillDate& c : candidates) {
    if (c.due < earliest->due) earliest = &c;
  }
  RefillDate result = *earliest;
  result.why = result.reason;
  result.reason = fmt::format("due {}: {}", host::format_wall_time(result.due), result.reason);
  return result;
}

ClinicRefillDate next_refill_in_clinic(const host::TimeZone& zone, std::int64_t now_utc_ms,
                                       WallTime implant_wall_now,
                                       std::optional<WallTime> implant_low_reservoir_at,
                                       Duration safety_margin, std::int64_t stability_days,
                                       std::optional<std::int64_t> first_fill_stability_days,
                                       std::int64_t max_refill_interval_days) {
  ClinicRefillDate out;
  std::optional<WallTime> low_local;
  if (implant_low_reservoir_at) {
    // The implant's clock may be off, or in another zone: only its distance to `low` counts.
    const std::int64_t ahead = implant_low_reservoir_at->ms() - implant_wall_now.ms();
    out.low_reservoir_utc_ms = now_utc_ms + ahead;
    low_local = zone.local(*out.low_reservoir_utc_ms);
  }
  out.local = next_refill_date(low_local, safety_margin, zone.local(now_utc_ms), stability_days,
                               first_fill_stability_days, max_refill_interval_days);
  out.due_utc_ms = zone.instant_computed(out.local.due);
  // A due time the clocks skip (02:30 on the night they go forward) is said as the clocks show
  // its instant (03:00).
  if (zone.local(out.due_utc_ms) != out.local.due) {
    out.local.due = zone.local(out.due_utc_ms);
    out.local.reason =
        fmt::format("due {}: {}", host::format_wall_time(out.local.due), out.local.why);
  }
  return out;
}

RefillRules refill_rules(const DrugLibrary& library, const DrugSpec& drug, bool first_fill,
                         Dilution dilution) {
  RefillRules r;
  r.safety_margin = days(library.refill_safety_margin_days().value);
  r.sources.push_back("safety margin: " + library.refill_safety_margin_days().note.label());
  const Stability& s = drug.stability;
  if (dilution == Dilution::kUndiluted && s.undiluted_days) {
    r.stability_days = s.undiluted_days->value;
    r.sources.push_back("stability (undiluted): " + s.undiluted_days->note.label());
  } else {
    r.stability_days = s.days.value;
    r.sources.push_back("stability: " + s.days.note.label());
  }
  if (first_fill && s.first_fill_days) {
    r.first_fill_stability_days = s.first_fill_days->value;
    r.sources.push_back("first fill: " + s.first_fill_days->note.label());
  }
  r.max_refill_interval_days = drug.max_refill_interval_days.value;
  r.sources.push_back("maximum refill interval: " + drug.max_refill_interval_days.note.label());
  return r;
}

}  // namespace itdd::programmer
