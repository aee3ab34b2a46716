// The board's random source for the crypto tests on the board, installed before anything
// initialises libsodium (the first constructors to run): a fixed seed, as tests need no
// entropy; a board is given its seed at manufacture (board/crypto).
#include <array>
#include <cstdint>
#include <cstdlib>

#include "itdd/board/board_random.h"

namespace {

struct InstallSeed {
  InstallSeed() {
    static constexpr std::array<std::uint8_t, 32> kTestSeed = {
        0x69, 0x74, 0x64, 0x64, 0x2d, 0x74, 0x61, 0x72, 0x67, 0x65, 0x74,
        0x2d, 0x74, 0x65, 0x73, 0x74, 0x2d, 0x73, 0x65, 0x65, 0x64, 0x2d,
        0x6e, 0x6f, 0x74, 0x2d, 0x73, 0x65, 0x63, 0x72, 0x65, 0x74};
    itdd::board::install_random_source(kTestSeed);
  }
};
__attribute__((init_priority(101))) InstallSeed install_seed;

}  // namespace

// libsodium's last resort on the board (board/crypto: its abort renamed, the image forbids
// abort): in a test, the C library's, which semihosting turns into a failed run.
extern "C" [[noreturn]] void itdd_sodium_abort() {
  std::abort();
}
