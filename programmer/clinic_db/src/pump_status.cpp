// Where each pump stands (pump_status.h): read from the clinic database, estimated exactly in
// integers.
#include "itdd/programmer/pump_status.h"

#include <algorithm>
#include <limits>

namespace itdd::programmer {

Volume delivered_volume(DoseRate dose_per_day, Concentration concentration,
                        std::int64_t elapsed_ms) {
  if (dose_per_day.count() <= 0 || elapsed_ms <= 0 || concentration.count() <= 0) {
    return Volume(0);
  }
  // nL = ng/day * ms / (ms/day) / (ng/mL) * (nL/mL), rounded up, in 128 bits.
  __extension__ typedef __int128 Wide;  // GCC's and Clang's; -Wpedantic asks for the marker
  const Wide numerator =
      static_cast<Wide>(dose_per_day.count()) * elapsed_ms * kNanolitresPerMillilitre;
  const Wide denominator = static_cast<Wide>(kMillisPerDay) * concentration.count();
  const Wide nl = (numerator + denominator - 1) / denominator;
  const Wide cap = std::numeric_limits<std::int64_t>::max();
  return Volume(static_cast<std::int64_t>(std::min(nl, cap)));
}

std::optional<Volume> estimate_reservoir(const RefillRecord& refill,
                                         const std::vector<PrescriptionRecord>& history,
                                         std::int64_t now_ms) {
  // The prescription in force at the refill (the last one before it), then each one after.
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < history.size(); ++i) {
    if (history[i].at_ms <= refill.at_ms) first = i;
  }
  if (!first) {
    // Programmed only after the refill (a new pump: filled, then programmed minutes later): the
    // first prescription after it counts from the refill, the most it can have delivered.
    for (std::size_t i = 0; i < history.size(); ++i) {
      if (history[i].at_ms > refill.at_ms) {
        first = i;
        break;
      }
    }
  }
  if (!first) return std::nullopt;
  std::int64_t left = refill.volume.count();
  std::int64_t from = refill.at_ms;
  for (std::size_t i = *first; i < history.size() && from < now_ms; ++i) {
    const std::int64_t until =
        i + 1 < history.size() ? std::clamp(history[i + 1].at_ms, from, now_ms) : now_ms;
    const Volume used =
        delivered_volume(history[i].max_daily_dose, history[i].concentration, until - from);
    left = used.count() >= left ? 0 : left - used.count();
    from = until;
  }
  return Volume(left);
}

host::Checked<std::vector<PumpStatus>> pump_statuses(ClinicDb& db, std::int64_t now_ms,
                                                     std::optional<std::int64_t> patient_id) {
  host::Checked<std::vector<PumpRecord>> pumps =
      patient_id ? db.pumps_of(*patient_id) : db.list_pumps();
  if (!pumps.ok()) return pumps.error();
  std::vector<PumpStatus> out;
  for (const PumpRecord& pump : *pumps) {
    PumpStatus s;
    s.pump = pump;
    const host::Checked<PatientRecord> owner = db.patient(pump.patient_id);
    if (!owner.ok()) return owner.error();
    s.patient = *owner;
    const host::Checked<std::vector<PrescriptionRecord>> history = db.prescription_history(pump.id);
    if (!history.ok()) return history.error();
    if (!history->empty()) s.prescription = history->back();
    const host::Checked<std::vector<RefillRecord>> refills = db.refills(pump.id);
    if (!refills.ok()) return refills.error();
    if (!refills->empty()) {
      s.last_refill = refills->back();
      s.reservoir_estimate = estimate_reservoir(*s.last_refill, *history, now_ms);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace itdd::programmer
