// Writes the frame fuzzer's seed corpus (fuzz/corpus/frame/) from real encoded messages:
//   usage: make_frame_corpus DIR
// Each sample request and response as a record frame and as a bare message, the link error as
// an error frame, a stream of frames with garbage between them, and the largest response.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "itdd/protocol/frame.h"
#include "itdd/protocol/messages.h"
#include "sample_messages.h"

namespace {

using namespace itdd::protocol;

template <class Message>
std::vector<std::uint8_t> message_bytes(const Message& m) {
  std::vector<std::uint8_t> out(kMaxPayload);
  const itdd::Result<std::size_t> n = encode(m, out);
  out.resize(n.ok() ? *n : 0);
  return out;
}

std::vector<std::uint8_t> frame_bytes(FrameType type, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out(frame_size(payload.size()));
  const itdd::Result<std::size_t> n = encode_frame(type, payload, out);
  out.resize(n.ok() ? *n : 0);
  return out;
}

bool write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  std::vector<std::uint8_t> stream = {'n', 'o', 'i', 's', 'e'};
  int i = 0;
  for (const Request& r : samples::requests()) {
    const std::vector<std::uint8_t> m = message_bytes(r);
    const std::vector<std::uint8_t> f = frame_bytes(FrameType::kRecord, m);
    ok = ok && write(dir + "/request-" + std::to_string(i) + ".frame", f);
    ok = ok && write(dir + "/request-" + std::to_string(i) + ".pb", m);
    if (i < 4) {
      stream.insert(stream.end(), f.begin(), f.end());
      stream.insert(stream.end(), {0xA5, 0x1D, 0x00});
    }
    ++i;
  }
  i = 0;
  for (const Response& r : samples::responses()) {
    const std::vector<std::uint8_t> m = message_bytes(r);
    ok = ok && write(dir + "/response-" + std::to_string(i) + ".frame",
                     frame_bytes(FrameType::kRecord, m));
    ok = ok && write(dir + "/response-" + std::to_string(i) + ".pb", m);
    ++i;
  }
  const std::vector<std::uint8_t> largest = message_bytes(samples::largest_response());
  ok = ok && write(dir + "/response-largest.frame", frame_bytes(FrameType::kRecord, largest));
  const std::vector<std::uint8_t> link = message_bytes(samples::link_error());
  ok = ok && write(dir + "/link-error.frame", frame_bytes(FrameType::kError, link));
  ok = ok && write(dir + "/link-error.pb", link);
  ok = ok && write(dir + "/handshake.frame", frame_bytes(FrameType::kHandshake, {1, 2, 3, 4}));
  ok = ok && write(dir + "/pairing.frame", frame_bytes(FrameType::kPairing, {}));
  ok = ok && write(dir + "/stream-with-garbage.bin", stream);
  if (!ok) {
    std::fprintf(stderr, "could not write the corpus to %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
