// The report's table of log codes is kept by number, apart from the firmware (a programmer sees
// only the wire). Here, built with the firmware, every code the implant can write must have a
// name, the same name the implant's own vocabulary gives it, and the next code none.
#include <gtest/gtest.h>

#include <string>

#include "itdd/alarms/alarm_events.h"
#include "itdd/app/implant.h"
#include "itdd/app/radio.h"
#include "itdd/engine/events.h"
#include "itdd/link/events.h"
#include "itdd/programmer/records_report.h"

namespace itdd {
namespace {

std::string hyphens(std::string s) {
  for (char& c : s) {
    if (c == '_' || c == ' ') c = '-';
  }
  return s;
}

std::string name_of(std::uint32_t code) {
  const char* n = programmer::log_code_name(code);
  return n != nullptr ? n : "(none)";
}

TEST(LogCodesMirror, EngineEvents) {
  const auto last = static_cast<std::uint32_t>(engine::EventKind::kResumedAfterReset);
  for (std::uint32_t k = 0; k <= last; ++k) {
    EXPECT_EQ(name_of(k), hyphens(engine::name(static_cast<engine::EventKind>(k)))) << k;
  }
  EXPECT_EQ(programmer::log_code_name(last + 1), nullptr);
}

TEST(LogCodesMirror, AlarmEvents) {
  const auto last = static_cast<std::uint32_t>(alarms::AlarmAction::kToneFailed);
  for (std::uint32_t k = 0; k <= last; ++k) {
    const auto action = static_cast<alarms::AlarmAction>(k);
    const std::string expected = action == alarms::AlarmAction::kAlarmTest
                                     ? "alarm-test"
                                     : "alarm-" + hyphens(alarms::name(action));
    EXPECT_EQ(name_of(app::kAlarmLogCodeFirst + k), expected) << k;
  }
  EXPECT_EQ(programmer::log_code_name(app::kAlarmLogCodeFirst + last + 1), nullptr);
}

TEST(LogCodesMirror, ImplantEvents) {
  const std::pair<app::ImplantLogCode, const char*> codes[] = {
      {app::ImplantLogCode::kBoot, "boot"},
      {app::ImplantLogCode::kSettingsCorrupt, "settings-corrupt"},
      {app::ImplantLogCode::kLogDamaged, "log-damaged"},
      {app::ImplantLogCode::kHistoryDamaged, "history-damaged"},
      {app::ImplantLogCode::kSafetyTrip, "safety-trip"},
      {app::ImplantLogCode::kPrescriptionCorrupt, "prescription-corrupt"},
      {app::ImplantLogCode::kClockLost, "clock-lost"},
      {app::ImplantLogCode::kStorageWriteFailed, "storage-write-failed"},
      {app::ImplantLogCode::kBatteryAssessed, "battery-assessed"},
      {app::ImplantLogCode::kElectiveReplacement, "elective-replacement"},
      {app::ImplantLogCode::kEndOfService, "end-of-service"},
      {app::ImplantLogCode::kLowBatteryReset, "low-battery-reset"},
      {app::ImplantLogCode::kBatteryMonitorUnavailable, "battery-monitor-unavailable"},
      {app::ImplantLogCode::kSettingsNewestLost, "settings-newest-lost"},
      {app::ImplantLogCode::kSettingsCopyDamaged, "settings-copy-damaged"}};
  for (const auto& [code, name] : codes) {
    EXPECT_EQ(name_of(static_cast<std::uint32_t>(code)), name);
  }
  EXPECT_EQ(programmer::log_code_name(
                static_cast<std::uint32_t>(app::ImplantLogCode::kSettingsCopyDamaged) + 1),
            nullptr);
}

TEST(LogCodesMirror, LinkEvents) {
  const auto last = static_cast<std::uint32_t>(link::Outcome::kPeerRemovalRefused);
  for (std::uint32_t k = 0; k <= last; ++k) {
    EXPECT_EQ(name_of(app::kLinkLogCodeFirst + k),
              hyphens(link::name(static_cast<link::Outcome>(k))))
        << k;
  }
  EXPECT_EQ(programmer::log_code_name(app::kLinkLogCodeFirst + last + 1), nullptr);
  EXPECT_EQ(name_of(app::kLinkRefusalsCounted), "link-refusals-counted");
  // The radio left off at boot, and why, in the implant's numbers (app::LinkStateLoss).
  EXPECT_EQ(name_of(app::kLinkRadioOff), "radio-off");
  const auto why = [](app::LinkStateLoss loss) {
    const itdd_LogRecord record{1, 0, app::kLinkRadioOff, static_cast<std::uint32_t>(loss), 0, 0};
    return programmer::describe_log_record(record, 0);
  };
  EXPECT_NE(why(app::LinkStateLoss::kRefused)
                .find("the radio is off: its stored link state was "
                      "read but is not one the link may run on"),
            std::string::npos);
  EXPECT_NE(why(app::LinkStateLoss::kNoCopy).find("neither stored copy"), std::string::npos);
  EXPECT_NE(why(app::LinkStateLoss::kNewestLost).find("the newest copy"), std::string::npos);
  // The link's reasons are shown in the implant's words.
  const auto last_reason = static_cast<std::uint8_t>(link::Reason::kRateLimited);
  for (std::uint8_t r = 1; r <= last_reason; ++r) {
    const itdd_LogRecord record{1, 0, app::kLinkLogCodeFirst, r, 0, 0};
    const std::string text = programmer::describe_log_record(record, 0);
    EXPECT_NE(text.find(std::string("(") + link::name(static_cast<link::Reason>(r)) + ")"),
              std::string::npos)
        << text;
  }
  // Who changed the peer table, packed by the implant (app::link_who) and read back here.
  const auto code = [](link::Outcome o) {
    return static_cast<std::uint32_t>(app::kLinkLogCodeFirst + static_cast<std::uint32_t>(o));
  };
  const itdd_LogRecord removed{
      1, 0, code(link::Outcome::kPeerRemoved),
      0, 6, app::link_who(3, link::Role::kClinician, link::Role::kPatient)};
  EXPECT_EQ(programmer::describe_log_record(removed, 0),
            "link: peer removed, device 6 (patient), by device 3 (clinician)");
  const itdd_LogRecord refused{1,
                               0,
                               code(link::Outcome::kPeerRemovalRefused),
                               static_cast<std::uint32_t>(link::Reason::kNotAllowed),
                               1,
                               app::link_who(4, link::Role::kService, link::Role::kClinician)};
  EXPECT_EQ(
      programmer::describe_log_record(refused, 0),
      "link: peer removal refused (not allowed), device 1 (clinician), by device 4 (service)");
  // A refusal names the device by its claimed key; a flood's summary says how many of what.
  const itdd_LogRecord stranger{1,
                                0,
                                code(link::Outcome::kHandshakeRefused),
                                static_cast<std::uint32_t>(link::Reason::kUnknownPeer),
                                0,
                                0x0102030405060708 >> 8};
  EXPECT_EQ(programmer::describe_log_record(stranger, 0),
            "link: handshake refused (unknown peer), key 01020304050607");
  const itdd_LogRecord summary{1,
                               0,
                               app::kLinkRefusalsCounted,
                               static_cast<std::uint32_t>(link::Reason::kNoWindow),
                               290,
                               static_cast<std::int64_t>(link::Outcome::kPairingRefused)};
  EXPECT_EQ(programmer::describe_log_record(summary, 0),
            "link: 290 pairing refused (no window) counted under a flood, not written one by one");
  const itdd_LogRecord opened{
      1, 0, code(link::Outcome::kPairingOpened),
      0, 0, app::link_who(1, link::Role::kClinician, link::Role::kPatient, 300)};
  EXPECT_EQ(programmer::describe_log_record(opened, 0),
            "link: pairing opened, for a patient device, by device 1 (clinician), valid 5 min");
}

}  // namespace
}  // namespace itdd
