#include "itdd/programmer/client.h"

#include <sodium.h>

#include <array>
#include <chrono>
#include <optional>
#include <string_view>

#include "itdd/host/error_text.h"
#include "itdd/programmer/requests.h"
#include "itdd/protocol/frame.h"

namespace itdd::programmer {
namespace {

Error transport_error(const char* message) {
  return make_error(ErrorCode::kRefused, "transport", message);
}

Status send_frame(Transport& t, protocol::FrameType type, std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> frame(protocol::kMaxFrameSize);
  const Result<std::size_t> n = protocol::encode_frame(type, payload, frame);
  if (!n.ok()) return n.error();
  frame.resize(n.value());
  return t.send(frame);
}

Error busy_error() {
  return make_error(ErrorCode::kRefused, "busy", "the implant is in a session with another device");
}

// What an error frame from the implant says, as an error a device can act on. Error frames
// are plaintext and unauthenticated: anyone in radio range can send one, so they are hints,
// never verdicts (see receive_payload).
Error hint_error(const protocol::LinkError& e) {
  switch (e.code) {
    case itdd_LinkErrorCode_LINK_ERROR_BUSY:
      return busy_error();
    case itdd_LinkErrorCode_LINK_ERROR_NOT_PAIRED:
      return make_error(ErrorCode::kRefused, "implant.not_paired",
                        "the implant says this device is not paired with it");
    case itdd_LinkErrorCode_LINK_ERROR_WRONG_KEY:
      return make_error(ErrorCode::kRefused, "implant.wrong_key",
                        "the implant says what this device sent did not authenticate (wrong key, "
                        "or the implant ended the session)");
    case itdd_LinkErrorCode_LINK_ERROR_LOCKED_OUT: {
      // index: the seconds to wait, rounded up (0: the implant did not say).
      const std::int64_t s = (static_cast<std::int64_t>(e.retry_after_ms) + 999) / 1000;
      return make_error(ErrorCode::kRefused, "implant.locked_out",
                        "the implant says this device is locked out after failed attempts (or "
                        "over its rate of handshakes)",
                        static_cast<std::int32_t>(s > INT32_MAX ? INT32_MAX : s));
    }
    case itdd_LinkErrorCode_LINK_ERROR_BAD_VERSION:
      return make_error(ErrorCode::kRefused, "implant.version",
                        "the implant speaks another protocol version");
    default:
      return make_error(ErrorCode::kRefused, "implant", "the implant refused");
  }
}

// The next frame of `type` within `timeout`. An error frame is only a hint (it is not
// authenticated: an outsider could inject one to break the session): the wait goes on until
// the timeout, and the answer, if it comes, wins. If nothing comes, the newest hint is the
// error (e.g. "busy", "not paired", "locked out, wait N s") rather than "no answer".
// `saw_busy` is set when a "busy" hint came.
Result<std::vector<std::uint8_t>> receive_payload(Transport& t, protocol::FrameType type,
                                                  std::chrono::milliseconds timeout,
                                                  bool* saw_busy = nullptr) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  std::optional<Error> hint;
  for (int guard = 0; guard < 64; ++guard) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    Result<std::vector<std::uint8_t>> bytes =
        t.receive(left.count() > 0 ? left : std::chrono::milliseconds(0));
    if (!bytes.ok()) return hint ? *hint : bytes.error();
    const Result<protocol::FrameView> f = protocol::decode_frame(bytes.value());
    if (!f.ok()) continue;  // damaged on the way: wait for the next
    if (f->type == protocol::FrameType::kError) {
      const Result<protocol::LinkError> e = protocol::decode_link_error(f->payload);
      hint = e.ok() ? hint_error(e.value())
                    : make_error(ErrorCode::kRefused, "implant", "the implant refused");
      if (e.ok() && e->code == itdd_LinkErrorCode_LINK_ERROR_BUSY && saw_busy != nullptr) {
        *saw_busy = true;
      }
      continue;
    }
    if (f->type != type) continue;
    return std::vector<std::uint8_t>(f->payload.begin(), f->payload.end());
  }
  return hint ? *hint : transport_error("no answer of the expected kind");
}

// A refusal that another try within the same call cannot change (the implant would say the
// same, or stay silent through the lockout).
bool final_refusal(const Error& e) {
  const std::string_view field = e.field;
  return field == "implant.not_paired" || field == "implant.locked_out" ||
         field == "implant.version";
}

constexpr const char* kUnknownDetail =
    "the reply was lost and the implant has no record of this command (it may have been "
    "applied and forgotten, or never arrived)";

}  // namespace

Delivery delivery_of(itdd_CommandState state) {
  switch (state) {
    case itdd_CommandState_COMMAND_STATE_APPLIED:
      return Delivery::kApplied;
    case itdd_CommandState_COMMAND_STATE_NOT_APPLIED:
      return Delivery::kNotApplied;
    default:
      // "Unknown" is not "not applied": the implant keeps each device's newest commands only,
      // and a refused patient request is not kept at all; whatever it does not know, it cannot
      // vouch for. Only an interrogation says what the pump is doing.
      return Delivery::kUncertain;
  }
}

const char* learned_name(LearnedFrom l) {
  switch (l) {
    case LearnedFrom::kAnswer:
      return "answer";
    case LearnedFrom::kRepeat:
      return "repeat";
    case LearnedFrom::kStatusQuery:
      return "status_query";
    case LearnedFrom::kNothing:
      return "nothing";
    case LearnedFrom::kNotSent:
      return "not_sent";
  }
  return "nothing";
}

const char* describe(Delivery d) {
  switch (d) {
    case Delivery::kApplied:
      return "applied";
    case Delivery::kNotApplied:
      return "not applied";
    case Delivery::kUncertain:
      return "uncertain - interrogate the implant before doing anything else";
  }
  return "unknown";
}

Client::Client(hal::Crypto& crypto, const hal::KeyPair& own, const link::PublicKey& implant,
               Transport& transport, ClientOptions options)
    : crypto_(crypto),
      own_(own),
      implant_(implant),
      transport_(transport),
      options_(options),
      initiator_(crypto, own, implant) {}

Client::~Client() {
  sodium_memzero(own_.secret_key.data(), own_.secret_key.size());
}

std::chrono::milliseconds Client::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

Status Client::connect() {
  const Result<link::HelloBytes> hello = initiator_.hello();
  if (!hello.ok()) return hello.error();
  if (Status s = send_frame(transport_, protocol::FrameType::kHandshake, hello.value()); !s) {
    return s;
  }
  const Result<std::vector<std::uint8_t>> accept = receive_payload(
      transport_, protocol::FrameType::kHandshake, options_.reply_timeout, &saw_busy_);
  if (!accept.ok()) {
    initiator_.drop();
    return accept.error();
  }
  return initiator_.on_accept(accept.value(), ImplantTime(now_ms().count()));
}

Result<protocol::Response> Client::exchange(const protocol::Request& request) {
  std::vector<std::uint8_t> plain(protocol::kMaxMessageSize);
  // Never sent if longer than an implant reads (it would not be read): refused here, naming the
  // bound.
  const Result<std::size_t> encoded = protocol::encode_for_implant(request, plain);
  if (!encoded.ok()) return encoded.error();
  std::vector<std::uint8_t> sealed(link::kMaxRecordSize);
  const Result<std::size_t> n = initiator_.seal(std::span(plain.data(), encoded.value()), sealed,
                                                ImplantTime(now_ms().count()));
  if (!n.ok()) return n.error();
  if (Status s =
          send_frame(transport_, protocol::FrameType::kRecord, std::span(sealed.data(), n.value()));
      !s) {
    return s.error();
  }
  for (int guard = 0; guard < 16; ++guard) {
    const Result<std::vector<std::uint8_t>> record = receive_payload(
        transport_, protocol::FrameType::kRecord, options_.reply_timeout, &saw_busy_);
    if (!record.ok()) return record.error();
    std::vector<std::uint8_t> reply(link::kMaxRecordPayload);
    const Result<link::Opened> opened =
        initiator_.open(record.value(), reply, ImplantTime(now_ms().count()));
    if (!opened.ok()) continue;  // not ours (an old reply): keep waiting
    if (opened->type != link::RecordType::kData) {
      return make_error(ErrorCode::kRefused, "session", "the implant closed the session");
    }
    Result<protocol::Response> response =
        protocol::decode_response(std::span(reply.data(), opened->size));
    if (!response.ok()) return response.error();
    if (response->request_id != request.request_id) continue;  // an answer to an earlier try
    return response;
  }
  return transport_error("no answer to the request");
}

Result<protocol::Response> Client::call(protocol::Request request) {
  request.request_id = next_request_id_++;
  // A request an implant would not read is not sent at all (no session, no tries).
  if (Status s = protocol::fits_an_implant(request); !s) return s.error();
  Error last = transport_error("not connected");
  saw_busy_ = false;
  for (int attempt = 0; attempt < options_.attempts; ++attempt) {
    if (!initiator_.established()) {
      if (Status s = connect(); !s) {
        last = s.error();
        if (final_refusal(last)) break;
        continue;
      }
    }
    Result<protocol::Response> r = exchange(request);
    if (r.ok()) return r;
    last = r.error();
    // Whatever went wrong (a lost answer, a session the implant has ended), the next try starts
    // a fresh session: the old one may be gone on the implant's side.
    initiator_.drop();
  }
  // The implant said it was busy with another device, and then nothing came (or it closed the
  // connection after waiting): that is the reason, not the timeout.
  if (saw_busy_ && std::string_view(last.field) == "transport") return busy_error();
  return last;
}

CommandResult Client::command(const protocol::Request& request, std::uint64_t command_id) {
  CommandResult result;
  protocol::Request as_sent = request;
  as_sent.request_id = next_request_id_;  // as call() will number it
  if (Status s = protocol::fits_an_implant(as_sent); !s) {
    // Never sent, so certainly not applied (and nothing to ask the implant about).
    result.learned = LearnedFrom::kNotSent;
    result.delivery = Delivery::kNotApplied;
    result.detail = std::string(s.error().field) + ": " + s.error().message;
    return result;
  }
  const Result<protocol::Response> r = call(request);
  if (r.ok()) {
    result.response = r.value();
    const protocol::Response& resp = r.value();
    if (resp.result == itdd_ResultCode_RESULT_OK) {
      if (resp.which_payload == itdd_Response_command_status_tag) {
        // A repeat: the implant had seen this id and answers with what it did then.
        result.learned = LearnedFrom::kRepeat;
        result.delivery = delivery_of(resp.payload.command_status.state);
        switch (result.delivery) {
          case Delivery::kApplied:
            result.detail =
                "the reply was lost; sent again with the same command id, the implant answered "
                "that it had already applied it (not applied twice)";
            break;
          case Delivery::kNotApplied:
            result.detail =
                "the reply was lost; sent again with the same command id, the implant answered "
                "that it had not applied it";
            break;
          case Delivery::kUncertain:
            result.detail = kUnknownDetail;
            break;
        }
      } else {
        result.learned = LearnedFrom::kAnswer;
        result.delivery = Delivery::kApplied;
      }
    } else {
      result.learned = LearnedFrom::kAnswer;
      result.delivery = Delivery::kNotApplied;
      result.detail = resp.has_error ? std::string(resp.error.field) + ": " +
                                           host::message_text(protocol::error_from_wire(resp.error))
                                     : std::string("refused");
    }
    return result;
  }
  // No answer: ask the implant (a new session if the old one is gone) what became of the id.
  initiator_.drop();
  const Result<protocol::Response> q = call(query_command_request(command_id));
  if (!q.ok() || q->result != itdd_ResultCode_RESULT_OK ||
      q->which_payload != itdd_Response_command_status_tag) {
    result.learned = LearnedFrom::kNothing;
    result.delivery = Delivery::kUncertain;
    result.detail = !q.ok() ? "no reply came to the command, and the implant did not answer "
                              "again to be asked about it: " +
                                  std::string(q.error().message)
                            : std::string(
                                  "no reply came to the command, and the implant did not "
                                  "say what became of it");
    return result;
  }
  result.learned = LearnedFrom::kStatusQuery;
  result.delivery = delivery_of(q->payload.command_status.state);
  switch (result.delivery) {
    case Delivery::kApplied:
      result.detail =
          "the reply was lost; asked about the command id, the implant confirms it applied it";
      break;
    case Delivery::kNotApplied:
      result.detail =
          "the reply was lost; asked about the command id, the implant recorded that it did not "
          "apply it";
      break;
    case Delivery::kUncertain:
      result.detail =
          q->payload.command_status.state == itdd_CommandState_COMMAND_STATE_UNKNOWN
              ? std::string(kUnknownDetail)
              : std::string("the implant's answer about the command was not understood");
      break;
  }
  return result;
}

Status Client::close() {
  if (!initiator_.established()) return Status::Ok();
  const Result<protocol::Response> r = call(close_session_request());
  initiator_.drop();
  if (!r.ok()) return r.error();
  return Status::Ok();
}

Result<link::Paired> pair(hal::Crypto& crypto, const hal::KeyPair& own, std::string_view code,
                          Transport& transport, std::chrono::milliseconds timeout) {
  link::PairingDevice device(crypto, own);
  const Result<link::PairHelloBytes> hello = device.hello(std::span(code.data(), code.size()));
  if (!hello.ok()) return hello.error();
  if (Status s = send_frame(transport, protocol::FrameType::kPairing, hello.value()); !s) {
    return s.error();
  }
  const Result<std::vector<std::uint8_t>> accept =
      receive_payload(transport, protocol::FrameType::kPairing, timeout);
  if (!accept.ok()) return accept.error();
  const Result<link::PairProofBytes> proof = device.on_accept(accept.value());
  if (!proof.ok()) return proof.error();
  if (Status s = send_frame(transport, protocol::FrameType::kPairing, proof.value()); !s) {
    return s.error();
  }
  const Result<std::vector<std::uint8_t>> confirm =
      receive_payload(transport, protocol::FrameType::kPairing, timeout);
  if (!confirm.ok()) return confirm.error();
  return device.on_confirm(confirm.value());
}

std::uint64_t new_command_id(hal::Crypto& crypto) {
  for (;;) {
    std::array<std::uint8_t, 8> bytes{};
    if (!crypto.random(bytes).ok()) continue;
    std::uint64_t id = 0;
    for (std::uint8_t b : bytes) id = (id << 8) | b;
    if (id != 0) return id;
  }
}

}  // namespace itdd::programmer
