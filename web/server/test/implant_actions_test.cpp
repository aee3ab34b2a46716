// The dashboard's actions against a virtual implant in this process (the one `itdd implant serve`
// runs), through a real server: the same use cases as `itdd programmer`, review -> confirm ->
// read back, the drug library's hard limit, a refill discrepancy stopped until acknowledged, a
// stale review, the wrong role, a forged request.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "itdd/host/pump_catalog.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/accounts.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/key_files.h"
#include "itdd/sim/virtual_implant.h"
#include "itdd/web/clinic_server.h"

namespace itdd::web {
namespace {

using namespace itdd::programmer;
using nlohmann::json;
namespace fs = std::filesystem;

class ActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("itdd_web_actions_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_);
    host::SodiumCrypto crypto;
    const Result<hal::KeyPair> keys = crypto.generate_key_pair();
    ASSERT_TRUE(keys.ok());
    ASSERT_TRUE(write_key_pair_file(dir_ / "clinic.key", *keys));

    sim::VirtualImplantOptions o;
    o.state_dir = dir_ / "implant";
    auto catalog = host::PumpCatalog::load(ITDD_SOURCE_DIR "/data/pump-models.json");
    ASSERT_TRUE(catalog.ok());
    o.catalog = std::move(catalog).value();
    auto opened = sim::VirtualImplant::open(o);
    ASSERT_TRUE(opened.ok()) << opened.error().text();
    implant_ = std::move(opened).value();
    ASSERT_TRUE(implant_->provision(keys->public_key, link::Role::kClinician).ok());
    const host::Checked<std::uint16_t> port = implant_->listen("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().text();
    implant_port_ = *port;
    implant_thread_ = std::thread([this] { (void)implant_->run(); });
    address_ = "127.0.0.1:" + std::to_string(implant_port_);

    const std::string url = (dir_ / "clinic.db").string();
    {
      auto db = open_clinic_db(url, OpenMode::kCreate);
      ASSERT_TRUE(db.ok());
      ASSERT_TRUE((*db)->migrate().ok());
      const auto patient = (*db)->add_patient({0, "MRN-1", "Ann", 0, Indication::kSpasticity});
      ASSERT_TRUE(patient.ok());
      PumpRecord p;
      p.patient_id = *patient;
      p.model = "peristaltic-20";
      p.serial = "SN-1";
      p.implant_date_ms = 1'700'000'000'000 - 1'700'000'000'000 % kMillisPerDay;
      p.catheter_length_mm = 450;
      p.catheter_volume = Volume(160'000);
      p.reservoir_capacity = Volume(20'000'000);
      p.implant_public_key_hex = to_hex(implant_->public_key());
      ASSERT_TRUE((*db)->add_pump(p, {100, 1100, Volume(26'000), Volume(286'000)}).ok());
      ASSERT_TRUE(add_account(**db, "dr.ward", "Dr Ward", Role::kClinician, "clinician pass", 0,
                              PasswordCost::minimum())
                      .ok());
      ASSERT_TRUE(add_account(**db, "amy", "Amy", Role::kStaff, "staff password", 0,
                              PasswordCost::minimum())
                      .ok());
    }
    ServerOptions so;
    so.db_url = url;
    so.drug_library = ITDD_SOURCE_DIR "/data/drug-library.json";
    so.port = 0;
    so.key_file = dir_ / "clinic.key";
    so.password_cost = PasswordCost::minimum();  // the accounts' above
    auto started = ClinicServer::start(so);
    ASSERT_TRUE(started.ok()) << started.error().text();
    server_ = std::move(started).value();
    server_thread_ = std::thread([this] { server_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(30, 0);
    for (int i = 0; i < 200 && !client_->Get("/api/me"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (server_thread_.joinable()) server_thread_.join();
    if (implant_) implant_->request_stop();
    if (implant_thread_.joinable()) implant_thread_.join();
    server_.reset();
    implant_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  struct Reply {
    int status = 0;
    json body;
  };
  Reply post(const std::string& path, const json& body, bool with_csrf = true) {
    httplib::Headers h;
    if (!cookie_.empty()) h.emplace("Cookie", cookie_);
    if (with_csrf && !csrf_.empty()) h.emplace("X-CSRF-Token", csrf_);
    const auto r = client_->Post(path, h, body.dump(), "application/json");
    if (!r) return {};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  void login(const std::string& user, const std::string& password) {
    cookie_.clear();
    csrf_.clear();
    const auto r = client_->Post("/api/login", json{{"user", user}, {"password", password}}.dump(),
                                 "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const std::string set = r->get_header_value("Set-Cookie");
    cookie_ = set.substr(0, set.find(';'));
    csrf_ = json::parse(r->body)["csrf_token"];
  }
  static void expect_error(const Reply& r, int status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.body.dump();
    ASSERT_TRUE(r.body.contains("error")) << r.body.dump();
    EXPECT_EQ(r.body["error"]["field"], field) << r.body.dump();
  }
  json refill(const std::string& volume, const std::string& withdrawn = "") {
    json j = {{"serial", "SN-1"}, {"implant", address_},    {"drug", "baclofen"},
              {"unit", "mcg"},    {"concentration", "500"}, {"volume_ml", volume}};
    if (!withdrawn.empty()) j["withdrawn_ml"] = withdrawn;
    return j;
  }
  json program(const std::string& dose) {
    return {{"serial", "SN-1"},       {"implant", address_},  {"drug", "baclofen"}, {"unit", "mcg"},
            {"concentration", "500"}, {"mode", "continuous"}, {"dose", dose}};
  }
  // A refill reviewed and confirmed.
  void fill(const std::string& volume, const std::string& withdrawn = "") {
    const Reply review = post("/api/implant/refill/review", refill(volume, withdrawn));
    ASSERT_EQ(review.status, 200) << review.body.dump();
    const Reply done = post("/api/implant/refill/confirm",
                            {{"review_token", review.body["review_token"]}, {"confirm", true}});
    ASSERT_EQ(done.status, 200) << done.body.dump();
    EXPECT_EQ(done.body["outcome"], "done") << done.body.dump();
  }

  fs::path dir_;
  std::unique_ptr<sim::VirtualImplant> implant_;
  std::thread implant_thread_;
  std::uint16_t implant_port_ = 0;
  std::string address_;
  std::unique_ptr<ClinicServer> server_;
  std::thread server_thread_;
  std::unique_ptr<httplib::Client> client_;
  std::string cookie_, csrf_;
};

TEST_F(ActionsTest, StaffMayNotActAndAForgedRequestIsRefused) {
  login("amy", "staff password");
  expect_error(post("/api/implant/interrogate", {{"serial", "SN-1"}, {"implant", address_}}), 403,
               "role");
  login("dr.ward", "clinician pass");
  expect_error(post("/api/implant/interrogate", {{"serial", "SN-1"}, {"implant", address_}}, false),
               403, "csrf");
  const Reply r = post("/api/implant/interrogate", {{"serial", "SN-1"}, {"implant", address_}});
  EXPECT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["outcome"], "done");
  EXPECT_TRUE(r.body["status"].is_object());
}

TEST_F(ActionsTest, ProgramIsReviewedConfirmedAndReadBackAndAHardLimitIsRefused) {
  login("dr.ward", "clinician pass");
  fill("18");
  const Reply over = post("/api/implant/program/review", program("5000"));
  expect_error(over, 400, "dose");
  EXPECT_NE(over.body["error"]["message"].get<std::string>().find("blocks"), std::string::npos);
  expect_error(post("/api/implant/program/review", program("lots")), 400, "dose");
  json wrong_unit = program("100");
  wrong_unit["unit"] = "mg";
  expect_error(post("/api/implant/program/review", wrong_unit), 400, "unit");

  const Reply review = post("/api/implant/program/review", program("100"));
  ASSERT_EQ(review.status, 200) << review.body.dump();
  ASSERT_TRUE(review.body.contains("review_token")) << review.body.dump();
  EXPECT_FALSE(review.body["review"].empty());
  const json confirm = {{"review_token", review.body["review_token"]}, {"confirm", true}};
  const Reply done = post("/api/implant/program/confirm", confirm);
  ASSERT_EQ(done.status, 200) << done.body.dump();
  EXPECT_EQ(done.body["outcome"], "done");
  EXPECT_EQ(done.body["verified"], true);
  EXPECT_TRUE(done.body["session_id"].is_number());
  // The same review again: spent.
  expect_error(post("/api/implant/program/confirm", confirm), 409, "review_token");
  expect_error(post("/api/implant/program/confirm", {{"review_token", "x"}, {"confirm", false}}),
               400, "confirm");
}

TEST_F(ActionsTest, ARefillWithADiscrepancyIsStoppedUntilAcknowledged) {
  login("dr.ward", "clinician pass");
  fill("18");
  // 18 mL in; withdrawing 5 mL is far from what the implant expects.
  const Reply off = post("/api/implant/refill/review", refill("18", "5"));
  expect_error(off, 400, "acknowledge");
  json acknowledged = refill("18", "5");
  acknowledged["acknowledge"] = "pocket fill suspected at the last refill; checked the site";
  const Reply review = post("/api/implant/refill/review", acknowledged);
  ASSERT_EQ(review.status, 200) << review.body.dump();
  EXPECT_NE(review.body["finding"], "as-expected");
  const Reply done = post("/api/implant/refill/confirm",
                          {{"review_token", review.body["review_token"]}, {"confirm", true}});
  ASSERT_EQ(done.status, 200) << done.body.dump();
  EXPECT_EQ(done.body["outcome"], "done");
}

TEST_F(ActionsTest, PrimingIsReviewedThenStarted) {
  login("dr.ward", "clinician pass");
  fill("18");
  const Reply prime =
      post("/api/implant/prime/review",
           {{"serial", "SN-1"}, {"implant", address_}, {"catheter_volume_ml", "0.16"}});
  ASSERT_EQ(prime.status, 200) << prime.body.dump();
  EXPECT_GT(prime.body["total_nl"].get<std::int64_t>(), 160'000);
  // Old and new side by side: what the implant does now, what the priming will do.
  const json& rows = prime.body["review"];
  ASSERT_TRUE(rows.is_array()) << prime.body.dump();
  const auto row_named = [](const json& all, const std::string& item) {
    for (const json& r : all) {
      if (r["item"] == item) return r;
    }
    return json();
  };
  const json activity = row_named(rows, "Activity");
  EXPECT_EQ(activity["after"], "priming, then the program again") << rows.dump();
  EXPECT_TRUE(activity["changed"].get<bool>());
  const std::string volume = row_named(rows, "Priming volume")["after"];
  EXPECT_NE(volume.find("catheter 0.16 mL"), std::string::npos) << volume;
  EXPECT_NE(row_named(rows, "Reservoir")["after"].get<std::string>().find("mL less"),
            std::string::npos);
  const Reply primed = post("/api/implant/prime/confirm",
                            {{"review_token", prime.body["review_token"]}, {"confirm", true}});
  ASSERT_EQ(primed.status, 200) << primed.body.dump();
  EXPECT_EQ(primed.body["outcome"], "done");
  // The read-back: the implant's answer and an interrogation after it (priming now).
  const std::string read_back = primed.body["read_back"].dump();
  EXPECT_NE(read_back.find("Priming started"), std::string::npos) << read_back;
  EXPECT_NE(read_back.find("\"Activity now\",\"text\":\"priming\""), std::string::npos)
      << read_back;
}

TEST_F(ActionsTest, AClinicianBolusIsReviewedThenGiven) {
  login("dr.ward", "clinician pass");
  fill("18");
  const Reply programmed = post("/api/implant/program/review", program("100"));
  ASSERT_EQ(programmed.status, 200) << programmed.body.dump();
  ASSERT_EQ(post("/api/implant/program/confirm",
                 {{"review_token", programmed.body["review_token"]}, {"confirm", true}})
                .status,
            200);
  const json bolus = {{"serial", "SN-1"}, {"implant", address_}, {"dose", "50"},
                      {"unit", "mcg"},    {"duration", "30m"},   {"drug", "baclofen"}};
  json bad = bolus;
  bad["duration"] = "soon";
  expect_error(post("/api/implant/bolus/review", bad), 400, "duration");
  bad = bolus;
  bad["unit"] = "mg";
  expect_error(post("/api/implant/bolus/review", bad), 400, "unit");
  const Reply review = post("/api/implant/bolus/review", bolus);
  ASSERT_EQ(review.status, 200) << review.body.dump();
  ASSERT_TRUE(review.body.contains("review_token")) << review.body.dump();
  // Old and new side by side, the volume the dose takes, the drug library's verdict.
  const std::string rows = review.body["review"].dump();
  EXPECT_NE(rows.find("continuous 100 mcg/day"), std::string::npos) << rows;
  EXPECT_NE(rows.find("50 mcg over 30 min"), std::string::npos) << rows;
  EXPECT_NE(rows.find("0.1 mL at 500 mcg/mL"), std::string::npos) << rows;
  EXPECT_EQ(review.body["bolus"]["volume_nl"], 100'000);
  EXPECT_TRUE(review.body["accepted"].get<bool>());
  const Reply given = post("/api/implant/bolus/confirm",
                           {{"review_token", review.body["review_token"]}, {"confirm", true}});
  ASSERT_EQ(given.status, 200) << given.body.dump();
  EXPECT_EQ(given.body["outcome"], "done") << given.body.dump();
  const std::string read_back = given.body["read_back"].dump();
  EXPECT_NE(read_back.find("Bolus started"), std::string::npos) << read_back;
  EXPECT_NE(read_back.find("clinician bolus"), std::string::npos) << read_back;
}

TEST_F(ActionsTest, AnUnknownPumpOrAnUnreachableImplantChangesNothing) {
  login("dr.ward", "clinician pass");
  expect_error(post("/api/implant/interrogate", {{"serial", "SN-404"}, {"implant", address_}}), 404,
               "serial");
  expect_error(post("/api/implant/interrogate", {{"serial", "SN-1"}, {"implant", "nowhere"}}), 400,
               "implant");
  expect_error(post("/api/implant/interrogate", {{"serial", "SN-1"}, {"implant", "127.0.0.1:1"}}),
               502, "implant");
  expect_error(post("/api/implant/refill/review", refill("18", "abc")), 400, "withdrawn_ml");
}

}  // namespace
}  // namespace itdd::web
