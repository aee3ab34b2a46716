// What an outsider's traffic costs the implant and the clinic (issues 11 and 12): junk floods
// against the implant's radio in simulated time, with the programmer's own client beside them.
// The figures (the clinician's wait, epoch writes, answers, log records, energy) are recorded
// as test properties (ctest --output-on-failure, or --gtest_output=xml).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "itdd/link/events.h"
#include "itdd/programmer/requests.h"
#include "radio_rig.h"

namespace itdd {
namespace {

using testing::Device;
using testing::Implanted;
using testing::is_error_frame;
using testing::new_keys;
using testing::provisioned;

// A cheap deterministic byte source for junk (splitmix64).
struct Junk {
  std::uint64_t state = 1;
  std::uint8_t byte() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<std::uint8_t>((z ^ (z >> 31)) >> 56);
  }
  std::vector<std::uint8_t> bytes(std::size_t n) {
    std::vector<std::uint8_t> b(n);
    for (std::uint8_t& x : b) x = byte();
    return b;
  }
};

std::vector<std::uint8_t> frame_of(protocol::FrameType type, std::span<const std::uint8_t> p) {
  std::vector<std::uint8_t> f(protocol::kMaxFrameSize);
  f.resize(protocol::encode_frame(type, p, f).value());
  return f;
}

// A Hello from a random (unpaired) key.
std::vector<std::uint8_t> stranger_hello(Junk& j) {
  std::vector<std::uint8_t> h = j.bytes(link::kHelloSize);
  h[0] = link::kVersion;
  return frame_of(protocol::FrameType::kHandshake, h);
}

// A Hello claiming a paired device's key (public: it is sent in clear) with a junk ephemeral.
std::vector<std::uint8_t> forged_hello(Junk& j, const link::PublicKey& claimed,
                                       bool low_order = false) {
  std::vector<std::uint8_t> h = j.bytes(link::kHelloSize);
  h[0] = link::kVersion;
  std::copy(claimed.begin(), claimed.end(), h.begin() + 1);
  if (low_order) {
    std::fill(h.begin() + 33, h.end(), 0);
    h[33] = 1;  // a point of order 4
  }
  return frame_of(protocol::FrameType::kHandshake, h);
}

std::vector<std::uint8_t> junk_record(Junk& j) {
  return frame_of(protocol::FrameType::kRecord, j.bytes(link::kRecordOverhead + 24));
}

std::vector<std::uint8_t> pair_hello(Junk& j) {
  std::vector<std::uint8_t> h = j.bytes(link::kPairHelloSize);
  h[0] = link::kVersion;
  return frame_of(protocol::FrameType::kPairing, h);
}

// A filled implant with a provisioned clinician and patient device.
struct Clinic {
  Implanted implanted;
  std::unique_ptr<Device> clinician = provisioned(implanted, link::Role::kClinician);
  std::unique_ptr<Device> patient = provisioned(implanted, link::Role::kPatient);

  std::uint32_t newest_log_seq() { return implanted.implant->event_log().newest_seq(); }
  const link::Responder& link() { return *implanted.radio->responder(); }

  // A fresh programmer session with the clinician's keys (a new handshake) and one
  // interrogation; true if it was answered.
  bool clinician_interrogates() {
    Device d(implanted, clinician->keys);
    const Result<protocol::Response> r = d.client.call(programmer::interrogate_request());
    return r.ok() && r->result == itdd_ResultCode_RESULT_OK;
  }
  // How long the clinician waits for an answer, trying once a second.
  Duration clinician_wait(Duration give_up = minutes(10)) {
    const ImplantTime start = implanted.now;
    while (!clinician_interrogates()) {
      if (implanted.now - start >= give_up) return give_up;
      implanted.advance(seconds(1));
    }
    return implanted.now - start;
  }
  // Reads the event log's records with this code since `seq`.
  std::vector<storage::LogRecord> records_since(std::uint32_t seq, std::uint16_t code) {
    std::vector<storage::LogRecord> all(6000);
    const std::size_t n = implanted.implant->event_log().read_from(seq + 1, all).value();
    std::vector<storage::LogRecord> out;
    for (std::size_t k = 0; k < n; ++k) {
      if (all[k].code == code) out.push_back(all[k]);
    }
    return out;
  }
};

std::uint16_t link_code(link::Outcome o) {
  return static_cast<std::uint16_t>(app::kLinkLogCodeFirst + static_cast<std::uint16_t>(o));
}

TEST(LinkFlood, AClinicianInterrogatesThroughAMinuteOfRandomHandshakes) {
  Clinic c;
  Junk j;
  std::int64_t junk_frames = 0;
  std::int64_t answers_to_junk = 0;
  Duration worst_wait{0};
  // A minute of junk, 100 frames a second: random handshakes, with junk records and PairHellos
  // among them; the clinician starts a new session every 5 s.
  for (int tick = 0; tick < 6000; ++tick) {
    const std::vector<std::uint8_t> frame = tick % 7 == 0    ? junk_record(j)
                                            : tick % 13 == 0 ? pair_hello(j)
                                                             : stranger_hello(j);
    const std::vector<std::uint8_t> reply = c.clinician->loop.raw(frame);
    answers_to_junk += reply.empty() ? 0 : 1;
    ++junk_frames;
    if (tick % 500 == 250) {
      const Duration wait = c.clinician_wait();
      if (wait > worst_wait) worst_wait = wait;
    }
    c.implanted.advance(milliseconds(10));
  }
  const Duration after = c.clinician_wait();
  RecordProperty("junk_frames", static_cast<int>(junk_frames));
  RecordProperty("answers_to_junk", static_cast<int>(answers_to_junk));
  RecordProperty("clinician_worst_wait_ms_during_flood", static_cast<int>(worst_wait.count()));
  RecordProperty("clinician_wait_ms_after_flood", static_cast<int>(after.count()));
  // Answered at the first try, during the flood and at its end.
  EXPECT_EQ(worst_wait, Duration(0));
  EXPECT_EQ(after, Duration(0));
  // Nobody's backoff moved; the implant answered junk only within its small budget (4, then
  // one every 2 s: at most 34 in the minute).
  EXPECT_EQ(c.link().backoff(c.link().state().peers[0].id), link::BackoffInfo{});
  EXPECT_LE(answers_to_junk, 4 + 30);
}

TEST(LinkFlood, AnHourOfHellosClaimingPairedKeysWritesTheEpochAtMostOnce) {
  Clinic c;
  ASSERT_TRUE(c.clinician_interrogates());
  const std::uint64_t committed_before = c.link().state().epoch;
  const std::uint64_t block = link::ResponderConfig{}.epoch_block;
  Junk j;
  std::int64_t accepts = 0;
  // Ten a second for an hour, alternating the clinician's and the patient device's public keys.
  for (int tick = 0; tick < 36'000; ++tick) {
    const link::PublicKey& key =
        tick % 2 == 0 ? c.clinician->keys.public_key : c.patient->keys.public_key;
    const std::vector<std::uint8_t> reply = c.clinician->loop.raw(forged_hello(j, key));
    const Result<protocol::FrameView> f = protocol::decode_frame(reply);
    accepts += f.ok() && f->type == protocol::FrameType::kHandshake ? 1 : 0;
    c.implanted.now = c.implanted.now + milliseconds(100);
  }
  c.implanted.advance(Duration(0));
  const std::uint64_t writes = (c.link().state().epoch - committed_before) / block;
  RecordProperty("forged_hellos_answered", static_cast<int>(accepts));
  RecordProperty("epoch_writes_in_the_hour", static_cast<int>(writes));
  // Each key: 32 at once, then two a second; one flash write per 65,536 answered handshakes.
  EXPECT_LE(accepts, 2 * (32 + 7200));
  EXPECT_LE(writes, 1u);
  // The clinician still gets in once his key's allowance refills (the flood spent it).
  const Duration wait = c.clinician_wait();
  RecordProperty("clinician_wait_ms_after_forged_flood", static_cast<int>(wait.count()));
  EXPECT_LE(wait, seconds(3));
}

TEST(LinkFlood, APairHelloFloodIsAnsweredSixTimesAndCannotWipeTheLog) {
  Clinic c;
  const Result<protocol::Response> opened =
      c.clinician->client.call(programmer::open_pairing_request(link::Role::kPatient, minutes(5)));
  ASSERT_TRUE(opened.ok());
  ASSERT_EQ(opened->result, itdd_ResultCode_RESULT_OK);
  const std::uint32_t seq = c.newest_log_seq();
  Junk j;
  std::int64_t accepts = 0;
  std::int64_t replies = 0;
  for (int i = 0; i < 300; ++i) {
    const std::vector<std::uint8_t> reply = c.clinician->loop.raw(pair_hello(j));
    const Result<protocol::FrameView> f = protocol::decode_frame(reply);
    accepts += f.ok() && f->type == protocol::FrameType::kPairing ? 1 : 0;
    replies += reply.empty() ? 0 : 1;
    c.implanted.now = c.implanted.now + milliseconds(100);
  }
  const std::uint32_t records = c.newest_log_seq() - seq;
  RecordProperty("pair_accepts", static_cast<int>(accepts));
  RecordProperty("replies", static_cast<int>(replies));
  RecordProperty("log_records", static_cast<int>(records));
  EXPECT_EQ(accepts, 6);  // the window's PairHellos; the seventh closed it
  EXPECT_FALSE(c.link().pairing().open);
  EXPECT_LE(records, 12u);  // the log's budget (10) and the window's closing
  // An hour on, the rest is summarised by kind and reason: nothing was tried unseen.
  c.implanted.advance(hours(1));
  const std::vector<storage::LogRecord> summaries = c.records_since(seq, app::kLinkRefusalsCounted);
  EXPECT_FALSE(summaries.empty());
  bool no_window = false;
  for (const storage::LogRecord& r : summaries) {
    no_window = no_window || (r.reason == static_cast<std::uint8_t>(link::Reason::kNoWindow) &&
                              r.b == static_cast<std::int64_t>(link::Outcome::kPairingRefused));
  }
  EXPECT_TRUE(no_window);
  // Every PairHello is in the log: written one by one, or counted in a summary.
  std::int64_t pair_events = static_cast<std::int64_t>(
      c.records_since(seq, link_code(link::Outcome::kPairingAnswered)).size() +
      c.records_since(seq, link_code(link::Outcome::kPairingRefused)).size());
  for (const storage::LogRecord& r : summaries) {
    if (r.b == static_cast<std::int64_t>(link::Outcome::kPairingAnswered) ||
        r.b == static_cast<std::int64_t>(link::Outcome::kPairingRefused)) {
      pair_events += r.a;
    }
  }
  EXPECT_EQ(pair_events, 300);
  RecordProperty("summary_records", static_cast<int>(summaries.size()));
}

TEST(LinkFlood, NothingIsSentDuringALockoutAfterItsOneNotice) {
  Clinic c;
  Junk j;
  // Three Hellos claiming the clinician's key with a low-order ephemeral: failures of that
  // identity, and its first lockout.
  for (int i = 0; i < 3; ++i)
    c.clinician->loop.raw(forged_hello(j, c.clinician->keys.public_key, true));
  ASSERT_TRUE(c.link().locked_out(c.link().state().peers[0].id, c.implanted.now));
  // The clinician's programmer is told which refusal it is and how long to wait.
  Device d(c.implanted, c.clinician->keys);
  const Status s = d.client.connect();
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "implant.locked_out");
  EXPECT_EQ(s.error().index, 1);  // seconds
  // Then silence: no frame goes out until the lockout ends.
  std::int64_t sent = 0;
  for (int i = 0; i < 100; ++i) {
    sent += c.clinician->loop.raw(forged_hello(j, c.clinician->keys.public_key)).empty() ? 0 : 1;
  }
  RecordProperty("frames_sent_in_lockout", static_cast<int>(sent));
  EXPECT_EQ(sent, 0);
  // Junk from strangers does not extend it; after it the clinician gets in.
  c.implanted.advance(seconds(1));
  EXPECT_TRUE(c.clinician_interrogates());
}

TEST(LinkFlood, EachRefusalIsLoggedWithItsReasonAndDevice) {
  Clinic c;
  const std::uint32_t seq = c.newest_log_seq();
  Junk j;
  const hal::KeyPair stranger = new_keys(c.implanted.crypto);
  Device s(c.implanted, stranger);
  EXPECT_FALSE(s.client.connect().ok());
  c.clinician->loop.raw(forged_hello(j, c.clinician->keys.public_key, true));
  const std::vector<storage::LogRecord> refused =
      c.records_since(seq, link_code(link::Outcome::kHandshakeRefused));
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].reason, static_cast<std::uint8_t>(link::Reason::kUnknownPeer));
  EXPECT_EQ(refused[0].a, 0);  // not paired: known by its key
  EXPECT_EQ(refused[0].b, static_cast<std::int64_t>(link::key_id(stranger.public_key)));
  EXPECT_EQ(refused[1].reason, static_cast<std::uint8_t>(link::Reason::kMalformed));
  EXPECT_EQ(refused[1].a, static_cast<std::int64_t>(c.link().state().peers[0].id));
}

TEST(LinkFlood, AnInjectedErrorFrameDoesNotBreakASession) {
  Clinic c;
  ASSERT_TRUE(c.clinician->client.call(programmer::interrogate_request()).ok());
  const auto hellos = [&] {
    std::int64_t n = 0;
    for (const auto& f : c.clinician->loop.sent) {
      const Result<protocol::FrameView> v = protocol::decode_frame(f);
      n += v.ok() && v->type == protocol::FrameType::kHandshake ? 1 : 0;
    }
    return n;
  };
  const std::int64_t before = hellos();
  // An outsider's plaintext error frame arrives before the implant's answer.
  protocol::LinkError e{};
  e.code = itdd_LinkErrorCode_LINK_ERROR_SESSION;
  std::array<std::uint8_t, protocol::kMaxLinkErrorSize> bytes{};
  const std::size_t n = protocol::encode(e, bytes).value();
  c.clinician->loop.inject = frame_of(protocol::FrameType::kError, std::span(bytes.data(), n));
  const Result<protocol::Response> r = c.clinician->client.call(programmer::interrogate_request());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->result, itdd_ResultCode_RESULT_OK);
  EXPECT_EQ(hellos(), before);  // the same session: no new handshake was forced
}

TEST(LinkFlood, AnHourOfJunkIsChargedToTheBattery) {
  Clinic c;
  const std::int64_t before = c.implanted.implant->battery()->state().link_work_uj;
  Junk j;
  // Ten frames a second for an hour: random handshakes, Hellos claiming the paired keys, junk
  // records, PairHellos.
  for (int tick = 0; tick < 36'000; ++tick) {
    const std::vector<std::uint8_t> frame =
        tick % 4 == 0   ? forged_hello(j, tick % 8 == 0 ? c.clinician->keys.public_key
                                                        : c.patient->keys.public_key)
        : tick % 4 == 1 ? junk_record(j)
        : tick % 4 == 2 ? pair_hello(j)
                        : stranger_hello(j);
    (void)c.clinician->loop.raw(frame);
    c.implanted.now = c.implanted.now + milliseconds(100);
  }
  c.implanted.advance(Duration(0));
  const std::int64_t uj = c.implanted.implant->battery()->state().link_work_uj - before;
  RecordProperty("junk_hour_energy_uj", static_cast<int>(uj));
  // 36,000 frames received (30 uJ each) at least; at most every frame answered (40 uJ), both
  // keys' whole allowance of handshakes (5 X25519 of 150 uJ each) and one epoch write.
  EXPECT_GE(uj, 36'000 * 30);
  EXPECT_LE(uj, 36'000 * 70 + 2 * (32 + 7200) * 5 * 150 + 600);
}

}  // namespace
}  // namespace itdd
