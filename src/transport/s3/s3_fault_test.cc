// Faults on a real network path: a loopback TCP proxy in front of s3rver
// answers the first N connections with "503 SlowDown" (or drops them), then
// relays bytes. Also presigned URLs fetched with libcurl.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "core/hash.h"
#include "testing/test_util.h"
#include "transport/retrying_transport.h"
#include "transport/s3/s3_transport.h"
#include "transport/s3/testing/s3rver.h"

namespace worm {
namespace {

using s3::testing::S3rver;
using ::worm::testing::StatusIs;

// Relays loopback TCP connections to `target_port`, after failing the first
// `failures` connections: with an S3 503 SlowDown, or by closing them.
class FaultProxy {
 public:
  enum class Mode { k503, kDrop };
  FaultProxy(int target_port, int failures, Mode mode)
      : target_port_(target_port), failures_left_(failures), mode_(mode) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 64);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~FaultProxy() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    acceptor_.join();
    for (auto& t : relays_) t.join();
  }
  int port() const { return port_; }
  int failed() const { return failed_; }

 private:
  void AcceptLoop() {
    while (!stop_) {
      int c = accept(listen_fd_, nullptr, nullptr);
      if (c < 0) return;
      if (failures_left_.fetch_sub(1) > 0) {
        Fail(c);
        continue;
      }
      relays_.emplace_back([this, c] { Relay(c); });
    }
  }

  void Fail(int c) {
    ++failed_;
    if (mode_ == Mode::k503) {
      char buf[65536];
      (void)!read(c, buf, sizeof(buf));  // the request head
      static const std::string body =
          "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your "
          "request rate.</Message><RequestId>PROXY503</RequestId></Error>";
      std::string resp =
          "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
          "Connection: close\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
      (void)!write(c, resp.data(), resp.size());
    }
    close(c);
  }

  void Relay(int c) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(target_port_));
    if (connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      pollfd fds[2] = {{c, POLLIN, 0}, {s, POLLIN, 0}};
      char buf[65536];
      while (!stop_ && poll(fds, 2, 100) >= 0) {
        bool done = false;
        for (int i = 0; i < 2 && !done; ++i) {
          if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
          ssize_t n = read(fds[i].fd, buf, sizeof(buf));
          done = n <= 0 || write(fds[1 - i].fd, buf, static_cast<size_t>(n)) != n;
        }
        if (done) break;
      }
    }
    close(s);
    close(c);
  }

  int target_port_;
  std::atomic<int> failures_left_;
  std::atomic<int> failed_{0};
  Mode mode_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> relays_;
};

class S3FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = S3rver::Start("worm-fault");
    if (!started.ok() && s3::testing::IsS3rverMissing(started.status())) {
      GTEST_SKIP() << started.status().ToString();
    }
    ASSERT_OK(started.status());
    server_ = std::move(*started);
  }

  S3Options ViaProxy(const FaultProxy& proxy) {
    S3Options o = server_->Options("faults");
    o.endpoint = "http://127.0.0.1:" + std::to_string(proxy.port());
    return o;
  }

  std::unique_ptr<S3rver> server_;
};

TEST_F(S3FaultTest, SlowDownIsUnavailableRetryableWithTheS3Detail) {
  FaultProxy proxy(server_->port(), 1, FaultProxy::Mode::k503);
  ASSERT_OK_AND_ASSIGN(auto t, S3Transport::Make(ViaProxy(proxy)));
  Result<PutResult> r = t->Put("k", "v", {});
  ASSERT_THAT(r, StatusIs(StatusCode::kUnavailable));
  ASSERT_NE(r.status().detail(), nullptr);
  EXPECT_EQ(r.status().detail()->http_status, 503);
  EXPECT_EQ(r.status().detail()->remote_code, "SlowDown");
  EXPECT_EQ(r.status().detail()->request_id, "PROXY503");
  EXPECT_TRUE(r.status().retryable());
  EXPECT_OK(t->Put("k", "v", {}));  // the proxy now relays
}

TEST_F(S3FaultTest, RetryingTransportRidesOut503sAndDroppedConnections) {
  for (auto mode : {FaultProxy::Mode::k503, FaultProxy::Mode::kDrop}) {
    FaultProxy proxy(server_->port(), 3, mode);
    ASSERT_OK_AND_ASSIGN(auto s3t, S3Transport::Make(ViaProxy(proxy)));
    std::vector<int64_t> sleeps;
    RetryOptions ro;
    ro.max_attempts = 5;
    ro.sleep = [&](int64_t ms) { sleeps.push_back(ms); };
    auto t = NewRetryingTransport(s3t, ro);
    ASSERT_OK_AND_ASSIGN(PutResult put, t->Put("r", "value", {}));
    EXPECT_EQ(put.etag, Md5Hex("value"));
    EXPECT_EQ(proxy.failed(), 3);
    EXPECT_EQ(sleeps.size(), 3u);
    ASSERT_OK_AND_ASSIGN(Object o, t->Get("r", {}));
    EXPECT_EQ(o.data, "value");
  }
}

TEST_F(S3FaultTest, RetriesAreBounded) {
  FaultProxy proxy(server_->port(), 100, FaultProxy::Mode::k503);
  ASSERT_OK_AND_ASSIGN(auto s3t, S3Transport::Make(ViaProxy(proxy)));
  RetryOptions ro;
  ro.max_attempts = 3;
  ro.sleep = [](int64_t) {};
  auto t = NewRetryingTransport(s3t, ro);
  EXPECT_THAT(t->Get("x", {}), StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(proxy.failed(), 3);
}

TEST_F(S3FaultTest, ServerRestartIsRiddenOut) {
  ASSERT_OK_AND_ASSIGN(auto s3t, S3Transport::Make(server_->Options("restart")));
  ASSERT_OK(s3t->Put("k", "before", {}));
  server_->Kill();
  EXPECT_THAT(s3t->Get("k", {}), StatusIs(StatusCode::kUnavailable));
  RetryOptions ro;
  ro.max_attempts = 20;
  bool restarted = false;
  ro.sleep = [&](int64_t) {
    if (!restarted) restarted = server_->Restart().ok();
  };
  auto t = NewRetryingTransport(s3t, ro);
  ASSERT_OK_AND_ASSIGN(Object o, t->Get("k", {}));
  EXPECT_EQ(o.data, "before");
}

size_t CollectBody(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

// Fetches `url` with plain libcurl (no signing): GET, or PUT of `body`.
std::pair<long, std::string> Fetch(const std::string& url, const std::string* body = nullptr) {
  CURL* h = curl_easy_init();
  std::string out;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &CollectBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
  if (body) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }
  long code = 0;
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(h);
  return {code, out};
}

TEST_F(S3FaultTest, PresignedGetAndPutWorkWithPlainLibcurl) {
  ASSERT_OK_AND_ASSIGN(auto t, S3Transport::Make(server_->Options("presign")));
  ASSERT_OK(t->Put("docs/read me.txt", "hello presigned", {}));
  ASSERT_OK_AND_ASSIGN(std::string get_url, t->PresignUrl("GET", "docs/read me.txt", 300));
  EXPECT_NE(get_url.find("/worm-fault/presign/docs/read%20me.txt?X-Amz-Algorithm="),
            std::string::npos);
  auto [code, body] = Fetch(get_url);
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body, "hello presigned");

  ASSERT_OK_AND_ASSIGN(std::string put_url, t->PresignUrl("PUT", "up.bin", 300));
  std::string payload = "uploaded via URL";
  EXPECT_EQ(Fetch(put_url, &payload).first, 200);
  ASSERT_OK_AND_ASSIGN(Object o, t->Get("up.bin", {}));
  EXPECT_EQ(o.data, payload);
  EXPECT_THAT(t->PresignUrl("GET", "k", 604801), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace worm
