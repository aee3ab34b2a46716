#include "itdd/programmer/tcp_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string_view>
#include <thread>
#include <vector>

namespace itdd::programmer {
namespace {

using namespace std::chrono_literals;

// A loopback listener on a port the system picks.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() {
    if (client_ >= 0) ::close(client_);
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  int accept() {
    client_ = ::accept(fd_, nullptr, nullptr);
    return client_;
  }
  void write(const std::vector<std::uint8_t>& bytes) const {
    ASSERT_EQ(::send(client_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  void close_client() {
    ::close(client_);
    client_ = -1;
  }

 private:
  int fd_ = -1;
  int client_ = -1;
  std::uint16_t port_ = 0;
};

std::vector<std::uint8_t> make_frame(protocol::FrameType type, std::vector<std::uint8_t> payload) {
  std::vector<std::uint8_t> out(protocol::kMaxFrameSize);
  const Result<std::size_t> n = protocol::encode_frame(type, payload, out);
  EXPECT_TRUE(n.ok());
  out.resize(n.value());
  return out;
}

Endpoint loopback(std::uint16_t port) {
  return Endpoint{"127.0.0.1", port};
}

TEST(ParseEndpoint, TakesHostAndPort) {
  const Result<Endpoint> e = parse_endpoint("127.0.0.1:40123");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 40123);
  const Result<Endpoint> v6 = parse_endpoint("[::1]:7");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7);
  EXPECT_TRUE(parse_endpoint("localhost:0", true).ok());
}

TEST(ParseEndpoint, RefusesWhatIsNotHostPort) {
  for (const char* bad : {"", "127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "127.0.0.1:8x", "[::1]80", "127.0.0.1:0"}) {
    const Result<Endpoint> e = parse_endpoint(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_STREQ(e.error().field, "address") << bad;
  }
}

TEST(TcpTransport, ConnectionRefusedIsAClearError) {
  std::uint16_t port = 0;
  {
    Listener gone;  // a port that was free a moment ago, now closed
    port = gone.port();
  }
  TcpTransport t;
  const Status s = t.connect(loopback(port), 1s);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "transport");
  EXPECT_NE(std::string_view(s.error().message).find("connection refused"), std::string_view::npos);
  EXPECT_FALSE(t.connected());
  EXPECT_FALSE(t.send(std::vector<std::uint8_t>{1, 2, 3}).ok());
}

TEST(TcpTransport, AnUnresolvableHostIsAnAddressError) {
  TcpTransport t;
  const Status s = t.connect(Endpoint{"no-such-host.invalid", 1}, 1s);
  ASSERT_FALSE(s.ok());
  EXPECT_STREQ(s.error().field, "address");
}

TEST(TcpTransport, CutsWholeFramesFromAnyChunking) {
  Listener server;
  TcpTransport t;
  ASSERT_TRUE(t.connect(loopback(server.port()), 1s).ok());
  ASSERT_GE(server.accept(), 0);
  const auto a = make_frame(protocol::FrameType::kHandshake, {1, 2, 3});
  const auto b = make_frame(protocol::FrameType::kRecord, std::vector<std::uint8_t>(3000, 7));
  const auto c = make_frame(protocol::FrameType::kPairing, {9});
  // a and the first half of b in one write, garbage, the rest of b and c later.
  std::vector<std::uint8_t> first = a;
  first.insert(first.end(), b.begin(), b.begin() + 1500);
  server.write(first);
  Result<std::vector<std::uint8_t>> got = t.receive(1s);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), a);
  std::thread later([&] {
    std::this_thread::sleep_for(20ms);
    std::vector<std::uint8_t> rest(b.begin() + 1500, b.end());
    rest.insert(rest.end(), {0x00, 0x13, 0x37});  // bytes that start no frame
    rest.insert(rest.end(), c.begin(), c.end());
    server.write(rest);
  });
  got = t.receive(1s);
  later.join();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), b);
  got = t.receive(1s);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), c);
  EXPECT_EQ(t.bytes_dropped(), 3u);
  EXPECT_EQ(t.bytes_received(), a.size() + b.size() + c.size() + 3);
}

TEST(TcpTransport, SendsWholeFramesAndCountsBytes) {
  Listener server;
  TcpTransport t;
  ASSERT_TRUE(t.connect(loopback(server.port()), 1s).ok());
  const int fd = server.accept();
  ASSERT_GE(fd, 0);
  const auto f = make_frame(protocol::FrameType::kRecord, std::vector<std::uint8_t>(5000, 1));
  ASSERT_TRUE(t.send(f).ok());
  std::vector<std::uint8_t> got(f.size());
  std::size_t n = 0;
  while (n < got.size()) {
    const ssize_t r = ::recv(fd, got.data() + n, got.size() - n, 0);
    ASSERT_GT(r, 0);
    n += static_cast<std::size_t>(r);
  }
  EXPECT_EQ(got, f);
  EXPECT_EQ(t.bytes_sent(), f.size());
}

TEST(TcpTransport, TimeoutAndClosedConnectionAreErrors) {
  Listener server;
  TcpTransport t;
  ASSERT_TRUE(t.connect(loopback(server.port()), 1s).ok());
  ASSERT_GE(server.accept(), 0);
  Result<std::vector<std::uint8_t>> r = t.receive(30ms);
  ASSERT_FALSE(r.ok());
  EXPECT_STREQ(r.error().field, "transport");
  EXPECT_NE(std::string_view(r.error().message).find("timeout"), std::string_view::npos);

  // A frame sent just before the close is still delivered; then the close is reported.
  const auto f = make_frame(protocol::FrameType::kError, {1});
  server.write(f);
  server.close_client();
  r = t.receive(1s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), f);
  r = t.receive(1s);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string_view(r.error().message).find("closed"), std::string_view::npos);
}

}  // namespace
}  // namespace itdd::programmer
