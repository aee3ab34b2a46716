// The secure link's cost with libsodium on the host: complete handshakes per second (Hello,
// Accept with the epoch commit, the initiator's check, and the first record that authenticates
// it), and records per second (seal on one side and open on the other, 64 and 1024 bytes).
#include <benchmark/benchmark.h>

#include <vector>

#include "itdd/host/sodium_crypto.h"
#include "itdd/link/initiator.h"
#include "itdd/link/responder.h"

namespace {

using namespace itdd;
using namespace itdd::link;

struct NullStore final : StateStore {
  Status commit(const LinkState&) override { return Status::Ok(); }
};
struct NullSink final : EventSink {
  void record(const LinkEvent&) override {}
};

struct Pair {
  host::SodiumCrypto crypto;
  NullStore store;
  NullSink sink;
  hal::KeyPair programmer_keys = crypto.generate_key_pair().value();
  LinkState state = [this] {
    LinkState s = make_link_state(crypto).value();
    (void)provision(s, programmer_keys.public_key, Role::kClinician, ImplantTime(0));
    return s;
  }();
  // The per-key handshake rate (a defence, docs/threat-model.md 5.5) would refuse a benchmark
  // loop; the work measured is the handshake's.
  ResponderConfig config = [] {
    ResponderConfig c;
    c.hello_rate = RateLimit{1'000'000'000, milliseconds(1)};
    return c;
  }();
  Responder implant = Responder::restore(state, crypto, store, sink, config).value();
  Initiator programmer{crypto, programmer_keys, implant.public_key()};
  ImplantTime now{0};

  bool handshake() {
    const Result<HelloBytes> hello = programmer.hello();
    const Result<AcceptBytes> accept = implant.on_hello(hello.value(), now);
    if (!accept.ok() || !programmer.on_accept(accept.value(), now).ok()) return false;
    std::uint8_t record[kRecordOverhead + 1];
    std::uint8_t plain[1];
    const std::uint8_t request[1] = {1};
    return programmer.seal(request, record, now).ok() && implant.open(record, plain, now).ok();
  }
};

void BM_LinkHandshake(benchmark::State& state) {
  Pair p;
  for (auto _ : state) {
    if (!p.handshake()) state.SkipWithError("handshake failed");
    p.now = p.now + milliseconds(1);
  }
  state.counters["handshakes/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LinkHandshake)->Unit(benchmark::kMicrosecond);

void BM_LinkRecordRoundTrip(benchmark::State& state) {
  Pair p;
  if (!p.handshake()) state.SkipWithError("handshake failed");
  const std::vector<std::uint8_t> payload(static_cast<std::size_t>(state.range(0)), 0x5A);
  std::vector<std::uint8_t> record(payload.size() + kRecordOverhead);
  std::vector<std::uint8_t> plain(payload.size());
  for (auto _ : state) {
    // One record each way: the programmer's request, the implant's reply.
    if (!p.programmer.seal(payload, record, p.now).ok() ||
        !p.implant.open(record, plain, p.now).ok() ||
        !p.implant.seal(payload, record, p.now).ok() ||
        !p.programmer.open(record, plain, p.now).ok()) {
      state.SkipWithError("record failed");
    }
  }
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(2 * state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(2 * state.iterations() * state.range(0));
}
BENCHMARK(BM_LinkRecordRoundTrip)->Arg(64)->Arg(1024)->Unit(benchmark::kMicrosecond);

}  // namespace
