// The clinic database's schema, as numbered migrations. Each is written once for both engines;
// the only per-dialect piece is {id}, the generated primary key. Everything else is portable:
// BIGINT for every quantity (base units) and time (epoch ms UTC), TEXT, BOOLEAN (SQLite stores
// 0/1). Foreign keys are enforced (SQLite: PRAGMA foreign_keys=ON on every connection).
//
// Never edit a migration that has shipped: add the next one. Migration N's SQL must run on a
// database at version N-1 and leave it exactly as a fresh database migrated to N (the tests
// compare describe_schema() of the two).
#include <string>

#include "sql_connection.h"

namespace itdd::programmer::detail {
namespace {

constexpr const char* kPatientsPumpsSessions = R"sql(
CREATE TABLE patients (
  id {id},
  mrn TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  birth_date_ms BIGINT NOT NULL,
  indication TEXT NOT NULL
);
CREATE TABLE pumps (
  id {id},
  patient_id BIGINT NOT NULL REFERENCES patients (id),
  model TEXT NOT NULL,
  serial TEXT NOT NULL UNIQUE,
  implant_date_ms BIGINT NOT NULL,
  catheter_length_mm BIGINT NOT NULL CHECK (catheter_length_mm > 0),
  catheter_volume_nl BIGINT NOT NULL CHECK (catheter_volume_nl >= 0),
  reservoir_capacity_nl BIGINT NOT NULL CHECK (reservoir_capacity_nl > 0),
  implant_public_key_hex TEXT,
  active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX pumps_patient ON pumps (patient_id);
CREATE TABLE sessions (
  id {id},
  pump_id BIGINT NOT NULL REFERENCES pumps (id),
  operator_name TEXT NOT NULL,
  device TEXT NOT NULL,
  started_at_ms BIGINT NOT NULL,
  ended_at_ms BIGINT,
  summary TEXT NOT NULL
);
CREATE INDEX sessions_pump ON sessions (pump_id, started_at_ms);
CREATE TABLE session_changes (
  id {id},
  session_id BIGINT NOT NULL REFERENCES sessions (id),
  at_ms BIGINT NOT NULL,
  kind TEXT NOT NULL,
  what TEXT NOT NULL,
  detail_json TEXT NOT NULL
);
CREATE INDEX session_changes_session ON session_changes (session_id, at_ms);
)sql";

constexpr const char* kTherapyRecords = R"sql(
CREATE TABLE prescriptions (
  id {id},
  pump_id BIGINT NOT NULL REFERENCES pumps (id),
  session_id BIGINT NOT NULL REFERENCES sessions (id),
  at_ms BIGINT NOT NULL,
  token_hex TEXT NOT NULL,
  drug TEXT NOT NULL,
  concentration_ng_per_ml BIGINT NOT NULL CHECK (concentration_ng_per_ml > 0),
  mode TEXT NOT NULL,
  max_daily_dose_ng BIGINT NOT NULL CHECK (max_daily_dose_ng >= 0),
  prescription_json TEXT NOT NULL
);
CREATE INDEX prescriptions_pump ON prescriptions (pump_id, at_ms);
CREATE TABLE refills (
  id {id},
  pump_id BIGINT NOT NULL REFERENCES pumps (id),
  session_id BIGINT NOT NULL REFERENCES sessions (id),
  at_ms BIGINT NOT NULL,
  expected_nl BIGINT NOT NULL CHECK (expected_nl >= 0),
  withdrawn_nl BIGINT NOT NULL CHECK (withdrawn_nl >= 0),
  difference_nl BIGINT NOT NULL,
  finding TEXT NOT NULL,
  acknowledged BOOLEAN NOT NULL,
  acknowledgement_reason TEXT NOT NULL,
  drug TEXT NOT NULL,
  concentration_ng_per_ml BIGINT NOT NULL CHECK (concentration_ng_per_ml > 0),
  volume_nl BIGINT NOT NULL CHECK (volume_nl > 0),
  low_reservoir_alarm_nl BIGINT NOT NULL CHECK (low_reservoir_alarm_nl >= 0),
  bridge_bolus BOOLEAN NOT NULL,
  next_refill_ms BIGINT NOT NULL,
  next_refill_rule TEXT NOT NULL,
  low_reservoir_ms BIGINT
);
CREATE INDEX refills_pump ON refills (pump_id, at_ms);
CREATE TABLE limit_overrides (
  id {id},
  session_id BIGINT NOT NULL REFERENCES sessions (id),
  at_ms BIGINT NOT NULL,
  drug TEXT NOT NULL,
  field TEXT NOT NULL,
  limit_text TEXT NOT NULL,
  reason TEXT NOT NULL,
  clinician TEXT NOT NULL
);
CREATE INDEX limit_overrides_session ON limit_overrides (session_id);
)sql";

constexpr const char* kImplantData = R"sql(
CREATE TABLE event_logs (
  id {id},
  pump_id BIGINT NOT NULL REFERENCES pumps (id),
  seq BIGINT NOT NULL CHECK (seq >= 0),
  at_implant_ms BIGINT NOT NULL,
  code BIGINT NOT NULL,
  reason BIGINT NOT NULL,
  a BIGINT NOT NULL,
  b BIGINT NOT NULL,
  UNIQUE (pump_id, seq)
);
CREATE TABLE delivery_hours (
  id {id},
  pump_id BIGINT NOT NULL REFERENCES pumps (id),
  hour_index BIGINT NOT NULL CHECK (hour_index >= 0),
  volume_nl BIGINT NOT NULL CHECK (volume_nl >= 0),
  strokes BIGINT NOT NULL CHECK (strokes >= 0),
  UNIQUE (pump_id, hour_index)
);
)sql";

constexpr const char* kTrials = R"sql(
CREATE TABLE trials (
  id {id},
  patient_id BIGINT NOT NULL REFERENCES patients (id),
  at_ms BIGINT NOT NULL,
  drug TEXT NOT NULL,
  dose_ng BIGINT NOT NULL CHECK (dose_ng > 0),
  route TEXT NOT NULL,
  score_kind TEXT NOT NULL,
  score_before BIGINT NOT NULL,
  score_after BIGINT NOT NULL,
  effect_ms BIGINT NOT NULL CHECK (effect_ms >= 0),
  effective BOOLEAN NOT NULL,
  notes TEXT NOT NULL
);
CREATE INDEX trials_patient ON trials (patient_id, at_ms);
)sql";

// The clinic's own settings, one row: its time zone (an IANA name), in which every date the
// programmer shows or reads is local. A database made before it held UTC dates: it starts at
// "UTC", so what it shows does not change until the clinic names its zone (`itdd clinic
// time-zone Europe/Paris`).
constexpr const char* kClinicSettings = R"sql(
CREATE TABLE clinic_settings (
  id BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
  time_zone TEXT NOT NULL
);
INSERT INTO clinic_settings (id, time_zone) VALUES (1, 'UTC');
)sql";

// The dashboard (`itdd clinic serve`): clinician accounts (a libsodium crypto_pwhash_str hash,
// never the password), failed logins by user name (known or not, so a name cannot be probed;
// kept here so the back-off survives a restart and holds across servers), server sessions
// (only a hash of the cookie's token is stored), an audit log of who did what, and the implant
// clock's offset read with each upload (to place the implant's hours on the clinic's time line).
// An index on event codes for the overview's open alarms and battery.
constexpr const char* kDashboard = R"sql(
CREATE TABLE clinic_users (
  id {id},
  user_name TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE login_failures (
  user_name TEXT NOT NULL PRIMARY KEY,
  failures BIGINT NOT NULL CHECK (failures >= 0),
  last_failure_ms BIGINT NOT NULL
);
CREATE TABLE web_sessions (
  id {id},
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES clinic_users (id),
  csrf_token TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
CREATE TABLE audit_log (
  id {id},
  at_ms BIGINT NOT NULL,
  user_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
CREATE TABLE implant_clock_offsets (
  pump_id BIGINT NOT NULL PRIMARY KEY REFERENCES pumps (id),
  wall_offset_ms BIGINT NOT NULL,
  read_at_ms BIGINT NOT NULL
);
CREATE INDEX event_logs_code ON event_logs (code, pump_id, seq);
)sql";

// The overview at a clinic's scale (bench/clinic_bench.cpp): each pump's latest refill and
// session is found by one backward index seek only when the index holds the id that breaks a
// tie (ORDER BY at DESC, id DESC; SQLite's indexes end with the rowid anyway, PostgreSQL's
// sorted every pump's rows), and the open alarms and the battery are read from the index alone
// when it covers every column the overview reads of an event.
constexpr const char* kOverviewIndexes = R"sql(
DROP INDEX refills_pump;
CREATE INDEX refills_pump ON refills (pump_id, at_ms, id);
DROP INDEX sessions_pump;
CREATE INDEX sessions_pump ON sessions (pump_id, started_at_ms, id);
DROP INDEX event_logs_code;
CREATE INDEX event_logs_code ON event_logs (code, pump_id, seq, reason, at_implant_ms, a, b);
)sql";

// What the clinic's printed documents need (programmer/documents): the clinic's name and the
// emergency phone number its patients' implant ID cards give, and where each pump's catheter
// tip lies (a vertebral level from the implant's imaging, "T10"), recorded when known.
constexpr const char* kDocuments = R"sql(
ALTER TABLE clinic_settings ADD COLUMN clinic_name TEXT NOT NULL DEFAULT '';
ALTER TABLE clinic_settings ADD COLUMN emergency_phone TEXT NOT NULL DEFAULT '';
CREATE TABLE catheter_tips (
  pump_id BIGINT NOT NULL PRIMARY KEY REFERENCES pumps (id),
  vertebral_level TEXT NOT NULL,
  recorded_at_ms BIGINT NOT NULL
);
)sql";

// Fixed-rate gas-driven pumps (fixed_rate_records.h): a pump recorded with this row is of that
// kind, with its model's flow figures as implanted, and its fills go to their own table (no
// session, no withdrawn-volume check against an implant's estimate: it has none).
constexpr const char* kFixedRatePumps = R"sql(
CREATE TABLE fixed_rate_pumps (
  pump_id BIGINT NOT NULL PRIMARY KEY REFERENCES pumps (id),
  nominal_flow_nl_per_day BIGINT NOT NULL CHECK (nominal_flow_nl_per_day > 0),
  flow_tolerance_permille BIGINT NOT NULL
    CHECK (flow_tolerance_permille >= 0 AND flow_tolerance_permille < 1000),
  residual_volume_nl BIGINT NOT NULL CHECK (residual_volume_nl >= 0),
  refill_margin_nl BIGINT NOT NULL CHECK (refill_margin_nl >= 0)
);
CREATE TABLE fixed_rate_refills (
  id {id},
  pump_id BIGINT NOT NULL REFERENCES fixed_rate_pumps (pump_id),
  at_ms BIGINT NOT NULL,
  clinician TEXT NOT NULL,
  drug TEXT NOT NULL,
  concentration_ng_per_ml BIGINT NOT NULL CHECK (concentration_ng_per_ml > 0),
  withdrawn_nl BIGINT NOT NULL CHECK (withdrawn_nl >= 0),
  volume_nl BIGINT NOT NULL CHECK (volume_nl > 0),
  next_refill_ms BIGINT NOT NULL,
  next_refill_rule TEXT NOT NULL,
  empty_at_worst_ms BIGINT NOT NULL
);
CREATE INDEX fixed_rate_refills_pump ON fixed_rate_refills (pump_id, at_ms, id);
)sql";

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1, "patients, pumps, programming sessions and what they changed", kPatientsPumpsSessions},
      {2, "prescriptions, refills and drug-limit overrides", kTherapyRecords},
      {3, "event log and hourly delivery read from the implants", kImplantData},
      {4, "screening trials", kTrials},
      {5, "the clinic's time zone", kClinicSettings},
      {6, "dashboard accounts, sessions, audit log, implant clock offsets", kDashboard},
      {7, "indexes for the overview at a clinic's scale", kOverviewIndexes},
      {8, "the clinic's name and emergency phone, catheter tip levels", kDocuments},
      {9, "fixed-rate gas-driven pumps and their refills", kFixedRatePumps},
  };
  return all;
}

std::string migration_sql(const Migration& m, Dialect dialect) {
  // SQLite: INTEGER PRIMARY KEY is the 64-bit rowid; AUTOINCREMENT never reuses an id, so a
  // record named in a report keeps naming the same thing.
  const std::string id = dialect == Dialect::kSqlite
                             ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                             : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
  std::string sql = m.sql;
  const std::string placeholder = "{id}";
  for (std::size_t at = sql.find(placeholder); at != std::string::npos;
       at = sql.find(placeholder, at + id.size())) {
    sql.replace(at, placeholder.size(), id);
  }
  return sql;
}

}  // namespace itdd::programmer::detail
