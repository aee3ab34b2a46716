// The bundle, resource by resource (docs/fhir.md is the mapping). Each builder takes records and
// gives resources; the ids come from what each resource is, never from the time of the export.
#include "itdd/programmer/fhir_export.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "fhir_records.h"
#include "fhir_values.h"
#include "itdd/programmer/clinic_overview.h"
#include "itdd/programmer/patient_view.h"

namespace itdd::programmer {
namespace {

using namespace fhir;

// A JSON array of one element (a braced single value would be the value itself).
FhirJson one(FhirJson value) {
  FhirJson a = FhirJson::array();
  a.push_back(std::move(value));
  return a;
}

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::uint32_t kBatteryAssessed = 0x0208;
constexpr std::uint32_t kBatteryEri = 0x0209;
constexpr std::uint32_t kBatteryEos = 0x020A;
constexpr std::array<const char*, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

class Builder {
 public:
  Builder(const PatientRecord& patient, const DrugLibrary& library,
          const FhirExportOptions& options)
      : patient_(patient), library_(library), options_(options) {}

  // The full URL of a resource: a UUID of the patient's MRN, its kind and what names it.
  std::string url(std::string_view kind, std::string_view key) const {
    return fhir_uuid(fmt::format("itdd-fhir-r4/{}/{}/{}", patient_.mrn, kind, key));
  }

  void add(const std::string& full_url, FhirJson resource) {
    // "urn:uuid:" is 9 characters; the id is the UUID itself.
    FhirJson r{{"resourceType", resource["resourceType"]}, {"id", full_url.substr(9)}};
    for (auto& [k, v] : resource.items()) {
      if (k != "resourceType") r[k] = v;
    }
    entries_.push_back({{"fullUrl", full_url}, {"resource", std::move(r)}});
  }

  DoseUnit unit_of(const std::string& drug) const {
    const DrugSpec* spec = library_.find(drug);
    return spec != nullptr ? spec->unit : DoseUnit::kMilligram;
  }
  std::string drug_display(const std::string& drug) const {
    const DrugSpec* spec = library_.find(drug);
    return spec != nullptr ? spec->display_name : drug;
  }

  std::string patient_url() const { return url("Patient", ""); }

  void patient() {
    FhirJson p{{"resourceType", "Patient"}};
    p["identifier"] = one({{"use", "usual"},
                           {"type",
                            {{"coding", one(coding("http://terminology.hl7.org/CodeSystem/v2-0203",
                                                   "MR", "Medical record number"))}}},
                           {"system", options_.mrn_system},
                           {"value", patient_.mrn}});
    p["name"] = one({{"text", patient_.name}});
    p["birthDate"] = date(patient_.birth_date_ms);
    add(patient_url(), std::move(p));
  }

  // The drug and its concentration: one Medication for each pair used.
  std::string medication(const std::string& drug, Concentration c) {
    const std::string u = url("Medication", fmt::format("{}@{}", drug, c.count()));
    if (medications_.count(u) != 0) return u;
    const DoseUnit unit = unit_of(drug);
    FhirJson m{{"resourceType", "Medication"}};
    m["code"] = text_concept(fmt::format("{} {} {}/mL", drug_display(drug),
                                         host::decimal_json(c.count(), nanograms_per(unit)).dump(),
                                         ucum_amount(unit)));
    m["ingredient"] = one({{"itemCodeableConcept", text_concept(drug)},
                           {"isActive", true},
                           {"strength", concentration_ratio(c, unit)}});
    medications_[u] = std::move(m);
    return u;
  }

  void pump(const PumpData& d) {
    const PumpRecord& p = d.pump;
    const std::string status = p.active ? "active" : "inactive";
    const std::string pump_url = url("Device", p.serial);
    const std::string catheter_url = url("Device/catheter", p.serial);
    const std::string implant_url = url("Procedure/implant", p.serial);
    FhirJson dev{{"resourceType", "Device"}};
    dev["identifier"] = one({{"system", "urn:itdd:pump:serial"}, {"value", p.serial}});
    dev["status"] = status;
    dev["manufacturer"] = kManufacturer;
    dev["serialNumber"] = p.serial;
    dev["deviceName"] = one({{"name", p.model}, {"type", "model-name"}});
    dev["modelNumber"] = p.model;
    dev["type"] = text_concept("Implantable programmable intrathecal drug infusion pump");
    dev["property"] = one({{"type", text_concept("Reservoir capacity")},
                           {"valueQuantity", one(millilitres(p.reservoir_capacity.count()))}});
    dev["patient"] = reference(patient_url());
    add(pump_url, std::move(dev));

    FhirJson cat{{"resourceType", "Device"}};
    cat["status"] = status;
    cat["type"] = text_concept("Intrathecal catheter");
    cat["property"] = {{{"type", text_concept("Catheter length as implanted")},
                        {"valueQuantity", one(quantity(p.catheter_length_mm, 10, "cm"))}},
                       {{"type", text_concept("Catheter volume as implanted")},
                        {"valueQuantity", one(millilitres(p.catheter_volume.count()))}}};
    cat["patient"] = reference(patient_url());
    cat["parent"] = reference(pump_url, fmt::format("pump {}", p.serial));
    add(catheter_url, std::move(cat));

    FhirJson implant{{"resourceType", "Procedure"}};
    implant["status"] = "completed";
    implant["code"] =
        text_concept("Implantation of an intrathecal drug delivery pump and catheter");
    implant["subject"] = reference(patient_url());
    implant["performedDateTime"] = date(p.implant_date_ms);
    implant["focalDevice"] = {{{"manipulated", reference(pump_url)}},
                              {{"manipulated", reference(catheter_url)}}};
    add(implant_url, std::move(implant));

    // The pump where it is (the database does not record the pocket's site) and the catheter's
    // tip in the intrathecal space.
    for (const bool is_catheter : {false, true}) {
      FhirJson use{{"resourceType", "DeviceUseStatement"}};
      use["status"] = p.active ? "active" : "completed";
      use["subject"] = reference(patient_url());
      use["derivedFrom"] = one(reference(implant_url));
      use["timingPeriod"] = {{"start", date(p.implant_date_ms)}};
      use["device"] = reference(is_catheter ? catheter_url : pump_url);
      use["reasonCode"] = one(text_concept(indication_name(patient_.indication)));
      if (is_catheter) {
        use["bodySite"] = {{"coding", one(coding(kSnomed, "35951006",
                                                 "Subarachnoid space structure (body structure)"))},
                           {"text", "intrathecal space (catheter tip)"}};
      }
      use["note"] = one({{"text", is_catheter ? "implanted intrathecal catheter"
                                              : "implanted pump (pocket site not recorded)"}});
      add(url(is_catheter ? "DeviceUseStatement/catheter" : "DeviceUseStatement", p.serial),
          std::move(use));
    }
  }

  // The dosage of one prescription: its steps (or continuous dose) and patient bolus from the
  // exact program kept with the record; without one (recorded before itdd kept it), the most a
  // day alone.
  FhirJson dosages(const PrescriptionRecord& rx, DoseUnit unit) const {
    FhirJson out = FhirJson::array();
    const auto base = [&](int sequence, std::string text) {
      FhirJson d{{"sequence", sequence}, {"text", std::move(text)}};
      d["route"] = intrathecal_route();
      d["maxDosePerPeriod"] = {{"numerator", amount(rx.max_daily_dose.count(), unit)},
                               {"denominator", quantity(1, 1, "d")}};
      return d;
    };
    const auto rates = [&](std::int64_t ng_per_day) {
      return FhirJson{
          {{"type",
            {{"coding", one(coding("http://terminology.hl7.org/CodeSystem/dose-rate-type",
                                   "ordered", "Ordered"))}}},
           {"rateQuantity", dose_per_day(ng_per_day, unit)}},
          {{"type",
            {{"coding", one(coding("http://terminology.hl7.org/CodeSystem/dose-rate-type",
                                   "calculated", "Calculated"))}}},
           {"rateQuantity", millilitres_per_day(flow_nl_per_day(ng_per_day, rx.concentration))}}};
    };
    const auto dose_text = [&](std::int64_t ng_per_day) {
      return fmt::format("{} {}/day ({} mL/day)",
                         host::decimal_json(ng_per_day, nanograms_per(unit)).dump(),
                         ucum_amount(unit),
                         host::decimal_json(flow_nl_per_day(ng_per_day, rx.concentration),
                                            kNanolitresPerMillilitre)
                             .dump());
    };
    const FhirJson record = FhirJson::parse(rx.prescription_json, nullptr, false);
    const FhirJson program = record.is_object() ? record.value("program", FhirJson()) : FhirJson();
    if (!program.is_object() || !program.contains("mode")) {
      out.push_back(base(1,
                         "the steps of this prescription were not recorded; the most it "
                         "delivers in a day is given"));
      return out;
    }
    const std::string mode = program.value("mode", "");
    if (mode == "continuous") {
      const std::int64_t ng = program.value("continuous_ng_per_day", std::int64_t{0});
      FhirJson d = base(1, "continuous, " + dose_text(ng));
      d["doseAndRate"] = rates(ng);
      out.push_back(std::move(d));
    } else if (mode == "flex") {
      const FhirJson flex = program.value("flex", FhirJson::object());
      const bool per_weekday = flex.value("per_weekday", false);
      const FhirJson days = flex.value("days", FhirJson::array());
      int sequence = 1;
      for (std::size_t day = 0; day < days.size() && day < 7; ++day) {
        const FhirJson& steps = days[day];
        for (std::size_t i = 0; steps.is_array() && i < steps.size(); ++i) {
          const std::int64_t start = steps[i].value("start_minute", std::int64_t{0});
          const std::int64_t end = i + 1 < steps.size()
                                       ? steps[i + 1].value("start_minute", std::int64_t{0})
                                       : std::int64_t{24 * 60};
          const std::int64_t ng = steps[i].value("ng_per_day", std::int64_t{0});
          FhirJson repeat{
              {"frequency", 1},
              {"period", 1},
              {"periodUnit", "d"},
              {"duration", end - start},
              {"durationUnit", "min"},
              {"timeOfDay", one(fmt::format("{:02}:{:02}:00", start / 60, start % 60))}};
          if (per_weekday) repeat["dayOfWeek"] = one(kWeekdays[day]);
          FhirJson d = base(sequence++,
                            fmt::format("{}{:02}:{:02}-{:02}:{:02} at {}",
                                        per_weekday ? std::string(kWeekdays[day]) + " "
                                                    : std::string("every day "),
                                        start / 60, start % 60, end / 60, end % 60, dose_text(ng)));
          d["timing"] = {{"repeat", std::move(repeat)}};
          d["doseAndRate"] = rates(ng);
          out.push_back(std::move(d));
        }
      }
    } else {
      out.push_back(base(1, "stopped: no basal delivery"));
    }
    const FhirJson bolus = program.value("patient_bolus", FhirJson());
    if (bolus.is_object()) {
      const std::int64_t dose = bolus.value("dose_ng", std::int64_t{0});
      const std::int64_t most = bolus.value("max_per_24h", std::int64_t{0});
      const std::int64_t minutes = bolus.value("duration_ms", std::int64_t{0}) / 60'000;
      const std::int64_t lockout = bolus.value("lockout_ms", std::int64_t{0}) / 60'000;
      FhirJson d{{"sequence", static_cast<int>(out.size()) + 1},
                 {"text", fmt::format("patient bolus on demand: {} {} over {} min, at most {} in "
                                      "24 h, {} min apart at least",
                                      host::decimal_json(dose, nanograms_per(unit)).dump(),
                                      ucum_amount(unit), minutes, most, lockout)}};
      d["asNeededBoolean"] = true;
      d["timing"] = {{"repeat", {{"duration", minutes}, {"durationUnit", "min"}}}};
      d["route"] = intrathecal_route();
      d["doseAndRate"] = one({{"doseQuantity", amount(dose, unit)}});
      d["maxDosePerPeriod"] = {{"numerator", amount(dose * most, unit)},
                               {"denominator", quantity(1, 1, "d")}};
      out.push_back(std::move(d));
    }
    return out;
  }

  void prescriptions(const PumpData& d) {
    std::string prior;
    for (std::size_t i = 0; i < d.prescriptions.size(); ++i) {
      const PrescriptionRecord& rx = d.prescriptions[i];
      const DoseUnit unit = unit_of(rx.drug);
      const bool latest = i + 1 == d.prescriptions.size();
      FhirJson r{{"resourceType", "MedicationRequest"}};
      r["identifier"] = one(
          {{"system", "urn:itdd:implant:prescription-token"}, {"value", std::to_string(rx.token)}});
      r["status"] = latest && d.pump.active && rx.mode != "stopped" ? "active" : "stopped";
      r["intent"] = "order";
      r["medicationReference"] = reference(medication(rx.drug, rx.concentration));
      r["subject"] = reference(patient_url());
      r["authoredOn"] = instant(rx.at_ms);
      for (const SessionReport& s : d.sessions) {
        if (s.session.id == rx.session_id) r["requester"] = display_only(s.session.operator_name);
      }
      if (!prior.empty()) r["priorPrescription"] = reference(prior);
      r["dosageInstruction"] = dosages(rx, unit);
      r["note"] = one({{"text", fmt::format("mode {}, pump {}", rx.mode, d.pump.serial)}});
      prior = url("MedicationRequest", std::to_string(rx.id));
      add(prior, std::move(r));
    }
  }

  // The prescription in force at `t_ms`, if any.
  std::optional<std::string> request_at(const PumpData& d, std::int64_t t_ms) const {
    std::optional<std::string> found;
    for (const PrescriptionRecord& rx : d.prescriptions) {
      if (rx.at_ms <= t_ms) found = url("MedicationRequest", std::to_string(rx.id));
    }
    return found;
  }

  void refills(const PumpData& d) {
    const std::string pump_url = url("Device", d.pump.serial);
    for (const RefillRecord& r : d.refills) {
      const DoseUnit unit = unit_of(r.drug);
      const std::string key = std::to_string(r.id);
      const std::string procedure_url = url("Procedure/refill", key);
      FhirJson p{{"resourceType", "Procedure"}};
      p["status"] = "completed";
      p["code"] = text_concept("Refill of an implanted drug pump's reservoir");
      p["subject"] = reference(patient_url());
      p["performedDateTime"] = instant(r.at_ms);
      p["focalDevice"] = one({{"manipulated", reference(pump_url)}});
      p["usedReference"] = one(reference(medication(r.drug, r.concentration)));
      p["note"] =
          one({{"text",
                fmt::format("filled {} mL of {} at {} {}/mL; next refill by {} ({})",
                            host::decimal_json(r.volume.count(), kNanolitresPerMillilitre).dump(),
                            r.drug,
                            host::decimal_json(r.concentration.count(), nanograms_per(unit)).dump(),
                            ucum_amount(unit), date(r.next_refill_ms), r.next_refill_rule)}});
      add(procedure_url, std::move(p));

      FhirJson o{{"resourceType", "Observation"}};
      o["status"] = "final";
      o["code"] = text_concept("Implanted pump reservoir volume after refill");
      o["subject"] = reference(patient_url());
      o["partOf"] = one(reference(procedure_url));
      o["effectiveDateTime"] = instant(r.at_ms);
      o["device"] = reference(pump_url);
      o["valueQuantity"] = millilitres(r.volume.count());
      o["component"] = {{{"code", text_concept("Volume withdrawn at refill")},
                         {"valueQuantity", millilitres(r.withdrawn.count())}},
                        {{"code", text_concept("Volume the implant expected before refill")},
                         {"valueQuantity", millilitres(r.expected.count())}},
                        {{"code", text_concept("Withdrawn less expected")},
                         {"valueQuantity", millilitres(r.difference.count())}},
                        {{"code", text_concept("Refill check finding")},
                         {"valueString", refill_finding_name(r.finding)}}};
      add(url("Observation/reservoir", key), std::move(o));
    }
  }

  // Primes and clinician boluses, from each session's changes.
  void session_procedures(const PumpData& d) {
    const std::string pump_url = url("Device", d.pump.serial);
    for (const SessionReport& s : d.sessions) {
      for (const ChangeRecord& c : s.changes) {
        if (c.kind != ChangeKind::kPrime && c.kind != ChangeKind::kBolus) continue;
        const bool prime = c.kind == ChangeKind::kPrime;
        FhirJson p{{"resourceType", "Procedure"}};
        p["status"] = "completed";
        p["code"] = text_concept(prime ? "Priming of an implanted drug pump's catheter"
                                       : "Clinician bolus through an implanted drug pump");
        p["subject"] = reference(patient_url());
        p["performedDateTime"] = instant(c.at_ms);
        p["performer"] = one({{"actor", display_only(s.session.operator_name)}});
        p["focalDevice"] = one({{"manipulated", reference(pump_url)}});
        p["note"] = one({{"text", c.what}});
        add(url(prime ? "Procedure/prime" : "Procedure/bolus", std::to_string(c.id)), std::move(p));
      }
    }
  }

  void battery(const PumpData& d, const std::function<std::int64_t(std::int64_t)>& instant_of) {
    const std::string pump_url = url("Device", d.pump.serial);
    for (const EventLogRecord& e : d.events) {
      if (e.code != kBatteryAssessed && e.code != kBatteryEri && e.code != kBatteryEos) continue;
      FhirJson o{{"resourceType", "Observation"}};
      o["status"] = "final";
      o["code"] = text_concept("Implanted pump battery state");
      o["subject"] = reference(patient_url());
      o["effectiveDateTime"] = instant(instant_of(e.at_implant_ms));
      o["device"] = reference(pump_url);
      FhirJson components = FhirJson::array();
      const auto component = [&](const char* what, FhirJson q) {
        components.push_back({{"code", text_concept(what)}, {"valueQuantity", std::move(q)}});
      };
      std::string state;
      if (e.code == kBatteryAssessed) {
        state = e.reason == 0   ? "ok"
                : e.reason == 1 ? "elective replacement indicated (ERI)"
                : e.reason == 2 ? "end of service (EOS)"
                                : "unknown";
        component("Battery remaining", quantity(e.a, 10, "%"));
        component("Projected longevity", quantity(e.b, 1, "h"));
      } else if (e.code == kBatteryEri) {
        state = "elective replacement indicated (ERI)";
        component("Projected longevity", quantity(e.a, 1, "h"));
        component("Loaded cell voltage", quantity(e.b, 1, "mV"));
      } else {
        state = "end of service (EOS): therapy stopped";
        component("Loaded cell voltage", quantity(e.a, 1, "mV"));
      }
      o["valueCodeableConcept"] = text_concept(state);
      o["component"] = std::move(components);
      add(url("Observation/battery", fmt::format("{}/{}", d.pump.serial, e.seq)), std::move(o));
    }
  }

  void administrations(const PumpData& d) {
    const std::string pump_url = url("Device", d.pump.serial);
    for (std::size_t i = 0; i < d.daily.size(); ++i) {
      const SeriesPoint& p = d.daily[i];
      // The next local day starts at the next point's time or, for the last, 24 h on (a day
      // of a clock change is 23 or 25 h long, but then the next day is in the data too).
      const std::int64_t end =
          i + 1 < d.daily.size() && d.daily[i + 1].t_ms - p.t_ms <= 25 * kHourMs
              ? d.daily[i + 1].t_ms
              : p.t_ms + kMillisPerDay;
      const RefillRecord* in_reservoir = nullptr;
      for (const RefillRecord& r : d.refills) {
        if (r.at_ms <= p.t_ms) in_reservoir = &r;
      }
      FhirJson a{{"resourceType", "MedicationAdministration"}};
      a["status"] = "completed";
      if (in_reservoir != nullptr) {
        a["medicationReference"] =
            reference(medication(in_reservoir->drug, in_reservoir->concentration));
      } else {
        a["medicationCodeableConcept"] =
            text_concept("the drug in the reservoir (no refill recorded before this day)");
      }
      a["subject"] = reference(patient_url());
      a["effectivePeriod"] = {{"start", instant(p.t_ms)}, {"end", instant(end)}};
      a["device"] = one(reference(pump_url));
      if (const auto rx = request_at(d, p.t_ms)) a["request"] = reference(*rx);
      FhirJson dosage{{"route", intrathecal_route()}};
      const std::string volume =
          host::decimal_json(p.volume_nl, kNanolitresPerMillilitre).dump() + " mL";
      if (p.dose_ng && in_reservoir != nullptr) {
        const DoseUnit unit = unit_of(in_reservoir->drug);
        dosage["text"] = fmt::format(
            "delivered {} {} in {} this day (the implant's hourly history)",
            host::decimal_json(*p.dose_ng, nanograms_per(unit)).dump(), ucum_amount(unit), volume);
        dosage["dose"] = amount(*p.dose_ng, unit);
      } else {
        dosage["text"] = fmt::format(
            "delivered {} this day (the implant's hourly history; the concentration is not "
            "known)",
            volume);
      }
      dosage["rateQuantity"] = millilitres_per_day(p.volume_nl);
      a["dosage"] = std::move(dosage);
      add(url("MedicationAdministration", fmt::format("{}/{}", d.pump.serial, p.t_ms)),
          std::move(a));
    }
  }

  // One audit event per programming session: who, on which programmer, when, and what it
  // changed (each change an entity; those exported as resources referenced).
  void audit(const PumpData& d) {
    const std::string pump_url = url("Device", d.pump.serial);
    for (const SessionReport& s : d.sessions) {
      FhirJson a{{"resourceType", "AuditEvent"}};
      a["type"] =
          coding("http://dicom.nema.org/resources/ontology/DCM", "110110", "Patient Record");
      a["action"] = s.changes.empty() ? "R" : "U";
      a["period"] = {{"start", instant(s.session.started_at_ms)}};
      if (s.session.ended_at_ms) a["period"]["end"] = instant(*s.session.ended_at_ms);
      a["recorded"] = instant(s.session.ended_at_ms.value_or(s.session.started_at_ms));
      a["outcome"] = "0";
      if (!s.session.summary.empty()) a["outcomeDesc"] = s.session.summary;
      a["agent"] = {{{"who", display_only(s.session.operator_name)},
                     {"name", s.session.operator_name},
                     {"requestor", true}},
                    {{"who", display_only(s.session.device)},
                     {"name", fmt::format("programmer {}", s.session.device)},
                     {"requestor", false}}};
      a["source"] = {{"site", "itdd clinic programmer"},
                     {"observer", display_only(s.session.device)}};
      FhirJson entities = FhirJson::array();
      entities.push_back({{"what", reference(patient_url())}});
      entities.push_back({{"what", reference(pump_url)}});
      for (const ChangeRecord& c : s.changes) {
        FhirJson e{{"name", change_kind_name(c.kind)}, {"description", c.what}};
        if (const auto made = resource_of(d, s, c)) e["what"] = reference(*made);
        entities.push_back(std::move(e));
      }
      a["entity"] = std::move(entities);
      add(url("AuditEvent", std::to_string(s.session.id)), std::move(a));
    }
  }

  FhirJson bundle() {
    FhirJson b{{"resourceType", "Bundle"}};
    b["id"] = url("Bundle", "").substr(9);
    b["identifier"] = {{"system", "urn:ietf:rfc:3986"}, {"value", url("Bundle", "")}};
    b["type"] = "collection";
    // The Medications after the resources that use them, in key order.
    std::vector<std::pair<std::string, FhirJson>> meds(medications_.begin(), medications_.end());
    for (auto& [u, m] : meds) add(u, std::move(m));
    b["entry"] = std::move(entries_);
    return b;
  }

  static constexpr const char* kManufacturer = "itdd open pump design (virtual implant)";

 private:
  // The resource a session's change became, where the export has one.
  std::optional<std::string> resource_of(const PumpData& d, const SessionReport& s,
                                         const ChangeRecord& c) const {
    if (c.kind == ChangeKind::kPrime) return url("Procedure/prime", std::to_string(c.id));
    if (c.kind == ChangeKind::kBolus) return url("Procedure/bolus", std::to_string(c.id));
    if (c.kind == ChangeKind::kProgram) {
      for (const PrescriptionRecord& rx : d.prescriptions) {
        if (rx.session_id == s.session.id && rx.at_ms == c.at_ms) {
          return url("MedicationRequest", std::to_string(rx.id));
        }
      }
    }
    if (c.kind == ChangeKind::kRefill) {
      for (const RefillRecord& r : d.refills) {
        if (r.session_id == s.session.id && r.at_ms == c.at_ms) {
          return url("Procedure/refill", std::to_string(r.id));
        }
      }
    }
    return std::nullopt;
  }

  const PatientRecord& patient_;
  const DrugLibrary& library_;
  const FhirExportOptions& options_;
  FhirJson entries_ = FhirJson::array();
  std::map<std::string, FhirJson> medications_;
};

}  // namespace

host::Checked<FhirJson> fhir_patient_bundle(ClinicDb& db, std::string_view mrn,
                                            const DrugLibrary& library,
                                            const FhirExportOptions& options) {
  const host::Checked<PatientRecord> patient = db.find_patient_by_mrn(mrn);
  if (!patient.ok()) {
    if (patient.error().kind == host::RefusalKind::kNotFound) {
      return host::Refusal{"mrn",
                           fmt::format("no patient with MRN '{}' in the clinic database (`itdd "
                                       "clinic patient list` lists them)",
                                       std::string(mrn).substr(0, 80)),
                           host::RefusalKind::kNotFound};
    }
    return patient.error();
  }
  const host::Checked<host::TimeZone> zone = db.time_zone();
  if (!zone.ok()) return zone.error();
  const host::Checked<std::vector<PumpRecord>> pumps = db.pumps_of(patient->id);
  if (!pumps.ok()) return pumps.error();
  std::vector<PumpRecord> by_serial = *pumps;
  std::sort(by_serial.begin(), by_serial.end(),
            [](const PumpRecord& a, const PumpRecord& b) { return a.serial < b.serial; });

  Builder b(*patient, library, options);
  b.patient();
  for (const PumpRecord& pump : by_serial) {
    std::function<std::int64_t(std::int64_t)> instant_of;
    const host::Checked<fhir::PumpData> d = fhir::read_pump(db, pump, *zone, instant_of);
    if (!d.ok()) return d.error();
    b.pump(*d);
    b.prescriptions(*d);
    b.refills(*d);
    b.session_procedures(*d);
    b.battery(*d, instant_of);
    b.administrations(*d);
    b.audit(*d);
  }
  FhirJson bundle = b.bundle();
  // Every reference must resolve inside the bundle: a bundle that breaks that is this code's
  // mistake, refused rather than handed on.
  if (const std::vector<std::string> broken = fhir_unresolved_references(bundle); !broken.empty()) {
    return host::Refusal{"", "internal error, the FHIR bundle is inconsistent: " + broken.front(),
                         host::RefusalKind::kUnavailable};
  }
  return bundle;
}

}  // namespace itdd::programmer
