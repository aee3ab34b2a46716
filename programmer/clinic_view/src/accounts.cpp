// Accounts, back-off, sessions and CSRF (accounts.h) over libsodium.
#include "itdd/programmer/accounts.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <utility>
#include <vector>

namespace itdd::programmer {
namespace {

bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

std::string hex(const unsigned char* bytes, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

// 32 random bytes as URL-safe base64 without padding (43 characters).
std::string random_token() {
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  sodium_memzero(bytes.data(), bytes.size());
  return out;
}

// What the database keeps of a token: its BLAKE2b hash, so a copy of the database opens no
// session.
std::string token_hash(std::string_view token) {
  std::array<unsigned char, 32> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                     0);
  return hex(digest.data(), digest.size());
}

host::Refusal from_db(const host::Refusal& e) {
  return {e.field, e.message};
}

}  // namespace

PasswordCost PasswordCost::interactive() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}
PasswordCost PasswordCost::minimum() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

std::optional<host::Refusal> check_new_password(std::string_view password) {
  if (password.size() < 10 || password.size() > 1024) {
    return host::Refusal{"password",
                         fmt::format("a password of {} bytes: give 10 to 1024", password.size())};
  }
  if (std::all_of(password.begin(), password.end(), [](char c) { return c == ' '; })) {
    return host::Refusal{"password", "a password of spaces alone: give a real one"};
  }
  return std::nullopt;
}

host::Checked<std::string> hash_password(std::string_view password, PasswordCost cost) {
  if (auto refused = check_new_password(password)) return *refused;
  if (!sodium_ready()) return host::Refusal{"", "libsodium could not start"};
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str(out.data(), password.data(), password.size(), cost.ops, cost.mem) != 0) {
    return host::Refusal{"password", "libsodium could not hash it (out of memory): try again"};
  }
  return std::string(out.data());
}

bool password_matches(std::string_view hash, std::string_view password) {
  if (!sodium_ready() || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::array<char, crypto_pwhash_STRBYTES> stored{};
  std::copy(hash.begin(), hash.end(), stored.begin());
  return crypto_pwhash_str_verify(stored.data(), password.data(), password.size()) == 0;
}

std::int64_t login_wait_ms(const LoginFailures& f, std::int64_t now_ms, const BackoffRule& rule) {
  if (f.failures < rule.free_failures) return 0;
  // Failures are forgotten a window after the last one.
  if (now_ms - f.last_failure_ms >= rule.window_ms + rule.max_delay_ms) return 0;
  const std::int64_t doublings = std::min<std::int64_t>(f.failures - rule.free_failures, 40);
  std::int64_t delay = rule.first_delay_ms;
  for (std::int64_t i = 0; i < doublings && delay < rule.max_delay_ms; ++i) delay *= 2;
  delay = std::min(delay, rule.max_delay_ms);
  const std::int64_t until = f.last_failure_ms + delay;
  return until > now_ms ? until - now_ms : 0;
}

host::Checked<std::int64_t> add_account(ClinicDb& db, std::string_view user_name,
                                        std::string_view display_name, Role role,
                                        std::string_view password, std::int64_t now_ms,
                                        PasswordCost cost) {
  const host::Checked<std::string> hash = hash_password(password, cost);
  if (!hash.ok()) {
    return host::Refusal{hash.error().field, hash.error().message};
  }
  UserRecord u;
  u.user_name = std::string(user_name);
  u.display_name = std::string(display_name);
  u.role = role;
  u.password_hash = *hash;
  u.created_at_ms = now_ms;
  return db.add_user(u);
}

namespace {

const char* const kWrongCredentials = "unknown user or wrong password";

LoginOutcome unavailable(const host::Refusal& e) {
  LoginOutcome out;
  out.verdict = LoginVerdict::kUnavailable;
  out.refusal = from_db(e);
  return out;
}

// A hash of `cost` that no password matches in practice (its password is random and
// forgotten): what an unknown user name's password is checked against. One per cost, made once.
const std::string& stand_in_hash(PasswordCost cost) {
  static std::mutex mutex;
  static std::vector<std::pair<std::pair<unsigned long long, std::size_t>, std::string>> made;
  const std::lock_guard<std::mutex> lock(mutex);
  for (const auto& [key, hash] : made) {
    if (key == std::pair(cost.ops, cost.mem)) return hash;
  }
  if (!sodium_ready()) return made.emplace_back(std::pair(cost.ops, cost.mem), "").second;
  const host::Checked<std::string> hash = hash_password(random_token(), cost);
  made.emplace_back(std::pair(cost.ops, cost.mem), hash.ok() ? *hash : std::string());
  return made.back().second;
}

}  // namespace

LoginAttempt start_login(ClinicDb& db, std::string_view user_name, std::string_view password,
                         std::int64_t now_ms, const BackoffRule& backoff, PasswordCost cost) {
  LoginAttempt a;
  a.user_name = std::string(user_name);
  // A name too long to be one is refused without touching the database.
  if (user_name.empty() || user_name.size() > 64 || password.size() > 1024) {
    LoginOutcome out;
    out.refusal = {"password", kWrongCredentials};
    a.decided = out;
    return a;
  }
  const host::Checked<LoginFailures> failures = db.login_failures(user_name);
  if (!failures.ok()) {
    a.decided = unavailable(failures.error());
    return a;
  }
  if (const std::int64_t wait = login_wait_ms(*failures, now_ms, backoff); wait > 0) {
    LoginOutcome out;
    out.verdict = LoginVerdict::kBackingOff;
    out.retry_after_ms = wait;
    out.refusal = {"password",
                   fmt::format("{} failed logins for this user: wait {} s before trying again",
                               failures->failures, (wait + 999) / 1000)};
    a.decided = out;
    return a;
  }
  const host::Checked<std::optional<UserRecord>> user = db.find_user(user_name);
  if (!user.ok()) {
    a.decided = unavailable(user.error());
    return a;
  }
  if (host::Checked<void> s = db.record_login_failure(user_name, now_ms); !s.ok()) {
    a.decided = unavailable(s.error());
    return a;
  }
  if (user->has_value() && (*user)->active) {
    a.user_id = (*user)->id;
    a.hash = (*user)->password_hash;
  } else {
    a.hash = stand_in_hash(cost);
  }
  return a;
}

bool check_login_password(const LoginAttempt& attempt, std::string_view password) {
  if (attempt.decided) return false;
  // Checked whether the account exists or not: the same work either way.
  const bool matches = password_matches(attempt.hash, password);
  return matches && attempt.user_id.has_value();
}

LoginOutcome finish_login(ClinicDb& db, const LoginAttempt& attempt, bool password_matched,
                          std::int64_t now_ms, const SessionRule& rule) {
  if (attempt.decided) return *attempt.decided;
  LoginOutcome out;
  if (!password_matched || !attempt.user_id) {
    out.refusal = {"password", kWrongCredentials};
    return out;
  }
  // The account as it is now: disabled, or its password changed, while the password was
  // checked: not signed in.
  const host::Checked<std::optional<UserRecord>> user = db.find_user(attempt.user_name);
  if (!user.ok()) return unavailable(user.error());
  if (!user->has_value() || (*user)->id != *attempt.user_id || !(*user)->active ||
      (*user)->password_hash != attempt.hash) {
    out.refusal = {"password", kWrongCredentials};
    return out;
  }
  if (host::Checked<void> s = db.clear_login_failures(attempt.user_name); !s.ok())
    return unavailable(s.error());
  SignedIn in;
  in.user = **user;
  in.token = random_token();
  in.session.user_id = in.user.id;
  in.session.token_hash = token_hash(in.token);
  in.session.csrf_token = random_token();
  in.session.created_at_ms = now_ms;
  in.session.expires_at_ms = now_ms + std::min(rule.lifetime_ms, rule.max_age_ms);
  const host::Checked<std::int64_t> id = db.add_web_session(in.session);
  if (!id.ok()) return unavailable(id.error());
  in.session.id = *id;
  // Sessions that ran out are removed as others log in (best effort: a failure here keeps them
  // expired, never valid).
  (void)db.end_expired_web_sessions(now_ms);
  out.verdict = LoginVerdict::kSignedIn;
  out.signed_in = std::move(in);
  return out;
}

LoginOutcome login(ClinicDb& db, std::string_view user_name, std::string_view password,
                   std::int64_t now_ms, const BackoffRule& backoff, const SessionRule& rule,
                   PasswordCost cost) {
  const LoginAttempt attempt = start_login(db, user_name, password, now_ms, backoff, cost);
  const bool matched = check_login_password(attempt, password);
  return finish_login(db, attempt, matched, now_ms, rule);
}

host::Checked<std::optional<SignedIn>> authenticate(ClinicDb& db, std::string_view token,
                                                    std::int64_t now_ms, const SessionRule& rule) {
  if (token.empty() || token.size() > 128) return std::optional<SignedIn>();
  const std::string hash = token_hash(token);
  const host::Checked<std::optional<WebSessionRecord>> found = db.find_web_session(hash);
  if (!found.ok()) return found.error();
  if (!found->has_value() || (*found)->expires_at_ms <= now_ms) return std::optional<SignedIn>();
  const host::Checked<UserRecord> user = db.user((*found)->user_id);
  if (!user.ok()) return user.error();
  if (!user->active) return std::optional<SignedIn>();
  SignedIn in{*user, **found, ""};
  const std::int64_t extended =
      std::min(now_ms + rule.lifetime_ms, in.session.created_at_ms + rule.max_age_ms);
  // Extend only when it moves by a minute or more: one write a minute, not one per request.
  if (extended > in.session.expires_at_ms + 60'000) {
    if (host::Checked<void> s = db.extend_web_session(in.session.id, extended); !s.ok())
      return s.error();
    in.session.expires_at_ms = extended;
  }
  return std::optional<SignedIn>(std::move(in));
}

host::Checked<void> logout(ClinicDb& db, std::string_view token) {
  if (token.empty() || token.size() > 128) return host::Checked<void>::Ok();
  return db.end_web_session(token_hash(token));
}

bool csrf_matches(const WebSessionRecord& session, std::string_view presented) {
  if (session.csrf_token.empty() || presented.size() != session.csrf_token.size()) return false;
  return sodium_memcmp(session.csrf_token.data(), presented.data(), presented.size()) == 0;
}

const char* permission_text(Permission p) {
  switch (p) {
    case Permission::kView:
      return "view the clinic";
    case Permission::kRecordUploads:
      return "record uploads";
    case Permission::kChangeTherapy:
      return "program, refill, prime or give a bolus";
    case Permission::kManageAccounts:
      return "manage accounts and read the audit log";
  }
  return "do this";
}

bool role_may(Role role, Permission p) {
  switch (p) {
    case Permission::kView:
    case Permission::kRecordUploads:
      return true;
    case Permission::kChangeTherapy:
    case Permission::kManageAccounts:
      return role == Role::kClinician;
  }
  return false;
}

}  // namespace itdd::programmer
