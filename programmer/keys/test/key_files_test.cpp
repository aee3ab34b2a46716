#include "itdd/programmer/key_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "itdd/sim/sodium_crypto.h"

namespace itdd::programmer {
namespace {

namespace fs = std::filesystem;

class KeyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("itdd-keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  fs::path dir_;
  sim::SodiumCrypto crypto_;
};

TEST_F(KeyFiles, HexRoundTrip) {
  link::PublicKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 7);
  const std::string hex = to_hex(k);
  EXPECT_EQ(hex.size(), 64u);
  const Result<link::PublicKey> back = public_key_from_hex(hex);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), k);
  EXPECT_FALSE(public_key_from_hex(hex.substr(2)).ok());
  EXPECT_FALSE(public_key_from_hex(std::string(63, 'a') + "g").ok());
}

TEST_F(KeyFiles, KeyPairIsPrivateAndNeverOverwritten) {
  const hal::KeyPair keys = crypto_.generate_key_pair().value();
  const fs::path file = dir_ / "programmer.key";
  ASSERT_TRUE(write_key_pair_file(file, keys).ok());
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const Result<hal::KeyPair> read = read_key_pair_file(file, crypto_);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read.value(), keys);
  // A second keygen to the same file is refused and the first key stays.
  const Status again = write_key_pair_file(file, crypto_.generate_key_pair().value());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(std::string(again.error().message).find("already exists"), std::string::npos);
  EXPECT_EQ(read_key_pair_file(file, crypto_).value(), keys);
  // The public half can be read from it (to provision it on an implant).
  EXPECT_EQ(read_public_key_file(file).value(), keys.public_key);
}

TEST_F(KeyFiles, RefusesAKeyOthersCanRead) {
  const fs::path file = dir_ / "open.key";
  ASSERT_TRUE(write_key_pair_file(file, crypto_.generate_key_pair().value()).ok());
  ::chmod(file.c_str(), 0644);
  const Result<hal::KeyPair> r = read_key_pair_file(file, crypto_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.error().message).find("chmod 600"), std::string::npos);
}

TEST_F(KeyFiles, RefusesADamagedKeyPair) {
  const hal::KeyPair a = crypto_.generate_key_pair().value();
  const hal::KeyPair b = crypto_.generate_key_pair().value();
  const fs::path file = dir_ / "mixed.key";
  write(file, "itdd-key-pair 1\npublic " + to_hex(a.public_key) + "\nsecret " +
                  to_hex(b.secret_key) + "\n");
  ::chmod(file.c_str(), 0600);
  const Result<hal::KeyPair> r = read_key_pair_file(file, crypto_);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "public");

  const fs::path junk = dir_ / "junk.key";
  write(junk, "hello\n");
  ::chmod(junk.c_str(), 0600);
  EXPECT_STREQ(read_key_pair_file(junk, crypto_).error().field, "key file");
  EXPECT_FALSE(read_key_pair_file(dir_ / "missing.key", crypto_).ok());
}

TEST_F(KeyFiles, ImplantFileAndBareHex) {
  link::Paired paired;
  paired.implant = crypto_.generate_key_pair().value().public_key;
  paired.role = link::Role::kPatient;
  paired.peer = 3;
  const fs::path file = dir_ / "implant";
  ASSERT_TRUE(write_implant_file(file, paired).ok());
  EXPECT_EQ(read_public_key_file(file).value(), paired.implant);
  EXPECT_FALSE(write_implant_file(file, paired).ok());

  const fs::path bare = dir_ / "implant.hex";
  write(bare, to_hex(paired.implant) + "\n");
  EXPECT_EQ(read_public_key_file(bare).value(), paired.implant);
  write(bare, "zz\n");
  EXPECT_FALSE(read_public_key_file(bare).ok());
  EXPECT_FALSE(read_public_key_file(dir_ / "missing").ok());
}

TEST_F(KeyFiles, TheRolePairedWithIsReadBackWhenRecorded) {
  link::Paired paired{};
  paired.implant[0] = 7;
  paired.role = link::Role::kClinician;
  paired.peer = 1;
  const fs::path file = dir_ / "implant";
  ASSERT_TRUE(write_implant_file(file, paired).ok());
  EXPECT_EQ(read_paired_role(file).value(), link::Role::kClinician);
  // A bare key records no role.
  const fs::path bare = dir_ / "implant.hex";
  write(bare, to_hex(paired.implant) + "\n");
  EXPECT_EQ(read_paired_role(bare).value(), link::Role::kNone);
  const fs::path damaged = dir_ / "damaged";
  write(damaged, "itdd-implant 1\npublic " + to_hex(paired.implant) + "\nrole doctor\n");
  EXPECT_EQ(std::string(read_paired_role(damaged).error().field), "role");
  EXPECT_FALSE(read_paired_role(dir_ / "missing").ok());
}

}  // namespace
}  // namespace itdd::programmer
