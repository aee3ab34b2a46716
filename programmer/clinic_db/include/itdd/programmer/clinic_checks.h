// What the clinic database accepts as plausible, as functions of their own so every front end
// (the command line, a dashboard) refuses the same things with the same words. ClinicDb calls
// them itself before it writes (add_patient, add_pump), so no front end can skip them.
//
// Each returns nothing when the value is acceptable, else a host::Refusal (kInvalidArgument) whose
// `field` names the record field and whose message says what is wrong and what is allowed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "itdd/core/units.h"
#include "itdd/programmer/clinic_db.h"

namespace itdd::programmer {

// The longest identifying texts kept, in characters (Unicode code points): long enough for any
// clinic's numbering and a full name, short enough that a pasted paragraph is refused.
inline constexpr std::size_t kMaxMrnChars = 32;
inline constexpr std::size_t kMaxNameChars = 120;
inline constexpr std::size_t kMaxSerialChars = 32;

// The earliest calendar date accepted for a birth or an implant: 1900-01-01 00:00 UTC.
inline constexpr std::int64_t kEarliestDateMs = -2'208'988'800'000;

// An identifying text (name, MRN, serial) shown in lists, reports and on the programmer's
// screen: well-formed UTF-8, not blank, at most `max_chars` characters, and none of the
// characters that change how a line reads without being seen: control characters (C0, DEL, C1:
// tab, line breaks, escape sequences), the Unicode line and paragraph separators, and the
// bidirectional controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) that can make
// "SN-1" display as another serial. `what` says what belongs there ("the patient's name").
std::optional<host::Refusal> check_identifying_text(std::string_view value, const char* field,
                                                    const char* what, std::size_t max_chars);

// A birth or implant date (midnight UTC, epoch ms): not before 1900-01-01 and not after the day
// `now_ms` falls in. `what` names it ("the birth date").
std::optional<host::Refusal> check_past_date(std::int64_t date_ms, std::int64_t now_ms,
                                             const char* field, const char* what);

// The catheter's length and volume within the model's range (both ends included).
std::optional<host::Refusal> check_catheter(std::int64_t length_mm, Volume volume,
                                            const CatheterRange& range, std::string_view model);

// A catheter tip's vertebral level: C1 to C7, T1 to T12 or L1 to L5 ("T10"; a lower-case
// letter is refused rather than guessed).
std::optional<host::Refusal> check_vertebral_level(std::string_view level);

// The clinic's name (one line of visible text, at most 120 characters) and its emergency phone
// (3 to 32 characters of digits, spaces and + - . ( ), at least 3 digits).
std::optional<host::Refusal> check_clinic_contact(const ClinicContact& contact);

// Every check above for a patient, a pump (with its owner's birth date), as add_patient and
// add_pump apply them.
std::optional<host::Refusal> check_patient(const PatientRecord& patient, std::int64_t now_ms);
std::optional<host::Refusal> check_pump(const PumpRecord& pump, const CatheterRange& range,
                                        std::int64_t owner_birth_date_ms, std::int64_t now_ms);

}  // namespace itdd::programmer
