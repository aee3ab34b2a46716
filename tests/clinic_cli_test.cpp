// `itdd clinic ...` end to end, as a child process on a SQLite file: bad input exits 2 and
// changes nothing; the due list and the session report print what the database holds (the
// session itself is recorded through the library, as the programmer commands will).
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "itdd/programmer/clinic_db.h"

namespace itdd {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ClinicCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("itdd_clinic_cli_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(dir_);
    db_ = (dir_ / "clinic.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // `itdd clinic --db DB ARGS...`
  Ran clinic(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {"clinic", "--db", db_};
    all.insert(all.end(), args.begin(), args.end());
    return itdd(all);
  }

  // `itdd ARGS...`
  Ran itdd(const std::vector<std::string>& args) const {
    const fs::path out = dir_ / "stdout";
    const fs::path err = dir_ / "stderr";
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(o, STDOUT_FILENO);
      ::dup2(e, STDERR_FILENO);
      ::unsetenv("ITDD_CLINIC_DB");
      std::vector<std::string> all = {ITDD_BINARY};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(ITDD_BINARY, argv.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    Ran r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
  }

  nlohmann::json json_of(const std::vector<std::string>& args) const {
    std::vector<std::string> with_json = args;
    with_json.push_back("--json");
    const Ran r = clinic(with_json);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  fs::path dir_;
  std::string db_;
};

const std::vector<std::string> kPatient = {
    "patient",      "add",          "--mrn",      "M-1",          "--name",
    "Ada Lovelace", "--birth-date", "1980-12-10", "--indication", "spasticity"};

std::vector<std::string> pump_add(const std::string& mrn, const std::string& serial,
                                  const std::string& volume_ml = "0.17") {
  return {"pump",
          "add",
          "--patient",
          mrn,
          "--model",
          "peristaltic-20",
          "--serial",
          serial,
          "--implant-date",
          "2024-06-01",
          "--catheter-length-cm",
          "42.5",
          "--catheter-volume-ml",
          volume_ml};
}

TEST_F(ClinicCli, CommandsBeforeInitRefuseAndCreateNothing) {
  const Ran r = clinic(kPatient);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("itdd clinic init"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_FALSE(fs::exists(db_));
}

TEST_F(ClinicCli, BadInputExitsTwoAndWritesNothing) {
  ASSERT_EQ(clinic({"init"}).exit_code, 0);
  ASSERT_EQ(clinic(kPatient).exit_code, 0);

  Ran r = clinic(kPatient);  // the same MRN again
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--mrn: MRN M-1 is already recorded"), std::string::npos) << r.err;
  r = clinic({"patient", "add", "--mrn", "", "--name", "X", "--birth-date", "1990-01-01",
              "--indication", "pain"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--mrn: give"), std::string::npos) << r.err;
  r = clinic({"patient", "add", "--mrn", "M-2", "--name", "X", "--birth-date", "1990-02-30",
              "--indication", "pain"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--birth-date 1990-02-30"), std::string::npos) << r.err;
  EXPECT_EQ(json_of({"patient", "list"}).size(), 1u);

  ASSERT_EQ(clinic(pump_add("M-1", "SN-1")).exit_code, 0);
  r = clinic(pump_add("M-1", "SN-1"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--serial: a pump with serial SN-1 is already recorded"), std::string::npos)
      << r.err;
  r = clinic(pump_add("M-1", "SN-2", "-0.5"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--catheter-volume-ml -0.5"), std::string::npos) << r.err;
  r = clinic(pump_add("NOBODY", "SN-2"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--patient: no patient with MRN NOBODY"), std::string::npos) << r.err;
  const nlohmann::json pumps = json_of({"pump", "list"});
  ASSERT_EQ(pumps.size(), 1u);
  EXPECT_EQ(pumps[0]["reservoir_capacity_nl"], 20'000'000);  // from the pump model file
  EXPECT_EQ(pumps[0]["catheter_volume_nl"], 170'000);
  EXPECT_EQ(pumps[0]["catheter_length_mm"], 425);
}

TEST_F(ClinicCli, DueAndReportShowWhatTheDatabaseHolds) {
  ASSERT_EQ(clinic({"init"}).exit_code, 0);
  ASSERT_EQ(clinic(kPatient).exit_code, 0);
  ASSERT_EQ(clinic(pump_add("M-1", "SN-BAC")).exit_code, 0);
  ASSERT_EQ(clinic({"patient", "add", "--mrn", "M-2", "--name", "Alan Turing", "--birth-date",
                    "1970-06-23", "--indication", "pain"})
                .exit_code,
            0);
  ASSERT_EQ(clinic(pump_add("M-2", "SN-NEW")).exit_code, 0);

  // A refill session on SN-BAC, recorded by the library as `itdd programmer refill` will.
  const std::int64_t today = *programmer::parse_utc_date("2025-03-01");
  std::int64_t session = 0;
  {
    auto db = programmer::open_clinic_db(db_);
    ASSERT_TRUE(db.ok()) << db.error().text();
    const auto pump = (*db)->find_pump_by_serial("SN-BAC");
    ASSERT_TRUE(pump.ok());
    const auto s = (*db)->begin_session(
        {0, pump->id, "Dr Ada", "programmer-1", today + 9 * kMillisPerHour, {}, ""});
    ASSERT_TRUE(s.ok());
    session = *s;
    programmer::RefillRecord r;
    r.pump_id = pump->id;
    r.session_id = session;
    r.at_ms = today + 9 * kMillisPerHour + 5 * kMillisPerMinute;
    r.expected = millilitres(2);
    r.withdrawn = millilitres(2);
    r.drug = "baclofen";
    r.concentration = Concentration(2'000'000);
    r.volume = millilitres(18);
    r.low_reservoir_alarm = millilitres(2);
    r.next_refill_ms = today + 10 * kMillisPerDay;
    r.next_refill_rule = "low-reservoir date minus 4 days";
    ASSERT_TRUE((*db)->record_refill(r).ok());
    ASSERT_TRUE((*db)->end_session(session, today + 10 * kMillisPerHour, "refill").ok());
  }

  const Ran due = clinic({"due", "--within", "14d", "--now", "2025-03-01"});
  ASSERT_EQ(due.exit_code, 0) << due.err;
  // The pump never refilled comes first (it may be overdue), then the baclofen pump.
  const auto never = due.out.find("SN-NEW");
  const auto bac = due.out.find("SN-BAC");
  ASSERT_NE(never, std::string::npos) << due.out;
  ASSERT_NE(bac, std::string::npos) << due.out;
  EXPECT_LT(never, bac) << due.out;
  EXPECT_NE(due.out.find("2025-03-11"), std::string::npos) << due.out;
  EXPECT_NE(due.out.find("10 d"), std::string::npos) << due.out;
  EXPECT_NE(due.out.find("low-reservoir date minus 4 days"), std::string::npos) << due.out;

  const nlohmann::json rows = json_of({"due", "--within", "5d", "--now", "2025-03-01"});
  ASSERT_EQ(rows.size(), 1u) << rows.dump();  // SN-BAC is 10 days away
  EXPECT_EQ(rows[0]["status"], "unknown");
  EXPECT_EQ(rows[0]["pump_serial"], "SN-NEW");

  const Ran report = clinic({"report", "--session", std::to_string(session)});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("by Dr Ada on programmer-1, from 2025-03-01 09:00 to 2025-03-01 "
                            "10:00 (UTC)"),
            std::string::npos)
      << report.out;
  EXPECT_NE(report.out.find("2025-03-01 09:05  refill"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("filled 18.000 mL baclofen 2 mg/mL"), std::string::npos) << report.out;
  const nlohmann::json j = json_of({"report", "--session", std::to_string(session)});
  ASSERT_EQ(j["changes"].size(), 1u);
  EXPECT_EQ(j["changes"][0]["detail"]["withdrawn_nl"], 2'000'000);

  const Ran missing = clinic({"report", "--session", "999"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--session: no session with id 999"), std::string::npos)
      << missing.err;
}

// Issue 11: the session number `clinic report` asks for is found with `clinic session list`, and
// `clinic pump list` says what each pump holds and when it is refilled, units beside numbers.
TEST_F(ClinicCli, SessionListAndPumpListShowWhatAClinicianLooksUp) {
  ASSERT_EQ(clinic({"init"}).exit_code, 0);
  ASSERT_EQ(clinic(kPatient).exit_code, 0);
  ASSERT_EQ(clinic({"patient", "add", "--mrn", "M-2", "--name", "Alan Turing", "--birth-date",
                    "1970-06-23", "--indication", "pain"})
                .exit_code,
            0);
  ASSERT_EQ(clinic(pump_add("M-1", "SN-BAC")).exit_code, 0);
  ASSERT_EQ(clinic(pump_add("M-2", "SN-MOR")).exit_code, 0);
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const std::int64_t filled_at = now - 10 * kMillisPerDay;
  std::int64_t bac_session = 0;
  std::int64_t mor_session = 0;
  {
    auto db = programmer::open_clinic_db(db_);
    ASSERT_TRUE(db.ok()) << db.error().text();
    const auto bac = (*db)->find_pump_by_serial("SN-BAC");
    const auto mor = (*db)->find_pump_by_serial("SN-MOR");
    ASSERT_TRUE(bac.ok() && mor.ok());
    mor_session =
        *(*db)->begin_session({0, mor->id, "Dr Bo", "programmer-2", filled_at - 3'600'000, {}, ""});
    ASSERT_TRUE((*db)->end_session(mor_session, filled_at - 1'800'000, "interrogated").ok());
    bac_session = *(*db)->begin_session({0, bac->id, "Dr Ada", "programmer-1", filled_at, {}, ""});
    programmer::RefillRecord r;
    r.pump_id = bac->id;
    r.session_id = bac_session;
    r.at_ms = filled_at;
    r.drug = "baclofen";
    r.concentration = Concentration(2'000'000);
    r.volume = millilitres(18);
    r.low_reservoir_alarm = millilitres(2);
    r.next_refill_ms = filled_at + 90 * kMillisPerDay;
    r.next_refill_rule = "refill interval";
    ASSERT_TRUE((*db)->record_refill(r).ok());
    programmer::PrescriptionRecord rx;
    rx.pump_id = bac->id;
    rx.session_id = bac_session;
    rx.at_ms = filled_at + 60'000;
    rx.token = 7;
    rx.drug = "baclofen";
    rx.concentration = Concentration(2'000'000);
    rx.mode = "continuous";
    rx.max_daily_dose = DoseRate(200'000);  // 200 mcg/day at 2 mg/mL: 0.1 mL/day
    rx.prescription_json = "{}";
    ASSERT_TRUE((*db)->record_prescription(rx).ok());
    ASSERT_TRUE((*db)->end_session(bac_session, filled_at + 600'000, "refill").ok());
  }

  const Ran all = clinic({"session", "list"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto first = all.out.find(std::to_string(mor_session) + "  ");
  const auto second = all.out.find("SN-BAC");
  ASSERT_NE(first, std::string::npos) << all.out;
  ASSERT_NE(second, std::string::npos) << all.out;
  EXPECT_LT(first, second) << all.out;  // oldest first
  EXPECT_NE(all.out.find("2 session(s); details: itdd clinic report --session N"),
            std::string::npos)
      << all.out;
  const nlohmann::json of_m1 = json_of({"session", "list", "--patient", "M-1"});
  ASSERT_EQ(of_m1.size(), 1u) << of_m1.dump();
  EXPECT_EQ(of_m1[0]["session"], bac_session);
  EXPECT_EQ(of_m1[0]["operator"], "Dr Ada");
  EXPECT_EQ(of_m1[0]["summary"], "refill");
  // The number it gives is the one the report takes.
  EXPECT_EQ(
      clinic({"report", "--session", std::to_string(of_m1[0]["session"].get<int>())}).exit_code, 0);
  const Ran nobody = clinic({"session", "list", "--patient", "NOBODY"});
  EXPECT_EQ(nobody.exit_code, 2);
  EXPECT_NE(nobody.err.find("--patient: no patient with MRN NOBODY"), std::string::npos)
      << nobody.err;

  const Ran pumps = clinic({"pump", "list"});
  ASSERT_EQ(pumps.exit_code, 0) << pumps.err;
  // 18 mL less 10 days at 0.1 mL/day (counted from the fill: programmed a minute later).
  EXPECT_NE(pumps.out.find("200 mcg/day"), std::string::npos) << pumps.out;
  // (and the few seconds this test has run, rounded toward less left).
  EXPECT_NE(pumps.out.find(" mL of 20 mL"), std::string::npos) << pumps.out;
  EXPECT_NE(pumps.out.find("16.99 mL of 20 mL"), std::string::npos) << pumps.out;
  EXPECT_NE(pumps.out.find(programmer::utc_date(filled_at)), std::string::npos) << pumps.out;
  EXPECT_NE(pumps.out.find(programmer::utc_date(filled_at + 90 * kMillisPerDay)), std::string::npos)
      << pumps.out;
  const nlohmann::json pj = json_of({"pump", "list"});
  ASSERT_EQ(pj.size(), 2u);
  EXPECT_EQ(pj[0]["serial"], "SN-BAC");
  EXPECT_EQ(pj[0]["drug"], "baclofen");
  EXPECT_EQ(pj[0]["max_daily_dose_ng_per_day"], 200'000);
  EXPECT_LE(pj[0]["reservoir_estimate_nl"].get<std::int64_t>(), 17'000'000);
  EXPECT_GE(pj[0]["reservoir_estimate_nl"].get<std::int64_t>(), 16'990'000);
  EXPECT_EQ(pj[0]["next_refill_ms"], filled_at + 90 * kMillisPerDay);
  EXPECT_EQ(pj[1]["serial"], "SN-MOR");
  EXPECT_TRUE(pj[1]["drug"].is_null());
  EXPECT_TRUE(pj[1]["reservoir_estimate_nl"].is_null());
}

// Issue 11: implausible data is refused by the clinic database (programmer/clinic_db), and the
// command line names the option and what is allowed.
TEST_F(ClinicCli, ImplausiblePatientsAndPumpsAreRefusedSayingWhatIsAllowed) {
  ASSERT_EQ(clinic({"init"}).exit_code, 0);
  const auto patient = [](const std::string& mrn, const std::string& name,
                          const std::string& born) {
    return std::vector<std::string>{"patient",      "add", "--mrn",        mrn,   "--name", name,
                                    "--birth-date", born,  "--indication", "pain"};
  };
  Ran r = clinic(patient("M-9", "X", "2999-01-01"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--birth-date: the birth date 2999-01-01 is in the future: give a date "
                       "from 1900-01-01 to today"),
            std::string::npos)
      << r.err;
  r = clinic(patient("M-9", "X", "1899-12-31"));
  EXPECT_NE(r.err.find("--birth-date: the birth date 1899-12-31 is before 1900-01-01"),
            std::string::npos)
      << r.err;
  r = clinic(patient("M-9", "Ada\nLovelace", "1980-01-01"));
  EXPECT_NE(r.err.find("--name: the patient's name holds a line break (U+000A) at character 4"),
            std::string::npos)
      << r.err;
  r =
      clinic(patient("M-\xE2\x80\xAE"
                     "9",
                     "X", "1980-01-01"));  // RIGHT-TO-LEFT OVERRIDE
  EXPECT_NE(r.err.find("--mrn: the medical record number holds a bidirectional control"),
            std::string::npos)
      << r.err;
  r = clinic(patient(std::string(33, '1'), "X", "1980-01-01"));
  EXPECT_NE(r.err.find("--mrn: the medical record number is 33 characters long: at most 32"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(json_of({"patient", "list"}).size(), 0u);

  ASSERT_EQ(clinic(kPatient).exit_code, 0);  // born 1980-12-10
  std::vector<std::string> pump = pump_add("M-1", "SN-1");
  pump[9] = "1979-01-01";  // --implant-date
  r = clinic(pump);
  EXPECT_NE(r.err.find("--implant-date: the implant date 1979-01-01 is before the patient's "
                       "birth date 1980-12-10"),
            std::string::npos)
      << r.err;
  pump = pump_add("M-1", "SN-1");
  pump[11] = "200";  // --catheter-length-cm
  r = clinic(pump);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--catheter-length-cm: 200.0 cm is outside the catheter lengths of model "
                       "peristaltic-20: from 10.0 cm to 110.0 cm"),
            std::string::npos)
      << r.err;
  r = clinic(pump_add("M-1", "SN-1", "0.5"));
  EXPECT_NE(r.err.find("--catheter-volume-ml: 0.500 mL is outside the catheter volumes of model "
                       "peristaltic-20: from 0.026 mL to 0.286 mL"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(json_of({"pump", "list"}).size(), 0u);
}

// Issue 11's messages: a value said once, a negative number called negative, a damaged database
// not sent to "check the path", raw bytes escaped.
TEST_F(ClinicCli, MessagesSayTheValueOnceAndEscapeWhatCannotBePrinted) {
  ASSERT_EQ(clinic({"init"}).exit_code, 0);
  ASSERT_EQ(clinic(kPatient).exit_code, 0);
  std::vector<std::string> pump = pump_add("M-1", "SN-1");
  pump[11] = "-1";
  Ran r = clinic(pump);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--catheter-length-cm -1: must not be negative"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("-1: -1"), std::string::npos) << r.err;
  r = clinic(pump_add("M-1", "SN-1", "-0.5"));
  EXPECT_NE(r.err.find("--catheter-volume-ml -0.5: must not be negative"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("such as 12"), std::string::npos) << r.err;

  r = clinic({"patient", "add", "--mrn", "M-2", "--name", "X", "--birth-date", "1980-01-01",
              "--indication", "pa\xffin\x1b[2J"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--indication pa\\xffin\\x1b[2J: pain or spasticity"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find('\xff'), std::string::npos);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);

  {
    std::ofstream damaged(db_, std::ios::trunc | std::ios::binary);
    damaged << std::string(8192, 'x');
  }
  r = clinic({"patient", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("check the path"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("restore it from the clinic's backup"), std::string::npos) << r.err;
}

// The clinic's time zone: kept in the database, an unknown one refused naming an example, and
// every date the due list and the report print is local to it. Issue 11: the due list's column
// and reason and the report's refill line say one next-refill date: 2027-03-28 22:30 UTC is
// 2027-03-29 00:30 in Paris (summer time began that night), still 2027-03-28 in New York.
TEST_F(ClinicCli, OneNextRefillDateInTheClinicsTimeAcrossADaylightSavingChange) {
  Ran r = clinic({"init", "--time-zone", "Paris"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown time zone 'Paris'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Europe/Paris"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(db_)) << "a refused init creates nothing";
  ASSERT_EQ(clinic({"init", "--time-zone", "Europe/Paris"}).exit_code, 0);
  EXPECT_EQ(json_of({"time-zone"})["time_zone"], "Europe/Paris");
  ASSERT_EQ(clinic(kPatient).exit_code, 0);
  ASSERT_EQ(clinic(pump_add("M-1", "SN-BAC")).exit_code, 0);

  const std::int64_t spring_day = *programmer::parse_utc_date("2027-03-28");
  std::int64_t session = 0;
  {
    auto db = programmer::open_clinic_db(db_);
    ASSERT_TRUE(db.ok()) << db.error().text();
    const auto pump = (*db)->find_pump_by_serial("SN-BAC");
    ASSERT_TRUE(pump.ok());
    const std::int64_t at = spring_day - 14 * kMillisPerDay + 8 * kMillisPerHour;  // 09:00 CET
    const auto s = (*db)->begin_session({0, pump->id, "Dr Ada", "programmer-1", at, {}, ""});
    ASSERT_TRUE(s.ok());
    session = *s;
    programmer::RefillRecord rf;
    rf.pump_id = pump->id;
    rf.session_id = session;
    rf.at_ms = at + kMillisPerMinute;
    rf.expected = millilitres(2);
    rf.withdrawn = millilitres(2);
    rf.drug = "baclofen";
    rf.concentration = Concentration(2'000'000);
    rf.volume = millilitres(18);
    rf.low_reservoir_alarm = millilitres(2);
    rf.next_refill_ms = spring_day + 22 * kMillisPerHour + 30 * kMillisPerMinute;
    rf.next_refill_rule = "the solution is stable for 14 days after the fill on 2027-03-14 09:01";
    ASSERT_TRUE((*db)->record_refill(rf).ok());
    ASSERT_TRUE((*db)->end_session(session, at + 2 * kMillisPerMinute, "refill").ok());
  }

  // --now is the start of that day in Paris (2027-03-28 00:00 CET = 03-27 23:00 UTC).
  const Ran due = clinic({"due", "--within", "3d", "--now", "2027-03-28"});
  ASSERT_EQ(due.exit_code, 0) << due.err;
  EXPECT_NE(due.out.find("(today 2027-03-28, Europe/Paris)"), std::string::npos) << due.out;
  EXPECT_NE(due.out.find("2027-03-29"), std::string::npos) << due.out;
  EXPECT_EQ(due.out.find("2027-03-28 22:30"), std::string::npos) << due.out;
  EXPECT_NE(due.out.find("1 d"), std::string::npos) << due.out;
  const nlohmann::json rows = json_of({"due", "--within", "3d", "--now", "2027-03-28"});
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(rows[0]["next_refill_date"], "2027-03-29");
  EXPECT_EQ(rows[0]["reason"],
            "the solution is stable for 14 days after the fill on 2027-03-14 09:01");

  const Ran report = clinic({"report", "--session", std::to_string(session)});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("next refill 2027-03-29 (the solution is stable"), std::string::npos)
      << report.out;
  EXPECT_NE(report.out.find("from 2027-03-14 09:00 to 2027-03-14 09:02 (Europe/Paris)"),
            std::string::npos)
      << report.out;

  // The pump list says the same date.
  const nlohmann::json pumps = json_of({"pump", "list"});
  ASSERT_EQ(pumps.size(), 1u) << pumps.dump();
  EXPECT_EQ(pumps[0]["next_refill_date"], "2027-03-29") << pumps.dump(1);
  EXPECT_EQ(pumps[0]["last_refill_date"], "2027-03-14") << pumps.dump(1);

  // Another zone: the same instant is another local date.
  ASSERT_EQ(clinic({"time-zone", "America/New_York"}).exit_code, 0);
  EXPECT_EQ(json_of({"due", "--within", "3d", "--now", "2027-03-28"})[0]["next_refill_date"],
            "2027-03-28");
  r = clinic({"time-zone", "Mars/Olympus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Europe/Paris"), std::string::npos) << r.err;
  EXPECT_EQ(json_of({"time-zone"})["time_zone"], "America/New_York") << "unchanged";
}

// A trial's time is typed in the clinic's local time: one the clocks skipped is refused, saying
// so, and nothing is recorded; one they showed twice is the first (summer time, 00:30 UTC).
TEST_F(ClinicCli, ATrialTimeTheClocksSkippedIsRefusedAndADoubledOneIsTheFirst) {
  ASSERT_EQ(clinic({"init", "--time-zone", "Europe/Paris"}).exit_code, 0);
  ASSERT_EQ(clinic(kPatient).exit_code, 0);
  const auto record = [&](const std::string& at) {
    return itdd({"trial", "record", "--db", db_, "--patient", "M-1", "--drug", "baclofen", "--step",
                 "50:effective:6h:ashworth=3-1@" + at});
  };
  const Ran skipped = record("2027-03-28T02:30");
  EXPECT_EQ(skipped.exit_code, 2) << skipped.out;
  EXPECT_NE(skipped.err.find("2027-03-28 02:30 does not exist in Europe/Paris"), std::string::npos)
      << skipped.err;
  const Ran doubled = record("2027-10-31T02:30");
  ASSERT_EQ(doubled.exit_code, 0) << doubled.err;
  auto db = programmer::open_clinic_db(db_);
  ASSERT_TRUE(db.ok()) << db.error().text();
  const auto patient = (*db)->find_patient_by_mrn("M-1");
  ASSERT_TRUE(patient.ok());
  const auto trials = (*db)->trials(patient->id);
  ASSERT_TRUE(trials.ok());
  ASSERT_EQ(trials->size(), 1u) << "the skipped time recorded nothing";
  EXPECT_EQ((*trials)[0].at_ms, *programmer::parse_utc_date("2027-10-31") + 30 * kMillisPerMinute);
}

TEST_F(ClinicCli, NewerDatabaseIsRefusedUntouched) {
  ASSERT_EQ(clinic({"init"}).exit_code, 0);
  {
    // A newer itdd migrated this file to a schema this one does not know.
    SQLite::Database db(db_, SQLite::OPEN_READWRITE);
    db.exec(
        "INSERT INTO schema_migrations (version, description, applied_at_ms) "
        "VALUES (1000, 'from a newer itdd', 0)");
  }
  const auto before = fs::last_write_time(db_);
  const std::string bytes = slurp(db_);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"migrate"}, std::vector<std::string>{"init"}, kPatient,
        std::vector<std::string>{"patient", "list"}}) {
    const Ran r = clinic(args);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_NE(r.err.find("schema version 1000, newer than this itdd knows"), std::string::npos)
        << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_EQ(fs::last_write_time(db_), before);
  EXPECT_EQ(slurp(db_), bytes);
}

// Issue 14: the session report, the summary and the ID card as PDF; bad input exits non-zero
// and leaves no file, whole or partial.
TEST_F(ClinicCli, DocumentsAreWrittenWholeOrNotAtAll) {
  ASSERT_EQ(clinic({"init", "--time-zone", "Europe/Paris"}).exit_code, 0);
  ASSERT_EQ(clinic({"patient", "add", "--mrn", "M-9", "--name", "Zoë 王小明", "--birth-date",
                    "1980-12-10", "--indication", "spasticity"})
                .exit_code,
            0);
  ASSERT_EQ(clinic(pump_add("M-9", "SN-9")).exit_code, 0);
  Ran r = clinic({"pump", "catheter-tip", "--serial", "SN-9", "--level", "T13"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--level: 'T13' is not a vertebral level"), std::string::npos) << r.err;
  ASSERT_EQ(clinic({"pump", "catheter-tip", "--serial", "SN-9", "--level", "T10"}).exit_code, 0);
  std::int64_t session = 0;
  {
    auto db = programmer::open_clinic_db(db_);
    ASSERT_TRUE(db.ok()) << db.error().text();
    const auto pump = (*db)->find_pump_by_serial("SN-9");
    ASSERT_TRUE(pump.ok());
    const std::int64_t at = *programmer::parse_utc_date("2025-03-01") + 9 * kMillisPerHour;
    const auto s = (*db)->begin_session({0, pump->id, "Dr Ada", "programmer-1", at, {}, ""});
    ASSERT_TRUE(s.ok());
    session = *s;
    ASSERT_TRUE((*db)->end_session(session, at + kMillisPerHour, "looked").ok());
  }
  const fs::path docs = dir_ / "docs";
  fs::create_directories(docs);
  const auto made = [&](const char* name) { return (docs / name).string(); };
  // Refused: nothing is written.
  r = clinic({"report", "--session", "999", "--pdf", made("r.pdf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--session: no session with id 999"), std::string::npos) << r.err;
  r = clinic({"card", "--patient", "M-9", "--pdf", made("c.pdf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("itdd clinic settings --name NAME --emergency-phone NUMBER"),
            std::string::npos)
      << r.err;
  r = clinic({"settings", "--name", "Clinic"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--name and --emergency-phone together"), std::string::npos) << r.err;
  r = clinic({"settings", "--name", "Clinic", "--emergency-phone", "call us"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--emergency-phone: the emergency phone must be"), std::string::npos)
      << r.err;
  r = clinic({"card", "--patient", "NOBODY", "--pdf", made("c.pdf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--patient: no patient with MRN NOBODY"), std::string::npos) << r.err;
  r = clinic({"summary", "--patient", "M-9", "--from", "2025-02-30", "--pdf", made("s.pdf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--from 2025-02-30: expected a date"), std::string::npos) << r.err;
  r = clinic({"summary", "--patient", "M-9", "--from", "2025-03-02", "--to", "2025-03-01", "--pdf",
              made("s.pdf")});
  EXPECT_EQ(r.exit_code, 2);
  r = clinic({"report", "--session", std::to_string(session), "--pdf",
              (dir_ / "no-such-folder" / "r.pdf").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--pdf: cannot write"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(docs));
  EXPECT_FALSE(fs::exists(dir_ / "no-such-folder"));

  // Written whole: each a PDF that names the patient.
  ASSERT_EQ(clinic({"settings", "--name", "Clinique Saint-Éloi", "--emergency-phone",
                    "+33 1 23 45 67 89"})
                .exit_code,
            0);
  const nlohmann::json settings = json_of({"settings"});
  EXPECT_EQ(settings["emergency_phone"], "+33 1 23 45 67 89");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"report", "--session", std::to_string(session), "--pdf",
                                 made("report.pdf")},
        std::vector<std::string>{"summary", "--patient", "M-9", "--from", "2025-02-01", "--to",
                                 "2025-03-31", "--pdf", made("summary.pdf")},
        std::vector<std::string>{"card", "--patient", "M-9", "--pdf", made("card.pdf")}}) {
    r = clinic(args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("written to"), std::string::npos) << r.out;
    const std::string pdf = slurp(args.back());
    EXPECT_EQ(pdf.rfind("%PDF-", 0), 0u) << args[0];
    EXPECT_NE(pdf.find("%%EOF"), std::string::npos) << args[0];
  }
  const nlohmann::json card = json_of({"card", "--patient", "M-9", "--pdf", made("card.pdf")});
  EXPECT_EQ(card["pages"], 2);
  EXPECT_EQ(card["document"], "implant ID card of M-9");
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(docs)) {
    EXPECT_NE(entry.path().filename().string()[0], '.') << "left behind: " << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 3u);
}

}  // namespace
}  // namespace itdd
