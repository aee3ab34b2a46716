// The clinic overview's rows and their order (clinic_overview.h).
#include "itdd/programmer/clinic_overview.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_map>

#include "itdd/programmer/pump_status.h"
#include "itdd/programmer/status_report.h"
#include "itdd/programmer/units_text.h"

namespace itdd::programmer {

// 128-bit intermediates (GCC's and Clang's __int128; -Wpedantic asks for the marker).
__extension__ typedef __int128 Wide;
namespace {

// Log codes as the implant writes them (programmer/report/records_report.h keeps the table).
constexpr std::uint32_t kBatteryAssessed = 0x0208;
constexpr std::uint32_t kElectiveReplacement = 0x0209;
constexpr std::uint32_t kEndOfService = 0x020A;
// Alarm kinds (the wire's itdd_AlarmKind) that stop or endanger therapy.
constexpr std::array<std::uint32_t, 10> kActNowAlarms = {2, 4, 5, 6, 7, 10, 12, 13, 14, 11};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

std::int64_t local_day(const host::TimeZone& zone, std::int64_t utc_ms) {
  return floor_div(zone.local(utc_ms).ms(), kMillisPerDay);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string days_text(std::int64_t n) {
  return fmt::format("{} day{}", n, n == 1 ? "" : "s");
}

std::string alarm_kind_name(std::uint32_t kind) {
  const char* name = alarm_name(static_cast<itdd_AlarmKind>(kind <= 255 ? kind : 255));
  return std::string_view(name) == "unknown" ? fmt::format("alarm {}", kind) : name;
}

void rank(OverviewRow& row, const OverviewOptions& options, std::int64_t now_ms,
          const host::TimeZone& zone) {
  const std::string drug_words =
      row.drug.empty()
          ? std::string("drug unknown")
          : (row.drug_spec ? fmt::format("{}, withdrawal risk {}", row.drug,
                                         withdrawal_risk_name(row.drug_spec->withdrawal_risk.value))
                           : row.drug);
  int tier = 4;
  const auto raise = [&](int t, std::string reason) {
    tier = std::min(tier, t);
    row.reasons.push_back(std::move(reason));
  };
  if (!row.pump || !row.pump->active) {
    row.tier = 5;
    row.risk = "low";
    row.score = 0;
    if (!row.pump)
      row.reasons.push_back("no pump recorded");
    else
      row.reasons.push_back("pump not active (explanted or replaced)");
    return;
  }
  switch (row.state) {
    case RefillState::kOverdue:
      raise(0, fmt::format("refill overdue by {} ({}): {}", days_text(-*row.days_left),
                           row.next_refill_date, drug_words));
      break;
    case RefillState::kUnknown:
      raise(1, fmt::format("no refill recorded: interrogate the pump ({})", drug_words));
      break;
    case RefillState::kDue:
      raise(2, fmt::format("refill due in {} ({}): {}", days_text(*row.days_left),
                           row.next_refill_date, drug_words));
      break;
    default:
      break;
  }
  if (row.reservoir_estimate && row.last_refill &&
      row.reservoir_estimate->count() <= row.last_refill->low_reservoir_alarm.count()) {
    raise(0, fmt::format("reservoir estimated at {} or less, at its low-reservoir alarm ({})",
                         format_volume_ml(*row.reservoir_estimate),
                         format_volume_ml(row.last_refill->low_reservoir_alarm)));
  } else if (row.projected_low_ms && row.next_refill_ms &&
             *row.projected_low_ms < *row.next_refill_ms) {
    raise(2, fmt::format("reservoir projected to reach its low-reservoir alarm on {}, before the "
                         "refill date",
                         zone.date_at(*row.projected_low_ms)));
  }
  for (const std::string& alarm : row.open_alarms) {
    const bool act_now = std::any_of(kActNowAlarms.begin(), kActNowAlarms.end(),
                                     [&](auto k) { return alarm_kind_name(k) == alarm; });
    raise(act_now ? 0 : 3, fmt::format("open alarm: {}", alarm));
  }
  if (row.end_of_service) {
    raise(0, "battery at end of service: therapy stopped, replace the pump");
  } else if (row.eri_reached) {
    raise(3, "battery at its elective replacement indicator: plan the replacement");
  } else if (row.battery_eri_ms && *row.battery_eri_ms - now_ms <= options.eri_warning_ms) {
    raise(3, fmt::format("battery replacement indicator expected {}",
                         zone.date_at(*row.battery_eri_ms)));
  }
  // Most serious first: the tier each reason set is not kept, so sort by "act now" words.
  row.tier = tier;
  if (tier == 0 || (tier <= 2 && row.withdrawal_rank >= 3)) {
    row.risk = "high";
  } else if (tier <= 3) {
    row.risk = "moderate";
  } else {
    row.risk = "low";
  }
  const std::int64_t days = row.days_left.value_or(99);
  row.score = (6 - tier) * 1000 + row.withdrawal_rank * 100 +
              static_cast<int>(std::clamp<std::int64_t>(99 - days, 0, 99));
}

// The row's next refill, of either kind of pump: its date in the clinic's zone, the days left
// and whether it is overdue, due (within the options' horizon) or later.
void date_next_refill(OverviewRow& row, std::int64_t next_refill_ms, const std::string& rule,
                      const host::TimeZone& zone, std::int64_t now_ms,
                      const OverviewOptions& options) {
  row.next_refill_ms = next_refill_ms;
  row.next_refill_date = zone.date_at(next_refill_ms);
  row.next_refill_reason = rule;
  row.days_left = local_day(zone, next_refill_ms) - local_day(zone, now_ms);
  row.state = next_refill_ms < now_ms                            ? RefillState::kOverdue
              : next_refill_ms <= now_ms + options.due_within_ms ? RefillState::kDue
                                                                 : RefillState::kLater;
}

}  // namespace

const char* refill_state_name(RefillState s) {
  static constexpr std::array<const char*, 5> kNames = {"overdue", "unknown", "due", "later",
                                                        "none"};
  return kNames[static_cast<std::size_t>(s)];
}

RiskRank withdrawal_risk_rank(const DrugLibrary& library) {
  return [&library](std::string_view drug) -> int {
    const DrugSpec* spec = library.find(drug);
    return spec ? static_cast<int>(spec->withdrawal_risk.value) + 1 : 0;
  };
}

std::int64_t implant_instant(std::int64_t implant_ms, const ImplantClockOffset& clock,
                             const host::TimeZone& zone) {
  return zone.instant_computed(WallTime(implant_ms + clock.wall_offset_ms));
}

std::vector<OverviewRow> build_overview(const ClinicSnapshot& snapshot, const DrugLibrary& library,
                                        std::int64_t now_ms, const host::TimeZone& zone,
                                        const OverviewOptions& options) {
  std::unordered_map<std::int64_t, const PatientRecord*> patients;
  for (const PatientRecord& p : snapshot.patients) patients.emplace(p.id, &p);
  std::unordered_map<std::int64_t, bool> has_pump;
  std::vector<OverviewRow> rows;
  rows.reserve(snapshot.pumps.size() + snapshot.patients.size());
  for (const PumpSnapshot& s : snapshot.pumps) {
    const auto owner = patients.find(s.pump.patient_id);
    if (owner == patients.end()) continue;  // not in this snapshot (another patient's page)
    has_pump[s.pump.patient_id] = true;
    OverviewRow row;
    row.patient = *owner->second;
    row.pump = s.pump;
    row.last_session = s.last_session;
    if (!s.prescriptions.empty()) row.prescription = s.prescriptions.back();
    row.last_refill = s.last_refill;
    row.drug = s.last_refill ? s.last_refill->drug
                             : (row.prescription ? row.prescription->drug : std::string());
    row.drug_spec = row.drug.empty() ? nullptr : library.find(row.drug);
    row.withdrawal_rank =
        row.drug_spec ? static_cast<int>(row.drug_spec->withdrawal_risk.value) + 1 : 0;
    if (s.last_refill) {
      const RefillRecord& r = *s.last_refill;
      row.reservoir_estimate = estimate_reservoir(r, s.prescriptions, now_ms);
      date_next_refill(row, r.next_refill_ms, r.next_refill_rule, zone, now_ms, options);
      // When the estimate reaches the alarm at the prescription's most (continuing from now).
      if (row.reservoir_estimate && row.prescription &&
          row.prescription->max_daily_dose.count() > 0 &&
          row.prescription->concentration == r.concentration) {
        const std::int64_t above = row.reservoir_estimate->count() - r.low_reservoir_alarm.count();
        if (above > 0) {
          const Volume per_day =
              delivered_volume(row.prescription->max_daily_dose, r.concentration, kMillisPerDay);
          if (per_day.count() > 0) {
            row.projected_low_ms =
                now_ms + static_cast<std::int64_t>(static_cast<Wide>(above) * kMillisPerDay /
                                                   per_day.count());
          }
        }
      }
    } else {
      row.state = RefillState::kUnknown;
    }
    for (const EventLogRecord& a : s.open_alarms)
      row.open_alarms.push_back(alarm_kind_name(a.reason));
    if (s.battery) {
      row.eri_reached = s.battery->code == kElectiveReplacement;
      row.end_of_service = s.battery->code == kEndOfService;
      if (s.battery->code == kBatteryAssessed && s.clock && s.battery->b >= 0) {
        row.battery_eri_ms =
            implant_instant(s.battery->at_implant_ms, *s.clock, zone) + s.battery->b * 3'600'000;
      }
    }
    rank(row, options, now_ms, zone);
    rows.push_back(std::move(row));
  }
  // Fixed-rate pumps: dated by their last fill (its next refill is a bound at the fastest flow).
  for (const FixedRatePumpSnapshot& s : snapshot.fixed_rate_pumps) {
    const auto owner = patients.find(s.pump.patient_id);
    if (owner == patients.end()) continue;
    has_pump[s.pump.patient_id] = true;
    OverviewRow row;
    row.patient = *owner->second;
    row.pump = s.pump;
    row.fixed_rate = fixed_rate_status(s, now_ms);
    if (s.last_refill) {
      const FixedRateRefillRecord& f = *s.last_refill;
      row.drug = f.drug;
      row.drug_spec = library.find(row.drug);
      row.withdrawal_rank =
          row.drug_spec ? static_cast<int>(row.drug_spec->withdrawal_risk.value) + 1 : 0;
      row.reservoir_estimate = row.fixed_rate->left_at_worst;
      date_next_refill(row, f.next_refill_ms, f.next_refill_rule, zone, now_ms, options);
    } else {
      row.state = RefillState::kUnknown;
    }
    rank(row, options, now_ms, zone);
    rows.push_back(std::move(row));
  }
  for (const PatientRecord& p : snapshot.patients) {
    if (has_pump.contains(p.id)) continue;
    OverviewRow row;
    row.patient = p;
    rank(row, options, now_ms, zone);
    rows.push_back(std::move(row));
  }
  // Sorted by index (a row is large: moving rows cost more than comparing them).
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&rows](std::size_t ia, std::size_t ib) {
    const OverviewRow& a = rows[ia];
    const OverviewRow& b = rows[ib];
    if (a.tier != b.tier) return a.tier < b.tier;
    if (a.withdrawal_rank != b.withdrawal_rank) return a.withdrawal_rank > b.withdrawal_rank;
    const std::int64_t da = a.days_left.value_or(std::numeric_limits<std::int64_t>::max());
    const std::int64_t db = b.days_left.value_or(std::numeric_limits<std::int64_t>::max());
    if (da != db) return da < db;
    const std::string& sa = a.pump ? a.pump->serial : a.patient.mrn;
    const std::string& sb = b.pump ? b.pump->serial : b.patient.mrn;
    return sa < sb;
  });
  std::vector<OverviewRow> sorted;
  sorted.reserve(rows.size());
  for (const std::size_t i : order) sorted.push_back(std::move(rows[i]));
  return sorted;
}

host::Checked<std::vector<OverviewRow>> filter_overview(const std::vector<OverviewRow>& rows,
                                                        const OverviewFilter& f) {
  if (!f.state.empty()) {
    bool known = false;
    for (int i = 0; i <= static_cast<int>(RefillState::kNone); ++i) {
      known = known || f.state == refill_state_name(static_cast<RefillState>(i));
    }
    if (!known) {
      return host::Refusal{"status", fmt::format("'{}' is not a refill status: give overdue, "
                                                 "unknown, due, later or none",
                                                 f.state.substr(0, 40))};
    }
  }
  if (!f.risk.empty() && f.risk != "high" && f.risk != "moderate" && f.risk != "low") {
    return host::Refusal{"risk", fmt::format("'{}' is not a risk: give high, moderate or low",
                                             f.risk.substr(0, 40))};
  }
  const std::string needle = lower(f.search);
  std::vector<OverviewRow> out;
  for (const OverviewRow& r : rows) {
    if (!f.include_inactive && (!r.pump || !r.pump->active)) continue;
    if (!f.drug.empty() && r.drug != f.drug) continue;
    if (!f.state.empty() && f.state != refill_state_name(r.state)) continue;
    if (!f.risk.empty() && f.risk != r.risk) continue;
    if (!needle.empty()) {
      const bool hit = lower(r.patient.name).find(needle) != std::string::npos ||
                       lower(r.patient.mrn).find(needle) != std::string::npos ||
                       (r.pump && lower(r.pump->serial).find(needle) != std::string::npos) ||
                       lower(r.drug).find(needle) != std::string::npos;
      if (!hit) continue;
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace itdd::programmer
