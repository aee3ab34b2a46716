// The dashboard's accounts: passwords hashed with libsodium's crypto_pwhash_str (Argon2id), the
// back-off after failed logins, server sessions behind an HttpOnly cookie, the CSRF token every
// state-changing request must carry, and what each role may do. The web server asks; this
// decides. Nothing throws: database failures come back as host::Refusal values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "itdd/host/checked.h"
#include "itdd/programmer/clinic_db.h"

namespace itdd::programmer {

// ---- passwords ----

// How much work and memory one hash costs. `interactive` for real accounts (libsodium's
// OPSLIMIT/MEMLIMIT_INTERACTIVE: Argon2id, 64 MiB); `minimum` for tests only.
struct PasswordCost {
  unsigned long long ops = 0;
  std::size_t mem = 0;
  static PasswordCost interactive();
  static PasswordCost minimum();
};

// A new password: 10 to 1024 bytes, not all spaces. The refusal names "password".
std::optional<host::Refusal> check_new_password(std::string_view password);
// crypto_pwhash_str's text ("$argon2id$v=19$..."), salted at random; refused (field "password")
// as check_new_password refuses, or when libsodium cannot hash (out of memory).
host::Checked<std::string> hash_password(std::string_view password,
                                         PasswordCost cost = PasswordCost::interactive());
// True when `password` is the one hashed; false for a wrong one or a hash that is not one.
bool password_matches(std::string_view hash, std::string_view password);

// ---- failed logins ----

// After `free_failures` failures under one user name within `window_ms` of each other, each
// further attempt waits `first_delay_ms`, doubling with each failure up to `max_delay_ms`, from
// the last failure, even with the right password. A success clears the count.
struct BackoffRule {
  std::int64_t free_failures = 5;
  std::int64_t window_ms = 15 * 60 * 1000;
  std::int64_t first_delay_ms = 1000;
  std::int64_t max_delay_ms = 15 * 60 * 1000;
};
// How long before another attempt may be checked (0: now).
std::int64_t login_wait_ms(const LoginFailures& failures, std::int64_t now_ms,
                           const BackoffRule& rule = {});

// ---- sessions ----

struct SessionRule {
  std::int64_t lifetime_ms = 12LL * 60 * 60 * 1000;  // from the last request, and at most...
  std::int64_t max_age_ms = 12LL * 60 * 60 * 1000;   // ...this long after login
};

struct SignedIn {
  UserRecord user;
  WebSessionRecord session;
  std::string token;  // the cookie's value: set at login only (the database keeps its hash)
};

enum class LoginVerdict : std::uint8_t {
  kSignedIn,
  kWrongCredentials,  // unknown user or wrong password: one answer for both
  kBackingOff,        // too many failures: `retry_after_ms`
  kUnavailable,       // the database failed: `refusal` says how
};

struct LoginOutcome {
  LoginVerdict verdict = LoginVerdict::kWrongCredentials;
  std::optional<SignedIn> signed_in;
  host::Refusal refusal;  // when not signed in: field "password" (or "" for the database)
  std::int64_t retry_after_ms = 0;
};

// A new account; the password is hashed here. Refused with the field to fix ("user",
// "display_name", "password").
host::Checked<std::int64_t> add_account(ClinicDb& db, std::string_view user_name,
                                        std::string_view display_name, Role role,
                                        std::string_view password, std::int64_t now_ms,
                                        PasswordCost cost = PasswordCost::interactive());

// Checks the back-off, the user and the password; on success opens a server session (a random
// 256-bit token, a random CSRF token) and clears the failures; on failure counts one. An
// unknown or disabled user name is checked against a hash of `cost` (that of the clinic's
// accounts), so it takes the time a wrong password takes: the answer's time does not say
// whether a name exists. start_login, check_login_password and finish_login in a row.
LoginOutcome login(ClinicDb& db, std::string_view user_name, std::string_view password,
                   std::int64_t now_ms, const BackoffRule& backoff = {},
                   const SessionRule& rule = {}, PasswordCost cost = PasswordCost::interactive());

// A login in three steps, so that a server that shares one database connection under a lock
// checks the password (crypto_pwhash: tens of milliseconds and 64 MiB) outside the lock, and
// other requests go on meanwhile: start_login and finish_login use the database,
// check_login_password does not.
struct LoginAttempt {
  std::string user_name;
  std::optional<LoginOutcome> decided;  // stopped before the password (back-off, database)
  std::optional<std::int64_t> user_id;  // a known, active account
  std::string hash;  // what the password is checked against: the account's, or a stand-in
};
// Checks the back-off and counts this attempt as a failure before the password is checked (so
// attempts made at once cannot all pass the back-off); finish_login clears it on success.
LoginAttempt start_login(ClinicDb& db, std::string_view user_name, std::string_view password,
                         std::int64_t now_ms, const BackoffRule& backoff = {},
                         PasswordCost cost = PasswordCost::interactive());
// The slow part, without the database.
bool check_login_password(const LoginAttempt& attempt, std::string_view password);
// Opens the session when the password matched and the account is still the one checked and
// active; otherwise the failure counted at the start stands.
LoginOutcome finish_login(ClinicDb& db, const LoginAttempt& attempt, bool password_matched,
                          std::int64_t now_ms, const SessionRule& rule = {});

// The session a cookie's token names, extended by use (never past its max age); empty when the
// token is unknown, expired or its account disabled (`token` stays empty in the answer).
host::Checked<std::optional<SignedIn>> authenticate(ClinicDb& db, std::string_view token,
                                                    std::int64_t now_ms,
                                                    const SessionRule& rule = {});

// Ends the session the token names (nothing when it names none).
host::Checked<void> logout(ClinicDb& db, std::string_view token);

// The token a request presented against the session's, in constant time.
bool csrf_matches(const WebSessionRecord& session, std::string_view presented);

// ---- roles ----

enum class Permission : std::uint8_t {
  kView,            // every page
  kRecordUploads,   // store an implant's log or history
  kChangeTherapy,   // program, refill, prime, bolus, interrogate an implant
  kManageAccounts,  // the audit log, accounts
};
const char* permission_text(Permission p);  // "change therapy", for messages
bool role_may(Role role, Permission p);

}  // namespace itdd::programmer
