// The fixed-rate gas-driven pump from the command line, end to end on a SQLite clinic database:
// recorded with its first fill, its dose calculated and changed by a refill's concentration, its
// next refill in the calendar and the pump list, and every programmable-only command refused
// for it, naming its kind and what to do instead (exit 2, nothing sent, nothing written).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "itdd_process.h"

namespace itdd::testing {
namespace {

namespace fs = std::filesystem;

class FixedRateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_test_dir("fixed_rate_cli");
    db_ = (dir_ / "clinic.db").string();
    ASSERT_EQ(clinic({"init", "--time-zone", "Europe/Paris"}).exit_code, 0);
    ASSERT_EQ(clinic({"patient", "add", "--mrn", "MRN-G", "--name", "G. Patient", "--birth-date",
                      "1970-05-01", "--indication", "pain"})
                  .exit_code,
              0);
  }
  Ran clinic(std::vector<std::string> args) const {
    args.insert(args.begin(), {"clinic", "--db", db_});
    return run_itdd(args);
  }
  Ran add_gas_pump(const std::string& serial, const std::string& concentration) const {
    return clinic({"pump",
                   "add",
                   "--patient",
                   "MRN-G",
                   "--model",
                   "gas-fixed-30",
                   "--serial",
                   serial,
                   "--implant-date",
                   "2026-01-05",
                   "--catheter-length-cm",
                   "50",
                   "--catheter-volume-ml",
                   "0.16",
                   "--drug",
                   "morphine",
                   "--concentration",
                   concentration,
                   "--volume-ml",
                   "30",
                   "--clinician",
                   "Dr Lee",
                   "--filled-at",
                   "2026-01-05 10:00"});
  }

  fs::path dir_;
  std::string db_;
};

TEST_F(FixedRateCli, RecordedDosedRefilledAndCalendared) {
  const Ran added = add_gas_pump("GAS-1", "2");
  ASSERT_EQ(added.exit_code, 0) << added.out;
  EXPECT_NE(added.out.find("kind         fixed-rate (gas-driven), not programmable"),
            std::string::npos)
      << added.out;
  EXPECT_NE(added.out.find("daily dose   2 mg/day at the nominal flow (up to 2.3 mg/day at +15 %)"),
            std::string::npos);
  // 27 mL at 1.15 mL/day is 23 d 11 h 28 min; less the library's 5 days.
  EXPECT_NE(added.out.find("next refill  2026-01-23 21:28 Europe/Paris"), std::string::npos);
  EXPECT_NE(added.out.find("empty        not before 2026-01-30 15:13 at +15 %"), std::string::npos);

  // The concentration for 3 mg/day at 1 mL/day, and above the library's highest concentration.
  const Ran dose = run_itdd({"dose", "fixed-rate", "--db", db_, "--pump", "GAS-1", "--drug",
                             "morphine", "--dose", "3", "--json"});
  ASSERT_EQ(dose.exit_code, 0) << dose.out;
  const nlohmann::json d = nlohmann::json::parse(dose.stdout_text);
  EXPECT_EQ(d["concentration_ng_per_ml"], 3'000'000);
  EXPECT_EQ(d["delivered_at_worst_ng_per_day"], 3'450'000);
  const Ran too_strong = run_itdd(
      {"dose", "fixed-rate", "--pump-model", "gas-fixed-20", "--drug", "morphine", "--dose", "15"});
  EXPECT_EQ(too_strong.exit_code, 2);
  EXPECT_NE(too_strong.out.find("error: --dose: 15 mg/day at 0.5 mL/day needs 30 mg/mL, above the "
                                "highest concentration the library lists"),
            std::string::npos)
      << too_strong.out;

  // The refill changes the dose with the concentration.
  const Ran refill = clinic({"pump", "refill", "--pump", "GAS-1", "--drug", "morphine",
                             "--concentration", "3", "--volume-ml", "30", "--withdrawn-ml", "14.5",
                             "--clinician", "Dr Lee", "--filled-at", "2026-01-20 10:00", "--json"});
  ASSERT_EQ(refill.exit_code, 0) << refill.out;
  const nlohmann::json r = nlohmann::json::parse(refill.stdout_text);
  EXPECT_EQ(r["daily_dose_ng_per_day"], 3'000'000);
  EXPECT_EQ(r["expected_left_nl"], 15'000'000);
  EXPECT_EQ(r["next_refill_date"], "2026-02-07");
  EXPECT_EQ(r["programmable"], false);

  // The refill calendar and the pump list.
  const Ran due = clinic({"due", "--now", "2026-01-25", "--within", "30d", "--json"});
  ASSERT_EQ(due.exit_code, 0) << due.out;
  const nlohmann::json rows = nlohmann::json::parse(due.stdout_text);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["kind"], "gas-fixed-rate");
  EXPECT_EQ(rows[0]["next_refill_date"], "2026-02-07");
  EXPECT_EQ(rows[0]["days_left"], 13);
  const Ran list = clinic({"pump", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.out;
  EXPECT_NE(list.out.find("fixed-rate (gas-driven), not programmable:"), std::string::npos);
  EXPECT_NE(list.out.find("3 mg/mL"), std::string::npos) << list.out;
}

TEST_F(FixedRateCli, BadFillsAreRefusedNamingTheOptionAndNothingIsWritten) {
  const Ran strong = add_gas_pump("GAS-2", "30");
  EXPECT_EQ(strong.exit_code, 2);
  EXPECT_NE(strong.out.find("error: --concentration: 30 mg/mL at 1 mL/day: 30 mg/day is above the "
                            "hard maximum"),
            std::string::npos)
      << strong.out;
  // A programmable model's drug goes in at its first refill in a programming session.
  const Ran programmable =
      clinic({"pump", "add", "--patient", "MRN-G", "--model", "peristaltic-20", "--serial", "SN-1",
              "--implant-date", "2026-01-05", "--catheter-length-cm", "50", "--catheter-volume-ml",
              "0.16", "--drug", "morphine"});
  EXPECT_EQ(programmable.exit_code, 2);
  EXPECT_NE(programmable.out.find("error: --drug: peristaltic-20 is programmable"),
            std::string::npos)
      << programmable.out;
  const Ran list = clinic({"pump", "list", "--json"});
  EXPECT_EQ(nlohmann::json::parse(list.stdout_text).size(), 0U) << list.out;
}

TEST_F(FixedRateCli, ProgrammableOnlyCommandsAndTheVirtualImplantRefuseIt) {
  ASSERT_EQ(add_gas_pump("GAS-3", "2").exit_code, 0);
  const std::string key = (dir_ / "clinic.key").string();
  ASSERT_FALSE(keygen(key).empty());
  const std::string implant_key = (dir_ / "no-implant.pub").string();
  const std::vector<std::vector<std::string>> commands = {
      {"programmer", "program", "--drug", "morphine", "--concentration", "2", "--dose", "2",
       "--clinician", "Dr Lee"},
      {"programmer", "bolus", "--dose", "0.1", "--unit", "mg", "--duration", "30m", "--clinician",
       "Dr Lee"},
      {"programmer", "prime", "--catheter-volume-ml", "0.16", "--clinician", "Dr Lee"},
      // A concentration the programmable library does not list: the pump's kind is said first.
      {"programmer", "refill", "--drug", "morphine", "--concentration", "2", "--volume-ml", "20",
       "--clinician", "Dr Lee"},
      {"programmer", "set-clock", "--now", "--clinician", "Dr Lee"},
      {"programmer", "alarm", "silence", "--kind", "low-reservoir", "--for", "1h", "--clinician",
       "Dr Lee"},
      {"programmer", "interrogate"},
      {"programmer", "pairing-window", "--role", "patient"},
  };
  for (std::vector<std::string> args : commands) {
    const std::string name =
        "itdd " + args[0] + " " + args[1] + (args[1] == "alarm" ? " " + args[2] : std::string());
    args.insert(args.end(), {"--implant", "127.0.0.1:9", "--key", key, "--implant-key", implant_key,
                             "--db", db_, "--pump", "GAS-3"});
    const Ran r = run_itdd(args);
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.out;
    EXPECT_NE(r.out.find("error: --pump: pump GAS-3 (gas-fixed-30) is a fixed-rate gas-driven "
                         "pump, not programmable: it has no electronics, so `" +
                         name + "` has nothing to talk to; to change its dose"),
              std::string::npos)
        << r.out;
  }
  const Ran serve = run_itdd(
      {"implant", "serve", "--state", (dir_ / "implant").string(), "--pump-model", "gas-fixed-30"});
  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_NE(serve.out.find("error: --pump-model gas-fixed-30 is a fixed-rate gas-driven pump"),
            std::string::npos)
      << serve.out;
  EXPECT_NE(serve.out.find("has no implant to run"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "implant" / "implant.pub"));
}

}  // namespace
}  // namespace itdd::testing
