// API tests: a real server on an ephemeral loopback port over a temporary SQLite clinic, driven
// by httplib's client. Every endpoint, with bad input and the wrong role.
#include "itdd/web/clinic_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "itdd/programmer/accounts.h"
#include "itdd/programmer/clinic_db.h"

namespace itdd::web {
namespace {

using namespace itdd::programmer;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::int64_t kDay = kMillisPerDay;
// 2026-12-07 10:00 UTC: "now" for the server.
constexpr std::int64_t kNow = 1'796'637'600'000;
constexpr CatheterRange kCatheter{100, 1100, Volume(26'000), Volume(286'000)};

struct Reply {
  int status = 0;
  json body;
  std::string set_cookie;
  std::string text;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("itdd_web_server_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(dir_ / "ui");
    std::ofstream(dir_ / "ui" / "index.html") << "<!doctype html><title>itdd</title>";
    const std::string url = (dir_ / "clinic.db").string();
    {
      auto db = open_clinic_db(url, OpenMode::kCreate);
      ASSERT_TRUE(db.ok()) << db.error().text();
      ASSERT_TRUE((*db)->migrate().ok());
      fill(**db);
    }
    ServerOptions o;
    o.db_url = url;
    o.drug_library = ITDD_SOURCE_DIR "/data/drug-library.json";
    o.ui_dir = dir_ / "ui";
    o.port = 0;
    o.now_ms = [] { return kNow; };
    o.password_cost = PasswordCost::minimum();  // the accounts' below
    auto started = ClinicServer::start(o);
    ASSERT_TRUE(started.ok()) << started.error().text();
    server_ = std::move(started).value();
    thread_ = std::thread([this] { server_->run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
    // Wait until it answers.
    for (int i = 0; i < 200 && !client_->Get("/api/me"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Two patients: Ann on baclofen due in 3 days, Bob on morphine due in 30; a clinician and a
  // staff account.
  void fill(ClinicDb& db) {
    const auto add = [&](const std::string& mrn, const std::string& serial, const std::string& drug,
                         std::int64_t due_days) {
      const auto patient = db.add_patient({0, mrn, "Patient " + mrn, 0, Indication::kPain});
      ASSERT_TRUE(patient.ok());
      PumpRecord p;
      p.patient_id = *patient;
      p.model = "peristaltic-20";
      p.serial = serial;
      p.implant_date_ms = kNow - 400 * kDay - kNow % kDay;
      p.catheter_length_mm = 450;
      p.catheter_volume = Volume(170'000);
      p.reservoir_capacity = Volume(20'000'000);
      const auto pump = db.add_pump(p, kCatheter);
      ASSERT_TRUE(pump.ok()) << pump.error().text();
      const auto s =
          db.begin_session({0, *pump, "Dr Ada", "programmer-1", kNow - 20 * kDay, {}, ""});
      ASSERT_TRUE(s.ok());
      ASSERT_TRUE(
          db.record_prescription({0, *pump, *s, kNow - 20 * kDay, 7, drug, Concentration(2'000'000),
                                  "continuous", DoseRate(100'000), "{}"})
              .ok());
      RefillRecord r;
      r.pump_id = *pump;
      r.session_id = *s;
      r.at_ms = kNow - 20 * kDay;
      r.expected = Volume(2'000'000);
      r.withdrawn = Volume(2'000'000);
      r.drug = drug;
      r.concentration = Concentration(2'000'000);
      r.volume = Volume(20'000'000);
      r.low_reservoir_alarm = Volume(2'000'000);
      r.next_refill_ms = kNow + due_days * kDay;
      r.next_refill_rule = "stability";
      ASSERT_TRUE(db.record_refill(r).ok());
      ASSERT_TRUE(db.end_session(*s, kNow - 20 * kDay + 600'000, "refill").ok());
    };
    add("MRN-BOB", "SN-MOR", "morphine", 30);
    add("MRN-ANN", "SN-BAC", "baclofen", 3);
    ASSERT_TRUE(add_account(db, "dr.ward", "Dr Ward", Role::kClinician, "clinician pass", kNow,
                            PasswordCost::minimum())
                    .ok());
    ASSERT_TRUE(add_account(db, "amy", "Amy at the desk", Role::kStaff, "staff password", kNow,
                            PasswordCost::minimum())
                    .ok());
  }

  static Reply reply_of(const httplib::Result& r) {
    Reply out;
    if (!r) return out;
    out.status = r->status;
    out.text = r->body;
    out.set_cookie = r->get_header_value("Set-Cookie");
    out.body = json::parse(r->body, nullptr, false);
    return out;
  }

  httplib::Headers headers(bool with_csrf = true) const {
    httplib::Headers h;
    if (!cookie_.empty()) h.emplace("Cookie", cookie_);
    if (with_csrf && !csrf_.empty()) h.emplace("X-CSRF-Token", csrf_);
    return h;
  }
  Reply get(const std::string& path) { return reply_of(client_->Get(path, headers())); }
  Reply post(const std::string& path, const std::string& body, bool with_csrf = true) {
    return reply_of(client_->Post(path, headers(with_csrf), body, "application/json"));
  }

  Reply login(const std::string& user, const std::string& password) {
    Reply r = post("/api/login", json{{"user", user}, {"password", password}}.dump());
    if (r.status == 200) {
      cookie_ = r.set_cookie.substr(0, r.set_cookie.find(';'));
      csrf_ = r.body["csrf_token"];
    }
    return r;
  }

  static void expect_error(const Reply& r, int status, const std::string& field) {
    EXPECT_EQ(r.status, status) << r.text;
    ASSERT_TRUE(r.body.is_object()) << r.text;
    ASSERT_TRUE(r.body.contains("error")) << r.text;
    EXPECT_EQ(r.body["error"]["field"], field) << r.text;
    EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty());
  }

  fs::path dir_;
  std::unique_ptr<ClinicServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  std::string cookie_;
  std::string csrf_;
};

TEST_F(ServerTest, LoginSetsAnHttpOnlyStrictCookieAndMeAnswers) {
  expect_error(get("/api/me"), 401, "session");
  const Reply in = login("dr.ward", "clinician pass");
  ASSERT_EQ(in.status, 200) << in.text;
  EXPECT_NE(in.set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(in.set_cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(in.body["role"], "clinician");
  EXPECT_EQ(in.body["time_zone"], "UTC");
  const Reply me = get("/api/me");
  ASSERT_EQ(me.status, 200) << me.text;
  EXPECT_EQ(me.body["user"], "dr.ward");
  EXPECT_EQ(me.body["csrf_token"], csrf_);
}

// A login's password hash (crypto_pwhash, deliberately slow) runs outside the server's one
// lock: requests made while it hashes are answered, not held until it ends.
TEST_F(ServerTest, OtherRequestsAreAnsweredWhileALoginHashesItsPassword) {
  {
    // An account at the interactive cost (what `itdd clinic user add` gives): a hash takes
    // tens to hundreds of milliseconds, the accounts above the minimum.
    auto db = open_clinic_db((dir_ / "clinic.db").string(), OpenMode::kExisting);
    ASSERT_TRUE(db.ok()) << db.error().text();
    ASSERT_TRUE(add_account(**db, "dr.slow", "Dr Slow", Role::kClinician, "a slow password", kNow,
                            PasswordCost::interactive())
                    .ok());
  }
  ASSERT_EQ(login("amy", "staff password").status, 200);
  std::atomic<bool> login_answered{false};
  int login_status = 0;
  std::thread slow([&] {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(120, 0);
    const auto r =
        c.Post("/api/login", json{{"user", "dr.slow"}, {"password", "a slow password"}}.dump(),
               "application/json");
    login_status = r ? r->status : -1;
    login_answered = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  // Requests one after another while the login runs: held behind it, at most the first would
  // be answered before it (at the same moment); answered beside it, several are.
  int answered_meanwhile = 0;
  for (int i = 0; i < 20 && !login_answered; ++i) {
    const Reply me = get("/api/me");
    EXPECT_EQ(me.status, 200) << me.text;
    if (!login_answered) ++answered_meanwhile;
  }
  slow.join();
  EXPECT_EQ(login_status, 200);
  EXPECT_GE(answered_meanwhile, 3) << "requests waited for the login's password hash";
}

TEST_F(ServerTest, BadLoginsAreRefusedWithTheFieldAndBackOff) {
  expect_error(post("/api/login", "{\"user\": \"dr.ward\", "), 400, "");
  expect_error(post("/api/login", R"({"user": "dr.ward", "password": "x", "admin": true})"), 400,
               "admin");
  expect_error(post("/api/login", R"({"user": "dr.ward"})"), 400, "password");
  const Reply wrong = post("/api/login", R"({"user": "dr.ward", "password": "nope"})");
  expect_error(wrong, 401, "password");
  const Reply unknown = post("/api/login", R"({"user": "dr.who", "password": "nope"})");
  expect_error(unknown, 401, "password");
  EXPECT_EQ(wrong.body, unknown.body);  // one answer for both
  for (int i = 0; i < 4; ++i) post("/api/login", R"({"user": "dr.ward", "password": "nope"})");
  const Reply held = post("/api/login", R"({"user": "dr.ward", "password": "clinician pass"})");
  expect_error(held, 429, "password");
  EXPECT_GE(held.body["retry_after_s"].get<int>(), 1);
}

TEST_F(ServerTest, TheOverviewRanksBaclofenDueInThreeDaysAboveMorphineDueInThirty) {
  expect_error(get("/api/overview"), 401, "session");
  ASSERT_EQ(login("amy", "staff password").status, 200);
  const Reply r = get("/api/overview");
  ASSERT_EQ(r.status, 200) << r.text;
  ASSERT_EQ(r.body["rows"].size(), 2u);
  const json& first = r.body["rows"][0];
  EXPECT_EQ(first["serial"], "SN-BAC");
  EXPECT_EQ(first["drug"], "baclofen");
  EXPECT_EQ(first["drug_unit"], "mcg");
  EXPECT_EQ(first["status"], "due");
  EXPECT_EQ(first["days_left"], 3);
  EXPECT_EQ(first["risk"], "high");
  EXPECT_EQ(first["rank"], 1);
  EXPECT_EQ(first["concentration_ng_per_ml"], 2'000'000);
  EXPECT_EQ(first["reservoir_capacity_nl"], 20'000'000);
  EXPECT_EQ(r.body["rows"][1]["serial"], "SN-MOR");
  EXPECT_EQ(r.body["rows"][1]["days_left"], 30);

  const Reply searched = get("/api/overview?q=mrn-bob");
  ASSERT_EQ(searched.status, 200);
  ASSERT_EQ(searched.body["rows"].size(), 1u);
  EXPECT_EQ(searched.body["rows"][0]["serial"], "SN-MOR");
  EXPECT_EQ(get("/api/overview?status=due").body["rows"].size(), 1u);
  expect_error(get("/api/overview?status=soonish"), 400, "status");
  expect_error(get("/api/overview?due_within_days=-1"), 400, "due_within_days");
  expect_error(get("/api/overview?active=maybe"), 400, "active");
}

TEST_F(ServerTest, TheRefillCalendarIsTheDueList) {
  ASSERT_EQ(login("amy", "staff password").status, 200);
  const Reply r = get("/api/due?within_days=7");
  ASSERT_EQ(r.status, 200) << r.text;
  ASSERT_EQ(r.body["rows"].size(), 1u);
  EXPECT_EQ(r.body["rows"][0]["serial"], "SN-BAC");
  EXPECT_EQ(r.body["rows"][0]["withdrawal_risk"], "high");
  EXPECT_EQ(get("/api/due?within_days=40").body["rows"].size(), 2u);
  expect_error(get("/api/due?within_days=many"), 400, "within_days");
  expect_error(get("/api/due?within_days=1000"), 400, "within_days");
}

TEST_F(ServerTest, ThePatientPageAndItsSeries) {
  ASSERT_EQ(login("amy", "staff password").status, 200);
  const Reply r = get("/api/patients/MRN-ANN");
  ASSERT_EQ(r.status, 200) << r.text;
  EXPECT_EQ(r.body["patient"]["mrn"], "MRN-ANN");
  ASSERT_EQ(r.body["pumps"].size(), 1u);
  EXPECT_EQ(r.body["pumps"][0]["serial"], "SN-BAC");
  EXPECT_EQ(r.body["pumps"][0]["prescription"]["max_daily_dose_ng_per_day"], 100'000);
  EXPECT_EQ(r.body["pumps"][0]["last_refill"]["finding"], "as-expected");
  ASSERT_EQ(r.body["sessions"].size(), 1u);
  expect_error(get("/api/patients/MRN-NOBODY"), 404, "mrn");

  const Reply s = get("/api/pumps/SN-BAC/series");
  ASSERT_EQ(s.status, 200) << s.text;
  EXPECT_EQ(s.body["drug_unit"], "mcg");
  EXPECT_EQ(s.body["reservoir_measured"].size(), 1u);
  EXPECT_FALSE(s.body["reservoir_predicted"]["t_ms"].empty());
  EXPECT_EQ(s.body["prescriptions"]["t_ms"].size(), 1u);
  expect_error(get("/api/pumps/SN-NONE/series"), 404, "serial");
  expect_error(get("/api/pumps/SN-BAC/series?from_ms=abc"), 400, "from_ms");
  expect_error(get("/api/pumps/SN-BAC/series?from_ms=0"), 400, "from_ms");  // over 400 days
}

TEST_F(ServerTest, APatientsFhirBundleIsADownloadForAnyoneLoggedIn) {
  const httplib::Result anonymous = client_->Get("/api/patients/MRN-ANN/fhir", headers());
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  ASSERT_EQ(login("amy", "staff password").status, 200);
  const httplib::Result r = client_->Get("/api/patients/MRN-ANN/fhir", headers());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"),
            "application/fhir+json; fhirVersion=4.0; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Content-Disposition"),
            "attachment; filename=\"MRN-ANN-fhir-r4.json\"");
  const json bundle = json::parse(r->body);
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["type"], "collection");
  EXPECT_EQ(bundle["entry"][0]["resource"]["identifier"][0]["value"], "MRN-ANN");
  // The same bytes twice (the export depends on the database alone).
  const httplib::Result again = client_->Get("/api/patients/MRN-ANN/fhir", headers());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body, r->body);
  expect_error(get("/api/patients/MRN-NOBODY/fhir"), 404, "mrn");
}

TEST_F(ServerTest, SessionsAndASessionReport) {
  ASSERT_EQ(login("amy", "staff password").status, 200);
  const Reply all = get("/api/sessions");
  ASSERT_EQ(all.status, 200) << all.text;
  ASSERT_EQ(all.body["sessions"].size(), 2u);
  const Reply anns = get("/api/sessions?patient=MRN-ANN");
  ASSERT_EQ(anns.body["sessions"].size(), 1u);
  EXPECT_EQ(get("/api/sessions?serial=SN-MOR").body["sessions"].size(), 1u);
  expect_error(get("/api/sessions?patient=MRN-NOBODY"), 404, "patient");
  expect_error(get("/api/sessions?limit=0"), 400, "limit");
  const std::int64_t id = anns.body["sessions"][0]["id"];
  const Reply report = get("/api/sessions/" + std::to_string(id));
  ASSERT_EQ(report.status, 200) << report.text;
  EXPECT_EQ(report.body["session"]["serial"], "SN-BAC");
  ASSERT_EQ(report.body["changes"].size(), 2u);  // the prescription and the refill
  EXPECT_EQ(report.body["changes"][0]["kind"], "program");
  expect_error(get("/api/sessions/x1"), 400, "id");
  expect_error(get("/api/sessions/99999"), 404, "id");
}

TEST_F(ServerTest, TheDrugLibraryWithItsSources) {
  ASSERT_EQ(login("amy", "staff password").status, 200);
  const Reply r = get("/api/drugs");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["format"], "itdd-drug-library");
  bool baclofen = false;
  for (const json& d : r.body["drugs"]) baclofen = baclofen || d["name"] == "baclofen";
  EXPECT_TRUE(baclofen);
}

TEST_F(ServerTest, TheAuditLogIsTheCliniciansAndRecordsWhoDidWhat) {
  ASSERT_EQ(login("amy", "staff password").status, 200);
  expect_error(get("/api/audit"), 403, "role");
  ASSERT_EQ(login("dr.ward", "clinician pass").status, 200);
  const Reply r = get("/api/audit");
  ASSERT_EQ(r.status, 200) << r.text;
  ASSERT_GE(r.body["entries"].size(), 2u);
  EXPECT_EQ(r.body["entries"][0]["user"], "dr.ward");
  EXPECT_EQ(r.body["entries"][0]["action"], "login");
  expect_error(get("/api/audit?limit=-3"), 400, "limit");
}

TEST_F(ServerTest, UploadsNeedTheCsrfTokenAndAreCheckedWhole) {
  ASSERT_EQ(login("amy", "staff password").status, 200);
  const json history = {{"kind", "history"},
                        {"document",
                         {{"format", "itdd-delivery-history"},
                          {"version", 1},
                          {"implant_key", ""},
                          {"wall_offset_ms", kNow - 100 * 3'600'000LL},
                          {"hours",
                           {{{"hour_index", 90}, {"volume_nl", 2'000}, {"strokes", 1}},
                            {{"hour_index", 91}, {"volume_nl", 2'000}, {"strokes", 1}}}}}}};
  // A forged request (no CSRF token): refused, nothing stored.
  expect_error(post("/api/pumps/SN-BAC/uploads", history.dump(), false), 403, "csrf");
  json wrong_csrf = history;
  const std::string good_csrf = csrf_;
  csrf_ = std::string(good_csrf.size(), 'x');
  expect_error(post("/api/pumps/SN-BAC/uploads", history.dump()), 403, "csrf");
  csrf_ = good_csrf;
  const Reply series_before = get("/api/pumps/SN-BAC/series");
  EXPECT_TRUE(series_before.body["delivered_hourly"]["t_ms"].empty());

  const Reply stored = post("/api/pumps/SN-BAC/uploads", history.dump());
  ASSERT_EQ(stored.status, 200) << stored.text;
  EXPECT_EQ(stored.body["stored"], 2);
  const Reply again = post("/api/pumps/SN-BAC/uploads", history.dump());
  EXPECT_EQ(again.body["stored"], 0);
  EXPECT_EQ(again.body["already_stored"], 2);
  const Reply series_after = get("/api/pumps/SN-BAC/series");
  ASSERT_EQ(series_after.body["delivered_hourly"]["t_ms"].size(), 2u);
  EXPECT_EQ(series_after.body["delivered_hourly"]["t_ms"][0], kNow - 10 * 3'600'000LL);
  EXPECT_TRUE(series_after.body["implant_clock_known"]);

  json bad = history;
  bad["document"]["hours"][1]["volume_nl"] = -5;
  expect_error(post("/api/pumps/SN-BAC/uploads", bad.dump()), 400, "document.hours[1].volume_nl");
  expect_error(post("/api/pumps/SN-NONE/uploads", history.dump()), 404, "serial");
  expect_error(post("/api/pumps/SN-BAC/uploads", R"({"kind": "photo", "document": {}})"), 400,
               "kind");
  expect_error(post("/api/pumps/SN-BAC/uploads", "not json"), 400, "");
}

TEST_F(ServerTest, LogoutNeedsTheCsrfTokenAndEndsTheSession) {
  ASSERT_EQ(login("dr.ward", "clinician pass").status, 200);
  expect_error(post("/api/logout", "{}", false), 403, "csrf");
  EXPECT_EQ(get("/api/me").status, 200);
  const Reply out = post("/api/logout", "{}");
  EXPECT_EQ(out.status, 200) << out.text;
  EXPECT_NE(out.set_cookie.find("Max-Age=0"), std::string::npos);
  expect_error(get("/api/me"), 401, "session");
}

TEST_F(ServerTest, AStaleOrForgedSessionCookieIsRefused) {
  cookie_ = "itdd_session=forged-token-value";
  expect_error(get("/api/overview"), 401, "session");
  cookie_ = "other=1; itdd_session=";
  expect_error(get("/api/overview"), 401, "session");
}

TEST_F(ServerTest, UnknownApiPathsAndLargeBodiesGetJsonErrors) {
  ASSERT_EQ(login("dr.ward", "clinician pass").status, 200);
  expect_error(get("/api/nothing-here"), 404, "path");
  const Reply big = post("/api/pumps/SN-BAC/uploads", std::string(70 * 1024, ' '));
  EXPECT_EQ(big.status, 413) << big.text;
}

TEST_F(ServerTest, TheFrontEndsFilesAreServedAndAMissingFileIsA404) {
  const Reply index = reply_of(client_->Get("/"));
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.text.find("<title>itdd</title>"), std::string::npos);
  EXPECT_EQ(reply_of(client_->Get("/no-such-file.js")).status, 404);
}

TEST_F(ServerTest, AFloodOfBadRequestsIsRefusedAndTheServerStillAnswers) {
  ASSERT_EQ(login("dr.ward", "clinician pass").status, 200);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"/api/pumps/SN-BAC/uploads", "{"},
      {"/api/pumps/SN-BAC/uploads", "[1,2,3]"},
      {"/api/pumps/%00/uploads", "{}"},
      {"/api/login", "\xff\xfe"},
      {"/api/logout", "{}"},  // without the token below
  };
  int refused = 0;
  for (int i = 0; i < 300; ++i) {
    const auto& [path, body] = bad[i % bad.size()];
    const Reply r = post(path, body, path != "/api/logout" && i % 2 == 0);
    if (r.status >= 400 && r.status < 500) ++refused;
    if (i % 50 == 0) EXPECT_EQ(get("/api/overview?status=x").status, 400);
  }
  EXPECT_EQ(refused, 300);
  const Reply ok = get("/api/overview");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body["rows"].size(), 2u);
}

TEST(ServerStart, ABadDatabaseOrLibraryIsRefusedNamingIt) {
  ServerOptions o;
  o.db_url = (fs::temp_directory_path() / "itdd_no_such_dir" / "clinic.db").string();
  o.drug_library = ITDD_SOURCE_DIR "/data/drug-library.json";
  o.port = 0;
  const auto no_db = ClinicServer::start(o);
  ASSERT_FALSE(no_db.ok());
  EXPECT_EQ(no_db.error().field, "db");
}

}  // namespace
}  // namespace itdd::web
