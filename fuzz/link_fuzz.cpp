// libFuzzer harness for the implant's side of the secure link. Each input is a short script of
// operations on one responder that starts paired with a clinician, in a live session, with a
// pairing window open (the same start for every input: the random sources are seeded):
//     op u8 | length u16 LE | that many bytes      (at most 64 operations)
// op % 6: 0 Hello, 1 record, 2 PairHello, 3 PairProof, 4 let time pass (u16 seconds), 5 decode
// a persisted LinkState. Whatever the bytes, nothing may crash, every refusal must name a field
// and say why, the peer table must stay valid, the epoch may move only by an accepted Hello and
// the peer table only by an accepted PairProof.
//
// ITDD_LINK_FUZZ_WRITE_CORPUS=DIR link_fuzz  writes the seed corpus (fuzz/corpus/link/): a
// valid Hello, a valid and a replayed record, a full pairing, a wrong code, and the like.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "itdd/hal/fake_crypto.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/link/initiator.h"
#include "itdd/link/responder.h"

namespace {

using namespace itdd;
using namespace itdd::link;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kImplantSeed = 1000;

class NullStore final : public StateStore {
 public:
  Status commit(const LinkState&) override { return Status::Ok(); }
};

class CheckingSink final : public EventSink {
 public:
  void record(const LinkEvent& e) override {
    if (std::string(name(e.outcome)) == "unknown" || std::string(name(e.reason)) == "unknown") {
      __builtin_trap();
    }
  }
};

struct World {
  host::SodiumCrypto sodium;
  hal::FakeRngCrypto implant_rng{sodium, 11};
  hal::FakeRngCrypto device_rng{sodium, 23};
  NullStore store;
  CheckingSink sink;
  hal::KeyPair clinician{};
  hal::KeyPair stranger{};
  std::optional<Responder> base;
  std::optional<Initiator> programmer;
  PairingCode code{};
  ImplantTime now{1'000'000};

  World() {
    LinkState state = make_link_state(implant_rng).value();
    clinician = device_rng.generate_key_pair().value();
    stranger = device_rng.generate_key_pair().value();
    if (!provision(state, clinician.public_key, Role::kClinician, now).ok()) __builtin_trap();
    base.emplace(Responder::restore(state, implant_rng, store, sink).value());
    programmer.emplace(device_rng, clinician, base->public_key());
    const AcceptBytes accept = base->on_hello(programmer->hello().value(), now).value();
    if (!programmer->on_accept(accept, now).ok()) __builtin_trap();
    Bytes first(kRecordOverhead + 1);
    Bytes plain(first.size());
    if (!programmer->seal(Bytes{0x01}, first, now).ok()) __builtin_trap();
    if (!base->open(first, plain, now).ok()) __builtin_trap();
    code = base->open_pairing(Role::kPatient, now).value();
  }
};

World& world() {
  static World w;
  return w;
}

void check_refusal(const Error& e) {
  if (e.field == nullptr || e.field[0] == '\0' || e.message == nullptr || e.message[0] == '\0') {
    __builtin_trap();
  }
}

bool same_peers(const LinkState& a, const LinkState& b) {
  return a.peers == b.peers && a.next_peer_id == b.next_peer_id && a.identity == b.identity;
}

void append(Bytes& script, std::uint8_t op, const std::uint8_t* data, std::size_t size) {
  script.push_back(op);
  script.push_back(static_cast<std::uint8_t>(size));
  script.push_back(static_cast<std::uint8_t>(size >> 8));
  script.insert(script.end(), data, data + size);
}
template <class Container>
void append(Bytes& script, std::uint8_t op, const Container& c) {
  append(script, op, c.data(), c.size());
}

void write_corpus(const std::string& dir) {
  World& w = world();
  const auto save = [&](const char* name, const Bytes& script) {
    std::ofstream(dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(script.data()),
               static_cast<std::streamsize>(script.size()));
  };
  Bytes s;
  // A paired clinician's new handshake, and a stranger's.
  Initiator again(w.device_rng, w.clinician, w.base->public_key());
  append(s, 0, again.hello().value());
  save("hello-paired", s);
  s.clear();
  Initiator stranger(w.device_rng, w.stranger, w.base->public_key());
  append(s, 0, stranger.hello().value());
  save("hello-stranger", s);
  // The live session's next record, then the same again (a replay), and a close.
  s.clear();
  Bytes record(kRecordOverhead + 5);
  if (!w.programmer->seal(Bytes{1, 2, 3, 4, 5}, record, w.now).ok()) __builtin_trap();
  append(s, 1, record);
  append(s, 1, record);
  save("record-and-replay", s);
  s.clear();
  Bytes close(kRecordOverhead);
  Initiator closer = *w.programmer;
  if (!closer.close(close, w.now).ok()) __builtin_trap();
  append(s, 1, close);
  save("record-close", s);
  // A full pairing with the right code, as the responder will see it (same seeded RNG).
  for (const bool right : {true, false}) {
    s.clear();
    Responder r = *w.base;
    w.implant_rng.reseed(kImplantSeed);
    const hal::KeyPair device = w.device_rng.generate_key_pair().value();
    PairingDevice pairing(w.device_rng, device);
    PairingCode typed = w.code;
    if (!right) typed.digits[0] = typed.digits[0] == '0' ? '1' : '0';
    const PairHelloBytes hello = pairing.hello(typed.digits).value();
    const PairAcceptBytes accept = r.on_pair_hello(hello, w.now).value();
    append(s, 2, hello);
    append(s, 3, pairing.on_accept(accept).value());
    save(right ? "pairing-right-code" : "pairing-wrong-code", s);
  }
  // Time passing (the session and the window expire), then a record; a persisted state.
  s.clear();
  const std::uint8_t hour[] = {0x10, 0x0E};
  append(s, 4, hour, 2);
  append(s, 1, record);
  save("idle-then-record", s);
  s.clear();
  append(s, 5, encode(w.base->state()));
  save("link-state", s);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("ITDD_LINK_FUZZ_WRITE_CORPUS")) {
    write_corpus(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  w.implant_rng.reseed(kImplantSeed);
  Responder r = *w.base;
  ImplantTime now = w.now;
  std::vector<std::uint8_t> plain(kMaxRecordSize);
  std::size_t at = 0;
  for (int step = 0; step < 64 && at + 3 <= size; ++step) {
    const std::uint8_t op = data[at] % 6;
    std::size_t length = static_cast<std::size_t>(data[at + 1]) | (data[at + 2] << 8);
    at += 3;
    if (length > size - at) length = size - at;
    const hal::ByteView bytes(data + at, length);
    at += length;
    const LinkState before = r.state();
    const std::uint64_t handed_out = r.epoch();
    switch (op) {
      case 0: {
        const Result<AcceptBytes> a = r.on_hello(bytes, now);
        if (!a.ok()) check_refusal(a.error());
        // One epoch per answered Hello, always within the block committed before it.
        const std::uint64_t expected = handed_out + (a.ok() ? 1 : 0);
        if (r.epoch() != expected || r.state().epoch < r.epoch() ||
            !same_peers(r.state(), before)) {
          __builtin_trap();
        }
        break;
      }
      case 1: {
        const Result<Received> rec = r.open(bytes, plain, now);
        if (!rec.ok()) {
          check_refusal(rec.error());
        } else if (rec->size + kRecordOverhead != bytes.size()) {
          __builtin_trap();
        } else if (rec->type == RecordType::kData) {
          Bytes reply(rec->size + kRecordOverhead);
          if (r.session().has_value() &&
              !r.seal(hal::ByteView(plain.data(), rec->size), reply, now).ok()) {
            __builtin_trap();
          }
        }
        if (!(r.state() == before)) __builtin_trap();
        break;
      }
      case 2: {
        const Result<PairAcceptBytes> a = r.on_pair_hello(bytes, now);
        if (!a.ok()) check_refusal(a.error());
        if (!(r.state() == before)) __builtin_trap();
        break;
      }
      case 3: {
        const Result<PairConfirmBytes> c = r.on_pair_proof(bytes, now);
        if (!c.ok()) {
          check_refusal(c.error());
          if (!(r.state() == before)) __builtin_trap();
        }
        break;
      }
      case 4: {
        const std::int64_t s = length >= 2 ? (bytes[0] | (bytes[1] << 8)) : 1;
        now = now + seconds(s);
        r.tick(now);
        if (r.next_deadline() < now) __builtin_trap();
        break;
      }
      default: {
        const Result<LinkState> decoded = decode_link_state(bytes, w.sodium);
        if (!decoded.ok()) {
          check_refusal(decoded.error());
        } else if (!validate(decoded.value(), w.sodium).ok() ||
                   !(decode_link_state(encode(decoded.value()), w.sodium).value() ==
                     decoded.value())) {
          __builtin_trap();
        }
        break;
      }
    }
    if (!validate(r.state(), w.sodium).ok()) __builtin_trap();
  }
  return 0;
}
