// The patient's device (`itdd ptm`) and the clinician's therapy commands (`itdd programmer
// prime|bolus|alarm|set-clock|log|history`) as child processes against `itdd implant serve`.
// The clinic fills and programs the implant through the client library (programmer/client and
// programmer::program_request), as `itdd programmer program` would.
//
// The virtual implant runs faster than real time (--speed) so that a lockout passes or an hour
// of delivery history closes while the test waits; nothing here depends on how fast this
// computer is beyond a lockout of 10 s of real time outlasting one command's start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "itdd/host/sodium_crypto.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd_process.h"

namespace itdd {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Ran;
using testing::run_itdd;
using testing::Server;

constexpr Concentration kMorphine25{25 * kNanogramsPerMilligram};  // 25 mg/mL (Infumorph label)

// Morphine 4 mg/day continuous; patient boluses of 0.5 mg over 10 minutes, at most `max` in
// 24 hours, 10 minutes apart.
therapy::Prescription prescription(std::uint8_t max) {
  therapy::Prescription rx;
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = kMorphine25;
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = DoseRate(4 * kNanogramsPerMilligram);
  rx.patient_bolus = {true, DrugAmount(500'000), minutes(10), max, minutes(10)};
  return rx;
}

nlohmann::json parse(const Ran& r) {
  try {
    return nlohmann::json::parse(r.stdout_text);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.out;
    return nlohmann::json::object();
  }
}

nlohmann::json read_json_file(const fs::path& file) {
  std::ifstream in(file);
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    ADD_FAILURE() << file << ": " << e.what();
    return nlohmann::json::object();
  }
}

class PtmTest : public ::testing::Test {
 protected:
  // The key pair in a file `itdd programmer keygen` wrote (test side: kept in the clear).
  hal::KeyPair key_pair_in(const std::string& file) {
    programmer::DeviceKeys keys;
    const Status s = programmer::read_key_pair_file(file, crypto_, {}, keys);
    EXPECT_TRUE(s.ok()) << file << ": " << s.error().message;
    return keys.pair();
  }
  void SetUp() override {
    dir_ = testing::fresh_test_dir("itdd-ptm");
    clinician_file_ = (dir_ / "clinic.key").string();
    patient_file_ = (dir_ / "patient.key").string();
    ASSERT_FALSE(testing::keygen(clinician_file_).empty());
    ASSERT_FALSE(testing::keygen(patient_file_).empty());
    clinician_ = key_pair_in(clinician_file_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  // The implant, its clinician and its patient provisioned (the factory path).
  void serve(double speed) {
    server_ = std::make_unique<Server>(
        std::vector<std::string>{"--state", (dir_ / "state").string(), "--listen", "127.0.0.1:0",
                                 "--speed", std::to_string(speed), "--provision",
                                 "clinician:" + clinician_file_, "--provision",
                                 "patient:" + patient_file_},
        dir_ / "serve.log");
    ASSERT_NE(server_->port(), 0) << server_->banner();
    implant_pub_ = (dir_ / "state" / "implant.pub").string();
  }

  // The clinic's work through the client library: fill, then program `rx`.
  void fill_and_program(Volume volume, const therapy::Prescription& rx) {
    programmer::TcpTransport tcp;
    ASSERT_TRUE(tcp.connect({"127.0.0.1", server_->port()}, 2s).ok());
    programmer::Client c(crypto_, clinician_,
                         programmer::public_key_from_hex(server_->key_hex()).value(), tcp);
    const programmer::CommandResult filled =
        c.command(programmer::refill_request(1, rx.drug, rx.concentration, volume).value(), 1);
    ASSERT_EQ(filled.delivery, programmer::Delivery::kApplied) << filled.detail;
    const Result<protocol::Response> status = c.call(programmer::interrogate_request());
    ASSERT_TRUE(status.ok());
    const programmer::CommandResult programmed = c.command(
        programmer::program_request(2, status->payload.status.prescription_token, rx).value(), 2);
    ASSERT_EQ(programmed.delivery, programmer::Delivery::kApplied) << programmed.detail;
    ASSERT_TRUE(c.close().ok());
  }

  std::vector<std::string> link(const std::string& key, const std::string& implant_key) const {
    return {"--implant", server_->address(), "--key", key, "--implant-key", implant_key};
  }
  Ran itdd(std::vector<std::string> command, const std::string& key,
           const std::string& input = {}) const {
    const std::vector<std::string> l = link(key, implant_pub_);
    command.insert(command.end(), l.begin(), l.end());
    return run_itdd(command, 30s, input);
  }
  Ran ptm(const std::string& what, bool json = false) const {
    std::vector<std::string> c{"ptm", what};
    if (json) c.push_back("--json");
    return itdd(c, patient_file_);
  }
  Ran clinic(std::vector<std::string> command, const std::string& input = {}) const {
    command.insert(command.begin(), "programmer");
    return itdd(command, clinician_file_, input);
  }
  nlohmann::json interrogation() const {
    const Ran r = clinic({"interrogate", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return parse(r);
  }
  // Asks until `done` holds (the implant's time runs at --speed): false after a minute.
  bool wait_for(const std::function<bool()>& done) const {
    for (int i = 0; i < 120; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(500ms);
    }
    return false;
  }

  fs::path dir_;
  host::SodiumCrypto crypto_;
  std::string clinician_file_;
  std::string patient_file_;
  std::string implant_pub_;
  hal::KeyPair clinician_{};
  std::unique_ptr<Server> server_;
};

TEST_F(PtmTest, PatientBolusesWithinTheLockoutAndTheDailyLimit) {
  serve(60);  // the 10-minute lockout lasts 10 s
  fill_and_program(millilitres(18), prescription(2));

  Ran status = ptm("status");
  ASSERT_EQ(status.exit_code, 0) << status.out;
  EXPECT_NE(status.out.find("therapy     running (basal)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("0.500 mg each; 0 of 2 used in the last 24 hours, 2 left"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("next bolus  allowed now"), std::string::npos) << status.out;

  const Ran first = ptm("bolus");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("bolus granted: 0.500 mg; 1 bolus left in the next 24 hours"),
            std::string::npos)
      << first.out;

  // At once again: within the lockout, refused with the time it will be allowed.
  const Ran second = ptm("bolus");
  EXPECT_EQ(second.exit_code, 1) << second.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      second.out, m,
      std::regex(
          R"(bolus refused: too soon after your last bolus: the next is allowed (at|tomorrow at|on \d{4}-\d\d-\d\d at) (\d\d:\d\d))")))
      << second.out;
  nlohmann::json j = parse(ptm("status", true));
  EXPECT_EQ(j["boluses"]["used_in_24h"], 1);
  EXPECT_EQ(j["boluses"]["left_in_24h"], 1);
  EXPECT_EQ(j["boluses"]["refusal"], "lockout");
  EXPECT_EQ(j["boluses"]["next_allowed"].get<std::string>().substr(11), m[2].str());

  ASSERT_TRUE(wait_for([&] {
    return parse(ptm("status", true))["boluses"]["allowed_now"] == true;
  })) << "the lockout never ended";
  const Ran third = ptm("bolus");
  ASSERT_EQ(third.exit_code, 0) << third.out;
  EXPECT_NE(third.out.find("0 boluses left in the next 24 hours"), std::string::npos) << third.out;

  // Beyond the daily limit: refused, with when the first bolus's place frees again.
  const Ran fourth = ptm("bolus");
  EXPECT_EQ(fourth.exit_code, 1) << fourth.out;
  EXPECT_NE(fourth.out.find("bolus refused: you have had the 2 boluses allowed in 24 hours: the "
                            "next is allowed"),
            std::string::npos)
      << fourth.out;
  j = parse(ptm("status", true));
  EXPECT_EQ(j["boluses"]["used_in_24h"], 2);
  EXPECT_EQ(j["boluses"]["left_in_24h"], 0);
  EXPECT_EQ(j["boluses"]["refusal"], "daily-limit");
  // The clinic sees the same count.
  EXPECT_EQ(interrogation()["patient_bolus_usage"]["used_in_24h"], 2);
  // Both grants and both refusals are in the event log.
  const Ran log = clinic({"log", "--json"});
  ASSERT_EQ(log.exit_code, 0) << log.out;
  int granted = 0;
  int refused = 0;
  const nlohmann::json records = parse(log);
  for (const nlohmann::json& r : records["records"]) {
    granted += r["name"] == "patient-bolus-granted";
    refused += r["name"] == "patient-bolus-refused";
  }
  EXPECT_EQ(granted, 2);
  EXPECT_EQ(refused, 2);
}

TEST_F(PtmTest, APatientKeyMayNotPrimeOrProgramAndThePtmWantsAPatientKey) {
  serve(600);
  fill_and_program(millilitres(18), prescription(4));
  const std::uint64_t token =
      std::stoull(interrogation()["prescription_token"].get<std::string>(), nullptr, 16);

  // The patient's key with the clinician's commands: the implant refuses, nothing changes.
  const Ran prime =
      itdd({"programmer", "prime", "--catheter-volume-ml", "0.25", "--yes"}, patient_file_);
  EXPECT_EQ(prime.exit_code, 1) << prime.out;
  EXPECT_NE(prime.out.find("not authorised"), std::string::npos) << prime.out;
  {
    programmer::TcpTransport tcp;
    ASSERT_TRUE(tcp.connect({"127.0.0.1", server_->port()}, 2s).ok());
    const hal::KeyPair patient = key_pair_in(patient_file_);
    programmer::Client c(crypto_, patient,
                         programmer::public_key_from_hex(server_->key_hex()).value(), tcp);
    const programmer::CommandResult r =
        c.command(programmer::program_request(9, token, prescription(24)).value(), 9);
    EXPECT_EQ(r.delivery, programmer::Delivery::kNotApplied);
    ASSERT_TRUE(r.response.has_value());
    EXPECT_EQ(r.response->result, itdd_ResultCode_RESULT_NOT_AUTHORISED);
    ASSERT_TRUE(c.close().ok());
  }
  const nlohmann::json after = interrogation();
  EXPECT_EQ(after["activity"], "basal");
  EXPECT_EQ(after["pump"]["catheter_volume_nl"], 0);
  EXPECT_EQ(std::stoull(after["prescription_token"].get<std::string>(), nullptr, 16), token);

  // The PTM checks the role its implant file was paired with before anything is sent.
  link::Paired as_clinician{};
  as_clinician.implant = programmer::public_key_from_hex(server_->key_hex()).value();
  as_clinician.role = link::Role::kClinician;
  const std::string clinician_implant = (dir_ / "implant.clinician").string();
  ASSERT_TRUE(programmer::write_implant_file(clinician_implant, as_clinician).ok());
  Ran r = run_itdd({"ptm", "status", "--implant", server_->address(), "--key", patient_file_,
                    "--implant-key", clinician_implant});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("paired as a clinician device, not a patient's"), std::string::npos)
      << r.out;
  link::Paired as_patient = as_clinician;
  as_patient.role = link::Role::kPatient;
  const std::string patient_implant = (dir_ / "implant.patient").string();
  ASSERT_TRUE(programmer::write_implant_file(patient_implant, as_patient).ok());
  r = run_itdd({"ptm", "status", "--implant", server_->address(), "--key", patient_file_,
                "--implant-key", patient_implant});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST_F(PtmTest, PrimingAsksFirstAndTheLogAndHistorySayWhatHappened) {
  serve(600);
  fill_and_program(millilitres(18), prescription(4));

  // Asked, answered no: nothing changes.
  const Ran no = clinic({"prime", "--catheter-volume-ml", "0.25"}, "n\n");
  EXPECT_EQ(no.exit_code, 1) << no.out;
  for (const char* expected :
       {"priming: pump dead volume 0.200 mL + catheter 0.250 mL = 0.450 mL",
        "at 24.000 mL/day: about 27 min", "Go ahead? [y/N]", "cancelled: nothing was changed"}) {
    EXPECT_NE(no.out.find(expected), std::string::npos) << expected << "\n" << no.out;
  }
  nlohmann::json st = interrogation();
  EXPECT_EQ(st["activity"], "basal");
  EXPECT_EQ(st["pump"]["catheter_volume_nl"], 0);
  // No answer at all (stdin closed) is a no too.
  EXPECT_EQ(clinic({"prime", "--catheter-volume-ml", "0.25"}).exit_code, 1);
  EXPECT_EQ(interrogation()["pump"]["catheter_volume_nl"], 0);

  const Ran yes = clinic({"prime", "--catheter-volume-ml", "0.25", "--yes"});
  ASSERT_EQ(yes.exit_code, 0) << yes.out;
  EXPECT_NE(yes.out.find("priming started: 0.450 mL, ends "), std::string::npos) << yes.out;
  st = interrogation();
  EXPECT_EQ(st["pump"]["catheter_volume_nl"], 250'000);

  const Ran test = clinic({"alarm", "test"});
  EXPECT_EQ(test.exit_code, 0) << test.out;
  EXPECT_NE(test.out.find("alarm test started"), std::string::npos) << test.out;

  const fs::path log_file = dir_ / "log.json";
  const Ran log = clinic({"log", "--out", log_file.string()});
  ASSERT_EQ(log.exit_code, 0) << log.out;
  EXPECT_NE(log.out.find("written to " + log_file.string()), std::string::npos) << log.out;
  const nlohmann::json records = read_json_file(log_file);
  EXPECT_EQ(records["format"], "itdd-event-log");
  EXPECT_EQ(records["implant_key"], server_->key_hex());
  bool primed = false;
  bool tested = false;
  std::uint32_t last_seq = 0;
  for (const nlohmann::json& r : records["records"]) {
    for (const char* key : {"seq", "at_implant_ms", "code", "reason", "a", "b", "name", "text"}) {
      EXPECT_TRUE(r.contains(key)) << key << ": " << r;
    }
    EXPECT_GT(r["seq"].get<std::uint32_t>(), last_seq);  // oldest first, none twice
    last_seq = r["seq"];
    if (r["name"] == "priming-started") {
      primed = true;
      EXPECT_EQ(r["a"], 450'000);
      EXPECT_EQ(r["text"], "priming started: 0.450 mL over 27 min");
    }
    tested = tested || r["name"] == "alarm-test";
  }
  EXPECT_TRUE(primed) << records.dump(1);
  EXPECT_TRUE(tested);
  EXPECT_EQ(records["newest_seq"], last_seq);
  // From a later sequence number, only the rest.
  const Ran tail = clinic({"log", "--from", std::to_string(last_seq), "--json"});
  ASSERT_EQ(tail.exit_code, 0) << tail.out;
  EXPECT_GE(parse(tail)["records"].size(), 1u);
  EXPECT_EQ(parse(tail)["records"][0]["seq"], last_seq);

  // The hours that held the priming, once they are closed (an hour is 6 s here).
  const fs::path history_file = dir_ / "history.json";
  nlohmann::json history;
  ASSERT_TRUE(wait_for([&] {
    const Ran h = clinic({"history", "--out", history_file.string()});
    EXPECT_EQ(h.exit_code, 0) << h.out;
    history = read_json_file(history_file);
    return history["total"]["volume_nl"].get<std::int64_t>() >= 450'000;
  })) << history.dump(1);
  EXPECT_EQ(history["format"], "itdd-delivery-history");
  std::int64_t volume = 0;
  std::int64_t strokes = 0;
  for (const nlohmann::json& h : history["hours"]) {
    EXPECT_LE(h["hour_index"].get<std::int64_t>(), history["newest_hour"].get<std::int64_t>());
    volume += h["volume_nl"].get<std::int64_t>();
    strokes += h["strokes"].get<std::int64_t>();
  }
  EXPECT_EQ(history["total"]["volume_nl"], volume);
  EXPECT_EQ(history["total"]["strokes"], strokes);
  EXPECT_EQ(volume, strokes * 1000);  // the pump model's 1 uL stroke
  const Ran last_hour = clinic({"history", "--hours", "1"});
  ASSERT_EQ(last_hour.exit_code, 0) << last_hour.out;
  EXPECT_NE(last_hour.out.find("total: 1 recorded hour, "), std::string::npos) << last_hour.out;
}

TEST_F(PtmTest, ClinicianBolusChecksTheDrugAndAsks) {
  serve(600);
  fill_and_program(millilitres(18), prescription(4));
  // The implant holds a drug dosed in mg: a dose in mcg is refused before anything is sent.
  const Ran wrong = clinic({"bolus", "--dose", "500", "--unit", "mcg", "--duration", "30m"});
  EXPECT_EQ(wrong.exit_code, 2) << wrong.out;
  EXPECT_NE(wrong.out.find("the implant holds morphine, dosed in mg"), std::string::npos)
      << wrong.out;
  EXPECT_EQ(
      clinic({"bolus", "--dose", "1", "--unit", "mg", "--duration", "30m", "--drug", "baclofen"})
          .exit_code,
      2);
  EXPECT_EQ(clinic({"bolus", "--dose", "1", "--unit", "mg", "--duration", "30"}).exit_code, 2);
  EXPECT_EQ(interrogation()["activity"], "basal");

  const Ran bolus = clinic(
      {"bolus", "--dose", "1", "--unit", "mg", "--duration", "30m", "--drug", "morphine"}, "y\n");
  ASSERT_EQ(bolus.exit_code, 0) << bolus.out;
  for (const char* expected :
       {"clinician bolus: 1 mg of morphine over 30 min", "= 0.04 mL at 25 mg/mL",
        "verdict: within the library's limits", "bolus started: 1 mg (0.04 mL)"}) {
    EXPECT_NE(bolus.out.find(expected), std::string::npos) << expected << "\n" << bolus.out;
  }
  // While it runs, a priming is refused with the implant's reason.
  const Ran prime = clinic({"prime", "--catheter-volume-ml", "0.25", "--yes"});
  EXPECT_EQ(prime.exit_code, 1) << prime.out;
  EXPECT_NE(prime.out.find("another bolus is running"), std::string::npos) << prime.out;
}

TEST_F(PtmTest, AlarmsInPlainWordsSilencedAndTheClockSet) {
  serve(600);
  // 1.5 mL is under the pump's 2 mL low-reservoir threshold: the alarm comes with a stroke.
  fill_and_program(microlitres(1500), prescription(4));
  nlohmann::json st;
  ASSERT_TRUE(wait_for([&] {
    st = parse(ptm("status", true));
    return st["reservoir_low"] == true;
  })) << st.dump(1);
  Ran status = ptm("status");
  EXPECT_NE(status.out.find("reservoir   LOW: call your clinic to arrange a refill"),
            std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("The pump's drug reservoir is low. Call your clinic to arrange a "
                            "refill."),
            std::string::npos)
      << status.out;

  const Ran silence = clinic({"alarm", "silence", "--kind", "low-reservoir", "--for", "24h"});
  EXPECT_EQ(silence.exit_code, 0) << silence.out;
  EXPECT_NE(silence.out.find("low-reservoir alarm silenced for 1 d"), std::string::npos)
      << silence.out;
  status = ptm("status");
  EXPECT_NE(status.out.find("refill. (silenced)"), std::string::npos) << status.out;
  // An alarm that is not active, an unknown kind, a bad duration.
  const Ran inactive = clinic({"alarm", "silence", "--kind", "motor-stall", "--for", "1h"});
  EXPECT_EQ(inactive.exit_code, 1) << inactive.out;
  EXPECT_NE(inactive.out.find("the alarm is not active"), std::string::npos) << inactive.out;
  EXPECT_EQ(clinic({"alarm", "silence", "--kind", "low-res", "--for", "1h"}).exit_code, 2);
  EXPECT_EQ(clinic({"alarm", "silence", "--kind", "low-reservoir", "--for", "soon"}).exit_code, 2);

  const Ran set = clinic({"set-clock", "--wall", "2026-03-01 14:05", "--yes"});
  ASSERT_EQ(set.exit_code, 0) << set.out;
  EXPECT_NE(set.out.find("implant clock set to 2026-03-01 14:05"), std::string::npos) << set.out;
  const std::string wall = interrogation()["clock"]["wall"];
  EXPECT_EQ(wall.substr(0, 11), "2026-03-01 ") << wall;
  EXPECT_EQ(clinic({"set-clock"}).exit_code, 2);
  EXPECT_EQ(clinic({"set-clock", "--now", "--wall", "2026-03-01 14:05"}).exit_code, 2);
  EXPECT_EQ(clinic({"set-clock", "--wall", "2026-02-30 10:00"}).exit_code, 2);
  // --now is the clinic's time: in which zone is never guessed from this computer.
  const Ran unzoned = clinic({"set-clock", "--now"});
  EXPECT_EQ(unzoned.exit_code, 2);
  EXPECT_NE(unzoned.out.find("--time-zone Europe/Paris"), std::string::npos) << unzoned.out;
  EXPECT_EQ(clinic({"set-clock", "--now", "--time-zone", "Paris"}).exit_code, 2);
  // A time the clocks skip in the clinic's zone is refused, saying so.
  const Ran skipped =
      clinic({"set-clock", "--wall", "2027-03-28 02:30", "--time-zone", "Europe/Paris"});
  EXPECT_EQ(skipped.exit_code, 2);
  EXPECT_NE(skipped.out.find("does not exist in Europe/Paris"), std::string::npos) << skipped.out;
  EXPECT_EQ(interrogation()["clock"]["wall"].get<std::string>().substr(0, 11), "2026-03-01 ");
  // Far from the clinic's time: the interrogation warns, saying the command that fixes it.
  const Ran off = clinic({"interrogate", "--time-zone", "America/New_York"});
  ASSERT_EQ(off.exit_code, 0) << off.out;
  EXPECT_NE(off.out.find("warning: the implant's clock reads 2026-03-01"), std::string::npos)
      << off.out;
  EXPECT_NE(off.out.find("itdd programmer set-clock --now --time-zone America/New_York"),
            std::string::npos)
      << off.out;
  const Ran now =
      clinic({"set-clock", "--now", "--time-zone", "America/New_York", "--json", "--yes"});
  ASSERT_EQ(now.exit_code, 0) << now.out;
  EXPECT_TRUE(parse(now).contains("moved_ms"));
  const Ran checked = clinic({"interrogate", "--json", "--time-zone", "America/New_York"});
  ASSERT_EQ(checked.exit_code, 0) << checked.out;
  const nlohmann::json clock = parse(checked)["clock_check"];
  EXPECT_EQ(clock["time_zone"], "America/New_York") << clock.dump(1);
  EXPECT_EQ(clock["tolerance_ms"], 120'000);
  // The implant's time runs 600 times faster here: a few real seconds since it was set.
  EXPECT_LE(std::abs(clock["difference_ms"].get<std::int64_t>()), 30 * 60'000) << clock.dump(1);
}

// Every clinician session checks the implant's clock against the clinic's time when it opens
// (issue 10, "Time zones"): a program and other commands warn, in the text and in the --json
// object, when the clocks differ, and say nothing when they agree; a daylight-saving change
// the implant's clock did not follow is named. (Both directions of a change are in
// programmer/workflow's implant_clock_test.)
TEST_F(PtmTest, EverySessionChecksTheImplantsClockAgainstTheClinics) {
  serve(1);
  fill_and_program(millilitres(10), prescription(4));
  const std::string zone = "America/New_York";
  const host::TimeZone ny = host::find_time_zone(zone).value();
  const auto utc_now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const auto set_wall = [&](WallTime to) {
    const Ran set = clinic({"set-clock", "--wall", host::format_wall_time(to), "--yes"});
    ASSERT_EQ(set.exit_code, 0) << set.out;
  };
  const auto program = [&](const std::string& dose, bool json) {
    std::vector<std::string> c{"program", "--drug", "morphine", "--concentration",
                               "25",      "--dose", dose,       "--time-zone",
                               zone,      "--yes"};
    if (json) c.emplace_back("--json");
    return clinic(c);
  };
  const std::string warned = "warning: the implant's clock reads ";
  const std::string fix = "itdd programmer set-clock --now --time-zone America/New_York";

  // 37 minutes ahead of the clinic's time.
  set_wall(WallTime(ny.local(utc_now()).ms() + 37 * kMillisPerMinute));
  Ran text = program("3", false);
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find(warned), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("min ahead"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(fix), std::string::npos) << text.out;
  Ran json = program("3.5", true);
  ASSERT_EQ(json.exit_code, 0) << json.out;
  nlohmann::json clock = parse(json)["clock_check"];
  EXPECT_EQ(clock["differs"], true) << clock.dump(1);
  EXPECT_EQ(clock["time_zone"], zone);
  EXPECT_EQ(clock["missed_daylight_saving_change"], false);
  EXPECT_NE(clock["warning"].get<std::string>().find(fix), std::string::npos) << clock.dump(1);
  EXPECT_EQ(parse(json)["verified"], true) << "the warning does not stop the program";
  // Another command: the event log read, and an alarm test.
  const Ran log = clinic({"log", "--time-zone", zone});
  ASSERT_EQ(log.exit_code, 0) << log.out;
  EXPECT_NE(log.out.find(warned), std::string::npos) << log.out;
  const Ran alarm = clinic({"alarm", "test", "--time-zone", zone, "--json"});
  ASSERT_EQ(alarm.exit_code, 0) << alarm.out;
  EXPECT_EQ(parse(alarm)["clock_check"]["differs"], true) << alarm.out;
  // No zone named: nothing compared, nothing said, and the JSON says so (null).
  const Ran unzoned = clinic({"alarm", "test", "--json"});
  ASSERT_EQ(unzoned.exit_code, 0) << unzoned.out;
  EXPECT_TRUE(parse(unzoned)["clock_check"].is_null()) << unzoned.out;
  EXPECT_EQ(unzoned.out.find("warning"), std::string::npos) << unzoned.out;

  // Set to the clinic's time: the same commands say nothing.
  const Ran now = clinic({"set-clock", "--now", "--time-zone", zone, "--yes"});
  ASSERT_EQ(now.exit_code, 0) << now.out;
  text = program("3", false);
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_EQ(text.out.find("warning"), std::string::npos) << text.out;
  json = program("2.5", true);
  ASSERT_EQ(json.exit_code, 0) << json.out;
  clock = parse(json)["clock_check"];
  EXPECT_EQ(clock["differs"], false) << clock.dump(1);
  EXPECT_TRUE(clock["warning"].is_null()) << clock.dump(1);
  EXPECT_LE(std::abs(clock["difference_ms"].get<std::int64_t>()), 2 * kMillisPerMinute);
  const Ran quiet_log = clinic({"log", "--time-zone", zone});
  ASSERT_EQ(quiet_log.exit_code, 0) << quiet_log.out;
  EXPECT_EQ(quiet_log.out.find("warning"), std::string::npos) << quiet_log.out;

  // The implant's clock kept the time from before the zone's last change (spring or autumn,
  // whichever came last): the warning names the change it missed.
  const std::int64_t at = utc_now();
  const std::optional<host::ZoneChange> change = ny.last_change(at);
  ASSERT_TRUE(change.has_value());
  set_wall(WallTime(at + change->offset_before_ms));
  json = program("3", true);
  ASSERT_EQ(json.exit_code, 0) << json.out;
  clock = parse(json)["clock_check"];
  EXPECT_EQ(clock["differs"], true) << clock.dump(1);
  EXPECT_EQ(clock["missed_daylight_saving_change"], true) << clock.dump(1);
  EXPECT_NE(clock["warning"].get<std::string>().find("the implant's clock was not moved"),
            std::string::npos)
      << clock.dump(1);
  EXPECT_NE(json.out.find(warned), std::string::npos) << "said on stderr too: " << json.out;
}

}  // namespace
}  // namespace itdd
