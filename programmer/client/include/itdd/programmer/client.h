// The programmer's end of the link: a session with one implant over any transport (TCP to a
// virtual implant, the radio head of a real programmer, or in-process in tests), requests and
// their responses, and the honest answer to "did my command take effect?".
//
// A therapy-changing command carries a command id. If its reply is lost, the client asks the
// implant about that id (in a new session if need be) and reports:
//   applied      the implant says it applied the command;
//   not applied  the implant answered and refused it, or its journal records it as not applied;
//   uncertain    the implant could not be asked, or has no record of the id ("unknown"):
//                interrogate before doing anything else.
// "Unknown" is never taken for "not applied". It never re-sends a therapy command under a new
// id on its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "itdd/core/result.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/initiator.h"
#include "itdd/protocol/messages.h"

namespace itdd::programmer {

// Carries whole frames (protocol/frame.h) to the implant and back.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Status send(std::span<const std::uint8_t> frame) = 0;
  // The next whole frame from the implant, or an error (field "transport") after `timeout`
  // with nothing, or when the connection is gone.
  virtual Result<std::vector<std::uint8_t>> receive(std::chrono::milliseconds timeout) = 0;
};

enum class Delivery : std::uint8_t { kApplied, kNotApplied, kUncertain };
const char* describe(Delivery d);
// What the implant's command status means for the clinician: APPLIED applied, NOT_APPLIED not
// applied, UNKNOWN (and anything else) uncertain.
Delivery delivery_of(itdd_CommandState state);

// How the client learned what a therapy command came to.
enum class LearnedFrom : std::uint8_t {
  kAnswer,       // the implant's answer to the command
  kRepeat,       // the reply was lost; the command re-sent with the same id was answered with
                 // the journal's record of it (never applied twice)
  kStatusQuery,  // the reply was lost; the implant, answering again, was asked about the id
  kNothing,      // the reply was lost and the implant did not answer again in the retry window
  kNotSent,      // refused by this device, never sent: longer than an implant reads
                 // (protocol::fits_an_implant); not applied
};
// "answer", "repeat", "status_query", "nothing", "not_sent" (for --json).
const char* learned_name(LearnedFrom l);

// What a therapy command came to.
struct CommandResult {
  Delivery delivery = Delivery::kUncertain;
  LearnedFrom learned = LearnedFrom::kNothing;
  std::optional<protocol::Response> response;  // the implant's answer, when one arrived
  std::string detail;                          // what happened, for the clinician
  // The reply to the command itself was lost (delivery learned from a repeat or a query, or not
  // at all).
  bool reply_lost() const {
    return learned != LearnedFrom::kAnswer && learned != LearnedFrom::kNotSent;
  }
};

struct ClientOptions {
  std::chrono::milliseconds reply_timeout{2000};
  int attempts = 3;  // sends of one request before the client gives up on a reply
};

class Client {
 public:
  Client(hal::Crypto& crypto, const hal::KeyPair& own, const link::PublicKey& implant,
         Transport& transport, ClientOptions options = {});
  ~Client();  // wipes its copy of the device's secret key (sodium_memzero)
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Opens an authenticated session (Hello, Accept, checked).
  Status connect();
  bool connected() const { return initiator_.established(); }

  // Sends one request and waits for its response (request ids are assigned here). A retry
  // after no answer is a new record carrying the same request (sealed bytes are never resent:
  // the implant would refuse them as a replay). Error frames are unauthenticated hints: the
  // client waits on until its timeout (an injected one cannot break a session), and only if
  // no answer came is the newest hint the error: field "busy" (in a session with another
  // device), "implant.not_paired", "implant.wrong_key", "implant.locked_out" (index: the
  // seconds to wait, 0 if not said), "implant.version". Not paired and locked out end the call
  // without further tries.
  Result<protocol::Response> call(protocol::Request request);

  // A therapy command (program, refill, clinician bolus, patient bolus) with its command id set
  // by the caller: sent, retried, and if no reply came, asked about (reconnecting if needed).
  CommandResult command(const protocol::Request& request, std::uint64_t command_id);

  // Ends the session (a close request, then a close record).
  Status close();

 private:
  Result<protocol::Response> exchange(const protocol::Request& request);
  std::chrono::milliseconds now_ms() const;

  hal::Crypto& crypto_;
  hal::KeyPair own_;
  link::PublicKey implant_;
  Transport& transport_;
  ClientOptions options_;
  link::Initiator initiator_;
  std::uint32_t next_request_id_ = 1;
  bool saw_busy_ = false;  // in this call, the implant answered "busy" (another device's session)
};

// Pairs this device with an implant through a one-time code shown on the clinician's
// programmer: returns the implant's key and the role it was given.
Result<link::Paired> pair(hal::Crypto& crypto, const hal::KeyPair& own, std::string_view code,
                          Transport& transport, std::chrono::milliseconds timeout);

// A new random 64-bit command id (never 0).
std::uint64_t new_command_id(hal::Crypto& crypto);

}  // namespace itdd::programmer
