// The clinic database's test fixture: every TEST_P of a suite derived from ClinicDbTest runs on
// SQLite (a temporary file) and on PostgreSQL (a schema of its own in the database
// $ITDD_TEST_POSTGRES_URL names). Without that variable the PostgreSQL half skips, or fails when
// ITDD_REQUIRE_POSTGRES=1: scripts/with-postgres.sh provides a throwaway server.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "itdd/programmer/clinic_db.h"
#include "sql_connection.h"

namespace itdd::programmer {
namespace {

namespace fs = std::filesystem;

enum class Backend { kSqlite, kPostgres };

constexpr std::int64_t kDay = kMillisPerDay;
// 2025-03-01 00:00 UTC: "today" in these tests.
constexpr std::int64_t kToday = 1'740'787'200'000;
// The catheter range of the pump model these tests use (as data/pump-models.json gives it).
constexpr CatheterRange kCatheter{100, 1100, Volume(26'000), Volume(286'000)};

[[maybe_unused]] std::int64_t now_utc_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool postgres_required() {
  const char* v = std::getenv("ITDD_REQUIRE_POSTGRES");
  return v != nullptr && std::string(v) == "1";
}

const char* postgres_url() {
  const char* v = std::getenv("ITDD_TEST_POSTGRES_URL");
  return (v != nullptr && *v != '\0') ? v : nullptr;
}

std::string unique_suffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(rd() % 1'000'000);
}

// An empty database of one backend, removed at the end of the test.
class Location {
 public:
  explicit Location(Backend backend) : backend_(backend) {
    if (backend == Backend::kSqlite) {
      dir_ = fs::temp_directory_path() / ("itdd_clinic_db_" + unique_suffix());
      fs::create_directories(dir_);
      path_ = (dir_ / "clinic.db").string();
      url_ = "sqlite:" + path_;
    } else {
      base_url_ = postgres_url();
      schema_ = "itdd_t_" + unique_suffix();
      auto admin = detail::open_postgres(base_url_);
      EXPECT_TRUE(admin.ok()) << admin.error().text();
      if (!admin.ok()) return;
      const host::Checked<void> made = (*admin)->script("CREATE SCHEMA " + schema_);
      EXPECT_TRUE(made.ok()) << made.error().text();
      const char sep = base_url_.find('?') == std::string::npos ? '?' : '&';
      url_ = base_url_ + sep + "options=-csearch_path%3D" + schema_;
    }
  }
  ~Location() {
    if (backend_ == Backend::kSqlite) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    } else if (auto admin = detail::open_postgres(base_url_); admin.ok()) {
      (void)(*admin)->script("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    }
  }
  Location(const Location&) = delete;
  Location& operator=(const Location&) = delete;

  const std::string& url() const { return url_; }
  const std::string& path() const { return path_; }

  std::unique_ptr<ClinicDb> open() const {
    auto db = open_clinic_db(url_, OpenMode::kCreate);
    EXPECT_TRUE(db.ok()) << db.error().text();
    return db.ok() ? std::move(db.value()) : nullptr;
  }
  std::unique_ptr<ClinicDb> open_migrated() const {
    auto db = open();
    if (db) {
      const host::Checked<int> v = db->migrate();
      EXPECT_TRUE(v.ok()) << v.error().text();
    }
    return db;
  }
  // Under the API, for what no API call may do (forge a newer schema, write at an old one).
  std::unique_ptr<detail::SqlConnection> raw() const {
    auto c = backend_ == Backend::kSqlite ? detail::open_sqlite(path_, OpenMode::kExisting)
                                          : detail::open_postgres(url_);
    EXPECT_TRUE(c.ok()) << c.error().text();
    return c.ok() ? std::move(c.value()) : nullptr;
  }

 private:
  Backend backend_;
  fs::path dir_;
  std::string path_;
  std::string url_;
  std::string base_url_;
  std::string schema_;
};

class ClinicDbTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && postgres_url() == nullptr) {
      if (postgres_required()) {
        FAIL() << "ITDD_REQUIRE_POSTGRES=1 but ITDD_TEST_POSTGRES_URL is not set: run under "
                  "scripts/with-postgres.sh";
      }
      GTEST_SKIP() << "no PostgreSQL (set ITDD_TEST_POSTGRES_URL, e.g. scripts/with-postgres.sh)";
    }
    location_ = std::make_unique<Location>(GetParam());
    db_ = location_->open_migrated();
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override {
    db_.reset();
    location_.reset();
  }

  std::unique_ptr<Location> another_location() const {
    return std::make_unique<Location>(GetParam());
  }

  std::int64_t add_patient(const std::string& mrn,
                           Indication indication = Indication::kSpasticity) {
    PatientRecord p;
    p.mrn = mrn;
    p.name = "Patient " + mrn;
    p.birth_date_ms = kToday - 40 * 365 * kDay;
    p.indication = indication;
    const host::Checked<std::int64_t> id = db_->add_patient(p);
    EXPECT_TRUE(id.ok()) << id.error().text();
    return id.ok() ? *id : 0;
  }

  PumpRecord pump_for(std::int64_t patient_id, const std::string& serial) {
    PumpRecord p;
    p.patient_id = patient_id;
    p.model = "peristaltic-20";
    p.serial = serial;
    p.implant_date_ms = kToday - 200 * kDay;
    p.catheter_length_mm = 450;
    p.catheter_volume = microlitres(170);
    p.reservoir_capacity = millilitres(20);
    return p;
  }

  std::int64_t add_pump(std::int64_t patient_id, const std::string& serial) {
    const host::Checked<std::int64_t> id = db_->add_pump(pump_for(patient_id, serial), kCatheter);
    EXPECT_TRUE(id.ok()) << id.error().text();
    return id.ok() ? *id : 0;
  }

  std::int64_t begin_session(std::int64_t pump_id, std::int64_t at = kToday,
                             ClinicDb* db = nullptr) {
    SessionRecord s;
    s.pump_id = pump_id;
    s.operator_name = "Dr Ada";
    s.device = "programmer-1";
    s.started_at_ms = at;
    const host::Checked<std::int64_t> id = (db ? db : db_.get())->begin_session(s);
    EXPECT_TRUE(id.ok()) << id.error().text();
    return id.ok() ? *id : 0;
  }

  static RefillRecord refill_for(std::int64_t pump_id, std::int64_t session_id, std::int64_t at,
                                 std::int64_t next_refill_ms,
                                 const std::string& drug = "baclofen") {
    RefillRecord r;
    r.pump_id = pump_id;
    r.session_id = session_id;
    r.at_ms = at;
    r.expected = millilitres(2);
    r.withdrawn = microlitres(1900);
    r.drug = drug;
    r.concentration = Concentration(2'000'000);
    r.volume = millilitres(18);
    r.low_reservoir_alarm = millilitres(2);
    r.next_refill_ms = next_refill_ms;
    r.next_refill_rule = "low-reservoir date minus 4 days";
    r.low_reservoir_ms = next_refill_ms + 4 * kDay;
    return r;
  }

  static PrescriptionRecord prescription_for(std::int64_t pump_id, std::int64_t session_id,
                                             std::int64_t at, std::int64_t dose_ng_per_day,
                                             const std::string& drug = "baclofen") {
    PrescriptionRecord p;
    p.pump_id = pump_id;
    p.session_id = session_id;
    p.at_ms = at;
    p.token = 0xfedcba9876543210ULL;
    p.drug = drug;
    p.concentration = Concentration(2'000'000);
    p.mode = "continuous";
    p.max_daily_dose = DoseRate(dose_ng_per_day);
    p.prescription_json = R"({"mode":"continuous"})";
    return p;
  }

  std::unique_ptr<Location> location_;
  std::unique_ptr<ClinicDb> db_;
};

#define ASSERT_OK(expr)                                  \
  do {                                                   \
    const auto& result_ = (expr);                        \
    ASSERT_TRUE(result_.ok()) << result_.error().text(); \
  } while (0)

void expect_error(const host::Refusal& e, host::RefusalKind kind, const std::string& field) {
  EXPECT_EQ(static_cast<int>(e.kind), static_cast<int>(kind)) << e.text();
  EXPECT_EQ(e.field, field) << e.text();
  EXPECT_FALSE(e.message.empty());
}

template <class R>
void expect_refused(const R& result, host::RefusalKind kind, const std::string& field) {
  ASSERT_FALSE(result.ok()) << "expected a refusal naming " << field;
  expect_error(result.error(), kind, field);
}

}  // namespace
}  // namespace itdd::programmer
