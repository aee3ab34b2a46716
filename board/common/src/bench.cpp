#include "itdd/board/bench.h"

#include <array>

#include "itdd/therapy/prescription.h"

namespace itdd::board {
namespace {

constexpr std::size_t kMaxTokens = 8;

// Splits a line at spaces into at most kMaxTokens words; false if there are more.
bool split(std::string_view line, std::array<std::string_view, kMaxTokens>& out,
           std::size_t& count) {
  count = 0;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    if (i == line.size()) break;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ') ++j;
    if (count == out.size()) return false;
    out[count++] = std::string_view(line.data() + i, j - i);
    i = j;
  }
  return true;
}

// A decimal integer, optionally negative, that fits in 64 bits; nothing else.
bool parse_int(std::string_view s, std::int64_t& out) {
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 18) return false;  // 18 digits always fit
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = negative ? -v : v;
  return true;
}

// 64 hexadecimal digits (either case) as 32 bytes; false for anything else.
bool parse_hex32(std::string_view s, std::array<std::uint8_t, 32>& out) {
  if (s.size() != 64) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) return false;
    out[i / 2] = static_cast<std::uint8_t>(i % 2 == 0 ? v << 4 : out[i / 2] | v);
  }
  return true;
}

// Tells what a refusal names, without formatting on the implant beyond joining words.
void send_error(Platform& platform, const Error& e) {
  Line l;
  l << "error " << e.field;
  if (e.index >= 0) l << "[" << e.index << "]";
  l << " code=" << static_cast<std::int64_t>(e.code);
  platform.send_line(l.view());
}

}  // namespace

void Bench::power_up(hal::ResetCause cause, WallTime wall) {
  node_.power_up(cause, wall);
}

std::span<const std::uint8_t> Bench::answer_frame() {
  const std::span<const std::uint8_t> frame = node_.received_frame();
  if (frame.empty()) return {};
  const auto type = static_cast<protocol::FrameType>(frame[3]);
  const std::uint64_t before = ports_.platform.instructions();
  const std::span<const std::uint8_t> reply = node_.answer_frame();
  const std::uint64_t cost = ports_.platform.instructions() - before;
  // Not seeded yet: no radio at all, and nothing on the air answers (nor is counted).
  if (node_.radio() == nullptr) return reply;
  if (type == protocol::FrameType::kHandshake) {
    costs_[static_cast<std::size_t>(WakeupKind::kHello)].add(cost);
  } else if (type == protocol::FrameType::kRecord) {
    costs_[static_cast<std::size_t>(WakeupKind::kRecord)].add(cost);
  } else if (type == protocol::FrameType::kPairing) {
    costs_[static_cast<std::size_t>(WakeupKind::kPairing)].add(cost);
  }
  return reply;
}

void Bench::answer_radio() {
  const FrameReceiver& link = node_.link();
  Line l;
  l << "ok radio ";
  node_.describe_radio(l);
  l << " frames=" << static_cast<std::int64_t>(link.frames())
    << " replies=" << static_cast<std::int64_t>(node_.replies())
    << " refused=" << static_cast<std::int64_t>(link.refused())
    << " dropped_bytes=" << static_cast<std::int64_t>(link.dropped_bytes())
    << " buffer=" << static_cast<std::int64_t>(link.capacity());
  if (link.refused() > 0) l << " last_refused=" << link.last_refusal().field;
  ports_.platform.send_line(l.view());
}

void Bench::seed(std::string_view hex) {
  std::array<std::uint8_t, 32> seed{};
  if (ports_.crypto == nullptr) return refuse("this board has no radio to seed");
  if (!parse_hex32(hex, seed)) {
    return refuse("seed takes the board's 32-byte entropy seed as 64 hexadecimal digits");
  }
  if (ports_.platform.random_seeded()) {
    return refuse("seed: the board was seeded at manufacture; it keeps that seed");
  }
  // A radio that does not start stays off (`radio` says so; the event log says why).
  node_.seed(seed);
  answer_radio();
}

void Bench::provision(std::string_view role_name, std::string_view hex) {
  link::PublicKey key{};
  link::Role role = link::Role::kNone;
  if (role_name == "clinician") role = link::Role::kClinician;
  if (role_name == "patient") role = link::Role::kPatient;
  if (role_name == "service") role = link::Role::kService;
  if (role == link::Role::kNone || !parse_hex32(hex, key)) {
    return refuse(
        "provision takes ROLE KEY: clinician, patient or service, and the device's public key "
        "as 64 hexadecimal digits");
  }
  if (!node_.radio_on()) return refuse("provision: the radio is off (seed the board)");
  const Result<link::PeerId> id = node_.provision(key, role);
  if (!id.ok()) return send_error(ports_.platform, id.error());
  Line l;
  l << "ok provisioned peer=" << static_cast<std::int64_t>(id.value()) << " role=" << role_name;
  ports_.platform.send_line(l.view());
}

void Bench::run_until(ImplantTime end) {
  WakeGuard guard;
  app::Implant& implant = *node_.implant();
  for (;;) {
    ports_.platform.kick_watchdog();
    const ImplantTime now = ports_.platform.now();
    // The radio's own deadlines (session time-outs, the refusal summary) cost next to nothing;
    // they are not counted among the implant's wake-ups.
    if (now <= end) node_.wake_radio(now);
    const ImplantTime wake = node_.next_wake(now);
    if (implant.next_wake() <= now && now <= end) {
      if (guard.allow(now)) {
        const std::int64_t strokes = implant.engine().strokes();
        const std::uint64_t before = ports_.platform.instructions();
        implant.on_wake(now);
        const std::uint64_t cost = ports_.platform.instructions() - before;
        // What the wake-up did: a stroke; else the first of a new day (the daily checks) or
        // hour (records, schedule steps); else something else (alarms, timers).
        WakeupKind kind = WakeupKind::kOther;
        if (implant.engine().strokes() != strokes) {
          kind = WakeupKind::kStroke;
        } else if (last_wake_.ms() / kMillisPerDay != now.ms() / kMillisPerDay) {
          kind = WakeupKind::kDaily;
        } else if (last_wake_.ms() / kMillisPerHour != now.ms() / kMillisPerHour) {
          kind = WakeupKind::kHourly;
        }
        last_wake_ = now;
        costs_[static_cast<std::size_t>(kind)].add(cost);
        ++wakeups_;
        continue;
      }
      ports_.platform.sleep_until(now + Duration(1));
      continue;
    }
    if (now >= end) return;
    ports_.platform.sleep_until(wake < end ? wake : end);
  }
}

void Bench::refuse(std::string_view what) {
  ++refused_;
  Line l;
  l << "error " << what;
  ports_.platform.send_line(l.view());
}

void Bench::answer_cost() {
  static constexpr const char* kNames[] = {"stroke", "daily",  "hourly", "other",
                                           "hello",  "record", "pairing"};
  Line l;
  l << "ok cost";
  for (std::size_t k = 0; k < costs_.size(); ++k) {
    const WakeupCost& c = costs_[k];
    const std::int64_t mean =
        c.count == 0 ? 0 : static_cast<std::int64_t>(c.instructions / c.count);
    l << " " << kNames[k] << "=" << static_cast<std::int64_t>(c.count) << "/" << mean << "/"
      << static_cast<std::int64_t>(c.most);
  }
  l << " stack=" << static_cast<std::int64_t>(ports_.platform.stack_used());
  ports_.platform.send_line(l.view());
}

void Bench::line_too_long() {
  refuse("line longer than 160 characters: a command is one line of at most 160");
}

void Bench::answer_status() {
  const ImplantTime now = ports_.platform.now();
  const engine::TherapyEngine& e = node_.implant()->engine();
  Line l;
  l << "ok now=" << now.ms() << " strokes=" << e.strokes()
    << " sensed=" << static_cast<std::int64_t>(ports_.motor.sensed_strokes())
    << " delivered_nl=" << e.delivered().count() << " missed_nl=" << e.missed().count()
    << " reservoir_nl=" << e.reservoir_remaining().count()
    << " wakeups=" << static_cast<std::int64_t>(wakeups_)
    << " refused=" << static_cast<std::int64_t>(refused_);
  ports_.platform.send_line(l.view());
}

void Bench::dump_log() {
  storage::EventLog& log = node_.implant()->event_log();
  std::array<storage::LogRecord, 8> page{};
  std::uint32_t next = 0;
  std::int64_t total = 0;
  // Oldest first, a page at a time; bounded by the log's capacity.
  for (std::uint32_t pages = 0; pages <= log.capacity() / page.size() + 1; ++pages) {
    ports_.platform.kick_watchdog();
    const Result<std::size_t> n = log.read_from(next, page);
    if (!n.ok()) {
      send_error(ports_.platform, n.error());
      return;
    }
    for (std::size_t i = 0; i < n.value(); ++i) {
      const storage::LogRecord& r = page[i];
      Line l;
      l << "log seq=" << static_cast<std::int64_t>(r.seq) << " at=" << r.at.ms()
        << " code=" << static_cast<std::int64_t>(r.code)
        << " reason=" << static_cast<std::int64_t>(r.reason) << " a=" << r.a << " b=" << r.b;
      ports_.platform.send_line(l.view());
      next = r.seq + 1;
      ++total;
    }
    if (n.value() < page.size()) break;
  }
  Line l;
  l << "ok records=" << total;
  ports_.platform.send_line(l.view());
}

void Bench::handle_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::array<std::string_view, kMaxTokens> t{};
  std::size_t n = 0;
  if (!split(line, t, n)) return refuse("too many words on the line");
  if (n == 0)
    return refuse(
        "empty line: a command is one of status, run-until, refill, prime, "
        "program, stall, power-cut, set-clock, log");
  Platform& p = ports_.platform;
  const std::string_view cmd = t[0];
  std::array<std::int64_t, kMaxTokens> v{};
  // Numeric arguments, where a command takes them, are checked here once.
  const auto numbers = [&](std::size_t first, std::size_t count) {
    if (n != first + count) return false;
    for (std::size_t i = first; i < n; ++i) {
      if (!parse_int(t[i], v[i])) return false;
    }
    return true;
  };
  const ImplantTime now = p.now();
  if (cmd == "status" && n == 1) return answer_status();
  if (cmd == "log" && n == 1) return dump_log();
  if (cmd == "cost" && n == 1) return answer_cost();
  if (cmd == "radio" && n == 1) return answer_radio();
  if (cmd == "seed" && n == 2) return seed(t[1]);
  if (cmd == "provision" && n == 3) return provision(t[1], t[2]);
  if (cmd == "run-until") {
    if (!numbers(1, 1) || v[1] < now.ms()) {
      return refuse("run-until takes one implant time in ms, not before now");
    }
    run_until(ImplantTime(v[1]));
    return answer_status();
  }
  if (cmd == "stall" && n == 2 && (t[1] == "on" || t[1] == "off")) {
    ports_.motor.set_stalled(t[1] == "on");
    return answer_status();
  }
  if (cmd == "power-cut") {
    if (!numbers(1, 1) || v[1] < 0) return refuse("power-cut takes the time off in ms, >= 0");
    p.send_line("ok power cut");
    node_.power_down();
    p.power_cut(Duration(v[1]));     // the target resets here; the host comes back
    ports_.motor = CountingMotor{};  // RAM is gone: the board's counters start again
    wakeups_ = 0;
    refused_ = 0;
    costs_ = {};
    last_wake_ = ImplantTime{};
    return power_up(hal::ResetCause::kPowerOn, WallTime(0));
  }
  if (cmd == "set-clock") {
    if (!numbers(1, 1)) return refuse("set-clock takes the wall time in ms since 1970");
    node_.implant()->set_clock(WallTime(v[1]), now);
    return answer_status();
  }
  if (cmd == "refill") {
    // refill VOLUME_NL DRUG mg|mcg CONCENTRATION_NG_PER_ML LOW_NL
    if (n != 6 || !parse_int(t[1], v[1]) || !parse_int(t[4], v[4]) || !parse_int(t[5], v[5]) ||
        (t[3] != "mg" && t[3] != "mcg") || t[2].size() >= therapy::kDrugNameLength) {
      return refuse("refill takes VOLUME_NL DRUG mg|mcg CONCENTRATION_NG_PER_ML LOW_NL");
    }
    std::array<char, therapy::kDrugNameLength> name{};
    for (std::size_t i = 0; i < t[2].size(); ++i) name[i] = t[2][i];
    app::RefillOrder order;
    order.refill.volume = Volume(v[1]);
    order.refill.drug =
        therapy::make_drug(name.data(), t[3] == "mg" ? DoseUnit::kMilligram : DoseUnit::kMicrogram);
    order.refill.concentration = Concentration(v[4]);
    order.refill.low_reservoir_threshold = Volume(v[5]);
    const Result<engine::BridgePlan> r = node_.implant()->refill(order, now);
    if (!r.ok()) return send_error(p, r.error());
    return answer_status();
  }
  if (cmd == "prime") {
    if (!numbers(1, 1)) return refuse("prime takes the catheter volume in nL");
    const Status s = node_.implant()->prime(Volume(v[1]), now);
    if (!s.ok()) return send_error(p, s.error());
    return answer_status();
  }
  if (cmd == "program") {
    // program DRUG mg|mcg CONCENTRATION_NG_PER_ML DOSE_NG_PER_DAY: a continuous program
    if (n != 5 || !parse_int(t[3], v[3]) || !parse_int(t[4], v[4]) ||
        (t[2] != "mg" && t[2] != "mcg") || t[1].size() >= therapy::kDrugNameLength) {
      return refuse("program takes DRUG mg|mcg CONCENTRATION_NG_PER_ML DOSE_NG_PER_DAY");
    }
    std::array<char, therapy::kDrugNameLength> name{};
    for (std::size_t i = 0; i < t[1].size(); ++i) name[i] = t[1][i];
    const Status s = program_continuous(
        therapy::make_drug(name.data(), t[2] == "mg" ? DoseUnit::kMilligram : DoseUnit::kMicrogram),
        Concentration(v[3]), DoseRate(v[4]), now);
    if (!s.ok()) return send_error(p, s.error());
    return answer_status();
  }
  return refuse(
      "unknown command or wrong arguments: status, log, cost, radio, run-until MS, refill ..., "
      "prime NL, program DRUG UNIT CONC DOSE, stall on|off, power-cut MS, set-clock MS, "
      "seed HEX, provision ROLE KEY");
}

// The prescription is kilobytes (a week of flexible steps): on the stack only while it is
// programmed (this frame, not handle_line's), not held in the bench's RAM.
__attribute__((noinline)) Status Bench::program_continuous(const therapy::Drug& drug,
                                                           Concentration concentration,
                                                           DoseRate dose, ImplantTime now) {
  therapy::Prescription rx{};
  rx.drug = drug;
  rx.concentration = concentration;
  rx.mode = therapy::BasalMode::kContinuous;
  rx.continuous_dose = dose;
  return node_.implant()->program(rx, now);
}

}  // namespace itdd::board
