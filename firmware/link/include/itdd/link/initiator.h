// The device's ends of the link (clinician programmer, patient device, service tool): the
// Initiator opens and uses an authenticated session with an implant whose static key it knows;
// the PairingDevice pairs a further device with an implant by its one-time code. The same firmware
// rules as the implant's side: no heap, no clock of its own, bytes in and out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/core/time.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/session.h"
#include "itdd/link/wire.h"

namespace itdd::link {

class Initiator {
 public:
  // `own`: this device's static key pair; `implant`: the implant's static public key (from
  // pairing or provisioning).
  Initiator(hal::Crypto& crypto, const hal::KeyPair& own, const PublicKey& implant);
  // Wipes its copy of the device's secret key and any ephemeral secret.
  ~Initiator();
  Initiator(const Initiator&) = default;
  Initiator& operator=(const Initiator&) = default;

  // Starts a handshake (dropping any session) with a fresh ephemeral key: the Hello to send.
  Result<HelloBytes> hello();
  // Checks the implant's Accept (its tag proves the implant holds its static key and saw this
  // Hello) and installs the session. The implant authenticates this device when the first
  // record (the first request) decrypts.
  Status on_accept(hal::ByteView accept, ImplantTime now);

  bool established() const { return session_.active(); }
  std::uint64_t epoch() const { return session_.epoch(); }
  const Session& session() const { return session_; }

  Result<std::size_t> seal(hal::ByteView plaintext, std::span<std::uint8_t> out, ImplantTime now);
  // A kClose record from the implant ends the session (type kClose in the result).
  Result<Opened> open(hal::ByteView record, std::span<std::uint8_t> plaintext, ImplantTime now);
  // Seals a close record and ends the session.
  Result<std::size_t> close(std::span<std::uint8_t> out, ImplantTime now);
  // Ends the session without telling the implant (e.g. the link was lost).
  void drop();

 private:
  hal::Crypto* crypto_;
  hal::KeyPair own_;
  PublicKey implant_;
  hal::KeyPair ephemeral_{};
  bool waiting_ = false;  // a Hello sent, its Accept awaited
  Session session_;
};

// What a device learns from a successful pairing: the implant's static key (to give to an
// Initiator), the role it was paired with and its peer id.
struct Paired {
  PublicKey implant{};
  Role role = Role::kNone;
  PeerId peer = kNoPeer;
  constexpr bool operator==(const Paired&) const = default;
};

class PairingDevice {
 public:
  PairingDevice(hal::Crypto& crypto, const hal::KeyPair& own);
  // Wipes its copy of the device's secret key, the ephemeral secret and the pairing key.
  ~PairingDevice();
  PairingDevice(const PairingDevice&) = default;
  PairingDevice& operator=(const PairingDevice&) = default;

  // Starts pairing with the code the user typed (exactly six decimal digits).
  Result<PairHelloBytes> hello(std::span<const char> code);
  // The implant's PairAccept: the proof to send.
  Result<PairProofBytes> on_accept(hal::ByteView pair_accept);
  // The implant's PairConfirm: proves the implant knew the same code and holds the static key
  // it sent.
  Result<Paired> on_confirm(hal::ByteView pair_confirm);

 private:
  enum class Step : std::uint8_t { kIdle, kHelloSent, kProofSent };
  hal::Crypto* crypto_;
  hal::KeyPair own_;
  Step step_ = Step::kIdle;
  std::array<char, 6> code_{};
  hal::X25519Secret ephemeral_secret_{};
  PublicKey ephemeral_{};
  PublicKey implant_{};
  std::array<std::uint8_t, 32> key_{};
  std::array<std::uint8_t, 32> transcript_{};
};

}  // namespace itdd::link
