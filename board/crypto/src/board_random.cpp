#include "itdd/board/board_random.h"

#include <sodium.h>

#include <array>
#include <cstring>

namespace itdd::board {
namespace {

std::array<std::uint8_t, 32> seed_key{};
std::uint64_t requests = 0;
bool seeded = false;

const char* source_name() {
  return "itdd-board-seeded-chacha20";
}

void fill(void* out, std::size_t size) {
  // Never a key from an unseeded source: libsodium's own misuse handler stops the board.
  if (!seeded) sodium_misuse();
  // A key of its own for every request, so no two requests share a ChaCha20 key stream.
  std::array<std::uint8_t, 8> counter{};
  std::memcpy(counter.data(), &requests, counter.size());
  ++requests;
  std::array<std::uint8_t, randombytes_SEEDBYTES> key{};
  crypto_generichash(key.data(), key.size(), counter.data(), counter.size(), seed_key.data(),
                     seed_key.size());
  randombytes_buf_deterministic(out, size, key.data());
  sodium_memzero(key.data(), key.size());
}

std::uint32_t random_word() {
  std::uint32_t word = 0;
  fill(&word, sizeof(word));
  return word;
}

}  // namespace
}  // namespace itdd::board

// libsodium's default source, the one its sysrandom file (left out of the board's build) would
// define: the board's.
// (Declared extern "C" by <sodium.h>.)
randombytes_implementation randombytes_sysrandom_implementation = {
    itdd::board::source_name,
    itdd::board::random_word,
    nullptr,
    nullptr,
    itdd::board::fill,
    nullptr,
};

namespace itdd::board {

void install_random_source(std::span<const std::uint8_t, 32> seed, std::uint32_t stream) {
  std::memcpy(seed_key.data(), seed.data(), seed_key.size());
  requests = static_cast<std::uint64_t>(stream) << 32;
  seeded = true;
  randombytes_set_implementation(&randombytes_sysrandom_implementation);
}

}  // namespace itdd::board
