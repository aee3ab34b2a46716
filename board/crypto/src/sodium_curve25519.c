/* libsodium's Edwards arithmetic (ed25519_ref10.c: the map to the curve, the key conversion)
   and its X25519 (x25519_ref10.c) compiled as one unit. Both include the field arithmetic of
   private/ed25519_ref10_fe_25_5.h as static functions; compiled apart, each object had its own
   copy of the largest ones (fe25519_mul, fe25519_sq: 2.3 KiB of flash twice). Their source is
   unchanged (board/crypto/CMakeLists.txt takes them out of the list it compiles one by one).

   In one unit the linker's --wrap no longer sees X25519's call of ge25519_scalarmult_base (its
   30 KiB table of base-point multiples: sodium_board.c), so the names say it here: the table's
   function is renamed and, called by nothing, dropped by the linker; X25519 calls the board's. */
#define ge25519_scalarmult_base itdd_sodium_unused_table_scalarmult_base
#include "crypto_core/ed25519/ref10/ed25519_ref10.c"
#undef ge25519_scalarmult_base

void __wrap_ge25519_scalarmult_base(ge25519_p3 *h, const unsigned char *a);
#define ge25519_scalarmult_base __wrap_ge25519_scalarmult_base
#include "crypto_scalarmult/curve25519/ref10/x25519_ref10.c"
#undef ge25519_scalarmult_base
