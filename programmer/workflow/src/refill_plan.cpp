#include "itdd/programmer/refill_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "itdd/programmer/units_text.h"
#include "itdd/protocol/prescription_wire.h"

namespace itdd::programmer {
namespace {

const char* finding_advice(RefillFinding f) {
  switch (f) {
    case RefillFinding::kLessThanExpected:
      return "less was left than the implant expected: possible pocket fill at the last refill, "
             "over-infusion or a leak. Check the patient for overdose and the pump";
    case RefillFinding::kMoreThanExpected:
      return "more was left than the implant expected: less was delivered than programmed "
             "(under-infusion: occlusion, motor stall, pump stopped) or more was filled than "
             "recorded. Check the patient for withdrawal and the pump";
    case RefillFinding::kAsExpected:
      break;
  }
  return "as expected";
}

}  // namespace

const char* describe(RefillKind kind) {
  switch (kind) {
    case RefillKind::kFirstFill:
      return "first fill";
    case RefillKind::kSameDrug:
      return "same drug and concentration";
    case RefillKind::kConcentrationChange:
      return "same drug, new concentration";
    case RefillKind::kDrugChange:
      return "another drug";
  }
  return "?";
}

bool is_reason(const std::string& text) {
  const auto non_blank = std::count_if(text.begin(), text.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) == 0;
  });
  return static_cast<std::size_t>(non_blank) >= kMinReasonLength;
}

Result<RefillPlan> plan_refill(const ImplantStatus& before, Volume capacity,
                               const RefillEntry& entry, const std::optional<RanDry>& ran_dry) {
  RefillPlan plan;
  plan.ran_dry = ran_dry;
  const bool filled = before.reservoir.filled;
  const therapy::Drug held_drug = before.reservoir.drug.value_or(therapy::Drug{});

  if (entry.volume.count() <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "volume", "must be more than 0 mL");
  }
  if (entry.volume > capacity) {
    return make_error(ErrorCode::kInvalidArgument, "volume",
                      "is more than the reservoir holds: check the volume and the pump model");
  }
  // Above 0 (an alarm at 0 mL would sound only when the pump is already dry), as the command
  // line reads it (programmer::parse_volume_ml): one rule, said the same way.
  if (entry.low_alarm && (entry.low_alarm->count() <= 0 || *entry.low_alarm >= entry.volume)) {
    return make_error(ErrorCode::kInvalidArgument, "low_alarm",
                      "must be more than 0 mL and below the volume filled");
  }

  if (filled) {
    if (!entry.withdrawn) {
      return make_error(ErrorCode::kInvalidArgument, "withdrawn",
                        "enter the volume withdrawn from the reservoir before refilling it");
    }
    const Result<RefillCheck> check =
        check_refill(before.reservoir.remaining, *entry.withdrawn, capacity);
    if (!check.ok()) return check.error();
    plan.check = check.value();
    if (plan.check->needs_acknowledgement() && !is_reason(entry.acknowledgement)) {
      return make_error(ErrorCode::kRefused, "acknowledge",
                        "the withdrawn volume differs from the expected one by more than the "
                        "threshold: acknowledge it with a reason (at least 5 characters)");
    }
    if (plan.check->needs_acknowledgement()) {
      plan.notes.push_back(fmt::format(
          "withdrawn {} against {} expected (difference {}, threshold {}): {}",
          format_volume_ml(plan.check->withdrawn), format_volume_ml(plan.check->expected),
          format_volume_ml(plan.check->difference), format_volume_ml(plan.check->threshold),
          finding_advice(plan.check->finding)));
    }
  }

  const bool same_name = filled && std::strcmp(held_drug.name.data(), entry.drug.name.data()) == 0;
  if (same_name && held_drug.unit != entry.drug.unit) {
    return make_error(ErrorCode::kMismatch, "drug",
                      "is prescribed in another unit than the drug in the reservoir");
  }
  const Concentration held_concentration = before.reservoir.concentration;
  if (!filled) {
    plan.kind = RefillKind::kFirstFill;
    plan.notes.push_back("first fill: prime the catheter, then program a prescription");
  } else if (!same_name) {
    plan.kind = RefillKind::kDrugChange;
    plan.notes.push_back(
        fmt::format("the drug changes from {} to {}: therapy stops until a prescription for {} is "
                    "programmed, and the catheter still holds {} until it is flushed",
                    held_drug.name.data(), entry.drug.name.data(), entry.drug.name.data(),
                    held_drug.name.data()));
  } else if (held_concentration != entry.concentration) {
    plan.kind = RefillKind::kConcentrationChange;
    if (!entry.bridge) {
      return make_error(ErrorCode::kRefused, "bridge",
                        "the concentration changes: decide whether to run the bridge bolus "
                        "(the old solution in the pump and catheter is pushed out at the rate "
                        "that keeps the dose; without it the patient gets the old dose at the "
                        "new rate until the catheter is flushed)");
    }
    plan.bridge = *entry.bridge;
    plan.notes.push_back(fmt::format(
        "the concentration changes from {} to {}: each dose is kept, the rate changes; bridge "
        "bolus {}",
        format_concentration(held_concentration, entry.drug.unit),
        format_concentration(entry.concentration, entry.drug.unit),
        plan.bridge ? "on" : "OFF: the dose is wrong until the catheter holds the new solution"));
  } else {
    plan.kind = RefillKind::kSameDrug;
  }
  if (plan.ran_dry && plan.kind == RefillKind::kSameDrug) {
    plan.notes.push_back(
        "no bridge bolus: the concentration does not change, so the solution left in the line "
        "gives the same dose");
  }
  return plan;
}

std::string withdrawal_text(const RefillPlan& plan) {
  if (!plan.check) return "";
  const RefillCheck& c = *plan.check;
  const char* finding = plan.ran_dry && c.finding == RefillFinding::kAsExpected
                            ? "nothing to speak of was left because the reservoir ran dry (see "
                              "above), not a sign that all is well"
                            : describe(c.finding);
  return fmt::format("withdrawn {} against {} expected: {}", format_volume_ml(c.withdrawn),
                     format_volume_ml(c.expected), finding);
}

}  // namespace itdd::programmer
