#include "itdd/programmer/fhir_export.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "../../../firmware/therapy/test/test_prescriptions.h"
#include "itdd/programmer/program_review.h"
#include "temp_clinic.h"

namespace itdd::programmer {
namespace {

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kHour = 3'600'000;
// 2026-06-01 00:00 UTC.
constexpr std::int64_t kStart = 1'780'272'000'000;

std::vector<FhirJson> of_type(const FhirJson& bundle, const std::string& type) {
  std::vector<FhirJson> out;
  for (const FhirJson& e : bundle["entry"]) {
    if (e["resource"]["resourceType"] == type) out.push_back(e["resource"]);
  }
  return out;
}

class FhirExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lib = DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json");
    ASSERT_TRUE(lib.ok()) << lib.error().text();
    library_ = std::move(lib).value();
    ClinicDb& db = clinic_.db();
    ASSERT_TRUE(db.set_time_zone("Europe/Paris").ok());
    const auto patient =
        db.add_patient({0, "MRN-7", "Zoë Ångström", -5 * 365 * kDay, Indication::kSpasticity});
    ASSERT_TRUE(patient.ok()) << patient.error().text();
    PumpRecord pump;
    pump.patient_id = *patient;
    pump.model = "peristaltic-20";
    pump.serial = "SN-7";
    pump.implant_date_ms = kStart - 10 * kDay;
    pump.catheter_length_mm = 455;
    pump.catheter_volume = Volume(170'000);
    pump.reservoir_capacity = Volume(20'000'000);
    const auto id = db.add_pump(pump, {100, 1100, Volume(26'000), Volume(286'000)});
    ASSERT_TRUE(id.ok()) << id.error().text();
    pump_ = *id;
    const auto s = db.begin_session({0, pump_, "Dr Ada", "programmer-1", kStart, {}, ""});
    ASSERT_TRUE(s.ok());
    RefillRecord r;
    r.pump_id = pump_;
    r.session_id = *s;
    r.at_ms = kStart;
    r.expected = Volume(2'000'000);
    r.withdrawn = Volume(1'950'000);
    r.drug = "baclofen";
    r.concentration = Concentration(500'000);  // 500 ug/mL
    r.volume = Volume(18'000'000);
    r.low_reservoir_alarm = Volume(2'000'000);
    r.next_refill_ms = kStart + 60 * kDay;
    r.next_refill_rule = "stability";
    ASSERT_TRUE(db.record_refill(r).ok());
    ASSERT_TRUE(
        db.add_change({0, *s, kStart + 60'000, ChangeKind::kPrime, "primed 0.16 mL", "{}"}).ok());
    // A flexible program: 100 ug/day, 150 ug/day from 08:00 to 20:00, patient boluses of 25 ug.
    therapy::Prescription rx;
    rx.mode = therapy::BasalMode::kFlexible;
    rx.drug.unit = DoseUnit::kMicrogram;
    rx.concentration = Concentration(500'000);
    rx.flex.days[0].step_count = 3;
    rx.flex.days[0].steps[0] = therapy::testing::flex_step(0, DoseRate(100'000));
    rx.flex.days[0].steps[1] = therapy::testing::flex_step(8 * 60, DoseRate(150'000));
    rx.flex.days[0].steps[2] = therapy::testing::flex_step(20 * 60, DoseRate(100'000));
    rx.patient_bolus.enabled = true;
    rx.patient_bolus.dose = DrugAmount(25'000);
    rx.patient_bolus.duration = Duration(10 * 60'000);
    rx.patient_bolus.max_per_24h = 4;
    rx.patient_bolus.lockout = Duration(3 * 60 * 60'000);
    const std::string program = nlohmann::json{
        {"review", nlohmann::json::array()},
        {"program",
         program_record_json(rx)}}.dump();
    ASSERT_TRUE(db.record_prescription({0, pump_, *s, kStart + 120'000, 42, "baclofen",
                                        Concentration(500'000), "flex", DoseRate(225'000), program})
                    .ok());
    ASSERT_TRUE(db.end_session(*s, kStart + 180'000, "refill, prime, program").ok());
    // Two days of delivery from the implant (its wall clock, local time, reads kStart's UTC
    // date and time at its hour 100), and a battery check.
    ASSERT_TRUE(db.set_implant_clock_offset(pump_, {kStart - 100 * kHour, kStart}).ok());
    std::vector<DeliveryHourRecord> hours;
    for (int h = 0; h < 48; ++h) hours.push_back({100 + h, Volume(10'000), 10});
    ASSERT_TRUE(db.store_delivery_hours(pump_, hours).ok());
    ASSERT_TRUE(db.store_event_log(pump_, {{1, 110 * kHour, 0x0208, 0, 973, 52'000}}).ok());
  }

  host::Checked<FhirJson> bundle() { return fhir_patient_bundle(clinic_.db(), "MRN-7", library_); }

  testing::TempClinic clinic_;
  DrugLibrary library_;
  std::int64_t pump_ = 0;
};

TEST_F(FhirExportTest, AnUnknownPatientIsRefusedNamingTheMrn) {
  const auto b = fhir_patient_bundle(clinic_.db(), "MRN-404", library_);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, host::RefusalKind::kNotFound);
  EXPECT_EQ(b.error().field, "mrn");
  EXPECT_NE(b.error().message.find("MRN-404"), std::string::npos);
  EXPECT_NE(b.error().message.find("clinic patient list"), std::string::npos);
}

TEST_F(FhirExportTest, TheSameDatabaseGivesTheSameBundleByteForByte) {
  const auto a = bundle();
  const auto b = bundle();
  ASSERT_TRUE(a.ok()) << a.error().text();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(fhir_bundle_text(*a), fhir_bundle_text(*b));
  EXPECT_EQ((*a)["type"], "collection");
  // Every fullUrl a version 8 UUID, the resource's id the same UUID.
  const std::regex uuid(
      "urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (const FhirJson& e : (*a)["entry"]) {
    const std::string url = e["fullUrl"];
    EXPECT_TRUE(std::regex_match(url, uuid)) << url;
    EXPECT_EQ("urn:uuid:" + e["resource"]["id"].get<std::string>(), url);
  }
}

TEST_F(FhirExportTest, EveryReferenceResolvesInsideTheBundle) {
  const auto b = bundle();
  ASSERT_TRUE(b.ok()) << b.error().text();
  EXPECT_EQ(fhir_unresolved_references(*b), std::vector<std::string>{});
  std::map<std::string, int> count;
  for (const FhirJson& e : (*b)["entry"]) count[e["resource"]["resourceType"]]++;
  EXPECT_EQ(count["Patient"], 1);
  EXPECT_EQ(count["Device"], 2);  // the pump and its catheter
  EXPECT_EQ(count["DeviceUseStatement"], 2);
  EXPECT_EQ(count["MedicationRequest"], 1);
  EXPECT_EQ(count["Medication"], 1);
  EXPECT_EQ(count["Procedure"], 3);    // implant, refill, prime
  EXPECT_EQ(count["Observation"], 2);  // reservoir at the refill, battery
  EXPECT_EQ(count["AuditEvent"], 1);
  // 48 hours from midnight on 1 June by the implant's clock (local time): two local days.
  EXPECT_EQ(count["MedicationAdministration"], 2);
}

TEST_F(FhirExportTest, PumpAndCatheterAreDevicesTheCatheterInTheIntrathecalSpace) {
  const auto b = bundle();
  ASSERT_TRUE(b.ok()) << b.error().text();
  const auto devices = of_type(*b, "Device");
  ASSERT_EQ(devices.size(), 2u);
  const FhirJson& pump = devices[0];
  EXPECT_EQ(pump["serialNumber"], "SN-7");
  EXPECT_EQ(pump["modelNumber"], "peristaltic-20");
  EXPECT_EQ(pump["status"], "active");
  EXPECT_TRUE(pump.contains("manufacturer"));
  const FhirJson& catheter = devices[1];
  EXPECT_EQ(catheter["parent"]["reference"], "urn:uuid:" + pump["id"].get<std::string>());
  EXPECT_EQ(catheter["property"][0]["valueQuantity"][0]["value"], 45.5);
  EXPECT_EQ(catheter["property"][0]["valueQuantity"][0]["code"], "cm");
  const auto uses = of_type(*b, "DeviceUseStatement");
  EXPECT_EQ(uses[1]["bodySite"]["coding"][0]["code"], "35951006");
  EXPECT_EQ(uses[1]["bodySite"]["coding"][0]["system"], "http://snomed.info/sct");
}

TEST_F(FhirExportTest, ThePrescriptionsStepsAreTimedWithDoseAndRateInUcum) {
  const auto b = bundle();
  ASSERT_TRUE(b.ok()) << b.error().text();
  const auto requests = of_type(*b, "MedicationRequest");
  ASSERT_EQ(requests.size(), 1u);
  const FhirJson& rx = requests[0];
  EXPECT_EQ(rx["status"], "active");
  EXPECT_EQ(rx["requester"]["display"], "Dr Ada");
  const FhirJson& dosage = rx["dosageInstruction"];
  ASSERT_EQ(dosage.size(), 4u);  // three steps and the patient bolus
  const FhirJson& day = dosage[1];
  EXPECT_EQ(day["timing"]["repeat"]["timeOfDay"][0], "08:00:00");
  EXPECT_EQ(day["timing"]["repeat"]["duration"], 720);
  EXPECT_EQ(day["route"]["coding"][0]["code"], "72607000");
  EXPECT_EQ(day["doseAndRate"][0]["rateQuantity"]["value"], 150);
  EXPECT_EQ(day["doseAndRate"][0]["rateQuantity"]["code"], "ug/d");
  // 150 ug/day at 500 ug/mL: 0.3 mL/day.
  EXPECT_EQ(day["doseAndRate"][1]["rateQuantity"]["value"], 0.3);
  EXPECT_EQ(day["doseAndRate"][1]["rateQuantity"]["code"], "mL/d");
  EXPECT_EQ(day["maxDosePerPeriod"]["numerator"]["value"], 225);
  const FhirJson& bolus = dosage[3];
  EXPECT_EQ(bolus["asNeededBoolean"], true);
  EXPECT_EQ(bolus["doseAndRate"][0]["doseQuantity"]["value"], 25);
  const auto meds = of_type(*b, "Medication");
  EXPECT_EQ(meds[0]["ingredient"][0]["strength"]["numerator"]["value"], 500);
  EXPECT_EQ(meds[0]["ingredient"][0]["strength"]["numerator"]["code"], "ug");
}

TEST_F(FhirExportTest, DeliveryPerDayReservoirBatteryAndTheSessionAreExported) {
  const auto b = bundle();
  ASSERT_TRUE(b.ok()) << b.error().text();
  const auto given = of_type(*b, "MedicationAdministration");
  ASSERT_EQ(given.size(), 2u);
  // 1 June, midnight to midnight in Paris (the implant's clock is local): 24 hours of 10 uL =
  // 0.24 mL. The refill was at 02:00 that day: what the first two hours delivered is not known,
  // so neither is the day's dose.
  EXPECT_EQ(given[0]["effectivePeriod"]["start"], "2026-05-31T22:00:00.000Z");
  EXPECT_EQ(given[0]["effectivePeriod"]["end"], "2026-06-01T22:00:00.000Z");
  EXPECT_EQ(given[0]["dosage"]["rateQuantity"]["value"], 0.24);
  EXPECT_FALSE(given[0]["dosage"].contains("dose"));
  EXPECT_TRUE(given[0].contains("medicationCodeableConcept"));
  // 2 June: 120 ug at 500 ug/mL, the drug the refill put in.
  EXPECT_EQ(given[1]["dosage"]["dose"]["value"], 120);
  EXPECT_EQ(given[1]["dosage"]["dose"]["code"], "ug");
  EXPECT_TRUE(given[1].contains("medicationReference"));
  const auto observations = of_type(*b, "Observation");
  ASSERT_EQ(observations.size(), 2u);
  EXPECT_EQ(observations[0]["valueQuantity"]["value"], 18);
  EXPECT_EQ(observations[0]["component"][0]["valueQuantity"]["value"], 1.95);
  EXPECT_EQ(observations[1]["component"][0]["valueQuantity"]["value"], 97.3);
  EXPECT_EQ(observations[1]["component"][0]["valueQuantity"]["code"], "%");
  const auto audits = of_type(*b, "AuditEvent");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0]["type"]["code"], "110110");
  EXPECT_EQ(audits[0]["agent"][0]["who"]["display"], "Dr Ada");
  EXPECT_EQ(audits[0]["action"], "U");
  // Patient, pump, and the refill, the prime and the program as their resources.
  ASSERT_EQ(audits[0]["entity"].size(), 5u);
  for (const FhirJson& e : audits[0]["entity"]) EXPECT_TRUE(e.contains("what")) << e.dump();
}

TEST(FhirReferences, ADanglingReferenceAndARepeatedFullUrlAreFound) {
  FhirJson b = FhirJson::parse(R"({"resourceType": "Bundle", "type": "collection", "entry": [
      {"fullUrl": "urn:uuid:a", "resource": {"resourceType": "Patient", "id": "a"}},
      {"fullUrl": "urn:uuid:b", "resource": {"resourceType": "Device", "id": "b",
                                             "patient": {"reference": "urn:uuid:a"}}}]})");
  EXPECT_TRUE(fhir_unresolved_references(b).empty());
  b["entry"][1]["resource"]["patient"]["reference"] = "urn:uuid:zz";
  b["entry"].push_back(b["entry"][0]);
  const std::vector<std::string> problems = fhir_unresolved_references(b);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("repeated"), std::string::npos);
  EXPECT_NE(problems[1].find("urn:uuid:zz does not resolve"), std::string::npos);
}

TEST(FhirUuid, IsStableAndDiffersByName) {
  EXPECT_EQ(fhir_uuid("a"), fhir_uuid("a"));
  EXPECT_NE(fhir_uuid("a"), fhir_uuid("b"));
}

}  // namespace
}  // namespace itdd::programmer
