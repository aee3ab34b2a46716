#include "itdd/board/provisioning.h"

#include "itdd/storage/crc32.h"

namespace itdd::board {
namespace {

constexpr std::size_t kSeedAt = 8;
constexpr std::size_t kRoleAt = 40;
constexpr std::size_t kKeyAt = 44;
constexpr std::size_t kCrcAt = 76;

std::uint32_t u32_at(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
         static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
std::uint16_t u16_at(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}

Error refused(const char* field, const char* message) {
  return make_error(ErrorCode::kCorrupt, field, message);
}

}  // namespace

Result<ProvisioningRecord> read_provisioning_record(std::span<const std::uint8_t> page) {
  if (page.size() < kProvisioningRecordSize) {
    return refused("provisioning", "the factory page is too small");
  }
  const std::span<const std::uint8_t> r = page.first(kProvisioningRecordSize);
  bool erased = true;
  bool magic = true;
  for (std::size_t i = 0; i < kProvisioningMagic.size(); ++i) {
    erased = erased && r[i] == 0xFF;
    magic = magic && r[i] == kProvisioningMagic[i];
  }
  if (erased) return refused("provisioning.magic", "none: the page is erased");
  if (!magic) return refused("provisioning.magic", "none: no ITDP at the page's start");
  if (u16_at(r, 4) != kProvisioningVersion) {
    return refused("provisioning.version", "not 1, the version this reads");
  }
  if (u16_at(r, 6) != kProvisioningRecordSize) {
    return refused("provisioning.size", "not 80 bytes");
  }
  if (storage::crc32(r.first(kCrcAt)) != u32_at(r, kCrcAt)) {
    return refused("provisioning.crc", "does not match: the record is damaged");
  }
  ProvisioningRecord out;
  bool seed_varies = false;
  for (std::size_t i = 0; i < out.seed.size(); ++i) {
    out.seed[i] = r[kSeedAt + i];
    seed_varies = seed_varies || out.seed[i] != out.seed[0];
  }
  if (!seed_varies) {
    return refused("provisioning.seed", "one byte repeated: no entropy");
  }
  out.role = static_cast<link::Role>(r[kRoleAt]);
  if (!link::is_peer_role(out.role)) {
    return refused("provisioning.role", "not 1 clinician, 2 patient or 3 service");
  }
  if (r[kRoleAt + 1] != 0 || r[kRoleAt + 2] != 0 || r[kRoleAt + 3] != 0) {
    return refused("provisioning.reserved", "not zero");
  }
  bool key_set = false;
  for (std::size_t i = 0; i < out.key.size(); ++i) {
    out.key[i] = r[kKeyAt + i];
    key_set = key_set || out.key[i] != 0;
  }
  if (!key_set) return refused("provisioning.key", "zero");
  return out;
}

std::array<std::uint8_t, kProvisioningRecordSize> encode_provisioning_record(
    const ProvisioningRecord& record) {
  std::array<std::uint8_t, kProvisioningRecordSize> b{};
  for (std::size_t i = 0; i < kProvisioningMagic.size(); ++i) b[i] = kProvisioningMagic[i];
  b[4] = static_cast<std::uint8_t>(kProvisioningVersion & 0xFF);
  b[5] = static_cast<std::uint8_t>(kProvisioningVersion >> 8);
  b[6] = static_cast<std::uint8_t>(kProvisioningRecordSize & 0xFF);
  b[7] = static_cast<std::uint8_t>(kProvisioningRecordSize >> 8);
  for (std::size_t i = 0; i < record.seed.size(); ++i) b[kSeedAt + i] = record.seed[i];
  b[kRoleAt] = static_cast<std::uint8_t>(record.role);
  for (std::size_t i = 0; i < record.key.size(); ++i) b[kKeyAt + i] = record.key[i];
  const std::uint32_t crc = storage::crc32(std::span(b).first(kCrcAt));
  for (std::size_t i = 0; i < 4; ++i) b[kCrcAt + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  return b;
}

}  // namespace itdd::board
