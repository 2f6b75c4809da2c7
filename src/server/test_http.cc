#include "server/test_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "core/hash.h"
#include "core/strings.h"

namespace worm::server::testing {

ServerOptions TestServerOptions(const std::filesystem::path& root) {
  std::filesystem::create_directories(root / "bkt");
  ServerOptions o;
  o.port = 0;
  o.threads = 2;
  o.service.store.root_mode = true;
  o.service.store.root = root.string();
  o.service.store.sync = false;
  o.service.auth.secrets[kAk] = kSk;
  return o;
}

RawHttp::RawHttp(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
  timeval tv{30, 0};
  if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

RawHttp::~RawHttp() {
  if (fd_ >= 0) ::close(fd_);
}

Status RawHttp::Send(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return Status::Unavailable(std::string("send: ") + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Result<std::string> RawHttp::ReadUntil(const std::string& delim) {
  for (;;) {
    size_t pos = buf_.find(delim);
    if (pos != std::string::npos) {
      std::string out = buf_.substr(0, pos + delim.size());
      buf_.erase(0, pos + delim.size());
      return out;
    }
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return Status::Unavailable("connection closed before the response ended");
    buf_.append(tmp, static_cast<size_t>(n));
  }
}

Result<std::string> RawHttp::ReadN(size_t n) {
  while (buf_.size() < n) {
    char tmp[65536];
    ssize_t got = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (got <= 0) return Status::Unavailable("connection closed inside the body");
    buf_.append(tmp, static_cast<size_t>(got));
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, n);
  return out;
}

Result<RawResponse> RawHttp::Read(bool head) {
  RawResponse r;
  for (;;) {
    ASSIGN_OR_RETURN(std::string header, ReadUntil("\r\n\r\n"));
    r = RawResponse();
    r.status = std::atoi(header.c_str() + 9);
    size_t pos = header.find("\r\n") + 2;
    while (pos < header.size() - 2) {
      size_t end = header.find("\r\n", pos);
      std::string line = header.substr(pos, end - pos);
      size_t colon = line.find(':');
      std::string name = AsciiLower(line.substr(0, colon));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
      pos = end + 2;
    }
    if (r.status != 100) break;
  }
  if (head || r.status == 304 || r.status == 204) return r;
  size_t length =
      std::stoull(r.Header("content-length").empty() ? "0" : r.Header("content-length"));
  ASSIGN_OR_RETURN(r.body, ReadN(length));
  return r;
}

Result<RawResponse> RawHttp::RoundTrip(const std::string& bytes, bool head) {
  RETURN_NOT_OK(Send(bytes));
  return Read(head);
}

bool RawHttp::PeerClosed() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 2000) <= 0) return false;
  char c;
  return ::recv(fd_, &c, 1, MSG_PEEK) == 0;
}

std::string Serialize(const TestRequest& r, uint16_t port) {
  std::string out = r.method + " " + r.path + (r.query.empty() ? "" : "?" + r.query) +
                    " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
  bool has_length = false;
  for (const auto& [k, v] : r.headers) {
    out += k + ": " + v + "\r\n";
    if (strcasecmp(k.c_str(), "content-length") == 0 ||
        strcasecmp(k.c_str(), "transfer-encoding") == 0) {
      has_length = true;
    }
  }
  if (!has_length && (!r.body.empty() || r.method == "PUT" || r.method == "POST")) {
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  }
  out += "\r\n";
  out += r.body;
  return out;
}

std::string Sign(TestRequest* r, uint16_t port, const std::string& ak, const std::string& sk,
                 int64_t unix_seconds, std::string payload_hash) {
  s3::HttpRequestParts parts;
  parts.method = r->method;
  parts.path = r->path;
  parts.query = r->query;
  parts.headers = r->headers;
  parts.headers.emplace_back("Host", "127.0.0.1:" + std::to_string(port));
  if (payload_hash.empty()) payload_hash = Sha256Hex(r->body);
  s3::SigningScope scope;
  scope.unix_seconds = unix_seconds;
  s3::SigningResult res = s3::SignRequest(&parts, {ak, sk, ""}, scope, payload_hash);
  s3::HeaderList out;
  for (auto& [k, v] : parts.headers) {
    // Serialize adds Host; SignRequest set Authorization, added once below.
    if (strcasecmp(k.c_str(), "host") != 0 && strcasecmp(k.c_str(), "authorization") != 0) {
      out.emplace_back(k, v);
    }
  }
  out.emplace_back("Authorization", res.authorization);
  r->headers = std::move(out);
  return res.signature;
}

std::string Between(const std::string& s, const std::string& open, const std::string& close) {
  size_t p = s.find(open);
  if (p == std::string::npos) return "";
  p += open.size();
  return s.substr(p, s.find(close, p) - p);
}

}  // namespace worm::server::testing
