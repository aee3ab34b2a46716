// Why the processor started: the board's reset-cause register, read once at power-up. A
// brown-out (the cell's voltage sagged below what the electronics need, typically under a motor
// stroke's load) is a battery alarm in itself; a watchdog or power-on reset is not.
#pragma once

#include <cstdint>

namespace itdd::hal {

enum class ResetCause : std::uint8_t {
  kPowerOn,   // first power-up, or power restored after a cut
  kWatchdog,  // the watchdog fired: the firmware stopped answering
  kBrownOut,  // the supply fell below the brown-out threshold
};

}  // namespace itdd::hal
