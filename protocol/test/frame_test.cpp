#include "itdd/protocol/frame.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <vector>

#include "itdd/storage/crc32.h"
#include "test_support.h"

namespace itdd::protocol {
namespace {

using testing::bytes_of;
using testing::encoded_frame;
using testing::expect_error;

TEST(Frame, LayoutIsMagicVersionTypeLengthPayloadCrc) {
  const std::vector<std::uint8_t> payload = {0x01, 0x02, 0x03};
  const std::vector<std::uint8_t> f = encoded_frame(FrameType::kHandshake, payload);
  ASSERT_EQ(f.size(), 6u + 3u + 4u);
  EXPECT_EQ(f[0], 0xA5);
  EXPECT_EQ(f[1], 0x1D);
  EXPECT_EQ(f[2], kProtocolVersion);
  EXPECT_EQ(f[3], 2);  // handshake
  EXPECT_EQ(f[4], 3);  // length, little-endian
  EXPECT_EQ(f[5], 0);
  EXPECT_EQ(f[6], 0x01);
  EXPECT_EQ(f[8], 0x03);
  const std::uint32_t crc = storage::crc32(std::span<const std::uint8_t>(f.data(), 9));
  EXPECT_EQ(f[9], crc & 0xFF);
  EXPECT_EQ(f[10], (crc >> 8) & 0xFF);
  EXPECT_EQ(f[11], (crc >> 16) & 0xFF);
  EXPECT_EQ(f[12], crc >> 24);
}

TEST(Frame, LengthIsLittleEndian) {
  const std::vector<std::uint8_t> payload(0x0123, 0x5A);
  const std::vector<std::uint8_t> f = encoded_frame(FrameType::kRecord, payload);
  EXPECT_EQ(f[4], 0x23);
  EXPECT_EQ(f[5], 0x01);
}

TEST(Frame, EveryTypeAndEdgeSizeRoundTrips) {
  for (const FrameType type :
       {FrameType::kPairing, FrameType::kHandshake, FrameType::kRecord, FrameType::kError}) {
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, kMaxPayload}) {
      std::vector<std::uint8_t> payload(size);
      for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<std::uint8_t>(i * 7 + 1);
      const std::vector<std::uint8_t> f = encoded_frame(type, payload);
      const Result<FrameView> v = decode_frame(f);
      ASSERT_TRUE(v.ok()) << v.error().field << ": " << v.error().message;
      EXPECT_EQ(v->type, type);
      EXPECT_EQ(v->version, kProtocolVersion);
      EXPECT_EQ(v->size, f.size());
      EXPECT_EQ(bytes_of(v->payload), payload);
    }
  }
}

TEST(Frame, EncoderRefusesWhatCannotBeAFrame) {
  std::vector<std::uint8_t> out(kMaxFrameSize + 1);
  const std::vector<std::uint8_t> too_big(kMaxPayload + 1);
  expect_error(encode_frame(FrameType::kRecord, too_big, out), "frame.length");
  expect_error(encode_frame(static_cast<FrameType>(0), {}, out), "frame.type");
  expect_error(encode_frame(static_cast<FrameType>(5), {}, out), "frame.type");
  std::vector<std::uint8_t> small(kFrameOverhead + 2);
  const std::vector<std::uint8_t> three = {1, 2, 3};
  const Result<std::size_t> r = encode_frame(FrameType::kRecord, three, small);
  expect_error(r, "frame");
  EXPECT_EQ(r.error().code, ErrorCode::kCapacity);
}

TEST(Frame, EncoderTakesAPayloadAlreadyInPlace) {
  std::vector<std::uint8_t> buffer(kFrameOverhead + 4);
  const std::vector<std::uint8_t> payload = {9, 8, 7, 6};
  std::memcpy(buffer.data() + kFrameHeaderSize, payload.data(), payload.size());
  const Result<std::size_t> n =
      encode_frame(FrameType::kRecord,
                   std::span<const std::uint8_t>(buffer.data() + kFrameHeaderSize, 4), buffer);
  ASSERT_TRUE(n.ok());
  const Result<FrameView> v = decode_frame(buffer);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(bytes_of(v->payload), payload);
}

TEST(Frame, DecoderNamesWhatIsWrong) {
  const std::vector<std::uint8_t> good = encoded_frame(FrameType::kRecord, {1, 2, 3, 4});

  std::vector<std::uint8_t> f = good;
  f[0] = 0x00;
  expect_error(decode_frame(f), "frame.magic");
  f = good;
  f[1] = 0xFF;
  expect_error(decode_frame(f), "frame.magic");

  f = good;
  f[2] = kProtocolVersion + 1;
  const Result<FrameView> version = decode_frame(f);
  expect_error(version, "frame.version");
  EXPECT_EQ(version.error().code, ErrorCode::kMismatch);

  // Truncated: every proper prefix of a frame.
  for (std::size_t n = 0; n < good.size(); ++n) {
    const Result<FrameView> r = decode_frame(std::span<const std::uint8_t>(good.data(), n));
    EXPECT_FALSE(r.ok()) << n;
    if (n >= 2) {
      EXPECT_STREQ(r.error().field, "frame.size") << n;
    }
  }

  f = good;
  f.push_back(0);
  expect_error(decode_frame(f), "frame.length");  // bytes after the frame

  f = good;
  f[6] ^= 0x10;
  expect_error(decode_frame(f), "frame.crc");
  f = good;
  f.back() ^= 0x80;
  expect_error(decode_frame(f), "frame.crc");
}

TEST(Frame, DecoderRefusesALengthOverTheMaximum) {
  std::vector<std::uint8_t> f = {0xA5, 0x1D, kProtocolVersion, 3, 0, 0};
  const std::size_t length = kMaxPayload + 1;
  f[4] = static_cast<std::uint8_t>(length);
  f[5] = static_cast<std::uint8_t>(length >> 8);
  f.resize(6 + length + 4);
  testing::seal(f);
  expect_error(decode_frame(f), "frame.length");
}

TEST(Frame, DecoderRefusesAnUnknownTypeWithAGoodCrc) {
  std::vector<std::uint8_t> f = encoded_frame(FrameType::kRecord, {1, 2});
  for (const std::uint8_t type : {0, 5, 0xFF}) {
    f[3] = type;
    testing::seal(f);
    expect_error(decode_frame(f), "frame.type");
  }
}

RC_GTEST_PROP(FrameProperties, EncodeThenDecodeIsIdentity, ()) {
  const auto type = static_cast<FrameType>(*rc::gen::inRange(1, 5));
  const auto payload = testing::gen_payload();
  const std::vector<std::uint8_t> f = encoded_frame(type, payload);
  RC_ASSERT(f.size() == frame_size(payload.size()));
  const Result<FrameView> v = decode_frame(f);
  RC_ASSERT(v.ok());
  RC_ASSERT(v->type == type);
  RC_ASSERT(v->size == f.size());
  RC_ASSERT(bytes_of(v->payload) == payload);
}

RC_GTEST_PROP(FrameProperties, AnySingleBitFlipIsRejected, ()) {
  const auto type = static_cast<FrameType>(*rc::gen::inRange(1, 5));
  const auto payload = testing::gen_payload();
  std::vector<std::uint8_t> f = encoded_frame(type, payload);
  const std::size_t bit = *rc::gen::inRange<std::size_t>(0, f.size() * 8);
  f[bit / 8] = static_cast<std::uint8_t>(f[bit / 8] ^ (1u << (bit % 8)));
  const Result<FrameView> v = decode_frame(f);
  RC_ASSERT(!v.ok());
  RC_ASSERT(std::strlen(v.error().message) > 0);
}

}  // namespace
}  // namespace itdd::protocol
