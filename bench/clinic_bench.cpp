// The dashboard at a clinic's scale: a clinic database filled with 2,000 patients, 2,500 pumps,
// 50,000 sessions and a year of hourly delivery per pump (21.9 million hours), then the
// overview (every pump, ranked) and a patient page (the pump's plots over a year) measured.
// Figures (medians) are in bench/README.md.
//
//   build/release/bench/itdd_clinic_bench                     the full clinic on SQLite
//   ITDD_CLINIC_BENCH_DB=postgresql://... itdd_clinic_bench   the same on PostgreSQL
//   ITDD_CLINIC_BENCH_SCALE=smoke itdd_clinic_bench           a tiny clinic (the test command)
//
// The SQLite file is kept (/tmp/itdd-clinic-bench-<scale>.db) and reused when already filled;
// a PostgreSQL database is filled when empty. The fill writes the tables directly in bulk (the
// API's per-record checks would take an hour for 22 million rows); what is measured goes
// through the API.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <string>

#include "itdd/programmer/accounts.h"
#include "itdd/programmer/clinic_db.h"
#include "itdd/programmer/clinic_overview.h"
#include "itdd/programmer/drug_library.h"
#include "itdd/programmer/patient_view.h"
#include "sql_connection.h"

namespace {

namespace host = itdd::host;
using itdd::kMillisPerDay;
using namespace itdd::programmer;

constexpr std::int64_t kDay = kMillisPerDay;
constexpr std::int64_t kHour = 3'600'000;
// 2026-12-07 00:00 UTC: "now"; the history runs the year before.
constexpr std::int64_t kNow = 1'796'601'600'000;

struct Scale {
  std::string name;
  int patients, pumps, sessions_per_pump, hours_per_pump;
};

Scale scale() {
  const char* s = std::getenv("ITDD_CLINIC_BENCH_SCALE");
  if (s != nullptr && std::string(s) == "smoke") return {"smoke", 40, 50, 20, 24 * 14};
  return {"full", 2000, 2500, 20, 24 * 365};
}

std::string url_for(const Scale& sc) {
  const char* u = std::getenv("ITDD_CLINIC_BENCH_DB");
  if (u != nullptr && *u != '\0') return u;
  return (std::filesystem::temp_directory_path() / ("itdd-clinic-bench-" + sc.name + ".db"))
      .string();
}

// Runs `sql` statements collected into batches of rows, inside the current transaction.
class Bulk {
 public:
  Bulk(itdd::programmer::detail::SqlConnection& c, std::string head)
      : c_(c), head_(std::move(head)) {}
  ~Bulk() { flush(); }
  void row(const std::string& values) {
    sql_ += (rows_ == 0 ? head_ + " VALUES " : std::string(",")) + "(" + values + ")";
    if (++rows_ == 1000) flush();
  }
  void flush() {
    if (rows_ == 0) return;
    const itdd::host::Checked<void> s = c_.script(sql_);
    if (!s.ok()) {
      std::cerr << "fill failed: " << s.error().text() << '\n';
      std::exit(1);
    }
    sql_.clear();
    rows_ = 0;
  }

 private:
  itdd::programmer::detail::SqlConnection& c_;
  std::string head_;
  std::string sql_;
  int rows_ = 0;
};

void check(const itdd::host::Checked<void>& s, const char* what) {
  if (!s.ok()) {
    std::cerr << what << ": " << s.error().text() << '\n';
    std::exit(1);
  }
}

// Fills an empty clinic. Ids are given explicitly (1..n), in the order the tables are written.
void fill(const std::string& url, const Scale& sc) {
  auto raw = url.starts_with("postgres")
                 ? itdd::programmer::detail::open_postgres(url)
                 : itdd::programmer::detail::open_sqlite(url, OpenMode::kCreate);
  if (!raw.ok()) {
    std::cerr << db_error_text(raw.error()) << '\n';
    std::exit(1);
  }
  itdd::programmer::detail::SqlConnection& c = **raw;
  const char* drugs[] = {"baclofen", "morphine", "ziconotide", "hydromorphone"};
  const std::int64_t year_start = kNow - 365 * kDay;
  std::cerr << fmt::format(
      "filling the {} clinic ({} patients, {} pumps, {} sessions, {} hours "
      "a pump)...\n",
      sc.name, sc.patients, sc.pumps, sc.pumps * sc.sessions_per_pump, sc.hours_per_pump);
  check(c.begin(true), "begin");
  {
    Bulk patients(c, "INSERT INTO patients (id, mrn, name, birth_date_ms, indication)");
    for (int i = 1; i <= sc.patients; ++i) {
      patients.row(fmt::format("{}, 'MRN-{:05}', 'Patient {}', {}, '{}'", i, i, i,
                               -500'000'000'000LL + i * kDay, i % 2 ? "spasticity" : "pain"));
    }
  }
  {
    Bulk pumps(c,
               "INSERT INTO pumps (id, patient_id, model, serial, implant_date_ms, "
               "catheter_length_mm, catheter_volume_nl, reservoir_capacity_nl, "
               "implant_public_key_hex, active)");
    for (int p = 1; p <= sc.pumps; ++p) {
      pumps.row(
          fmt::format("{}, {}, 'peristaltic-20', 'SN-{:05}', {}, 450, 170000, 20000000, "
                      "NULL, TRUE",
                      p, (p - 1) % sc.patients + 1, p, year_start - 30 * kDay));
    }
  }
  // Sessions first (every batch of them written), then what they hold.
  for (int pass = 0; pass < 2; ++pass) {
    std::int64_t session_id = 0;
    Bulk sessions(c,
                  "INSERT INTO sessions (id, pump_id, operator_name, device, started_at_ms, "
                  "ended_at_ms, summary)");
    Bulk rx(c,
            "INSERT INTO prescriptions (pump_id, session_id, at_ms, token_hex, drug, "
            "concentration_ng_per_ml, mode, max_daily_dose_ng, prescription_json)");
    Bulk refills(c,
                 "INSERT INTO refills (pump_id, session_id, at_ms, expected_nl, withdrawn_nl, "
                 "difference_nl, finding, acknowledged, acknowledgement_reason, drug, "
                 "concentration_ng_per_ml, volume_nl, low_reservoir_alarm_nl, bridge_bolus, "
                 "next_refill_ms, next_refill_rule, low_reservoir_ms)");
    for (int p = 1; p <= sc.pumps; ++p) {
      const char* drug = drugs[p % 4];
      // Spread the pumps' schedules so the due list has every state.
      const std::int64_t phase = (p * 7919LL) % (60 * kDay);
      for (int k = 0; k < sc.sessions_per_pump; ++k) {
        const std::int64_t at = year_start + phase + k * (300 * kDay / sc.sessions_per_pump);
        ++session_id;
        if (pass == 0) {
          sessions.row(fmt::format("{}, {}, 'Dr Bench', 'programmer-1', {}, {}, 'session {}'",
                                   session_id, p, at, at + 900'000, k));
          continue;
        }
        if (k % 4 == 0) {
          rx.row(
              fmt::format("{}, {}, {}, '{:016x}', '{}', 2000000, 'continuous', {}, "
                          "'{{\"mode\":\"continuous\"}}'",
                          p, session_id, at, session_id, drug, 200'000 + (k * 10'000)));
        }
        if (k % 2 == 1) {
          refills.row(
              fmt::format("{}, {}, {}, 2000000, 1950000, -50000, 'as-expected', FALSE, "
                          "'', '{}', 2000000, 18000000, 2000000, FALSE, {}, 'stability', "
                          "{}",
                          p, session_id, at, drug, at + 40 * kDay, at + 45 * kDay));
        }
      }
    }
  }
  check(c.commit(), "commit");
  // A year of hours per pump, a transaction per 100 pumps; a few events and the clock offset.
  const std::int64_t first_hour = 50'000;
  for (int from = 1; from <= sc.pumps; from += 100) {
    check(c.begin(true), "begin");
    {
      Bulk hours(c, "INSERT INTO delivery_hours (pump_id, hour_index, volume_nl, strokes)");
      Bulk events(c, "INSERT INTO event_logs (pump_id, seq, at_implant_ms, code, reason, a, b)");
      Bulk clocks(c, "INSERT INTO implant_clock_offsets (pump_id, wall_offset_ms, read_at_ms)");
      for (int p = from; p < from + 100 && p <= sc.pumps; ++p) {
        for (int h = 0; h < sc.hours_per_pump; ++h) {
          hours.row(
              fmt::format("{}, {}, {}, {}", p, first_hour + h, 4'000 + (h % 24) * 50, 8 + h % 3));
        }
        // Hour `first_hour` is the first hour of the history.
        clocks.row(fmt::format("{}, {}, {}", p,
                               kNow - sc.hours_per_pump * kHour - first_hour * kHour, kNow));
        int seq = 0;
        for (int d = 0; d < sc.hours_per_pump / 24; d += 3) {
          const std::int64_t t = (first_hour + d * 24 + 12) * kHour;
          events.row(fmt::format("{}, {}, {}, {}, 0, 20000, 1800000", p, ++seq, t,
                                 d % 6 == 0 ? 8 : 9));  // boluses granted and refused
        }
        const std::int64_t last = (first_hour + sc.hours_per_pump - 5) * kHour;
        events.row(fmt::format("{}, {}, {}, 256, 1, 0, 0", p, ++seq, last));  // low reservoir
        if (p % 3 == 0) events.row(fmt::format("{}, {}, {}, 257, 1, 0, 0", p, ++seq, last + 1));
        events.row(
            fmt::format("{}, {}, {}, 520, 1, 800, {}", p, ++seq, last + 2, 24 * (60 + p % 900)));
      }
    }
    check(c.commit(), "commit");
  }
  // PostgreSQL's identity columns continue after the ids given.
  if (c.dialect() == itdd::programmer::detail::Dialect::kPostgres) {
    for (const char* t : {"patients", "pumps", "sessions", "prescriptions", "refills",
                          "delivery_hours", "event_logs"}) {
      check(c.script(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), "
                                 "(SELECT MAX(id) FROM {0}))",
                                 t)),
            "sequence");
      // Vacuumed as autovacuum would soon: index-only scans need the visibility map.
      check(c.script(fmt::format("VACUUM ANALYZE {}", t)), "vacuum");
    }
  } else {
    check(c.script("ANALYZE"), "analyze");
  }
  std::cerr << "filled.\n";
}

struct Clinic {
  std::unique_ptr<ClinicDb> db;
  DrugLibrary library;
  host::TimeZone zone = *host::find_time_zone("UTC");
  Scale sc;
};

Clinic& clinic() {
  static Clinic* c = [] {
    auto* out = new Clinic;
    out->sc = scale();
    const std::string url = url_for(out->sc);
    auto db = open_clinic_db(url, OpenMode::kCreate);
    if (!db.ok()) {
      std::cerr << db_error_text(db.error()) << '\n';
      std::exit(1);
    }
    if (!(*db)->migrate().ok()) std::exit(1);
    const auto pumps = (*db)->list_pumps();
    if (!pumps.ok()) std::exit(1);
    if (pumps->empty()) fill(url, out->sc);
    out->db = std::move(db.value());
    out->library = *DrugLibrary::load(ITDD_SOURCE_DIR "/data/drug-library.json");
    return out;
  }();
  return *c;
}

// The overview: every pump's snapshot read and ranked.
void BM_ClinicOverview(benchmark::State& state) {
  Clinic& c = clinic();
  std::size_t rows = 0;
  for (auto _ : state) {
    const auto snap = c.db->clinic_snapshot();
    if (!snap.ok()) state.SkipWithError(db_error_text(snap.error()).c_str());
    const auto ranked = build_overview(*snap, c.library, kNow, c.zone);
    rows = ranked.size();
    benchmark::DoNotOptimize(ranked.data());
  }
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_ClinicOverview)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(7)
    ->ReportAggregatesOnly(true);

// A patient page: the patient's pumps ranked, their sessions, and each pump's year of plots.
void BM_PatientPage(benchmark::State& state) {
  Clinic& c = clinic();
  std::int64_t patient = 1;
  std::size_t points = 0;
  for (auto _ : state) {
    // Patient 1 has two pumps at full scale (2,500 pumps on 2,000 patients).
    const auto snap = c.db->clinic_snapshot(patient);
    if (!snap.ok()) state.SkipWithError(db_error_text(snap.error()).c_str());
    const auto rows = build_overview(*snap, c.library, kNow, c.zone);
    const auto sessions = c.db->recent_sessions(200, patient);
    benchmark::DoNotOptimize(sessions.ok());
    for (const PumpSnapshot& p : snap->pumps) {
      const auto series = pump_series(*c.db, p.pump.id, kNow - 365 * kDay, kNow, c.zone);
      if (!series.ok()) state.SkipWithError(db_error_text(series.error()).c_str());
      points = series->hourly.size();
    }
    benchmark::DoNotOptimize(rows.data());
  }
  state.counters["hours_per_pump"] = static_cast<double>(points);
}
BENCHMARK(BM_PatientPage)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(7)
    ->ReportAggregatesOnly(true);

// A login with a wrong password and one with a user name that does not exist: the same time
// (the unknown name's password is checked against a hash of the accounts' cost), so the answer's
// time does not tell whether a name exists. The accounts at the interactive cost `itdd clinic
// user add` gives them (the smoke run: the minimum, to stay a moment); no back-off.
struct Logins {
  std::filesystem::path file;
  std::unique_ptr<ClinicDb> db;
  PasswordCost cost;
};

Logins& logins() {
  static Logins* l = [] {
    auto* out = new Logins;
    out->cost = scale().name == "smoke" ? PasswordCost::minimum() : PasswordCost::interactive();
    out->file = std::filesystem::temp_directory_path() /
                fmt::format("itdd-clinic-bench-logins-{}.db", ::getpid());
    auto db = open_clinic_db(out->file.string(), OpenMode::kCreate);
    if (!db.ok() || !(*db)->migrate().ok()) std::exit(1);
    out->db = std::move(db.value());
    if (!add_account(*out->db, "dr.ward", "Dr Ward", Role::kClinician, "the right password", kNow,
                     out->cost)
             .ok()) {
      std::exit(1);
    }
    std::atexit([] { std::filesystem::remove(logins().file); });
    return out;
  }();
  return *l;
}

void login_as(benchmark::State& state, const char* user) {
  Logins& l = logins();
  BackoffRule no_backoff;
  no_backoff.free_failures = std::numeric_limits<std::int64_t>::max();
  for (auto _ : state) {
    const LoginOutcome out =
        login(*l.db, user, "a wrong password", kNow, no_backoff, SessionRule{}, l.cost);
    if (out.verdict != LoginVerdict::kWrongCredentials) state.SkipWithError("not refused");
  }
}
void BM_LoginWrongPassword(benchmark::State& state) {
  login_as(state, "dr.ward");
}
void BM_LoginUnknownUser(benchmark::State& state) {
  login_as(state, "dr.nobody");
}
BENCHMARK(BM_LoginWrongPassword)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(scale().name == "smoke" ? 1 : 5)  // each writes (the failure counted)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_LoginUnknownUser)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(scale().name == "smoke" ? 1 : 5)  // each writes (the failure counted)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
