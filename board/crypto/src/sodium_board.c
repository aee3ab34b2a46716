/* What the board's libsodium leaves out, and what takes its place (linked with
   -Wl,--wrap=sodium_init -Wl,--wrap=ge25519_scalarmult_base: board/crypto/CMakeLists.txt).

   - sodium_init: on a PC it picks implementations for the CPU's instruction sets (argon2,
     BLAKE2b, Poly1305, X25519, ChaCha20, Salsa20), stirs the OS random source and sets up
     guarded allocation. The board's build has only the portable C implementations, which are
     libsodium's static defaults already, its random source is the board's (board_random.cpp,
     installed by the board), and nothing is allocated: so initialising is nothing to do, and
     the pickers (which would link argon2 and Salsa20, unused) stay out of the image.
   - ge25519_scalarmult_base, the fixed-base multiplication X25519's public key goes through
     (crypto_scalarmult_base: a key pair, an ephemeral): libsodium's is fast by a 30 KiB table of
     multiples of the base point, a quarter of the flash budget. Here the same product comes
     from libsodium's own constant-time variable-base multiplication (ge25519_scalarmult, as
     crypto_scalarmult_ed25519 uses) with the base point: the same point, the same bytes, a few
     times the instructions (docs/footprint.md), no table. Checked on the board by the port's
     RFC 7748 key-pair vectors and the link's handshakes (target_sodium_crypto_test,
     target_link_test). */
#include "crypto_scalarmult_curve25519.h"
#include "private/ed25519_ref10.h"

int __wrap_sodium_init(void);
void __wrap_ge25519_scalarmult_base(ge25519_p3 *h, const unsigned char *a);

int __wrap_sodium_init(void)
{
    return 0;
}

/* Ed25519's base point B, encoded (y = 4/5, x positive): RFC 8032, 5.1. */
static const unsigned char base_point[32] = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66
};

void __wrap_ge25519_scalarmult_base(ge25519_p3 *h, const unsigned char *a)
{
    ge25519_p3 b;

    /* The encoding is a constant that decodes; the check is libsodium's own. */
    (void) ge25519_frombytes(&b, base_point);
    ge25519_scalarmult(h, a, &b);
}

/* X25519's public key, X25519(n, 9) (RFC 7748, 6.1), by the Montgomery ladder that every
   Diffie-Hellman of the link runs already (crypto_scalarmult_curve25519) instead of the Edwards
   multiplication above: the same bytes, and the deepest stack of the image 4 KiB shallower
   (ge25519_scalarmult keeps a 4 KiB table of multiples of the point on the stack; the ladder
   about 0.4 KiB: docs/footprint.md). The ladder's own refusals cannot happen here: 9 is no
   point of small order, and a clamped scalar times the base point is never zero. */
int __wrap_crypto_scalarmult_curve25519_base(unsigned char *q, const unsigned char *n);

static const unsigned char montgomery_base_point[32] = { 9 };

int __wrap_crypto_scalarmult_curve25519_base(unsigned char *q, const unsigned char *n)
{
    return crypto_scalarmult_curve25519(q, n, montgomery_base_point);
}
