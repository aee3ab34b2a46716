// SodiumCrypto against the published test vectors of its primitives (RFC 7748 X25519, RFC 8439
// ChaCha20-Poly1305, RFC 7693 BLAKE2b), and the port's contract: refusals, buffer sizes,
// constant-time comparison, the map to the curve.
#include "itdd/host/sodium_crypto.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace itdd::host {
namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(
        static_cast<std::uint8_t>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_array(std::string_view text) {
  std::array<std::uint8_t, N> a{};
  const std::vector<std::uint8_t> v = hex(text);
  EXPECT_EQ(v.size(), N);
  for (std::size_t i = 0; i < N && i < v.size(); ++i) a[i] = v[i];
  return a;
}

TEST(SodiumCrypto, X25519MatchesRfc7748) {
  SodiumCrypto c;
  ASSERT_TRUE(c.ready());
  const auto alice_secret =
      hex_array<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const auto alice_public =
      hex_array<32>("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const auto bob_secret =
      hex_array<32>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const auto bob_public =
      hex_array<32>("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const auto shared =
      hex_array<32>("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(c.public_key_of(alice_secret).value(), alice_public);
  EXPECT_EQ(c.public_key_of(bob_secret).value(), bob_public);
  EXPECT_EQ(c.x25519(alice_secret, bob_public).value(), shared);
  EXPECT_EQ(c.x25519(bob_secret, alice_public).value(), shared);
}

TEST(SodiumCrypto, X25519RefusesLowOrderPoints) {
  SodiumCrypto c;
  const Result<hal::KeyPair> pair = c.generate_key_pair();
  ASSERT_TRUE(pair.ok());
  hal::X25519Public zero{};
  const Result<hal::SharedSecret> r = c.x25519(pair->secret_key, zero);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "crypto.x25519");
  hal::X25519Public one{};
  one[0] = 1;  // the point of order 4
  EXPECT_FALSE(c.x25519(pair->secret_key, one).ok());
}

TEST(SodiumCrypto, KeyPairsAreConsistentAndFresh) {
  SodiumCrypto c;
  const hal::KeyPair a = c.generate_key_pair().value();
  const hal::KeyPair b = c.generate_key_pair().value();
  EXPECT_NE(a.secret_key, b.secret_key);
  EXPECT_EQ(c.public_key_of(a.secret_key).value(), a.public_key);
  EXPECT_EQ(c.x25519(a.secret_key, b.public_key).value(),
            c.x25519(b.secret_key, a.public_key).value());
}

TEST(SodiumCrypto, AeadMatchesRfc8439) {
  SodiumCrypto c;
  hal::AeadKey key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(0x80 + i);
  const auto nonce = hex_array<12>("070000004041424344454647");
  const std::vector<std::uint8_t> ad = hex("50515253c0c1c2c3c4c5c6c7");
  const std::string_view text =
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.";
  const std::vector<std::uint8_t> plain(text.begin(), text.end());
  std::vector<std::uint8_t> cipher(plain.size());
  hal::AeadTag tag{};
  ASSERT_TRUE(c.aead_encrypt(key, nonce, ad, plain, cipher, tag).ok());
  EXPECT_EQ(tag, hex_array<16>("1ae10b594f09e26a7e902ecbd0600691"));
  EXPECT_EQ(std::vector<std::uint8_t>(cipher.begin(), cipher.begin() + 16),
            hex("d31a8d34648e60db7b86afbc53ef7ec2"));

  std::vector<std::uint8_t> back(cipher.size());
  ASSERT_TRUE(c.aead_decrypt(key, nonce, ad, cipher, tag, back).ok());
  EXPECT_EQ(back, plain);

  // Any change to the ciphertext, the tag, the associated data or the nonce is refused, and
  // none of the message comes out.
  std::vector<std::uint8_t> out(cipher.size(), 0xAA);
  cipher[5] ^= 1;
  EXPECT_FALSE(c.aead_decrypt(key, nonce, ad, cipher, tag, out).ok());
  EXPECT_NE(out, plain);
  cipher[5] ^= 1;
  tag[0] ^= 0x80;
  EXPECT_FALSE(c.aead_decrypt(key, nonce, ad, cipher, tag, out).ok());
  tag[0] ^= 0x80;
  std::vector<std::uint8_t> other_ad = ad;
  other_ad.back() ^= 1;
  EXPECT_FALSE(c.aead_decrypt(key, nonce, other_ad, cipher, tag, out).ok());
  auto other_nonce = nonce;
  other_nonce[0] ^= 1;
  const Status s = c.aead_decrypt(key, other_nonce, ad, cipher, tag, out);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "crypto.aead");
}

TEST(SodiumCrypto, AeadInPlaceAndEmptyAndSizeChecks) {
  SodiumCrypto c;
  hal::AeadKey key{};
  key[3] = 7;
  hal::AeadNonce nonce{};
  std::vector<std::uint8_t> buffer = {1, 2, 3, 4, 5};
  hal::AeadTag tag{};
  ASSERT_TRUE(c.aead_encrypt(key, nonce, {}, buffer, buffer, tag).ok());
  ASSERT_TRUE(c.aead_decrypt(key, nonce, {}, buffer, tag, buffer).ok());
  EXPECT_EQ(buffer, (std::vector<std::uint8_t>{1, 2, 3, 4, 5}));

  hal::AeadTag empty_tag{};
  ASSERT_TRUE(c.aead_encrypt(key, nonce, buffer, {}, {}, empty_tag).ok());  // a MAC only
  EXPECT_TRUE(c.aead_decrypt(key, nonce, buffer, {}, empty_tag, {}).ok());
  buffer[0] ^= 1;
  EXPECT_FALSE(c.aead_decrypt(key, nonce, buffer, {}, empty_tag, {}).ok());

  std::vector<std::uint8_t> small(2);
  EXPECT_FALSE(c.aead_encrypt(key, nonce, {}, buffer, small, tag).ok());
}

TEST(SodiumCrypto, Blake2bMatchesReference) {
  SodiumCrypto c;
  const std::string_view abc = "abc";
  const hal::ByteView part(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size());
  std::array<std::uint8_t, 64> out{};
  ASSERT_TRUE(c.hash({}, std::span<const hal::ByteView>(&part, 1), out).ok());
  EXPECT_EQ(out, hex_array<64>("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                               "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"));

  // Keyed, 32 bytes out, the message in two parts ("abc" + "def").
  std::array<std::uint8_t, 32> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  const std::string_view def = "def";
  const hal::ByteView parts[] = {part, {reinterpret_cast<const std::uint8_t*>(def.data()), 3}};
  std::array<std::uint8_t, 32> mac{};
  ASSERT_TRUE(c.hash(key, parts, mac).ok());
  EXPECT_EQ(mac, hex_array<32>("4b27895482b5a5b9dc579b795d730c2adf4d190169065b22be5c1f913365c399"));
}

TEST(SodiumCrypto, HashRefusesBadSizes) {
  SodiumCrypto c;
  std::array<std::uint8_t, 8> short_out{};
  EXPECT_FALSE(c.hash({}, {}, short_out).ok());
  std::array<std::uint8_t, 32> out{};
  std::array<std::uint8_t, 8> short_key{};
  EXPECT_FALSE(c.hash(short_key, {}, out).ok());
  std::array<hal::ByteView, hal::kHashMaxParts + 1> many{};
  EXPECT_FALSE(c.hash({}, many, out).ok());
}

TEST(SodiumCrypto, EqualIsExact) {
  SodiumCrypto c;
  const std::array<std::uint8_t, 4> a = {1, 2, 3, 4};
  std::array<std::uint8_t, 4> b = a;
  EXPECT_TRUE(c.equal(a, b));
  b[3] = 5;
  EXPECT_FALSE(c.equal(a, b));
  EXPECT_FALSE(c.equal(a, hal::ByteView(a).first(3)));
  EXPECT_TRUE(c.equal({}, {}));
}

TEST(SodiumCrypto, MapToCurveGivesUsableGenerators) {
  SodiumCrypto c;
  std::array<std::uint8_t, 32> uniform{};
  uniform[0] = 42;
  const hal::X25519Public g = c.map_to_curve(uniform).value();
  EXPECT_EQ(c.map_to_curve(uniform).value(), g);  // deterministic
  uniform[0] = 43;
  EXPECT_NE(c.map_to_curve(uniform).value(), g);
  // Diffie-Hellman works on the mapped generator: a(bG) == b(aG).
  const hal::KeyPair a = c.generate_key_pair().value();
  const hal::KeyPair b = c.generate_key_pair().value();
  const hal::X25519Public ag = c.x25519(a.secret_key, g).value();
  const hal::X25519Public bg = c.x25519(b.secret_key, g).value();
  EXPECT_EQ(c.x25519(a.secret_key, bg).value(), c.x25519(b.secret_key, ag).value());
}

// The map's bytes as libsodium 1.0.18 gives them on the host (crypto_core_ed25519_from_uniform,
// then crypto_sign_ed25519_pk_to_curve25519): the board compiles those functions in other units
// than libsodium's own build (board/crypto/src/sodium_curve25519.c), so the same outputs are
// checked here, a sign bit set and clear, and the input whose point the conversion refuses.
TEST(SodiumCrypto, MapToCurveMatchesLibsodiumsValues) {
  SodiumCrypto c;
  const struct {
    const char* uniform;
    const char* u;
  } vectors[] = {
      {"2a00000000000000000000000000000000000000000000000000000000000000",
       "9141283a3e8720b5bf9b3f58a5f81ed02c2221c10c4868b136fcfb163ad83932"},
      {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
       "52deb987bbbe5773011791619a5d1ee2e4a7268e7ade7ec5bf0bf05cfd23944c"},
      {"e05abea13b6d945f37b8c5e7d6fac36e9f96301d18b130cafd60ff4bcaa6ad13",
       "cfbdba635770db60cb7b34d1022086e6a9f88e9b879d87b6aa92a156d9ec494a"},
  };
  for (const auto& v : vectors) {
    const Result<hal::X25519Public> u = c.map_to_curve(hex_array<32>(v.uniform));
    ASSERT_TRUE(u.ok()) << v.uniform;
    EXPECT_EQ(u.value(), hex_array<32>(v.u)) << v.uniform;
  }
  // Zero maps to a point of small order, which the key conversion refuses.
  const Result<hal::X25519Public> refused = c.map_to_curve(std::array<std::uint8_t, 32>{});
  ASSERT_FALSE(refused.ok());
  EXPECT_STREQ(refused.error().field, "crypto.map_to_curve");
}

TEST(SodiumCrypto, RandomFills) {
  SodiumCrypto c;
  std::array<std::uint8_t, 32> a{}, b{};
  ASSERT_TRUE(c.random(a).ok());
  ASSERT_TRUE(c.random(b).ok());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace itdd::host
