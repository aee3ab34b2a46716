// Example messages of every kind, filled with values that are not the defaults: for the
// round-trip tests and to seed the frame fuzzer's corpus (make_frame_corpus).
#pragma once

#include <vector>

#include "itdd/protocol/messages.h"
#include "itdd/therapy/prescription.h"

namespace itdd::protocol::samples {

// Morphine 25 mg/mL, 2 mg/day continuous, patient boluses of 0.1 mg.
therapy::Prescription continuous_prescription();
// Baclofen 2 mg/mL, a different flexible day for each weekday, patient boluses off.
therapy::Prescription weekday_prescription();
// Every array at its limit and every number at its widest encoding: the largest on the wire.
therapy::Prescription widest_prescription();

// One request of every kind (in the oneof's order), then one response of every payload kind
// and a refusal.
std::vector<Request> requests();
std::vector<Response> responses();
// The largest response the schema allows (a full interrogation at its widest).
Response largest_response();
LinkError link_error();

}  // namespace itdd::protocol::samples
