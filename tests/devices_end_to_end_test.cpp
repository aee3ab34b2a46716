// A clinic revokes a lost programmer with the shipped tools (issue 12): `itdd programmer
// devices` lists the implant's paired devices with their roles and when each was last seen,
// `itdd programmer revoke` removes one after a confirmation and records who did it in the clinic
// database, and the implant's refusal is shown in its own words. All as child processes against
// `itdd implant serve` (itdd_process.h).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "itdd_process.h"

namespace itdd {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Ran;
using testing::run_itdd;
using testing::Server;

constexpr const char* kSerial = "SN-DEV-0001";

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

class DevicesEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_test_dir("itdd-devices");
    clinician_ = (dir_ / "clinic.key").string();
    clinician_hex_ = testing::keygen(clinician_);
    ASSERT_EQ(clinician_hex_.size(), 64u);
    db_ = (dir_ / "clinic.db").string();
    for (const std::vector<std::string>& c :
         {std::vector<std::string>{"init"},
          {"patient", "add", "--mrn", "M-200", "--name", "Bea Example", "--birth-date",
           "1968-02-03", "--indication", "spasticity"},
          {"pump", "add", "--patient", "M-200", "--model", "peristaltic-20", "--serial", kSerial,
           "--implant-date", "2025-01-15", "--catheter-length-cm", "40", "--catheter-volume-ml",
           "0.15"}}) {
      std::vector<std::string> args{"clinic", "--db", db_};
      args.insert(args.end(), c.begin(), c.end());
      const Ran r = run_itdd(args);
      ASSERT_EQ(r.exit_code, 0) << r.out;
    }
    serve();
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }
  void serve() {
    server_ = std::make_unique<Server>(
        std::vector<std::string>{"--state", (dir_ / "state").string(), "--listen", "127.0.0.1:0",
                                 "--provision", "clinician:" + clinician_},
        dir_ / "serve.log");
    ASSERT_NE(server_->port(), 0) << server_->banner();
    implant_pub_ = (dir_ / "state" / "implant.pub").string();
  }

  // `itdd programmer COMMAND...` with `key` (and the implant file it was paired with).
  Ran as(const std::string& key, const std::string& implant_key, std::vector<std::string> command,
         const std::string& input = {}) const {
    command.insert(command.begin(), "programmer");
    for (const std::string& a : {std::string("--implant"), server_->address(), std::string("--key"),
                                 key, std::string("--implant-key"), implant_key}) {
      command.push_back(a);
    }
    return run_itdd(command, 30s, input);
  }
  Ran clinic_programmer(std::vector<std::string> command, const std::string& input = {}) const {
    return as(clinician_, implant_pub_, std::move(command), input);
  }
  nlohmann::json devices() const {
    const Ran r = clinic_programmer({"devices", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return parse(r)["devices"];
  }
  // A new device paired through a window the clinic opens; its key file and implant file.
  std::pair<std::string, std::string> paired(const std::string& name, const std::string& role) {
    const std::string key = (dir_ / (name + ".key")).string();
    const std::string implant = (dir_ / (name + ".implant")).string();
    EXPECT_EQ(testing::keygen(key).size(), 64u);
    EXPECT_TRUE(testing::pair_through_window(server_->address(), clinician_, implant_pub_, role,
                                             key, implant));
    return {key, implant};
  }

  fs::path dir_;
  std::string clinician_, clinician_hex_, db_, implant_pub_;
  std::unique_ptr<Server> server_;
};

nlohmann::json find_role(const nlohmann::json& list, const std::string& role, int nth = 0) {
  for (const nlohmann::json& d : list) {
    if (d["role"] == role && nth-- == 0) return d;
  }
  ADD_FAILURE() << "no " << role << " in " << list.dump(1);
  return nlohmann::json::object();
}

TEST_F(DevicesEndToEnd, TheClinicSeesItsDevicesAndRevokesALostProgrammer) {
  const auto [patient_key, patient_implant] = paired("patient", "patient");
  const auto [spare_key, spare_implant] = paired("spare", "clinician");
  // The patient's device opens a session; the spare programmer never does.
  ASSERT_EQ(as(patient_key, patient_implant, {"interrogate"}).exit_code, 0);

  const nlohmann::json before = devices();
  ASSERT_EQ(before.size(), 3u) << before.dump(1);
  const nlohmann::json clinic = find_role(before, "clinician", 0);
  EXPECT_EQ(clinic["public_key"], clinician_hex_);
  EXPECT_EQ(clinic["this_device"], true);
  EXPECT_TRUE(clinic["last_seen"].is_string()) << clinic.dump();  // this very session
  const nlohmann::json patient = find_role(before, "patient");
  EXPECT_TRUE(patient["last_seen"].is_string()) << patient.dump();
  const nlohmann::json spare = find_role(before, "clinician", 1);
  EXPECT_TRUE(spare["last_seen"].is_null()) << spare.dump();
  EXPECT_EQ(spare["this_device"], false);
  const std::string spare_number = std::to_string(spare["device"].get<int>());
  // The text form says the same, with units of time and the full key.
  const Ran text = clinic_programmer({"devices"});
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_TRUE(contains(text.out, "no session logged  " + spare["public_key"].get<std::string>()))
      << text.out;
  EXPECT_TRUE(contains(text.out, clinician_hex_ + "  (this device)")) << text.out;

  // Bad input: nothing is sent. A device the implant does not list: nothing changes.
  const Ran bad = clinic_programmer({"revoke", "--device", "two", "--yes"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_TRUE(contains(bad.out, "error: --device two: give the device's number")) << bad.out;
  const Ran unknown = clinic_programmer({"revoke", "--device", "99", "--yes"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.out;
  EXPECT_TRUE(contains(unknown.out, "the implant lists no such device")) << unknown.out;
  // Asked, and answered no: nothing changes.
  const Ran declined = clinic_programmer({"revoke", "--device", spare_number}, "n\n");
  EXPECT_EQ(declined.exit_code, 1) << declined.out;
  EXPECT_TRUE(contains(declined.out, "revoke device " + spare_number + " (clinician, key " +
                                         spare["public_key"].get<std::string>()))
      << declined.out;
  EXPECT_TRUE(contains(declined.out, "cancelled: nothing was changed")) << declined.out;
  EXPECT_EQ(devices().size(), 3u);

  // Revoked, confirmed, recorded with who did it.
  const Ran revoked = clinic_programmer({"revoke", "--device", spare_number, "--db", db_,
                                         "--clinician", "Dr Lee", "--pump", kSerial, "--json"},
                                        "y\n");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.out;
  const nlohmann::json out = parse(revoked);
  EXPECT_EQ(out["revoked"]["public_key"], spare["public_key"]);
  EXPECT_EQ(out["by_device"], clinician_hex_);
  ASSERT_TRUE(out["clinic_session"].is_number_integer()) << out.dump(1);
  const nlohmann::json after = devices();
  EXPECT_EQ(after.size(), 2u);
  for (const nlohmann::json& d : after) EXPECT_NE(d["public_key"], spare["public_key"]);
  // The lost programmer is refused from now on.
  const Ran refused = as(spare_key, spare_implant, {"interrogate", "--attempts", "1"});
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_TRUE(contains(refused.out, "this device is not paired with it")) << refused.out;
  // The clinic report shows the revocation, by whom.
  const Ran report = run_itdd({"clinic", "--db", db_, "report", "--session",
                               std::to_string(out["clinic_session"].get<int>())});
  ASSERT_EQ(report.exit_code, 0) << report.out;
  EXPECT_TRUE(contains(report.out, "Dr Lee")) << report.out;
  EXPECT_TRUE(contains(report.out, "revoke")) << report.out;
  EXPECT_TRUE(contains(report.out, "revoked device " + spare_number + " (clinician, key " +
                                       spare["public_key"].get<std::string>()))
      << report.out;

  // "Last seen" survives a restart of the implant: it is rebuilt from its event log.
  ASSERT_EQ(server_->kill(SIGTERM), 0);
  server_.reset();
  serve();
  const nlohmann::json restarted = devices();
  ASSERT_EQ(restarted.size(), 2u);
  EXPECT_EQ(find_role(restarted, "patient")["last_seen_wall_ms"], patient["last_seen_wall_ms"]);
}

TEST_F(DevicesEndToEnd, TheImplantsRefusalIsShownInItsWords) {
  const auto [patient_key, patient_implant] = paired("patient", "patient");
  // A patient's device may neither list nor revoke: the implant says so, nothing changes.
  const Ran list = as(patient_key, patient_implant, {"devices"});
  EXPECT_EQ(list.exit_code, 1) << list.out;
  EXPECT_TRUE(contains(list.out, "the implant answered: not authorised for this device's role"))
      << list.out;
  const Ran revoke = as(patient_key, patient_implant, {"revoke", "--device", "1", "--yes"});
  EXPECT_EQ(revoke.exit_code, 1) << revoke.out;
  EXPECT_TRUE(contains(revoke.out, "the implant answered: not authorised for this device's role"))
      << revoke.out;
  EXPECT_EQ(devices().size(), 2u);
}

}  // namespace
}  // namespace itdd
