// What the clinic database keeps for the dashboard (`itdd clinic serve`, migration 6): clinician
// accounts, failed logins, server sessions, the audit log, the implant clock's offset read with
// each upload, and the bulk snapshot the clinic overview is built from. Plain records, as in
// clinic_db.h; the decisions (hashing, back-off, ranking) are in programmer/clinic_view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace itdd::programmer {

// What an account may do: a clinician programs, refills, primes and gives boluses; staff view
// everything and record uploads.
enum class Role : std::uint8_t { kClinician, kStaff };
const char* role_name(Role role);  // "clinician", "staff"
std::optional<Role> parse_role(std::string_view text);

struct UserRecord {
  std::int64_t id = 0;
  std::string user_name;     // the login name: 1-64 of a-z 0-9 . _ -
  std::string display_name;  // one line of visible text, at most 120 characters
  Role role = Role::kStaff;
  std::string password_hash;  // crypto_pwhash_str's text ("$argon2id$..."), never the password
  bool active = true;
  std::int64_t created_at_ms = 0;
};

// Failed logins under one user name (known or not) since the last success.
struct LoginFailures {
  std::int64_t failures = 0;
  std::int64_t last_failure_ms = 0;
};

struct WebSessionRecord {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string token_hash;  // hex of a hash of the cookie's token (the token is never stored)
  std::string csrf_token;
  std::int64_t created_at_ms = 0;
  std::int64_t expires_at_ms = 0;
};

struct AuditEntry {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string user_name;
  std::string action;   // "login", "logout", "program", "upload", ...
  std::string target;   // what it was done to ("SN-1004", "MRN-0004", "dr.ward"), or ""
  std::string outcome;  // "ok", "refused", "uncertain", ...
  std::string detail;   // for people
};

// The implant's wall clock less its monotonic clock, as read with an upload (ms).
struct ImplantClockOffset {
  std::int64_t wall_offset_ms = 0;
  std::int64_t read_at_ms = 0;
};

}  // namespace itdd::programmer
