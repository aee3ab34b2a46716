#include "itdd/programmer/paired_devices.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "itdd/programmer/key_files.h"
#include "itdd/programmer/status_report.h"

namespace itdd::programmer {
namespace {

std::string last_seen_text(const PairedDevice& d) {
  return d.last_seen_wall_ms ? format_wall(*d.last_seen_wall_ms) : std::string("no session logged");
}

}  // namespace

Result<std::vector<PairedDevice>> paired_devices_from(const protocol::Response& answer) {
  if (answer.result != itdd_ResultCode_RESULT_OK ||
      answer.which_payload != itdd_Response_paired_devices_tag) {
    return make_error(ErrorCode::kInvalidArgument, "answer", "not a list of paired devices");
  }
  const itdd_PairedDevices& list = answer.payload.paired_devices;
  std::vector<PairedDevice> out;
  for (pb_size_t i = 0; i < list.devices_count; ++i) {
    const itdd_PairedDevice& w = list.devices[i];
    PairedDevice d;
    if (w.device_id.size != d.key.size()) {
      return make_error(ErrorCode::kInvalidArgument, "device_id", "not a 32-byte key",
                        static_cast<std::int32_t>(i));
    }
    std::copy(w.device_id.bytes, w.device_id.bytes + w.device_id.size, d.key.begin());
    d.number = w.peer_id;
    d.role = w.role;
    d.paired_at_wall_ms = w.paired_at_wall_ms;
    if (w.seen) d.last_seen_wall_ms = w.last_seen_wall_ms;
    out.push_back(d);
  }
  return out;
}

Result<DeviceChoice> parse_device_choice(std::string_view text) {
  DeviceChoice c;
  if (text.size() == 2 * link::kKeySize) {
    const Result<link::PublicKey> key = public_key_from_hex(text);
    if (key.ok()) {
      c.key = key.value();
      return c;
    }
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), c.number);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || c.number == 0) {
    return make_error(ErrorCode::kInvalidArgument, "device",
                      "give the device's number as `itdd programmer devices` shows it (1, 2, "
                      "...) or its public key (64 hexadecimal digits)");
  }
  return c;
}

const PairedDevice* find_device(const std::vector<PairedDevice>& devices,
                                const DeviceChoice& choice) {
  for (const PairedDevice& d : devices) {
    if (choice.key ? d.key == *choice.key : d.number == choice.number) return &d;
  }
  return nullptr;
}

std::string format_devices(const std::vector<PairedDevice>& devices, const link::PublicKey& own) {
  if (devices.empty()) return "no paired devices\n";
  std::string s = fmt::format("{:>6}  {:<9}  {:<16}  {:<17}  {}\n", "device", "role",
                              "paired (local)", "last seen (local)", "public key");
  for (const PairedDevice& d : devices) {
    s += fmt::format("{:>6}  {:<9}  {:<16}  {:<17}  {}{}\n",
                     d.number == 0 ? std::string("?") : std::to_string(d.number), role_name(d.role),
                     format_wall(d.paired_at_wall_ms), last_seen_text(d), to_hex(d.key),
                     d.key == own ? "  (this device)" : "");
  }
  return s;
}

nlohmann::json device_json(const PairedDevice& d, const link::PublicKey& own) {
  nlohmann::json j = {{"device", d.number},
                      {"role", role_name(d.role)},
                      {"public_key", to_hex(d.key)},
                      {"paired_at", format_wall(d.paired_at_wall_ms)},
                      {"paired_at_wall_ms", d.paired_at_wall_ms},
                      {"last_seen", nullptr},
                      {"last_seen_wall_ms", nullptr},
                      {"this_device", d.key == own}};
  if (d.last_seen_wall_ms) {
    j["last_seen"] = format_wall(*d.last_seen_wall_ms);
    j["last_seen_wall_ms"] = *d.last_seen_wall_ms;
  }
  return j;
}

nlohmann::json devices_json(const std::vector<PairedDevice>& devices, const link::PublicKey& own) {
  nlohmann::json list = nlohmann::json::array();
  for (const PairedDevice& d : devices) list.push_back(device_json(d, own));
  return list;
}

std::string describe_device(const PairedDevice& d) {
  return fmt::format("device {} ({}, key {}, paired {}, last seen {})", d.number, role_name(d.role),
                     to_hex(d.key), format_wall(d.paired_at_wall_ms), last_seen_text(d));
}

Revocation judge_revocation(const Result<std::vector<PairedDevice>>& after,
                            const link::PublicKey& key) {
  if (!after.ok()) return Revocation::kUnknown;
  const bool listed = std::any_of(after->begin(), after->end(),
                                  [&](const PairedDevice& d) { return d.key == key; });
  return listed ? Revocation::kStillPaired : Revocation::kRevoked;
}

}  // namespace itdd::programmer
