// The clinic's work end to end: the clinician programmer (`itdd programmer
// refill|prime|program`), the patient's device (`itdd ptm`) and the clinic database (`itdd
// clinic`) as child processes against a virtual implant on loopback (`itdd implant serve`).
// Implant and prime, program (confirmed, read back, recorded), a 90-day refill cycle, a
// concentration change with its bridge bolus, a pocket fill caught at the next refill, patient
// boluses within and beyond their limits, a hard limit of the drug library that blocks and a
// soft one overridden with a reason, a clinician bolus checked against the drug library like a
// program, a refill of a pump that ran dry. Every change is looked for in the implant
// (interrogate), and in the clinic database (`itdd clinic report|due`).
//
// The implant's time runs faster than real time (--speed). Where a check must see the implant
// hold still (a withdrawn volume entered after reading the expected one) the implant runs at
// real speed; a 90-day cycle runs at 1e6 (90 days in about 8 s) and is then restarted at real
// speed on the same state. Nothing depends on how fast this computer is beyond a patient's
// 1-hour lockout lasting 10 s of real time while two commands run.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "itdd_process.h"

namespace itdd {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Ran;
using testing::run_itdd;
using testing::Server;

constexpr std::int64_t kNlPerMl = 1'000'000;
constexpr std::int64_t kNgPerMg = 1'000'000;
constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr const char* kClinician = "Dr A";
constexpr const char* kSerial = "SN-E2E-0001";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

nlohmann::json parse(const Ran& r) {
  try {
    return nlohmann::json::parse(r.stdout_text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.out;
    return nlohmann::json::object();
  }
}

// An exact volume for --withdrawn-ml: the nL as mL with six decimals.
std::string ml_text(std::int64_t nl) {
  const std::string frac = std::to_string(1'000'000 + nl % kNlPerMl).substr(1);
  return std::to_string(nl / kNlPerMl) + "." + frac;
}

// "YYYY-MM-DD" (UTC) `days_ahead` days from today, for `itdd clinic due --now`.
std::string utc_date_in(int days_ahead) {
  namespace chr = std::chrono;
  const chr::sys_days day = chr::floor<chr::days>(chr::system_clock::now()) + chr::days(days_ahead);
  const chr::year_month_day ymd(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

// The review row for `item` ("Daily dose"), or an empty object (and a failure).
nlohmann::json review_row(const nlohmann::json& out, const std::string& item) {
  for (const nlohmann::json& row : out["review"]) {
    if (row["item"] == item) return row;
  }
  ADD_FAILURE() << "no review row " << item << " in " << out.dump(1);
  return nlohmann::json::object();
}

bool has_alarm(const nlohmann::json& status, const std::string& kind) {
  for (const nlohmann::json& a : status["alarms"]) {
    if (a["kind"] == kind) return true;
  }
  return false;
}

// The changes of `kind` ("program", "refill", "override") in a session report.
std::vector<nlohmann::json> changes_of(const nlohmann::json& report, const std::string& kind) {
  std::vector<nlohmann::json> found;
  for (const nlohmann::json& c : report["changes"]) {
    if (c["kind"] == kind) found.push_back(c);
  }
  return found;
}

class ClinicEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("itdd-clinic-e2e");
    clinician_key_ = (dir_ / "clinician.key").string();
    patient_key_ = (dir_ / "patient.key").string();
    ASSERT_FALSE(testing::keygen(clinician_key_).empty());
    ASSERT_FALSE(testing::keygen(patient_key_).empty());
    db_ = (dir_ / "clinic.db").string();
    // The patient and the pump the clinic implants, before the implant first speaks.
    for (const std::vector<std::string>& c :
         {std::vector<std::string>{"init"},
          {"patient", "add", "--mrn", "M-100", "--name", "Ada Example", "--birth-date",
           "1970-05-01", "--indication", "pain"},
          {"pump", "add", "--patient", "M-100", "--model", "peristaltic-20", "--serial", kSerial,
           "--implant-date", "2025-01-15", "--catheter-length-cm", "42.5", "--catheter-volume-ml",
           "0.15"}}) {
      const Ran r = clinic(c);
      ASSERT_EQ(r.exit_code, 0) << r.out;
    }
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  // The implant, with the clinic's programmer and the patient's device provisioned (the factory
  // path); `more` adds serve options (a fault).
  void serve(double speed, const std::vector<std::string>& more = {}) {
    std::vector<std::string> args{
        "--state",     (dir_ / "state").string(), "--listen",    "127.0.0.1:0",
        "--speed",     std::to_string(speed),     "--provision", "clinician:" + clinician_key_,
        "--provision", "patient:" + patient_key_};
    args.insert(args.end(), more.begin(), more.end());
    server_ = std::make_unique<Server>(args, dir_ / "serve.log");
    ASSERT_NE(server_->port(), 0) << server_->banner();
    implant_pub_ = (dir_ / "state" / "implant.pub").string();
  }
  // Stops the implant cleanly and starts it again on its state at another speed.
  void restart(double speed) {
    ASSERT_EQ(server_->kill(SIGTERM), 0);
    server_.reset();
    serve(speed);
  }

  Ran clinic(std::vector<std::string> command) const {
    command.insert(command.begin(), {"clinic", "--db", db_});
    return run_itdd(command, 60s);
  }
  nlohmann::json session_report(std::int64_t session) const {
    const Ran r = clinic({"report", "--session", std::to_string(session), "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return parse(r);
  }
  // The session a program or refill recorded (its JSON's "clinic_session").
  static std::int64_t session_of(const nlohmann::json& out) {
    if (!out.contains("clinic_session") || !out["clinic_session"].is_number_integer()) {
      ADD_FAILURE() << "no clinic session in " << out.dump(1);
      return 0;
    }
    return out["clinic_session"];
  }
  // Whether the database holds a session with this number.
  bool session_exists(std::int64_t session) const {
    return clinic({"report", "--session", std::to_string(session), "--json"}).exit_code == 0;
  }

  Ran as(const std::string& key, std::vector<std::string> command,
         const std::string& input = {}) const {
    for (const std::string& a : {std::string("--implant"), server_->address(), std::string("--key"),
                                 key, std::string("--implant-key"), implant_pub_}) {
      command.push_back(a);
    }
    return run_itdd(command, 60s, input);
  }
  // `itdd programmer COMMAND...` with the clinician's key.
  Ran programmer(std::vector<std::string> command, const std::string& input = {}) const {
    command.insert(command.begin(), "programmer");
    return as(clinician_key_, command, input);
  }
  // `itdd programmer program|refill ...` recorded in the clinic database by Dr A.
  Ran recorded(std::vector<std::string> command, const std::string& input = {}) const {
    for (const std::string& a :
         {std::string("--db"), db_, std::string("--clinician"), std::string(kClinician),
          std::string("--pump"), std::string(kSerial)}) {
      command.push_back(a);
    }
    return programmer(command, input);
  }
  Ran ptm(const std::string& what, bool json = true) const {
    std::vector<std::string> c{"ptm", what};
    if (json) c.push_back("--json");
    return as(patient_key_, c);
  }
  nlohmann::json interrogation() const {
    const Ran r = programmer({"interrogate", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return parse(r);
  }
  std::string token() const { return interrogation()["prescription_token"]; }

  // The first fill: 18 mL of morphine 10 mg/mL.
  nlohmann::json first_fill() const {
    const Ran r = recorded({"refill", "--drug", "morphine", "--concentration", "10", "--volume-ml",
                            "18", "--yes", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return parse(r);
  }
  // Programs morphine 10 mg/mL at `dose` mg/day, with `more` options, confirmed by --yes.
  // Returns the outcome's JSON when it was applied (a failure otherwise); `program_ran` keeps the
  // exit status and the words.
  Ran program(const std::string& dose, const std::vector<std::string>& more = {}) const {
    std::vector<std::string> c{"program", "--drug", "morphine", "--concentration", "10",
                               "--dose",  dose,     "--yes",    "--json"};
    c.insert(c.end(), more.begin(), more.end());
    return recorded(c);
  }
  nlohmann::json programmed(const std::string& dose, const std::vector<std::string>& more = {}) {
    const Ran r = program(dose, more);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return parse(r);
  }

  // Asks until `done` holds (the implant's time runs at --speed): false after two minutes.
  static bool wait_for(const std::function<bool()>& done) {
    // Twice a second: each poll is a new session, and the implant allows each device's key 32
    // handshakes at once, then two a second (docs/threat-model.md 5.5).
    for (int i = 0; i < 240; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(500ms);
    }
    return false;
  }

  // What the body's reservoir really holds: the state file's "reservoir-nl", written at exit and
  // whenever the implant is given a time past its clock lease (250 ms of real time ahead), which
  // an idle implant may not be for minutes.
  std::optional<std::int64_t> body_reservoir_nl() const {
    std::ifstream in(dir_ / "state" / "implant.state");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("reservoir-nl ", 0) == 0) return std::stoll(line.substr(13));
    }
    return std::nullopt;
  }
  // Asks the implant (so that it moves its clock and writes its state) until the body's
  // reservoir satisfies `done`; the last value read, or nullopt after two minutes.
  std::optional<std::int64_t> body_when(const std::function<bool(std::int64_t)>& done) const {
    std::int64_t nl = -1;
    const bool ok = wait_for([&] {
      interrogation();
      nl = body_reservoir_nl().value_or(-1);
      return nl >= 0 && done(nl);
    });
    if (!ok) ADD_FAILURE() << "the body's reservoir holds " << nl << " nL";
    return ok ? std::optional<std::int64_t>(nl) : std::nullopt;
  }

  fs::path dir_;
  std::string clinician_key_;
  std::string patient_key_;
  std::string implant_pub_;
  std::string db_;
  std::unique_ptr<Server> server_;
};

// 1. A new implant: the first fill, priming, the first program; each recorded by Dr A.
TEST_F(ClinicEndToEndTest, ImplantPrimeAndProgram) {
  serve(60);
  nlohmann::json before = interrogation();
  EXPECT_EQ(before["reservoir"]["filled"], false);
  EXPECT_EQ(before["prescription"], nullptr);

  const nlohmann::json fill = first_fill();
  EXPECT_EQ(fill["delivery"], "applied");
  EXPECT_EQ(fill["kind"], "first fill");
  EXPECT_EQ(fill["volume_nl"], 18 * kNlPerMl);
  EXPECT_EQ(fill["volume_ml"], 18.0);
  EXPECT_EQ(fill["concentration_ng_per_ml"], 10 * kNgPerMg);
  EXPECT_FALSE(fill.contains("withdrawn_nl")) << "no withdrawal at a first fill";
  EXPECT_EQ(fill["bridge"]["started"], false);
  EXPECT_TRUE(fill["next_refill"].is_string()) << fill.dump(1);
  nlohmann::json st = interrogation();
  EXPECT_EQ(st["reservoir"]["filled"], true);
  EXPECT_EQ(st["reservoir"]["drug"], "morphine");
  EXPECT_EQ(st["reservoir"]["remaining_nl"], 18 * kNlPerMl);
  const nlohmann::json fill_report = session_report(session_of(fill));
  EXPECT_EQ(fill_report["operator"], kClinician);
  EXPECT_EQ(fill_report["pump"]["serial"], kSerial);
  EXPECT_EQ(fill_report["pump"]["implant_public_key_hex"], server_->key_hex())
      << "the pump is now known by its implant's key";
  ASSERT_EQ(changes_of(fill_report, "refill").size(), 1U) << fill_report.dump(1);
  EXPECT_EQ(changes_of(fill_report, "refill")[0]["detail"]["volume_nl"], 18 * kNlPerMl);

  const Ran prime = programmer({"prime", "--catheter-volume-ml", "0.15", "--yes", "--json"});
  ASSERT_EQ(prime.exit_code, 0) << prime.out;
  EXPECT_EQ(parse(prime)["volume_nl"], 200'000 + 150'000) << "the pump's dead volume + catheter";
  st = interrogation();
  EXPECT_EQ(st["activity"], "priming");
  EXPECT_EQ(st["pump"]["catheter_volume_nl"], 150'000);

  // Morphine 10 mg/mL at 1 mg/day: 0.1 mL/day.
  const std::string token_before = st["prescription_token"];
  const Ran ran = program("1");
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  const nlohmann::json out = parse(ran);
  EXPECT_EQ(out["delivery"], "applied");
  EXPECT_EQ(out["verified"], true);
  EXPECT_EQ(out["dose_check"]["blocked"], false);
  EXPECT_EQ(out["dose_check"]["needs_override"], false);
  EXPECT_EQ(out["dose_check"]["max_daily_dose_ng_per_day"], 1 * kNgPerMg);
  // Old and new side by side: a new implant's therapy is stopped until it is programmed.
  const nlohmann::json dose_row = review_row(out, "Daily dose");
  EXPECT_EQ(dose_row["now"], "stopped");
  EXPECT_EQ(dose_row["new"], "1 mg/day");
  EXPECT_EQ(dose_row["changed"], true);
  const nlohmann::json concentration_row = review_row(out, "Concentration");
  EXPECT_EQ(concentration_row["now"], "10 mg/mL");
  EXPECT_EQ(concentration_row["changed"], false);
  EXPECT_TRUE(contains(review_row(out, "Rate on that day")["new"], "0.1 mL/day"));

  st = interrogation();
  EXPECT_NE(st["prescription_token"], token_before);
  EXPECT_EQ(st["prescription_token"], out["prescription_token"]);
  ASSERT_TRUE(st["prescription"].is_object()) << st.dump(1);
  EXPECT_EQ(st["prescription"]["drug"], "morphine");
  EXPECT_EQ(st["prescription"]["mode"], "continuous");
  EXPECT_EQ(st["prescription"]["dose_ng_per_day"], 1 * kNgPerMg);
  EXPECT_EQ(st["prescription"]["concentration_ng_per_ml"], 10 * kNgPerMg);

  const nlohmann::json report = session_report(session_of(out));
  EXPECT_EQ(report["operator"], kClinician);
  EXPECT_EQ(report["summary"], "program");
  EXPECT_EQ(report["patient"]["mrn"], "M-100");
  const std::vector<nlohmann::json> changes = changes_of(report, "program");
  ASSERT_EQ(changes.size(), 1U) << report.dump(1);
  EXPECT_EQ(changes[0]["detail"]["drug"], "morphine");
  EXPECT_EQ(changes[0]["detail"]["max_daily_dose_ng"], 1 * kNgPerMg);
  EXPECT_EQ(changes[0]["detail"]["concentration_ng_per_ml"], 10 * kNgPerMg);
  // The same for people: who, on what, what changed.
  const Ran text = clinic({"report", "--session", std::to_string(session_of(out))});
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, "by Dr A on itdd programmer")) << text.out;
  EXPECT_TRUE(contains(text.out, "pump SN-E2E-0001")) << text.out;
  EXPECT_TRUE(contains(text.out, "program ")) << text.out;
  EXPECT_TRUE(contains(text.out, "prescription: morphine")) << text.out;
}

// 2. Nothing is sent without a yes, nor for a concentration the reservoir does not hold.
TEST_F(ClinicEndToEndTest, ProgramAsksFirstAndChecksTheReservoir) {
  serve(60);
  const std::int64_t filled = session_of(first_fill());
  const std::string token_before = token();

  const Ran declined =
      recorded({"program", "--drug", "morphine", "--concentration", "10", "--dose", "1"}, "n\n");
  EXPECT_EQ(declined.exit_code, 1) << declined.out;
  EXPECT_TRUE(contains(declined.out, "Go ahead? [y/N]")) << declined.out;
  EXPECT_TRUE(contains(declined.out, "cancelled: nothing was changed")) << declined.out;
  EXPECT_EQ(token(), token_before);
  EXPECT_FALSE(session_exists(filled + 1)) << "a declined program is not recorded";
  // No answer at all (end of input) is a no too.
  EXPECT_EQ(
      recorded({"program", "--drug", "morphine", "--concentration", "10", "--dose", "1"}).exit_code,
      1);
  EXPECT_EQ(token(), token_before);

  // The reservoir holds 10 mg/mL: a rate worked out for 25 mg/mL would give 0.4 of each dose.
  const Ran wrong =
      recorded({"program", "--drug", "morphine", "--concentration", "25", "--dose", "1", "--yes"});
  EXPECT_EQ(wrong.exit_code, 2) << wrong.out;
  EXPECT_TRUE(contains(wrong.out, "--concentration 25")) << wrong.out;
  EXPECT_TRUE(contains(wrong.out, "the reservoir holds morphine")) << wrong.out;
  EXPECT_EQ(token(), token_before);
  const Ran other_drug =
      recorded({"program", "--drug", "baclofen", "--concentration", "500", "--dose", "100"});
  EXPECT_EQ(other_drug.exit_code, 2) << other_drug.out;
  EXPECT_TRUE(contains(other_drug.out, "--drug baclofen")) << other_drug.out;
  EXPECT_EQ(token(), token_before);
  // A step's dose above what the implant holds for a step (a 32-bit count of ng/day) is refused
  // before anything is sent, naming the step and the maximum; never wrapped.
  const Ran too_much = recorded({"program", "--drug", "morphine", "--concentration", "10", "--step",
                                 "00:00=1", "--step", "08:00=4294.967296", "--yes"});
  EXPECT_EQ(too_much.exit_code, 2) << too_much.out;
  EXPECT_TRUE(contains(too_much.out, "step[1]")) << too_much.out;
  EXPECT_TRUE(contains(too_much.out, "4,294,967,295 ng/day")) << too_much.out;
  EXPECT_EQ(token(), token_before);
  EXPECT_FALSE(session_exists(filled + 1));

  // A yes sends it: the review is shown first, then the read-back.
  const Ran yes =
      recorded({"program", "--drug", "morphine", "--concentration", "10", "--dose", "1"}, "y\n");
  ASSERT_EQ(yes.exit_code, 0) << yes.out;
  EXPECT_TRUE(contains(yes.out, "Review the change before it is sent")) << yes.out;
  EXPECT_TRUE(contains(yes.out, "program applied and read back")) << yes.out;
  EXPECT_TRUE(contains(yes.out, "recorded as session " + std::to_string(filled + 1))) << yes.out;
  EXPECT_NE(token(), token_before);
  EXPECT_EQ(session_report(filled + 1)["summary"], "program");
}

// 3. Ninety days of morphine at 1 mg/day (0.1 mL/day), then the refill: the clinician
// withdraws what the implant expects, the refill is as expected, the next date follows the
// drug's 90-day stability, and the clinic's calendar shows it.
TEST_F(ClinicEndToEndTest, NinetyDayRefillCycle) {
  serve(1e6);  // 90 days in about 8 s
  first_fill();
  // The program starts delivery somewhere between these two readings of the implant's clock.
  const std::int64_t before_program = interrogation()["clock"]["implant_ms"];
  ASSERT_EQ(program("1").exit_code, 0);
  const std::int64_t after_program = interrogation()["clock"]["implant_ms"];
  nlohmann::json st;
  ASSERT_TRUE(wait_for([&] {
    st = interrogation();
    return st["clock"]["implant_ms"].get<std::int64_t>() >= after_program + 90 * kMsPerDay;
  })) << st.dump(1);
  // The refill at real speed: the reservoir holds still between reading and withdrawing.
  restart(1);
  st = interrogation();
  const std::int64_t now = st["clock"]["implant_ms"];
  ASSERT_LE(now - after_program, 120 * kMsPerDay) << "the server overshot: stopped too late";
  const std::int64_t expected = st["reservoir"]["remaining_nl"];
  // 18 mL less 0.1 mL a day, give or take a stroke.
  const auto left_after = [](std::int64_t ms) { return 18 * kNlPerMl - ms * 100'000 / kMsPerDay; };
  EXPECT_GE(expected, left_after(now - before_program) - 1000) << st.dump(1);
  EXPECT_LE(expected, left_after(now - after_program) + 1000) << st.dump(1);
  EXPECT_LT(expected, 9'100'000) << st.dump(1);
  const std::int64_t body = body_reservoir_nl().value_or(-1);
  EXPECT_NEAR(static_cast<double>(body), static_cast<double>(expected), 10'000.0)
      << "the body and the implant agree but for stroke rounding";
  // The solution is past its 90 days and the refill is due: the implant says so.
  EXPECT_TRUE(has_alarm(st, "drug-expired")) << st["alarms"].dump(1);
  EXPECT_TRUE(has_alarm(st, "refill-overdue")) << st["alarms"].dump(1);

  const Ran refill = recorded({"refill", "--withdrawn-ml", ml_text(expected), "--drug", "morphine",
                               "--concentration", "10", "--volume-ml", "18", "--yes", "--json"});
  ASSERT_EQ(refill.exit_code, 0) << refill.out;
  const nlohmann::json r = parse(refill);
  EXPECT_EQ(r["delivery"], "applied");
  EXPECT_EQ(r["kind"], "same drug and concentration");
  EXPECT_EQ(r["withdrawn_nl"], expected);
  EXPECT_EQ(r["expected_nl"], expected);
  EXPECT_EQ(r["difference_nl"], 0);
  EXPECT_TRUE(contains(r["finding"], "as expected")) << r.dump(1);
  EXPECT_FALSE(r.contains("acknowledgement"));
  EXPECT_TRUE(r["ran_dry"].is_null()) << "the pump never ran dry";
  EXPECT_EQ(r["bridge"]["started"], false);
  // Morphine is stable 90 days; the low-reservoir alarm (2 mL of 18 at 0.1 mL/day: 160 days,
  // less the 5-day margin) comes later, so stability decides.
  EXPECT_EQ(r["next_refill_rule"], "stability") << r.dump(1);
  st = interrogation();
  EXPECT_EQ(st["reservoir"]["remaining_nl"], 18 * kNlPerMl);
  EXPECT_FALSE(has_alarm(st, "drug-expired")) << st["alarms"].dump(1);
  EXPECT_FALSE(has_alarm(st, "refill-overdue")) << st["alarms"].dump(1);
  // The next refill is in the clinic's time (its database's zone, UTC here), counted from the
  // fill, whatever the (fast) implant's clock reads.
  EXPECT_EQ(r["next_refill_time_zone"], "UTC") << r.dump(1);
  const std::int64_t clinic_now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count();
  const std::int64_t ahead = r["next_refill_wall_ms"].get<std::int64_t>() - clinic_now;
  EXPECT_GT(ahead, 89 * kMsPerDay);
  EXPECT_LE(ahead, 90 * kMsPerDay);
  EXPECT_TRUE(contains(r["next_refill"], "-")) << r.dump(1);

  // The database: the refill with what was expected and what was withdrawn.
  const nlohmann::json report = session_report(session_of(r));
  EXPECT_EQ(report["operator"], kClinician);
  const std::vector<nlohmann::json> refills = changes_of(report, "refill");
  ASSERT_EQ(refills.size(), 1U) << report.dump(1);
  const nlohmann::json& d = refills[0]["detail"];
  EXPECT_EQ(d["expected_nl"], expected);
  EXPECT_EQ(d["withdrawn_nl"], expected);
  EXPECT_EQ(d["finding"], "as-expected");
  EXPECT_EQ(d["acknowledged"], false);
  // One next-refill date (issue 11): the record keeps the rule without a date of its own; the
  // refill said "due DATE: rule", the report's line says the same date.
  EXPECT_EQ("due " + r["next_refill"].get<std::string>() + ": " +
                d["next_refill_rule"].get<std::string>(),
            r["next_refill_reason"]);
  EXPECT_TRUE(contains(refills[0]["what"],
                       "next refill " + r["next_refill"].get<std::string>().substr(0, 10) + " ("))
      << refills[0].dump(1);

  // The clinic's calendar: due within 120 days, not within 30; overdue 100 days from now.
  const auto due = [&](const std::string& within, int from_today) {
    const Ran ran = clinic({"due", "--within", within, "--now", utc_date_in(from_today), "--json"});
    EXPECT_EQ(ran.exit_code, 0) << ran.out;
    return parse(ran);
  };
  nlohmann::json rows = due("120d", 0);
  ASSERT_EQ(rows.size(), 1U) << rows.dump(1);
  EXPECT_EQ(rows[0]["pump_serial"], kSerial);
  EXPECT_EQ(rows[0]["status"], "due");
  EXPECT_EQ(rows[0]["drug"], "morphine");
  EXPECT_GE(rows[0]["days_left"].get<std::int64_t>(), 88);
  EXPECT_LE(rows[0]["days_left"].get<std::int64_t>(), 91);
  EXPECT_TRUE(due("30d", 0).empty());
  rows = due("14d", 100);
  ASSERT_EQ(rows.size(), 1U) << rows.dump(1);
  EXPECT_EQ(rows[0]["status"], "overdue");
}

// 4. Morphine 10 -> 25 mg/mL: the bridge bolus must be decided; with it, the old solution in
// the pump and catheter is pushed out at the rate that keeps the dose, and the dose stays.
TEST_F(ClinicEndToEndTest, ConcentrationChangeWithBridgeBolus) {
  serve(1);
  first_fill();
  const std::int64_t first_program = session_of(programmed("1"));
  const auto refill = [](std::int64_t withdrawn_nl) {
    return std::vector<std::string>{"refill", "--withdrawn-ml", ml_text(withdrawn_nl),
                                    "--drug", "morphine",       "--concentration",
                                    "25",     "--volume-ml",    "18",
                                    "--yes",  "--json"};
  };
  nlohmann::json before = interrogation();
  std::vector<std::string> bridged = refill(before["reservoir"]["remaining_nl"]);
  bridged.insert(bridged.end(), {"--bridge", "yes"});

  // 1 mg/day at 25 mg/mL is 0.04 mL/day, below the pump's 0.048 mL/day minimum
  // (data/pump-models.json): the implant, the second check, refuses and keeps the old solution.
  const Ran too_slow = recorded(bridged);
  EXPECT_EQ(too_slow.exit_code, 1) << too_slow.out;
  EXPECT_TRUE(contains(too_slow.out, "refill not applied")) << too_slow.out;
  EXPECT_TRUE(contains(too_slow.out, "program a new prescription first)")) << too_slow.out;
  nlohmann::json st = interrogation();
  EXPECT_EQ(st["reservoir"]["concentration"]["value"], 10.0);
  EXPECT_EQ(st["prescription_token"], before["prescription_token"]);
  EXPECT_FALSE(session_exists(first_program + 1)) << "a refused refill is not recorded";

  // 2 mg/day: 0.2 mL/day now, 0.08 mL/day at 25 mg/mL.
  const std::int64_t second_program = session_of(programmed("2"));
  before = interrogation();
  const std::int64_t expected = before["reservoir"]["remaining_nl"];
  const Ran undecided = recorded(refill(expected));
  EXPECT_EQ(undecided.exit_code, 2) << undecided.out;
  EXPECT_TRUE(contains(undecided.out, "--bridge")) << undecided.out;
  EXPECT_TRUE(contains(undecided.out, "nothing was sent")) << undecided.out;
  st = interrogation();
  EXPECT_EQ(st["reservoir"]["concentration"]["value"], 10.0);
  EXPECT_EQ(st["prescription_token"], before["prescription_token"]);
  EXPECT_FALSE(session_exists(second_program + 1));
  // A concentration the library does not list is refused before anything is sent.
  std::vector<std::string> unlisted = refill(expected);
  unlisted[6] = "20";
  const Ran odd = recorded(unlisted);
  EXPECT_EQ(odd.exit_code, 2) << odd.out;
  EXPECT_TRUE(contains(odd.out, "--concentration 20")) << odd.out;

  bridged = refill(expected);
  bridged.insert(bridged.end(), {"--bridge", "yes"});
  const Ran ran = recorded(bridged);
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  const nlohmann::json r = parse(ran);
  EXPECT_EQ(r["kind"], "same drug, new concentration");
  EXPECT_TRUE(contains(r["finding"], "as expected")) << r.dump(1);
  ASSERT_EQ(r["bridge"]["started"], true) << r.dump(1);
  const std::int64_t volume = r["bridge"]["volume_nl"];
  const std::int64_t flow = r["bridge"]["flow_nl_per_day"];
  const std::int64_t duration = r["bridge"]["duration_ms"];
  // The old solution in the pump (its 0.2 mL dead volume; not primed here, so no catheter
  // volume is known) at the old rate, 0.2 mL/day, which keeps 2 mg/day: about a day.
  EXPECT_GT(volume, 0);
  EXPECT_EQ(flow, 200'000);
  EXPECT_NEAR(static_cast<double>(duration),
              static_cast<double>(volume) / static_cast<double>(flow) * kMsPerDay, 60'000.0);

  st = interrogation();
  EXPECT_EQ(st["activity"], "bridge bolus");
  EXPECT_EQ(st["reservoir"]["concentration"]["value"], 25.0);
  EXPECT_EQ(st["reservoir"]["remaining_nl"], 18 * kNlPerMl);
  // The daily dose is unchanged; the concentration (and so the rate) is the new one.
  EXPECT_EQ(st["prescription"]["dose_ng_per_day"], 2 * kNgPerMg);
  EXPECT_EQ(st["prescription"]["concentration_ng_per_ml"], 25 * kNgPerMg);

  const nlohmann::json report = session_report(session_of(r));
  const std::vector<nlohmann::json> refills = changes_of(report, "refill");
  ASSERT_EQ(refills.size(), 1U) << report.dump(1);
  EXPECT_EQ(refills[0]["detail"]["bridge_bolus"], true);
  EXPECT_EQ(refills[0]["detail"]["concentration_ng_per_ml"], 25 * kNgPerMg);
  EXPECT_TRUE(contains(refills[0]["what"], "bridge bolus")) << refills[0].dump(1);
}

// 5. A pocket fill at the first fill: 3 mL of it went into the tissue, which the implant cannot
// know. At the next refill the clinician withdraws what the reservoir really holds, 3 mL less
// than the implant expects: refused until acknowledged with a reason, then recorded.
TEST_F(ClinicEndToEndTest, PocketFillCaughtAtTheNextRefill) {
  serve(1, {"--pocket-fill-ml", "3"});
  first_fill();
  const std::int64_t programmed_in = session_of(programmed("1"));
  const nlohmann::json before = interrogation();
  const std::int64_t expected = before["reservoir"]["remaining_nl"];
  EXPECT_EQ(expected, 18 * kNlPerMl) << "the implant believes the whole fill went in";
  const std::optional<std::int64_t> in_body =
      body_when([](std::int64_t nl) { return nl > 0 && nl < 16 * kNlPerMl; });
  ASSERT_TRUE(in_body) << "the body's reservoir never showed the pocket fill";
  const std::int64_t body = *in_body;
  EXPECT_NEAR(static_cast<double>(body), static_cast<double>(expected - 3 * kNlPerMl), 10'000.0);

  const std::vector<std::string> refill{"refill",   "--withdrawn-ml",  ml_text(body), "--drug",
                                        "morphine", "--concentration", "10",          "--volume-ml",
                                        "18",       "--yes",           "--json"};
  const Ran refused = recorded(refill);
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_TRUE(contains(refused.out, "REFILL DISCREPANCY")) << refused.out;
  EXPECT_TRUE(contains(refused.out, "POCKET FILL")) << refused.out;
  EXPECT_TRUE(contains(refused.out, "--acknowledge")) << refused.out;
  EXPECT_TRUE(contains(refused.out, "nothing was sent")) << refused.out;
  // Nothing changed: still the first fill's solution, less what was delivered.
  nlohmann::json st = interrogation();
  EXPECT_LE(st["reservoir"]["remaining_nl"].get<std::int64_t>(), expected);
  EXPECT_GT(st["reservoir"]["remaining_nl"].get<std::int64_t>(), expected - kNlPerMl);
  EXPECT_EQ(st["prescription_token"], before["prescription_token"]);
  EXPECT_FALSE(session_exists(programmed_in + 1));
  // A reason too short to be one is no acknowledgement.
  std::vector<std::string> short_reason = refill;
  short_reason.insert(short_reason.end(), {"--acknowledge", "ok"});
  EXPECT_EQ(recorded(short_reason).exit_code, 2);
  EXPECT_FALSE(session_exists(programmed_in + 1));

  const std::string reason = "patient examined, pocket fill suspected, observed 24 h";
  std::vector<std::string> acknowledged = refill;
  acknowledged.insert(acknowledged.end(), {"--acknowledge", reason});
  const Ran ran = recorded(acknowledged);
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  const nlohmann::json r = parse(ran);
  EXPECT_EQ(r["delivery"], "applied");
  EXPECT_EQ(r["withdrawn_nl"], body);
  EXPECT_LE(r["expected_nl"].get<std::int64_t>(), expected);
  EXPECT_LT(r["difference_nl"].get<std::int64_t>(), -2 * kNlPerMl);
  EXPECT_TRUE(contains(r["finding"], "less than expected")) << r.dump(1);
  EXPECT_EQ(r["acknowledgement"], reason);
  EXPECT_EQ(interrogation()["reservoir"]["remaining_nl"], 18 * kNlPerMl);
  // The fault was once: this refill went into the reservoir whole.
  EXPECT_TRUE(body_when([](std::int64_t nl) { return nl > 17 * kNlPerMl; }));

  const nlohmann::json report = session_report(session_of(r));
  const std::vector<nlohmann::json> refills = changes_of(report, "refill");
  ASSERT_EQ(refills.size(), 1U) << report.dump(1);
  const nlohmann::json& d = refills[0]["detail"];
  EXPECT_EQ(d["finding"], "less-than-expected");
  EXPECT_EQ(d["acknowledged"], true);
  EXPECT_EQ(d["acknowledgement_reason"], reason);
  EXPECT_EQ(d["withdrawn_nl"], body);
  EXPECT_EQ(d["expected_nl"], r["expected_nl"]);
  const Ran text = clinic({"report", "--session", std::to_string(session_of(r))});
  EXPECT_TRUE(contains(text.out, "less-than-expected), acknowledged: " + reason)) << text.out;
}

// 6. Patient boluses of 0.1 mg, at most 2 in 24 h, 1 h apart: the patient's device gets the
// first, is refused during the lockout, gets the second after it, and is refused beyond the
// daily limit.
TEST_F(ClinicEndToEndTest, PatientBolusesWithinAndBeyondTheLimits) {
  serve(360);  // the 1-hour lockout lasts 10 s
  first_fill();
  const Ran ran = program("1", {"--bolus-dose", "0.1", "--bolus-duration", "10m", "--bolus-lockout",
                                "1h", "--bolus-max", "2"});
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  const nlohmann::json out = parse(ran);
  // The library checks the most in a day: 1 mg basal + 2 x 0.1 mg.
  EXPECT_EQ(out["dose_check"]["max_daily_dose_ng_per_day"], 1'200'000);
  EXPECT_EQ(out["dose_check"]["patient_boluses_per_day"], 2);
  const nlohmann::json rx = interrogation()["prescription"];
  EXPECT_EQ(rx["patient_bolus"]["max_per_24h"], 2);
  EXPECT_EQ(rx["patient_bolus"]["lockout_ms"], 3'600'000);
  EXPECT_EQ(rx["patient_bolus"]["duration_ms"], 600'000);

  nlohmann::json status = parse(ptm("status"));
  EXPECT_EQ(status["boluses"]["enabled"], true);
  EXPECT_EQ(status["boluses"]["used_in_24h"], 0);
  EXPECT_EQ(status["boluses"]["left_in_24h"], 2);
  EXPECT_EQ(status["boluses"]["dose_ng"], 100'000);

  const Ran first = ptm("bolus");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_EQ(parse(first)["granted"], true);
  EXPECT_EQ(parse(first)["left_in_24h"], 1);

  const Ran too_soon = ptm("bolus");
  EXPECT_EQ(too_soon.exit_code, 1) << too_soon.out;
  const nlohmann::json lockout = parse(too_soon);
  EXPECT_EQ(lockout["granted"], false);
  EXPECT_EQ(lockout["refusal"], "lockout");
  EXPECT_TRUE(lockout["next_allowed"].is_string()) << lockout.dump(1);
  EXPECT_TRUE(contains(lockout["reason"], "too soon after your last bolus")) << lockout.dump(1);
  status = parse(ptm("status"));
  EXPECT_EQ(status["boluses"]["used_in_24h"], 1);
  EXPECT_EQ(status["boluses"]["left_in_24h"], 1);
  EXPECT_EQ(status["boluses"]["allowed_now"], false);

  ASSERT_TRUE(wait_for([&] { return parse(ptm("status"))["boluses"]["allowed_now"] == true; }))
      << "the lockout never ended";
  const Ran second = ptm("bolus");
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(parse(second)["granted"], true);
  EXPECT_EQ(parse(second)["left_in_24h"], 0);

  const Ran beyond = ptm("bolus");
  EXPECT_EQ(beyond.exit_code, 1) << beyond.out;
  const nlohmann::json limit = parse(beyond);
  EXPECT_EQ(limit["granted"], false);
  EXPECT_EQ(limit["refusal"], "daily-limit");
  EXPECT_TRUE(contains(limit["reason"], "you have had the 2 boluses allowed in 24 hours"))
      << limit.dump(1);
  status = parse(ptm("status"));
  EXPECT_EQ(status["boluses"]["used_in_24h"], 2);
  EXPECT_EQ(status["boluses"]["left_in_24h"], 0);
  EXPECT_EQ(interrogation()["patient_bolus_usage"]["used_in_24h"], 2);
}

// 7. Above the drug library's hard maximum (morphine 20 mg/day): blocked, nothing sent, and no
// reason overrides it.
TEST_F(ClinicEndToEndTest, HardLimitBlocks) {
  serve(60);
  first_fill();
  const std::int64_t programmed_in = session_of(programmed("1"));
  const std::string token_before = token();

  const Ran blocked = program("25");
  EXPECT_EQ(blocked.exit_code, 2) << blocked.out;
  EXPECT_TRUE(contains(blocked.out, "the drug library blocks this program")) << blocked.out;
  const nlohmann::json out = parse(blocked);
  EXPECT_EQ(out["delivery"], "not sent");
  EXPECT_EQ(out["dose_check"]["blocked"], true);
  bool hard = false;
  for (const nlohmann::json& f : out["dose_check"]["findings"]) {
    hard = hard || (f["level"] == "hard" && f["field"] == "daily_dose");
  }
  EXPECT_TRUE(hard) << out.dump(1);
  EXPECT_EQ(token(), token_before);

  const Ran overridden =
      program("25", {"--override-reason", "patient insists, opioid-tolerant for years"});
  EXPECT_EQ(overridden.exit_code, 2) << overridden.out;
  EXPECT_TRUE(contains(overridden.out, "the drug library blocks this program")) << overridden.out;
  EXPECT_EQ(token(), token_before);
  // The boluses count too: 19 mg basal + 4 x 0.5 mg is 21 mg in a day.
  const Ran with_boluses =
      program("19", {"--bolus-dose", "0.5", "--bolus-duration", "10m", "--bolus-lockout", "3h",
                     "--bolus-max", "4", "--override-reason", "opioid-tolerant, documented"});
  EXPECT_EQ(with_boluses.exit_code, 2) << with_boluses.out;
  EXPECT_EQ(parse(with_boluses)["dose_check"]["max_daily_dose_ng_per_day"], 21 * kNgPerMg);
  EXPECT_EQ(token(), token_before);
  EXPECT_FALSE(session_exists(programmed_in + 1)) << "nothing sent, nothing recorded";
  EXPECT_EQ(interrogation()["prescription"]["dose_ng_per_day"], 1 * kNgPerMg);
}

// 8. Above the soft maximum (morphine 10 mg/day) but below the hard one: needs the clinician's
// reason, which is recorded with the program.
TEST_F(ClinicEndToEndTest, SoftLimitOverriddenWithAReason) {
  serve(60);
  first_fill();
  const std::int64_t programmed_in = session_of(programmed("1"));
  const std::string token_before = token();

  const Ran unexplained = program("12");
  EXPECT_EQ(unexplained.exit_code, 2) << unexplained.out;
  EXPECT_TRUE(contains(unexplained.out, "--override-reason")) << unexplained.out;
  EXPECT_EQ(parse(unexplained)["delivery"], "not sent");
  EXPECT_EQ(parse(unexplained)["dose_check"]["needs_override"], true);
  EXPECT_EQ(token(), token_before);
  EXPECT_EQ(program("12", {"--override-reason", "ok"}).exit_code, 2) << "too short a reason";
  EXPECT_EQ(token(), token_before);
  EXPECT_FALSE(session_exists(programmed_in + 1));

  const std::string reason = "opioid-tolerant; pain uncontrolled at 10 mg/day, reviewed with team";
  const Ran ran = program("12", {"--override-reason", reason});
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  const nlohmann::json out = parse(ran);
  EXPECT_EQ(out["delivery"], "applied");
  EXPECT_EQ(out["verified"], true);
  EXPECT_EQ(out["override_reason"], reason);
  const nlohmann::json dose_row = review_row(out, "Daily dose");
  EXPECT_NE(dose_row["now"], dose_row["new"]);
  EXPECT_TRUE(contains(dose_row["now"], "1")) << dose_row.dump();
  EXPECT_TRUE(contains(dose_row["new"], "12")) << dose_row.dump();
  nlohmann::json st = interrogation();
  EXPECT_EQ(st["prescription"]["dose_ng_per_day"], 12 * kNgPerMg);
  EXPECT_EQ(st["prescription_token"], out["prescription_token"]);

  const nlohmann::json report = session_report(session_of(out));
  EXPECT_EQ(report["operator"], kClinician);
  ASSERT_EQ(changes_of(report, "program").size(), 1U) << report.dump(1);
  EXPECT_EQ(changes_of(report, "program")[0]["detail"]["max_daily_dose_ng"], 12 * kNgPerMg);
  const std::vector<nlohmann::json> overrides = changes_of(report, "override");
  ASSERT_EQ(overrides.size(), 1U) << report.dump(1);
  EXPECT_EQ(overrides[0]["detail"]["reason"], reason);
  EXPECT_EQ(overrides[0]["detail"]["clinician"], kClinician);
  EXPECT_EQ(overrides[0]["detail"]["field"], "daily_dose");
  EXPECT_EQ(overrides[0]["detail"]["drug"], "morphine");
  EXPECT_TRUE(contains(overrides[0]["detail"]["limit"], "10")) << overrides[0].dump(1);
  const Ran text = clinic({"report", "--session", std::to_string(session_of(out))});
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, "override")) << text.out;
  EXPECT_TRUE(contains(text.out, "by Dr A: " + reason)) << text.out;
}

// 9. A clinician bolus goes through the drug library's check like a program: the heaviest 24 h
// of the running basal (1 mg/day), every earlier clinician bolus and this one, against morphine's
// soft (10 mg/day) and hard (20 mg/day) maxima. Within them it is applied and recorded with its
// verdict; 30 mg over a day is blocked; 10 mg over an hour needs a reason, shown in the review
// before the confirmation and recorded with the bolus.
TEST_F(ClinicEndToEndTest, ClinicianBolusCheckedAgainstTheDrugLibrary) {
  serve(360);  // half an hour lasts 5 s
  first_fill();
  const std::int64_t programmed_in = session_of(programmed("1"));
  const auto bolus = [&](const std::string& dose, const std::string& duration,
                         const std::vector<std::string>& more = {}, const std::string& input = {}) {
    std::vector<std::string> c{"bolus", "--unit", "mg", "--dose", dose, "--duration", duration};
    c.insert(c.end(), more.begin(), more.end());
    return recorded(c, input);
  };

  // 2 mg over 30 min: 1 + 2 = 3 mg in the heaviest 24 h, within the limits.
  const Ran within = bolus("2", "30m", {"--yes", "--json"});
  ASSERT_EQ(within.exit_code, 0) << within.out;
  const nlohmann::json applied = parse(within);
  EXPECT_EQ(applied["delivery"], "applied");
  EXPECT_EQ(applied["dose_check"]["verdict"], "within");
  EXPECT_EQ(applied["dose_check"]["max_daily_dose_ng_per_day"], 3 * kNgPerMg);
  EXPECT_TRUE(contains(applied["dose_check"]["verdict_text"], "soft maximum 10 mg/day"))
      << applied.dump(1);
  EXPECT_EQ(interrogation()["activity"], "clinician bolus");
  const nlohmann::json first_report = session_report(session_of(applied));
  const std::vector<nlohmann::json> bolus_changes = changes_of(first_report, "bolus");
  ASSERT_EQ(bolus_changes.size(), 1U) << first_report.dump(1);
  EXPECT_TRUE(contains(bolus_changes[0]["what"], "drug library: within, 3 mg/day"))
      << bolus_changes[0].dump(1);
  EXPECT_EQ(bolus_changes[0]["detail"]["dose_check"]["verdict"], "within");
  EXPECT_EQ(bolus_changes[0]["detail"]["dose_ng"], 2 * kNgPerMg);
  ASSERT_TRUE(wait_for([&] { return interrogation()["activity"] == "basal"; }));
  const std::int64_t recorded_in = session_of(applied);

  // 30 mg over 24 h (the case): 1 + 2 (the earlier bolus, from the implant's log) + 30.
  const Ran day = bolus("30", "24h", {"--yes", "--json"});
  EXPECT_EQ(day.exit_code, 2) << day.out;
  EXPECT_TRUE(contains(day.out, "the drug library blocks this bolus")) << day.out;
  const nlohmann::json blocked = parse(day);
  EXPECT_EQ(blocked["delivery"], "not sent");
  EXPECT_EQ(blocked["dose_check"]["verdict"], "blocked");
  EXPECT_EQ(blocked["dose_check"]["max_daily_dose_ng_per_day"], 33 * kNgPerMg);
  EXPECT_EQ(blocked["dose_check"]["clinician_bolus"]["earlier_ng"], 2 * kNgPerMg);
  EXPECT_EQ(blocked["dose_check"]["clinician_bolus"]["earlier_count"], 1);
  bool hard = false;
  for (const nlohmann::json& f : blocked["dose_check"]["findings"]) {
    hard =
        hard || (f["level"] == "hard" && f["field"] == "daily_dose" && f["limit"] == "20 mg/day");
  }
  EXPECT_TRUE(hard) << blocked.dump(1);
  // No reason overrides it, and in words the review says why.
  const Ran insisted = bolus("30", "24h", {"--override-reason", "opioid-tolerant for years"});
  EXPECT_EQ(insisted.exit_code, 2) << insisted.out;
  EXPECT_TRUE(contains(insisted.out,
                       "heaviest 24 h        33 mg/day (basal 1 mg/day + 1 earlier "
                       "clinician bolus of 2 mg in all + this bolus 30 mg over 24 h)"))
      << insisted.out;
  EXPECT_TRUE(contains(insisted.out,
                       "verdict: BLOCKED by a hard limit of the drug library on "
                       "daily_dose (limit 20 mg/day; source: Infumorph label"))
      << insisted.out;
  EXPECT_EQ(interrogation()["activity"], "basal");

  // 10 mg over an hour: 13 mg, above the soft maximum: refused without a reason...
  const Ran unexplained = bolus("10", "1h", {"--yes", "--json"});
  EXPECT_EQ(unexplained.exit_code, 2) << unexplained.out;
  EXPECT_TRUE(contains(unexplained.out, "--override-reason")) << unexplained.out;
  EXPECT_EQ(parse(unexplained)["dose_check"]["verdict"], "needs override");
  EXPECT_EQ(bolus("10", "1h", {"--yes", "--override-reason", "ok"}).exit_code, 2)
      << "too short a reason";
  EXPECT_EQ(interrogation()["activity"], "basal");
  EXPECT_FALSE(session_exists(recorded_in + 1)) << "nothing sent, nothing recorded";
  // ...shown with the verdict before the confirmation, which can still say no...
  const std::string reason = "breakthrough pain at 1 mg/day, patient opioid-tolerant, reviewed";
  const Ran declined = bolus("10", "1h", {"--override-reason", reason}, "n\n");
  EXPECT_EQ(declined.exit_code, 1) << declined.out;
  const std::size_t verdict_at = declined.out.find(
      "verdict: needs the clinician's override reason: a soft limit of the drug library on "
      "daily_dose (limit 10 mg/day; source: Infumorph label");
  EXPECT_NE(verdict_at, std::string::npos) << declined.out;
  EXPECT_LT(verdict_at, declined.out.find("Go ahead? [y/N]")) << declined.out;
  EXPECT_TRUE(contains(declined.out, "override reason: " + reason)) << declined.out;
  EXPECT_EQ(interrogation()["activity"], "basal");
  // ...and applied with the reason, recorded with the bolus.
  const Ran given = bolus("10", "1h", {"--override-reason", reason, "--yes", "--json"});
  ASSERT_EQ(given.exit_code, 0) << given.out;
  const nlohmann::json out = parse(given);
  EXPECT_EQ(out["delivery"], "applied");
  EXPECT_EQ(out["override_reason"], reason);
  EXPECT_EQ(out["dose_check"]["max_daily_dose_ng_per_day"], 13 * kNgPerMg);
  EXPECT_EQ(interrogation()["activity"], "clinician bolus");
  const nlohmann::json report = session_report(session_of(out));
  const std::vector<nlohmann::json> changes = changes_of(report, "bolus");
  ASSERT_EQ(changes.size(), 1U) << report.dump(1);
  EXPECT_TRUE(contains(changes[0]["what"], "needs override, reason given, 13 mg/day"))
      << changes[0].dump(1);
  const std::vector<nlohmann::json> overrides = changes_of(report, "override");
  ASSERT_EQ(overrides.size(), 1U) << report.dump(1);
  EXPECT_EQ(overrides[0]["detail"]["reason"], reason);
  EXPECT_EQ(overrides[0]["detail"]["field"], "daily_dose");
  EXPECT_EQ(overrides[0]["detail"]["clinician"], kClinician);
  EXPECT_TRUE(contains(overrides[0]["detail"]["limit"], "10 mg/day")) << overrides[0].dump(1);
  EXPECT_GT(session_of(out), programmed_in);
}

// 10. The pump runs dry (4 mL at 0.5 mL/day, at 2e5 times real time) and is refilled: the
// withdrawn 0 mL is "as expected", so the refill says from the implant that the pump ran empty,
// since when (its event log), what that means for morphine, and what to do before the refill
// restarts the program; in text before the confirmation, in JSON, and in the clinic's record.
TEST_F(ClinicEndToEndTest, RefillAfterTheReservoirRanDry) {
  serve(2e5);  // eight days in about 3.5 s
  // The low-reservoir alarm at 0.5 mL: 7 days on, so the next refill date (5 days before it)
  // is still ahead.
  const Ran filled = recorded({"refill", "--drug", "morphine", "--concentration", "10",
                               "--volume-ml", "4", "--low-alarm-ml", "0.5", "--yes", "--json"});
  ASSERT_EQ(filled.exit_code, 0) << filled.out;
  const std::int64_t before_program = interrogation()["clock"]["wall_ms"];
  ASSERT_EQ(program("5").exit_code, 0);
  const std::int64_t after_program = interrogation()["clock"]["wall_ms"];
  nlohmann::json st;
  ASSERT_TRUE(wait_for([&] {
    st = interrogation();
    return st["activity"] == "reservoir empty";
  })) << st.dump(1);
  EXPECT_TRUE(has_alarm(st, "reservoir-empty")) << st["alarms"].dump(1);
  const std::vector<std::string> refill{"refill", "--withdrawn-ml", "0",
                                        "--drug", "morphine",       "--concentration",
                                        "10",     "--volume-ml",    "18"};

  // The review, before the confirmation.
  const Ran declined = recorded(refill, "n\n");
  EXPECT_EQ(declined.exit_code, 1) << declined.out;
  for (const char* expected :
       {"THE RESERVOIR RAN DRY: no Morphine", "has been delivered since ",
        "the implant reports delivery stopped (reservoir empty)",
        "the withdrawal risk of Morphine (preservative-free, Infumorph) is moderate",
        "unconfirmed: rank chosen: opioid withdrawal when the reservoir runs dry",
        "may have lost tolerance", "delayed respiratory depression",
        "The refill restarts the program in force, up to 5 mg/day",
        "no priming bolus: the implant stops at its computed empty",
        "docs/intrathecal-facts.md: a priming bolus is for after implantation",
        "withdrawn 0 mL against ", "nothing to speak of was left because the reservoir ran dry",
        "no bridge bolus: the concentration does not change"}) {
    EXPECT_TRUE(contains(declined.out, expected)) << expected << "\n" << declined.out;
  }
  EXPECT_LT(declined.out.find("THE RESERVOIR RAN DRY"), declined.out.find("Go ahead? [y/N]"));
  EXPECT_EQ(interrogation()["activity"], "reservoir empty") << "nothing was sent";

  std::vector<std::string> confirmed = refill;
  confirmed.insert(confirmed.end(), {"--yes", "--json"});
  const Ran ran = recorded(confirmed);
  ASSERT_EQ(ran.exit_code, 0) << ran.out;
  const nlohmann::json r = parse(ran);
  EXPECT_EQ(r["delivery"], "applied");
  const nlohmann::json& dry = r["ran_dry"];
  ASSERT_TRUE(dry.is_object()) << r.dump(1);
  EXPECT_EQ(dry["drug"], "morphine");
  EXPECT_EQ(dry["delivery_stopped"], true);
  EXPECT_EQ(dry["since_or_earlier"], false);
  EXPECT_TRUE(dry["log_seq"].is_number_integer()) << dry.dump(1);
  // 4 mL at 0.5 mL/day: eight days after the program started, give or take a stroke (under 3
  // min at 0.5 mL/day).
  const std::int64_t since = dry["since_wall_ms"];
  EXPECT_GE(since, before_program + 8 * kMsPerDay - 3 * 60'000) << dry.dump(1);
  EXPECT_LE(since, after_program + 8 * kMsPerDay + 3 * 60'000) << dry.dump(1);
  EXPECT_GT(dry["dry_for_ms"].get<std::int64_t>(), 0);
  EXPECT_EQ(dry["withdrawal_risk"], "moderate");
  EXPECT_EQ(dry["opioid"], true);
  EXPECT_EQ(dry["prime"], false);
  EXPECT_EQ(dry["program_dose_ng_per_day"], 5 * kNgPerMg);
  bool tolerance = false;
  for (const nlohmann::json& a : dry["advice"]) {
    tolerance = tolerance || (contains(a["what"], "may have lost tolerance") &&
                              contains(a["source"], "docs/intrathecal-facts.md"));
  }
  EXPECT_TRUE(tolerance) << dry.dump(1);
  // The refill restarted the program.
  st = interrogation();
  EXPECT_EQ(st["activity"], "basal");
  EXPECT_FALSE(has_alarm(st, "reservoir-empty")) << st["alarms"].dump(1);

  // The clinic's record: the refill, and the dry spell it ended with what was said.
  const nlohmann::json report = session_report(session_of(r));
  ASSERT_EQ(changes_of(report, "refill").size(), 1U) << report.dump(1);
  const std::vector<nlohmann::json> alarms = changes_of(report, "alarm");
  ASSERT_EQ(alarms.size(), 1U) << report.dump(1);
  EXPECT_TRUE(contains(alarms[0]["what"], "the reservoir had run dry on ")) << alarms[0].dump(1);
  EXPECT_EQ(alarms[0]["detail"]["since_wall_ms"], since);
}

}  // namespace
}  // namespace itdd
