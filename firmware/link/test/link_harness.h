// A paired clinician programmer and an implant, with real cryptography (SodiumCrypto), the
// implant's random source deterministic (FakeRngCrypto), an in-memory StateStore and an event
// recorder; helpers to run handshakes and exchange records, and a snapshot of everything the
// responder keeps so refusal tests can say "nothing changed".
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "itdd/hal/fake_crypto.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/link/initiator.h"
#include "itdd/link/responder.h"

namespace itdd::link::testing {

using Bytes = std::vector<std::uint8_t>;

template <class Array>
Bytes bytes_of(const Array& a) {
  return Bytes(a.begin(), a.end());
}

class MemoryStore final : public StateStore {
 public:
  Status commit(const LinkState& state) override {
    if (failing) return make_error(ErrorCode::kRefused, "store", "flash write failed");
    saved = state;
    ++commits;
    return Status::Ok();
  }
  LinkState saved{};
  std::int64_t commits = 0;
  bool failing = false;
};

class RecordingSink final : public EventSink {
 public:
  void record(const LinkEvent& event) override { events.push_back(event); }
  std::int64_t count(Outcome outcome) const {
    return std::count_if(events.begin(), events.end(),
                         [&](const LinkEvent& e) { return e.outcome == outcome; });
  }
  std::int64_t count(Outcome outcome, Reason reason) const {
    return std::count_if(events.begin(), events.end(), [&](const LinkEvent& e) {
      return e.outcome == outcome && e.reason == reason;
    });
  }
  const LinkEvent& last() const { return events.back(); }
  std::vector<LinkEvent> events;
};

// Everything the responder keeps but its failure counter.
struct Snapshot {
  LinkState state;
  std::optional<SessionInfo> session;
  std::optional<SessionInfo> pending;
  PairingInfo pairing;
  bool operator==(const Snapshot&) const = default;
};

struct Harness {
  host::SodiumCrypto sodium;
  hal::FakeRngCrypto implant_crypto;
  MemoryStore store;
  RecordingSink events;
  LinkState initial{};
  std::optional<Responder> implant;
  hal::KeyPair clinician{};
  hal::KeyPair patient{};
  hal::KeyPair stranger{};
  PeerId clinician_id = kNoPeer;
  PeerId patient_id = kNoPeer;
  ImplantTime now{1'000'000};
  ResponderConfig config{};

  // `seed`: the implant's random source (two harnesses with one seed are one implant twice).
  explicit Harness(const ResponderConfig& c = {}, std::uint64_t seed = 7)
      : implant_crypto(sodium, seed), config(c) {
    EXPECT_TRUE(sodium.ready());
    initial = make_link_state(implant_crypto).value();
    clinician = sodium.generate_key_pair().value();
    patient = sodium.generate_key_pair().value();
    stranger = sodium.generate_key_pair().value();
    clinician_id = provision(initial, clinician.public_key, Role::kClinician, now).value();
    patient_id = provision(initial, patient.public_key, Role::kPatient, now).value();
    store.saved = initial;
    start(initial);
  }

  // (Re)starts the implant from a persisted state, as after a reset.
  void start(const LinkState& state) {
    implant.reset();
    const Status s = Responder::restore_into(implant, state, implant_crypto, store, events, config);
    ASSERT_TRUE(s.ok()) << s.error().field << ": " << s.error().message;
  }

  Initiator initiator(const hal::KeyPair& device) {
    return Initiator(sodium, device, implant->public_key());
  }

  // Hello and Accept; the initiator holds the keys, the implant a pending session.
  Initiator handshake(const hal::KeyPair& device) {
    Initiator i = initiator(device);
    const HelloBytes hello = i.hello().value();
    const Result<AcceptBytes> accept = implant->on_hello(hello, now);
    EXPECT_TRUE(accept.ok()) << (accept.ok() ? "" : accept.error().message);
    if (accept.ok()) EXPECT_TRUE(i.on_accept(accept.value(), now).ok());
    return i;
  }

  Bytes seal(Initiator& i, const Bytes& payload) {
    Bytes out(payload.size() + kRecordOverhead);
    const Result<std::size_t> n = i.seal(payload, out, now);
    EXPECT_TRUE(n.ok());
    return out;
  }
  Bytes seal(const Bytes& payload) {
    Bytes out(payload.size() + kRecordOverhead);
    const Result<std::size_t> n = implant->seal(payload, out, now);
    EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
    return out;
  }

  // The implant opens a record; the plaintext, or nothing.
  std::optional<Bytes> open(const Bytes& record, Received* received = nullptr) {
    Bytes plain(record.size());
    const Result<Received> r = implant->open(record, plain, now);
    if (!r.ok()) return std::nullopt;
    if (received != nullptr) *received = r.value();
    plain.resize(r->size);
    return plain;
  }
  std::optional<Bytes> open(Initiator& i, const Bytes& record) {
    Bytes plain(record.size());
    const Result<Opened> r = i.open(record, plain, now);
    if (!r.ok()) return std::nullopt;
    plain.resize(r->size);
    return plain;
  }

  // A full session: handshake and a first request the implant accepts.
  Initiator connect(const hal::KeyPair& device) {
    Initiator i = handshake(device);
    EXPECT_TRUE(open(seal(i, {0x01})).has_value());
    return i;
  }

  Snapshot snapshot() const {
    return Snapshot{implant->state(), implant->session(), implant->pending(), implant->pairing()};
  }
};

}  // namespace itdd::link::testing
