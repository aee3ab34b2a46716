#include "itdd/protocol/messages.h"

#include <pb_decode.h>
#include <pb_encode.h>

#include "itdd/protocol/implant_messages.h"
#include "itdd/protocol/prescription_wire.h"

#ifdef PB_ENABLE_MALLOC
#error "the protocol is statically allocated: build without PB_ENABLE_MALLOC"
#endif

namespace itdd::protocol {

itdd_ResultCode result_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return itdd_ResultCode_RESULT_INVALID;
    case ErrorCode::kMismatch:
    case ErrorCode::kRefused:
    case ErrorCode::kCapacity:
    case ErrorCode::kCorrupt:
    case ErrorCode::kIo:
      return itdd_ResultCode_RESULT_REFUSED;
  }
  return itdd_ResultCode_RESULT_REFUSED;
}

namespace {

Result<std::size_t> encode_message(const pb_msgdesc_t* fields, const void* message,
                                   std::span<std::uint8_t> out) {
  pb_ostream_t stream = pb_ostream_from_buffer(out.data(), out.size());
  if (!pb_encode(&stream, fields, message)) {
    // Too small a buffer, or a message nanopb cannot encode at all?
    std::size_t needed = 0;
    if (pb_get_encoded_size(&needed, fields, message) && needed > out.size()) {
      return make_error(ErrorCode::kCapacity, "message", "output buffer is too small");
    }
    return make_error(ErrorCode::kInvalidArgument, "message", PB_GET_ERROR(&stream));
  }
  return stream.bytes_written;
}

Status decode_message(const pb_msgdesc_t* fields, std::span<const std::uint8_t> bytes,
                      void* message) {
  pb_istream_t stream = pb_istream_from_buffer(bytes.data(), bytes.size());
  if (!pb_decode(&stream, fields, message)) {
    return make_error(ErrorCode::kInvalidArgument, "message", PB_GET_ERROR(&stream));
  }
  return Status::Ok();
}

template <class Message>
Result<Message> decode_as(const pb_msgdesc_t* fields, std::span<const std::uint8_t> bytes) {
  Message m{};
  if (Status s = decode_message(fields, bytes, &m); !s) return s.error();
  return m;
}

}  // namespace

Result<std::size_t> encode(const Request& request, std::span<std::uint8_t> out) {
  return encode_message(itdd_Request_fields, &request, out);
}

// What a device says when a request would be longer than an implant reads; the number is the
// bound's (checked), so the clinician's screen names the limit.
constexpr const char* kLongerThanAnImplantReads =
    "longer than an implant reads: a request is at most 3,848 bytes "
    "(protocol::kMaxImplantRequestSize)";
static_assert(kMaxImplantRequestSize == 3'848, "kLongerThanAnImplantReads names the bound");

Status fits_an_implant(const Request& request) {
  std::size_t size = 0;
  if (!pb_get_encoded_size(&size, itdd_Request_fields, &request)) {
    return make_error(ErrorCode::kInvalidArgument, "message", "cannot be encoded");
  }
  if (size > kMaxImplantRequestSize) {
    return with_limit(make_error(ErrorCode::kInvalidArgument, "request", kLongerThanAnImplantReads),
                      ErrorLimit::kMaximum, ErrorUnit::kNone, static_cast<std::int64_t>(size),
                      static_cast<std::int64_t>(kMaxImplantRequestSize));
  }
  return Status::Ok();
}

Result<std::size_t> encode_for_implant(const Request& request, std::span<std::uint8_t> out) {
  if (Status s = fits_an_implant(request); !s) return s.error();
  return encode(request, out);
}

Result<std::size_t> encode(const Response& response, std::span<std::uint8_t> out) {
  return encode_message(itdd_Response_fields, &response, out);
}
Result<std::size_t> encode(const LinkError& error, std::span<std::uint8_t> out) {
  return encode_message(itdd_LinkError_fields, &error, out);
}
Result<std::size_t> encode(const ImplantResponse& response, std::span<std::uint8_t> out) {
  return encode_message(itdd_implant_Response_fields, &response, out);
}

Status decode_request(std::span<const std::uint8_t> bytes, Request& out) {
  return decode_message(itdd_Request_fields, bytes, &out);
}
Status decode_response(std::span<const std::uint8_t> bytes, Response& out) {
  return decode_message(itdd_Response_fields, bytes, &out);
}

Result<Request> decode_request(std::span<const std::uint8_t> bytes) {
  return decode_as<Request>(itdd_Request_fields, bytes);
}
Result<Response> decode_response(std::span<const std::uint8_t> bytes) {
  return decode_as<Response>(itdd_Response_fields, bytes);
}
Result<LinkError> decode_link_error(std::span<const std::uint8_t> bytes) {
  return decode_as<LinkError>(itdd_LinkError_fields, bytes);
}

namespace {
template <std::size_t N>
void copy_cut(char (&to)[N], const char* from) {
  std::size_t i = 0;
  for (; from != nullptr && i + 1 < N && from[i] != '\0'; ++i) to[i] = from[i];
  to[i] = '\0';
}

// Both views' ErrorDetail (the same fields; the enums the same numbers under each view's names).
template <class Detail>
void error_to(const Error& error, Detail& detail) {
  detail = Detail{};
  copy_cut(detail.field, error.field);
  copy_cut(detail.message, error.message);
  detail.index = error.index;
  detail.sub_index = error.sub_index;
  std::int64_t limit = itdd_ErrorLimit_ERROR_LIMIT_NONE;
  switch (error.values.limit) {
    case ErrorLimit::kMinimum:
      limit = itdd_ErrorLimit_ERROR_LIMIT_MINIMUM;
      break;
    case ErrorLimit::kMaximum:
      limit = itdd_ErrorLimit_ERROR_LIMIT_MAXIMUM;
      break;
    case ErrorLimit::kNone:
      break;
  }
  set_raw_enum(detail.limit, limit);
  set_raw_enum(detail.unit, error.values.unit == ErrorUnit::kNanolitresPerDay
                                ? itdd_ErrorUnit_ERROR_UNIT_NANOLITRES_PER_DAY
                                : itdd_ErrorUnit_ERROR_UNIT_NONE);
  if (limit != itdd_ErrorLimit_ERROR_LIMIT_NONE) {
    detail.requested = error.values.requested;
    detail.allowed = error.values.allowed;
  }
}

}  // namespace

void error_to_wire(const Error& error, itdd_ErrorDetail& detail) {
  error_to(error, detail);
}
void error_to_wire(const Error& error, itdd_implant_ErrorDetail& detail) {
  error_to(error, detail);
}

Error error_from_wire(const itdd_ErrorDetail& detail) {
  Error e =
      make_error(ErrorCode::kRefused, detail.field, detail.message, detail.index, detail.sub_index);
  // Read as integers: the wire may carry any value in an enum field.
  ErrorLimit limit = ErrorLimit::kNone;
  if (raw_enum(detail.limit) == itdd_ErrorLimit_ERROR_LIMIT_MINIMUM) limit = ErrorLimit::kMinimum;
  if (raw_enum(detail.limit) == itdd_ErrorLimit_ERROR_LIMIT_MAXIMUM) limit = ErrorLimit::kMaximum;
  // Quantities in a unit this build does not know are not shown at all (never in a wrong one).
  if (limit != ErrorLimit::kNone &&
      raw_enum(detail.unit) == itdd_ErrorUnit_ERROR_UNIT_NANOLITRES_PER_DAY) {
    e = with_limit(e, limit, ErrorUnit::kNanolitresPerDay, detail.requested, detail.allowed);
  }
  return e;
}

}  // namespace itdd::protocol
