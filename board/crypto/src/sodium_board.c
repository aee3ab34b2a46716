/* What the board's libsodium leaves out, and what takes its place (linked with
   -Wl,--wrap=sodium_init -Wl,--wrap=crypto_scalarmult_curve25519_base:
   board/crypto/CMakeLists.txt).

   - sodium_init: on a PC it picks implementations for the CPU's instruction sets (argon2,
     BLAKE2b, Poly1305, X25519, ChaCha20, Salsa20), stirs the OS random source and sets up
     guarded allocation. The board's build has only the portable C implementations, which are
     libsodium's static defaults already, its random source is the board's (board_random.cpp,
     installed by the board), and nothing is allocated: so initialising is nothing to do, and
     the pickers (which would link argon2 and Salsa20, unused) stay out of the image.
   - X25519's fixed-base multiplication (crypto_scalarmult_base: a key pair, an ephemeral):
     libsodium's goes through Ed25519's, fast by a 30 KiB table of multiples of the base point, a
     quarter of the flash budget. Here it is the Montgomery ladder (below). */
#include "crypto_scalarmult_curve25519.h"

int __wrap_sodium_init(void);

int __wrap_sodium_init(void)
{
    return 0;
}

/* X25519's public key, X25519(n, 9) (RFC 7748, 6.1), by the Montgomery ladder that every
   Diffie-Hellman of the link runs already (crypto_scalarmult_curve25519) instead of the Edwards
   multiplication: the same bytes, and the deepest stack of the image 4 KiB shallower
   (ge25519_scalarmult keeps a 4 KiB table of multiples of the point on the stack; the ladder
   about 0.4 KiB: docs/footprint.md). The ladder's own refusals cannot happen here: 9 is no
   point of small order, and a clamped scalar times the base point is never zero. */
int __wrap_crypto_scalarmult_curve25519_base(unsigned char *q, const unsigned char *n);

static const unsigned char montgomery_base_point[32] = { 9 };

int __wrap_crypto_scalarmult_curve25519_base(unsigned char *q, const unsigned char *n)
{
    return crypto_scalarmult_curve25519(q, n, montgomery_base_point);
}
