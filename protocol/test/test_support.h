// Helpers shared by the protocol tests.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "../../firmware/therapy/test/test_prescriptions.h"
#include "itdd/core/result.h"
#include "itdd/protocol/frame.h"
#include "itdd/storage/crc32.h"
#include "itdd/therapy/prescription.h"

namespace itdd::protocol::testing {

inline std::vector<std::uint8_t> bytes_of(std::span<const std::uint8_t> s) {
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

inline std::vector<std::uint8_t> encoded_frame(FrameType type,
                                               const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out(frame_size(payload.size()));
  const Result<std::size_t> n = encode_frame(type, payload, out);
  EXPECT_TRUE(n.ok());
  if (n.ok()) {
    EXPECT_EQ(*n, out.size());
  }
  return out;
}

// Rewrites the CRC of a frame whose header or payload a test changed on purpose.
inline void seal(std::vector<std::uint8_t>& frame) {
  const std::size_t covered = frame.size() - kFrameTrailerSize;
  const std::uint32_t crc = storage::crc32(std::span<const std::uint8_t>(frame.data(), covered));
  for (std::size_t i = 0; i < 4; ++i)
    frame[covered + i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

template <class R>
void expect_error(const R& result, const char* field) {
  ASSERT_FALSE(result.ok()) << "expected an error naming " << field;
  EXPECT_STREQ(result.error().field, field) << result.error().message;
  EXPECT_GT(std::strlen(result.error().message), 0u);
}

// Payload sizes that reach both small frames and the maximum.
inline std::vector<std::uint8_t> gen_payload() {
  const std::size_t size = *rc::gen::oneOf(rc::gen::inRange<std::size_t>(0, 64),
                                           rc::gen::inRange<std::size_t>(0, kMaxPayload + 1),
                                           rc::gen::just(kMaxPayload));
  return *rc::gen::container<std::vector<std::uint8_t>>(size, rc::gen::arbitrary<std::uint8_t>());
}

// Any prescription the implant's types hold: names from a-z, steps within the arrays and within
// what a step holds (`full_days`: every day's 48), other values of any sign.
inline therapy::Prescription gen_prescription_in_the_implants_form(bool full_days) {
  therapy::Prescription rx;
  const auto name_length = *rc::gen::inRange<std::size_t>(0, therapy::kDrugNameLength);
  for (std::size_t i = 0; i < name_length; ++i) {
    rx.drug.name[i] = *rc::gen::inRange('a', static_cast<char>('z' + 1));
  }
  rx.drug.unit = *rc::gen::element(DoseUnit::kMilligram, DoseUnit::kMicrogram);
  rx.concentration = Concentration(*rc::gen::arbitrary<std::int64_t>());
  rx.mode = *rc::gen::element(therapy::BasalMode::kStopped, therapy::BasalMode::kContinuous,
                              therapy::BasalMode::kFlexible);
  rx.continuous_dose = DoseRate(*rc::gen::arbitrary<std::int64_t>());
  rx.flex.per_weekday = *rc::gen::arbitrary<bool>();
  for (therapy::DayProgram& day : rx.flex.days) {
    day.step_count = full_days ? static_cast<std::uint8_t>(therapy::kMaxStepsPerDay)
                               : *rc::gen::inRange<std::uint8_t>(0, therapy::kMaxStepsPerDay + 1);
    for (std::size_t i = 0; i < day.step_count; ++i) {
      day.steps[i] = therapy::testing::flex_step(
          *rc::gen::inRange<std::int32_t>(0, therapy::kMinutesPerDay),
          DoseRate(*rc::gen::inRange<std::int64_t>(0, therapy::FlexStep::kMaxDoseNgPerDay + 1)));
    }
  }
  rx.patient_bolus.enabled = *rc::gen::arbitrary<bool>();
  rx.patient_bolus.dose = DrugAmount(*rc::gen::arbitrary<std::int64_t>());
  rx.patient_bolus.duration = Duration(*rc::gen::arbitrary<std::int64_t>());
  rx.patient_bolus.max_per_24h = *rc::gen::arbitrary<std::uint8_t>();
  rx.patient_bolus.lockout = Duration(*rc::gen::arbitrary<std::int64_t>());
  return rx;
}

}  // namespace itdd::protocol::testing
