// The messages of protocol/schema/itdd.proto as nanopb structs, and their codec. A Request or
// a Response is the plaintext of one session record; a LinkError is the payload of an error
// frame. Everything is statically sized (protocol/schema/itdd.options): no heap, no callbacks.
//
// Build a message by value-initialising it (`Request r{};` equals nanopb's init_zero), setting
// `which_payload` to the oneof tag (itdd_Request_program_tag...) and filling that member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "itdd/core/result.h"
#include "itdd/protocol/frame.h"
#include "itdd/protocol/itdd.pb.h"

namespace itdd::protocol {

using Request = itdd_Request;
using Response = itdd_Response;
using LinkError = itdd_LinkError;

// Bytes the largest message of each kind takes, as nanopb computes from the schema's limits.
inline constexpr std::size_t kMaxRequestSize = itdd_Request_size;
inline constexpr std::size_t kMaxResponseSize = itdd_Response_size;
inline constexpr std::size_t kMaxLinkErrorSize = itdd_LinkError_size;
inline constexpr std::size_t kMaxMessageSize =
    kMaxRequestSize > kMaxResponseSize ? kMaxRequestSize : kMaxResponseSize;

// What the session layer may add around a message inside one record frame (counters, nonce,
// authentication tag), kept free in every frame.
inline constexpr std::size_t kRecordOverheadReserve = 256;

static_assert(kMaxMessageSize + kRecordOverheadReserve <= kMaxPayload,
              "the largest message and its record overhead must fit in one frame");
static_assert(kMaxLinkErrorSize <= kMaxPayload, "a link error must fit in one frame");
static_assert(_itdd_ProtocolVersion_MAX == kProtocolVersion,
              "kProtocolVersion and the schema's newest PROTOCOL_VERSION_ must agree");

// The result code a refusal carries on the wire for an error of this kind: the one mapping, used
// by the implant's command layer. Malformed input is RESULT_INVALID; everything else the implant
// could not do (its state, a full table, damaged or failing storage) is RESULT_REFUSED, with the
// error's field and message saying which.
itdd_ResultCode result_code_for(ErrorCode code);

// Encoders return the encoded size. They refuse a buffer too small (kCapacity) and a message
// nanopb cannot encode (e.g. a string without its terminating NUL), naming "message".
Result<std::size_t> encode(const Request& request, std::span<std::uint8_t> out);
Result<std::size_t> encode(const Response& response, std::span<std::uint8_t> out);
Result<std::size_t> encode(const LinkError& error, std::span<std::uint8_t> out);
// A request longer than an implant reads (kMaxImplantRequestSize, implant_bounds.h) is refused,
// before anything is sent: field "request", kInvalidArgument, its message naming the bound, its
// values the size and the bound. A request built from the implant's own types
// (programmer/client's requests.h) always fits. encode_for_implant() checks, then encodes.
Status fits_an_implant(const Request& request);
Result<std::size_t> encode_for_implant(const Request& request, std::span<std::uint8_t> out);

// Decoders refuse anything nanopb refuses (bad wire format, a string or array over its limit),
// naming "message" with nanopb's reason. They do not judge the values: the handler of each
// request does (see prescription_wire.h for the prescription).
Result<Request> decode_request(std::span<const std::uint8_t> bytes);
Result<Response> decode_response(std::span<const std::uint8_t> bytes);
Result<LinkError> decode_link_error(std::span<const std::uint8_t> bytes);

// The same, into a caller's message: what the implant uses, with one Request kept in static
// memory rather than on its stack. On failure `out` holds no meaningful value.
Status decode_request(std::span<const std::uint8_t> bytes, Request& out);
Status decode_response(std::span<const std::uint8_t> bytes, Response& out);

// An implant's Error as the wire's ErrorDetail (field and message cut to fit), and back: the
// Error's strings then point into `detail`, which must outlive it. A limit or unit this build
// does not know reads as naming no quantity.
void error_to_wire(const Error& error, itdd_ErrorDetail& detail);
Error error_from_wire(const itdd_ErrorDetail& detail);

}  // namespace itdd::protocol
