// The Beast half of `worm serve`: listener, sessions, response writing with
// sendfile(2). With http_head.cc (request-head parsing), the only translation
// units of the server that include Beast.
#include "server/server.h"

#include <dlfcn.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/http_head.h"
#include "server/s3_errors.h"

namespace worm::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

using Clock = std::chrono::steady_clock;

// Largest request body buffer, the size of the sink's Write chunks. It is
// allocated when a body is read, no larger than the body (a 4 KiB PUT gets
// 4 KiB), and released when the body ends: an idle connection holds none.
constexpr size_t kBodyBuffer = 256 * 1024;
// Capacity of the read buffer while a body is read. Beast reads at most the
// free capacity (min 512 bytes) per recv, so a small buffer turns a 1 MiB
// body into 2048 reads. Released with the body buffer.
constexpr size_t kBodyReadBuffer = 64 * 1024;
// Read size for a request head (most S3 heads are 1-2 KiB; a larger head
// grows the buffer up to max_header_bytes). An idle connection holds no read
// buffer at all: it waits for readability before it allocates one.
constexpr size_t kHeadReadSize = 4096;
// Largest sendfile(2) call: keeps one connection from hogging a thread.
constexpr size_t kSendfileChunk = 4 << 20;
// accept(2) failing for lack of resources (EMFILE/ENFILE at the descriptor
// limit, ENOBUFS, ENOMEM) fails again at once while the listening socket stays
// readable: retrying at once spins a core. Wait 50 ms, doubling to 1 s,
// while accepted connections are served (and free descriptors as they end).
constexpr auto kAcceptBackoffMin = std::chrono::milliseconds(50);
constexpr auto kAcceptBackoffMax = std::chrono::milliseconds(1000);
// Freed memory goes back to the kernel when this many connections closed
// since the peak and at most half of them remain, or when the last of at
// least kReleaseWhenIdle connections closed (see ReleaseFreeMemory).
constexpr size_t kReleaseAfterClosed = 256;
constexpr size_t kReleaseWhenIdle = 64;

// Hands freed heap pages back to the kernel. jemalloc (linked into the worm
// binary) keeps freed pages for dirty_decay_ms and purges them only while the
// process keeps allocating, so a server left idle after a flood of
// connections would keep its peak RSS; glibc keeps fragmented arena pages.
// The allocator is looked up at run time: the library does not depend on it.
void ReleaseFreeMemory() {
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  static const auto mallctl = reinterpret_cast<Mallctl>(::dlsym(RTLD_DEFAULT, "mallctl"));
  if (mallctl != nullptr) {
    mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096: MALLCTL_ARENAS_ALL
  } else {
    ::malloc_trim(0);
  }
}

class Session;

// What the listener and sessions share.
struct ServerState {
  S3Service* service = nullptr;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  // Accepts again after the listener paused at max_connections (set by Start).
  std::function<void()> resume_accepting;
  std::mutex mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mu
  bool accept_paused = false;                                     // guarded by mu
  size_t peak = 0;  // most sessions since memory was last released; guarded by mu

  void Add(Session* s, std::weak_ptr<Session> weak) {
    std::lock_guard<std::mutex> lock(mu);
    sessions[s] = std::move(weak);
    peak = std::max(peak, sessions.size());
  }

  // From the session's destructor (any thread).
  void Remove(Session* s) {
    bool resume = false;
    bool release = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      sessions.erase(s);
      size_t live = sessions.size();
      if (accept_paused && !stopping && live < static_cast<size_t>(options.max_connections)) {
        accept_paused = false;
        resume = true;
      }
      size_t closed = peak - live;
      if ((closed >= kReleaseAfterClosed && live <= peak / 2) ||
          (live == 0 && closed >= kReleaseWhenIdle)) {
        peak = live;
        release = true;
      }
    }
    if (resume) resume_accepting();
    if (release) ReleaseFreeMemory();
  }

  // The listener, after each accept: true (and paused) at max_connections.
  bool PauseIfFull() {
    std::lock_guard<std::mutex> lock(mu);
    accept_paused = sessions.size() >= static_cast<size_t>(options.max_connections);
    return accept_paused;
  }
};

// "Sun, 06 Nov 1994 08:49:37 GMT", formatted once per second per thread.
const std::string& DateHeader() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  std::time_t now = std::time(nullptr);
  if (now != last) {
    last = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[40];
    std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
  }
  return text;
}

HttpResponse InternalError(const std::string& what) {
  return ErrorResponse(Status::Internal("internal error: " + what), "", "", false);
}

// A body the parser refuses (bad chunk size or extension...), as opposed to
// a connection that ended or was cut inside the body.
bool IsMalformedBody(const beast::error_code& ec) {
  static const beast::error_category& http_errors =
      http::make_error_code(http::error::bad_chunk).category();
  return ec.category() == http_errors && ec != http::error::partial_message &&
         ec != http::error::end_of_stream && ec != http::error::short_read;
}

// One connection. Runs on one single-threaded io_context, so its handlers
// never run concurrently and need no strand. Timeouts use one watchdog timer
// per connection, re-armed lazily: arming a timer per read and write (as
// beast::tcp_stream does) costs timer-queue work and syscalls per request.
//
// Time limits: the whole request head (and an idle keep-alive gap before it)
// within timeout_seconds; while a body is read, some byte every
// timeout_seconds and body_min_rate per body_rate_window_seconds window
// (BodyRateKept); each response write makes progress within timeout_seconds.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ServerState* state)
      : socket_(std::move(socket)), watchdog_(socket_.get_executor()), state_(state) {}

  void Run() {
    state_->Add(this, weak_from_this());
    beast::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    // For aws:SourceIp in bucket policies (bucket_policy.h).
    tcp::endpoint peer = socket_.remote_endpoint(ec);
    if (!ec) remote_ip_ = peer.address().to_string();
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->Arm();
      self->StartWatchdog();
      self->ReadHeader();
    });
  }

  ~Session() { state_->Remove(this); }

  // Shutdown: closes the connection if it waits for a new request.
  void CloseIfIdle() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->idle_ && self->buffer_.size() == 0) {
        beast::error_code ec;
        self->socket_.shutdown(tcp::socket::shutdown_both, ec);
        self->socket_.cancel(ec);
      }
    });
  }

 private:
  // The pending read or write must make progress within the timeout.
  void Arm() { deadline_ = Clock::now() + std::chrono::seconds(state_->options.timeout_seconds); }

  // Setting the expiry cancels the wait in progress (its handler returns).
  void StartWatchdog() {
    watchdog_.expires_at(reading_body_ ? std::min(deadline_, window_end_) : deadline_);
    watchdog_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->OnWatchdog();
    });
  }

  void OnWatchdog() {
    Clock::time_point now = Clock::now();
    if (reading_body_ && now >= window_end_ && !BodyRateKept(now)) return BodyTooSlow();
    if (now >= deadline_) return Close();  // pending operations complete with operation_aborted
    StartWatchdog();
  }

  // At the end of each window the window must have brought body_min_rate *
  // body_rate_window_seconds bytes, or all that remained of the body. Bytes
  // already waiting in the kernel count: a thread kept busy by other
  // connections is not the client's fault. Starts the next window.
  bool BodyRateKept(Clock::time_point now) {
    const ServerOptions& o = state_->options;
    uint64_t need = static_cast<uint64_t>(o.body_min_rate) * o.body_rate_window_seconds;
    if (auto rest = parser_->content_length_remaining()) {
      need = std::min<uint64_t>(need, window_bytes_ + *rest);
    }
    beast::error_code ec;
    size_t waiting = socket_.available(ec);
    if (window_bytes_ + waiting < need) return false;
    window_bytes_ = 0;
    window_end_ = now + std::chrono::seconds(o.body_rate_window_seconds);
    return true;
  }

  // Stops the body read; OnBody answers 400 RequestTimeout and closes.
  void BodyTooSlow() {
    too_slow_ = true;
    reading_body_ = false;
    beast::error_code ec;
    socket_.cancel(ec);
    Arm();  // for the response
    StartWatchdog();
  }

  void ReadHeader() {
    if (state_->stopping) return Close();
    parser_.reset();
    idle_ = true;
    Arm();
    if (buffer_.size() > 0) return ParseHead();  // pipelined
    // Idle: hold no buffers until the next request's first bytes arrive.
    buffer_.shrink_to_fit();
    head_.clear();
    head_.shrink_to_fit();
    WaitForRequest();
  }

  // Waits for the next request's first bytes without holding a buffer. asio's
  // epoll reactor is edge-triggered and async_wait is not speculative: an edge
  // the reactor saw before the wait was queued is not reported again. So look
  // first; bytes or EOF already there are handled now. No edge can be missed
  // after the look: this io_context's one thread runs the reactor only
  // between handlers, and the wait is queued before this handler returns.
  void WaitForRequest() {
    char c;
    ssize_t n = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n > 0) return ReadHeadBytes();
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return Close();
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Close();
      self->ReadHeadBytes();
    });
  }

  void ReadHeadBytes() {
    size_t want = std::max(kHeadReadSize, buffer_.capacity() - buffer_.size());
    socket_.async_read_some(
        buffer_.prepare(want),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnHeadBytes(ec, n); });
  }

  void OnHeadBytes(beast::error_code ec, size_t n) {
    if (ec) return Close();  // EOF, reset, or cut by the watchdog or Shutdown
    buffer_.commit(n);
    ParseHead();
  }

  void ParseHead() {
    idle_ = false;
    if (!parser_) {
      parser_.emplace();
      InitRequestParser(&*parser_, state_->options.max_header_bytes);
    }
    bool done = false;
    auto data = buffer_.data();
    Result<size_t> used = ParseRequestHead(
        &*parser_, std::string_view(static_cast<const char*>(data.data()), data.size()), &done);
    if (!used.ok()) {
      HttpResponse r = ErrorResponse(used.status(), "", "", false);
      r.close = true;
      return Write(std::move(r));
    }
    buffer_.consume(*used);
    if (!done) return ReadHeadBytes();
    OnHeader();
  }

  void OnHeader() {
    keep_alive_ = parser_->get().keep_alive();
    Dispatch d;
    try {
      HttpRequest request = ToRequest(*parser_);
      request.remote_ip = remote_ip_;
      d = state_->service->Begin(std::move(request));
    } catch (const std::exception& e) {
      d.response = InternalError(e.what());
    }
    if (d.response) {
      // A body we will not read leaves the connection unusable.
      if (!parser_->is_done()) d.response->close = true;
      return Write(std::move(*d.response));
    }
    sink_ = std::move(d.sink);
    // Set before any body byte is parsed, as Beast requires; a Content-Length
    // was checked by the handler already.
    parser_->body_limit(sink_->raw_limit());
    auto expect = parser_->get().find(http::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      Arm();
      net::async_write(socket_, net::buffer(kContinue),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->StartBody();
                       });
      return;
    }
    StartBody();
  }

  void StartBody() {
    if (parser_->is_done()) return FinishBody(Status::OK());
    uint64_t size = kBodyBuffer;
    if (auto rest = parser_->content_length_remaining()) {
      size = std::clamp<uint64_t>(*rest, 1, kBodyBuffer);
    }
    body_buf_.reset(new char[size]);  // not value-initialized: pages are touched as bytes arrive
    body_cap_ = size;
    body_fill_ = 0;
    buffer_.reserve(std::clamp<size_t>(size, kHeadReadSize, kBodyReadBuffer));
    reading_body_ = true;
    window_bytes_ = 0;
    window_end_ = Clock::now() + std::chrono::seconds(state_->options.body_rate_window_seconds);
    StartWatchdog();  // the window may end before the current deadline
    ReadBody();
  }

  void ReadBody() {
    parser_->get().body().data = body_buf_.get() + body_fill_;
    parser_->get().body().size = body_cap_ - body_fill_;
    Arm();
    http::async_read_some(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->OnBody(ec, n); });
  }

  void OnBody(beast::error_code ec, size_t n) {
    if (ec == http::error::need_buffer) ec = {};
    body_fill_ = body_cap_ - parser_->get().body().size;
    window_bytes_ += n;
    bool done = !ec && parser_->is_done();
    if (too_slow_ && !done) {
      const ServerOptions& o = state_->options;
      return FinishBody(Status::DeadlineExceeded(
          "the request body arrived too slowly: less than " + std::to_string(o.body_min_rate) +
          " bytes per second over " + std::to_string(o.body_rate_window_seconds) + " s"));
    }
    if (ec == http::error::body_limit) {
      return FinishBody(S3Error(S3Code::kEntityTooLarge,
                                "The request body is larger than this request may send (" +
                                    std::to_string(sink_->raw_limit()) + " bytes)"));
    }
    if (ec && IsMalformedBody(ec)) {
      return FinishBody(S3Error(S3Code::kInvalidRequest, "malformed HTTP body: " + ec.message()));
    }
    if (ec) {
      // The client went away or stalled: discard the upload.
      (void)sink_->Finish(S3Error(S3Code::kIncompleteBody, "body: " + ec.message()));
      sink_.reset();
      ReleaseBody();
      return Close();
    }
    if (body_fill_ == body_cap_ || (done && body_fill_ > 0)) {
      Status st;
      try {
        st = sink_->Write(std::string_view(body_buf_.get(), body_fill_));
      } catch (const std::exception& e) {
        st = Status::Internal(std::string("internal error: ") + e.what());
      }
      body_fill_ = 0;
      if (!st.ok()) return FinishBody(st);
    }
    if (done) return FinishBody(Status::OK());
    ReadBody();
  }

  void FinishBody(const Status& st) {
    ReleaseBody();
    HttpResponse r;
    try {
      r = sink_->Finish(st);
    } catch (const std::exception& e) {
      r = InternalError(e.what());
    }
    sink_.reset();
    if (!st.ok()) r.close = true;
    Write(std::move(r));
  }

  void ReleaseBody() {
    reading_body_ = false;
    body_buf_.reset();
    body_cap_ = 0;
    body_fill_ = 0;
  }
  void SerializeHead(const HttpResponse& r, uint64_t length) {
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(r.status);
    head_ += ' ';
    head_ += ReasonPhrase(r.status);
    head_ += "\r\nServer: worm\r\nDate: ";
    head_ += DateHeader();
    head_ += "\r\n";
    for (const auto& [k, v] : r.headers) {
      head_ += k;
      head_ += ": ";
      head_ += v;
      head_ += "\r\n";
    }
    if (r.status != 304 && r.status != 204) {
      head_ += "Content-Length: ";
      head_ += std::to_string(length);
      head_ += "\r\n";
    }
    if (close_) head_ += "Connection: close\r\n";
    head_ += "\r\n";
  }

  void Write(HttpResponse r) {
    response_ = std::move(r);
    close_ = response_.close || !keep_alive_ || state_->stopping;
    uint64_t length = response_.content_length.value_or(response_.file ? response_.file->length
                                                                       : response_.body.size());
    SerializeHead(response_, length);
    Arm();
    if (response_.file && !response_.head) {
      net::async_write(socket_, net::buffer(head_),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->SendFile();
                       });
      return;
    }
    // Head and body in one gather write; a fixed array saves an allocation.
    std::array<net::const_buffer, 2> bufs{net::buffer(head_), net::const_buffer()};
    if (!response_.head) bufs[1] = net::buffer(response_.body);
    net::async_write(socket_, bufs, [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnWritten(ec);
    });
  }

  // Sends the file region with sendfile(2), waiting for writability on EAGAIN.
  void SendFile() {
    FileRegion& f = *response_.file;
    int sock = socket_.native_handle();
    if (!socket_.native_non_blocking()) socket_.native_non_blocking(true);
    while (f.length > 0) {
      off_t off = static_cast<off_t>(f.offset);
      ssize_t n = ::sendfile(sock, f.fd, &off, std::min<uint64_t>(f.length, kSendfileChunk));
      if (n > 0) {
        f.offset += static_cast<uint64_t>(n);
        f.length -= static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        Arm();
        socket_.async_wait(tcp::socket::wait_write,
                           [self = shared_from_this()](beast::error_code ec) {
                             if (ec) return self->Close();
                             self->SendFile();
                           });
        return;
      }
      return Close();  // error, or the file shrank under us: the length is already sent
    }
    OnWritten({});
  }

  void OnWritten(beast::error_code ec) {
    response_ = HttpResponse();
    if (ec || close_) return Close();
    ReadHeader();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
    watchdog_.cancel();
  }

  tcp::socket socket_;
  net::steady_timer watchdog_;
  Clock::time_point deadline_;
  ServerState* state_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::unique_ptr<char[]> body_buf_;  // while a body is read
  size_t body_cap_ = 0;
  size_t body_fill_ = 0;  // bytes in body_buf_ not yet given to the sink
  // The body-rate window: its end and the body bytes it brought so far.
  Clock::time_point window_end_;
  uint64_t window_bytes_ = 0;
  std::unique_ptr<BodySink> sink_;
  HttpResponse response_;
  std::string head_;
  std::string remote_ip_;  // the client's address, "" when unknown
  bool keep_alive_ = true;
  bool close_ = false;
  bool idle_ = true;
  bool closed_ = false;
  bool reading_body_ = false;
  bool too_slow_ = false;
};

// Accepts on the first io_context and hands connections to all of them in
// turn (one io_context per thread, like nginx's workers: no cross-thread
// wake-ups or locks per request).
//
// At max_connections it stops accepting, as nginx does when a worker's
// worker_connections are in use: clients over the cap wait in the kernel's
// listen queue (bounded by the backlog; beyond it SYNs are dropped and TCP
// retries) and are accepted as soon as a connection closes. Accepting and
// closing them instead would turn a burst into failed requests that clients
// retry at once, and costs a descriptor and two syscalls per attempt during
// a flood; a queued client merely waits, under its own timeout.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(std::vector<net::io_context*> iocs, tcp::acceptor acceptor, ServerState* state)
      : iocs_(std::move(iocs)),
        acceptor_(std::move(acceptor)),
        backoff_timer_(acceptor_.get_executor()),
        state_(state) {}

  void Run() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->Accept(); });
  }
  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->backoff_timer_.cancel();
    });
  }
  // After a pause at max_connections (any thread).
  void Resume() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      if (self->acceptor_.is_open()) self->Accept();
    });
  }

 private:
  void Accept() {
    net::io_context& ioc = *iocs_[next_++ % iocs_.size()];
    acceptor_.async_accept(ioc, [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      self->OnAccept(ec, std::move(s));
    });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open() || ec == net::error::operation_aborted) return;
    if (ec && ec != net::error::connection_aborted) return BackOff();
    backoff_ = {};
    if (!ec && !state_->stopping) std::make_shared<Session>(std::move(socket), state_)->Run();
    if (state_->PauseIfFull()) return;  // ServerState::Remove resumes
    Accept();
  }

  void BackOff() {
    backoff_ =
        backoff_.count() == 0 ? kAcceptBackoffMin : std::min(2 * backoff_, kAcceptBackoffMax);
    backoff_timer_.expires_after(backoff_);
    backoff_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->acceptor_.is_open()) return;
      self->Accept();
    });
  }

  std::vector<net::io_context*> iocs_;
  size_t next_ = 0;
  tcp::acceptor acceptor_;
  net::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_{0};
  ServerState* state_;
};

}  // namespace

struct Server::Impl {
  std::unique_ptr<S3Service> service;
  ServerState state;
  std::vector<std::unique_ptr<net::io_context>> iocs;  // one per thread
  // Keep the io_contexts without connections running until Shutdown.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::mutex work_mu;
  std::shared_ptr<Listener> listener;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::string bind;
  std::mutex done_mu;
  std::condition_variable done_cv;
  int running = 0;
  bool waited = false;
  // The upload sweeper (RunSweeper) and what stops it.
  std::thread sweeper;
  std::mutex sweep_mu;
  std::condition_variable sweep_cv;
  bool sweep_stop = false;  // guarded by sweep_mu

  // Sweeps at once, then every interval until Shutdown.
  void RunSweeper(int64_t interval_ms, std::function<void(const Result<SweepStats>&)> report) {
    std::unique_lock<std::mutex> lock(sweep_mu);
    for (;;) {
      lock.unlock();
      Result<SweepStats> stats = Status::Internal("upload sweep threw");
      try {
        stats = service->SweepUploads();
      } catch (const std::exception& e) {
        stats = Status::Internal(std::string("upload sweep: ") + e.what());
      }
      if (report) report(stats);
      lock.lock();
      if (interval_ms <= 0) {
        sweep_cv.wait(lock, [this] { return sweep_stop; });
      } else {
        sweep_cv.wait_for(lock, std::chrono::milliseconds(interval_ms),
                          [this] { return sweep_stop; });
      }
      if (sweep_stop) return;
    }
  }
};

namespace {

Status ValidateOptions(const ServerOptions& o) {
  if (o.max_connections < 1) {
    return Status::InvalidArgument("serve: --max-connections must be at least 1, got " +
                                   std::to_string(o.max_connections));
  }
  if (o.timeout_seconds < 1) {
    return Status::InvalidArgument("serve: timeout_seconds must be at least 1, got " +
                                   std::to_string(o.timeout_seconds));
  }
  if (o.service.max_body_bytes < 1) {
    return Status::InvalidArgument("serve: max_body_bytes must be at least 1");
  }
  if (o.body_rate_window_seconds < 1) {
    return Status::InvalidArgument("serve: body_rate_window_seconds must be at least 1, got " +
                                   std::to_string(o.body_rate_window_seconds));
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  RETURN_NOT_OK(ValidateOptions(options));
  auto impl = std::make_unique<Impl>();
  int threads = options.threads > 0
                    ? options.threads
                    : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<net::io_context*> iocs;
  for (int i = 0; i < threads; ++i) {
    impl->iocs.push_back(std::make_unique<net::io_context>(1));
    impl->work.push_back(net::make_work_guard(*impl->iocs.back()));
    iocs.push_back(impl->iocs.back().get());
  }
  beast::error_code ec;
  net::ip::address addr = net::ip::make_address(options.bind, ec);
  if (ec) return Status::InvalidArgument("serve: bad --bind address '" + options.bind + "'");
  tcp::acceptor acceptor(*impl->iocs[0]);
  tcp::endpoint endpoint(addr, options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("serve: cannot listen on " + options.bind + ":" +
                               std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = acceptor.local_endpoint().port();
  impl->bind = options.bind;
  impl->service = std::make_unique<S3Service>(options.service);
  impl->state.service = impl->service.get();
  impl->state.options = std::move(options);
  impl->listener = std::make_shared<Listener>(std::move(iocs), std::move(acceptor), &impl->state);
  impl->state.resume_accepting = [weak = std::weak_ptr<Listener>(impl->listener)] {
    if (auto listener = weak.lock()) listener->Resume();
  };
  impl->listener->Run();
  impl->running = threads;
  Impl* raw = impl.get();
  for (int i = 0; i < threads; ++i) {
    impl->threads.emplace_back([raw, i] {
      for (;;) {
        try {
          raw->iocs[i]->run();
          break;
        } catch (const std::exception&) {
          // A handler threw outside a session's catch: keep serving.
        }
      }
      std::lock_guard<std::mutex> lock(raw->done_mu);
      if (--raw->running == 0) raw->done_cv.notify_all();
    });
  }
  raw->sweeper = std::thread(
      [raw, interval = raw->state.options.upload_sweep_interval_ms,
       report = raw->state.options.on_upload_sweep] { raw->RunSweeper(interval, report); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Shutdown();
  Wait();
}

uint16_t Server::port() const { return impl_->port; }

size_t Server::connections() const {
  std::lock_guard<std::mutex> lock(impl_->state.mu);
  return impl_->state.sessions.size();
}

std::string Server::url() const {
  std::string host = impl_->bind == "0.0.0.0" ? "127.0.0.1" : impl_->bind;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(impl_->port);
}

void Server::Shutdown() {
  if (impl_->state.stopping.exchange(true)) return;
  impl_->listener->Stop();
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(impl_->state.mu);
    for (auto& [raw, weak] : impl_->state.sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->CloseIfIdle();
  {
    std::lock_guard<std::mutex> lock(impl_->sweep_mu);
    impl_->sweep_stop = true;
  }
  impl_->sweep_cv.notify_all();
  std::lock_guard<std::mutex> lock(impl_->work_mu);
  for (auto& w : impl_->work) w.reset();  // run() returns once its connections end
}

void Server::Wait(int grace_seconds) {
  if (impl_->waited) return;
  {
    std::unique_lock<std::mutex> lock(impl_->done_mu);
    if (!impl_->done_cv.wait_for(lock, std::chrono::seconds(grace_seconds),
                                 [this] { return impl_->running == 0; })) {
      // Stragglers past the grace period are cut off.
      for (auto& ioc : impl_->iocs) ioc->stop();
    }
  }
  for (std::thread& t : impl_->threads) t.join();
  if (impl_->sweeper.joinable()) impl_->sweeper.join();  // a sweep in progress finishes
  impl_->waited = true;
}

}  // namespace worm::server
