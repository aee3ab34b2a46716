#include "escaped_stderr.h"

#include <fmt/format.h>

#include <cstdint>
#include <iostream>
#include <streambuf>

#include "itdd/host/utf8.h"

namespace itdd::cli {
namespace {

// The length of the well-formed UTF-8 sequence at s[i] (1..4), 0 when it is not one or is a C1
// control (escaped like C0), or -1 when it is a valid start cut short by the end of `s`.
int sequence_length(std::string_view s, std::size_t i) {
  const host::Utf8Sequence seq = host::utf8_sequence(s, i);
  if (seq.kind == host::Utf8Sequence::Kind::kCutShort) return -1;
  if (seq.kind == host::Utf8Sequence::Kind::kInvalid) return 0;
  if (seq.code_point >= 0x80 && seq.code_point <= 0x9f) return 0;
  return static_cast<int>(seq.length);
}

}  // namespace

std::string escape_for_terminal(std::string_view text, std::string* pending) {
  std::string joined;
  if (pending != nullptr && !pending->empty()) {
    joined = *pending + std::string(text);
    text = joined;
    pending->clear();
  }
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const int n = sequence_length(text, i);
    if (n == -1 && pending != nullptr) {
      *pending = std::string(text.substr(i));
      break;
    }
    if (n <= 0 || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    out.append(text.substr(i, static_cast<std::size_t>(n)));
    i += static_cast<std::size_t>(n);
  }
  return out;
}

struct EscapedStderr::Buffer final : std::streambuf {
  explicit Buffer(std::streambuf* to) : to_(to) {}
  ~Buffer() override { flush_all(); }

  int_type overflow(int_type ch) override {
    if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
    line_ += static_cast<char>(ch);
    if (ch == '\n') write(false);
    return ch;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    line_.append(s, static_cast<std::size_t>(n));
    if (line_.find('\n') != std::string::npos) write(false);
    return n;
  }
  int sync() override {
    write(false);
    return to_->pubsync();
  }
  void flush_all() {
    write(true);
    to_->pubsync();
  }

 private:
  void write(bool final) {
    if (line_.empty() && pending_.empty()) return;
    std::string out = escape_for_terminal(line_, final ? nullptr : &pending_);
    if (final && !pending_.empty()) out = escape_for_terminal(pending_) + out;
    line_.clear();
    to_->sputn(out.data(), static_cast<std::streamsize>(out.size()));
  }
  std::streambuf* to_;
  std::string line_;
  std::string pending_;
};

EscapedStderr::EscapedStderr()
    : buffer_(new Buffer(std::cerr.rdbuf())), previous_(std::cerr.rdbuf(buffer_)) {}

EscapedStderr::~EscapedStderr() {
  buffer_->flush_all();
  std::cerr.rdbuf(previous_);
  delete buffer_;
}

}  // namespace itdd::cli
