// The random source libsodium draws on, on the board (its randombytes implementation). The
// emulated mps2-an386 has no true random number generator, so the board's entropy is a 32-byte
// seed given to it (by the bench at manufacture, by a test's fixed seed), stretched by
// libsodium's own ChaCha20 generator under a fresh key for every request (BLAKE2b of the seed
// and a counter). It is libsodium's default source in the board's build (its OS sources are left
// out); until a seed is installed, asking it for bytes stops the board (sodium_misuse). A board
// with a TRNG seeds it from that instead.
#pragma once

#include <cstdint>
#include <span>

namespace itdd::board {

// `stream` numbers the board's starts with this seed: each draws keys its own (requests are
// numbered from stream * 2^32), so a reset never repeats an earlier start's bytes.
void install_random_source(std::span<const std::uint8_t, 32> seed, std::uint32_t stream = 0);

}  // namespace itdd::board
