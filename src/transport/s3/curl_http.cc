#include "transport/s3/curl_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <vector>

#include "core/strings.h"
#include "transport/s3/s3_errors.h"
#include "worm/clock.h"

namespace worm::s3 {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Per-transfer state handed to curl callbacks.
struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  size_t upload_offset = 0;
  bool streaming = false;  // body goes to request->on_body
  bool cancelled = false;
  // A 206 whose Content-Range says the object has 0 bytes ("bytes 0-0/0"):
  // s3rver sends it with Content-Length: 1 and no body, which would stall
  // the transfer. The body is empty by definition, so the transfer stops
  // after the headers and the response is returned as is.
  bool empty_partial = false;
};

size_t ReadBody(char* buf, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  std::string_view body = t->request->body;
  size_t n = std::min(size * nitems, body.size() - t->upload_offset);
  std::memcpy(buf, body.data() + t->upload_offset, n);
  t->upload_offset += n;
  return n;
}

int SeekBody(void* userdata, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(userdata);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > t->request->body.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  t->upload_offset = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = size * nmemb;
  if (t->streaming && t->response->status / 100 == 2) {
    if (!t->request->on_body(std::string_view(ptr, n))) {
      t->cancelled = true;
      return CURL_WRITEFUNC_ERROR;
    }
    return n;
  }
  t->response->body.append(ptr, n);
  return n;
}

size_t HeaderLine(char* buf, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  size_t n = size * nitems;
  std::string_view line(buf, n);
  if (line.substr(0, 5) == "HTTP/") {  // a new response (after 100 Continue or a redirect)
    t->response->headers.clear();
    size_t sp = line.find(' ');
    t->response->status = sp == std::string_view::npos ? 0 : std::atoi(line.data() + sp + 1);
    return n;
  }
  if ((line == "\r\n" || line == "\n") && t->empty_partial && t->response->status == 206) {
    return 0;  // end of headers: stop before the bogus body
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name = AsciiLower(line.substr(0, colon));
  std::string value(Trim(line.substr(colon + 1)));
  if (name == "content-range" && value.size() > 2 &&
      value.compare(value.size() - 2, 2, "/0") == 0) {
    t->empty_partial = true;
  }
  if (name == "content-length" && !t->streaming && t->request->method != "HEAD") {
    uint64_t len = std::strtoull(value.c_str(), nullptr, 10);
    if (len < (uint64_t{1} << 32)) t->response->body.reserve(len);
  }
  t->response->headers.emplace_back(std::move(name), std::move(value));
  return n;
}

}  // namespace

std::string HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return "";
}

struct HttpClient::Impl {
  HttpClientOptions options;
  CURLSH* share = nullptr;
  std::mutex share_locks[CURL_LOCK_DATA_LAST];
  std::mutex pool_mu;
  std::vector<CURL*> idle;  // LIFO: the warmest connection first

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[data].unlock();
  }

  explicit Impl(HttpClientOptions o) : options(std::move(o)) {
    GlobalInit();
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::Lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    // Connections stay per handle (sharing the connection cache across
    // threads is fragile in libcurl 7.88); DNS and TLS sessions are shared.
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  ~Impl() {
    for (CURL* h : idle) curl_easy_cleanup(h);
    curl_share_cleanup(share);
  }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h, bool healthy) {
    if (healthy) {
      curl_easy_reset(h);  // keeps live connections and caches
      std::lock_guard<std::mutex> lock(pool_mu);
      if (idle.size() < options.max_idle_handles) {
        idle.push_back(h);
        return;
      }
    }
    curl_easy_cleanup(h);
  }

  void Configure(CURL* h, const HttpRequest& req, Transfer* t, curl_slist* headers);
};

void HttpClient::Impl::Configure(CURL* h, const HttpRequest& req, Transfer* t,
                                 curl_slist* headers) {
  curl_easy_setopt(h, CURLOPT_SHARE, share);
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);  // keys may hold "./" or "../"
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(options.low_speed_limit));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time_s));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
  curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1024L * 1024);
  if (req.deadline_ms > 0) {
    int64_t left = std::max<int64_t>(1, req.deadline_ms - Clock::Default()->NowMillis());
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(left));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &HeaderLine);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
  if (req.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT" || req.method == "POST") {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadBody);
    curl_easy_setopt(h, CURLOPT_READDATA, t);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, &SeekBody);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, t);
    if (req.method == "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
  } else if (req.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
}

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Perform(const HttpRequest& request) {
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) {
    std::string line = v.empty() ? k + ";" : k + ": " + v;  // "X;" sends an empty header
    headers = curl_slist_append(headers, line.c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  headers = curl_slist_append(headers, "Accept:");

  HttpResponse response;
  Transfer transfer{&request, &response};
  transfer.streaming = static_cast<bool>(request.on_body);
  CURL* h = impl_->Acquire();
  impl_->Configure(h, request, &transfer, headers);
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK && transfer.empty_partial && response.status == 206) {
    impl_->Release(h, /*healthy=*/false);  // the connection holds an unread byte
    response.body.clear();
    return response;
  }
  if (rc != CURLE_OK) {
    impl_->Release(h, /*healthy=*/false);
    std::string context = request.method + " " + request.url;
    if (transfer.cancelled) return Status::Cancelled(context + ": cancelled by the reader");
    bool deadline_passed =
        request.deadline_ms > 0 && Clock::Default()->NowMillis() >= request.deadline_ms;
    return CurlErrorToStatus(context, rc, curl_easy_strerror(rc), deadline_passed);
  }
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  response.status = static_cast<int>(code);
  impl_->Release(h, /*healthy=*/true);
  return response;
}

}  // namespace worm::s3
