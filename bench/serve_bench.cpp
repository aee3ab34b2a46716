// Interrogation over loopback TCP against an in-process virtual implant running an hour a second:
// round-trip latency (median and p99 as counters), round trips and messages per second, and
// the bytes a full interrogation puts on the wire (request frame + response frame), for an
// empty implant and for the largest answer (a refilled implant with a flexible program of seven
// days of 48 steps and patient boluses). The session benchmark adds the handshake and the close.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "itdd/programmer/client.h"
#include "itdd/programmer/tcp_transport.h"
#include "itdd/scenario/pump_catalog.h"
#include "itdd/sim/virtual_implant.h"

namespace {

using namespace itdd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr double kSpeed = 3600;  // an hour a second

protocol::Request interrogate() {
  protocol::Request r{};
  r.which_payload = itdd_Request_interrogate_tag;
  return r;
}

void name_drug(itdd_Drug& d) {
  std::strcpy(d.name, "morphine");
  d.unit = itdd_DoseUnit_DOSE_UNIT_MILLIGRAM;
}

// A virtual implant on its own thread, and a clinician it knows.
struct Bench {
  fs::path dir =
      fs::temp_directory_path() / ("itdd-serve-bench-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(SteadyClock::now().time_since_epoch().count()));
  sim::SodiumCrypto crypto;
  hal::KeyPair clinician = crypto.generate_key_pair().value();
  std::unique_ptr<sim::VirtualImplant> implant;
  std::unique_ptr<sim::ServingThread> thread;

  Bench() {
    sim::VirtualImplantOptions o;
    o.state_dir = dir;
    o.catalog = scenario::PumpCatalog::load(ITDD_PUMP_MODELS_FILE);
    o.speed = kSpeed;
    implant = std::make_unique<sim::VirtualImplant>(o);
    (void)implant->provision(clinician.public_key, link::Role::kClinician);
    implant->listen("127.0.0.1", 0);
    thread = std::make_unique<sim::ServingThread>(*implant);
  }
  ~Bench() {
    thread.reset();
    implant.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  programmer::Endpoint endpoint() const { return {"127.0.0.1", implant->port()}; }

  // Refill, then the largest program: 7 days x 48 steps, patient boluses enabled.
  bool fill_and_program_the_largest(programmer::Client& c) {
    protocol::Request refill{};
    refill.which_payload = itdd_Request_refill_tag;
    itdd_Refill& f = refill.payload.refill;
    f.command_id = programmer::new_command_id(crypto);
    f.volume_nl = 18'000'000;
    f.has_drug = true;
    name_drug(f.drug);
    f.concentration_ng_per_ml = 10'000'000;
    if (c.command(refill, f.command_id).delivery != programmer::Delivery::kApplied) return false;
    const Result<protocol::Response> st = c.call(interrogate());
    if (!st.ok()) return false;

    protocol::Request program{};
    program.which_payload = itdd_Request_program_tag;
    itdd_ProgramPrescription& p = program.payload.program;
    p.command_id = programmer::new_command_id(crypto);
    p.replaces_token = st->payload.status.prescription_token;
    p.has_prescription = true;
    itdd_Prescription& rx = p.prescription;
    rx.has_drug = true;
    name_drug(rx.drug);
    rx.concentration_ng_per_ml = 10'000'000;
    rx.mode = itdd_BasalMode_BASAL_MODE_FLEXIBLE;
    rx.has_flex = true;
    rx.flex.per_weekday = true;
    rx.flex.days_count = 7;
    for (pb_size_t d = 0; d < 7; ++d) {
      rx.flex.days[d].steps_count = 48;
      for (pb_size_t s = 0; s < 48; ++s) {
        rx.flex.days[d].steps[s].start_minute = static_cast<std::int32_t>(s * 30);
        rx.flex.days[d].steps[s].dose_ng_per_day = 1'000'000 + 12'345 * s + 1'111 * d;
      }
    }
    rx.has_patient_bolus = true;
    rx.patient_bolus.enabled = true;
    rx.patient_bolus.dose_ng = 100'000;
    rx.patient_bolus.duration_ms = 10 * 60'000;
    rx.patient_bolus.max_per_24h = 4;
    rx.patient_bolus.lockout_ms = 3 * 3'600'000;
    const programmer::CommandResult r = c.command(program, p.command_id);
    return r.delivery == programmer::Delivery::kApplied;
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
  if (!c.call(interrogate()).ok()) {  // the session is open from here on
    state.SkipWithError("no answer");
    return;
  }
  // The bytes of one interrogation: the request frame and the response frame.
  const std::uint64_t sent = tcp.bytes_sent();
  const std::uint64_t received = tcp.bytes_received();
  if (!c.call(interrogate()).ok()) state.SkipWithError("no answer");
  state.counters["request_frame_B"] = static_cast<double>(tcp.bytes_sent() - sent);
  state.counters["response_frame_B"] = static_cast<double>(tcp.bytes_received() - received);
  std::vector<double> us;
  us.reserve(100'000);
  for (auto _ : state) {
    const auto t0 = SteadyClock::now();
    const Result<protocol::Response> r = c.call(interrogate());
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
    const Result<protocol::Response> r = c.call(interrogate());
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
