// The implant on the emulated board (QEMU mps2-an386): its ports on the board's peripherals,
// the bench on UART1, the link (the implant's radio: protocol/frame.h's frames, as the virtual
// implant takes them over TCP) on UART2. TIMER0 runs free as the implant's clock (25 MHz, its wraps
// counted); TIMER1 is the wake-up alarm the core sleeps (WFI) until; the watchdog's NMI resets the
// board if the loop stops kicking it. The NOR part and the real-time clock's backup domain survive
// a reset.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "cmsdk.h"
#include "itdd/app/radio.h"
#include "itdd/board/bench.h"
#include "itdd/board/board_random.h"
#include "itdd/board/counting_motor.h"
#include "itdd/board/fixed_ports.h"
#include "itdd/board/ram_nvm.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/storage/layout.h"

using namespace itdd;
using namespace itdd::board;
using namespace itdd::board::mps2;

namespace {

// What the real-time clock's battery-backed domain keeps across a reset.
struct Backup {
  std::uint32_t magic;
  std::uint32_t cause;    // hal::ResetCause of the next boot
  std::int64_t clock_ms;  // the implant's clock at the reset (plus the time the power was off)
  // The random source's seed, given at manufacture (the bench's `seed`), and how many times the
  // board has started with it: each start draws from its own stream, so a reset never repeats
  // the random bytes (keys, nonces) of an earlier run.
  std::uint32_t seeded;
  std::uint32_t starts;
  std::uint8_t seed[32];
};
constexpr std::uint32_t kSeededMagic = 0x5EEDED01u;
constexpr std::uint32_t kBackupMagic = 0x1DD0B007u;
extern "C" std::uint8_t __backup_start[], __nor_start[], __nor_size[];
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

class Mps2Platform final : public Platform {
 public:
  ImplantTime now() override {
    if (held_) return held_at_;
    return ImplantTime(base_ms_ + static_cast<std::int64_t>(ticks() / kTicksPerMs));
  }
  void sleep_until(ImplantTime t) override {
    const std::int64_t due_ms = t.ms() - base_ms_;
    if (held_ || due_ms <= 0) return;
    const std::uint64_t due = static_cast<std::uint64_t>(due_ms) * kTicksPerMs;
    const std::uint64_t at = ticks();
    if (at >= due) return;
    const std::uint64_t wait = due - at < kMaxSleepTicks ? due - at : kMaxSleepTicks;
    disable_irq();
    timer1().ctrl = 0;
    timer1().intstatus = 1;
    timer1().reload = 0;
    timer1().value = static_cast<std::uint32_t>(wait);
    timer1().ctrl = 1u | 8u;
    wait_for_interrupt();  // wakes on the pending interrupt even with interrupts masked
    enable_irq();
  }
  void power_cut(Duration off) override {
    backup.magic = kBackupMagic;
    backup.cause = static_cast<std::uint32_t>(hal::ResetCause::kPowerOn);
    backup.clock_ms = now().ms() + off.count();
    scb_aircr() = 0x05FA0004u;  // SYSRESETREQ
    for (;;) {
    }
  }
  // The watchdog takes writes only unlocked; clearing its interrupt reloads its counter.
  // Under `-icount shift=0` the emulator's clock advances one nanosecond per instruction while
  // the core runs, so TIMER0 (40 ns a tick) counts instructions, to 40. On silicon this would be
  // the DWT cycle counter.
  std::uint64_t instructions() override { return ticks() * (1'000'000'000u / kSysclkHz); }
  // The stack was painted at power-up (paint_stack); the lowest word no longer painted is how
  // deep it has been.
  std::uint32_t stack_used() override {
    const std::uint32_t* word = __stack_limit;
    while (word < __stack_top && *word == kStackPaint) ++word;
    return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(__stack_top) -
                                      reinterpret_cast<std::uintptr_t>(word));
  }
  void kick_watchdog() override {
    watchdog().lock = 0x1ACCE551u;
    watchdog().intclr = 1;
    watchdog().lock = 0;
  }
  void send_line(std::string_view line) override {
    for (char c : line) put(c);
    put('\n');
  }
  void seed_random(std::span<const std::uint8_t, 32> seed) override {
    for (std::size_t i = 0; i < seed.size(); ++i) backup.seed[i] = seed[i];
    backup.starts = 0;
    backup.seeded = kSeededMagic;
    install_random_source(seed, 0);
  }
  bool random_seeded() override { return backup.seeded == kSeededMagic; }
  // The reply frame on the link's UART.
  static void send_frame(std::span<const std::uint8_t> frame) {
    for (std::uint8_t b : frame) {
      while (uart2().state & 1u) {
      }
      uart2().data = b;
    }
  }

  // The bench holds the implant's clock while it is not running the implant (a debugger's halt):
  // the timers and the watchdog stop, so the emulator has nothing to wake for.
  void hold() {
    held_at_ = now();
    held_ = true;
    timer0().ctrl = 0;
    timer1().ctrl = 0;
    watchdog().lock = 0x1ACCE551u;
    watchdog().ctrl = 0;
    watchdog().lock = 0;
  }
  void release() {
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
  void set_clock(std::int64_t ms) { held_at_ = ImplantTime(ms); }

 private:
  static void put(char c) {
    while (uart1().state & 1u) {
    }
    uart1().data = static_cast<std::uint8_t>(c);
  }
  std::int64_t base_ms_ = 0;
  ImplantTime held_at_{};
  bool held_ = true;
};

Mps2Platform platform;
CountingMotor motor;
SilentBuzzer buzzer;
NominalPowerSense power_sense;
RamNvm nvm(storage::kImplantFlash, nor());
host::SodiumCrypto crypto;
// The link's one frame buffer: a received frame, then the implant's reply in its place
// (app::ImplantRadio answers in place), sized by the largest frame the implant handles.
std::array<std::uint8_t, app::kLinkBufferSize> link_buffer{};
const app::ImplantConfig config{};
Bench bench({platform, motor, buzzer, nvm, power_sense, &crypto, link_buffer}, config);

// A byte from either UART, whichever has one (the link's first). Checked with interrupts
// masked: a byte arriving between the check and the WFI leaves its interrupt pending, which WFI
// wakes on (unmasked, its handler could run first and the core would sleep on with nothing
// left to wake it).
struct Received {
  bool link;
  std::uint8_t byte;
};
Received read_byte() {
  for (;;) {
    disable_irq();
    const bool link = (uart2().state & 2u) != 0;
    const bool bench_byte = (uart1().state & 2u) != 0;
    if (!link && !bench_byte) wait_for_interrupt();
    enable_irq();
    if (link) return {true, static_cast<std::uint8_t>(uart2().data & 0xFFu)};
    if (bench_byte) return {false, static_cast<std::uint8_t>(uart1().data & 0xFFu)};
  }
}

}  // namespace

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
// bench boots the radio only once seeded): the board stops as a watchdog would stop it, and
// resets.
extern "C" [[noreturn]] void itdd_sodium_abort() {
  backup.magic = kBackupMagic;
  backup.cause = static_cast<std::uint32_t>(hal::ResetCause::kWatchdog);
  backup.clock_ms = platform.now().ms();
  platform.send_line("fatal: the crypto library stopped the board; reset");
  scb_aircr() = 0x05FA0004u;  // SYSRESETREQ
  for (;;) {
  }
}

extern "C" int board_main() {
  paint_stack();
  uart1().bauddiv = 16;
  uart1().ctrl = 1u | 2u | 8u;
  uart2().bauddiv = 16;
  uart2().ctrl = 1u | 2u | 8u;
  nvic_iser0() =
      (1u << kUart1RxIrq) | (1u << kUart2RxIrq) | (1u << kTimer0Irq) | (1u << kTimer1Irq);
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
  bench.power_up(cause, WallTime(0));
  std::array<char, Bench::kMaxLine> line{};
  std::size_t size = 0;
  bool too_long = false;
  for (;;) {
    const Received r = read_byte();
    if (r.link) {
      if (!bench.link_byte(r.byte)) continue;
      // The implant's clock runs while it answers (a frame is handled at its own time, and
      // what it costs is counted).
      platform.release();
      const std::span<const std::uint8_t> reply = bench.answer_frame();
      platform.hold();
      Mps2Platform::send_frame(reply);
      continue;
    }
    const char c = static_cast<char>(r.byte);
    if (c != '\n') {
      // A line longer than the buffer: the rest of it read and dropped, then refused.
      if (size == line.size()) {
        too_long = true;
      } else {
        line[size++] = c;
      }
      continue;
    }
    const std::string_view text(line.data(), size);
    size = 0;
    if (too_long) {
      too_long = false;
      bench.line_too_long();
      continue;
    }
    if (text.starts_with("run-until")) platform.release();
    bench.handle_line(text);
    platform.hold();
  }
}
