// The board's link path on the host: FrameReceiver (frames out of a byte stream into one buffer,
// bad input refused) and the bench's radio answering in that same buffer (a full handshake and
// an interrogation sealed and opened in place, under the sanitizers).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "itdd/app/radio.h"
#include "itdd/board/bench.h"
#include "itdd/board/fixed_ports.h"
#include "itdd/board/frame_receiver.h"
#include "itdd/board/ram_nvm.h"
#include "itdd/host/sodium_crypto.h"
#include "itdd/link/initiator.h"
#include "itdd/protocol/frame.h"
#include "itdd/protocol/implant_bounds.h"
#include "itdd/protocol/messages.h"
#include "itdd/protocol/prescription_wire.h"
#include "itdd/storage/layout.h"

namespace itdd::board {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes frame_of(protocol::FrameType type, const Bytes& payload) {
  Bytes out(protocol::frame_size(payload.size()));
  const Result<std::size_t> n = protocol::encode_frame(type, payload, out);
  EXPECT_TRUE(n.ok());
  return out;
}

// Pushes `bytes`; the frames taken, in order.
std::vector<Bytes> push_all(FrameReceiver& r, const Bytes& bytes) {
  std::vector<Bytes> frames;
  for (std::uint8_t b : bytes) {
    if (r.push(b) == FrameReceiver::Took::kFrame) {
      const std::span<std::uint8_t> f = r.frame();
      frames.emplace_back(f.begin(), f.end());
      r.clear();
    }
  }
  return frames;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class FrameReceiverTest : public ::testing::Test {
 protected:
  std::array<std::uint8_t, 256> buffer_{};
  FrameReceiver receiver_{buffer_};
  const Bytes hello_ = frame_of(protocol::FrameType::kHandshake, Bytes(65, 0x42));
};

TEST_F(FrameReceiverTest, TakesAWholeFrameAfterNoise) {
  const Bytes noise = {0x00, 0xA5, 0x00, 0x1D, 0xFF, 0xA5, 0xA5};
  const auto frames = push_all(receiver_, concat({noise, hello_}));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], hello_);
  EXPECT_EQ(receiver_.refused(), 0u);
  EXPECT_EQ(receiver_.dropped_bytes(), noise.size());
}

TEST_F(FrameReceiverTest, ADamagedFrameIsRefusedAndTheNextOneFound) {
  Bytes damaged = hello_;
  damaged[20] ^= 0x01;
  const auto frames = push_all(receiver_, concat({damaged, hello_}));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], hello_);
  EXPECT_EQ(receiver_.refused(), 1u);
  EXPECT_STREQ(receiver_.last_refusal().field, "frame.crc");
}

TEST_F(FrameReceiverTest, ATruncatedFrameDoesNotSwallowTheFrameAfterIt) {
  // A record announcing 200 bytes, cut after 20: the Hello that follows completes inside it.
  const Bytes record = frame_of(protocol::FrameType::kRecord, Bytes(200, 7));
  const Bytes cut(record.begin(), record.begin() + 20);
  const auto frames = push_all(receiver_, concat({cut, hello_}));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], hello_);
  EXPECT_EQ(receiver_.refused(), 1u);
  EXPECT_STREQ(receiver_.last_refusal().field, "frame.size");
  // And it is in the buffer's first bytes, where the reply goes.
  const auto again = push_all(receiver_, hello_);
  ASSERT_EQ(again.size(), 1u);
}

TEST_F(FrameReceiverTest, AHeaderAnnouncingMoreThanTheBufferIsRefusedAtOnce) {
  const Bytes header = {0xA5, 0x1D, protocol::kProtocolVersion, 3, 0x00, 0x01};  // 256 + 10
  const auto frames = push_all(receiver_, concat({header, hello_}));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], hello_);
  EXPECT_STREQ(receiver_.last_refusal().field, "frame.length");
}

TEST_F(FrameReceiverTest, AnUnknownTypeIsRefusedAndAnotherVersionHandedOverAlone) {
  const Bytes unknown = {0xA5, 0x1D, protocol::kProtocolVersion, 9, 0, 0, 1, 2, 3, 4};
  EXPECT_TRUE(push_all(receiver_, unknown).empty());
  EXPECT_STREQ(receiver_.last_refusal().field, "frame.type");
  Bytes other = hello_;
  other[2] = 2;
  const auto frames = push_all(receiver_, concat({other, hello_}));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0], Bytes(other.begin(), other.begin() + protocol::kFrameHeaderSize));
  EXPECT_EQ(frames[1], hello_);
}

TEST_F(FrameReceiverTest, AFloodOfMagicsNeverStallsAFrameAfterIt) {
  Bytes flood;
  for (int i = 0; i < 200; ++i) flood.insert(flood.end(), {0xA5, 0x1D});
  const auto frames = push_all(receiver_, concat({flood, hello_, hello_}));
  ASSERT_GE(frames.size(), 1u);
  EXPECT_EQ(frames.back(), hello_);
}

// The bench's platform on the host: a clock that stands still unless run.
class StillPlatform final : public Platform {
 public:
  ImplantTime now() override { return now_; }
  void sleep_until(ImplantTime t) override {
    if (t > now_) now_ = t;
  }
  void power_cut(Duration off) override { now_ = now_ + off; }
  void kick_watchdog() override {}
  std::uint64_t instructions() override { return 0; }
  std::uint32_t stack_used() override { return 0; }
  void send_line(std::string_view line) override { lines.emplace_back(line); }
  void seed_random(std::span<const std::uint8_t, 32>) override { seeded_ = true; }
  bool random_seeded() override { return seeded_; }
  std::vector<std::string> lines;

 private:
  ImplantTime now_{};
  bool seeded_ = false;
};

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 0xF];
  }
  return s;
}

class BenchLinkTest : public ::testing::Test {
 protected:
  BenchLinkTest() { nvm_.erase_all(); }

  // Sends `frame` byte by byte; the implant's reply (empty: none).
  Bytes exchange(const Bytes& frame) {
    Bytes reply;
    for (std::uint8_t b : frame) {
      if (bench_.link_byte(b)) {
        const std::span<const std::uint8_t> r = bench_.answer_frame();
        reply.assign(r.begin(), r.end());
      }
    }
    return reply;
  }
  std::string run(std::string_view line) {
    platform_.lines.clear();
    bench_.handle_line(line);
    return platform_.lines.empty() ? "" : platform_.lines.back();
  }
  // The implant's public key, from the bench's answer to `seed` ("ok radio on key=HEX ...").
  static link::PublicKey implant_key_of(const std::string& seeded) {
    link::PublicKey implant{};
    const std::string key_hex = seeded.substr(seeded.find("key=") + 4, 64);
    for (std::size_t i = 0; i < implant.size(); ++i) {
      implant[i] = static_cast<std::uint8_t>(std::stoi(key_hex.substr(2 * i, 2), nullptr, 16));
    }
    return implant;
  }
  // The device's handshake through the bench's link: in session when it returns.
  void handshake(link::Initiator& device) {
    const link::HelloBytes hello = device.hello().value();
    const Bytes accept =
        exchange(frame_of(protocol::FrameType::kHandshake, Bytes(hello.begin(), hello.end())));
    const Result<protocol::FrameView> a = protocol::decode_frame(accept);
    ASSERT_TRUE(a.ok());
    ASSERT_EQ(a->type, protocol::FrameType::kHandshake);
    ASSERT_TRUE(device.on_accept(a->payload, ImplantTime{}).ok());
  }

  StillPlatform platform_;
  CountingMotor motor_;
  SilentBuzzer buzzer_;
  NominalPowerSense power_sense_;
  std::vector<std::uint8_t> flash_ = std::vector<std::uint8_t>(storage::kImplantFlash.size());
  RamNvm nvm_{storage::kImplantFlash, flash_};
  host::SodiumCrypto crypto_;
  // Exactly the size the board gives it: the largest frame the implant handles.
  std::vector<std::uint8_t> link_buffer_ = std::vector<std::uint8_t>(app::kLinkBufferSize);
  const app::ImplantConfig config_{};
  Bench bench_{{platform_, motor_, buzzer_, nvm_, power_sense_, &crypto_, link_buffer_}, config_};
};

TEST_F(BenchLinkTest, AProvisionedClinicianInterrogatesThroughTheOneBuffer) {
  bench_.power_up(hal::ResetCause::kPowerOn, WallTime(0));
  // Unseeded: the radio is off and a Hello gets no answer.
  const hal::KeyPair clinician = crypto_.generate_key_pair().value();
  EXPECT_TRUE(run("provision clinician " + hex(clinician.public_key)).starts_with("error "));
  const std::string seeded = run("seed " + std::string(64, '7'));
  ASSERT_TRUE(seeded.starts_with("ok radio on key=")) << seeded;
  ASSERT_TRUE(
      run("provision clinician " + hex(clinician.public_key)).starts_with("ok provisioned"));
  ASSERT_TRUE(run("refill 18000000 morphine mg 25000000 2000000").starts_with("ok now="));
  ASSERT_TRUE(run("program morphine mg 25000000 4000000").starts_with("ok now="));

  link::Initiator device(crypto_, clinician, implant_key_of(seeded));
  ASSERT_NO_FATAL_FAILURE(handshake(device));

  protocol::Request request{};
  request.which_payload = itdd_Request_interrogate_tag;
  Bytes plain(protocol::kMaxRequestSize);
  const std::size_t n = protocol::encode(request, plain).value();
  Bytes sealed(n + link::kRecordOverhead);
  ASSERT_TRUE(device.seal(std::span(plain.data(), n), sealed, ImplantTime{}).ok());
  const Bytes answer = exchange(frame_of(protocol::FrameType::kRecord, sealed));
  const Result<protocol::FrameView> r = protocol::decode_frame(answer);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->type, protocol::FrameType::kRecord);
  Bytes opened(r->payload.size());
  const Result<link::Opened> o = device.open(r->payload, opened, ImplantTime{});
  ASSERT_TRUE(o.ok());
  const Result<protocol::Response> response =
      protocol::decode_response(std::span(opened.data(), o->size));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->result, itdd_ResultCode_RESULT_OK);
  ASSERT_EQ(response->which_payload, itdd_Response_status_tag);
  const itdd_ImplantStatus& status = response->payload.status;
  ASSERT_TRUE(status.has_reservoir);
  EXPECT_STREQ(status.reservoir.drug.name, "morphine");
  EXPECT_EQ(status.reservoir.remaining_nl, 18000000);
  ASSERT_TRUE(status.has_prescription);

  // A replayed record is refused and answered with nothing that opens; the board goes on.
  const Bytes again = exchange(frame_of(protocol::FrameType::kRecord, sealed));
  if (!again.empty()) {
    EXPECT_NE(protocol::decode_frame(again)->type, protocol::FrameType::kRecord);
  }
  const std::string key_hex = seeded.substr(seeded.find("key=") + 4, 64);
  EXPECT_TRUE(run("radio").starts_with("ok radio on key=" + key_hex + " peers=1 frames=3"));
}

// The board's buffer is the implant's bound: a whole frame one byte longer is refused at its
// header ("frame.length"), one of exactly its size is taken.
TEST(BoardLinkBuffer, AFrameLongerThanTheImplantsBoundIsRefusedAtItsHeader) {
  std::vector<std::uint8_t> buffer(app::kLinkBufferSize);
  FrameReceiver receiver(buffer);
  static_assert(app::kLinkBufferSize ==
                protocol::frame_size(link::kRecordOverhead + protocol::kMaxImplantAnswerSize));
  static_assert(app::kLinkBufferSize == 4'391, "the figure board/README.md and the docs give");
  const Bytes too_long = frame_of(protocol::FrameType::kRecord,
                                  Bytes(app::kLinkBufferSize + 1 - protocol::kFrameOverhead, 7));
  const Bytes longest = frame_of(protocol::FrameType::kRecord,
                                 Bytes(app::kLinkBufferSize - protocol::kFrameOverhead, 7));
  const auto frames = push_all(receiver, concat({too_long, longest}));
  EXPECT_EQ(receiver.refused(), 1u);
  EXPECT_STREQ(receiver.last_refusal().field, "frame.length");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], longest);
}

// A week of 48 flexible steps a day, each as wide as a valid step goes on the wire (a start of
// two bytes but the first's, a dose of five), programmed over the link and read back, both
// through the one buffer of exactly kLinkBufferSize (ASan checks every byte written).
TEST_F(BenchLinkTest, AFullWeekIsProgrammedAndInterrogatedThroughTheOneBuffer) {
  bench_.power_up(hal::ResetCause::kPowerOn, WallTime(0));
  const hal::KeyPair clinician = crypto_.generate_key_pair().value();
  const std::string seeded = run("seed " + std::string(64, '7'));
  ASSERT_TRUE(seeded.starts_with("ok radio on key=")) << seeded;
  ASSERT_TRUE(
      run("provision clinician " + hex(clinician.public_key)).starts_with("ok provisioned"));
  ASSERT_TRUE(run("refill 18000000 morphine mg 25000000 2000000").starts_with("ok now="));
  link::Initiator device(crypto_, clinician, implant_key_of(seeded));
  ASSERT_NO_FATAL_FAILURE(handshake(device));
  std::uint32_t next_id = 1;
  std::size_t answer_size = 0;
  const auto ask = [&](protocol::Request request) -> std::optional<protocol::Response> {
    request.request_id = next_id++;
    Bytes plain(protocol::kMaxRequestSize);
    const Result<std::size_t> n = protocol::encode_for_implant(request, plain);
    if (!n.ok()) return std::nullopt;
    Bytes sealed(n.value() + link::kRecordOverhead);
    if (!device.seal(std::span(plain.data(), n.value()), sealed, ImplantTime{}).ok()) {
      return std::nullopt;
    }
    const Bytes answer = exchange(frame_of(protocol::FrameType::kRecord, sealed));
    const Result<protocol::FrameView> r = protocol::decode_frame(answer);
    if (!r.ok()) return std::nullopt;
    Bytes opened(r->payload.size());
    const Result<link::Opened> o = device.open(r->payload, opened, ImplantTime{});
    if (!o.ok()) return std::nullopt;
    answer_size = o->size;
    const Result<protocol::Response> response =
        protocol::decode_response(std::span(opened.data(), o->size));
    if (!response.ok()) return std::nullopt;
    return response.value();
  };
  protocol::Request interrogate{};
  interrogate.which_payload = itdd_Request_interrogate_tag;
  const std::optional<protocol::Response> before = ask(interrogate);
  ASSERT_TRUE(before.has_value());

  therapy::Prescription rx;
  rx.drug = therapy::make_drug("morphine", DoseUnit::kMilligram);
  rx.concentration = Concentration(25'000'000);
  rx.mode = therapy::BasalMode::kFlexible;
  rx.flex.per_weekday = true;
  for (std::size_t d = 0; d < rx.flex.days.size(); ++d) {
    therapy::DayProgram& day = rx.flex.days[d];
    day.step_count = therapy::kMaxStepsPerDay;
    for (std::size_t i = 0; i < day.step_count; ++i) {
      // From 268,435,456 ng/day (2^28: a five-byte varint), about 10.7 mL/day at 25 mg/mL.
      ASSERT_TRUE(
          day.set_step(i, static_cast<std::int64_t>(i) * 30,
                       DoseRate((std::int64_t{1} << 28) + static_cast<std::int64_t>(d * 48 + i)),
                       static_cast<std::int32_t>(d))
              .ok());
    }
  }
  protocol::Request program{};
  program.which_payload = itdd_Request_program_tag;
  program.payload.program.command_id = 1;
  program.payload.program.replaces_token = before->payload.status.prescription_token;
  program.payload.program.has_prescription = true;
  ASSERT_TRUE(protocol::prescription_to_wire(rx, program.payload.program.prescription).ok());
  const std::optional<protocol::Response> programmed = ask(program);
  ASSERT_TRUE(programmed.has_value());
  ASSERT_EQ(programmed->result, itdd_ResultCode_RESULT_OK)
      << programmed->error.field << ": " << programmed->error.message;

  const std::optional<protocol::Response> after = ask(interrogate);
  ASSERT_TRUE(after.has_value());
  ASSERT_EQ(after->result, itdd_ResultCode_RESULT_OK);
  const itdd_FlexProgram& flex = after->payload.status.prescription.flex;
  ASSERT_EQ(flex.days_count, 7u);
  for (const itdd_DayProgram& day : flex.days) ASSERT_EQ(day.steps_count, 48u);
  EXPECT_EQ(flex.days[6].steps[47].dose_ng_per_day, (std::int64_t{1} << 28) + 6 * 48 + 47);
  // Within the bound, and not far from it (3,790 B): what is left is an alarm list's 266 B (no
  // alarm is active), the other fields' narrower values and the starts below 128 minutes.
  EXPECT_LE(answer_size, protocol::kMaxImplantAnswerSize);
  EXPECT_GE(answer_size + 600, protocol::kMaxImplantAnswerSize) << answer_size;
}

}  // namespace
}  // namespace itdd::board
