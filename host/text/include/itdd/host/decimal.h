// Decimal numbers as exact counts of a base unit: "0.048" mL is 48,000 nL by integer
// arithmetic, never through a double. The one reader of decimals on the host: typed values on
// the command line, the clinic database's options, and every number in a JSON file (the drug
// library, opioid conversions, pump models, scenarios) go through it.
//
// The rule (docs/design.md, "One rounding rule"): a decimal is read exactly or refused. One with
// more significant decimals than the base unit holds ("0.0001" mcg, finer than 1 ng) is refused,
// never rounded; zeros beyond it change nothing and are accepted ("1.50" at scale 10). Where a
// reader computes a figure from exact decimals (a product) that falls between two base units,
// it rounds once, toward the patient getting less, and says so where it does it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "itdd/host/checked.h"

namespace itdd::host {

// Parses a plain, non-negative decimal ("3.5", "0.048", "12") into an exact count of 1/scale
// units: parse_decimal("0.048", 1'000'000) == 48'000. `scale` is a power of ten (1, 10, ...,
// 10^18). Refuses signs, exponents, separators, spaces, a missing leading zero (".5") or
// trailing digits after the point ("5."), more significant decimals than the scale holds, and
// values that do not fit in 64 bits. The message starts with the text ("0.0001: at most 3
// decimal places"); the field is empty, for the caller to name.
Checked<std::int64_t> parse_decimal(std::string_view text, std::int64_t scale);

// A JSON number as written in a file ("0.048", "20", "2.5e-1", "-3", "7757E877777777778") to
// the same exact count as parse_decimal gives for its plain form: an exponent moves the point,
// exactly ("2.5e-1" is 0.25). Refuses what parse_decimal refuses (a negative value, more
// decimals than the scale holds, a value beyond 64 bits), naming the number as written, and
// anything that is not a JSON number.
Checked<std::int64_t> parse_json_number(std::string_view text, std::int64_t scale);
// A JSON number that must be whole, negative or not ("-3", "3.0", "3e2"; not "3.5").
Checked<std::int64_t> parse_json_integer(std::string_view text);

// The exact decimal text of count/scale ("0.048", "20", "-1.5"), with no trailing zeros. With
// `max_decimals` >= 0, digits beyond it are cut off (toward zero: a shown dose is never more
// than the real one).
std::string format_decimal(std::int64_t count, std::int64_t scale, int max_decimals = -1);

}  // namespace itdd::host
