// The frame fuzzer's checked-in seeds stay meaningful: every frame decodes and carries a
// message the schema reads. Regenerate them with make_frame_corpus after a schema change.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "itdd/protocol/frame.h"
#include "itdd/protocol/messages.h"

namespace itdd::protocol {
namespace {

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(f), {});
}

bool is_message(std::span<const std::uint8_t> bytes) {
  return decode_request(bytes).ok() || decode_response(bytes).ok() || decode_link_error(bytes).ok();
}

TEST(FrameCorpus, SeedsDecode) {
  std::size_t frames = 0;
  std::size_t messages = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ITDD_FRAME_CORPUS_DIR)) {
    const std::vector<std::uint8_t> bytes = read_file(entry.path());
    if (entry.path().extension() == ".frame") {
      const Result<FrameView> f = decode_frame(bytes);
      ASSERT_TRUE(f.ok()) << entry.path() << ": " << f.error().field;
      if (f->type == FrameType::kRecord || f->type == FrameType::kError) {
        EXPECT_TRUE(is_message(f->payload)) << entry.path();
      }
      ++frames;
    } else if (entry.path().extension() == ".pb") {
      EXPECT_TRUE(is_message(bytes)) << entry.path();
      ++messages;
    }
  }
  EXPECT_GE(frames, 20u);
  EXPECT_GE(messages, 20u);
}

}  // namespace
}  // namespace itdd::protocol
