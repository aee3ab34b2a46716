// Transitional: libsodium's hal::Crypto moved to host/crypto (host::SodiumCrypto). This name is
// kept only for apps/itdd's programmer.cpp and therapy.cpp while their workflows move into
// programmer/; delete it once nothing includes it.
#pragma once

#include "itdd/host/sodium_crypto.h"

namespace itdd::sim {
using SodiumCrypto = host::SodiumCrypto;
}  // namespace itdd::sim
