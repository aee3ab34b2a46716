// Transitional: the pump catalog moved to host/pump_catalog (host::PumpCatalog). This name is
// kept only for apps/itdd's clinical.cpp while its workflows move into programmer/; delete it
// once nothing includes it.
#pragma once

#include "itdd/host/pump_catalog.h"

namespace itdd::scenario {
using host::PumpCatalog;
using host::PumpModelSpec;
}  // namespace itdd::scenario
