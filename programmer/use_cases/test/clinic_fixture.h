// A SQLite clinic database in a temporary folder with one patient and one pump, for the use
// cases' tests: what a use case recorded, read back.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/use_cases/session.h"

namespace itdd::programmer::use_case_test {

inline constexpr std::int64_t kNow = 1'800'000'000'000;  // the host's clock, fixed

// A clinic database with one patient and this implant's pump, removed after the test.
struct Clinic {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("itdd_use_cases_" + std::to_string(std::random_device{}() % 1'000'000));
  std::unique_ptr<ClinicDb> db;
  ClinicRecorder recorder;

  Clinic() {
    std::filesystem::create_directories(dir);
    auto opened = open_clinic_db("sqlite:" + (dir / "clinic.db").string(), OpenMode::kCreate);
    EXPECT_TRUE(opened.ok());
    db = std::move(opened.value());
    EXPECT_TRUE(db->migrate().ok());
    PatientRecord patient;
    patient.mrn = "M-1";
    patient.name = "Ada Example";
    patient.birth_date_ms = kNow - 40 * 365 * kMillisPerDay;
    patient.indication = Indication::kPain;
    const auto patient_id = db->add_patient(patient);
    EXPECT_TRUE(patient_id.ok());
    PumpRecord pump;
    pump.patient_id = patient_id.value();
    pump.model = "peristaltic-20";
    pump.serial = "SN-1";
    pump.implant_date_ms = kNow - 100 * kMillisPerDay;
    pump.catheter_length_mm = 450;
    pump.catheter_volume = microlitres(170);
    pump.reservoir_capacity = millilitres(20);
    const auto pump_id =
        db->add_pump(pump, CatheterRange{100, 1100, Volume(26'000), Volume(286'000)});
    EXPECT_TRUE(pump_id.ok()) << pump_id.error().text();
    pump.id = pump_id.value();
    recorder = ClinicRecorder{db.get(), pump, "Dr A"};
  }
  ~Clinic() {
    db.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::vector<ChangeRecord> changes(const Recorded& r) {
    EXPECT_TRUE(r.session_id.has_value()) << r.error;
    if (!r.session_id) return {};
    const auto report = db->session_report(*r.session_id);
    EXPECT_TRUE(report.ok());
    EXPECT_EQ(report->session.operator_name, "Dr A");
    return report->changes;
  }
};

}  // namespace itdd::programmer::use_case_test
