/* libsodium's Edwards arithmetic (ed25519_ref10.c: the map to the curve), its X25519
   (x25519_ref10.c) and Ed25519's key functions (keypair.c: the Edwards-to-Montgomery key
   conversion the map to the curve ends with) compiled as one unit. All include the field
   arithmetic of private/ed25519_ref10_fe_25_5.h as static functions; compiled apart, each object
   had its own copy of the largest ones (fe25519_mul, fe25519_sq: 2.3 KiB of flash twice; the key
   conversion a third fe25519_mul, 1.3 KiB, inlined). Their source is unchanged
   (board/crypto/CMakeLists.txt takes them out of the list it compiles one by one).

   X25519's public key is the board's (sodium_board.c: the ladder, X25519(n, 9)), never the
   Edwards fixed-base multiplication with its 30 KiB table of base-point multiples, so the names
   say it here. The table's function is renamed and, called by nothing, dropped by the linker.
   X25519's own fixed-base function (crypto_scalarmult_curve25519_ref10_base: the Edwards
   multiplication) is called by nothing either (crypto_scalarmult_curve25519_base is the board's,
   linked with --wrap), but its implementation struct, which the X25519 Diffie-Hellman calls
   through, held it in flash with the Edwards variable-base multiplication it would use
   (ge25519_scalarmult and its helpers, 0.9 KiB): that struct is renamed out of the image, and the
   one below holds the same ladder and, for the fixed base, the board's. Its call of the fixed-base
   multiplication names a function nothing defines, so it cannot come back unseen: the link fails
   if anything kept calls it. */
#define ge25519_scalarmult_base itdd_sodium_unused_table_scalarmult_base
#include "crypto_core/ed25519/ref10/ed25519_ref10.c"
#undef ge25519_scalarmult_base

#define ge25519_scalarmult_base itdd_sodium_no_edwards_fixed_base_multiplication
#define crypto_scalarmult_curve25519_ref10_implementation itdd_sodium_unused_ref10_implementation
#include "crypto_scalarmult/curve25519/ref10/x25519_ref10.c"
#undef crypto_scalarmult_curve25519_ref10_implementation
#undef ge25519_scalarmult_base

#include "crypto_sign/ed25519/ref10/keypair.c"

int __wrap_crypto_scalarmult_curve25519_base(unsigned char *q, const unsigned char *n);

extern struct crypto_scalarmult_curve25519_implementation
    crypto_scalarmult_curve25519_ref10_implementation;
struct crypto_scalarmult_curve25519_implementation
    crypto_scalarmult_curve25519_ref10_implementation = {
        SODIUM_C99(.mult =) crypto_scalarmult_curve25519_ref10,
        SODIUM_C99(.mult_base =) __wrap_crypto_scalarmult_curve25519_base
    };
