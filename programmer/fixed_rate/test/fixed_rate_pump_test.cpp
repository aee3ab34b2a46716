// The fixed-rate pump's use cases against a real clinic database (SQLite in a temporary file;
// the SQL itself is tested on both engines in programmer/clinic_db) and the real data files.
#include "itdd/programmer/fixed_rate_pump.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace itdd::programmer {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kMg = 1'000'000;
// 2026-03-02 09:00 UTC (10:00 in Paris).
constexpr std::int64_t kFilled = 1'772'442'000'000;

const DrugLibrary& library() {
  static const DrugLibrary lib =
      DrugLibrary::load(std::string(ITDD_SOURCE_DIR) + "/data/drug-library.json").value();
  return lib;
}
const host::PumpCatalog& catalog() {
  static const host::PumpCatalog c =
      host::PumpCatalog::load(std::string(ITDD_SOURCE_DIR) + "/data/pump-models.json").value();
  return c;
}

class FixedRatePumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("itdd_fixed_rate_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    auto db = open_clinic_db("sqlite:" + (dir_ / "clinic.db").string(), OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.error().text();
    db_ = std::move(db.value());
    ASSERT_TRUE(db_->migrate().ok());
    ASSERT_TRUE(db_->set_time_zone("Europe/Paris").ok());
    PatientRecord p{0, "MRN-G", "G. Patient", kFilled - 40 * 365 * kDay, Indication::kPain};
    patient_ = db_->add_patient(p).value();
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  PumpRecord pump(const std::string& serial) const {
    PumpRecord p;
    p.patient_id = patient_;
    p.serial = serial;
    p.implant_date_ms = kFilled - kDay;
    p.catheter_length_mm = 450;
    p.catheter_volume = microlitres(170);
    return p;
  }
  static FixedRateFill fill(std::int64_t at, std::int64_t concentration_ng_per_ml,
                            std::int64_t ml = 30) {
    return FixedRateFill{"Dr Lee",        "morphine", Concentration(concentration_ng_per_ml),
                         millilitres(ml), Volume(0),  at};
  }

  fs::path dir_;
  std::unique_ptr<ClinicDb> db_;
  std::int64_t patient_ = 0;
};

TEST_F(FixedRatePumpTest, RecordedWithTheModelsFiguresAndItsNextRefillFromTheFastestFlow) {
  const host::Checked<FixedRateFilled> added = add_fixed_rate_pump(
      *db_, library(), *catalog().find_gas("gas-fixed-30"), pump("GAS-1"), fill(kFilled, 2 * kMg));
  ASSERT_TRUE(added.ok()) << added.error().text();
  EXPECT_EQ(added->daily_dose, DoseRate(2 * kMg));
  EXPECT_EQ(added->daily_dose_at_worst, DoseRate(2'300'000));
  // 27 mL above the residual volume and the margin at 1.15 mL/day, less the 5-day margin.
  const host::TimeZone paris = host::find_time_zone("Europe/Paris").value();
  EXPECT_EQ(paris.minute_at(added->record.next_refill_ms), "2026-03-20 21:28");
  EXPECT_EQ(paris.date_at(added->record.empty_at_worst_ms), "2026-03-27");
  const PumpRecord stored = db_->find_pump_by_serial("GAS-1").value();
  EXPECT_EQ(stored.reservoir_capacity, millilitres(30));
  EXPECT_EQ(stored.model, "gas-fixed-30");
  const auto figures = db_->fixed_rate_pump(stored.id).value();
  ASSERT_TRUE(figures.has_value());
  EXPECT_EQ(figures->nominal_flow, FlowRate(1'000'000));
  EXPECT_EQ(figures->flow_tolerance_permille, 150);

  // A refill with a new concentration: 3 mg/mL gives 3 mg/day; what 18 days at 1 mL/day left.
  const host::Checked<FixedRateFilled> refilled =
      refill_fixed_rate_pump(*db_, library(), "GAS-1",
                             FixedRateFill{"Dr Lee", "morphine", Concentration(3 * kMg),
                                           millilitres(30), millilitres(11), kFilled + 18 * kDay});
  ASSERT_TRUE(refilled.ok()) << refilled.error().text();
  EXPECT_EQ(refilled->daily_dose, DoseRate(3 * kMg));
  ASSERT_TRUE(refilled->expected_left.has_value());
  EXPECT_EQ(*refilled->expected_left, millilitres(12));
  EXPECT_EQ(db_->fixed_rate_refills(stored.id)->size(), 2U);

  // How it stands 5 days later: 30 mL less 5 days at 1.15 mL/day.
  const ClinicSnapshot snap = db_->clinic_snapshot().value();
  ASSERT_EQ(snap.fixed_rate_pumps.size(), 1U);
  const FixedRateStatus s = fixed_rate_status(snap.fixed_rate_pumps[0], kFilled + 23 * kDay);
  EXPECT_EQ(s.daily_dose, DoseRate(3 * kMg));
  EXPECT_EQ(s.left_at_worst, Volume(30'000'000 - 5'750'000));
}

TEST_F(FixedRatePumpTest, AConcentrationOutsideTheLibraryIsRefusedAndNothingRecorded) {
  const host::GasPumpSpec& model = *catalog().find_gas("gas-fixed-30");
  // 30 mg/mL: above the highest listed (25 mg/mL), and its 30 mg/day above the hard maximum.
  const host::Checked<FixedRateFilled> high =
      add_fixed_rate_pump(*db_, library(), model, pump("GAS-2"), fill(kFilled, 30 * kMg));
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.error().field, "concentration");
  EXPECT_NE(high.error().message.find("30 mg/mL at 1 mL/day: 30 mg/day is above the hard maximum "
                                      "for Morphine (preservative-free, Infumorph), 20 mg/day"),
            std::string::npos)
      << high.error().message;
  FixedRateFill unknown = fill(kFilled, kMg);
  unknown.drug = "aspirin";
  EXPECT_EQ(add_fixed_rate_pump(*db_, library(), model, pump("GAS-2"), unknown).error().field,
            "drug");
  EXPECT_TRUE(db_->list_pumps()->empty());
}

TEST_F(FixedRatePumpTest, ProgrammableOnlyCommandsAreRefusedNamingTheKindAndWhatToDo) {
  ASSERT_TRUE(add_fixed_rate_pump(*db_, library(), *catalog().find_gas("gas-fixed-20"),
                                  pump("GAS-3"), fill(kFilled, 2 * kMg, 20))
                  .ok());
  const PumpRecord gas = db_->find_pump_by_serial("GAS-3").value();
  const host::Checked<void> r = require_programmable(*db_, gas, "itdd programmer program");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "pump");
  EXPECT_EQ(r.error().message,
            "pump GAS-3 (gas-fixed-20) is a fixed-rate gas-driven pump, not programmable: it has "
            "no electronics, so `itdd programmer program` has nothing to talk to; to change its "
            "dose, find the concentration for the dose wanted (`itdd dose fixed-rate --pump GAS-3 "
            "--drug DRUG --dose DOSE`) and put it in at a refill (`itdd clinic pump refill --pump "
            "GAS-3 ...`)");
  // A programmable pump passes, and a programmable pump's refill is not this kind's.
  PumpRecord programmable = pump("SN-1");
  programmable.model = "peristaltic-20";
  programmable.reservoir_capacity = millilitres(20);
  const host::PumpModelSpec& p20 = *catalog().find("peristaltic-20");
  programmable.id =
      db_->add_pump(programmable,
                    CatheterRange{p20.min_catheter_length_mm, p20.max_catheter_length_mm,
                                  p20.min_catheter_volume, p20.max_catheter_volume})
          .value();
  EXPECT_TRUE(require_programmable(*db_, programmable, "itdd programmer program").ok());
  const host::Checked<FixedRateFilled> wrong =
      refill_fixed_rate_pump(*db_, library(), "SN-1", fill(kFilled, kMg));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().field, "pump");
  // A model: no implant to serve.
  const host::Checked<void> serve =
      require_programmable_model(catalog(), "gas-fixed-30", "itdd implant serve");
  ASSERT_FALSE(serve.ok());
  EXPECT_EQ(serve.error().field, "pump_model");
  EXPECT_NE(serve.error().message.find("gas-fixed-30 is a fixed-rate gas-driven pump"),
            std::string::npos);
  EXPECT_TRUE(require_programmable_model(catalog(), "peristaltic-20", "itdd implant serve").ok());
}

TEST_F(FixedRatePumpTest, TheDoseCalculatorForAPumpOrAModel) {
  ASSERT_TRUE(add_fixed_rate_pump(*db_, library(), *catalog().find_gas("gas-fixed-20"),
                                  pump("GAS-4"), fill(kFilled, 2 * kMg, 20))
                  .ok());
  // gas-fixed-20 runs 0.5 mL/day: 3 mg/day needs 6 mg/mL.
  const host::Checked<FixedRateDoseAnswer> a =
      fixed_rate_dose(db_.get(), &catalog(), library(),
                      FixedRateDoseQuestion{"GAS-4", "", "morphine", DoseRate(3 * kMg)});
  ASSERT_TRUE(a.ok()) << a.error().text();
  EXPECT_EQ(a->pump_label, "pump GAS-4 (gas-fixed-20)");
  EXPECT_EQ(a->result.concentration, Concentration(6 * kMg));
  const host::Checked<FixedRateDoseAnswer> m =
      fixed_rate_dose(nullptr, &catalog(), library(),
                      FixedRateDoseQuestion{"", "gas-fixed-30", "baclofen", DoseRate(250'000)});
  ASSERT_TRUE(m.ok()) << m.error().text();
  EXPECT_EQ(m->result.concentration, Concentration(250'000));
  EXPECT_EQ(fixed_rate_dose(nullptr, &catalog(), library(),
                            FixedRateDoseQuestion{"", "peristaltic-20", "baclofen", DoseRate(1)})
                .error()
                .field,
            "pump_model");
}

}  // namespace
}  // namespace itdd::programmer
