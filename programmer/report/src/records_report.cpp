#include "itdd/programmer/records_report.h"

#include <fmt/format.h>

#include <array>

#include "itdd/programmer/status_report.h"
#include "report_text.h"

namespace itdd::programmer {
namespace {

using nlohmann::json;
using namespace detail;

// The implant's code ranges (firmware/app/implant.h).
constexpr std::uint32_t kAlarmFirst = 0x0100;
constexpr std::uint32_t kImplantFirst = 0x0200;
constexpr std::uint32_t kLinkFirst = 0x0300;
constexpr std::uint32_t kLinkRefusalsCounted = 0x03FF;
constexpr std::uint32_t kLinkRadioOff = 0x03FE;
// app::LinkStateLoss, by number: why the radio stayed off.
constexpr std::array<const char*, 3> kLinkStateLosses = {
    "its stored link state was read but is not one the link may run on",
    "neither stored copy of its link state could be read",
    "the newest copy of its link state was lost (an older one would roll back its keys' epoch)"};

// By number: engine::EventKind, alarms::AlarmAction, app::ImplantLogCode, link::Outcome.
constexpr std::array<const char*, 17> kEngineNames = {"prescription-programmed",
                                                      "refilled",
                                                      "priming-started",
                                                      "priming-ended",
                                                      "clinician-bolus-started",
                                                      "clinician-bolus-ended",
                                                      "bridge-bolus-started",
                                                      "bridge-bolus-ended",
                                                      "patient-bolus-granted",
                                                      "patient-bolus-refused",
                                                      "patient-bolus-ended",
                                                      "low-reservoir",
                                                      "reservoir-empty",
                                                      "clock-set",
                                                      "motor-stall",
                                                      "motor-recovered",
                                                      "resumed-after-reset"};
constexpr std::array<const char*, 7> kAlarmNames = {
    "alarm-raised",       "alarm-cleared", "alarm-silenced",   "alarm-silence-ended",
    "alarm-acknowledged", "alarm-test",    "alarm-tone-failed"};
constexpr std::array<const char*, 15> kImplantNames = {"boot",
                                                       "settings-corrupt",
                                                       "log-damaged",
                                                       "history-damaged",
                                                       "safety-trip",
                                                       "prescription-corrupt",
                                                       "clock-lost",
                                                       "storage-write-failed",
                                                       "battery-assessed",
                                                       "elective-replacement",
                                                       "end-of-service",
                                                       "low-battery-reset",
                                                       "battery-monitor-unavailable",
                                                       "settings-newest-lost",
                                                       "settings-copy-damaged"};
constexpr std::array<const char*, 15> kLinkNames = {
    "handshake-accepted", "handshake-refused", "session-opened",      "session-closed",
    "session-expired",    "record-refused",    "lockout-started",     "pairing-opened",
    "pairing-answered",   "pairing-refused",   "pairing-closed",      "paired",
    "peer-provisioned",   "peer-removed",      "peer-removal-refused"};
// link::Reason, by number.
constexpr std::array<const char*, 25> kLinkReasons = {
    "none",        "malformed",      "version",     "unknown peer",   "bad tag",
    "bad counter", "locked out",     "no session",  "crypto",         "storage",
    "wrong code",  "no window",      "no exchange", "expired",        "attempts used",
    "table full",  "already paired", "not allowed", "abandoned",      "by peer",
    "by implant",  "replaced",       "idle",        "last clinician", "rate limited"};
// link::Role, by number.
constexpr std::array<const char*, 4> kLinkRoles = {"no role", "clinician", "patient", "service"};
constexpr std::uint32_t kPairingOpened = 7;
constexpr std::uint32_t kPairingRefused = 9;
constexpr std::uint32_t kPaired = 11;
constexpr std::uint32_t kPeerProvisioned = 12;
constexpr std::uint32_t kPeerRemoved = 13;
constexpr std::uint32_t kPeerRemovalRefused = 14;
constexpr std::uint32_t kNotAllowed = 17;

template <std::size_t N>
const char* at(const std::array<const char*, N>& names, std::uint32_t i) {
  return i < N ? names[i] : nullptr;
}

std::string volume(std::int64_t nl) {
  return fmt::format("{:.3f} mL", ml(nl));
}

// A concentration without knowing the drug's unit: mg/mL, or mcg/mL below 1 mg/mL.
std::string concentration(std::int64_t ng_per_ml) {
  if (ng_per_ml >= 1'000'000) return fmt::format("{:.3f} mg/mL", ng_per_ml / 1e6);
  return fmt::format("{:.3f} mcg/mL", ng_per_ml / 1e3);
}

std::string signed_duration(std::int64_t ms) {
  return fmt::format("{}{}", ms < 0 ? '-' : '+', duration_text(ms < 0 ? -ms : ms));
}

std::string wall_of(std::int64_t implant_ms, std::int64_t wall_offset_ms) {
  return format_wall(implant_ms + wall_offset_ms);
}

const char* basal_mode(std::int64_t mode) {
  switch (mode) {  // therapy::BasalMode
    case 0:
      return "stopped";
    case 1:
      return "continuous";
    case 2:
      return "flexible";
    default:
      return "unknown mode";
  }
}

const char* store_name(std::uint32_t store) {
  switch (store) {
    case 1:
      return "settings";
    case 2:
      return "event log";
    case 3:
      return "delivery history";
    default:
      return "unknown store";
  }
}

const char* battery_status(std::uint32_t s) {  // power::BatteryStatus
  switch (s) {
    case 0:
      return "ok";
    case 1:
      return "elective replacement";
    case 2:
      return "end of service";
    default:
      return "unknown";
  }
}

const char* battery_reason(std::uint32_t r) {  // power::BatteryReason
  switch (r) {
    case 0:
      return "no reason given";
    case 1:
      return "projected longevity";
    case 2:
      return "energy used";
    case 3:
      return "loaded voltage";
    case 4:
      return "faulty cell";
    case 5:
      return "service life";
    default:
      return "unknown reason";
  }
}

const char* trip_window(std::uint32_t w) {  // safety::TripWindow
  switch (w) {
    case 1:
      return "1 h window";
    case 2:
      return "24 h window";
    case 3:
      return "pump maximum";
    default:
      return "unknown window";
  }
}

std::string alarm_kind(std::uint32_t kind) {
  if (kind == 0) return "no alarm";
  const char* name = alarm_name(static_cast<itdd_AlarmKind>(kind <= 255 ? kind : 255));
  return std::string_view(name) == "unknown" ? fmt::format("alarm {}", kind) : name;
}

std::string raw(const itdd_LogRecord& r) {
  return fmt::format("unknown code 0x{:04x}: reason {}, a {}, b {}", r.code, r.reason, r.a, r.b);
}

std::string describe_engine(const itdd_LogRecord& r, std::int64_t offset) {
  switch (r.code) {
    case 0x00:
      return fmt::format("prescription programmed: {}", basal_mode(r.a));
    case 0x01:
      return fmt::format("refilled: {} at {}", volume(r.a), concentration(r.b));
    case 0x02:
      return fmt::format("priming started: {} over {}", volume(r.a), duration_text(r.b));
    case 0x03:
      return "priming ended";
    case 0x04:
      return fmt::format("clinician bolus started: {} over {}", volume(r.a), duration_text(r.b));
    case 0x05:
      return "clinician bolus ended";
    case 0x06:
      return fmt::format(
          "bridge bolus started (old concentration pushed out of the line): {} "
          "over {}",
          volume(r.a), duration_text(r.b));
    case 0x07:
      return "bridge bolus ended";
    case 0x08:
      return fmt::format("patient bolus granted: {} over {}", volume(r.a), duration_text(r.b));
    case 0x09:
      return fmt::format(
          "patient bolus refused: {}{}",
          bolus_refusal_name(static_cast<itdd_BolusRefusal>(r.reason)),
          r.a < 0 ? std::string() : fmt::format(", next allowed {}", wall_of(r.a, offset)));
    case 0x0A:
      return "patient bolus ended";
    case 0x0B:
      return fmt::format("low reservoir: {} left", volume(r.a));
    case 0x0C:
      return "reservoir empty: delivery stopped";
    case 0x0D:
      return fmt::format("clock set: moved {}", signed_duration(r.a - r.b));
    case 0x0E:
      return fmt::format("motor stall: {} strokes missed so far", r.a);
    case 0x0F:
      return "motor recovered";
    case 0x10:
      return fmt::format("resumed after a reset: gap {}, {} assumed delivered", duration_text(r.a),
                         volume(r.b));
    default:
      return raw(r);
  }
}

std::string describe_alarm(const itdd_LogRecord& r, std::int64_t offset) {
  const std::string kind = alarm_kind(r.reason);
  switch (r.code - kAlarmFirst) {
    case 0:
      return "alarm raised: " + kind;
    case 1:
      return "alarm cleared: " + kind;
    case 2:
      return fmt::format("alarm silenced: {} until {}", kind, wall_of(r.a, offset));
    case 3:
      return "alarm silence ended: " + kind + " sounds again";
    case 4:
      return "alarm acknowledged by the clinic: " + kind;
    case 5:
      return "alarm test: the test tones sounded";
    case 6:
      return "alarm tone failed (buzzer fault): " + kind;
    default:
      return raw(r);
  }
}

std::string describe_implant(const itdd_LogRecord& r) {
  switch (r.code - kImplantFirst) {
    case 0:
      return fmt::format("boot: {}, {} since the last checkpoint",
                         r.a == 1 ? "committed therapy resumed" : "no committed therapy",
                         duration_text(r.b));
    case 1:
      return "no settings copy passed its check: therapy stopped (safe state); program again";
    case 2:
      return fmt::format("event log damaged: {} invalid slots", r.a);
    case 3:
      return r.a < 0 ? std::string("delivery history damaged: it could not be read")
                     : fmt::format("delivery history damaged: {} invalid slots", r.a);
    case 4:
      return fmt::format("safety monitor trip ({}): {} delivered, {} allowed; therapy halted",
                         trip_window(r.reason), volume(r.a), volume(r.b));
    case 5:
      return fmt::format(
          "live prescription failed its check (CRC 0x{:08x} kept, 0x{:08x} found); therapy halted",
          static_cast<std::uint32_t>(r.a), static_cast<std::uint32_t>(r.b));
    case 6:
      return "clock lost: set the clock";
    case 7:
      return fmt::format("storage write failed: {}", store_name(r.reason));
    case 8:
      return fmt::format("battery assessed: {}, {:.1f} % remaining, longevity {} h",
                         battery_status(r.reason), r.a / 10.0, r.b);
    case 9:
      return fmt::format("elective replacement indicator (ERI) by {}: longevity {} h, loaded {} mV",
                         battery_reason(r.reason), r.a, r.b);
    case 10:
      return fmt::format("end of service (EOS) by {}: loaded {} mV; therapy stopped",
                         battery_reason(r.reason), r.a);
    case 11:
      return r.a == 0 ? std::string("low-battery reset (no voltage reading)")
                      : fmt::format("low-battery reset: loaded {} mV at boot", r.a);
    case 12:
      return "battery monitor unavailable: its configuration or state was refused";
    case 13:
      return fmt::format(
          "the newest settings copy ({}) is damaged: the older prescription was not resumed; "
          "therapy stopped (safe state); refill and program again",
          r.a == 0   ? "A"
          : r.a == 1 ? "B"
                     : "?");
    case 14:
      return fmt::format(
          "the older settings copy ({}) failed its check (damage or a cut write): the newest "
          "(number {}) was used and the bad copy rewritten",
          r.a == 0   ? "A"
          : r.a == 1 ? "B"
                     : "?",
          r.b);
    default:
      return raw(r);
  }
}

const char* role_name(std::int64_t role) {
  const char* n =
      role >= 0 && role <= 0xFF ? at(kLinkRoles, static_cast<std::uint32_t>(role)) : nullptr;
  return n != nullptr ? n : "unknown role";
}

// The peer table's changes say who did what to whom (firmware/app/radio.h, link_who): a = the
// device acted on, b = the acting session's device id (bits 0-31) and role (32-39), the role of
// the device acted on or of the window (40-47), a window's validity in seconds (48-62).
bool says_who(const itdd_LogRecord& r) {
  const std::uint32_t k = r.code - kLinkFirst;
  return k == kPairingOpened || k == kPaired || k == kPeerProvisioned || k == kPeerRemoved ||
         k == kPeerRemovalRefused || (k == kPairingRefused && r.reason == kNotAllowed);
}

std::string describe_who(const itdd_LogRecord& r, std::string text) {
  const std::int64_t by = r.b & 0xFFFF'FFFF;
  const std::int64_t by_role = (r.b >> 32) & 0xFF;
  const std::int64_t role = (r.b >> 40) & 0xFF;
  const std::int64_t validity_s = (r.b >> 48) & 0x7FFF;
  const std::uint32_t k = r.code - kLinkFirst;
  if (k == kPairingOpened || k == kPairingRefused) {
    text += fmt::format(", for a {} device", role_name(role));
  } else {
    text += fmt::format(", device {} ({})", r.a, role_name(role));
  }
  if (by == 0) {
    text += k == kPeerProvisioned ? ", by the factory/service path" : ", with no session";
  } else {
    text += fmt::format(", by device {} ({})", by, role_name(by_role));
  }
  if (k == kPairingOpened) text += fmt::format(", valid {}", duration_text(validity_s * 1000));
  return text;
}

std::string describe_link(const itdd_LogRecord& r) {
  if (r.code == kLinkRefusalsCounted) {
    // A flood's summary: reason, how many, and which kind of event (b = link::Outcome). An
    // older implant wrote b = 0 (never a kind it summarises): all refusals together.
    if (r.b == 0) return fmt::format("link: {} refusals counted, not written one by one", r.a);
    const char* kind =
        r.b >= 0 && r.b <= 0xFF ? at(kLinkNames, static_cast<std::uint32_t>(r.b)) : nullptr;
    const char* reason = at(kLinkReasons, r.reason);
    std::string text = fmt::format("link: {} {}", r.a, kind != nullptr ? kind : "events");
    for (char& c : text) {
      if (c == '-') c = ' ';
    }
    if (r.reason != 0) text += fmt::format(" ({})", reason != nullptr ? reason : "unknown reason");
    return text + " counted under a flood, not written one by one";
  }
  if (r.code == kLinkRadioOff) {
    const char* why = at(kLinkStateLosses, r.reason);
    return fmt::format(
        "link: the radio is off: {}; therapy goes on, the link needs the factory "
        "or service path",
        why != nullptr ? why : "unknown reason");
  }
  const char* outcome = at(kLinkNames, r.code - kLinkFirst);
  if (outcome == nullptr) return raw(r);
  std::string text = fmt::format("link: {}", outcome);
  for (char& c : text) {
    if (c == '-') c = ' ';
  }
  if (r.reason != 0) {
    const char* reason = at(kLinkReasons, r.reason);
    text += fmt::format(" ({})", reason != nullptr ? reason : "unknown reason");
  }
  if (says_who(r)) return describe_who(r, text);
  if (r.a != 0) text += fmt::format(", device {}", r.a);
  switch (r.code - kLinkFirst) {
    case 1:  // handshake refused
    case 5:  // record refused
    case 8:  // pairing answered
    case 9:  // pairing refused
      // b: the claimed key's first 7 bytes (app::ImplantRadio), 0 when there was none.
      if (r.b != 0) text += fmt::format(", key {:014x}", static_cast<std::uint64_t>(r.b));
      break;
    case 2:  // session opened
    case 3:  // session closed
      text += fmt::format(", session {}", r.b);
      break;
    case 6:  // lockout started (of device a; of the pairing path when a is 0)
      if (r.a == 0) text += ", of pairing";
      text += fmt::format(", for {}", duration_text(r.b));
      break;
    default:
      if (r.b != 0) text += fmt::format(", value {}", r.b);
      break;
  }
  return text;
}

}  // namespace

const char* log_code_name(std::uint32_t code) {
  if (code < kAlarmFirst) return at(kEngineNames, code);
  if (code < kImplantFirst) return at(kAlarmNames, code - kAlarmFirst);
  if (code < kLinkFirst) return at(kImplantNames, code - kImplantFirst);
  if (code == kLinkRefusalsCounted) return "link-refusals-counted";
  if (code == kLinkRadioOff) return "radio-off";
  if (code < 0x0400) return at(kLinkNames, code - kLinkFirst);
  return nullptr;
}

std::string describe_log_record(const itdd_LogRecord& r, std::int64_t wall_offset_ms) {
  if (log_code_name(r.code) == nullptr) return raw(r);
  if (r.code < kAlarmFirst) return describe_engine(r, wall_offset_ms);
  if (r.code < kImplantFirst) return describe_alarm(r, wall_offset_ms);
  if (r.code < kLinkFirst) return describe_implant(r);
  return describe_link(r);
}

std::string format_log_record(const itdd_LogRecord& r, std::int64_t wall_offset_ms) {
  return fmt::format("{:>7}  {}  {}", r.seq, wall_of(r.at_implant_ms, wall_offset_ms),
                     describe_log_record(r, wall_offset_ms));
}

nlohmann::json log_record_json(const itdd_LogRecord& r, std::int64_t wall_offset_ms) {
  const char* name = log_code_name(r.code);
  return {{"seq", r.seq},
          {"at_implant_ms", r.at_implant_ms},
          {"at_wall", wall_of(r.at_implant_ms, wall_offset_ms)},
          {"code", r.code},
          {"code_hex", fmt::format("0x{:04x}", r.code)},
          {"name", name != nullptr ? json(name) : json(nullptr)},
          {"reason", r.reason},
          {"a", r.a},
          {"b", r.b},
          {"text", describe_log_record(r, wall_offset_ms)}};
}

std::string format_history(std::span<const itdd_HourRecord> hours, std::int64_t wall_offset_ms) {
  std::string out = fmt::format("{:<18}{:>12}{:>10}\n", "hour from", "volume", "strokes");
  std::int64_t volume_nl = 0;
  std::int64_t strokes = 0;
  for (const itdd_HourRecord& h : hours) {
    out += fmt::format("{:<18}{:>9.3f} mL{:>10}\n",
                       format_wall(h.hour_index * kMsPerHour + wall_offset_ms), ml(h.volume_nl),
                       h.strokes);
    volume_nl += h.volume_nl;
    strokes += h.strokes;
  }
  out += fmt::format("total: {} recorded hour{}, {:.3f} mL, {} strokes\n", hours.size(),
                     hours.size() == 1 ? "" : "s", ml(volume_nl), strokes);
  return out;
}

nlohmann::json history_json(std::span<const itdd_HourRecord> hours, std::int64_t wall_offset_ms) {
  json list = json::array();
  std::int64_t volume_nl = 0;
  std::int64_t strokes = 0;
  for (const itdd_HourRecord& h : hours) {
    list.push_back({{"hour_index", h.hour_index},
                    {"start_wall", format_wall(h.hour_index * kMsPerHour + wall_offset_ms)},
                    {"volume_nl", h.volume_nl},
                    {"volume_ml", ml(h.volume_nl)},
                    {"strokes", h.strokes}});
    volume_nl += h.volume_nl;
    strokes += h.strokes;
  }
  return {{"hours", list},
          {"total",
           {{"hours", hours.size()},
            {"volume_nl", volume_nl},
            {"volume_ml", ml(volume_nl)},
            {"strokes", strokes}}}};
}

}  // namespace itdd::programmer
