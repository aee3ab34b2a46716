// Interrogation over loopback TCP against an in-process virtual implant running an hour a second:
// round-trip latency (median and p99 as counters), round trips and messages per second, and
// the bytes a full interrogation puts on the wire (request frame + response frame), for an
// empty implant and for the largest answer (a refilled implant with a flexible program of seven
// days of 48 steps and patient boluses). The session benchmark adds the handshake and the close.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "itdd/host/pump_catalog.h"
#include "itdd/programmer/client.h"
#include "itdd/programmer/requests.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd/sim/virtual_implant.h"

namespace {

using namespace itdd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr double kSpeed = 3600;  // an hour a second

const therapy::Drug kMorphine = therapy::make_drug("morphine", DoseUnit::kMilligram);
constexpr Concentration kTenMgPerMl{10'000'000};

// The largest program: 7 days x 48 steps, patient boluses enabled.
// A step of the benchmark's own program, which fits a FlexStep: a refusal is a bug here.
void set_step(therapy::DayProgram& day, std::size_t i, std::int64_t start, DoseRate dose) {
  if (!day.steps[i].set(start, dose)) std::abort();
}

therapy::Prescription largest_program() {
  therapy::Prescription rx;
  rx.drug = kMorphine;
  rx.concentration = kTenMgPerMl;
  rx.mode = therapy::BasalMode::kFlexible;
  rx.flex.per_weekday = true;
  for (std::size_t d = 0; d < 7; ++d) {
    therapy::DayProgram& day = rx.flex.days[d];
    day.step_count = 48;
    for (std::size_t i = 0; i < 48; ++i) {
      set_step(day, i, static_cast<std::int32_t>(i * 30),
               DoseRate(static_cast<std::int64_t>(1'000'000 + 12'345 * i + 1'111 * d)));
    }
  }
  rx.patient_bolus =
      therapy::PatientBolusSettings{true, DrugAmount(100'000), minutes(10), 4, hours(3)};
  return rx;
}

// A virtual implant on its own thread, and a clinician it knows.
struct Bench {
  fs::path dir =
      fs::temp_directory_path() / ("itdd-serve-bench-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(SteadyClock::now().time_since_epoch().count()));
  host::SodiumCrypto crypto;
  hal::KeyPair clinician = crypto.generate_key_pair().value();
  std::unique_ptr<sim::VirtualImplant> implant;
  std::unique_ptr<sim::ServingThread> thread;

  Bench() {
    sim::VirtualImplantOptions o;
    o.state_dir = dir;
    o.catalog = host::PumpCatalog::load(ITDD_PUMP_MODELS_FILE).value();
    o.speed = kSpeed;
    // A session per iteration: the per-key handshake rate (a defence) would refuse the loop.
    o.hello_rate = link::RateLimit{1'000'000'000, milliseconds(1)};
    implant = sim::VirtualImplant::open(o).value();
    (void)implant->provision(clinician.public_key, link::Role::kClinician);
    (void)implant->listen("127.0.0.1", 0).value();
    thread = std::make_unique<sim::ServingThread>(*implant);
  }
  ~Bench() {
    thread.reset();
    implant.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  programmer::Endpoint endpoint() const { return {"127.0.0.1", implant->port()}; }

  // Refill, then the largest program.
  bool fill_and_program_the_largest(programmer::Client& c) {
    const std::uint64_t refill_id = programmer::new_command_id(crypto);
    const Result<protocol::Request> refill =
        programmer::refill_request(refill_id, kMorphine, kTenMgPerMl, millilitres(18));
    if (!refill.ok() ||
        c.command(refill.value(), refill_id).delivery != programmer::Delivery::kApplied) {
      return false;
    }
    const Result<protocol::Response> st = c.call(programmer::interrogate_request());
    if (!st.ok()) return false;
    const std::uint64_t id = programmer::new_command_id(crypto);
    const Result<protocol::Request> program =
        programmer::program_request(id, st->payload.status.prescription_token, largest_program());
    return program.ok() &&
           c.command(program.value(), id).delivery == programmer::Delivery::kApplied;
  }
};

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5));
  return v[i];
}

void report(benchmark::State& state, const std::vector<double>& us, double messages_per_iteration) {
  state.counters["median_us"] = percentile(us, 0.5);
  state.counters["p99_us"] = percentile(us, 0.99);
  state.counters["round_trips/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["messages/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * messages_per_iteration,
                         benchmark::Counter::kIsRate);
}

// One interrogation in an open session; `largest`: with the largest prescription programmed.
void interrogate_round_trip(benchmark::State& state, bool largest) {
  Bench b;
  programmer::TcpTransport tcp;
  if (!tcp.connect(b.endpoint(), 2s).ok()) {
    state.SkipWithError("cannot connect");
    return;
  }
  programmer::Client c(b.crypto, b.clinician, b.implant->public_key(), tcp);
  if (largest && !b.fill_and_program_the_largest(c)) {
    state.SkipWithError("the implant refused the refill or the program");
    return;
  }
  if (!c.call(programmer::interrogate_request()).ok()) {  // the session is open from here on
    state.SkipWithError("no answer");
    return;
  }
  // The bytes of one interrogation: the request frame and the response frame.
  const std::uint64_t sent = tcp.bytes_sent();
  const std::uint64_t received = tcp.bytes_received();
  if (!c.call(programmer::interrogate_request()).ok()) state.SkipWithError("no answer");
  state.counters["request_frame_B"] = static_cast<double>(tcp.bytes_sent() - sent);
  state.counters["response_frame_B"] = static_cast<double>(tcp.bytes_received() - received);
  std::vector<double> us;
  us.reserve(100'000);
  for (auto _ : state) {
    const auto t0 = SteadyClock::now();
    const Result<protocol::Response> r = c.call(programmer::interrogate_request());
    const auto t1 = SteadyClock::now();
    if (!r.ok() || r->result != itdd_ResultCode_RESULT_OK) {
      state.SkipWithError("no answer");
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  report(state, us, 2);
  (void)c.close();
}

void BM_InterrogateRoundTrip_Empty(benchmark::State& state) {
  interrogate_round_trip(state, false);
}
BENCHMARK(BM_InterrogateRoundTrip_Empty)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_InterrogateRoundTrip_LargestProgram(benchmark::State& state) {
  interrogate_round_trip(state, true);
}
BENCHMARK(BM_InterrogateRoundTrip_LargestProgram)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A whole session per iteration: TCP connect, Hello/Accept, interrogate, close.
void BM_SessionConnectInterrogateClose(benchmark::State& state) {
  Bench b;
  std::vector<double> us;
  double bytes = 0;
  for (auto _ : state) {
    const auto t0 = SteadyClock::now();
    programmer::TcpTransport tcp;
    if (!tcp.connect(b.endpoint(), 2s).ok()) {
      state.SkipWithError("cannot connect");
      break;
    }
    programmer::Client c(b.crypto, b.clinician, b.implant->public_key(), tcp);
    const Result<protocol::Response> r = c.call(programmer::interrogate_request());
    const bool closed = c.close().ok();
    const auto t1 = SteadyClock::now();
    if (!r.ok() || !closed) {
      state.SkipWithError("session failed");
      break;
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    bytes = static_cast<double>(tcp.bytes_sent() + tcp.bytes_received());
  }
  report(state, us, 6);  // Hello, Accept, interrogate, status, close, its answer
  state.counters["session_B"] = bytes;
}
BENCHMARK(BM_SessionConnectInterrogateClose)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
