// The registers of the emulated board's peripherals (ARM CMSDK APB timer, UART and watchdog,
// and the Cortex-M system control block), as QEMU's mps2-an386 maps them. Only the board layer
// includes this.
#pragma once

#include <cstdint>

namespace itdd::board::mps2 {

struct CmsdkTimer {
  volatile std::uint32_t ctrl;  // bit 0 enable, bit 3 interrupt enable
  volatile std::uint32_t value;
  volatile std::uint32_t reload;
  volatile std::uint32_t intstatus;  // write 1 to clear
};
struct CmsdkUart {
  volatile std::uint32_t data;
  volatile std::uint32_t state;  // bit 0 TX full, bit 1 RX full, bits 2-3 overruns (write 1)
  volatile std::uint32_t ctrl;   // bit 0 TX enable, bit 1 RX enable, bit 3 RX interrupt enable
  volatile std::uint32_t intstatus;
  volatile std::uint32_t bauddiv;
};
struct CmsdkWatchdog {
  volatile std::uint32_t load;
  volatile std::uint32_t value;
  volatile std::uint32_t ctrl;  // bit 0 interrupt (NMI) enable, bit 1 reset enable
  volatile std::uint32_t intclr;
  volatile std::uint32_t ris;
  volatile std::uint32_t mis;
  std::uint32_t reserved[0x2FA];
  volatile std::uint32_t lock;  // 0x1ACCE551 unlocks
};

inline CmsdkTimer& timer0() {
  return *reinterpret_cast<CmsdkTimer*>(0x40000000u);
}
inline CmsdkTimer& timer1() {
  return *reinterpret_cast<CmsdkTimer*>(0x40001000u);
}
inline CmsdkUart& uart0() {
  return *reinterpret_cast<CmsdkUart*>(0x40004000u);
}
inline CmsdkUart& uart1() {
  return *reinterpret_cast<CmsdkUart*>(0x40005000u);
}
inline CmsdkUart& uart2() {
  return *reinterpret_cast<CmsdkUart*>(0x40006000u);
}
inline CmsdkWatchdog& watchdog() {
  return *reinterpret_cast<CmsdkWatchdog*>(0x40008000u);
}

inline volatile std::uint32_t& nvic_iser0() {
  return *reinterpret_cast<volatile std::uint32_t*>(0xE000E100u);
}
inline volatile std::uint32_t& scb_aircr() {
  return *reinterpret_cast<volatile std::uint32_t*>(0xE000ED0Cu);
}

// Interrupt numbers (QEMU hw/arm/mps2.c, AN385/AN386).
inline constexpr int kUart0RxIrq = 0;
inline constexpr int kUart1RxIrq = 2;
inline constexpr int kUart2RxIrq = 4;
inline constexpr int kTimer0Irq = 8;
inline constexpr int kTimer1Irq = 9;

inline constexpr std::uint32_t kSysclkHz = 25'000'000;
inline constexpr std::uint32_t kTicksPerMs = kSysclkHz / 1000;

inline void disable_irq() {
  __asm volatile("cpsid i" ::: "memory");
}
inline void enable_irq() {
  __asm volatile("cpsie i" ::: "memory");
}
inline void wait_for_interrupt() {
  __asm volatile("wfi" ::: "memory");
}

}  // namespace itdd::board::mps2
