// Start-up and vector table of the emulated board: the reset handler copies initialised data
// from flash, clears the rest, runs the static constructors and calls the board's program. Every
// exception and interrupt the board does not use stops in a loop, where the watchdog resets the
// board.
#include <cstdint>

extern "C" {
extern std::uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern std::uint32_t __stack_top[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
// The board's program (main.cpp); ISO C++ forbids calling main() itself.
int board_main();

[[noreturn]] void Reset_Handler() {
  // Bounded by the linker's section sizes.
  for (std::uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (std::uint32_t* dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  for (void (**ctor)() = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
  board_main();
  for (;;) __asm volatile("wfi");
}

// The firmware never exits, so the destructors of its static objects never run: nothing is
// registered for them (the C++ ABI's hook, without which the toolchain pulls in its exit code).
void* __dso_handle = nullptr;
int __aeabi_atexit(void*, void (*)(void*), void*) {
  return 0;
}

void Default_Handler() {
  for (;;) {
  }
}

void NMI_Handler() __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler() __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler() __attribute__((weak, alias("Default_Handler")));
void BusFault_Handler() __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler() __attribute__((weak, alias("Default_Handler")));
void SVC_Handler() __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler() __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler() __attribute__((weak, alias("Default_Handler")));
void Uart0Rx_IRQHandler() __attribute__((weak, alias("Default_Handler")));
void Uart1Rx_IRQHandler() __attribute__((weak, alias("Default_Handler")));
void Uart2Rx_IRQHandler() __attribute__((weak, alias("Default_Handler")));
void Timer0_IRQHandler() __attribute__((weak, alias("Default_Handler")));
void Timer1_IRQHandler() __attribute__((weak, alias("Default_Handler")));

using Handler = void (*)();
// 16 system exceptions, then the board's 32 interrupts (only those it uses are named).
__attribute__((section(".vectors"), used)) const Handler vector_table[16 + 32] = {
    reinterpret_cast<Handler>(__stack_top),
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    SVC_Handler,
    nullptr,
    nullptr,
    PendSV_Handler,
    SysTick_Handler,
    // IRQ 0: UART0 RX, 1: UART0 TX, 2: UART1 RX, 3: UART1 TX, 4: UART2 RX, ..., 8: TIMER0,
    // 9: TIMER1
    Uart0Rx_IRQHandler,
    Default_Handler,
    Uart1Rx_IRQHandler,
    Default_Handler,
    Uart2Rx_IRQHandler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Timer0_IRQHandler,
    Timer1_IRQHandler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
    Default_Handler,
};
}
