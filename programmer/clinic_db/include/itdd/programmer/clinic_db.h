// The clinic database: patients, their pumps, every programming session and what it changed
// (prescriptions, refills, limit overrides), what was read back from the implants (event log,
// hourly delivery), screening trials, and the refill calendar built from them.
//
// Two backends behind one interface: SQLite (one file, the default) and PostgreSQL (a clinic
// with several programmers). Both run the same SQL on the same logical schema, created and
// upgraded by numbered migrations (schema_migrations table). A database written by a newer itdd
// is refused and left untouched.
//
// Conventions
// - Quantities are integers in base units (nL, ng, ng/mL, ng/day, ms), as in itdd/core/units.h.
// - Every time is an instant, epoch milliseconds UTC (`*_ms`), shown in the clinic's time zone
//   (`time_zone()`, an IANA name kept in the database): dates and times in reports, the due
//   list and the session report's lines are the clinic's local ones. A calendar date that is
//   not an instant (birth, implant) is kept as midnight UTC of that day, a day number, and shown
//   as that same day. The one exception is `EventLogRecord::at_implant_ms`, the implant's own
//   local wall clock, kept as the implant reported it.
// - Nothing throws: every call returns host::Checked<T> / host::Checked<void>. Input is checked
// before anything is
//   written and each call is one transaction, so a refused call writes nothing.
// - One ClinicDb object is one connection: use it from one thread at a time (open one per
//   thread or per programmer; the database itself arbitrates between them).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "itdd/core/units.h"
#include "itdd/host/checked.h"
#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_web_records.h"
#include "itdd/programmer/fixed_rate_records.h"
#include "itdd/programmer/refill_check.h"

namespace itdd::programmer {

// ---- errors as values ----
// Every call returns the host's one error type (host/text's checked.h): host::Checked<T>, or
// host::Checked<void> for a call without a value, holding a host::Refusal whose `field` says
// what to fix ("mrn", "pump_id", "records[3].seq", "url") and whose `message` says what is wrong
// and what to do. Its kind: kInvalidArgument (an input refused), kNotFound (an id, MRN or serial
// the database does not hold), kConflict (would duplicate something unique or contradict a
// record), kNotInitialised (no clinic database there yet, or its schema is older: run
// migrate/init), kSchemaTooNew (written by a newer itdd: refused, not touched), kUnavailable
// (cannot open or reach the database, or it failed mid-way). programmer/outcome.h's outcome_of
// gives its exit status: every kind but kUnavailable is input to change (nothing was written,
// retrying unchanged fails again).

// Transitional: the refusal's text, for programmer/use_cases and apps/itdd's therapy.cpp and
// programmer.cpp workflows move into programmer/ (then use Refusal::text() and delete this).
inline std::string db_error_text(const host::Refusal& e) {
  return e.text();
}

// ---- records (plain structs in and out; `id` is set by the database) ----

enum class Indication : std::uint8_t { kPain, kSpasticity };
const char* indication_name(Indication indication);  // "pain", "spasticity"
std::optional<Indication> parse_indication(std::string_view text);

struct PatientRecord {
  std::int64_t id = 0;
  std::string mrn;  // the clinic's medical record number, unique
  std::string name;
  std::int64_t birth_date_ms = 0;
  Indication indication = Indication::kPain;
};

struct PumpRecord {
  std::int64_t id = 0;
  std::int64_t patient_id = 0;
  std::string model;   // a name from data/pump-models.json, e.g. "peristaltic-20"
  std::string serial;  // unique
  std::int64_t implant_date_ms = 0;
  std::int64_t catheter_length_mm = 0;
  Volume catheter_volume{};
  Volume reservoir_capacity{};
  std::string implant_public_key_hex;  // 64 hex digits (X25519), or empty before pairing
  bool active = true;                  // false once explanted or replaced
};

// A pump model's catheter range (both ends included), from the pump model file
// (data/pump-models.json) as the reservoir's capacity is: the database keeps no catalogue.
struct CatheterRange {
  std::int64_t min_length_mm = 0;
  std::int64_t max_length_mm = 0;
  Volume min_volume{};
  Volume max_volume{};
};

struct SessionRecord {
  std::int64_t id = 0;
  std::int64_t pump_id = 0;
  std::string operator_name;  // the clinician at the programmer
  std::string device;         // which programmer
  std::int64_t started_at_ms = 0;
  std::optional<std::int64_t> ended_at_ms;  // empty while open
  std::string summary;
};

enum class ChangeKind : std::uint8_t {
  kProgram,
  kRefill,
  kBolus,
  kPrime,
  kAlarm,
  kClock,
  kOverride,
  kTrial,
  kRevoke,  // a paired device removed from the implant (`itdd programmer revoke`)
};
const char* change_kind_name(ChangeKind kind);  // "program", "refill", ...
std::optional<ChangeKind> parse_change_kind(std::string_view text);

struct ChangeRecord {
  std::int64_t id = 0;
  std::int64_t session_id = 0;
  std::int64_t at_ms = 0;
  ChangeKind kind = ChangeKind::kProgram;
  std::string what;         // for people, units included: "bolus 0.5 mg over 30 min"
  std::string detail_json;  // a JSON document with the exact base integers ("" stores "{}")
};

struct SessionReport {
  SessionRecord session;
  PumpRecord pump;
  PatientRecord patient;
  std::vector<ChangeRecord> changes;  // in the order they happened
};

struct PrescriptionRecord {
  std::int64_t id = 0;
  std::int64_t pump_id = 0;
  std::int64_t session_id = 0;  // a session open on the same pump
  std::int64_t at_ms = 0;
  std::uint64_t token = 0;  // the implant's prescription token
  std::string drug;
  Concentration concentration{};
  std::string mode;           // "continuous", "flex", "stopped", ...
  DoseRate max_daily_dose{};  // the most the prescription delivers in a day
  std::string prescription_json;
};

struct RefillRecord {
  std::int64_t id = 0;
  std::int64_t pump_id = 0;
  std::int64_t session_id = 0;
  std::int64_t at_ms = 0;
  Volume expected{};   // what the implant expected to be left
  Volume withdrawn{};  // what the clinician withdrew
  // Set by record_refill from check_refill(expected, withdrawn, the pump's capacity): the same
  // rule the programmer applies, so the record cannot disagree with it.
  Volume difference{};
  RefillFinding finding = RefillFinding::kAsExpected;
  bool acknowledged = false;  // required (with a reason) when the finding is not as expected
  std::string acknowledgement_reason;
  std::string drug;  // what is in the reservoir now
  Concentration concentration{};
  Volume volume{};  // filled
  Volume low_reservoir_alarm{};
  bool bridge_bolus = false;
  std::int64_t next_refill_ms = 0;
  std::string next_refill_rule;  // which rule set the date, for people
  std::optional<std::int64_t> low_reservoir_ms;
};
const char* refill_finding_name(RefillFinding finding);  // "as-expected", "less-than-expected", ...

struct OverrideRecord {
  std::int64_t id = 0;
  std::int64_t session_id = 0;
  std::int64_t at_ms = 0;
  std::string drug;
  std::string field;       // which limit ("max_dose_per_day")
  std::string limit_text;  // the limit and its source, as shown to the clinician
  std::string reason;
  std::string clinician;
};

// One implant event log record as read from the implant (protocol LogRecord).
struct EventLogRecord {
  std::uint32_t seq = 0;
  std::int64_t at_implant_ms = 0;  // the implant's local wall clock
  std::uint32_t code = 0;
  std::uint32_t reason = 0;
  std::int64_t a = 0;
  std::int64_t b = 0;
};

// One hour of delivery as read from the implant (protocol HourRecord).
struct DeliveryHourRecord {
  std::int64_t hour_index = 0;
  Volume volume{};
  std::int64_t strokes = 0;
};

enum class ScoreKind : std::uint8_t {
  kPain,      // numeric rating scale, 0 (none) to 10
  kAshworth,  // Ashworth scale, 0 (normal tone) to 4 (rigid)
};
const char* score_kind_name(ScoreKind kind);  // "pain", "ashworth"
std::optional<ScoreKind> parse_score_kind(std::string_view text);

struct TrialRecord {
  std::int64_t id = 0;
  std::int64_t patient_id = 0;
  std::int64_t at_ms = 0;
  std::string drug;
  DrugAmount dose{};
  std::string route;  // "lumbar puncture", "catheter", ...
  ScoreKind score_kind = ScoreKind::kPain;
  std::int64_t score_before = 0;
  std::int64_t score_after = 0;
  Duration effect{};  // how long the effect lasted
  bool effective = false;
  std::string notes;
};

// The clinic as its printed documents name it (migration 8): its name and the phone number an
// implant ID card gives for emergencies. Empty until the clinic sets them (`itdd clinic
// settings`).
struct ClinicContact {
  std::string name;
  std::string emergency_phone;
};

// Where a pump's catheter tip lies, as recorded from the implant's imaging (migration 8).
struct CatheterTip {
  std::string vertebral_level;  // "T10": C1-C7, T1-T12, L1-L5
  std::int64_t recorded_at_ms = 0;
};

// ---- the clinic at a glance (the dashboard's overview) ----

// One pump and what the overview needs of it, read in bulk.
struct PumpSnapshot {
  PumpRecord pump;
  // The prescription in force at the last refill and every one after it, oldest first (all a
  // reservoir estimate needs); without a refill, the latest alone. The last is the latest.
  std::vector<PrescriptionRecord> prescriptions;
  std::optional<RefillRecord> last_refill;
  std::optional<SessionRecord> last_session;
  // Alarm-raised records (code 0x0100) of each alarm kind (reason) whose latest raise/clear
  // (0x0100/0x0101) is a raise, by seq.
  std::vector<EventLogRecord> open_alarms;
  // The latest battery record: assessed (0x0208), elective replacement (0x0209) or end of
  // service (0x020A).
  std::optional<EventLogRecord> battery;
  std::optional<ImplantClockOffset> clock;  // from the latest upload that carried one
};

// A fixed-rate gas-driven pump and what the overview needs of it.
struct FixedRatePumpSnapshot {
  PumpRecord pump;
  FixedRatePumpRecord figures;
  std::optional<FixedRateRefillRecord> last_refill;  // the first fill counts
};

struct ClinicSnapshot {
  std::vector<PatientRecord> patients;  // by MRN
  std::vector<PumpSnapshot> pumps;      // programmable, by serial, inactive ones included
  std::vector<FixedRatePumpSnapshot> fixed_rate_pumps;  // by serial, inactive ones included
};

// ---- the refill calendar ----

enum class DueStatus : std::uint8_t {
  kOverdue,  // the next refill date has passed
  kUnknown,  // no refill recorded: interrogate the pump to learn its reservoir
  kDue,      // the next refill date falls within the window asked for
};
const char* due_status_name(DueStatus status);  // "overdue", "unknown", "due"

struct DueRow {
  PatientRecord patient;
  PumpRecord pump;
  std::string drug;  // in the reservoir (last refill), else last prescribed, else empty
  std::optional<std::int64_t> next_refill_ms;  // empty when kUnknown
  // Days from today to the next refill's date, both the clinic's local dates (due tomorrow:
  // 1, whatever the hour; overdue: 0 or negative).
  std::int64_t days_left = 0;
  // The next refill's local date in the clinic's time zone: the one date the due list shows
  // (column and reason alike), the same the session report's refill line says.
  std::string next_refill_date;
  std::string reason;  // the rule that set the date (stating no due date of its own)
  std::optional<std::int64_t> low_reservoir_ms;
  DueStatus status = DueStatus::kDue;
  bool fixed_rate = false;  // a fixed-rate gas-driven pump (no alarm: the date is its only warning)
};

// How dangerous running dry is for a drug: higher ranks come first. The caller passes the drug
// library's ranking (e.g. baclofen high: its withdrawal can kill); an empty one ranks all drugs
// alike. It must not throw.
using RiskRank = std::function<int(std::string_view drug)>;

// The call list order:
//   1. overdue pumps, then pumps with no refill recorded (they may be overdue: nobody knows),
//      then pumps due within the window;
//   2. within each group, the higher risk rank first;
//   3. then the earlier next refill date (fewer days left), then the serial, so the order is
//      stable.
// So baclofen with 10 days left comes before morphine with 3 (both within the window the clinic
// schedules), but an overdue morphine pump comes before any baclofen pump that is not overdue.
std::vector<DueRow> order_by_risk(std::vector<DueRow> rows, const RiskRank& risk_rank);

// ---- dates (UTC; the database keeps epoch ms) ----

std::string utc_date(std::int64_t ms);    // "2025-03-01"
std::string utc_minute(std::int64_t ms);  // "2025-03-01 14:05 UTC"
// "YYYY-MM-DD" to midnight UTC in epoch ms; empty when not a real date.
std::optional<std::int64_t> parse_utc_date(std::string_view text);

// ---- the database ----

// The newest schema version this code knows (the number of migrations).
int latest_schema_version();

class ClinicDb {
 public:
  virtual ~ClinicDb() = default;

  virtual const char* backend_name() const = 0;  // "sqlite", "postgresql"

  // Schema. `schema_version` is 0 for an empty database. `migrate` applies every missing
  // migration up to `target` (default: the latest), one transaction each, and returns the
  // version reached. A database newer than the code is refused (kSchemaTooNew), untouched.
  virtual host::Checked<int> schema_version() = 0;
  virtual host::Checked<int> migrate(int target = -1) = 0;
  // Tables, columns, keys and indexes, one sorted line each, in a form both backends share
  // ("column pumps.serial text not null", "unique pumps(serial)"): what the migration tests
  // compare.
  virtual host::Checked<std::vector<std::string>> describe_schema() = 0;

  // Every call below needs the schema at latest_schema_version() (else kNotInitialised).

  // The clinic's time zone: every date the programmer shows or reads is local to it. "UTC" in a
  // database made before itdd kept one. `set_time_zone` refuses (kInvalidArgument, field
  // "time_zone") a name the tz database does not hold, saying an example ("Europe/Paris").
  virtual host::Checked<host::TimeZone> time_zone() = 0;
  virtual host::Checked<void> set_time_zone(std::string_view name) = 0;

  // The clinic's name and emergency phone (empty until set). Refused (clinic_checks.h): a name
  // that is not one line of visible text, a phone number that is not 3 to 32 of digits, spaces,
  // + - . ( ) with at least 3 digits. Both are set together; an empty one is refused.
  virtual host::Checked<ClinicContact> clinic_contact() = 0;
  virtual host::Checked<void> set_clinic_contact(const ClinicContact& contact) = 0;

  // Refused (clinic_checks.h): an MRN or name that is not one line of visible text or is too
  // long, a birth date before 1900 or in the future.
  virtual host::Checked<std::int64_t> add_patient(const PatientRecord& patient) = 0;
  virtual host::Checked<PatientRecord> find_patient_by_mrn(std::string_view mrn) = 0;
  virtual host::Checked<PatientRecord> patient(std::int64_t patient_id) = 0;
  virtual host::Checked<std::vector<PatientRecord>> list_patients() = 0;  // by MRN

  // The reservoir capacity and the catheter range come from the caller (the pump model file),
  // never guessed here. Refused (clinic_checks.h): a serial that is not one line of visible
  // text or is too long, an implant date before 1900, in the future or before the patient's
  // birth, a catheter length or volume outside the model's range.
  virtual host::Checked<std::int64_t> add_pump(const PumpRecord& pump,
                                               const CatheterRange& catheter) = 0;
  virtual host::Checked<PumpRecord> find_pump_by_serial(std::string_view serial) = 0;
  virtual host::Checked<PumpRecord> pump(std::int64_t pump_id) = 0;
  virtual host::Checked<std::vector<PumpRecord>> list_pumps() = 0;  // by serial
  virtual host::Checked<std::vector<PumpRecord>> pumps_of(std::int64_t patient_id) = 0;
  virtual host::Checked<void> set_pump_active(std::int64_t pump_id, bool active) = 0;
  // The catheter tip's level, empty when none is recorded; recording it again replaces it.
  // Refused: an unknown pump (kNotFound), a level that is not a vertebra (check_vertebral_level).
  virtual host::Checked<std::optional<CatheterTip>> catheter_tip(std::int64_t pump_id) = 0;
  virtual host::Checked<void> set_catheter_tip(std::int64_t pump_id, const CatheterTip& tip) = 0;
  virtual host::Checked<void> set_implant_public_key(std::int64_t pump_id,
                                                     std::string_view hex) = 0;

  // A programming session: begun before the first change, ended after the last. Changes,
  // prescriptions, refills and overrides need an open session.
  virtual host::Checked<std::int64_t> begin_session(const SessionRecord& session) = 0;
  virtual host::Checked<void> end_session(std::int64_t session_id, std::int64_t ended_at_ms,
                                          std::string_view summary) = 0;
  virtual host::Checked<SessionRecord> session(std::int64_t session_id) = 0;
  virtual host::Checked<std::vector<SessionRecord>> sessions_of(std::int64_t pump_id) = 0;

  // A change the other calls do not record themselves (bolus, prime, alarm, clock, ...).
  // record_prescription, record_refill and record_override add their own change (kind program,
  // refill, override) in the same transaction: do not add those twice.
  virtual host::Checked<std::int64_t> add_change(const ChangeRecord& change) = 0;
  virtual host::Checked<SessionReport> session_report(std::int64_t session_id) = 0;

  virtual host::Checked<std::int64_t> record_prescription(const PrescriptionRecord& p) = 0;
  virtual host::Checked<std::optional<PrescriptionRecord>> latest_prescription(
      std::int64_t pump_id) = 0;
  virtual host::Checked<std::vector<PrescriptionRecord>> prescription_history(
      std::int64_t pump_id) = 0;  // oldest first
  // When the maximum daily dose last went up: a prescription whose max_daily_dose is above the
  // one before it, or the first of a drug (a start counts as an increase from nothing). Empty
  // when there is no prescription. What the drug library's titration interval check needs.
  virtual host::Checked<std::optional<std::int64_t>> last_dose_increase_at(
      std::int64_t pump_id) = 0;

  // ---- fixed-rate gas-driven pumps (fixed_rate_records.h) ----

  // A pump of the fixed-rate kind with its model's figures and its first fill, in one
  // transaction (the pump's id). Refused as add_pump is, and: an implant key (it has no
  // electronics), a nominal flow not above 0, a tolerance outside 0..999 per mille, a residual
  // volume not below the capacity, a negative margin, and a fill refused as
  // record_fixed_rate_refill refuses one.
  virtual host::Checked<std::int64_t> add_fixed_rate_pump(
      const PumpRecord& pump, const FixedRatePumpRecord& figures, const CatheterRange& catheter,
      const FixedRateRefillRecord& first_fill) = 0;
  // The pump's fixed-rate figures, or nothing for a programmable pump.
  virtual host::Checked<std::optional<FixedRatePumpRecord>> fixed_rate_pump(
      std::int64_t pump_id) = 0;
  // Refused: a programmable or inactive pump (field "pump_id"), no clinician or drug, a
  // concentration not above 0, a volume not above the residual volume or above the capacity
  // ("volume"), a negative withdrawn volume, a time before the pump's last fill ("at_ms").
  virtual host::Checked<std::int64_t> record_fixed_rate_refill(
      const FixedRateRefillRecord& refill) = 0;
  virtual host::Checked<std::vector<FixedRateRefillRecord>> fixed_rate_refills(
      std::int64_t pump_id) = 0;  // oldest first

  // Every call that only a programmable pump has (begin_session and so every session record,
  // record_prescription, record_refill, store_event_log, store_delivery_hours,
  // set_implant_public_key, set_implant_clock_offset) refuses a fixed-rate pump, field
  // "pump_id" ("mode" for a prescription), naming its kind and what to do instead.

  // Returns the stored record (id, difference and finding filled in).
  virtual host::Checked<RefillRecord> record_refill(const RefillRecord& refill) = 0;
  virtual host::Checked<std::vector<RefillRecord>> refills(
      std::int64_t pump_id) = 0;  // oldest first

  virtual host::Checked<std::int64_t> record_override(const OverrideRecord& o) = 0;
  virtual host::Checked<std::vector<OverrideRecord>> overrides_in(std::int64_t session_id) = 0;

  // Uploading the same page twice stores nothing twice: returns how many records were new.
  // A record whose seq is already stored is skipped as it is (the first upload wins).
  virtual host::Checked<std::int64_t> store_event_log(
      std::int64_t pump_id, const std::vector<EventLogRecord>& records) = 0;
  virtual host::Checked<std::vector<EventLogRecord>> event_log(std::int64_t pump_id) = 0;  // by seq
  virtual host::Checked<std::int64_t> store_delivery_hours(
      std::int64_t pump_id, const std::vector<DeliveryHourRecord>& hours) = 0;
  virtual host::Checked<std::vector<DeliveryHourRecord>> delivery_hours(std::int64_t pump_id) = 0;

  virtual host::Checked<std::int64_t> add_trial(const TrialRecord& trial) = 0;
  virtual host::Checked<std::vector<TrialRecord>> trials(
      std::int64_t patient_id) = 0;  // oldest first

  // Every active pump whose latest refill's next refill date is before now + within (overdue
  // ones included), and every active pump with no refill recorded (kUnknown), in
  // order_by_risk order.
  virtual host::Checked<std::vector<DueRow>> due(std::int64_t now_ms, std::int64_t within_ms,
                                                 const RiskRank& risk_rank = {}) = 0;

  // ---- the dashboard (clinic_web_records.h) ----

  // Every patient and pump with what the overview needs, in one transaction and a fixed number
  // of queries (not one per pump); one patient's alone when `patient_id` is set.
  virtual host::Checked<ClinicSnapshot> clinic_snapshot(
      std::optional<std::int64_t> patient_id = {}) = 0;
  // Sessions newest first, at most `limit` (1..10000), each with its pump and patient (no
  // changes); one patient's alone when `patient_id` is set.
  virtual host::Checked<std::vector<SessionReport>> recent_sessions(
      std::int64_t limit, std::optional<std::int64_t> patient_id = {}) = 0;

  // Accounts. Refused: a user name that is not 1-64 of a-z 0-9 . _ -, a display name that is
  // not one line of visible text, a hash that is not crypto_pwhash_str's ("$argon2"), a user name
  // taken (kConflict).
  virtual host::Checked<std::int64_t> add_user(const UserRecord& user) = 0;
  virtual host::Checked<std::optional<UserRecord>> find_user(std::string_view user_name) = 0;
  virtual host::Checked<UserRecord> user(std::int64_t user_id) = 0;
  virtual host::Checked<std::vector<UserRecord>> list_users() = 0;  // by user name

  // Failed logins under a user name, known or not (zero when none since the last success).
  virtual host::Checked<LoginFailures> login_failures(std::string_view user_name) = 0;
  virtual host::Checked<void> record_login_failure(std::string_view user_name,
                                                   std::int64_t at_ms) = 0;
  virtual host::Checked<void> clear_login_failures(std::string_view user_name) = 0;

  // Server sessions, found by the hash of the cookie's token.
  virtual host::Checked<std::int64_t> add_web_session(const WebSessionRecord& session) = 0;
  virtual host::Checked<std::optional<WebSessionRecord>> find_web_session(
      std::string_view token_hash) = 0;
  virtual host::Checked<void> extend_web_session(std::int64_t session_id,
                                                 std::int64_t expires_at_ms) = 0;
  virtual host::Checked<void> end_web_session(std::string_view token_hash) = 0;
  // Removes the sessions expired before `now_ms`; returns how many.
  virtual host::Checked<std::int64_t> end_expired_web_sessions(std::int64_t now_ms) = 0;

  // The audit log: who did what, newest first.
  virtual host::Checked<std::int64_t> add_audit(const AuditEntry& entry) = 0;
  virtual host::Checked<std::vector<AuditEntry>> audit_log(std::int64_t limit) = 0;

  // The implant clock's offset read with an upload (the latest replaces the one before).
  virtual host::Checked<void> set_implant_clock_offset(std::int64_t pump_id,
                                                       const ImplantClockOffset& offset) = 0;
  virtual host::Checked<std::optional<ImplantClockOffset>> implant_clock_offset(
      std::int64_t pump_id) = 0;
};

enum class OpenMode : std::uint8_t {
  kExisting,  // refuse (kNotInitialised) when there is no database file yet; create nothing
  kCreate,    // create an empty SQLite file if missing (PostgreSQL databases are made by the DBA)
};

// Opens by URL: "postgresql://..." or "postgres://..." (libpq URL) for PostgreSQL; "sqlite:PATH"
// or a plain PATH for SQLite. Refuses (kSchemaTooNew) a database newer than this code. Does not
// migrate: call migrate() (the `itdd clinic init` / `migrate` commands do).
host::Checked<std::unique_ptr<ClinicDb>> open_clinic_db(const std::string& url,
                                                        OpenMode mode = OpenMode::kExisting);

}  // namespace itdd::programmer
