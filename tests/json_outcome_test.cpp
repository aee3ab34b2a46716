// Honest outcomes for scripts (issue 11): every `itdd` command with --json prints exactly one
// JSON object on stdout whatever it came to (ok, refused, invalid input, uncertain, applied but
// not recorded), carrying "outcome" and "exit_status", and the exit status tells the classes
// apart (programmer/outcome.h). And a therapy command whose reply is lost: resolved by asking
// the implant about the command id when it answers again within the retry window, uncertain
// when it does not.
//
// The lost reply is the virtual implant's fault `--silence-after-command-ms`: after a new
// therapy command it answers nothing for that long (real time). The margins against this
// computer's speed are half a second or more (a handshake on loopback takes milliseconds).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/key_files.h"
#include "itdd/programmer/outcome.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd_process.h"

namespace itdd {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using programmer::Outcome;
using testing::Ran;
using testing::run_itdd;
using testing::Server;

// stdout must be one JSON value and nothing else; an object unless `array_ok`.
nlohmann::json one_json(const Ran& r, bool array_ok = false) {
  nlohmann::json j = nlohmann::json::parse(r.stdout_text, nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "stdout is not one JSON value:\n" << r.out;
    return nlohmann::json::object();
  }
  if (!j.is_object() && !(array_ok && j.is_array())) {
    ADD_FAILURE() << "stdout is not a JSON object:\n" << r.out;
    return nlohmann::json::object();
  }
  return j;
}

// The run ended with `o`: its exit status, and one JSON object saying so.
nlohmann::json expect_outcome(const Ran& r, Outcome o) {
  EXPECT_EQ(r.exit_code, programmer::exit_status(o)) << r.out;
  nlohmann::json j = one_json(r);
  EXPECT_EQ(j.value("outcome", ""), programmer::outcome_name(o)) << r.out;
  EXPECT_EQ(j.value("exit_status", -1), programmer::exit_status(o)) << r.out;
  if (o != Outcome::kOk) {
    EXPECT_FALSE(j.value("error", "").empty()) << "no error in " << j.dump(1);
  }
  return j;
}

// Not ok (refused or invalid input, as the command decides): one object saying which.
void expect_not_ok(const Ran& r) {
  EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2) << r.out;
  const nlohmann::json j = one_json(r);
  EXPECT_EQ(j.value("exit_status", -1), r.exit_code) << r.out;
  const std::optional<Outcome> o = programmer::outcome_of_exit_status(r.exit_code);
  EXPECT_EQ(j.value("outcome", ""), o ? programmer::outcome_name(*o) : "?") << r.out;
  EXPECT_FALSE(j.value("error", "").empty()) << r.out;
}

TEST(OutcomeClasses, EachHasItsOwnExitStatusAndName) {
  const Outcome all[] = {Outcome::kOk, Outcome::kRefused, Outcome::kInvalidInput,
                         Outcome::kUncertain, Outcome::kAppliedNotRecorded};
  std::vector<int> statuses;
  std::vector<std::string> names;
  for (const Outcome o : all) {
    EXPECT_EQ(programmer::outcome_of_exit_status(programmer::exit_status(o)), o);
    for (const int s : statuses) EXPECT_NE(s, programmer::exit_status(o));
    for (const std::string& n : names) EXPECT_NE(n, programmer::outcome_name(o));
    statuses.push_back(programmer::exit_status(o));
    names.emplace_back(programmer::outcome_name(o));
  }
  EXPECT_EQ(programmer::exit_status(Outcome::kOk), 0);
  EXPECT_FALSE(programmer::outcome_of_exit_status(5).has_value());
  EXPECT_EQ(programmer::outcome_of(programmer::Delivery::kUncertain), Outcome::kUncertain);
  EXPECT_EQ(programmer::outcome_of(programmer::Delivery::kNotApplied), Outcome::kRefused);
}

class JsonOutcomeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("itdd-json-outcome");
    clinician_file_ = (dir_ / "clinician.key").string();
    ASSERT_FALSE(testing::keygen(clinician_file_).empty());
    implant_pub_ = (dir_ / "state" / "implant.pub").string();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  // The implant with the clinician provisioned; `more` adds options (a fault), --json the
  // start-up line.
  void serve(std::vector<std::string> more = {}) {
    std::vector<std::string> args{
        "--state",     (dir_ / "state").string(),      "--listen", "127.0.0.1:0",
        "--provision", "clinician:" + clinician_file_, "--json"};
    args.insert(args.end(), more.begin(), more.end());
    server_ = std::make_unique<Server>(args, dir_ / "serve.log");
    ASSERT_NE(server_->port(), 0) << server_->banner();
  }

  // 18 mL of morphine through the client library (a prime needs a filled reservoir).
  void fill() {
    host::SodiumCrypto crypto;
    programmer::DeviceKeys keys;
    ASSERT_TRUE(programmer::read_key_pair_file(clinician_file_, crypto, {}, keys).ok());
    programmer::TcpTransport tcp;
    ASSERT_TRUE(tcp.connect({"127.0.0.1", server_->port()}, 2s).ok());
    programmer::Client c(crypto, keys.pair(),
                         programmer::public_key_from_hex(server_->key_hex()).value(), tcp);
    const programmer::CommandResult filled = c.command(
        programmer::refill_request(1, therapy::make_drug("morphine", DoseUnit::kMilligram),
                                   Concentration(25 * kNanogramsPerMilligram), millilitres(18))
            .value(),
        1);
    ASSERT_EQ(filled.delivery, programmer::Delivery::kApplied) << filled.detail;
    ASSERT_TRUE(c.close().ok());
  }

  // `itdd programmer COMMAND... --implant ... --key KEY --implant-key ...`
  Ran programmer(std::vector<std::string> command, const std::string& key,
                 const std::string& input = {}) const {
    command.insert(command.begin(), "programmer");
    for (const std::string& a : {std::string("--implant"), server_->address(), std::string("--key"),
                                 key, std::string("--implant-key"), implant_pub_}) {
      command.push_back(a);
    }
    return run_itdd(command, 60s, input);
  }

  fs::path dir_;
  std::string clinician_file_;
  std::string implant_pub_;
  std::unique_ptr<Server> server_;
};

// Every command: an argument it does not take is invalid input, said in one JSON object.
TEST(JsonOutcome, EveryCommandSaysInvalidInputInOneObject) {
  const std::vector<std::vector<std::string>> commands = {
      {"sim", "run"},
      {"sim", "tones"},
      {"implant", "serve"},
      {"implant", "advance"},
      {"programmer", "keygen"},
      {"programmer", "pair"},
      {"programmer", "interrogate"},
      {"programmer", "pairing-window"},
      {"programmer", "prime"},
      {"programmer", "bolus"},
      {"programmer", "alarm", "silence"},
      {"programmer", "alarm", "test"},
      {"programmer", "set-clock"},
      {"programmer", "log"},
      {"programmer", "history"},
      {"programmer", "program"},
      {"programmer", "refill"},
      {"programmer", "devices"},
      {"programmer", "revoke"},
      {"ptm", "status"},
      {"ptm", "bolus"},
      {"clinic", "init"},
      {"clinic", "migrate"},
      {"clinic", "patient", "add"},
      {"clinic", "patient", "list"},
      {"clinic", "pump", "add"},
      {"clinic", "pump", "list"},
      {"clinic", "session", "list"},
      {"clinic", "due"},
      {"clinic", "report"},
      {"clinic", "upload"},
      {"drugs", "list"},
      {"drugs", "show"},
      {"drugs", "export"},
      {"drugs", "check"},
      {"dose", "rate"},
      {"dose", "convert"},
      {"trial", "suggest"},
      {"trial", "record"},
  };
  for (const std::vector<std::string>& c : commands) {
    std::vector<std::string> args = c;
    args.emplace_back("--json");
    args.emplace_back("--no-such-option");
    const Ran r = run_itdd(args);
    std::string words;
    for (const std::string& w : c) words += (words.empty() ? "" : " ") + w;
    SCOPED_TRACE(words);
    const nlohmann::json j = expect_outcome(r, Outcome::kInvalidInput);
    EXPECT_EQ(j.value("command", ""), words);
  }
}

// Commands that need no implant: ok and invalid input, each one JSON object.
TEST_F(JsonOutcomeTest, CommandsWithoutAnImplantPrintOneObjectForEveryOutcome) {
  const std::string key = (dir_ / "new.key").string();
  nlohmann::json j =
      expect_outcome(run_itdd({"programmer", "keygen", "--key", key, "--json"}), Outcome::kOk);
  EXPECT_EQ(j.value("public_key", "").size(), 64U) << j.dump(1);
  j = expect_outcome(run_itdd({"programmer", "keygen", "--key", key, "--json"}),
                     Outcome::kInvalidInput);
  EXPECT_NE(j["error"].get<std::string>().find("already exists"), std::string::npos);
  EXPECT_EQ(j["command"], "programmer keygen");

  j = expect_outcome(run_itdd({"sim", "tones", "--out", (dir_ / "tones").string(), "--json"}),
                     Outcome::kOk);
  EXPECT_EQ(j["files"].size(), 3U) << j.dump(1);
  expect_outcome(run_itdd({"sim", "tones", "--out", key, "--json"}), Outcome::kInvalidInput);

  expect_outcome(run_itdd({"sim", "run", (dir_ / "no-such.json").string(), "--json"}),
                 Outcome::kInvalidInput);
  expect_outcome(run_itdd({"drugs", "show", "ziconotide", "--json"}), Outcome::kOk);
  expect_outcome(run_itdd({"drugs", "show", "fentanyl", "--json"}), Outcome::kInvalidInput);

  // Refused by the parser (an unknown option, a missing one): still one object.
  j = expect_outcome(run_itdd({"programmer", "bolus", "--json", "--fast"}), Outcome::kInvalidInput);
  EXPECT_EQ(j["command"], "programmer bolus");
  const std::vector<std::string> nowhere{"--implant",     "127.0.0.1:9", "--key", key,
                                         "--implant-key", key,           "--json"};
  const auto with_nowhere = [&](std::vector<std::string> c) {
    c.insert(c.end(), nowhere.begin(), nowhere.end());
    return run_itdd(c);
  };
  expect_outcome(with_nowhere({"programmer", "pairing-window", "--role", "doctor"}),
                 Outcome::kInvalidInput);
  expect_outcome(
      with_nowhere({"programmer", "alarm", "silence", "--kind", "low-res", "--for", "1h"}),
      Outcome::kInvalidInput);
  expect_outcome(with_nowhere({"programmer", "set-clock", "--wall", "2026-02-30 10:00"}),
                 Outcome::kInvalidInput);
  expect_outcome(
      with_nowhere({"programmer", "bolus", "--dose", "1", "--unit", "g", "--duration", "30m"}),
      Outcome::kInvalidInput);
  expect_outcome(run_itdd({"programmer", "pair", "--implant", "127.0.0.1:9", "--key", key, "--code",
                           "12ab", "--out", (dir_ / "x.implant").string(), "--json"}),
                 Outcome::kInvalidInput);
  // Keys in order but nobody listens on port 9: nothing was sent, nothing changed.
  const std::string pub = (dir_ / "some.pub").string();
  std::ofstream(pub)
      << run_itdd({"programmer", "keygen", "--key", (dir_ / "other.key").string()}).stdout_text;
  j = expect_outcome(run_itdd({"programmer", "interrogate", "--implant", "127.0.0.1:9", "--key",
                               key, "--implant-key", pub, "--json", "--timeout-ms", "200"}),
                     Outcome::kRefused);

  // A virtual implant refused before it starts: one object on one line.
  const Ran bad_serve =
      run_itdd({"implant", "serve", "--state", (dir_ / "s").string(), "--speed", "0", "--json"});
  expect_outcome(bad_serve, Outcome::kInvalidInput);
  EXPECT_EQ(bad_serve.stdout_text.find('\n'), bad_serve.stdout_text.size() - 1);
}

// The clinic database: every command's object, and a list's array when ok.
TEST_F(JsonOutcomeTest, ClinicCommandsPrintOneObjectForEveryOutcome) {
  const std::string db = (dir_ / "clinic.db").string();
  const auto clinic = [&](std::vector<std::string> c) {
    c.insert(c.begin(), {"clinic", "--db", db});
    c.push_back("--json");
    return run_itdd(c);
  };
  expect_outcome(clinic({"patient", "list"}), Outcome::kInvalidInput);  // not initialised
  expect_outcome(clinic({"init"}), Outcome::kOk);
  expect_outcome(clinic({"patient", "add", "--mrn", "M-1", "--name", "Ada Example", "--birth-date",
                         "1970-05-01", "--indication", "cancer"}),
                 Outcome::kInvalidInput);
  expect_outcome(clinic({"patient", "add", "--mrn", "M-1", "--name", "Ada Example", "--birth-date",
                         "1970-05-01", "--indication", "pain"}),
                 Outcome::kOk);
  const Ran list = clinic({"patient", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_EQ(one_json(list, true).size(), 1U);
  expect_outcome(clinic({"pump", "add", "--patient", "M-1", "--model", "peristaltic-20", "--serial",
                         "SN-1", "--implant-date", "2025-01-15", "--catheter-length-cm", "42.5",
                         "--catheter-volume-ml", "0.15"}),
                 Outcome::kOk);
  expect_not_ok(clinic({"pump", "add", "--patient", "M-404", "--model", "peristaltic-20",
                        "--serial", "SN-2", "--implant-date", "2025-01-15", "--catheter-length-cm",
                        "42.5", "--catheter-volume-ml", "0.15"}));
  expect_outcome(clinic({"due", "--within", "2w"}), Outcome::kInvalidInput);
  const Ran due = clinic({"due", "--within", "30d"});
  EXPECT_EQ(due.exit_code, 0) << due.out;
  EXPECT_EQ(one_json(due, true).size(), 1U);
  expect_outcome(clinic({"migrate"}), Outcome::kOk);
  expect_not_ok(clinic({"report", "--session", "999"}));
}

// Against an implant: ok and refused for the link's commands, the confirmation's no as a
// refusal that changed nothing, and the start-up line as one object.
TEST_F(JsonOutcomeTest, ImplantCommandsPrintOneObjectForEveryOutcome) {
  serve();
  const nlohmann::json start = nlohmann::json::parse(server_->banner(), nullptr, false);
  ASSERT_TRUE(start.is_object()) << server_->banner();
  EXPECT_EQ(start["outcome"], "ok");
  EXPECT_EQ(start["implant_key"], server_->key_hex());
  EXPECT_EQ(start["port"], server_->port());
  EXPECT_EQ(start["provisioned"][0]["role"], "clinician");

  expect_outcome(programmer({"interrogate", "--json"}, clinician_file_), Outcome::kOk);
  nlohmann::json j = expect_outcome(
      programmer({"pairing-window", "--role", "patient", "--json"}, clinician_file_), Outcome::kOk);
  const std::string code = j.value("code", "");
  ASSERT_EQ(code.size(), 6U) << j.dump(1);
  const std::string patient = (dir_ / "patient.key").string();
  ASSERT_FALSE(testing::keygen(patient).empty());
  const auto pair = [&](const std::string& with_code, const std::string& out) {
    return run_itdd({"programmer", "pair", "--implant", server_->address(), "--key", patient,
                     "--code", with_code, "--out", (dir_ / out).string(), "--json"});
  };
  expect_outcome(pair(code == "000000" ? "111111" : "000000", "wrong.implant"), Outcome::kRefused);
  j = expect_outcome(programmer({"pairing-window", "--role", "patient", "--json"}, clinician_file_),
                     Outcome::kOk);
  j = expect_outcome(pair(j["code"], "patient.implant"), Outcome::kOk);
  EXPECT_EQ(j["role"], "patient");
  EXPECT_EQ(j["implant_key"], server_->key_hex());

  const Ran status = run_itdd({"ptm", "status", "--implant", server_->address(), "--key", patient,
                               "--implant-key", (dir_ / "patient.implant").string(), "--json"});
  expect_outcome(status, Outcome::kOk);
  // No prescription: the implant grants no patient bolus.
  j = expect_outcome(run_itdd({"ptm", "bolus", "--implant", server_->address(), "--key", patient,
                               "--implant-key", (dir_ / "patient.implant").string(), "--json"}),
                     Outcome::kRefused);
  // A patient key may not open a window.
  expect_outcome(
      run_itdd({"programmer", "pairing-window", "--role", "patient", "--implant",
                server_->address(), "--key", patient, "--implant-key", implant_pub_, "--json"}),
      Outcome::kRefused);

  expect_outcome(programmer({"alarm", "test", "--json"}, clinician_file_), Outcome::kOk);
  j = expect_outcome(
      programmer({"alarm", "silence", "--kind", "motor-stall", "--for", "1h", "--json"},
                 clinician_file_),
      Outcome::kRefused);
  EXPECT_NE(j["error"].get<std::string>().find("not active"), std::string::npos) << j.dump(1);
  expect_outcome(programmer({"devices", "--json"}, clinician_file_), Outcome::kOk);
  expect_outcome(programmer({"history", "--hours", "2", "--json"}, clinician_file_), Outcome::kOk);

  // set-clock asks first, as the other therapy-affecting commands do: no changes nothing.
  const Ran no =
      programmer({"set-clock", "--wall", "2031-06-01 09:00", "--json"}, clinician_file_, "n\n");
  j = expect_outcome(no, Outcome::kRefused);
  EXPECT_NE(no.out.find("Go ahead? [y/N]"), std::string::npos) << no.out;
  EXPECT_NE(j["error"].get<std::string>().find("cancelled: nothing was changed"), std::string::npos)
      << j.dump(1);
  j = expect_outcome(programmer({"interrogate", "--json"}, clinician_file_), Outcome::kOk);
  EXPECT_NE(j["clock"]["wall"].get<std::string>().substr(0, 4), "2031") << j.dump(1);
  j = expect_outcome(
      programmer({"set-clock", "--wall", "2031-06-01 09:00", "--yes", "--json"}, clinician_file_),
      Outcome::kOk);
  EXPECT_EQ(j["command"], "set-clock");
  j = expect_outcome(programmer({"interrogate", "--json"}, clinician_file_), Outcome::kOk);
  EXPECT_EQ(j["clock"]["wall"].get<std::string>().substr(0, 10), "2031-06-01") << j.dump(1);

  // A prime on an empty reservoir: the implant refuses it.
  j = expect_outcome(
      programmer({"prime", "--catheter-volume-ml", "0.25", "--yes", "--json"}, clinician_file_),
      Outcome::kRefused);
  EXPECT_EQ(j["delivery"], "not applied") << j.dump(1);

  // A device the implant does not know: refused (last: its failed handshake starts a backoff).
  const std::string stranger = (dir_ / "stranger.key").string();
  ASSERT_FALSE(testing::keygen(stranger).empty());
  j = expect_outcome(programmer({"interrogate", "--json"}, stranger), Outcome::kRefused);
  EXPECT_NE(j["error"].get<std::string>().find("refused"), std::string::npos) << j.dump(1);
}

// The reply to a prime is lost; the implant answers again within the retry window: the
// programmer asks about the command id, learns it was applied, and says so.
TEST_F(JsonOutcomeTest, ALostReplyIsResolvedByAskingTheImplantAboutTheCommandId) {
  serve();
  fill();
  server_->kill(SIGTERM);
  // Silent for 2.5 s after the prime: the prime's two tries (0-1 s, 1-2 s) get no answer, the
  // question's first try (2-3 s) neither, its second (3-4 s) is answered.
  serve({"--silence-after-command-ms", "2500"});
  const Ran r = programmer({"prime", "--catheter-volume-ml", "0.25", "--yes", "--json",
                            "--timeout-ms", "1000", "--attempts", "2"},
                           clinician_file_);
  const nlohmann::json j = expect_outcome(r, Outcome::kOk);
  EXPECT_EQ(j["delivery"], "applied") << j.dump(1);
  EXPECT_EQ(j["reply_lost"], true) << j.dump(1);
  EXPECT_EQ(j["learned_from"], "status_query") << j.dump(1);
  EXPECT_NE(j.value("delivery_detail", "")
                .find("asked about the command id, the implant "
                      "confirms it applied it"),
            std::string::npos)
      << j.dump(1);
  // Applied once: the implant primes the catheter it was sent.
  const nlohmann::json st =
      expect_outcome(programmer({"interrogate", "--json"}, clinician_file_), Outcome::kOk);
  EXPECT_EQ(st["pump"]["catheter_volume_nl"], 250'000) << st.dump(1);

  // In text, the same words.
  const Ran text = programmer(
      {"prime", "--catheter-volume-ml", "0.25", "--yes", "--timeout-ms", "1000", "--attempts", "2"},
      clinician_file_);
  // A priming runs now: the implant refuses a second one, and the refusal is learned the same
  // way (not applied, exit 1), never taken for applied.
  EXPECT_EQ(text.exit_code, programmer::exit_status(Outcome::kRefused)) << text.out;
  EXPECT_NE(text.out.find("asked about the command id, the implant recorded that it did not "
                          "apply it"),
            std::string::npos)
      << text.out;
}

// Silent for longer than the programmer keeps trying: uncertain, exit 3, and one object that
// says to interrogate, never "not applied".
TEST_F(JsonOutcomeTest, ALostReplyTheImplantDoesNotAnswerAgainIsUncertain) {
  serve();
  fill();
  server_->kill(SIGTERM);
  serve({"--silence-after-command-ms", "30000"});
  const Ran r = programmer({"prime", "--catheter-volume-ml", "0.25", "--yes", "--json",
                            "--timeout-ms", "300", "--attempts", "2"},
                           clinician_file_);
  const nlohmann::json j = expect_outcome(r, Outcome::kUncertain);
  EXPECT_EQ(j["delivery"], "uncertain") << j.dump(1);
  EXPECT_EQ(j["learned_from"], "nothing") << j.dump(1);
  EXPECT_NE(j["error"].get<std::string>().find("interrogate the implant before doing anything"),
            std::string::npos)
      << j.dump(1);
}

// The implant applied the change; the clinic database refused to record it: exit 4, and the
// object says both.
TEST_F(JsonOutcomeTest, AChangeTheClinicDatabaseDidNotRecordIsAppliedNotRecorded) {
  const std::string db = (dir_ / "clinic.db").string();
  for (const std::vector<std::string>& c :
       {std::vector<std::string>{"init"},
        {"patient", "add", "--mrn", "M-1", "--name", "Ada Example", "--birth-date", "1970-05-01",
         "--indication", "pain"},
        {"pump", "add", "--patient", "M-1", "--model", "peristaltic-20", "--serial", "SN-1",
         "--implant-date", "2025-01-15", "--catheter-length-cm", "42.5", "--catheter-volume-ml",
         "0.15"}}) {
    std::vector<std::string> args{"clinic", "--db", db};
    args.insert(args.end(), c.begin(), c.end());
    const Ran r = run_itdd(args);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  // The database refuses every change record from now on (a full disk, a lost server).
  {
    SQLite::Database d(db, SQLite::OPEN_READWRITE);
    d.exec(
        "CREATE TRIGGER refuse_changes BEFORE INSERT ON session_changes "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END;");
  }
  serve();
  fill();
  const Ran r = programmer({"prime", "--catheter-volume-ml", "0.25", "--yes", "--json", "--db", db,
                            "--clinician", "Dr Lee", "--pump", "SN-1"},
                           clinician_file_);
  const nlohmann::json j = expect_outcome(r, Outcome::kAppliedNotRecorded);
  EXPECT_EQ(j["delivery"], "applied") << j.dump(1);
  EXPECT_NE(j.value("clinic_record_error", "").find("disk full"), std::string::npos) << j.dump(1);
  EXPECT_NE(j["error"].get<std::string>().find("record it by hand"), std::string::npos);
  const nlohmann::json st =
      expect_outcome(programmer({"interrogate", "--json"}, clinician_file_), Outcome::kOk);
  EXPECT_EQ(st["pump"]["catheter_volume_nl"], 250'000) << st.dump(1);
}

}  // namespace
}  // namespace itdd
