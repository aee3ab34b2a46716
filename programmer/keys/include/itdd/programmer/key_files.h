// The files a programmer (or a patient device) keeps its keys in. Text, one field a line:
//
//   key pair (keygen; mode 0600, never overwritten)   implant (written at pairing)
//     itdd-key-pair 1                                    itdd-implant 1
//     public <64 hex digits>                             public <64 hex digits>
//     secret <64 hex digits>                             role patient
//                                                        device-id 3
//
// Whoever holds the secret is this device to every implant it is paired with: the file is
// created with mode 0600 and refused when others may read it. A public key is read from either
// kind of file, or from a file holding only its 64 hex digits (what `itdd implant serve` and
// `itdd programmer keygen` print), so a clinic key can be provisioned from its public half.
// Errors name the field ("key file", "public", "secret", ...) with a sentence saying what to fix.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "itdd/core/result.h"
#include "itdd/hal/crypto.h"
#include "itdd/link/initiator.h"
#include "itdd/link/types.h"

namespace itdd::programmer {

std::string to_hex(std::span<const std::uint8_t> bytes);
// 64 hex digits (either case) to a key; refuses anything else (field "key").
Result<link::PublicKey> public_key_from_hex(std::string_view hex);

// Creates `file` (mode 0600) with the key pair; refuses if it exists (a key is never replaced
// by accident: every pairing made with it would be lost).
Status write_key_pair_file(const std::filesystem::path& file, const hal::KeyPair& keys);
// Reads a key pair and checks that its public key is its secret key's.
Result<hal::KeyPair> read_key_pair_file(const std::filesystem::path& file, hal::Crypto& crypto);

// Records the implant learnt at pairing; refuses if `file` exists.
Status write_implant_file(const std::filesystem::path& file, const link::Paired& paired);
// The public key in a key-pair file, an implant file, or a bare hex file.
Result<link::PublicKey> read_public_key_file(const std::filesystem::path& file);
// The role an implant file says this device was paired with; kNone when the file records none
// (a bare hex key, a key-pair file). A role word it does not know is refused (field "role").
Result<link::Role> read_paired_role(const std::filesystem::path& file);

}  // namespace itdd::programmer
