// Helpers shared by the protocol tests.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/protocol/frame.h"
#include "itdd/storage/crc32.h"

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

}  // namespace itdd::protocol::testing
