// The clinic database's logic, written once over SqlConnection: the same statements run on
// SQLite and PostgreSQL. Every public call is one transaction that first checks the schema
// version (so an itdd that another programmer's newer itdd has outgrown stops writing) and then
// checks its input before writing anything.
#include "itdd/programmer/clinic_db.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <tuple>
#include <type_traits>
#include <unordered_map>

#include "itdd/host/wall_time.h"
#include "itdd/programmer/clinic_checks.h"
#include "snapshot_sql.h"
#include "sql_connection.h"

namespace itdd::programmer {

namespace detail {

host::Refusal db_error(host::RefusalKind kind, std::string field, std::string message) {
  return host::Refusal{std::move(field), std::move(message), kind};
}

namespace {

// A cell's text as people can read it in a message: at most 40 characters, control characters
// as '?'.
std::string shown(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 40)) {
    out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  }
  return s.size() > 40 ? out + "..." : out;
}

}  // namespace

bool SqlRow::is_null(std::size_t i) const {
  if (i >= cells_.size()) throw DamagedValue{"a row with fewer columns than asked for"};
  return std::holds_alternative<std::monostate>(cells_[i]);
}

std::int64_t SqlRow::integer(std::size_t i) const {
  if (is_null(i)) return 0;
  const SqlValue& v = cells_[i];
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  const std::string& s = std::get<std::string>(v);
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) {
    throw DamagedValue{fmt::format("'{}' where a whole number belongs", shown(s))};
  }
  return n;
}

std::optional<std::int64_t> SqlRow::optional_integer(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return integer(i);
}

std::string SqlRow::text(std::size_t i) const {
  if (is_null(i)) return "";
  const SqlValue& v = cells_[i];
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return "";
}

bool SqlRow::boolean(std::size_t i) const {
  if (is_null(i)) return false;
  const SqlValue& v = cells_[i];
  if (const auto* s = std::get_if<std::string>(&v)) {
    // PostgreSQL sends booleans as t/f.
    if (*s == "t" || *s == "true" || *s == "1") return true;
    if (*s == "f" || *s == "false" || *s == "0") return false;
    throw DamagedValue{fmt::format("'{}' where true or false belongs", shown(*s))};
  }
  const std::int64_t n = integer(i);
  if (n != 0 && n != 1) throw DamagedValue{fmt::format("{} where true or false belongs", n)};
  return n != 0;
}

}  // namespace detail

namespace {

using detail::db_error;
using detail::SqlParams;
using detail::SqlRow;
using detail::SqlRows;

// ---- names ----

struct Names {
  static constexpr std::array<const char*, 2> indication{"pain", "spasticity"};
  static constexpr std::array<const char*, 9> change_kind{
      "program", "refill", "bolus", "prime", "alarm", "clock", "override", "trial", "revoke"};
  static constexpr std::array<const char*, 2> score_kind{"pain", "ashworth"};
  static constexpr std::array<const char*, 3> finding{"as-expected", "less-than-expected",
                                                      "more-than-expected"};
  static constexpr std::array<const char*, 3> due_status{"overdue", "unknown", "due"};
};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<const char*, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

template <class Enum, std::size_t N>
const char* name_of(const std::array<const char*, N>& names, Enum e) {
  const auto i = static_cast<std::size_t>(e);
  return i < N ? names[i] : "unknown";
}

// ---- text for people (the session report's "what"): rounded here, for display only ----

std::string trimmed_decimal(double value) {
  std::string s = fmt::format("{:.3f}", value);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string volume_text(Volume v) {
  return fmt::format("{:.3f} mL", static_cast<double>(v.count()) / kNanolitresPerMillilitre);
}

std::string concentration_text(Concentration c) {
  if (c.count() >= kNanogramsPerMilligram) {
    return trimmed_decimal(static_cast<double>(c.count()) / kNanogramsPerMilligram) + " mg/mL";
  }
  return trimmed_decimal(static_cast<double>(c.count()) / kNanogramsPerMicrogram) + " mcg/mL";
}

std::string dose_rate_text(DoseRate d) {
  if (d.count() >= kNanogramsPerMilligram) {
    return trimmed_decimal(static_cast<double>(d.count()) / kNanogramsPerMilligram) + " mg/day";
  }
  return trimmed_decimal(static_cast<double>(d.count()) / kNanogramsPerMicrogram) + " mcg/day";
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

// ---- input checks ----

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

// Well-formed UTF-8 without NUL: what both engines store alike (PostgreSQL refuses malformed
// UTF-8, and its C-string parameters would cut text at a NUL).
bool clean_text(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // cut short
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinimum[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

std::optional<host::Refusal> require_clean(std::string_view value, const char* field) {
  if (!clean_text(value)) {
    return db_error(host::RefusalKind::kInvalidArgument, field,
                    "must be text (UTF-8, without NUL characters)");
  }
  return std::nullopt;
}

std::optional<host::Refusal> require_text(std::string_view value, const char* field,
                                          const char* what) {
  if (blank(value)) {
    return db_error(host::RefusalKind::kInvalidArgument, field, fmt::format("give {}", what));
  }
  return require_clean(value, field);
}

std::optional<host::Refusal> require_json(std::string_view text, const char* field) {
  if (!nlohmann::json::accept(text)) {
    return db_error(host::RefusalKind::kInvalidArgument, field, "must be a JSON document");
  }
  return std::nullopt;
}

bool is_hex_key(std::string_view hex) {
  return hex.size() == 64 &&
         std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

std::string token_hex(std::uint64_t token) {
  return fmt::format("{:016x}", token);
}

std::uint64_t token_from_hex(const std::string& hex) {
  std::uint64_t t = 0;
  const auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), t, 16);
  if (hex.empty() || ec != std::errc() || end != hex.data() + hex.size()) {
    throw detail::DamagedValue{fmt::format("'{}' where a prescription token belongs", hex)};
  }
  return t;
}

// A name read back (an indication, a kind, a finding): one itdd writes, or the value is damaged.
template <class Enum>
Enum known_name(std::optional<Enum> parsed, const std::string& text, const char* what) {
  if (!parsed) {
    throw detail::DamagedValue{fmt::format("'{}' where {} belongs", text, what)};
  }
  return *parsed;
}

// ---- rows to records (column lists and readers kept side by side) ----

constexpr const char* kPatientColumns = "pa.id, pa.mrn, pa.name, pa.birth_date_ms, pa.indication";
PatientRecord patient_from(const SqlRow& r, std::size_t at = 0) {
  PatientRecord p;
  p.id = r.integer(at);
  p.mrn = r.text(at + 1);
  p.name = r.text(at + 2);
  p.birth_date_ms = r.integer(at + 3);
  const std::string indication = r.text(at + 4);
  p.indication = known_name(parse_indication(indication), indication, "an indication");
  return p;
}

constexpr const char* kPumpColumns =
    "pu.id, pu.patient_id, pu.model, pu.serial, pu.implant_date_ms, pu.catheter_length_mm, "
    "pu.catheter_volume_nl, pu.reservoir_capacity_nl, pu.implant_public_key_hex, pu.active";
PumpRecord pump_from(const SqlRow& r, std::size_t at = 0) {
  PumpRecord p;
  p.id = r.integer(at);
  p.patient_id = r.integer(at + 1);
  p.model = r.text(at + 2);
  p.serial = r.text(at + 3);
  p.implant_date_ms = r.integer(at + 4);
  p.catheter_length_mm = r.integer(at + 5);
  p.catheter_volume = Volume(r.integer(at + 6));
  p.reservoir_capacity = Volume(r.integer(at + 7));
  p.implant_public_key_hex = r.text(at + 8);
  p.active = r.boolean(at + 9);
  return p;
}

constexpr const char* kFixedRatePumpColumns =
    "fp.pump_id, fp.nominal_flow_nl_per_day, fp.flow_tolerance_permille, fp.residual_volume_nl, "
    "fp.refill_margin_nl";
FixedRatePumpRecord fixed_rate_pump_from(const SqlRow& r, std::size_t at = 0) {
  FixedRatePumpRecord f;
  f.pump_id = r.integer(at);
  f.nominal_flow = FlowRate(r.integer(at + 1));
  f.flow_tolerance_permille = static_cast<std::int32_t>(r.integer(at + 2));
  f.residual_volume = Volume(r.integer(at + 3));
  f.refill_margin = Volume(r.integer(at + 4));
  return f;
}

constexpr const char* kFixedRateRefillColumns =
    "fr.id, fr.pump_id, fr.at_ms, fr.clinician, fr.drug, fr.concentration_ng_per_ml, "
    "fr.withdrawn_nl, fr.volume_nl, fr.next_refill_ms, fr.next_refill_rule, fr.empty_at_worst_ms";
FixedRateRefillRecord fixed_rate_refill_from(const SqlRow& r, std::size_t at = 0) {
  FixedRateRefillRecord f;
  f.id = r.integer(at);
  f.pump_id = r.integer(at + 1);
  f.at_ms = r.integer(at + 2);
  f.clinician = r.text(at + 3);
  f.drug = r.text(at + 4);
  f.concentration = Concentration(r.integer(at + 5));
  f.withdrawn = Volume(r.integer(at + 6));
  f.volume = Volume(r.integer(at + 7));
  f.next_refill_ms = r.integer(at + 8);
  f.next_refill_rule = r.text(at + 9);
  f.empty_at_worst_ms = r.integer(at + 10);
  return f;
}

constexpr const char* kSessionColumns =
    "se.id, se.pump_id, se.operator_name, se.device, se.started_at_ms, se.ended_at_ms, "
    "se.summary";
SessionRecord session_from(const SqlRow& r) {
  SessionRecord s;
  s.id = r.integer(0);
  s.pump_id = r.integer(1);
  s.operator_name = r.text(2);
  s.device = r.text(3);
  s.started_at_ms = r.integer(4);
  s.ended_at_ms = r.optional_integer(5);
  s.summary = r.text(6);
  return s;
}

constexpr const char* kChangeColumns =
    "ch.id, ch.session_id, ch.at_ms, ch.kind, ch.what, ch.detail_json";
ChangeRecord change_from(const SqlRow& r) {
  ChangeRecord c;
  c.id = r.integer(0);
  c.session_id = r.integer(1);
  c.at_ms = r.integer(2);
  const std::string kind = r.text(3);
  c.kind = known_name(parse_change_kind(kind), kind, "a kind of change");
  c.what = r.text(4);
  c.detail_json = r.text(5);
  return c;
}

constexpr const char* kPrescriptionColumns =
    "pr.id, pr.pump_id, pr.session_id, pr.at_ms, pr.token_hex, pr.drug, "
    "pr.concentration_ng_per_ml, pr.mode, pr.max_daily_dose_ng, pr.prescription_json";
PrescriptionRecord prescription_from(const SqlRow& r) {
  PrescriptionRecord p;
  p.id = r.integer(0);
  p.pump_id = r.integer(1);
  p.session_id = r.integer(2);
  p.at_ms = r.integer(3);
  p.token = token_from_hex(r.text(4));
  p.drug = r.text(5);
  p.concentration = Concentration(r.integer(6));
  p.mode = r.text(7);
  p.max_daily_dose = DoseRate(r.integer(8));
  p.prescription_json = r.text(9);
  return p;
}

constexpr const char* kRefillColumns =
    "rf.id, rf.pump_id, rf.session_id, rf.at_ms, rf.expected_nl, rf.withdrawn_nl, "
    "rf.difference_nl, rf.finding, rf.acknowledged, rf.acknowledgement_reason, rf.drug, "
    "rf.concentration_ng_per_ml, rf.volume_nl, rf.low_reservoir_alarm_nl, rf.bridge_bolus, "
    "rf.next_refill_ms, rf.next_refill_rule, rf.low_reservoir_ms";
RefillRecord refill_from(const SqlRow& r) {
  RefillRecord f;
  f.id = r.integer(0);
  f.pump_id = r.integer(1);
  f.session_id = r.integer(2);
  f.at_ms = r.integer(3);
  f.expected = Volume(r.integer(4));
  f.withdrawn = Volume(r.integer(5));
  f.difference = Volume(r.integer(6));
  const std::string finding = r.text(7);
  f.finding = known_name(parse_name<RefillFinding>(Names::finding, finding), finding,
                         "a refill check finding");
  f.acknowledged = r.boolean(8);
  f.acknowledgement_reason = r.text(9);
  f.drug = r.text(10);
  f.concentration = Concentration(r.integer(11));
  f.volume = Volume(r.integer(12));
  f.low_reservoir_alarm = Volume(r.integer(13));
  f.bridge_bolus = r.boolean(14);
  f.next_refill_ms = r.integer(15);
  f.next_refill_rule = r.text(16);
  f.low_reservoir_ms = r.optional_integer(17);
  return f;
}

constexpr const char* kOverrideColumns =
    "lo.id, lo.session_id, lo.at_ms, lo.drug, lo.field, lo.limit_text, lo.reason, lo.clinician";
OverrideRecord override_from(const SqlRow& r) {
  OverrideRecord o;
  o.id = r.integer(0);
  o.session_id = r.integer(1);
  o.at_ms = r.integer(2);
  o.drug = r.text(3);
  o.field = r.text(4);
  o.limit_text = r.text(5);
  o.reason = r.text(6);
  o.clinician = r.text(7);
  return o;
}

constexpr const char* kTrialColumns =
    "tr.id, tr.patient_id, tr.at_ms, tr.drug, tr.dose_ng, tr.route, tr.score_kind, "
    "tr.score_before, tr.score_after, tr.effect_ms, tr.effective, tr.notes";
TrialRecord trial_from(const SqlRow& r) {
  TrialRecord t;
  t.id = r.integer(0);
  t.patient_id = r.integer(1);
  t.at_ms = r.integer(2);
  t.drug = r.text(3);
  t.dose = DrugAmount(r.integer(4));
  t.route = r.text(5);
  const std::string score_kind = r.text(6);
  t.score_kind = known_name(parse_score_kind(score_kind), score_kind, "a kind of score");
  t.score_before = r.integer(7);
  t.score_after = r.integer(8);
  t.effect = Duration(r.integer(9));
  t.effective = r.boolean(10);
  t.notes = r.text(11);
  return t;
}

// Text for the detail_json column. Inputs were checked as UTF-8; `replace` keeps dump() from
// throwing whatever happens.
// ---- the dashboard's accounts ----

constexpr std::array<const char*, 2> kRoleNames = {"clinician", "staff"};

constexpr const char* kUserSelect =
    "SELECT id, user_name, display_name, role, password_hash, active, created_at_ms "
    "FROM clinic_users";
UserRecord user_from(const SqlRow& r) {
  UserRecord u;
  u.id = r.integer(0);
  u.user_name = r.text(1);
  u.display_name = r.text(2);
  const std::string role = r.text(3);
  u.role = known_name(parse_role(role), role, "a role");
  u.password_hash = r.text(4);
  u.active = r.boolean(5);
  u.created_at_ms = r.integer(6);
  return u;
}

std::optional<host::Refusal> check_user_name(std::string_view name) {
  const bool ok =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      });
  if (ok) return std::nullopt;
  return db_error(host::RefusalKind::kInvalidArgument, "user",
                  fmt::format("'{}' is not a user name: use 1 to 64 of a-z, 0-9, '.', '_', '-' "
                              "(e.g. dr.ward)",
                              detail::shown(name)));
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr const char* kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT NOT NULL PRIMARY KEY,"
    " description TEXT NOT NULL,"
    " applied_at_ms BIGINT NOT NULL)";

// ---- the database ----

class SqlClinicDb final : public ClinicDb {
 public:
  explicit SqlClinicDb(std::unique_ptr<detail::SqlConnection> c) : db_(std::move(c)) {}

  const char* backend_name() const override {
    return db_->dialect() == detail::Dialect::kSqlite ? "sqlite" : "postgresql";
  }

  host::Checked<int> schema_version() override { return read_version(); }

  host::Checked<int> migrate(int target) override {
    const int latest = latest_schema_version();
    if (target == -1) target = latest;
    if (target < 0 || target > latest) {
      return db_error(host::RefusalKind::kInvalidArgument, "target",
                      fmt::format("schema versions run from 0 to {}", latest));
    }
    host::Checked<int> version = read_version();
    if (!version.ok()) return version.error();
    if (*version > latest) return too_new(*version);
    for (const detail::Migration& m : detail::migrations()) {
      if (m.version <= *version || m.version > target) continue;
      const host::Checked<void> applied = apply(m);
      if (!applied.ok()) return applied.error();
    }
    return read_version();
  }

  host::Checked<std::vector<std::string>> describe_schema() override {
    return db_->describe_schema();
  }

  // ---- the clinic ----

  host::Checked<host::TimeZone> time_zone() override {
    return read([&]() { return zone_in_transaction(); });
  }

  host::Checked<void> set_time_zone(std::string_view name) override {
    const host::Checked<host::TimeZone> zone = host::find_time_zone(name);
    if (!zone.ok()) {
      return db_error(host::RefusalKind::kInvalidArgument, "time_zone", zone.error().message);
    }
    return transaction([&]() -> host::Checked<void> {
      return exec("UPDATE clinic_settings SET time_zone = $1 WHERE id = 1", {zone->name()});
    });
  }

  // ---- patients ----

  host::Checked<std::int64_t> add_patient(const PatientRecord& p) override {
    if (auto e = check_patient(p, now_ms())) return *e;
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<SqlRows> same =
          db_->query("SELECT name FROM patients WHERE mrn = $1", {p.mrn});
      if (!same.ok()) return same.error();
      if (!same->empty()) {
        return db_error(host::RefusalKind::kConflict, "mrn",
                        fmt::format("MRN {} is already recorded (for {}): each patient once", p.mrn,
                                    same->front().text(0)));
      }
      return insert(
          "INSERT INTO patients (mrn, name, birth_date_ms, indication) VALUES ($1, $2, $3, $4) "
          "RETURNING id",
          {p.mrn, p.name, p.birth_date_ms, std::string(indication_name(p.indication))}, "mrn");
    });
  }

  host::Checked<PatientRecord> find_patient_by_mrn(std::string_view mrn) override {
    return read([&]() -> host::Checked<PatientRecord> {
      return one<PatientRecord>(
          fmt::format("SELECT {} FROM patients pa WHERE pa.mrn = $1", kPatientColumns),
          {std::string(mrn)}, [](const SqlRow& r) { return patient_from(r); }, "mrn",
          fmt::format("no patient with MRN {}", mrn));
    });
  }

  host::Checked<PatientRecord> patient(std::int64_t id) override {
    return read([&]() { return patient_in_transaction(id); });
  }

  host::Checked<std::vector<PatientRecord>> list_patients() override {
    return read([&]() {
      return many<PatientRecord>(
          fmt::format("SELECT {} FROM patients pa ORDER BY pa.mrn", kPatientColumns), {},
          [](const SqlRow& r) { return patient_from(r); });
    });
  }

  // ---- pumps ----

  host::Checked<std::int64_t> add_pump(const PumpRecord& p,
                                       const CatheterRange& catheter) override {
    if (auto e = check_pump_input(p, catheter)) return *e;
    return transaction([&]() { return insert_pump(p, catheter); });
  }

  host::Checked<PumpRecord> find_pump_by_serial(std::string_view serial) override {
    return read([&]() -> host::Checked<PumpRecord> {
      return one<PumpRecord>(
          fmt::format("SELECT {} FROM pumps pu WHERE pu.serial = $1", kPumpColumns),
          {std::string(serial)}, [](const SqlRow& r) { return pump_from(r); }, "serial",
          fmt::format("no pump with serial {}", serial));
    });
  }

  host::Checked<PumpRecord> pump(std::int64_t id) override {
    return read([&]() { return pump_in_transaction(id); });
  }

  host::Checked<std::vector<PumpRecord>> list_pumps() override {
    return read([&]() {
      return many<PumpRecord>(
          fmt::format("SELECT {} FROM pumps pu ORDER BY pu.serial", kPumpColumns), {},
          [](const SqlRow& r) { return pump_from(r); });
    });
  }

  host::Checked<std::vector<PumpRecord>> pumps_of(std::int64_t patient_id) override {
    return read([&]() -> host::Checked<std::vector<PumpRecord>> {
      const host::Checked<PatientRecord> owner = patient_in_transaction(patient_id);
      if (!owner.ok()) return owner.error();
      return many<PumpRecord>(
          fmt::format("SELECT {} FROM pumps pu WHERE pu.patient_id = $1 ORDER BY pu.serial",
                      kPumpColumns),
          {patient_id}, [](const SqlRow& r) { return pump_from(r); });
    });
  }

  host::Checked<void> set_pump_active(std::int64_t pump_id, bool active) override {
    return transaction([&]() -> host::Checked<void> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      return exec("UPDATE pumps SET active = $1 WHERE id = $2", {active, pump_id});
    });
  }

  host::Checked<void> set_implant_public_key(std::int64_t pump_id, std::string_view hex) override {
    if (!hex.empty() && !is_hex_key(hex)) {
      return db_error(host::RefusalKind::kInvalidArgument, "implant_public_key_hex",
                      "must be 64 hex digits (the implant's X25519 public key), or empty");
    }
    return transaction([&]() -> host::Checked<void> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      if (!hex.empty()) {
        if (auto e = not_fixed_rate(*p, "pump_id", "it has no implant key to keep")) return *e;
      }
      return exec("UPDATE pumps SET implant_public_key_hex = $1 WHERE id = $2",
                  {hex.empty() ? detail::SqlValue{} : detail::SqlValue{std::string(hex)}, pump_id});
    });
  }

  // ---- sessions and changes ----

  host::Checked<std::int64_t> begin_session(const SessionRecord& s) override {
    if (auto e = require_text(s.operator_name, "operator_name", "the clinician's name")) {
      return *e;
    }
    if (auto e = require_text(s.device, "device", "which programmer this is")) return *e;
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<PumpRecord> p = pump_in_transaction(s.pump_id);
      if (!p.ok()) return p.error();
      if (auto e = not_fixed_rate(*p, "pump_id", "there is no programming session with it")) {
        return *e;
      }
      if (!p->active) {
        return db_error(
            host::RefusalKind::kConflict, "pump_id",
            fmt::format("pump {} is marked inactive (explanted or replaced)", p->serial));
      }
      return insert(
          "INSERT INTO sessions (pump_id, operator_name, device, started_at_ms, summary) "
          "VALUES ($1, $2, $3, $4, '') RETURNING id",
          {s.pump_id, s.operator_name, s.device, s.started_at_ms}, "session");
    });
  }

  host::Checked<void> end_session(std::int64_t session_id, std::int64_t ended_at_ms,
                                  std::string_view summary) override {
    if (auto e = require_clean(summary, "summary")) return *e;
    return transaction([&]() -> host::Checked<void> {
      const host::Checked<SessionRecord> s = open_session(session_id, ended_at_ms, "ended_at_ms");
      if (!s.ok()) return s.error();
      return exec("UPDATE sessions SET ended_at_ms = $1, summary = $2 WHERE id = $3",
                  {ended_at_ms, std::string(summary), session_id});
    });
  }

  host::Checked<SessionRecord> session(std::int64_t session_id) override {
    return read([&]() { return session_in_transaction(session_id); });
  }

  host::Checked<std::vector<SessionRecord>> sessions_of(std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::vector<SessionRecord>> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      return many<SessionRecord>(fmt::format("SELECT {} FROM sessions se WHERE se.pump_id = $1 "
                                             "ORDER BY se.started_at_ms, se.id",
                                             kSessionColumns),
                                 {pump_id}, session_from);
    });
  }

  host::Checked<std::int64_t> add_change(const ChangeRecord& c) override {
    if (auto e = require_text(c.what, "what", "what changed")) return *e;
    const std::string detail = c.detail_json.empty() ? "{}" : c.detail_json;
    if (auto e = require_json(detail, "detail_json")) return *e;
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<SessionRecord> s = open_session(c.session_id, c.at_ms, "at_ms");
      if (!s.ok()) return s.error();
      return insert_change(c.session_id, c.at_ms, c.kind, c.what, detail);
    });
  }

  host::Checked<SessionReport> session_report(std::int64_t session_id) override {
    return read([&]() -> host::Checked<SessionReport> {
      SessionReport report;
      const host::Checked<SessionRecord> s = session_in_transaction(session_id);
      if (!s.ok()) return s.error();
      report.session = *s;
      const host::Checked<PumpRecord> p = pump_in_transaction(s->pump_id);
      if (!p.ok()) return p.error();
      report.pump = *p;
      const host::Checked<PatientRecord> pa = patient_in_transaction(p->patient_id);
      if (!pa.ok()) return pa.error();
      report.patient = *pa;
      host::Checked<std::vector<ChangeRecord>> changes = many<ChangeRecord>(
          fmt::format("SELECT {} FROM session_changes ch WHERE ch.session_id = $1 "
                      "ORDER BY ch.at_ms, ch.id",
                      kChangeColumns),
          {session_id}, change_from);
      if (!changes.ok()) return changes.error();
      report.changes = std::move(changes.value());
      return report;
    });
  }

  // ---- prescriptions ----

  host::Checked<std::int64_t> record_prescription(const PrescriptionRecord& p) override {
    if (auto e = require_text(p.drug, "drug", "the drug's name")) return *e;
    if (auto e = require_text(p.mode, "mode", "the prescription's mode")) return *e;
    if (p.concentration.count() <= 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "concentration", "must be above 0");
    }
    if (p.max_daily_dose.count() < 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "max_daily_dose",
                      "must not be negative");
    }
    if (auto e = require_json(p.prescription_json, "prescription_json")) return *e;
    return transaction([&]() -> host::Checked<std::int64_t> {
      if (const host::Checked<PumpRecord> pump = pump_in_transaction(p.pump_id); pump.ok()) {
        if (auto e = not_fixed_rate(
                *pump, "mode", fmt::format("a {} prescription has nothing to run on", p.mode))) {
          return *e;
        }
      }
      if (auto e = session_on_pump(p.session_id, p.pump_id, p.at_ms)) return *e;
      const host::Checked<std::int64_t> id = insert(
          "INSERT INTO prescriptions (pump_id, session_id, at_ms, token_hex, drug, "
          "concentration_ng_per_ml, mode, max_daily_dose_ng, prescription_json) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
          {p.pump_id, p.session_id, p.at_ms, token_hex(p.token), p.drug, p.concentration.count(),
           p.mode, p.max_daily_dose.count(), p.prescription_json},
          "prescription");
      if (!id.ok()) return id;
      const nlohmann::json detail = {
          {"prescription_id", *id}, {"token_hex", token_hex(p.token)},
          {"drug", p.drug},         {"concentration_ng_per_ml", p.concentration.count()},
          {"mode", p.mode},         {"max_daily_dose_ng", p.max_daily_dose.count()},
      };
      const std::string what = fmt::format("prescription: {} {}, {}, at most {} (token {})", p.drug,
                                           concentration_text(p.concentration), p.mode,
                                           dose_rate_text(p.max_daily_dose), token_hex(p.token));
      const host::Checked<std::int64_t> change =
          insert_change(p.session_id, p.at_ms, ChangeKind::kProgram, what, dump(detail));
      if (!change.ok()) return change.error();
      return id;
    });
  }

  host::Checked<std::optional<PrescriptionRecord>> latest_prescription(
      std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::optional<PrescriptionRecord>> {
      host::Checked<std::vector<PrescriptionRecord>> all = history(pump_id, true);
      if (!all.ok()) return all.error();
      if (all->empty()) return std::optional<PrescriptionRecord>{};
      return std::optional<PrescriptionRecord>(all->front());
    });
  }

  host::Checked<std::vector<PrescriptionRecord>> prescription_history(
      std::int64_t pump_id) override {
    return read([&]() { return history(pump_id, false); });
  }

  host::Checked<std::optional<std::int64_t>> last_dose_increase_at(std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::optional<std::int64_t>> {
      const host::Checked<std::vector<PrescriptionRecord>> all = history(pump_id, false);
      if (!all.ok()) return all.error();
      std::optional<std::int64_t> at;
      const PrescriptionRecord* previous = nullptr;
      for (const PrescriptionRecord& p : *all) {
        if (previous == nullptr || previous->drug != p.drug ||
            p.max_daily_dose > previous->max_daily_dose) {
          at = p.at_ms;
        }
        previous = &p;
      }
      return at;
    });
  }

  // ---- fixed-rate gas-driven pumps (migration 8) ----

  host::Checked<std::int64_t> add_fixed_rate_pump(const PumpRecord& p, const FixedRatePumpRecord& f,
                                                  const CatheterRange& catheter,
                                                  const FixedRateRefillRecord& fill) override {
    if (!p.implant_public_key_hex.empty()) {
      return db_error(host::RefusalKind::kInvalidArgument, "implant_public_key_hex",
                      "a fixed-rate gas-driven pump has no electronics, so no implant key: "
                      "leave it empty");
    }
    if (f.nominal_flow.count() <= 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "nominal_flow",
                      "the pump model's nominal flow must be above 0 mL/day: check the pump "
                      "model file");
    }
    if (f.flow_tolerance_permille < 0 || f.flow_tolerance_permille >= 1000) {
      return db_error(host::RefusalKind::kInvalidArgument, "flow_tolerance_permille",
                      fmt::format("{} per mille: the flow's tolerance must be from 0 to 999 per "
                                  "mille: check the pump model file",
                                  f.flow_tolerance_permille));
    }
    if (f.residual_volume.count() < 0 || f.residual_volume >= p.reservoir_capacity) {
      return db_error(
          host::RefusalKind::kInvalidArgument, "residual_volume",
          fmt::format("{}: the residual volume must be from 0 to below the "
                      "reservoir's {}: check the pump model file",
                      volume_text(f.residual_volume), volume_text(p.reservoir_capacity)));
    }
    if (f.refill_margin.count() < 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "refill_margin",
                      "must not be negative: check the pump model file");
    }
    if (auto e = check_pump_input(p, catheter)) return *e;
    if (auto e = check_fill(fill)) return *e;
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<std::int64_t> id = insert_pump(p, catheter);
      if (!id.ok()) return id;
      if (host::Checked<void> s = exec(
              "INSERT INTO fixed_rate_pumps (pump_id, nominal_flow_nl_per_day, "
              "flow_tolerance_permille, residual_volume_nl, refill_margin_nl) "
              "VALUES ($1, $2, $3, $4, $5)",
              {*id, f.nominal_flow.count(), static_cast<std::int64_t>(f.flow_tolerance_permille),
               f.residual_volume.count(), f.refill_margin.count()});
          !s.ok()) {
        return s.error();
      }
      FixedRateRefillRecord first = fill;
      first.pump_id = *id;
      const host::Checked<std::int64_t> filled = insert_fill(first);
      if (!filled.ok()) return filled;
      return id;
    });
  }

  host::Checked<std::optional<FixedRatePumpRecord>> fixed_rate_pump(std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::optional<FixedRatePumpRecord>> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      return fixed_rate_of(pump_id);
    });
  }

  host::Checked<std::int64_t> record_fixed_rate_refill(const FixedRateRefillRecord& r) override {
    if (auto e = check_fill(r)) return *e;
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<PumpRecord> p = pump_in_transaction(r.pump_id);
      if (!p.ok()) return p.error();
      const host::Checked<std::optional<FixedRatePumpRecord>> f = fixed_rate_of(r.pump_id);
      if (!f.ok()) return f.error();
      if (!*f) {
        return db_error(host::RefusalKind::kInvalidArgument, "pump_id",
                        fmt::format("pump {} ({}) is programmable: record its refill in a "
                                    "programming session (`itdd programmer refill`)",
                                    p->serial, p->model));
      }
      if (!p->active) {
        return db_error(
            host::RefusalKind::kConflict, "pump_id",
            fmt::format("pump {} is marked inactive (explanted or replaced)", p->serial));
      }
      return insert_fill(r);
    });
  }

  host::Checked<std::vector<FixedRateRefillRecord>> fixed_rate_refills(
      std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::vector<FixedRateRefillRecord>> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      return many<FixedRateRefillRecord>(
          fmt::format("SELECT {} FROM fixed_rate_refills fr WHERE fr.pump_id = $1 "
                      "ORDER BY fr.at_ms, fr.id",
                      kFixedRateRefillColumns),
          {pump_id}, [](const SqlRow& row) { return fixed_rate_refill_from(row); });
    });
  }

  // ---- refills ----

  host::Checked<RefillRecord> record_refill(const RefillRecord& in) override {
    if (auto e = require_text(in.drug, "drug", "the drug now in the reservoir")) return *e;
    if (auto e = require_text(in.next_refill_rule, "next_refill_rule",
                              "the rule that set the next refill date")) {
      return *e;
    }
    if (in.concentration.count() <= 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "concentration", "must be above 0");
    }
    if (in.next_refill_ms <= in.at_ms) {
      return db_error(host::RefusalKind::kInvalidArgument, "next_refill_ms",
                      "must be after the refill");
    }
    if (in.low_reservoir_ms && *in.low_reservoir_ms <= in.at_ms) {
      return db_error(host::RefusalKind::kInvalidArgument, "low_reservoir_ms",
                      "must be after the refill");
    }
    if (in.low_reservoir_alarm.count() < 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "low_reservoir_alarm",
                      "must not be negative");
    }
    if (auto e = require_clean(in.acknowledgement_reason, "acknowledgement_reason")) return *e;
    if (in.acknowledged && blank(in.acknowledgement_reason)) {
      return db_error(host::RefusalKind::kInvalidArgument, "acknowledgement_reason",
                      "an acknowledged finding needs the clinician's reason");
    }
    return transaction([&]() -> host::Checked<RefillRecord> {
      if (const host::Checked<PumpRecord> known = pump_in_transaction(in.pump_id); known.ok()) {
        if (auto e = not_fixed_rate(*known, "pump_id",
                                    "its refill is recorded with its own kind's refill")) {
          return *e;
        }
      }
      if (auto e = session_on_pump(in.session_id, in.pump_id, in.at_ms)) return *e;
      const host::Checked<PumpRecord> p = pump_in_transaction(in.pump_id);
      if (!p.ok()) return p.error();
      const Result<RefillCheck> check =
          check_refill(in.expected, in.withdrawn, p->reservoir_capacity);
      if (!check.ok()) {
        return db_error(host::RefusalKind::kInvalidArgument, check.error().field,
                        fmt::format("{} ({} for pump {})", check.error().message,
                                    volume_text(p->reservoir_capacity), p->serial));
      }
      if (in.volume.count() <= 0 || in.volume > p->reservoir_capacity) {
        return db_error(host::RefusalKind::kInvalidArgument, "volume",
                        fmt::format("must be above 0 and at most the reservoir's capacity ({})",
                                    volume_text(p->reservoir_capacity)));
      }
      if (in.low_reservoir_alarm >= in.volume) {
        return db_error(host::RefusalKind::kInvalidArgument, "low_reservoir_alarm",
                        "must be below the volume filled");
      }
      if (check->needs_acknowledgement() && !in.acknowledged) {
        return db_error(host::RefusalKind::kInvalidArgument, "acknowledged",
                        fmt::format("withdrawn {} against {} expected is {}: the clinician must "
                                    "acknowledge it, with a reason, before the refill is recorded",
                                    volume_text(in.withdrawn), volume_text(in.expected),
                                    describe(check->finding)));
      }
      const host::Checked<host::TimeZone> zone = zone_in_transaction();
      if (!zone.ok()) return zone.error();
      RefillRecord r = in;
      r.difference = check->difference;
      r.finding = check->finding;
      const host::Checked<std::int64_t> id = insert(
          "INSERT INTO refills (pump_id, session_id, at_ms, expected_nl, withdrawn_nl, "
          "difference_nl, finding, acknowledged, acknowledgement_reason, drug, "
          "concentration_ng_per_ml, volume_nl, low_reservoir_alarm_nl, bridge_bolus, "
          "next_refill_ms, next_refill_rule, low_reservoir_ms) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
          "RETURNING id",
          {r.pump_id, r.session_id, r.at_ms, r.expected.count(), r.withdrawn.count(),
           r.difference.count(), std::string(refill_finding_name(r.finding)), r.acknowledged,
           r.acknowledgement_reason, r.drug, r.concentration.count(), r.volume.count(),
           r.low_reservoir_alarm.count(), r.bridge_bolus, r.next_refill_ms, r.next_refill_rule,
           r.low_reservoir_ms ? detail::SqlValue{*r.low_reservoir_ms} : detail::SqlValue{}},
          "refill");
      if (!id.ok()) return id.error();
      r.id = *id;
      nlohmann::json detail = {
          {"refill_id", r.id},
          {"expected_nl", r.expected.count()},
          {"withdrawn_nl", r.withdrawn.count()},
          {"difference_nl", r.difference.count()},
          {"finding", refill_finding_name(r.finding)},
          {"acknowledged", r.acknowledged},
          {"drug", r.drug},
          {"concentration_ng_per_ml", r.concentration.count()},
          {"volume_nl", r.volume.count()},
          {"low_reservoir_alarm_nl", r.low_reservoir_alarm.count()},
          {"bridge_bolus", r.bridge_bolus},
          {"next_refill_ms", r.next_refill_ms},
          {"next_refill_rule", r.next_refill_rule},
      };
      if (r.acknowledged) detail["acknowledgement_reason"] = r.acknowledgement_reason;
      std::string what = fmt::format(
          "refill: withdrew {} (expected {}: {}){}; filled {} {} {}; low-reservoir alarm at {}{}; "
          "next refill {} ({})",
          volume_text(r.withdrawn), volume_text(r.expected), refill_finding_name(r.finding),
          r.acknowledged ? fmt::format(", acknowledged: {}", r.acknowledgement_reason) : "",
          volume_text(r.volume), r.drug, concentration_text(r.concentration),
          volume_text(r.low_reservoir_alarm), r.bridge_bolus ? "; bridge bolus" : "",
          zone->date_at(r.next_refill_ms), r.next_refill_rule);
      const host::Checked<std::int64_t> change =
          insert_change(r.session_id, r.at_ms, ChangeKind::kRefill, what, dump(detail));
      if (!change.ok()) return change.error();
      return r;
    });
  }

  host::Checked<std::vector<RefillRecord>> refills(std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::vector<RefillRecord>> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      return many<RefillRecord>(
          fmt::format("SELECT {} FROM refills rf WHERE rf.pump_id = $1 ORDER BY rf.at_ms, rf.id",
                      kRefillColumns),
          {pump_id}, refill_from);
    });
  }

  // ---- overrides ----

  host::Checked<std::int64_t> record_override(const OverrideRecord& o) override {
    if (auto e = require_text(o.drug, "drug", "the drug")) return *e;
    if (auto e = require_text(o.field, "field", "which limit was overridden")) return *e;
    if (auto e = require_text(o.limit_text, "limit_text", "the limit and its source")) return *e;
    if (auto e = require_text(o.reason, "reason", "the clinician's reason")) return *e;
    if (auto e = require_text(o.clinician, "clinician", "who overrode the limit")) return *e;
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<SessionRecord> s = open_session(o.session_id, o.at_ms, "at_ms");
      if (!s.ok()) return s.error();
      const host::Checked<std::int64_t> id = insert(
          "INSERT INTO limit_overrides (session_id, at_ms, drug, field, limit_text, reason, "
          "clinician) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
          {o.session_id, o.at_ms, o.drug, o.field, o.limit_text, o.reason, o.clinician},
          "override");
      if (!id.ok()) return id;
      const nlohmann::json detail = {{"override_id", *id}, {"drug", o.drug},
                                     {"field", o.field},   {"limit", o.limit_text},
                                     {"reason", o.reason}, {"clinician", o.clinician}};
      const std::string what = fmt::format("override of the {} limit {} ({}) by {}: {}", o.drug,
                                           o.field, o.limit_text, o.clinician, o.reason);
      const host::Checked<std::int64_t> change =
          insert_change(o.session_id, o.at_ms, ChangeKind::kOverride, what, dump(detail));
      if (!change.ok()) return change.error();
      return id;
    });
  }

  host::Checked<std::vector<OverrideRecord>> overrides_in(std::int64_t session_id) override {
    return read([&]() -> host::Checked<std::vector<OverrideRecord>> {
      const host::Checked<SessionRecord> s = session_in_transaction(session_id);
      if (!s.ok()) return s.error();
      return many<OverrideRecord>(
          fmt::format("SELECT {} FROM limit_overrides lo WHERE lo.session_id = $1 "
                      "ORDER BY lo.at_ms, lo.id",
                      kOverrideColumns),
          {session_id}, override_from);
    });
  }

  // ---- what the implant reported ----

  host::Checked<std::int64_t> store_event_log(std::int64_t pump_id,
                                              const std::vector<EventLogRecord>& records) override {
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      if (auto e = not_fixed_rate(*p, "pump_id", "it keeps no event log")) return *e;
      std::int64_t added = 0;
      for (const EventLogRecord& r : records) {
        const host::Checked<SqlRows> rows = db_->query(
            "INSERT INTO event_logs (pump_id, seq, at_implant_ms, code, reason, a, b) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pump_id, seq) DO NOTHING "
            "RETURNING id",
            {pump_id, static_cast<std::int64_t>(r.seq), r.at_implant_ms,
             static_cast<std::int64_t>(r.code), static_cast<std::int64_t>(r.reason), r.a, r.b});
        if (!rows.ok()) return rows.error();
        added += static_cast<std::int64_t>(rows->size());
      }
      return added;
    });
  }

  host::Checked<std::vector<EventLogRecord>> event_log(std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::vector<EventLogRecord>> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      return many<EventLogRecord>(
          "SELECT seq, at_implant_ms, code, reason, a, b FROM event_logs WHERE pump_id = $1 "
          "ORDER BY seq",
          {pump_id}, [](const SqlRow& r) {
            return EventLogRecord{static_cast<std::uint32_t>(r.integer(0)),
                                  r.integer(1),
                                  static_cast<std::uint32_t>(r.integer(2)),
                                  static_cast<std::uint32_t>(r.integer(3)),
                                  r.integer(4),
                                  r.integer(5)};
          });
    });
  }

  host::Checked<std::int64_t> store_delivery_hours(
      std::int64_t pump_id, const std::vector<DeliveryHourRecord>& hours) override {
    for (std::size_t i = 0; i < hours.size(); ++i) {
      const DeliveryHourRecord& h = hours[i];
      const auto field = [i](const char* name) { return fmt::format("hours[{}].{}", i, name); };
      if (h.hour_index < 0) {
        return db_error(host::RefusalKind::kInvalidArgument, field("hour_index"),
                        "must not be negative");
      }
      if (h.volume.count() < 0) {
        return db_error(host::RefusalKind::kInvalidArgument, field("volume"),
                        "must not be negative");
      }
      if (h.strokes < 0) {
        return db_error(host::RefusalKind::kInvalidArgument, field("strokes"),
                        "must not be negative");
      }
    }
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      if (auto e = not_fixed_rate(*p, "pump_id", "it keeps no delivery history")) return *e;
      std::int64_t added = 0;
      for (const DeliveryHourRecord& h : hours) {
        const host::Checked<SqlRows> rows = db_->query(
            "INSERT INTO delivery_hours (pump_id, hour_index, volume_nl, strokes) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (pump_id, hour_index) DO NOTHING RETURNING id",
            {pump_id, h.hour_index, h.volume.count(), h.strokes});
        if (!rows.ok()) return rows.error();
        added += static_cast<std::int64_t>(rows->size());
      }
      return added;
    });
  }

  host::Checked<std::vector<DeliveryHourRecord>> delivery_hours(std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::vector<DeliveryHourRecord>> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      return many<DeliveryHourRecord>(
          "SELECT hour_index, volume_nl, strokes FROM delivery_hours WHERE pump_id = $1 "
          "ORDER BY hour_index",
          {pump_id}, [](const SqlRow& r) {
            return DeliveryHourRecord{r.integer(0), Volume(r.integer(1)), r.integer(2)};
          });
    });
  }

  // ---- trials ----

  host::Checked<std::int64_t> add_trial(const TrialRecord& t) override {
    if (auto e = require_text(t.drug, "drug", "the drug")) return *e;
    if (auto e = require_text(t.route, "route", "how the dose was given")) return *e;
    if (auto e = require_clean(t.notes, "notes")) return *e;
    if (t.dose.count() <= 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "dose", "must be above 0");
    }
    // The scales' own ranges (definitions, not clinical limits).
    const std::int64_t top = t.score_kind == ScoreKind::kPain ? 10 : 4;
    const char* scale = t.score_kind == ScoreKind::kPain ? "the pain scale runs from 0 to 10"
                                                         : "the Ashworth scale runs from 0 to 4";
    if (t.score_before < 0 || t.score_before > top) {
      return db_error(host::RefusalKind::kInvalidArgument, "score_before", scale);
    }
    if (t.score_after < 0 || t.score_after > top) {
      return db_error(host::RefusalKind::kInvalidArgument, "score_after", scale);
    }
    if (t.effect.count() < 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "effect", "must not be negative");
    }
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<PatientRecord> owner = patient_in_transaction(t.patient_id);
      if (!owner.ok()) return owner.error();
      return insert(
          "INSERT INTO trials (patient_id, at_ms, drug, dose_ng, route, score_kind, "
          "score_before, score_after, effect_ms, effective, notes) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
          {t.patient_id, t.at_ms, t.drug, t.dose.count(), t.route,
           std::string(score_kind_name(t.score_kind)), t.score_before, t.score_after,
           t.effect.count(), t.effective, t.notes},
          "trial");
    });
  }

  host::Checked<std::vector<TrialRecord>> trials(std::int64_t patient_id) override {
    return read([&]() -> host::Checked<std::vector<TrialRecord>> {
      const host::Checked<PatientRecord> owner = patient_in_transaction(patient_id);
      if (!owner.ok()) return owner.error();
      return many<TrialRecord>(fmt::format("SELECT {} FROM trials tr WHERE tr.patient_id = $1 "
                                           "ORDER BY tr.at_ms, tr.id",
                                           kTrialColumns),
                               {patient_id}, trial_from);
    });
  }

  // ---- the refill calendar ----

  host::Checked<std::vector<DueRow>> due(std::int64_t now, std::int64_t within,
                                         const RiskRank& risk_rank) override {
    if (within < 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "within", "must not be negative");
    }
    host::Checked<std::vector<DueRow>> rows = read([&]() -> host::Checked<std::vector<DueRow>> {
      // Each active pump with its patient, its latest refill (if any) and the drug of its
      // latest prescription (for pumps never refilled here).
      const host::Checked<SqlRows> found = db_->query(
          fmt::format("SELECT {}, {}, rf.drug, rf.next_refill_ms, rf.next_refill_rule, "
                      "       rf.low_reservoir_ms, rf.id, "
                      "       (SELECT pr.drug FROM prescriptions pr WHERE pr.pump_id = pu.id "
                      "        ORDER BY pr.at_ms DESC, pr.id DESC LIMIT 1) "
                      "FROM pumps pu "
                      "JOIN patients pa ON pa.id = pu.patient_id "
                      "LEFT JOIN refills rf ON rf.id = "
                      "  (SELECT r2.id FROM refills r2 WHERE r2.pump_id = pu.id "
                      "   ORDER BY r2.at_ms DESC, r2.id DESC LIMIT 1) "
                      "WHERE pu.active AND NOT EXISTS (SELECT 1 FROM fixed_rate_pumps fp "
                      "WHERE fp.pump_id = pu.id)",
                      kPatientColumns, kPumpColumns));
      if (!found.ok()) return found.error();
      const host::Checked<host::TimeZone> zone = zone_in_transaction();
      if (!zone.ok()) return zone.error();
      const std::int64_t horizon = within > std::numeric_limits<std::int64_t>::max() - now
                                       ? std::numeric_limits<std::int64_t>::max()
                                       : now + within;
      std::vector<DueRow> out;
      for (const SqlRow& r : *found) {
        DueRow row;
        row.patient = patient_from(r, 0);
        row.pump = pump_from(r, 5);
        const bool refilled = !r.is_null(19);
        if (!refilled) {
          row.status = DueStatus::kUnknown;
          row.drug = r.text(20);
          row.reason = "no refill recorded: interrogate the pump";
          out.push_back(std::move(row));
          continue;
        }
        const std::int64_t next = r.integer(16);
        if (next > horizon) continue;
        row.drug = r.text(15);
        row.next_refill_ms = next;
        row.next_refill_date = zone->date_at(next);
        // Calendar days in the clinic's time: due tomorrow is 1 day left, even 23 hours ahead
        // on the night the clocks go forward.
        row.days_left = floor_div(zone->local(next).ms(), kMillisPerDay) -
                        floor_div(zone->local(now).ms(), kMillisPerDay);
        row.reason = r.text(17);
        row.low_reservoir_ms = r.optional_integer(18);
        row.status = next < now ? DueStatus::kOverdue : DueStatus::kDue;
        out.push_back(std::move(row));
      }
      // Fixed-rate pumps: their latest fill (the first at implant) always sets a date.
      const host::Checked<SqlRows> fixed = db_->query(
          fmt::format(
              "SELECT {}, {}, {} FROM pumps pu JOIN patients pa ON pa.id = pu.patient_id "
              "JOIN fixed_rate_refills fr ON fr.id = (SELECT f2.id FROM fixed_rate_refills f2 "
              "WHERE f2.pump_id = pu.id ORDER BY f2.at_ms DESC, f2.id DESC LIMIT 1) "
              "WHERE pu.active AND fr.next_refill_ms <= $1",
              kPatientColumns, kPumpColumns, kFixedRateRefillColumns),
          {horizon});
      if (!fixed.ok()) return fixed.error();
      for (const SqlRow& r : *fixed) {
        DueRow row;
        row.patient = patient_from(r, 0);
        row.pump = pump_from(r, 5);
        const FixedRateRefillRecord fill = fixed_rate_refill_from(r, 15);
        row.fixed_rate = true;
        row.drug = fill.drug;
        row.next_refill_ms = fill.next_refill_ms;
        row.next_refill_date = zone->date_at(fill.next_refill_ms);
        row.days_left = floor_div(zone->local(fill.next_refill_ms).ms(), kMillisPerDay) -
                        floor_div(zone->local(now).ms(), kMillisPerDay);
        row.reason = fill.next_refill_rule;
        row.low_reservoir_ms = fill.empty_at_worst_ms;
        row.status = fill.next_refill_ms < now ? DueStatus::kOverdue : DueStatus::kDue;
        out.push_back(std::move(row));
      }
      return out;
    });
    if (!rows.ok()) return rows;
    return order_by_risk(std::move(rows.value()), risk_rank);
  }

  // ---- the dashboard (migration 6) ----

  host::Checked<ClinicSnapshot> clinic_snapshot(std::optional<std::int64_t> patient_id) override {
    return read([&]() -> host::Checked<ClinicSnapshot> {
      // One patient's, or everyone's: `$1` is the patient or NULL.
      const detail::SqlValue who =
          patient_id ? detail::SqlValue(*patient_id) : detail::SqlValue(std::monostate{});
      const std::string of_patient =
          "(CAST($1 AS BIGINT) IS NULL OR pu.patient_id = CAST($1 AS BIGINT))";
      ClinicSnapshot out;
      if (patient_id) {
        const host::Checked<PatientRecord> one_patient = patient_in_transaction(*patient_id);
        if (!one_patient.ok()) return one_patient.error();
        out.patients.push_back(*one_patient);
      } else {
        host::Checked<std::vector<PatientRecord>> all = many<PatientRecord>(
            fmt::format("SELECT {} FROM patients pa ORDER BY pa.mrn", kPatientColumns), {},
            [](const SqlRow& r) { return patient_from(r); });
        if (!all.ok()) return all.error();
        out.patients = std::move(all.value());
      }
      host::Checked<std::vector<PumpRecord>> pumps = many<PumpRecord>(
          fmt::format("SELECT {} FROM pumps pu WHERE {} AND NOT EXISTS (SELECT 1 FROM "
                      "fixed_rate_pumps fp WHERE fp.pump_id = pu.id) ORDER BY pu.serial",
                      kPumpColumns, of_patient),
          {who}, [](const SqlRow& r) { return pump_from(r); });
      if (!pumps.ok()) return pumps.error();
      if (host::Checked<void> f = fixed_rate_snapshot(who, of_patient, out); !f.ok()) {
        return f.error();
      }
      std::unordered_map<std::int64_t, std::size_t> at;
      at.reserve(pumps->size());
      out.pumps.reserve(pumps->size());
      for (PumpRecord& p : *pumps) {
        at.emplace(p.id, out.pumps.size());
        out.pumps.emplace_back();
        out.pumps.back().pump = std::move(p);
      }
      const auto slot = [&](std::int64_t pump_id) -> PumpSnapshot* {
        const auto it = at.find(pump_id);
        return it == at.end() ? nullptr : &out.pumps[it->second];
      };
      // The latest refill and session of each pump, and the prescriptions that matter: one
      // index seek per pump (snapshot_sql.h: PostgreSQL as a LATERAL join, SQLite as a
      // correlated subquery; each engine's fast form).
      const detail::Dialect dialect = db_->dialect();
      host::Checked<std::vector<RefillRecord>> refills =
          many<RefillRecord>(detail::latest_per_pump_sql(dialect, kRefillColumns, "refills", "rf",
                                                         "at_ms", of_patient),
                             {who}, refill_from);
      if (!refills.ok()) return refills.error();
      for (RefillRecord& r : *refills) {
        if (PumpSnapshot* s = slot(r.pump_id)) s->last_refill = std::move(r);
      }
      // The prescription in force at the last refill (or the latest, never refilled) and every
      // one after it; with none before the refill, all of them.
      host::Checked<std::vector<PrescriptionRecord>> prescriptions = many<PrescriptionRecord>(
          detail::prescriptions_since_refill_sql(dialect, kPrescriptionColumns, of_patient),
          {who, std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()},
          prescription_from);
      if (!prescriptions.ok()) return prescriptions.error();
      for (PrescriptionRecord& p : *prescriptions) {
        if (PumpSnapshot* s = slot(p.pump_id)) s->prescriptions.push_back(std::move(p));
      }
      host::Checked<std::vector<SessionRecord>> sessions =
          many<SessionRecord>(detail::latest_per_pump_sql(dialect, kSessionColumns, "sessions",
                                                          "se", "started_at_ms", of_patient),
                              {who}, session_from);
      if (!sessions.ok()) return sessions.error();
      for (SessionRecord& se : *sessions) {
        if (PumpSnapshot* s = slot(se.pump_id)) s->last_session = std::move(se);
      }
      const auto event_of = [](const SqlRow& r) {
        return std::pair<std::int64_t, EventLogRecord>{
            r.integer(0),
            EventLogRecord{static_cast<std::uint32_t>(r.integer(1)), r.integer(2),
                           static_cast<std::uint32_t>(r.integer(3)),
                           static_cast<std::uint32_t>(r.integer(4)), r.integer(5), r.integer(6)}};
      };
      constexpr const char* kEvent =
          "e.pump_id, e.seq, e.at_implant_ms, e.code, e.reason, e.a, e.b";
      // The latest raise or clear of each kind, when it is a raise; the latest battery
      // assessment. "No later one" (NOT EXISTS) over the covering index event_logs_code
      // (migration 7): PostgreSQL makes it one anti-join, SQLite an index probe a row.
      host::Checked<std::vector<std::pair<std::int64_t, EventLogRecord>>> alarms =
          many<std::pair<std::int64_t, EventLogRecord>>(
              fmt::format("SELECT {} FROM event_logs e JOIN pumps pu ON pu.id = e.pump_id "
                          "WHERE e.code = 256 AND NOT EXISTS (SELECT 1 FROM event_logs e2 "
                          "WHERE e2.code IN (256, 257) AND e2.pump_id = e.pump_id AND "
                          "e2.reason = e.reason AND e2.seq > e.seq) AND {} "
                          "ORDER BY e.pump_id, e.seq",
                          kEvent, of_patient),
              {who}, event_of);
      if (!alarms.ok()) return alarms.error();
      for (auto& [pump_id, e] : *alarms) {
        if (PumpSnapshot* s = slot(pump_id)) s->open_alarms.push_back(e);
      }
      host::Checked<std::vector<std::pair<std::int64_t, EventLogRecord>>> battery =
          many<std::pair<std::int64_t, EventLogRecord>>(
              fmt::format("SELECT {} FROM event_logs e JOIN pumps pu ON pu.id = e.pump_id "
                          "WHERE e.code IN (520, 521, 522) AND NOT EXISTS (SELECT 1 FROM "
                          "event_logs e2 WHERE e2.code IN (520, 521, 522) AND "
                          "e2.pump_id = e.pump_id AND e2.seq > e.seq) AND {}",
                          kEvent, of_patient),
              {who}, event_of);
      if (!battery.ok()) return battery.error();
      for (auto& [pump_id, e] : *battery) {
        if (PumpSnapshot* s = slot(pump_id)) s->battery = e;
      }
      host::Checked<std::vector<std::pair<std::int64_t, ImplantClockOffset>>> clocks =
          many<std::pair<std::int64_t, ImplantClockOffset>>(
              fmt::format("SELECT c.pump_id, c.wall_offset_ms, c.read_at_ms "
                          "FROM implant_clock_offsets c JOIN pumps pu ON pu.id = c.pump_id "
                          "WHERE {}",
                          of_patient),
              {who}, [](const SqlRow& r) {
                return std::pair<std::int64_t, ImplantClockOffset>{
                    r.integer(0), ImplantClockOffset{r.integer(1), r.integer(2)}};
              });
      if (!clocks.ok()) return clocks.error();
      for (auto& [pump_id, c] : *clocks) {
        if (PumpSnapshot* s = slot(pump_id)) s->clock = c;
      }
      return out;
    });
  }

  host::Checked<std::vector<SessionReport>> recent_sessions(
      std::int64_t limit, std::optional<std::int64_t> patient_id) override {
    if (limit < 1 || limit > 10'000) {
      return db_error(host::RefusalKind::kInvalidArgument, "limit",
                      fmt::format("{} sessions asked for: give 1 to 10000", limit));
    }
    return read([&]() -> host::Checked<std::vector<SessionReport>> {
      if (patient_id) {
        const host::Checked<PatientRecord> owner = patient_in_transaction(*patient_id);
        if (!owner.ok()) return owner.error();
      }
      const detail::SqlValue who =
          patient_id ? detail::SqlValue(*patient_id) : detail::SqlValue(std::monostate{});
      return many<SessionReport>(
          fmt::format("SELECT {}, {}, {} FROM sessions se JOIN pumps pu ON pu.id = se.pump_id "
                      "JOIN patients pa ON pa.id = pu.patient_id "
                      "WHERE (CAST($1 AS BIGINT) IS NULL OR pu.patient_id = CAST($1 AS BIGINT)) "
                      "ORDER BY se.started_at_ms DESC, se.id DESC LIMIT $2",
                      kSessionColumns, kPumpColumns, kPatientColumns),
          {who, limit}, [](const SqlRow& r) {
            SessionReport s;
            s.session = session_from(r);
            s.pump = pump_from(r, 7);
            s.patient = patient_from(r, 17);
            return s;
          });
    });
  }

  host::Checked<std::int64_t> add_user(const UserRecord& u) override {
    if (auto e = check_user_name(u.user_name)) return *e;
    if (auto e = check_identifying_text(u.display_name, "display_name", "the name shown", 120)) {
      return *e;
    }
    if (!u.password_hash.starts_with("$argon2") || !clean_text(u.password_hash) ||
        u.password_hash.size() > 256) {
      return db_error(host::RefusalKind::kInvalidArgument, "password_hash",
                      "must be a libsodium crypto_pwhash_str hash ($argon2...), never a password");
    }
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<SqlRows> taken =
          db_->query("SELECT id FROM clinic_users WHERE user_name = $1", {u.user_name});
      if (!taken.ok()) return taken.error();
      if (!taken->empty()) {
        return db_error(host::RefusalKind::kConflict, "user",
                        fmt::format("the user name '{}' is taken: choose another", u.user_name));
      }
      return insert(
          "INSERT INTO clinic_users (user_name, display_name, role, password_hash, active, "
          "created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          {u.user_name, u.display_name, std::string(role_name(u.role)), u.password_hash, u.active,
           u.created_at_ms},
          "user");
    });
  }

  host::Checked<std::optional<UserRecord>> find_user(std::string_view name) override {
    return read([&]() -> host::Checked<std::optional<UserRecord>> {
      host::Checked<std::vector<UserRecord>> found = many<UserRecord>(
          std::string(kUserSelect) + " WHERE user_name = $1", {std::string(name)}, user_from);
      if (!found.ok()) return found.error();
      if (found->empty()) return std::optional<UserRecord>();
      return std::optional<UserRecord>(std::move(found->front()));
    });
  }

  host::Checked<UserRecord> user(std::int64_t user_id) override {
    return read([&]() {
      return one<UserRecord>(std::string(kUserSelect) + " WHERE id = $1", {user_id}, user_from,
                             "user_id", fmt::format("no user with id {}", user_id));
    });
  }

  host::Checked<std::vector<UserRecord>> list_users() override {
    return read([&]() {
      return many<UserRecord>(std::string(kUserSelect) + " ORDER BY user_name", {}, user_from);
    });
  }

  host::Checked<LoginFailures> login_failures(std::string_view name) override {
    return read([&]() -> host::Checked<LoginFailures> {
      const host::Checked<SqlRows> rows =
          db_->query("SELECT failures, last_failure_ms FROM login_failures WHERE user_name = $1",
                     {std::string(name)});
      if (!rows.ok()) return rows.error();
      if (rows->empty()) return LoginFailures{};
      return LoginFailures{rows->front().integer(0), rows->front().integer(1)};
    });
  }

  host::Checked<void> record_login_failure(std::string_view name, std::int64_t at) override {
    if (name.size() > 256 || !clean_text(name)) {
      return db_error(host::RefusalKind::kInvalidArgument, "user",
                      "must be text of at most 256 bytes");
    }
    return transaction([&]() -> host::Checked<void> {
      const host::Checked<SqlRows> rows = db_->query(
          "UPDATE login_failures SET failures = failures + 1, last_failure_ms = $2 "
          "WHERE user_name = $1 RETURNING failures",
          {std::string(name), at});
      if (!rows.ok()) return rows.error();
      if (!rows->empty()) return host::Checked<void>::Ok();
      return exec(
          "INSERT INTO login_failures (user_name, failures, last_failure_ms) VALUES ($1, 1, $2)",
          {std::string(name), at});
    });
  }

  host::Checked<void> clear_login_failures(std::string_view name) override {
    return transaction([&]() {
      return exec("DELETE FROM login_failures WHERE user_name = $1", {std::string(name)});
    });
  }

  host::Checked<std::int64_t> add_web_session(const WebSessionRecord& s) override {
    if (s.token_hash.size() < 32 || s.csrf_token.size() < 32) {
      return db_error(host::RefusalKind::kInvalidArgument, "token_hash",
                      "a session needs a token hash and a CSRF token of 32 characters or more");
    }
    if (s.expires_at_ms <= s.created_at_ms) {
      return db_error(host::RefusalKind::kInvalidArgument, "expires_at_ms",
                      "must be after the session's start");
    }
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<UserRecord> owner =
          one<UserRecord>(std::string(kUserSelect) + " WHERE id = $1", {s.user_id}, user_from,
                          "user_id", fmt::format("no user with id {}", s.user_id));
      if (!owner.ok()) return owner.error();
      return insert(
          "INSERT INTO web_sessions (token_hash, user_id, csrf_token, created_at_ms, "
          "expires_at_ms) VALUES ($1, $2, $3, $4, $5) RETURNING id",
          {s.token_hash, s.user_id, s.csrf_token, s.created_at_ms, s.expires_at_ms}, "token_hash");
    });
  }

  host::Checked<std::optional<WebSessionRecord>> find_web_session(std::string_view hash) override {
    return read([&]() -> host::Checked<std::optional<WebSessionRecord>> {
      const host::Checked<SqlRows> rows = db_->query(
          "SELECT id, user_id, token_hash, csrf_token, created_at_ms, expires_at_ms "
          "FROM web_sessions WHERE token_hash = $1",
          {std::string(hash)});
      if (!rows.ok()) return rows.error();
      if (rows->empty()) return std::optional<WebSessionRecord>();
      const SqlRow& r = rows->front();
      return std::optional<WebSessionRecord>(WebSessionRecord{
          r.integer(0), r.integer(1), r.text(2), r.text(3), r.integer(4), r.integer(5)});
    });
  }

  host::Checked<void> extend_web_session(std::int64_t session_id,
                                         std::int64_t expires_at_ms) override {
    return transaction([&]() {
      return exec("UPDATE web_sessions SET expires_at_ms = $2 WHERE id = $1",
                  {session_id, expires_at_ms});
    });
  }

  host::Checked<void> end_web_session(std::string_view hash) override {
    return transaction([&]() {
      return exec("DELETE FROM web_sessions WHERE token_hash = $1", {std::string(hash)});
    });
  }

  host::Checked<std::int64_t> end_expired_web_sessions(std::int64_t now) override {
    return transaction([&]() -> host::Checked<std::int64_t> {
      const host::Checked<SqlRows> gone =
          db_->query("DELETE FROM web_sessions WHERE expires_at_ms <= $1 RETURNING id", {now});
      if (!gone.ok()) return gone.error();
      return static_cast<std::int64_t>(gone->size());
    });
  }

  host::Checked<std::int64_t> add_audit(const AuditEntry& a) override {
    if (auto e = require_text(a.action, "action", "what was done")) return *e;
    for (const auto& [value, field] :
         {std::pair{&a.user_name, "user_name"}, std::pair{&a.target, "target"},
          std::pair{&a.outcome, "outcome"}, std::pair{&a.detail, "detail"}}) {
      if (auto e = require_clean(*value, field)) return *e;
    }
    return transaction([&]() {
      return insert(
          "INSERT INTO audit_log (at_ms, user_name, action, target, outcome, detail) "
          "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
          {a.at_ms, a.user_name, a.action, a.target, a.outcome, a.detail}, "audit");
    });
  }

  host::Checked<std::vector<AuditEntry>> audit_log(std::int64_t limit) override {
    if (limit < 1 || limit > 10'000) {
      return db_error(host::RefusalKind::kInvalidArgument, "limit",
                      fmt::format("{} entries asked for: give 1 to 10000", limit));
    }
    return read([&]() {
      return many<AuditEntry>(
          "SELECT id, at_ms, user_name, action, target, outcome, detail FROM audit_log "
          "ORDER BY at_ms DESC, id DESC LIMIT $1",
          {limit}, [](const SqlRow& r) {
            return AuditEntry{r.integer(0), r.integer(1), r.text(2), r.text(3),
                              r.text(4),    r.text(5),    r.text(6)};
          });
    });
  }

  host::Checked<void> set_implant_clock_offset(std::int64_t pump_id,
                                               const ImplantClockOffset& c) override {
    return transaction([&]() -> host::Checked<void> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      if (auto e = not_fixed_rate(*p, "pump_id", "it has no clock")) return *e;
      if (host::Checked<void> s =
              exec("DELETE FROM implant_clock_offsets WHERE pump_id = $1", {pump_id});
          !s.ok()) {
        return s;
      }
      return exec(
          "INSERT INTO implant_clock_offsets (pump_id, wall_offset_ms, read_at_ms) "
          "VALUES ($1, $2, $3)",
          {pump_id, c.wall_offset_ms, c.read_at_ms});
    });
  }

  host::Checked<ClinicContact> clinic_contact() override {
    return read([&]() -> host::Checked<ClinicContact> {
      const host::Checked<SqlRows> rows =
          db_->query("SELECT clinic_name, emergency_phone FROM clinic_settings WHERE id = 1");
      if (!rows.ok()) return rows.error();
      if (rows->size() != 1) {
        throw detail::DamagedValue{"no clinic_settings row where the clinic's name belongs"};
      }
      return ClinicContact{rows->front().text(0), rows->front().text(1)};
    });
  }

  host::Checked<void> set_clinic_contact(const ClinicContact& contact) override {
    if (std::optional<host::Refusal> e = check_clinic_contact(contact)) return *e;
    return transaction([&]() -> host::Checked<void> {
      return exec("UPDATE clinic_settings SET clinic_name = $1, emergency_phone = $2 WHERE id = 1",
                  {contact.name, contact.emergency_phone});
    });
  }

  host::Checked<std::optional<CatheterTip>> catheter_tip(std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::optional<CatheterTip>> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      const host::Checked<SqlRows> rows =
          db_->query("SELECT vertebral_level, recorded_at_ms FROM catheter_tips WHERE pump_id = $1",
                     {pump_id});
      if (!rows.ok()) return rows.error();
      if (rows->empty()) return std::optional<CatheterTip>();
      CatheterTip tip{rows->front().text(0), rows->front().integer(1)};
      if (check_vertebral_level(tip.vertebral_level)) {
        throw detail::DamagedValue{fmt::format(
            "'{}' where a catheter tip's vertebral level belongs", tip.vertebral_level)};
      }
      return std::optional<CatheterTip>(std::move(tip));
    });
  }

  host::Checked<void> set_catheter_tip(std::int64_t pump_id, const CatheterTip& tip) override {
    if (std::optional<host::Refusal> e = check_vertebral_level(tip.vertebral_level)) return *e;
    return transaction([&]() -> host::Checked<void> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      if (host::Checked<void> s = exec("DELETE FROM catheter_tips WHERE pump_id = $1", {pump_id});
          !s.ok()) {
        return s;
      }
      return exec(
          "INSERT INTO catheter_tips (pump_id, vertebral_level, recorded_at_ms) "
          "VALUES ($1, $2, $3)",
          {pump_id, tip.vertebral_level, tip.recorded_at_ms});
    });
  }

  host::Checked<std::optional<ImplantClockOffset>> implant_clock_offset(
      std::int64_t pump_id) override {
    return read([&]() -> host::Checked<std::optional<ImplantClockOffset>> {
      const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
      if (!p.ok()) return p.error();
      const host::Checked<SqlRows> rows = db_->query(
          "SELECT wall_offset_ms, read_at_ms FROM implant_clock_offsets WHERE pump_id = $1",
          {pump_id});
      if (!rows.ok()) return rows.error();
      if (rows->empty()) return std::optional<ImplantClockOffset>();
      return std::optional<ImplantClockOffset>(
          ImplantClockOffset{rows->front().integer(0), rows->front().integer(1)});
    });
  }

 private:
  // The clinic's zone, inside a transaction: a name the tz database does not hold (edited by
  // hand, or a tzdata that lost it) is a damaged value, never read as UTC.
  host::Checked<host::TimeZone> zone_in_transaction() {
    const host::Checked<SqlRows> rows =
        db_->query("SELECT time_zone FROM clinic_settings WHERE id = 1");
    if (!rows.ok()) return rows.error();
    if (rows->size() != 1) {
      throw detail::DamagedValue{"no clinic_settings row where the clinic's time zone belongs"};
    }
    const std::string name = rows->front().text(0);
    host::Checked<host::TimeZone> zone = host::find_time_zone(name);
    if (!zone.ok()) {
      throw detail::DamagedValue{
          fmt::format("'{}' where a time zone belongs ({})", name, zone.error().message)};
    }
    return std::move(zone).value();
  }

  // ---- transactions and the schema version ----

  // A write transaction; `read` for a consistent view that writes nothing.
  template <class F>
  auto transaction(F&& body) -> std::invoke_result_t<F> {
    return in_transaction(true, std::forward<F>(body));
  }
  template <class F>
  auto read(F&& body) -> std::invoke_result_t<F> {
    return in_transaction(false, std::forward<F>(body));
  }

  template <class F>
  auto in_transaction(bool write, F&& body) -> std::invoke_result_t<F> {
    using R = std::invoke_result_t<F>;
    if (host::Checked<void> s = db_->begin(write); !s.ok()) return R(s.error());
    try {
      if (host::Checked<void> s = require_current_schema(); !s.ok()) {
        db_->rollback();
        return R(s.error());
      }
      R result = body();
      if (!result.ok()) {
        db_->rollback();
        return result;
      }
      if (host::Checked<void> s = db_->commit(); !s.ok()) return R(s.error());
      return result;
    } catch (const detail::DamagedValue& e) {
      db_->rollback();
      return R(db_error(host::RefusalKind::kUnavailable, "",
                        fmt::format("the clinic database holds {}: it was changed by hand or by "
                                    "another program, or is damaged; nothing was used or changed "
                                    "(restore it from a backup)",
                                    e.what)));
    } catch (const std::exception& e) {
      // The engines' exceptions stop in the connection; this is for anything else (memory,
      // a formatting or JSON library): nothing written, and no exception leaves the API.
      db_->rollback();
      return R(db_error(host::RefusalKind::kUnavailable, "",
                        std::string("internal error, nothing recorded: ") + e.what()));
    }
  }

  host::Checked<int> read_version() {
    const host::Checked<bool> exists = db_->table_exists("schema_migrations");
    if (!exists.ok()) return exists.error();
    if (!*exists) return 0;
    const host::Checked<SqlRows> rows = db_->query("SELECT MAX(version) FROM schema_migrations");
    if (!rows.ok()) return rows.error();
    return version_of(*rows);
  }

  // MAX(version) as read back: outside any transaction's catch, so read here.
  static host::Checked<int> version_of(const SqlRows& rows) {
    try {
      const std::int64_t v = rows.empty() ? 0 : rows.front().integer(0);
      if (v < 0 || v > 1'000'000) throw detail::DamagedValue{fmt::format("schema version {}", v)};
      return static_cast<int>(v);
    } catch (const detail::DamagedValue& e) {
      return db_error(host::RefusalKind::kUnavailable, "url",
                      fmt::format("the clinic database's schema_migrations holds {}: it is "
                                  "damaged or not an itdd clinic database (nothing was changed)",
                                  e.what));
    }
  }

  static host::Refusal too_new(int version) {
    return db_error(host::RefusalKind::kSchemaTooNew, "url",
                    fmt::format("the clinic database is at schema version {}, newer than this "
                                "itdd knows ({}): use a newer itdd (the database was not changed)",
                                version, latest_schema_version()));
  }

  host::Checked<void> require_current_schema() {
    const host::Checked<int> version = read_version();
    if (!version.ok()) return version.error();
    const int latest = latest_schema_version();
    if (*version > latest) return too_new(*version);
    if (*version == 0) {
      return db_error(host::RefusalKind::kNotInitialised, "url",
                      "the clinic database is empty: create its tables with `itdd clinic init`");
    }
    if (*version < latest) {
      return db_error(host::RefusalKind::kNotInitialised, "url",
                      fmt::format("the clinic database is at schema version {}; this itdd needs "
                                  "{}: upgrade it with `itdd clinic migrate`",
                                  *version, latest));
    }
    return host::Checked<void>::Ok();
  }

  host::Checked<void> apply(const detail::Migration& m) {
    if (host::Checked<void> s = db_->begin(true); !s.ok()) return s;
    const auto fail = [this](const host::Refusal& e) {
      db_->rollback();
      return host::Checked<void>(e);
    };
    if (host::Checked<void> s = db_->lock_for_migration(); !s.ok()) return fail(s.error());
    if (host::Checked<void> s = db_->script(kCreateSchemaMigrations); !s.ok())
      return fail(s.error());
    // Another programmer may have migrated while this one waited for the lock.
    const host::Checked<SqlRows> rows = db_->query("SELECT MAX(version) FROM schema_migrations");
    if (!rows.ok()) return fail(rows.error());
    const host::Checked<int> read = version_of(*rows);
    if (!read.ok()) return fail(read.error());
    const int version = *read;
    if (version > latest_schema_version()) return fail(too_new(version));
    if (version >= m.version) {
      db_->rollback();
      return host::Checked<void>::Ok();
    }
    if (host::Checked<void> s = db_->script(detail::migration_sql(m, db_->dialect())); !s.ok()) {
      host::Refusal e = s.error();
      e.message = fmt::format("migration {} ({}) failed: {}", m.version, m.description, e.message);
      return fail(e);
    }
    const host::Checked<SqlRows> recorded = db_->query(
        "INSERT INTO schema_migrations (version, description, applied_at_ms) "
        "VALUES ($1, $2, $3)",
        {static_cast<std::int64_t>(m.version), std::string(m.description), now_ms()});
    if (!recorded.ok()) return fail(recorded.error());
    return db_->commit();
  }

  // add_pump's checks of its input alone, before any transaction.
  static std::optional<host::Refusal> check_pump_input(const PumpRecord& p,
                                                       const CatheterRange& catheter) {
    if (auto e = require_text(p.model, "model", "the pump model")) return e;
    if (auto e = check_identifying_text(p.serial, "serial", "the pump's serial number",
                                        kMaxSerialChars)) {
      return e;
    }
    if (catheter.min_length_mm <= 0 || catheter.max_length_mm < catheter.min_length_mm ||
        catheter.min_volume.count() < 0 || catheter.max_volume < catheter.min_volume) {
      return db_error(host::RefusalKind::kInvalidArgument, "catheter_range",
                      "the pump model's catheter range is empty or below 0: check the pump "
                      "model file");
    }
    if (p.reservoir_capacity.count() <= 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "reservoir_capacity",
                      "must be above 0 mL");
    }
    if (!p.implant_public_key_hex.empty() && !is_hex_key(p.implant_public_key_hex)) {
      return db_error(host::RefusalKind::kInvalidArgument, "implant_public_key_hex",
                      "must be 64 hex digits (the implant's X25519 public key), or empty");
    }
    return std::nullopt;
  }

  // add_pump's checks against the database and its insert, inside a transaction.
  host::Checked<std::int64_t> insert_pump(const PumpRecord& p, const CatheterRange& catheter) {
    const host::Checked<PatientRecord> owner = patient_in_transaction(p.patient_id);
    if (!owner.ok()) return owner.error();
    if (auto e = check_pump(p, catheter, owner->birth_date_ms, now_ms())) return *e;
    const host::Checked<SqlRows> same =
        db_->query("SELECT id FROM pumps WHERE serial = $1", {p.serial});
    if (!same.ok()) return same.error();
    if (!same->empty()) {
      return db_error(host::RefusalKind::kConflict, "serial",
                      fmt::format("a pump with serial {} is already recorded", p.serial));
    }
    return insert(
        "INSERT INTO pumps (patient_id, model, serial, implant_date_ms, catheter_length_mm, "
        "catheter_volume_nl, reservoir_capacity_nl, implant_public_key_hex, active) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        {p.patient_id, p.model, p.serial, p.implant_date_ms, p.catheter_length_mm,
         p.catheter_volume.count(), p.reservoir_capacity.count(),
         p.implant_public_key_hex.empty() ? detail::SqlValue{}
                                          : detail::SqlValue{p.implant_public_key_hex},
         p.active},
        "serial");
  }

  // ---- fixed-rate pumps (inside a transaction) ----

  // clinic_snapshot's fixed-rate pumps (`who`, `of_patient` as there), by serial.
  host::Checked<void> fixed_rate_snapshot(const detail::SqlValue& who,
                                          const std::string& of_patient, ClinicSnapshot& out) {
    const host::Checked<SqlRows> rows = db_->query(
        fmt::format("SELECT {}, {} FROM pumps pu JOIN fixed_rate_pumps fp ON fp.pump_id = pu.id "
                    "WHERE {} ORDER BY pu.serial",
                    kPumpColumns, kFixedRatePumpColumns, of_patient),
        {who});
    if (!rows.ok()) return rows.error();
    std::unordered_map<std::int64_t, std::size_t> at;
    for (const SqlRow& r : *rows) {
      at.emplace(r.integer(0), out.fixed_rate_pumps.size());
      out.fixed_rate_pumps.push_back({pump_from(r, 0), fixed_rate_pump_from(r, 10), {}});
    }
    const host::Checked<SqlRows> fills =
        db_->query(detail::latest_per_pump_sql(db_->dialect(), kFixedRateRefillColumns,
                                               "fixed_rate_refills", "fr", "at_ms", of_patient),
                   {who});
    if (!fills.ok()) return fills.error();
    for (const SqlRow& r : *fills) {
      const FixedRateRefillRecord fill = fixed_rate_refill_from(r);
      if (const auto it = at.find(fill.pump_id); it != at.end()) {
        out.fixed_rate_pumps[it->second].last_refill = fill;
      }
    }
    return host::Checked<void>::Ok();
  }

  host::Checked<std::optional<FixedRatePumpRecord>> fixed_rate_of(std::int64_t pump_id) {
    const host::Checked<SqlRows> rows =
        db_->query(fmt::format("SELECT {} FROM fixed_rate_pumps fp WHERE fp.pump_id = $1",
                               kFixedRatePumpColumns),
                   {pump_id});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<FixedRatePumpRecord>();
    return std::optional<FixedRatePumpRecord>(fixed_rate_pump_from(rows->front()));
  }

  // The refusal of what only a programmable pump has, for a fixed-rate one: its kind, why not
  // (`why_not`), and what changes its dose instead.
  std::optional<host::Refusal> not_fixed_rate(const PumpRecord& p, const char* field,
                                              const std::string& why_not) {
    const host::Checked<std::optional<FixedRatePumpRecord>> f = fixed_rate_of(p.id);
    if (!f.ok()) return f.error();
    if (!*f) return std::nullopt;
    return db_error(host::RefusalKind::kInvalidArgument, field,
                    fmt::format("pump {} ({}) is a fixed-rate gas-driven pump, not programmable: "
                                "{}; its dose changes only with the concentration put in at a "
                                "refill (`itdd clinic pump refill`)",
                                p.serial, p.model, why_not));
  }

  // A fill's own figures, before any transaction.
  static std::optional<host::Refusal> check_fill(const FixedRateRefillRecord& r) {
    if (auto e = require_text(r.clinician, "clinician", "the clinician's name")) return e;
    if (auto e = require_text(r.drug, "drug", "the drug now in the reservoir")) return e;
    if (auto e = require_text(r.next_refill_rule, "next_refill_rule",
                              "the rule that set the next refill date")) {
      return e;
    }
    if (r.concentration.count() <= 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "concentration", "must be above 0");
    }
    if (r.withdrawn.count() < 0) {
      return db_error(host::RefusalKind::kInvalidArgument, "withdrawn", "must not be negative");
    }
    return std::nullopt;
  }

  // Inserts a fill of a fixed-rate pump known to be one; checks it against the pump.
  host::Checked<std::int64_t> insert_fill(const FixedRateRefillRecord& r) {
    const host::Checked<PumpRecord> p = pump_in_transaction(r.pump_id);
    if (!p.ok()) return p.error();
    const host::Checked<std::optional<FixedRatePumpRecord>> f = fixed_rate_of(r.pump_id);
    if (!f.ok()) return f.error();
    if (r.volume <= (*f)->residual_volume || r.volume > p->reservoir_capacity) {
      return db_error(host::RefusalKind::kInvalidArgument, "volume",
                      fmt::format("{} in the reservoir: give more than the {} the bellows keeps "
                                  "and at most the reservoir's {}",
                                  volume_text(r.volume), volume_text((*f)->residual_volume),
                                  volume_text(p->reservoir_capacity)));
    }
    if (r.at_ms < p->implant_date_ms) {
      return db_error(host::RefusalKind::kInvalidArgument, "at_ms",
                      fmt::format("{} is before the pump's implant date {}", utc_minute(r.at_ms),
                                  utc_date(p->implant_date_ms)));
    }
    const host::Checked<SqlRows> last =
        db_->query("SELECT MAX(at_ms) FROM fixed_rate_refills WHERE pump_id = $1", {r.pump_id});
    if (!last.ok()) return last.error();
    if (!last->empty() && !last->front().is_null(0) && r.at_ms < last->front().integer(0)) {
      return db_error(host::RefusalKind::kInvalidArgument, "at_ms",
                      fmt::format("{} is before the pump's last fill ({})", utc_minute(r.at_ms),
                                  utc_minute(last->front().integer(0))));
    }
    if (r.next_refill_ms < r.at_ms || r.empty_at_worst_ms < r.at_ms) {
      return db_error(host::RefusalKind::kInvalidArgument, "next_refill_ms",
                      "the next refill and the earliest empty reservoir must not be before the "
                      "fill");
    }
    return insert(
        "INSERT INTO fixed_rate_refills (pump_id, at_ms, clinician, drug, "
        "concentration_ng_per_ml, withdrawn_nl, volume_nl, next_refill_ms, next_refill_rule, "
        "empty_at_worst_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        {r.pump_id, r.at_ms, r.clinician, r.drug, r.concentration.count(), r.withdrawn.count(),
         r.volume.count(), r.next_refill_ms, r.next_refill_rule, r.empty_at_worst_ms},
        "refill");
  }

  // ---- small helpers (inside a transaction) ----

  host::Checked<std::int64_t> insert(std::string_view sql, const SqlParams& params,
                                     const char* conflict_field) {
    const host::Checked<SqlRows> rows = db_->query(sql, params);
    if (!rows.ok()) {
      host::Refusal e = rows.error();
      // A unique key another programmer took between our check and our insert.
      if (e.kind == host::RefusalKind::kConflict && e.field.empty()) e.field = conflict_field;
      return e;
    }
    if (rows->empty())
      return db_error(host::RefusalKind::kUnavailable, "", "an insert returned no id");
    return rows->front().integer(0);
  }

  host::Checked<void> exec(std::string_view sql, const SqlParams& params) {
    const host::Checked<SqlRows> rows = db_->query(sql, params);
    if (!rows.ok()) return rows.error();
    return host::Checked<void>::Ok();
  }

  template <class T, class Read>
  host::Checked<T> one(const std::string& sql, const SqlParams& params, Read read,
                       const char* field, std::string not_found) {
    const host::Checked<SqlRows> rows = db_->query(sql, params);
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return db_error(host::RefusalKind::kNotFound, field, std::move(not_found));
    return read(rows->front());
  }

  template <class T, class Read>
  host::Checked<std::vector<T>> many(const std::string& sql, const SqlParams& params, Read read) {
    const host::Checked<SqlRows> rows = db_->query(sql, params);
    if (!rows.ok()) return rows.error();
    std::vector<T> out;
    out.reserve(rows->size());
    for (const SqlRow& r : *rows) out.push_back(read(r));
    return out;
  }

  host::Checked<PatientRecord> patient_in_transaction(std::int64_t id) {
    return one<PatientRecord>(
        fmt::format("SELECT {} FROM patients pa WHERE pa.id = $1", kPatientColumns), {id},
        [](const SqlRow& r) { return patient_from(r); }, "patient_id",
        fmt::format("no patient with id {}", id));
  }

  host::Checked<PumpRecord> pump_in_transaction(std::int64_t id) {
    return one<PumpRecord>(
        fmt::format("SELECT {} FROM pumps pu WHERE pu.id = $1", kPumpColumns), {id},
        [](const SqlRow& r) { return pump_from(r); }, "pump_id",
        fmt::format("no pump with id {}", id));
  }

  host::Checked<SessionRecord> session_in_transaction(std::int64_t id) {
    return one<SessionRecord>(
        fmt::format("SELECT {} FROM sessions se WHERE se.id = $1", kSessionColumns), {id},
        session_from, "session_id", fmt::format("no session with id {}", id));
  }

  // A session still open, and `at_ms` (named `at_field`) not before its start.
  host::Checked<SessionRecord> open_session(std::int64_t id, std::int64_t at_ms,
                                            const char* at_field) {
    host::Checked<SessionRecord> s = session_in_transaction(id);
    if (!s.ok()) return s;
    if (s->ended_at_ms) {
      return db_error(host::RefusalKind::kConflict, "session_id",
                      fmt::format("session {} has ended: begin a new session", id));
    }
    if (at_ms < s->started_at_ms) {
      return db_error(host::RefusalKind::kInvalidArgument, at_field,
                      fmt::format("is before session {} began", id));
    }
    return s;
  }

  std::optional<host::Refusal> session_on_pump(std::int64_t session_id, std::int64_t pump_id,
                                               std::int64_t at_ms) {
    const host::Checked<SessionRecord> s = open_session(session_id, at_ms, "at_ms");
    if (!s.ok()) return s.error();
    if (s->pump_id != pump_id) {
      return db_error(
          host::RefusalKind::kInvalidArgument, "pump_id",
          fmt::format("session {} is with pump id {}, not {}", session_id, s->pump_id, pump_id));
    }
    return std::nullopt;
  }

  host::Checked<std::int64_t> insert_change(std::int64_t session_id, std::int64_t at_ms,
                                            ChangeKind kind, const std::string& what,
                                            const std::string& detail_json) {
    return insert(
        "INSERT INTO session_changes (session_id, at_ms, kind, what, detail_json) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        {session_id, at_ms, std::string(change_kind_name(kind)), what, detail_json}, "change");
  }

  host::Checked<std::vector<PrescriptionRecord>> history(std::int64_t pump_id, bool newest_first) {
    const host::Checked<PumpRecord> p = pump_in_transaction(pump_id);
    if (!p.ok()) return p.error();
    return many<PrescriptionRecord>(
        fmt::format("SELECT {} FROM prescriptions pr WHERE pr.pump_id = $1 ORDER BY {}",
                    kPrescriptionColumns,
                    newest_first ? "pr.at_ms DESC, pr.id DESC" : "pr.at_ms, pr.id"),
        {pump_id}, prescription_from);
  }

  std::unique_ptr<detail::SqlConnection> db_;
};

}  // namespace

namespace detail {
std::unique_ptr<ClinicDb> make_sql_clinic_db(std::unique_ptr<SqlConnection> connection) {
  return std::make_unique<SqlClinicDb>(std::move(connection));
}
}  // namespace detail

// ---- public free functions ----

const char* role_name(Role r) {
  return name_of(kRoleNames, r);
}
std::optional<Role> parse_role(std::string_view t) {
  return parse_name<Role>(kRoleNames, t);
}
const char* indication_name(Indication i) {
  return name_of(Names::indication, i);
}
std::optional<Indication> parse_indication(std::string_view t) {
  return parse_name<Indication>(Names::indication, t);
}
const char* change_kind_name(ChangeKind k) {
  return name_of(Names::change_kind, k);
}
std::optional<ChangeKind> parse_change_kind(std::string_view t) {
  return parse_name<ChangeKind>(Names::change_kind, t);
}
const char* score_kind_name(ScoreKind k) {
  return name_of(Names::score_kind, k);
}
std::optional<ScoreKind> parse_score_kind(std::string_view t) {
  return parse_name<ScoreKind>(Names::score_kind, t);
}
const char* refill_finding_name(RefillFinding f) {
  return name_of(Names::finding, f);
}
const char* due_status_name(DueStatus s) {
  return name_of(Names::due_status, s);
}

int latest_schema_version() {
  return detail::migrations().back().version;
}

std::string utc_date(std::int64_t ms) {
  return host::format_date(WallTime(ms));  // the UTC day: the clinic database keeps UTC
}

std::string utc_minute(std::int64_t ms) {
  return host::format_wall_time(WallTime(ms)) + " UTC";
}

std::optional<std::int64_t> parse_utc_date(std::string_view text) {
  const host::Checked<std::int64_t> day = host::parse_date(text);
  if (!day.ok()) return std::nullopt;
  return *day * kMillisPerDay;
}

std::vector<DueRow> order_by_risk(std::vector<DueRow> rows, const RiskRank& risk_rank) {
  const auto rank = [&](const DueRow& r) { return risk_rank ? risk_rank(r.drug) : 0; };
  const auto group = [](const DueRow& r) {
    switch (r.status) {
      case DueStatus::kOverdue:
        return 0;
      case DueStatus::kUnknown:
        return 1;
      case DueStatus::kDue:
        return 2;
    }
    return 2;
  };
  std::vector<std::pair<int, DueRow>> ranked;
  ranked.reserve(rows.size());
  for (DueRow& r : rows) {
    const int k = rank(r);
    ranked.emplace_back(k, std::move(r));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    const DueRow& x = a.second;
    const DueRow& y = b.second;
    return std::make_tuple(group(x), -a.first, x.next_refill_ms.value_or(0), x.pump.serial) <
           std::make_tuple(group(y), -b.first, y.next_refill_ms.value_or(0), y.pump.serial);
  });
  std::vector<DueRow> out;
  out.reserve(ranked.size());
  for (auto& [k, r] : ranked) out.push_back(std::move(r));
  return out;
}

host::Checked<std::unique_ptr<ClinicDb>> open_clinic_db(const std::string& url, OpenMode mode) {
  host::Checked<std::unique_ptr<detail::SqlConnection>> connection =
      db_error(host::RefusalKind::kInvalidArgument, "url", "");
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    connection = detail::open_postgres(url);
  } else if (url.starts_with("sqlite:")) {
    connection = detail::open_sqlite(url.substr(7), mode);
  } else if (url.find("://") != std::string::npos) {
    return db_error(host::RefusalKind::kInvalidArgument, "url",
                    "unknown kind of database: use postgresql://..., sqlite:PATH or a file path");
  } else {
    connection = detail::open_sqlite(url, mode);
  }
  if (!connection.ok()) return connection.error();
  std::unique_ptr<ClinicDb> db = detail::make_sql_clinic_db(std::move(connection.value()));
  const host::Checked<int> version = db->schema_version();
  if (!version.ok()) return version.error();
  if (*version > latest_schema_version()) {
    return db_error(host::RefusalKind::kSchemaTooNew, "url",
                    fmt::format("the clinic database is at schema version {}, newer than this "
                                "itdd knows ({}): use a newer itdd (the database was not changed)",
                                *version, latest_schema_version()));
  }
  return db;
}

}  // namespace itdd::programmer
