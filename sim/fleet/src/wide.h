// 128-bit integers for products of two 64-bit counts (a dose times a volume scale, a word times
// a bound), which must not overflow nor go through a double.
#pragma once

namespace itdd::sim::fleet {
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;
}  // namespace itdd::sim::fleet
