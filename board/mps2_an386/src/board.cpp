// The emulated board (QEMU mps2-an386) both images share (board.h): the implant's ports on the
// board's peripherals. TIMER0 runs free as the implant's clock (25 MHz, its wraps counted); TIMER1
// is the wake-up alarm the core sleeps (WFI) until; the watchdog's NMI resets the board if the
// loop stops kicking it. The NOR part and the real-time clock's backup domain survive a reset.
#include "board.h"

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "cmsdk.h"
#include "itdd/app/radio.h"
#include "itdd/board/board_random.h"
#include "itdd/board/counting_motor.h"
#include "itdd/board/fixed_ports.h"
#include "itdd/board/line.h"
#include "itdd/board/ram_nvm.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/storage/layout.h"

namespace itdd::board::mps2 {
namespace {

// What the real-time clock's battery-backed domain keeps across a reset.
struct Backup {
  std::uint32_t magic;
  std::uint32_t cause;    // hal::ResetCause of the next boot
  std::int64_t clock_ms;  // the implant's clock at the reset (plus the time the power was off)
  // The random source's seed, given at manufacture (the bench's `seed`, the product image's
  // provisioning record), and how many times the board has started with it: each start draws
  // from its own stream, so a reset never repeats the random bytes (keys, nonces) of an earlier
  // run.
  std::uint32_t seeded;
  std::uint32_t starts;
  std::uint8_t seed[32];
};
constexpr std::uint32_t kSeededMagic = 0x5EEDED01u;
constexpr std::uint32_t kBackupMagic = 0x1DD0B007u;
extern "C" std::uint8_t __backup_start[], __nor_start[], __nor_size[], __factory_start[],
    __factory_size[];
Backup& backup = *reinterpret_cast<Backup*>(__backup_start);
std::span<std::uint8_t> nor() {
  static_assert(storage::kImplantFlash.size() <= 1024 * 1024, "the NOR region holds the flash");
  return {__nor_start, storage::kImplantFlash.size()};
}

volatile std::uint32_t timer0_wraps = 0;

extern "C" std::uint32_t __stack_limit[], __stack_top[];
constexpr std::uint32_t kStackPaint = 0x57AC57ACu;
// Fills the unused stack below the caller's frame with a pattern (the stack's high-water mark,
// Mps2Platform::stack_used). Bounded by the linker's stack region.
__attribute__((noinline)) void paint_stack() {
  std::uintptr_t sp = 0;
  __asm volatile("mov %0, sp" : "=r"(sp));
  const std::uintptr_t below = sp - 256;  // well under this frame
  for (std::uint32_t* word = __stack_limit; reinterpret_cast<std::uintptr_t>(word) < below;
       ++word) {
    *word = kStackPaint;
  }
}

// TIMER0 ticks since it was started: its wraps and its down-counter.
// The counter runs 0xFFFFFFFF, ..., 1, 0 and then reloads; it raises its interrupt on reaching
// 0, so 0 is counted as the start of the next period (and may read 0 for a while after the
// interrupt has been taken).
std::uint64_t ticks() {
  disable_irq();
  std::uint32_t value = timer0().value;
  std::uint64_t wraps = timer0_wraps;
  if ((timer0().intstatus & 1u) != 0) {  // wrapped, its interrupt not yet taken
    value = timer0().value;
    ++wraps;
  }
  enable_irq();
  return (wraps << 32) + static_cast<std::uint32_t>(0u - value);
}

void start_clock() {
  timer0().ctrl = 0;
  timer0_wraps = 0;
  timer0().reload = 0xFFFFFFFFu;
  timer0().value = 0xFFFFFFFFu;
  timer0().intstatus = 1;
  timer0().ctrl = 1u | 8u;
}

// Longest sleep: the watchdog (about 171 s to its interrupt) must be kicked well within it.
constexpr std::uint64_t kMaxSleepTicks = 60ull * kSysclkHz;

void put(char c) {
  while (uart1().state & 1u) {
  }
  uart1().data = static_cast<std::uint8_t>(c);
}

CountingMotor motor;
SilentBuzzer buzzer;
NominalPowerSense power_sense;
RamNvm nvm(storage::kImplantFlash, nor());
host::SodiumCrypto crypto;
// The link's one frame buffer: a received frame, then the implant's reply in its place
// (app::ImplantRadio answers in place), sized by the largest frame the implant handles.
std::array<std::uint8_t, app::kLinkBufferSize> link_buffer{};

}  // namespace

Mps2Platform platform;
const app::ImplantConfig config{};

ImplantPorts implant_ports() {
  return {platform, motor, buzzer, nvm, power_sense, &crypto, link_buffer};
}

ImplantTime Mps2Platform::now() {
  if (held_) return held_at_;
  return ImplantTime(base_ms_ + static_cast<std::int64_t>(ticks() / kTicksPerMs));
}

void Mps2Platform::sleep_until(ImplantTime t) {
  const std::int64_t due_ms = t.ms() - base_ms_;
  if (held_ || due_ms <= 0) return;
  const std::uint64_t due = static_cast<std::uint64_t>(due_ms) * kTicksPerMs;
  const std::uint64_t at = ticks();
  if (at >= due) return;
  const std::uint64_t wait = due - at < kMaxSleepTicks ? due - at : kMaxSleepTicks;
  disable_irq();
  // Checked with interrupts masked: a byte arriving after this leaves its interrupt pending,
  // which the WFI wakes on.
  if (wake_on_link_ && link_byte_waiting()) {
    enable_irq();
    return;
  }
  timer1().ctrl = 0;
  timer1().intstatus = 1;
  timer1().reload = 0;
  timer1().value = static_cast<std::uint32_t>(wait);
  timer1().ctrl = 1u | 8u;
  wait_for_interrupt();  // wakes on the pending interrupt even with interrupts masked
  enable_irq();
}

void Mps2Platform::power_cut(Duration off) {
  backup.magic = kBackupMagic;
  backup.cause = static_cast<std::uint32_t>(hal::ResetCause::kPowerOn);
  backup.clock_ms = now().ms() + off.count();
  scb_aircr() = 0x05FA0004u;  // SYSRESETREQ
  for (;;) {
  }
}

// Under `-icount shift=0` the emulator's clock advances one nanosecond per instruction while
// the core runs, so TIMER0 (40 ns a tick) counts instructions, to 40. On silicon this would be
// the DWT cycle counter.
std::uint64_t Mps2Platform::instructions() {
  return ticks() * (1'000'000'000u / kSysclkHz);
}

// The stack was painted at power-up (paint_stack); the lowest word no longer painted is how
// deep it has been.
std::uint32_t Mps2Platform::stack_used() {
  const std::uint32_t* word = __stack_limit;
  while (word < __stack_top && *word == kStackPaint) ++word;
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(__stack_top) -
                                    reinterpret_cast<std::uintptr_t>(word));
}

// The watchdog takes writes only unlocked; clearing its interrupt reloads its counter.
void Mps2Platform::kick_watchdog() {
  watchdog().lock = 0x1ACCE551u;
  watchdog().intclr = 1;
  watchdog().lock = 0;
}

void Mps2Platform::send_line(std::string_view line) {
  for (char c : line) put(c);
  put('\n');
}

void Mps2Platform::seed_random(std::span<const std::uint8_t, 32> seed) {
  for (std::size_t i = 0; i < seed.size(); ++i) backup.seed[i] = seed[i];
  backup.starts = 0;
  backup.seeded = kSeededMagic;
  install_random_source(seed, 0);
}

bool Mps2Platform::random_seeded() {
  return backup.seeded == kSeededMagic;
}

void Mps2Platform::send_frame(std::span<const std::uint8_t> frame) {
  for (std::uint8_t b : frame) {
    while (uart2().state & 1u) {
    }
    uart2().data = b;
  }
}

void Mps2Platform::hold() {
  held_at_ = now();
  held_ = true;
  timer0().ctrl = 0;
  timer1().ctrl = 0;
  watchdog().lock = 0x1ACCE551u;
  watchdog().ctrl = 0;
  watchdog().lock = 0;
}

void Mps2Platform::release() {
  base_ms_ = held_at_.ms();
  start_clock();
  watchdog().lock = 0x1ACCE551u;
  watchdog().load = 0xFFFFFFFFu;
  watchdog().intclr = 1;
  // Its interrupt (the NMI) at the time-out; the NMI records why and resets the board. (The
  // watchdog's own reset output is not used: QEMU 7.2's model raised it without a time-out.)
  watchdog().ctrl = 1u;
  watchdog().lock = 0;
  held_ = false;
}

void Mps2Platform::keep_clock(ImplantTime now) {
  backup.clock_ms = now.ms();
}

bool link_byte_waiting() {
  return (uart2().state & 2u) != 0;
}

std::uint8_t read_link_byte() {
  return static_cast<std::uint8_t>(uart2().data & 0xFFu);
}

std::span<const std::uint8_t> factory_page() {
  return {__factory_start, reinterpret_cast<std::uintptr_t>(__factory_size)};
}

hal::ResetCause start_board(bool bench_input) {
  paint_stack();
  uart1().bauddiv = 16;
  uart1().ctrl = bench_input ? 1u | 2u | 8u : 1u;
  uart2().bauddiv = 16;
  uart2().ctrl = 1u | 2u | 8u;
  nvic_iser0() = (bench_input ? 1u << kUart1RxIrq : 0u) | (1u << kUart2RxIrq) | (1u << kTimer0Irq) |
                 (1u << kTimer1Irq);
  hal::ResetCause cause = hal::ResetCause::kPowerOn;
  if (backup.magic != kBackupMagic) {
    nvm.erase_all();  // a factory-fresh NOR part
    backup.clock_ms = 0;
  } else {
    cause = static_cast<hal::ResetCause>(backup.cause);
  }
  // The clock as the last reset recorded it (a reset the board did not record, such as the
  // emulator's own, resumes from there).
  platform.set_clock(backup.clock_ms);
  if (backup.magic != kBackupMagic) backup.seeded = 0;
  backup.magic = kBackupMagic;
  backup.cause = static_cast<std::uint32_t>(hal::ResetCause::kPowerOn);
  if (platform.random_seeded()) {
    backup.starts = backup.starts + 1;
    install_random_source(std::span<const std::uint8_t, 32>(backup.seed), backup.starts);
  }
  return cause;
}

}  // namespace itdd::board::mps2

using namespace itdd;
using namespace itdd::board;
using namespace itdd::board::mps2;

extern "C" void Timer0_IRQHandler() {
  timer0().intstatus = 1;
  timer0_wraps = timer0_wraps + 1;
}
extern "C" void Timer1_IRQHandler() {
  timer1().intstatus = 1;
  timer1().ctrl = 0;
}
extern "C" void Uart1Rx_IRQHandler() {
  uart1().intstatus = 2;
}
extern "C" void Uart2Rx_IRQHandler() {
  uart2().intstatus = 2;
}
extern "C" void NMI_Handler() {
  // The watchdog's first time-out: the loop stopped kicking it. Keep the clock for the reset
  // the second time-out makes.
  backup.magic = kBackupMagic;
  backup.cause = static_cast<std::uint32_t>(hal::ResetCause::kWatchdog);
  backup.clock_ms = platform.now().ms();
  Line l;
  l << "watchdog: the loop stopped; reset at now=" << backup.clock_ms;
  platform.send_line(l.view());
  scb_aircr() = 0x05FA0004u;  // SYSRESETREQ
  for (;;) {
  }
}

// libsodium's last resort (sodium_misuse, e.g. random bytes asked of an unseeded source: the
// radio boots only once seeded): the board stops as a watchdog would stop it, and resets.
extern "C" [[noreturn]] void itdd_sodium_abort() {
  backup.magic = kBackupMagic;
  backup.cause = static_cast<std::uint32_t>(hal::ResetCause::kWatchdog);
  backup.clock_ms = platform.now().ms();
  platform.send_line("fatal: the crypto library stopped the board; reset");
  scb_aircr() = 0x05FA0004u;  // SYSRESETREQ
  for (;;) {
  }
}
