// Plausibility checks shared by every front end of the clinic database (see clinic_checks.h).
#include "itdd/programmer/clinic_checks.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "itdd/host/utf8.h"

namespace itdd::programmer {
namespace {

host::Refusal invalid(const char* field, std::string message) {
  return host::Refusal{field, std::move(message), host::RefusalKind::kInvalidArgument};
}

// The code points of well-formed UTF-8 (no overlong forms, no surrogates), or nothing.
std::optional<std::vector<std::uint32_t>> code_points(std::string_view s) {
  std::vector<std::uint32_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const host::Utf8Sequence seq = host::utf8_sequence(s, i);
    if (seq.kind != host::Utf8Sequence::Kind::kValid) return std::nullopt;
    out.push_back(seq.code_point);
    i += seq.length;
  }
  return out;
}

// What an invisible character is, for the message; empty when it is allowed.
std::string kind_of_hidden(std::uint32_t cp) {
  if (cp == '\n' || cp == '\r' || cp == 0x0b || cp == 0x0c || cp == 0x85 || cp == 0x2028 ||
      cp == 0x2029) {
    return "a line break";
  }
  if (cp == '\t') return "a tab";
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return "a control character";
  if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
      (cp >= 0x2066 && cp <= 0x2069)) {
    return "a bidirectional control (it reorders how the text displays)";
  }
  return {};
}

std::string date_text(std::int64_t ms) {
  return utc_date(ms);
}

}  // namespace

std::optional<host::Refusal> check_identifying_text(std::string_view value, const char* field,
                                                    const char* what, std::size_t max_chars) {
  const std::optional<std::vector<std::uint32_t>> cps = code_points(value);
  if (!cps) {
    return invalid(field, fmt::format("{} must be UTF-8 text: retype it", what));
  }
  bool visible = false;
  for (std::size_t i = 0; i < cps->size(); ++i) {
    const std::uint32_t cp = (*cps)[i];
    if (const std::string kind = kind_of_hidden(cp); !kind.empty()) {
      return invalid(field, fmt::format("{} holds {} (U+{:04X}) at character {}: give one line of "
                                        "visible text, without control or bidirectional characters",
                                        what, kind, cp, i + 1));
    }
    if (cp != ' ' && cp != 0xa0 && cp != 0x3000) visible = true;
  }
  if (!visible) return invalid(field, fmt::format("give {}", what));
  if (cps->size() > max_chars) {
    return invalid(field, fmt::format("{} is {} characters long: at most {} are kept", what,
                                      cps->size(), max_chars));
  }
  return std::nullopt;
}

std::optional<host::Refusal> check_past_date(std::int64_t date_ms, std::int64_t now_ms,
                                             const char* field, const char* what) {
  if (date_ms < kEarliestDateMs) {
    return invalid(field, fmt::format("{} {} is before 1900-01-01: give a date from 1900-01-01 "
                                      "to today",
                                      what, date_text(date_ms)));
  }
  // Today (UTC) counts: the last allowed instant is the end of the day `now_ms` falls in.
  const std::int64_t today = now_ms - ((now_ms % kMillisPerDay) + kMillisPerDay) % kMillisPerDay;
  if (date_ms >= today + kMillisPerDay) {
    return invalid(field, fmt::format("{} {} is in the future: give a date from 1900-01-01 to "
                                      "today ({})",
                                      what, date_text(date_ms), date_text(today)));
  }
  return std::nullopt;
}

std::optional<host::Refusal> check_vertebral_level(std::string_view level) {
  // The spine's regions and how many vertebrae each has where a catheter tip may lie.
  struct Region {
    char letter;
    int count;
  };
  static constexpr Region kRegions[] = {{'C', 7}, {'T', 12}, {'L', 5}};
  const auto refuse = [&]() {
    return invalid("vertebral_level",
                   fmt::format("'{}' is not a vertebral level: give one of C1 to C7, T1 to T12 "
                               "or L1 to L5 (e.g. T10)",
                               level.substr(0, 16)));
  };
  if (level.size() < 2 || level.size() > 3) return refuse();
  int number = 0;
  for (std::size_t i = 1; i < level.size(); ++i) {
    if (level[i] < '0' || level[i] > '9') return refuse();
    number = number * 10 + (level[i] - '0');
  }
  if (level[1] == '0') return refuse();
  for (const Region& r : kRegions) {
    if (level[0] == r.letter && number >= 1 && number <= r.count) return std::nullopt;
  }
  return refuse();
}

std::optional<host::Refusal> check_clinic_contact(const ClinicContact& contact) {
  if (auto e =
          check_identifying_text(contact.name, "clinic_name", "the clinic's name", kMaxNameChars)) {
    return e;
  }
  const std::string_view phone = contact.emergency_phone;
  int digits = 0;
  bool allowed = phone.size() >= 3 && phone.size() <= 32;
  for (const char c : phone) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != ' ' && c != '+' && c != '-' && c != '.' && c != '(' && c != ')') {
      allowed = false;
    }
  }
  if (!allowed || digits < 3) {
    return invalid("emergency_phone",
                   "the emergency phone must be 3 to 32 characters of digits, spaces and + - . "
                   "( ), with at least 3 digits (e.g. +33 1 23 45 67 89)");
  }
  return std::nullopt;
}

std::optional<host::Refusal> check_catheter(std::int64_t length_mm, Volume volume,
                                            const CatheterRange& range, std::string_view model) {
  const auto cm = [](std::int64_t mm) { return fmt::format("{}.{} cm", mm / 10, mm % 10); };
  const auto ml = [](Volume v) {
    return fmt::format("{:.3f} mL", static_cast<double>(v.count()) / kNanolitresPerMillilitre);
  };
  if (length_mm < range.min_length_mm || length_mm > range.max_length_mm) {
    return invalid(
        "catheter_length_mm",
        fmt::format("{} is outside the catheter lengths of model {}: from {} to {}", cm(length_mm),
                    model, cm(range.min_length_mm), cm(range.max_length_mm)));
  }
  if (volume < range.min_volume || volume > range.max_volume) {
    return invalid("catheter_volume",
                   fmt::format("{} is outside the catheter volumes of model {}: from {} to {} "
                               "(the volume of the catheter as implanted, after trimming)",
                               volume.count() < 0 ? "a negative volume" : ml(volume), model,
                               ml(range.min_volume), ml(range.max_volume)));
  }
  return std::nullopt;
}

std::optional<host::Refusal> check_patient(const PatientRecord& p, std::int64_t now_ms) {
  if (auto e = check_identifying_text(p.mrn, "mrn", "the medical record number", kMaxMrnChars)) {
    return e;
  }
  if (auto e = check_identifying_text(p.name, "name", "the patient's name", kMaxNameChars)) {
    return e;
  }
  return check_past_date(p.birth_date_ms, now_ms, "birth_date_ms", "the birth date");
}

std::optional<host::Refusal> check_pump(const PumpRecord& p, const CatheterRange& range,
                                        std::int64_t owner_birth_date_ms, std::int64_t now_ms) {
  if (auto e =
          check_identifying_text(p.serial, "serial", "the pump's serial number", kMaxSerialChars)) {
    return e;
  }
  if (auto e = check_past_date(p.implant_date_ms, now_ms, "implant_date_ms", "the implant date")) {
    return e;
  }
  if (p.implant_date_ms < owner_birth_date_ms) {
    return invalid("implant_date_ms",
                   fmt::format("the implant date {} is before the patient's birth date {}: give "
                               "a date from the birth date to today",
                               date_text(p.implant_date_ms), date_text(owner_birth_date_ms)));
  }
  return check_catheter(p.catheter_length_mm, p.catheter_volume, range, p.model);
}

}  // namespace itdd::programmer
