#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "itdd/protocol/frame.h"
#include "test_support.h"

namespace itdd::protocol {
namespace {

using testing::bytes_of;
using testing::encoded_frame;

// What a reassembler gave back for a stream: the frames' payloads and the drop reasons.
struct Taken {
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<FrameType> types;
  std::vector<std::string> errors;  // "field:bytes dropped"
};

void drain(FrameReassembler& r, Taken& taken) {
  // Bounded: every error drops at least one byte and every frame takes at least ten.
  for (std::size_t guard = 0; guard <= kMaxFrameSize + 1; ++guard) {
    Result<std::optional<FrameView>> next = r.next();
    if (!next.ok()) {
      ASSERT_GT(next.error().index, 0) << next.error().field;
      taken.errors.push_back(std::string(next.error().field) + ":" +
                             std::to_string(next.error().index));
      continue;
    }
    if (!next.value().has_value()) return;
    taken.payloads.push_back(bytes_of(next.value()->payload));
    taken.types.push_back(next.value()->type);
  }
  FAIL() << "next() did not settle";
}

// Feeds a whole stream in the given chunk sizes (cycled), draining after each chunk.
Taken reassemble(const std::vector<std::uint8_t>& stream, const std::vector<std::size_t>& chunks) {
  FrameReassembler r;
  Taken taken;
  std::size_t pos = 0;
  std::size_t c = 0;
  while (pos < stream.size()) {
    std::size_t want = chunks.empty() ? stream.size() : chunks[c++ % chunks.size()];
    if (want == 0) want = 1;
    if (want > stream.size() - pos) want = stream.size() - pos;
    std::size_t fed = 0;
    while (fed < want) {
      const std::size_t n =
          r.feed(std::span<const std::uint8_t>(stream.data() + pos + fed, want - fed));
      fed += n;
      drain(r, taken);
    }
    pos += want;
  }
  return taken;
}

void append(std::vector<std::uint8_t>& stream, const std::vector<std::uint8_t>& bytes) {
  stream.insert(stream.end(), bytes.begin(), bytes.end());
}

TEST(Reassembler, OneFrameInOneChunk) {
  const std::vector<std::uint8_t> payload = {1, 2, 3};
  const Taken t = reassemble(encoded_frame(FrameType::kRecord, payload), {});
  ASSERT_EQ(t.payloads.size(), 1u);
  EXPECT_EQ(t.payloads[0], payload);
  EXPECT_EQ(t.types[0], FrameType::kRecord);
  EXPECT_TRUE(t.errors.empty());
}

TEST(Reassembler, WaitsForTheRestOfASplitFrame) {
  const std::vector<std::uint8_t> f = encoded_frame(FrameType::kPairing, {7, 7, 7, 7, 7});
  for (std::size_t split = 1; split < f.size(); ++split) {
    FrameReassembler r;
    ASSERT_EQ(r.feed(std::span<const std::uint8_t>(f.data(), split)), split);
    const auto first = r.next();
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(first.value().has_value()) << split;
    ASSERT_EQ(r.feed(std::span<const std::uint8_t>(f.data() + split, f.size() - split)),
              f.size() - split);
    const auto second = r.next();
    ASSERT_TRUE(second.ok());
    ASSERT_TRUE(second.value().has_value()) << split;
    EXPECT_EQ(second.value()->payload.size(), 5u);
  }
}

TEST(Reassembler, ByteByByteGivesTheSameFrames) {
  std::vector<std::uint8_t> stream;
  append(stream, encoded_frame(FrameType::kHandshake, {1}));
  append(stream, encoded_frame(FrameType::kRecord, {}));
  append(stream, encoded_frame(FrameType::kError, {4, 5, 6}));
  const Taken t = reassemble(stream, {1});
  ASSERT_EQ(t.payloads.size(), 3u);
  EXPECT_EQ(t.types[1], FrameType::kRecord);
  EXPECT_TRUE(t.payloads[1].empty());
  EXPECT_EQ(t.payloads[2], (std::vector<std::uint8_t>{4, 5, 6}));
  EXPECT_TRUE(t.errors.empty());
}

TEST(Reassembler, GarbageBeforeAFrameIsReportedAndSkipped) {
  std::vector<std::uint8_t> stream = {'h', 'e', 'l', 'l', 'o'};
  append(stream, encoded_frame(FrameType::kRecord, {42}));
  const Taken t = reassemble(stream, {});
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0], "frame.magic:5");
  ASSERT_EQ(t.payloads.size(), 1u);
  EXPECT_EQ(t.payloads[0], std::vector<std::uint8_t>{42});
}

TEST(Reassembler, AFalseStartInTheGarbageIsDroppedOnItsCrc) {
  // A magic, a good version and a small length, but no frame: dropped when its CRC fails.
  std::vector<std::uint8_t> stream = {0xA5, 0x1D, kProtocolVersion, 3, 2, 0, 0, 0};
  append(stream, encoded_frame(FrameType::kRecord, {1, 2, 3, 4, 5, 6, 7, 8}));
  const Taken t = reassemble(stream, {});
  ASSERT_EQ(t.payloads.size(), 1u);
  EXPECT_EQ(t.payloads[0].size(), 8u);
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0], "frame.crc:8");
}

TEST(Reassembler, AMagicJustBeforeAFrameDoesNotHideIt) {
  // A5 1D A5 1D 01 ...: the first magic reads as a header of version 0xA5 and is dropped; the
  // real frame starts two bytes later and must be found.
  std::vector<std::uint8_t> stream = {kFrameMagic[0], kFrameMagic[1]};
  append(stream, encoded_frame(FrameType::kRecord, {5}));
  const Taken t = reassemble(stream, {});
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0], "frame.version:2");
  ASSERT_EQ(t.payloads.size(), 1u);
  EXPECT_EQ(t.payloads[0], std::vector<std::uint8_t>{5});
}

TEST(Reassembler, ADamagedFrameIsDroppedAndTheNextOneIsTaken) {
  std::vector<std::uint8_t> damaged = encoded_frame(FrameType::kRecord, {1, 2, 3});
  damaged[7] ^= 0x01;
  std::vector<std::uint8_t> stream = damaged;
  append(stream, encoded_frame(FrameType::kRecord, {9}));
  const Taken t = reassemble(stream, {});
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0], "frame.crc:" + std::to_string(damaged.size()));
  ASSERT_EQ(t.payloads.size(), 1u);
  EXPECT_EQ(t.payloads[0], std::vector<std::uint8_t>{9});
}

TEST(Reassembler, AnotherVersionIsRefusedAndReadingGoesOn) {
  std::vector<std::uint8_t> future = encoded_frame(FrameType::kRecord, {1, 2, 3});
  future[2] = kProtocolVersion + 1;
  testing::seal(future);
  std::vector<std::uint8_t> stream = future;
  append(stream, encoded_frame(FrameType::kRecord, {9}));
  const Taken t = reassemble(stream, {});
  ASSERT_GE(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0].rfind("frame.version:", 0), 0u) << t.errors[0];
  ASSERT_EQ(t.payloads.size(), 1u);
  EXPECT_EQ(t.payloads[0], std::vector<std::uint8_t>{9});
}

TEST(Reassembler, AnOversizeLengthIsRefused) {
  std::vector<std::uint8_t> stream = {0xA5, 0x1D, kProtocolVersion, 3, 0xFF, 0xFF};
  append(stream, encoded_frame(FrameType::kRecord, {9}));
  const Taken t = reassemble(stream, {});
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0], "frame.length:6");
  ASSERT_EQ(t.payloads.size(), 1u);
}

TEST(Reassembler, AnUnknownTypeIsDroppedWhole) {
  std::vector<std::uint8_t> odd = encoded_frame(FrameType::kRecord, {0xA5, 0x1D, 1});
  odd[3] = 0x77;
  testing::seal(odd);
  std::vector<std::uint8_t> stream = odd;
  append(stream, encoded_frame(FrameType::kRecord, {9}));
  const Taken t = reassemble(stream, {});
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0], "frame.type:" + std::to_string(odd.size()));
  ASSERT_EQ(t.payloads.size(), 1u);
}

TEST(Reassembler, NeverStallsWhenFull) {
  // A full buffer of garbage, then the largest frame: feed() takes what fits, next() makes
  // room, and the frame comes out whole.
  std::vector<std::uint8_t> stream(kMaxFrameSize, 0x00);
  std::vector<std::uint8_t> payload(kMaxPayload, 0xA5);
  append(stream, encoded_frame(FrameType::kRecord, payload));
  const Taken t = reassemble(stream, {kMaxFrameSize * 2});
  ASSERT_EQ(t.payloads.size(), 1u);
  EXPECT_EQ(t.payloads[0], payload);
}

TEST(Reassembler, CountsFramesAndDroppedBytesAndResets) {
  FrameReassembler r;
  std::vector<std::uint8_t> stream = {1, 2, 3};
  append(stream, encoded_frame(FrameType::kRecord, {9}));
  EXPECT_EQ(r.feed(stream), stream.size());
  Taken t;
  drain(r, t);
  EXPECT_EQ(r.frames(), 1u);
  EXPECT_EQ(r.dropped_bytes(), 3u);
  EXPECT_EQ(r.buffered(), 0u);
  const std::vector<std::uint8_t> partial = {0xA5, 0x1D, kProtocolVersion};
  r.feed(partial);
  EXPECT_EQ(r.buffered(), 3u);
  r.reset();
  EXPECT_EQ(r.buffered(), 0u);
}

RC_GTEST_PROP(ReassemblerProperties, FramesSplitAcrossAnyChunksComeOutWholeAndInOrder, ()) {
  const auto count = *rc::gen::inRange(1, 6);
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<std::uint8_t> stream;
  for (int i = 0; i < count; ++i) {
    payloads.push_back(*rc::gen::container<std::vector<std::uint8_t>>(
        *rc::gen::inRange<std::size_t>(0, 300), rc::gen::arbitrary<std::uint8_t>()));
    append(stream, encoded_frame(FrameType::kRecord, payloads.back()));
  }
  const auto chunks = *rc::gen::nonEmpty(
      rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(1, 200)));
  const Taken t = reassemble(stream, chunks);
  RC_ASSERT(t.errors.empty());
  RC_ASSERT(t.payloads == payloads);
}

RC_GTEST_PROP(ReassemblerProperties, GarbageBetweenFramesLosesNoFrame, ()) {
  // Garbage of any content between frames; zeros at the end flush a false start that may wait
  // for bytes (a frame header inside the garbage announcing a length).
  const auto count = *rc::gen::inRange(1, 5);
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<std::uint8_t> stream;
  for (int i = 0; i < count; ++i) {
    // Garbage rich in magic and version bytes, so false starts overlap the frames.
    append(stream, *rc::gen::container<std::vector<std::uint8_t>>(
                       *rc::gen::inRange<std::size_t>(0, 40),
                       rc::gen::oneOf(rc::gen::arbitrary<std::uint8_t>(),
                                      rc::gen::element(std::uint8_t{0xA5}, std::uint8_t{0x1D},
                                                       std::uint8_t{kProtocolVersion}))));
    payloads.push_back(*rc::gen::container<std::vector<std::uint8_t>>(
        *rc::gen::inRange<std::size_t>(0, 100), rc::gen::arbitrary<std::uint8_t>()));
    append(stream, encoded_frame(FrameType::kRecord, payloads.back()));
  }
  stream.resize(stream.size() + kMaxFrameSize, 0x00);
  const auto chunks = *rc::gen::nonEmpty(
      rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(1, 500)));
  const Taken t = reassemble(stream, chunks);
  RC_ASSERT(t.payloads == payloads);
}

}  // namespace
}  // namespace itdd::protocol
