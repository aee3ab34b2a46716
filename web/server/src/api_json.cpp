// The JSON answers of docs/web-api.md (api_json.h).
#include "api_json.h"

#include "itdd/programmer/units_text.h"

namespace itdd::web {
namespace {

using namespace itdd::programmer;

template <class T, class F>
Json or_null(const std::optional<T>& v, F&& f) {
  return v ? Json(f(*v)) : Json(nullptr);
}

Json text_or_null(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

const char* drug_unit(const OverviewRow& row) {
  return row.drug_spec ? unit_name(row.drug_spec->unit) : nullptr;
}

}  // namespace

Json overview_row_json(const OverviewRow& row, int rank, const host::TimeZone& zone) {
  Json j;
  j["rank"] = rank;
  j["risk_score"] = row.score;
  j["patient_id"] = row.patient.id;
  j["mrn"] = row.patient.mrn;
  j["name"] = row.patient.name;
  j["indication"] = indication_name(row.patient.indication);
  j["serial"] = row.pump ? Json(row.pump->serial) : Json(nullptr);
  j["model"] = row.pump ? Json(row.pump->model) : Json(nullptr);
  j["active"] = row.pump ? row.pump->active : false;
  j["drug"] = text_or_null(row.drug);
  const char* unit = drug_unit(row);
  j["drug_unit"] = unit ? Json(unit) : Json(nullptr);
  j["withdrawal_risk"] = row.drug_spec
                             ? Json(withdrawal_risk_name(row.drug_spec->withdrawal_risk.value))
                             : Json(nullptr);
  // The reservoir's concentration (last refill), else the prescription's.
  std::optional<std::int64_t> concentration;
  if (row.last_refill)
    concentration = row.last_refill->concentration.count();
  else if (row.prescription)
    concentration = row.prescription->concentration.count();
  j["concentration_ng_per_ml"] = or_null(concentration, [](auto c) { return c; });
  j["dose_ng_per_day"] =
      or_null(row.prescription, [](const auto& p) { return p.max_daily_dose.count(); });
  j["prescription_mode"] = or_null(row.prescription, [](const auto& p) { return p.mode; });
  j["reservoir_estimate_nl"] = or_null(row.reservoir_estimate, [](Volume v) { return v.count(); });
  j["reservoir_capacity_nl"] =
      row.pump ? Json(row.pump->reservoir_capacity.count()) : Json(nullptr);
  j["low_reservoir_date"] =
      or_null(row.projected_low_ms, [&](std::int64_t t) { return zone.date_at(t); });
  j["status"] = refill_state_name(row.state);
  j["days_left"] = or_null(row.days_left, [](std::int64_t d) { return d; });
  j["next_refill_date"] = text_or_null(row.next_refill_date);
  j["next_refill_ms"] = or_null(row.next_refill_ms, [](std::int64_t t) { return t; });
  j["next_refill_reason"] = text_or_null(row.next_refill_reason);
  j["battery_eri_date"] =
      or_null(row.battery_eri_ms, [&](std::int64_t t) { return zone.date_at(t); });
  j["battery_eri_reached"] = row.eri_reached;
  j["battery_end_of_service"] = row.end_of_service;
  j["open_alarms"] = row.open_alarms.size();
  Json alarms = Json::array();
  for (const std::string& a : row.open_alarms) alarms.push_back({{"code", a}});
  j["alarms"] = alarms;
  j["last_session_ms"] =
      or_null(row.last_session, [](const SessionRecord& s) { return s.started_at_ms; });
  j["last_session_id"] = or_null(row.last_session, [](const SessionRecord& s) { return s.id; });
  j["risk"] = row.risk;
  j["risk_reasons"] = row.reasons;
  // The pump's kind: a fixed-rate (gas-driven) pump has no program, only a concentration at its
  // nominal flow, and nothing to connect to.
  j["kind"] = row.fixed_rate ? "gas-fixed-rate" : "programmable";
  j["programmable"] = !row.fixed_rate.has_value();
  if (row.fixed_rate) {
    const FixedRateStatus& f = *row.fixed_rate;
    j["kind_label"] = kFixedRateLabel;
    j["nominal_flow_nl_per_day"] = f.figures.nominal_flow.count();
    j["flow_tolerance_permille"] = f.figures.flow_tolerance_permille;
    j["concentration_ng_per_ml"] =
        or_null(f.last_fill, [](const auto& x) { return x.concentration.count(); });
    j["dose_ng_per_day"] = f.last_fill ? Json(f.daily_dose.count()) : Json(nullptr);
    j["dose_at_worst_ng_per_day"] =
        f.last_fill ? Json(f.daily_dose_at_worst.count()) : Json(nullptr);
    j["empty_at_worst_date"] =
        or_null(f.last_fill, [&](const auto& x) { return zone.date_at(x.empty_at_worst_ms); });
    j["last_fill"] = or_null(f.last_fill, [&](const FixedRateRefillRecord& x) {
      return Json{{"at_ms", x.at_ms},
                  {"volume_nl", x.volume.count()},
                  {"withdrawn_nl", x.withdrawn.count()},
                  {"clinician", x.clinician},
                  {"concentration_ng_per_ml", x.concentration.count()}};
    });
  }
  return j;
}

Json patient_json(const PatientRecord& p, const host::TimeZone&) {
  return {{"id", p.id},
          {"mrn", p.mrn},
          {"name", p.name},
          // A calendar date kept as midnight UTC (clinic_db.h): shown as that day.
          {"birth_date", utc_date(p.birth_date_ms)},
          {"indication", indication_name(p.indication)}};
}

Json patient_pump_json(const OverviewRow& row, const host::TimeZone& zone) {
  Json j = overview_row_json(row, 0, zone);
  if (!row.pump) return j;
  const PumpRecord& p = *row.pump;
  j["id"] = p.id;
  j["implant_date"] = utc_date(p.implant_date_ms);
  j["catheter_length_mm"] = p.catheter_length_mm;
  j["catheter_volume_nl"] = p.catheter_volume.count();
  j["paired"] = !p.implant_public_key_hex.empty();
  if (row.prescription) {
    const PrescriptionRecord& rx = *row.prescription;
    Json recorded = Json::parse(rx.prescription_json, nullptr, false);
    if (recorded.is_discarded()) recorded = nullptr;
    std::string text = rx.mode;
    if (row.drug_spec) {
      // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on " " + string.
      text += ' ';
      text += format_dose(rx.max_daily_dose, row.drug_spec->unit);
      text += "/day at most";
    }
    j["prescription"] = {{"at_ms", rx.at_ms},
                         {"session_id", rx.session_id},
                         {"token", rx.token},
                         {"mode", rx.mode},
                         {"drug", rx.drug},
                         {"concentration_ng_per_ml", rx.concentration.count()},
                         {"max_daily_dose_ng_per_day", rx.max_daily_dose.count()},
                         {"text", text},
                         {"prescription", recorded}};
  } else {
    j["prescription"] = nullptr;
  }
  if (row.last_refill) {
    const RefillRecord& r = *row.last_refill;
    j["last_refill"] = {{"at_ms", r.at_ms},
                        {"volume_nl", r.volume.count()},
                        {"expected_nl", r.expected.count()},
                        {"withdrawn_nl", r.withdrawn.count()},
                        {"difference_nl", r.difference.count()},
                        {"finding", refill_finding_name(r.finding)},
                        {"acknowledged", r.acknowledged},
                        {"drug", r.drug},
                        {"concentration_ng_per_ml", r.concentration.count()},
                        {"low_reservoir_alarm_nl", r.low_reservoir_alarm.count()},
                        {"next_refill_date", zone.date_at(r.next_refill_ms)},
                        {"next_refill_rule", r.next_refill_rule}};
  } else {
    j["last_refill"] = nullptr;
  }
  return j;
}

Json session_row_json(const SessionReport& s) {
  return {{"id", s.session.id},
          {"mrn", s.patient.mrn},
          {"name", s.patient.name},
          {"serial", s.pump.serial},
          {"operator", s.session.operator_name},
          {"device", s.session.device},
          {"started_at_ms", s.session.started_at_ms},
          {"ended_at_ms", or_null(s.session.ended_at_ms, [](std::int64_t t) { return t; })},
          {"summary", s.session.summary}};
}

Json change_json(const ChangeRecord& c) {
  Json detail = Json::parse(c.detail_json, nullptr, false);
  if (detail.is_discarded()) detail = Json::object();
  return {
      {"at_ms", c.at_ms}, {"kind", change_kind_name(c.kind)}, {"what", c.what}, {"detail", detail}};
}

Json trial_json(const TrialRecord& t) {
  return {{"at_ms", t.at_ms},
          {"drug", t.drug},
          {"dose_ng", t.dose.count()},
          {"route", t.route},
          {"score_kind", score_kind_name(t.score_kind)},
          {"score_before", t.score_before},
          {"score_after", t.score_after},
          {"effect_ms", t.effect.count()},
          {"effective", t.effective},
          {"notes", t.notes}};
}

Json due_row_json(const DueRow& r, const DrugLibrary& library) {
  const DrugSpec* spec = r.drug.empty() ? nullptr : library.find(r.drug);
  return {{"mrn", r.patient.mrn},
          {"name", r.patient.name},
          {"serial", r.pump.serial},
          {"model", r.pump.model},
          {"drug", text_or_null(r.drug)},
          {"withdrawal_risk",
           spec ? Json(withdrawal_risk_name(spec->withdrawal_risk.value)) : Json(nullptr)},
          {"status", due_status_name(r.status)},
          {"days_left", r.next_refill_ms ? Json(r.days_left) : Json(nullptr)},
          {"next_refill_date", text_or_null(r.next_refill_date)},
          {"next_refill_ms", or_null(r.next_refill_ms, [](std::int64_t t) { return t; })},
          {"low_reservoir_ms", or_null(r.low_reservoir_ms, [](std::int64_t t) { return t; })},
          {"reason", r.reason},
          {"kind", r.fixed_rate ? "gas-fixed-rate" : "programmable"}};
}

Json series_json(const PumpSeries& s, const PumpRecord& pump, const OverviewRow* row) {
  const auto columns = [](const std::vector<SeriesPoint>& points, bool with_dose) {
    Json t = Json::array(), v = Json::array(), d = Json::array();
    for (const SeriesPoint& p : points) {
      t.push_back(p.t_ms);
      v.push_back(p.volume_nl);
      if (with_dose) d.push_back(p.dose_ng ? Json(*p.dose_ng) : Json(nullptr));
    }
    Json out = {{"t_ms", t}, {"volume_nl", v}};
    if (with_dose) out["dose_ng"] = d;
    return out;
  };
  Json j;
  j["serial"] = pump.serial;
  const char* unit = row ? drug_unit(*row) : nullptr;
  j["drug_unit"] = unit ? Json(unit) : Json(nullptr);
  j["from_ms"] = s.from_ms;
  j["to_ms"] = s.to_ms;
  j["implant_clock_known"] = s.implant_clock_known;
  j["delivered_hourly"] = columns(s.hourly, true);
  j["delivered_daily"] = columns(s.daily, true);
  j["reservoir_predicted"] = columns(s.reservoir_predicted, false);
  Json measured = Json::array();
  for (const MeasuredRefill& m : s.reservoir_measured) {
    measured.push_back({{"at_ms", m.at_ms},
                        {"expected_nl", m.expected.count()},
                        {"withdrawn_nl", m.withdrawn.count()},
                        {"difference_nl", m.difference.count()},
                        {"finding", refill_finding_name(m.finding)},
                        {"filled_nl", m.filled.count()},
                        {"band_nl", m.band.count()}});
  }
  j["reservoir_measured"] = measured;
  Json rx = {{"t_ms", Json::array()},
             {"max_daily_dose_ng_per_day", Json::array()},
             {"mode", Json::array()},
             {"drug", Json::array()},
             {"concentration_ng_per_ml", Json::array()}};
  for (const PrescriptionStep& p : s.prescriptions) {
    rx["t_ms"].push_back(p.t_ms);
    rx["max_daily_dose_ng_per_day"].push_back(p.max_daily_dose.count());
    rx["mode"].push_back(p.mode);
    rx["drug"].push_back(p.drug);
    rx["concentration_ng_per_ml"].push_back(p.concentration.count());
  }
  j["prescriptions"] = rx;
  Json boluses = Json::array();
  for (const BolusMarker& b : s.boluses) {
    boluses.push_back({{"t_ms", b.t_ms},
                       {"granted", b.granted},
                       {"volume_nl", b.volume.count()},
                       {"dose_ng", b.dose_ng ? Json(*b.dose_ng) : Json(nullptr)},
                       {"text", b.text}});
  }
  j["boluses"] = boluses;
  Json alarms = Json::array();
  for (const EventMarker& a : s.alarms) {
    alarms.push_back({{"t_ms", a.t_ms}, {"code", a.name}, {"text", a.text}});
  }
  j["alarms"] = alarms;
  Json sessions = Json::array();
  for (const SessionRecord& se : s.sessions) {
    sessions.push_back(
        {{"id", se.id}, {"started_at_ms", se.started_at_ms}, {"summary", se.summary}});
  }
  j["sessions"] = sessions;
  return j;
}

Json audit_json(const AuditEntry& a) {
  return {{"at_ms", a.at_ms},   {"user", a.user_name},  {"action", a.action},
          {"target", a.target}, {"outcome", a.outcome}, {"detail", a.detail}};
}

}  // namespace itdd::web
