#include "itdd/programmer/key_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "itdd/host/sodium_crypto.h"
#include "itdd/programmer/passphrase_input.h"

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
  // Reads a key pair with no passphrase to give (a plain file needs none).
  Status read(const fs::path& file, DeviceKeys& out) {
    return read_key_pair_file(file, crypto_, PassphraseSource{}, out);
  }
  Status read(const fs::path& file, std::string_view passphrase, DeviceKeys& out) {
    return read_key_pair_file(
        file, crypto_,
        [passphrase](Passphrase& p) {
          EXPECT_TRUE(p.assign(passphrase));
          return Status::Ok();
        },
        out);
  }

  fs::path dir_;
  host::SodiumCrypto crypto_;
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
  DeviceKeys read_back;
  ASSERT_TRUE(read(file, read_back).ok());
  EXPECT_EQ(read_back.pair(), keys);
  EXPECT_FALSE(is_protected_key_pair_file(file).value());
  // A second keygen to the same file is refused and the first key stays.
  const Status again = write_key_pair_file(file, crypto_.generate_key_pair().value());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(std::string(again.error().message).find("already exists"), std::string::npos);
  DeviceKeys still;
  ASSERT_TRUE(read(file, still).ok());
  EXPECT_EQ(still.pair(), keys);
  // The public half can be read from it (to provision it on an implant).
  EXPECT_EQ(read_public_key_file(file).value(), keys.public_key);
}

TEST_F(KeyFiles, RefusesAKeyOthersCanRead) {
  const fs::path file = dir_ / "open.key";
  ASSERT_TRUE(write_key_pair_file(file, crypto_.generate_key_pair().value()).ok());
  for (const mode_t mode : {0644, 0640, 0604, 0660, 0601}) {
    ::chmod(file.c_str(), mode);
    DeviceKeys keys;
    const Status r = read(file, keys);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_NE(std::string(r.error().message).find("chmod 600"), std::string::npos);
    EXPECT_EQ(keys.pair(), hal::KeyPair{});  // nothing read
  }
  ::chmod(file.c_str(), 0400);  // stricter is fine
  DeviceKeys keys;
  EXPECT_TRUE(read(file, keys).ok());
}

// The key is read through a descriptor opened without following a link: a link to a good key
// file is refused (it could be switched for another file between a check and the open).
TEST_F(KeyFiles, RefusesASymbolicLink) {
  const hal::KeyPair keys = crypto_.generate_key_pair().value();
  const fs::path real = dir_ / "real.key";
  ASSERT_TRUE(write_key_pair_file(real, keys).ok());
  const fs::path link = dir_ / "link.key";
  fs::create_symlink(real, link);
  DeviceKeys read_back;
  const Status r = read(link, read_back);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "key file");
  EXPECT_NE(std::string(r.error().message).find("symbolic link"), std::string::npos);
  EXPECT_EQ(read_back.pair(), hal::KeyPair{});
  // keygen never writes through a link either, even a dangling one.
  const fs::path dangling = dir_ / "dangling.key";
  fs::create_symlink(dir_ / "elsewhere.key", dangling);
  EXPECT_FALSE(write_key_pair_file(dangling, keys).ok());
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere.key"));
  // Not a regular file: refused, and a FIFO does not hang the reader.
  const fs::path fifo = dir_ / "fifo.key";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(std::string(read(fifo, read_back).error().message).find("not a regular file"),
            std::string::npos);
}

TEST_F(KeyFiles, RefusesAKeyOwnedByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  const fs::path file = dir_ / "theirs.key";
  ASSERT_TRUE(write_key_pair_file(file, crypto_.generate_key_pair().value()).ok());
  ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);  // nobody
  DeviceKeys keys;
  const Status r = read(file, keys);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.error().message).find("belongs to another user"), std::string::npos);
  // The same for a passphrase file.
  const fs::path pass = dir_ / "theirs.pass";
  write(pass, "correct horse battery staple\n");
  ::chmod(pass.c_str(), 0600);
  ASSERT_EQ(::chown(pass.c_str(), 65534, 65534), 0);
  Passphrase p;
  EXPECT_NE(
      std::string(read_passphrase_file(pass, p).error().message).find("belongs to another user"),
      std::string::npos);
}

TEST_F(KeyFiles, RefusesADamagedKeyPair) {
  const hal::KeyPair a = crypto_.generate_key_pair().value();
  const hal::KeyPair b = crypto_.generate_key_pair().value();
  const fs::path file = dir_ / "mixed.key";
  write(file, "itdd-key-pair 1\npublic " + to_hex(a.public_key) + "\nsecret " +
                  to_hex(b.secret_key) + "\n");
  ::chmod(file.c_str(), 0600);
  DeviceKeys keys;
  const Status r = read(file, keys);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "public");
  EXPECT_EQ(keys.pair(), hal::KeyPair{});  // wiped, not half-read

  const fs::path junk = dir_ / "junk.key";
  write(junk, "hello\n");
  ::chmod(junk.c_str(), 0600);
  EXPECT_STREQ(read(junk, keys).error().field, "key file");
  EXPECT_FALSE(read(dir_ / "missing.key", keys).ok());
}

// The passphrase-protected format round trip, then everything that must refuse it.
TEST_F(KeyFiles, AProtectedKeyOpensWithItsPassphraseOnly) {
  const hal::KeyPair keys = crypto_.generate_key_pair().value();
  const fs::path file = dir_ / "protected.key";
  Passphrase pass;
  ASSERT_TRUE(pass.assign("correct horse battery staple"));
  ASSERT_TRUE(write_protected_key_pair_file(file, keys, pass, PassphraseCost::kInteractive).ok());
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(is_protected_key_pair_file(file).value());
  // The secret is not in the file, in hex or otherwise.
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find(to_hex(keys.secret_key)), std::string::npos);
  EXPECT_EQ(text.find(std::string(keys.secret_key.begin(), keys.secret_key.end())),
            std::string::npos);
  EXPECT_EQ(text.rfind("itdd-protected-key-pair 1\npublic " + to_hex(keys.public_key) +
                           "\nkdf argon2id13\nopslimit 2\nmemlimit 67108864\nsalt ",
                       0),
            0u)
      << text;

  DeviceKeys opened;
  ASSERT_TRUE(read(file, "correct horse battery staple", opened).ok());
  EXPECT_EQ(opened.pair(), keys);
  EXPECT_EQ(read_public_key_file(file).value(), keys.public_key);  // no passphrase needed

  // A wrong passphrase: a clear refusal, nothing read.
  DeviceKeys wrong;
  const Status refused = read(file, "correct horse battery stable", wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_STREQ(refused.error().field, "passphrase");
  EXPECT_NE(std::string(refused.error().message).find("wrong passphrase"), std::string::npos);
  EXPECT_EQ(wrong.pair(), hal::KeyPair{});
  // No way to ask for one.
  EXPECT_STREQ(read(file, wrong).error().field, "passphrase");
  // A source that fails says why.
  const Status no_tty = read_key_pair_file(
      file, crypto_,
      [](Passphrase&) { return Status(make_error(ErrorCode::kRefused, "passphrase", "none")); },
      wrong);
  EXPECT_STREQ(no_tty.error().message, "none");

  // One character of the sealed secret changed: the seal's tag refuses it.
  std::string tampered = text;
  const std::size_t at = tampered.find("sealed ") + 7;
  tampered[at] = tampered[at] == '0' ? '1' : '0';
  const fs::path altered = dir_ / "altered.key";
  write(altered, tampered);
  ::chmod(altered.c_str(), 0600);
  EXPECT_STREQ(read(altered, "correct horse battery staple", wrong).error().field, "passphrase");
  // A file asking for an unbounded key derivation is refused before any is tried.
  std::string greedy = text;
  greedy.replace(greedy.find("memlimit 67108864"), 17, "memlimit 99999999999");
  write(altered, greedy);
  EXPECT_STREQ(read(altered, "correct horse battery staple", wrong).error().field, "memlimit");
  // A short passphrase for a new key is refused, and nothing is written.
  Passphrase short_one;
  ASSERT_TRUE(short_one.assign("too short"));
  const Status too_short = write_protected_key_pair_file(dir_ / "short.key", keys, short_one,
                                                         PassphraseCost::kInteractive);
  EXPECT_STREQ(too_short.error().field, "passphrase");
  EXPECT_FALSE(fs::exists(dir_ / "short.key"));
}

TEST_F(KeyFiles, APassphraseFileIsASecretToo) {
  const fs::path file = dir_ / "pass";
  write(file, "correct horse battery staple\r\nsecond line ignored\n");
  ::chmod(file.c_str(), 0600);
  Passphrase p;
  ASSERT_TRUE(read_passphrase_file(file, p).ok());
  EXPECT_EQ(p.view(), "correct horse battery staple");
  ::chmod(file.c_str(), 0644);
  const Status open = read_passphrase_file(file, p);
  EXPECT_STREQ(open.error().field, "passphrase file");
  EXPECT_TRUE(p.empty());
  ::chmod(file.c_str(), 0600);
  const fs::path link = dir_ / "pass.link";
  fs::create_symlink(file, link);
  EXPECT_NE(std::string(read_passphrase_file(link, p).error().message).find("symbolic link"),
            std::string::npos);
  write(file, "\nsecond line\n");
  EXPECT_NE(std::string(read_passphrase_file(file, p).error().message).find("empty"),
            std::string::npos);
  // The options: a file first, then the environment, never a terminal when told not to.
  PassphraseOptions none;
  none.environment = false;
  none.terminal = false;
  EXPECT_STREQ(obtain_passphrase(none, "", false, p).error().field, "passphrase");
  ::setenv(kPassphraseVariable, "from the environment", 1);
  PassphraseOptions env = none;
  env.environment = true;
  ASSERT_TRUE(obtain_passphrase(env, "", false, p).ok());
  EXPECT_EQ(p.view(), "from the environment");
  ::unsetenv(kPassphraseVariable);
}

TEST_F(KeyFiles, SecretsAreWipedWhenTheyGo) {
  DeviceKeys keys;
  keys.pair() = crypto_.generate_key_pair().value();
  const hal::KeyPair copy = keys.pair();
  DeviceKeys moved(std::move(keys));
  EXPECT_EQ(moved.pair(), copy);
  EXPECT_EQ(keys.pair(), hal::KeyPair{});  // NOLINT(bugprone-use-after-move): the point
  Passphrase p;
  ASSERT_TRUE(p.assign("something secret"));
  p.clear();
  EXPECT_TRUE(p.empty());
  EXPECT_FALSE(p.assign(std::string(Passphrase::kMaxSize + 1, 'x')));
  EXPECT_TRUE(p.empty());
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

// What is not a key file is refused with a sentence, whatever it is: a folder, a file far too
// long to be one (not read whole: a 1 MB line is not a key), a file of NULs.
TEST_F(KeyFiles, WhatIsNotAKeyFileIsRefusedNotRead) {
  EXPECT_FALSE(read_public_key_file(dir_).ok());
  EXPECT_STREQ(read_public_key_file(dir_).error().field, "key file");
  EXPECT_FALSE(read_paired_role(dir_).ok());
  ::chmod(dir_.c_str(), 0700);
  DeviceKeys keys;
  const Status folder = read(dir_, keys);
  ASSERT_FALSE(folder.ok());
  EXPECT_STREQ(folder.error().field, "key file");
  const fs::path huge = dir_ / "huge.key";
  const std::string key = to_hex(crypto_.generate_key_pair().value().public_key);
  write(huge, key + std::string(1 << 20, 'x') + "\n");
  const Result<link::PublicKey> r = read_public_key_file(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "key file");
  const fs::path padded = dir_ / "padded.key";
  write(padded, key + "\n" + std::string(8 * 1024, '\n'));
  EXPECT_FALSE(read_public_key_file(padded).ok());  // over 4 KiB: not a key file
  const fs::path nuls = dir_ / "nuls.key";
  write(nuls, std::string(100, '\0'));
  EXPECT_FALSE(read_public_key_file(nuls).ok());
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
