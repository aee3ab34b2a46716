// The implant's radio side: whole frames in, reply frames out. It joins the secure link
// (firmware/link: handshake, records, pairing, backoff), the wire (protocol/: frames and
// messages) and the command layer (commands.h) to the implant. A board calls on_frame() for
// each frame its radio driver delimits (protocol::FrameReassembler) and sends back what it
// writes; the virtual implant does the same over TCP.
//
//   frame type   from the device           reply
//   handshake    Hello                     Accept, or an error frame (refused)
//   record       a Request, sealed         the Response, sealed; nothing for a close record
//   pairing      PairHello / PairProof     PairAccept / PairConfirm, or an error frame
//   error        (ignored)                 -
//   damaged, or another version            an error frame naming what this implant speaks
//
// The link's state (identity keys, paired devices, session epoch) lives in its own two flash
// copies, committed before any reply that depends on it. Every link event goes to the implant's
// event log with its reason and device (peer id, and the claimed key's first bytes for a
// stranger). What an outsider can cause at will (refusals, lockouts, pairing answers) is
// budgeted: 10 records at once, then one every 5 minutes; beyond that it is counted by kind and
// reason and summarised once an hour (an attacker must not be able to flush the log by
// flooding the radio). Error frames are sent only when the link says so (firmware/link README:
// silence in a lockout and toward strangers beyond a small budget).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "itdd/app/commands.h"
#include "itdd/app/implant.h"
#include "itdd/hal/crypto.h"
#include "itdd/hal/nvm.h"
#include "itdd/link/responder.h"
#include "itdd/protocol/frame.h"
#include "itdd/protocol/implant_bounds.h"
#include "itdd/protocol/messages.h"
#include "itdd/storage/settings_store.h"

namespace itdd::app {

static_assert(protocol::kMaxMessageSize <= link::kMaxRecordPayload,
              "every message must fit one sealed record");
static_assert(link::kMaxRecordSize <= protocol::kMaxPayload,
              "every sealed record must fit one frame");

// The largest frames the implant handles: a sealed Request in, a sealed answer out, each at the
// implant's own bound (protocol/implant_bounds.h: a prescription's steps as therapy::FlexStep
// holds them), 3,883 B and 4,391 B. A board's one link buffer holds the larger; a frame longer
// than that is no request this implant reads: the board's receiver refuses it ("frame.length"),
// and on_frame() does not read one.
inline constexpr std::size_t kMaxRequestFrameSize =
    protocol::frame_size(link::kRecordOverhead + protocol::kMaxImplantRequestSize);
inline constexpr std::size_t kMaxReplyFrameSize =
    protocol::frame_size(link::kRecordOverhead + protocol::kMaxImplantAnswerSize);
inline constexpr std::size_t kLinkBufferSize =
    kMaxRequestFrameSize > kMaxReplyFrameSize ? kMaxRequestFrameSize : kMaxReplyFrameSize;
static_assert(kLinkBufferSize <= protocol::kMaxFrameSize);

// Link log codes (kLinkLogCodeFirst + link::Outcome); reason = link::Reason, a = peer id (0:
// none or not paired), b = the event's value: the epoch for sessions, lockout ms (a lockout of
// device a; 0: of pairing), and for refusals and pairing answers the claimed key's first 7
// bytes (link::key_id; 0: none).
// A flood's summary (events beyond the log's budget): reason = link::Reason, a = how many,
// b = the link::Outcome they were.
inline constexpr std::uint16_t kLinkRefusalsCounted = kLinkLogCodeFirst + 0xFF;
// The radio stays off at boot, its stored link state not one it can run on: reason = why (the
// LinkStateLoss values), a = b = 0. Therapy goes on; the link needs the factory or service path.
inline constexpr std::uint16_t kLinkRadioOff = kLinkLogCodeFirst + 0xFE;
enum class LinkStateLoss : std::uint8_t {
  kRefused = 0,     // a copy read whole, but not a state the link may run on (link::validate)
  kNoCopy = 1,      // neither copy could be read
  kNewestLost = 2,  // the newest copy lost: an older one would roll back the epoch and peers
};
inline constexpr std::size_t kFloodKinds = 5;
inline constexpr std::size_t kFloodReasons = 32;

// The peer table's changes say who did what to whom (pairing window opened or refused as not
// allowed, paired, provisioned, removed, removal refused): a = the device acted on (0 for a
// window), b = link_who(): bits 0-31 the peer id of the session that did it (0: the
// factory/service provisioning path, no session), bits 32-39 its link::Role, bits 40-47 the
// role of the device acted on (or of the window), bits 48-62 a window's validity in seconds.
constexpr bool link_record_says_who(link::Outcome o, link::Reason r) {
  return o == link::Outcome::kPairingOpened || o == link::Outcome::kPaired ||
         o == link::Outcome::kPeerProvisioned || o == link::Outcome::kPeerRemoved ||
         o == link::Outcome::kPeerRemovalRefused ||
         (o == link::Outcome::kPairingRefused && r == link::Reason::kNotAllowed);
}
constexpr std::int64_t link_who(link::PeerId by, link::Role by_role, link::Role role,
                                std::int64_t validity_s = 0) {
  const std::int64_t s = validity_s < 0 ? 0 : (validity_s > 0x7FFF ? 0x7FFF : validity_s);
  return static_cast<std::int64_t>(by) | static_cast<std::int64_t>(by_role) << 32 |
         static_cast<std::int64_t>(role) << 40 | s << 48;
}

class ImplantRadio final : private link::StateStore,
                           private link::EventSink,
                           private PairingControl {
 public:
  ImplantRadio(Implant& implant, hal::Crypto& crypto, hal::Nvm& nvm,
               const link::ResponderConfig& config = {});
  ImplantRadio(const ImplantRadio&) = delete;
  ImplantRadio& operator=(const ImplantRadio&) = delete;

  // After Implant::boot(): loads the link's state, or makes the implant's identity at its first
  // power-up (the factory). An error leaves the radio off (every frame refused), logged.
  Status boot(ImplantTime now);
  bool ready() const { return responder_.has_value(); }

  // The factory or service path: a device's key added with its role (e.g. the clinic's first
  // programmer, or a key printed on the implant's card).
  Result<link::PeerId> provision(const link::PublicKey& key, link::Role role, ImplantTime now);
  // The implant's identity, for the device that pairs or is provisioned with it.
  const link::PublicKey& public_key() const;

  // One whole frame; returns the size of the reply frame written into `reply` (0: nothing to
  // send). `reply` must hold kLinkBufferSize bytes (only those are used, as on a board), and may
  // be the frame's own buffer (the frame starting at reply.data()): a record is opened, answered
  // and sealed in place, so a board needs one frame buffer. A frame longer than kLinkBufferSize
  // is not read (nor answered).
  std::size_t on_frame(std::span<const std::uint8_t> frame, std::span<std::uint8_t> reply,
                       ImplantTime now);

  // Session timeouts, pairing windows, lockouts.
  void on_wake(ImplantTime now);
  ImplantTime next_wake() const;
  const link::Responder* responder() const { return responder_ ? &*responder_ : nullptr; }

 private:
  Status commit(const link::LinkState& state) override;
  void record(const link::LinkEvent& event) override;
  Result<link::PairingCode> open_pairing(link::Role role, ImplantTime now,
                                         Duration validity) override;
  const link::LinkState& link_state() const override { return responder_->state(); }
  Status remove_peer(link::PeerId peer, ImplantTime now) override;
  ImplantTime last_seen(link::PeerId peer) const override;
  // A session of `peer` opened at `at`: remembered for the list of paired devices.
  void note_seen(link::PeerId peer, ImplantTime at);
  // At boot: each paired device's newest session in the event log (one pass, newest first).
  void recall_seen_from_log();
  struct BootPlace;
  // The link's state, read from its flash copies and checked, or made at the first power-up
  // (and committed), into `place`; a refusal logged as boot() says.
  Status load_link_state(BootPlace& place, ImplantTime now);

  std::size_t dispatch(std::span<const std::uint8_t> frame, std::span<std::uint8_t> reply,
                       ImplantTime now);
  std::size_t on_record(std::span<const std::uint8_t> record, std::span<std::uint8_t> reply,
                        ImplantTime now);
  std::size_t error_frame(itdd_LinkErrorCode code, const char* message,
                          std::span<std::uint8_t> reply, Duration retry_after = {});
  // The answer to the link's last refusal: an error frame saying which refusal it is (not
  // paired, wrong key, locked out and for how long), or nothing when the link says to stay
  // silent.
  std::size_t refusal_frame(const char* what, std::span<std::uint8_t> reply);
  std::size_t frame(protocol::FrameType type, std::span<const std::uint8_t> payload,
                    std::span<std::uint8_t> reply);
  void flush_refusal_count(ImplantTime now);
  void flush_when_due(ImplantTime now);
  // Beyond the log's budget: counted by kind and reason, not written (true).
  bool counted_not_written(const link::LinkEvent& e);

  Implant& implant_;
  hal::Crypto& crypto_;
  storage::SettingsStore<link::LinkStateBytes> store_;
  link::ResponderConfig config_;
  std::optional<link::Responder> responder_;
  // The log's budget for what outsiders cause, and what went beyond it, by kind and reason.
  link::Bucket log_budget_{10, ImplantTime{}};
  // 5 x 32 counters of 4 bytes (640 B of RAM), saturating.
  std::array<std::array<std::int32_t, kFloodReasons>, kFloodKinds> flood_counts_{};
  bool summary_pending_ = false;
  bool authenticated_record_ = false;  // the frame being handled is a record of a session
  ImplantTime last_summary_ = ImplantTime::never();
  // When each paired device last opened a session (RAM; rebuilt at boot from the event log, so
  // "last seen" survives a reset as long as the log still holds that session's record).
  struct Seen {
    link::PeerId peer = link::kNoPeer;
    ImplantTime at = ImplantTime::never();
  };
  std::array<Seen, link::kMaxPeers> seen_{};
  // Working memory for one exchange (static size: nothing allocated per frame; the bytes are
  // the caller's reply buffer): the decoded request, with a program command's prescription
  // decoded into its place beside it (the one place it is held until the implant takes it),
  // then the answer in the same place (handle_request is done with the request before it
  // writes the answer). No nanopb struct holds a prescription's week of steps: an
  // interrogation's are encoded from the live prescription (protocol/implant_messages.h).
  // At boot, before any frame, the same place holds the link's stored bytes and the state
  // decoded from them (boot() wipes it when the responder has its own copy).
  struct BootPlace {
    link::LinkStateBytes bytes;
    link::LinkState state;
  };
  union Exchange {
    protocol::ImplantRequest request;
    protocol::ImplantResponse response;
    BootPlace boot;
  };
  static_assert(sizeof(BootPlace) <= sizeof(protocol::ImplantRequest),
                "the boot's place is within the exchange's: no RAM of its own");
  Exchange exchange_{};
};

}  // namespace itdd::app
