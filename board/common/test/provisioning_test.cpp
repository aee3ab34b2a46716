// The product image's factory record (provisioning.h) and its factory path through ImplantNode:
// a good record read back field for field (and byte for byte as board/tools/provisioning_record.py
// writes it), every damage refused naming its field, and the record's programmer added once, to
// an implant that never had a device. Runs on the host under the sanitizers and on the board.
#include "itdd/board/provisioning.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/board/fixed_ports.h"
#include "itdd/board/implant_node.h"
#include "itdd/board/ram_nvm.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/storage/crc32.h"
#include "itdd/storage/layout.h"

namespace itdd::board {
namespace {

using Record = std::array<std::uint8_t, kProvisioningRecordSize>;

ProvisioningRecord sample() {
  ProvisioningRecord r;
  for (std::size_t i = 0; i < r.seed.size(); ++i) r.seed[i] = static_cast<std::uint8_t>(i + 1);
  r.role = link::Role::kClinician;
  for (std::size_t i = 0; i < r.key.size(); ++i) r.key[i] = static_cast<std::uint8_t>(0x40 + i);
  return r;
}

// The bytes changed at `at`, the CRC made good again: a record the factory could have written.
Record resealed(Record b, std::size_t at, std::uint8_t value) {
  b[at] = value;
  const std::uint32_t crc = storage::crc32(std::span(b).first(76));
  for (std::size_t i = 0; i < 4; ++i) b[76 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  return b;
}

std::string refusal(std::span<const std::uint8_t> page) {
  const Result<ProvisioningRecord> r = read_provisioning_record(page);
  return r.ok() ? "ok" : r.error().field;
}

TEST(ProvisioningRecord, IsReadBackAsTheHostToolWritesIt) {
  const Record bytes = encode_provisioning_record(sample());
  // provisioning_record.py --seed 0102..20 --role clinician --key 4041..5f, its CRC-32 zlib's.
  const Record tool = {0x49, 0x54, 0x44, 0x50, 0x01, 0x00, 0x50, 0x00};
  EXPECT_TRUE(std::equal(tool.begin(), tool.begin() + 8, bytes.begin()));
  EXPECT_EQ(bytes[40], 1);
  EXPECT_EQ(bytes[76], 0x5d);
  EXPECT_EQ(bytes[77], 0xed);
  EXPECT_EQ(bytes[78], 0xbb);
  EXPECT_EQ(bytes[79], 0x30);
  std::vector<std::uint8_t> page(4096, 0xFF);
  std::memcpy(page.data(), bytes.data(), bytes.size());
  const Result<ProvisioningRecord> r = read_provisioning_record(page);
  ASSERT_TRUE(r.ok()) << r.error().field;
  EXPECT_EQ(r->seed, sample().seed);
  EXPECT_EQ(r->role, link::Role::kClinician);
  EXPECT_EQ(r->key, sample().key);
}

TEST(ProvisioningRecord, EveryDamageIsRefusedNamingItsField) {
  const Record good = encode_provisioning_record(sample());
  const std::vector<std::uint8_t> erased(kProvisioningRecordSize, 0xFF);
  const std::vector<std::uint8_t> zeros(kProvisioningRecordSize, 0x00);
  EXPECT_EQ(refusal(erased), "provisioning.magic");
  EXPECT_EQ(refusal(zeros), "provisioning.magic");
  EXPECT_EQ(refusal(std::span(good).first(79)), "provisioning");
  EXPECT_EQ(refusal(resealed(good, 4, 2)), "provisioning.version");
  EXPECT_EQ(refusal(resealed(good, 6, 81)), "provisioning.size");
  EXPECT_EQ(refusal(resealed(good, 40, 0)), "provisioning.role");
  EXPECT_EQ(refusal(resealed(good, 40, 4)), "provisioning.role");
  EXPECT_EQ(refusal(resealed(good, 42, 1)), "provisioning.reserved");
  Record one_byte = good;
  for (std::size_t i = 8; i < 40; ++i) one_byte[i] = 0x5A;
  EXPECT_EQ(refusal(resealed(one_byte, 8, 0x5A)), "provisioning.seed");
  Record no_key = good;
  for (std::size_t i = 44; i < 76; ++i) no_key[i] = 0;
  EXPECT_EQ(refusal(resealed(no_key, 44, 0)), "provisioning.key");
  // Any one bit flipped: never read as a record.
  for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
    Record flipped = good;
    flipped[bit / 8] = static_cast<std::uint8_t>(flipped[bit / 8] ^ (1u << (bit % 8)));
    EXPECT_NE(refusal(flipped), "ok") << "bit " << bit;
  }
}

// A platform whose clock stands still; seeded when told (libsodium draws on the host's OS, or
// on the board on the tests' fixed seed).
class StillPlatform final : public Platform {
 public:
  ImplantTime now() override { return ImplantTime(1000); }
  void sleep_until(ImplantTime) override {}
  void power_cut(Duration) override {}
  void kick_watchdog() override {}
  std::uint64_t instructions() override { return 0; }
  std::uint32_t stack_used() override { return 0; }
  void send_line(std::string_view line) override { lines.emplace_back(line); }
  void seed_random(std::span<const std::uint8_t, 32>) override { seeded = true; }
  bool random_seeded() override { return seeded; }
  std::vector<std::string> lines;
  bool seeded = false;
};

class FactoryPathTest : public ::testing::Test {
 protected:
  FactoryPathTest() { nvm_.erase_all(); }
  std::int64_t peers() const {
    std::int64_t n = 0;
    for (const link::Peer& p : node_.radio()->responder()->state().peers) {
      n += p.role != link::Role::kNone;
    }
    return n;
  }

  StillPlatform platform_;
  CountingMotor motor_;
  SilentBuzzer buzzer_;
  NominalPowerSense power_sense_;
  std::vector<std::uint8_t> flash_ = std::vector<std::uint8_t>(storage::kImplantFlash.size());
  RamNvm nvm_{storage::kImplantFlash, flash_};
  host::SodiumCrypto crypto_;
  std::vector<std::uint8_t> link_buffer_ = std::vector<std::uint8_t>(app::kLinkBufferSize);
  const app::ImplantConfig config_{};
  ImplantNode node_{{platform_, motor_, buzzer_, nvm_, power_sense_, &crypto_, link_buffer_},
                    config_};
};

TEST_F(FactoryPathTest, TheRecordSeedsTheBoardAndAddsItsProgrammerOnce) {
  ProvisioningRecord record = sample();
  record.key = crypto_.generate_key_pair().value().public_key;
  // A bad record: the implant runs, its radio stays off.
  node_.power_up(hal::ResetCause::kPowerOn, WallTime(0), /*radio=*/false);
  EXPECT_FALSE(node_.radio_on());
  ASSERT_NE(node_.implant(), nullptr);

  node_.power_up(hal::ResetCause::kPowerOn, WallTime(0));
  ASSERT_TRUE(node_.start_radio(record).ok());
  EXPECT_TRUE(platform_.seeded);
  ASSERT_TRUE(node_.radio_on());
  EXPECT_EQ(peers(), 1);
  const link::PublicKey identity = node_.radio()->public_key();

  // Another device since (paired over the link, here provisioned): at the next power-up the
  // record's programmer is not added again (it could have been removed), the identity kept.
  const link::PublicKey other = crypto_.generate_key_pair().value().public_key;
  ASSERT_TRUE(node_.provision(other, link::Role::kPatient).ok());
  node_.power_up(hal::ResetCause::kPowerOn, WallTime(0));
  ASSERT_TRUE(node_.start_radio(record).ok());
  EXPECT_EQ(peers(), 2);
  EXPECT_EQ(node_.radio()->public_key(), identity);
  EXPECT_TRUE(platform_.lines.back().ends_with("radio=on")) << platform_.lines.back();
}

}  // namespace
}  // namespace itdd::board
