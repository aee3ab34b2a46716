// The implant's paired devices as the clinic sees them: the answer to a ListPairedDevices
// request read into rows (the device's number, role, key, when it was paired and when it last
// opened a session), shown as text or JSON; which device a revocation names (its number or its
// key); and what the list read back after a revocation says, which is what the programmer
// reports (a lost answer or a repeated request cannot make it claim the wrong thing).
//
// Who may revoke whom is the implant's rule, not this module's: a refusal is reported in the
// implant's own words.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/link/types.h"
#include "itdd/protocol/messages.h"

namespace itdd::programmer {

struct PairedDevice {
  std::uint32_t number = 0;  // the implant's number for it, never reused (0: not given)
  itdd_Role role = itdd_Role_ROLE_UNSPECIFIED;
  link::PublicKey key{};
  std::int64_t paired_at_wall_ms = 0;  // the implant's local time
  // When it last opened an authenticated session (the implant's local time); none when the
  // implant's event log holds no session of it (never connected, or overwritten since).
  std::optional<std::int64_t> last_seen_wall_ms;
};

// The devices of a ListPairedDevices answer. Refused (field "answer") when the answer is not
// a list, and (field "device_id") when a key is not 32 bytes.
Result<std::vector<PairedDevice>> paired_devices_from(const protocol::Response& answer);

// A device named on the command line: its number as `itdd programmer devices` shows it, or its
// public key (64 hex digits). Refused otherwise (field "device").
struct DeviceChoice {
  std::uint32_t number = 0;
  std::optional<link::PublicKey> key;
};
Result<DeviceChoice> parse_device_choice(std::string_view text);
// The listed device it names, or null.
const PairedDevice* find_device(const std::vector<PairedDevice>& devices,
                                const DeviceChoice& choice);

// One line a device, a header first; `own` marks the device doing the asking.
std::string format_devices(const std::vector<PairedDevice>& devices, const link::PublicKey& own);
nlohmann::json device_json(const PairedDevice& device, const link::PublicKey& own);
nlohmann::json devices_json(const std::vector<PairedDevice>& devices, const link::PublicKey& own);
// "device 2 (patient, key 3c5e..., paired 2026-12-07 09:00, last seen 2026-12-07 10:15)".
std::string describe_device(const PairedDevice& device);

// After a revocation was sent: the list read back decides.
enum class Revocation : std::uint8_t {
  kRevoked,      // the key is no longer listed
  kStillPaired,  // it is listed: the implant refused (its answer says why) or did nothing
  kUnknown,      // the list could not be read: check with `itdd programmer devices`
};
Revocation judge_revocation(const Result<std::vector<PairedDevice>>& after,
                            const link::PublicKey& key);

}  // namespace itdd::programmer
