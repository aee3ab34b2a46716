// libFuzzer harness for the other data files people edit or carry between machines: pump models
// (host/pump_catalog's PumpCatalog), opioid conversions (programmer/dosing), the event logs and
// delivery histories a clinic uploads (programmer/uploads), and the virtual patient's population
// figures (sim/patient's CsfCatalog). Each input goes to all four readers: each must read it or
// refuse it with a message; an exception (none may leave a reader), a crash or a sanitizer report
// is a bug. What is read must hold what its reader promises.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "itdd/host/pump_catalog.h"
#include "itdd/programmer/opioid_conversion.h"
#include "itdd/programmer/uploads.h"
#include "itdd/sim/patient_params.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace itdd;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const host::Checked<host::PumpCatalog> pumps = host::PumpCatalog::from_text(text);
  if (!pumps.ok()) {
    if (pumps.error().message.empty()) __builtin_trap();
  } else {
    for (const std::string& name : pumps->names()) {
      const host::PumpModelSpec* m = pumps->find(name);
      if (m == nullptr) __builtin_trap();
      const therapy::PumpModel& p = m->model;
      if (p.min_rate.count() <= 0 || p.min_rate > p.max_rate || p.stroke_volume.count() <= 0 ||
          p.low_reservoir_default.count() * 2 > p.reservoir_capacity.count()) {
        __builtin_trap();
      }
      if (!power::validate(m->battery_monitor).ok()) __builtin_trap();
    }
  }

  const host::Checked<programmer::OpioidConversions> table =
      programmer::OpioidConversions::from_text(text);
  if (!table.ok()) {
    if (table.error().message.empty()) __builtin_trap();
  } else {
    const std::vector<programmer::DrugRoute> known = table->known();
    if (known.size() >= 2) {
      // Converting must answer or refuse, never crash.
      const host::Checked<programmer::Conversion> c =
          programmer::convert(table.value(), known.front(), known.back(), DoseRate(1'000'000));
      if (!c.ok() && c.error().message.empty()) __builtin_trap();
    }
  }

  const host::Checked<programmer::DownloadedRecords> records =
      programmer::downloaded_records_from_text(text);
  if (!records.ok()) {
    if (records.error().message.empty()) __builtin_trap();
  } else {
    for (const programmer::DeliveryHourRecord& h : records->hours) {
      if (h.hour_index < 0 || h.volume.count() < 0 || h.strokes < 0) __builtin_trap();
    }
    if (!records->implant_key.empty() && records->implant_key.size() != 64) __builtin_trap();
  }
  const host::Checked<sim::CsfCatalog> csf = sim::CsfCatalog::from_text(text);
  if (!csf.ok()) {
    if (csf.error().message.empty()) __builtin_trap();
  } else {
    // What is read can be modelled: volumes and flows above 0, no negative lumbar clearance.
    for (const std::string& name : csf->names()) {
      const sim::CsfDrug* d = csf->find(name);
      if (d == nullptr || d->params.clearance_nl_per_min <= 0 || d->params.volume_nl <= 0 ||
          d->params.clearance_nl_per_min <
              sim::minimum_clearance_nl_per_min(d->params, csf->physiology())) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
