#include "itdd/programmer/accounts.h"

#include <gtest/gtest.h>

#include <vector>

#include "temp_clinic.h"

namespace itdd::programmer {
namespace {

constexpr std::int64_t kNow = 1'765'000'000'000;

TEST(Passwords, AHashMatchesItsPasswordAndNoOther) {
  const auto hash = hash_password("correct horse battery", PasswordCost::minimum());
  ASSERT_TRUE(hash.ok()) << hash.error().text();
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(password_matches(*hash, "correct horse battery"));
  EXPECT_FALSE(password_matches(*hash, "correct horse batterY"));
  EXPECT_FALSE(password_matches("not a hash", "correct horse battery"));
  EXPECT_FALSE(password_matches("", ""));
  // Salted: the same password hashes differently.
  EXPECT_NE(*hash, *hash_password("correct horse battery", PasswordCost::minimum()));
}

TEST(Passwords, AWeakPasswordIsRefusedNamingTheField) {
  const auto short_one = hash_password("short", PasswordCost::minimum());
  ASSERT_FALSE(short_one.ok());
  EXPECT_EQ(short_one.error().field, "password");
  EXPECT_NE(short_one.error().message.find("10 to 1024"), std::string::npos);
  EXPECT_FALSE(hash_password(std::string(12, ' '), PasswordCost::minimum()).ok());
  EXPECT_FALSE(hash_password(std::string(1025, 'x'), PasswordCost::minimum()).ok());
}

TEST(Backoff, FiveFailuresAreFreeThenTheWaitDoublesUpToItsCap) {
  const BackoffRule rule;
  EXPECT_EQ(login_wait_ms({4, kNow}, kNow, rule), 0);
  EXPECT_EQ(login_wait_ms({5, kNow}, kNow, rule), 1000);
  EXPECT_EQ(login_wait_ms({6, kNow}, kNow, rule), 2000);
  EXPECT_EQ(login_wait_ms({6, kNow}, kNow + 500, rule), 1500);
  EXPECT_EQ(login_wait_ms({7, kNow}, kNow + 4000, rule), 0);
  EXPECT_EQ(login_wait_ms({60, kNow}, kNow, rule), rule.max_delay_ms);
  // Long after the last failure, the count no longer holds anyone back.
  EXPECT_EQ(login_wait_ms({60, kNow}, kNow + rule.window_ms + rule.max_delay_ms, rule), 0);
}

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto id = add_account(clinic_.db(), "dr.ward", "Dr Ward", Role::kClinician,
                                "a long password", kNow, PasswordCost::minimum());
    ASSERT_TRUE(id.ok()) << id.error().text();
  }
  testing::TempClinic clinic_;
};

TEST_F(AccountsTest, LoginOpensASessionTheTokenFindsAgain) {
  const LoginOutcome in = login(clinic_.db(), "dr.ward", "a long password", kNow);
  ASSERT_EQ(in.verdict, LoginVerdict::kSignedIn) << in.refusal.text();
  ASSERT_TRUE(in.signed_in.has_value());
  EXPECT_EQ(in.signed_in->user.user_name, "dr.ward");
  EXPECT_GE(in.signed_in->token.size(), 43u);
  EXPECT_GE(in.signed_in->session.csrf_token.size(), 43u);
  // The database keeps a hash of the token, never the token.
  EXPECT_EQ(in.signed_in->session.token_hash.find(in.signed_in->token), std::string::npos);

  const auto found = authenticate(clinic_.db(), in.signed_in->token, kNow + 1000);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->user.role, Role::kClinician);
  EXPECT_TRUE(csrf_matches((*found)->session, in.signed_in->session.csrf_token));
  EXPECT_FALSE(csrf_matches((*found)->session, ""));
  EXPECT_FALSE(csrf_matches((*found)->session, std::string(43, 'A')));

  const auto forged = authenticate(clinic_.db(), "not-a-token", kNow);
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(forged->has_value());
  // Expired after 12 hours without use.
  const auto late = authenticate(clinic_.db(), in.signed_in->token, kNow + 13 * 3'600'000LL);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->has_value());
}

TEST_F(AccountsTest, LogoutEndsTheSession) {
  const LoginOutcome in = login(clinic_.db(), "dr.ward", "a long password", kNow);
  ASSERT_TRUE(in.signed_in.has_value());
  ASSERT_TRUE(logout(clinic_.db(), in.signed_in->token).ok());
  const auto found = authenticate(clinic_.db(), in.signed_in->token, kNow);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_F(AccountsTest, AWrongPasswordAndAnUnknownUserGetTheSameAnswer) {
  const LoginOutcome wrong = login(clinic_.db(), "dr.ward", "the wrong one", kNow);
  const LoginOutcome unknown =
      login(clinic_.db(), "dr.nobody", "a long password", kNow, {}, {}, PasswordCost::minimum());
  EXPECT_EQ(wrong.verdict, LoginVerdict::kWrongCredentials);
  EXPECT_EQ(unknown.verdict, LoginVerdict::kWrongCredentials);
  EXPECT_EQ(wrong.refusal, unknown.refusal);
  EXPECT_EQ(wrong.refusal.field, "password");
  EXPECT_EQ(clinic_.db().login_failures("dr.ward")->failures, 1);
}

// No user-name oracle: an unknown name's password is checked against a hash of the same cost
// (the same Argon2id parameters) as the accounts', so it takes the time a wrong password takes.
TEST_F(AccountsTest, AnUnknownUserIsCheckedAgainstAHashOfTheAccountsCost) {
  const auto params = [](const std::string& hash) {
    // "$argon2id$v=19$m=8,t=1,p=1$salt$hash": everything before the salt.
    std::size_t at = 0;
    for (int i = 0; i < 3 && at != std::string::npos; ++i) at = hash.find('$', at + 1);
    return hash.substr(0, at);
  };
  const auto account = clinic_.db().find_user("dr.ward");
  ASSERT_TRUE(account.ok() && account->has_value());
  const LoginAttempt known =
      start_login(clinic_.db(), "dr.ward", "the wrong one", kNow, {}, PasswordCost::minimum());
  const LoginAttempt unknown =
      start_login(clinic_.db(), "dr.nobody", "the wrong one", kNow, {}, PasswordCost::minimum());
  ASSERT_FALSE(known.decided.has_value());
  ASSERT_FALSE(unknown.decided.has_value());
  EXPECT_EQ(known.hash, (*account)->password_hash);
  EXPECT_FALSE(unknown.user_id.has_value());
  EXPECT_EQ(params(unknown.hash), params((*account)->password_hash)) << unknown.hash;
  EXPECT_NE(params(unknown.hash).find("$argon2id$"), std::string::npos);
  // The stand-in follows the cost it is given (the server's: its accounts').
  const PasswordCost costlier{PasswordCost::minimum().ops + 1, PasswordCost::minimum().mem};
  const LoginAttempt other = start_login(clinic_.db(), "dr.nobody", "x", kNow, {}, costlier);
  EXPECT_NE(params(other.hash), params(unknown.hash)) << other.hash;
  EXPECT_FALSE(check_login_password(unknown, "the wrong one"));
  EXPECT_FALSE(check_login_password(other, "x"));
}

// Attempts made at once (a server checks passwords outside its lock) are each counted before
// their password is checked, so they cannot all pass the back-off together.
TEST_F(AccountsTest, AttemptsAreCountedBeforeTheirPasswordIsChecked) {
  std::vector<LoginAttempt> at_once;
  for (int i = 0; i < 5; ++i) {
    at_once.push_back(start_login(clinic_.db(), "dr.ward", "a long password", kNow));
    EXPECT_FALSE(at_once.back().decided.has_value());
  }
  const LoginAttempt sixth = start_login(clinic_.db(), "dr.ward", "a long password", kNow);
  ASSERT_TRUE(sixth.decided.has_value());
  EXPECT_EQ(sixth.decided->verdict, LoginVerdict::kBackingOff);
  // One of them with the right password signs in and clears the count.
  const LoginOutcome in = finish_login(clinic_.db(), at_once[0],
                                       check_login_password(at_once[0], "a long password"), kNow);
  EXPECT_EQ(in.verdict, LoginVerdict::kSignedIn);
  EXPECT_EQ(clinic_.db().login_failures("dr.ward")->failures, 0);
}

TEST_F(AccountsTest, RepeatedFailuresBackOffEvenWithTheRightPasswordThenASuccessClears) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(login(clinic_.db(), "dr.ward", "guess", kNow + i).verdict,
              LoginVerdict::kWrongCredentials);
  }
  const LoginOutcome held = login(clinic_.db(), "dr.ward", "a long password", kNow + 10);
  EXPECT_EQ(held.verdict, LoginVerdict::kBackingOff);
  EXPECT_GT(held.retry_after_ms, 0);
  EXPECT_LE(held.retry_after_ms, 1000);
  EXPECT_FALSE(held.signed_in.has_value());
  const LoginOutcome later = login(clinic_.db(), "dr.ward", "a long password", kNow + 2000);
  EXPECT_EQ(later.verdict, LoginVerdict::kSignedIn);
  EXPECT_EQ(clinic_.db().login_failures("dr.ward")->failures, 0);
}

TEST_F(AccountsTest, BadAccountsAreRefusedWithTheField) {
  const auto weak = add_account(clinic_.db(), "dr.new", "Dr New", Role::kStaff, "short", kNow,
                                PasswordCost::minimum());
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().field, "password");
  const auto taken = add_account(clinic_.db(), "dr.ward", "Dr Ward", Role::kStaff,
                                 "a long password", kNow, PasswordCost::minimum());
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().field, "user");
}

TEST(Roles, StaffViewAndUploadButDoNotChangeTherapy) {
  EXPECT_TRUE(role_may(Role::kStaff, Permission::kView));
  EXPECT_TRUE(role_may(Role::kStaff, Permission::kRecordUploads));
  EXPECT_FALSE(role_may(Role::kStaff, Permission::kChangeTherapy));
  EXPECT_FALSE(role_may(Role::kStaff, Permission::kManageAccounts));
  EXPECT_TRUE(role_may(Role::kClinician, Permission::kChangeTherapy));
  EXPECT_TRUE(role_may(Role::kClinician, Permission::kManageAccounts));
}

}  // namespace
}  // namespace itdd::programmer
