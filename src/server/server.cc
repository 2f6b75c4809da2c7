// The Beast half of `worm serve`: listener, sessions, response writing with
// sendfile(2). The only translation unit of the server that includes Beast.
#include "server/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/s3_errors.h"

namespace worm::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Request bodies are read through a buffer of this size.
constexpr size_t kBodyBuffer = 256 * 1024;
// Capacity of the per-connection read buffer. Beast reads at most the free
// capacity (min 512 bytes) per recv, so a small buffer turns a 4 KiB body
// into 8 reads and a 1 MiB body into 2048.
constexpr size_t kReadBuffer = 64 * 1024;
// Largest sendfile(2) call: keeps one connection from hogging a thread.
constexpr size_t kSendfileChunk = 4 << 20;

class Session;

// What the listener and sessions share.
struct ServerState {
  S3Service* service = nullptr;
  ServerOptions options;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mu
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

std::string Lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

HttpRequest ToRequest(const http::request_parser<http::buffer_body>& parser) {
  const auto& msg = parser.get();
  HttpRequest r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  r.headers.reserve(16);
  for (const auto& field : msg) {
    r.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
  }
  if (parser.content_length()) r.content_length = *parser.content_length();
  r.chunked = parser.chunked();
  return r;
}

HttpResponse InternalError(const std::string& what) {
  return ErrorResponse(Status::Internal("internal error: " + what), "", "", false);
}

// One connection. Runs on one single-threaded io_context, so its handlers
// never run concurrently and need no strand. Timeouts use one watchdog timer
// per connection, re-armed lazily: arming a timer per read and write (as
// beast::tcp_stream does) costs timer-queue work and syscalls per request.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ServerState* state)
      : socket_(std::move(socket)),
        watchdog_(socket_.get_executor()),
        state_(state),
        body_buf_(kBodyBuffer) {
    buffer_.reserve(kReadBuffer);
  }

  void Run() {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->sessions[this] = weak_from_this();
    }
    beast::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->Arm();
      self->StartWatchdog();
      self->ReadHeader();
    });
  }

  ~Session() {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->sessions.erase(this);
  }

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
  void Arm() {
    deadline_ =
        std::chrono::steady_clock::now() + std::chrono::seconds(state_->options.timeout_seconds);
  }

  void StartWatchdog() {
    watchdog_.expires_at(deadline_);
    watchdog_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (std::chrono::steady_clock::now() < self->deadline_) return self->StartWatchdog();
      self->Close();  // pending operations complete with operation_aborted
    });
  }

  void ReadHeader() {
    if (state_->stopping) return Close();
    parser_.emplace();
    parser_->header_limit(state_->options.max_header_bytes);
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    idle_ = true;
    Arm();
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    idle_ = false;
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::eof ||
        ec == net::error::connection_reset) {
      return Close();
    }
    if (ec) {
      HttpResponse r =
          ErrorResponse(S3Error(S3Code::kInvalidRequest, "malformed HTTP request: " + ec.message()),
                        "", "", false);
      r.close = true;
      return Write(std::move(r));
    }
    keep_alive_ = parser_->get().keep_alive();
    Dispatch d;
    try {
      d = state_->service->Begin(ToRequest(*parser_));
    } catch (const std::exception& e) {
      d.response = InternalError(e.what());
    }
    if (d.response) {
      // A body we will not read leaves the connection unusable.
      if (!parser_->is_done()) d.response->close = true;
      return Write(std::move(*d.response));
    }
    sink_ = std::move(d.sink);
    auto expect = parser_->get().find(http::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      Arm();
      net::async_write(socket_, net::buffer(kContinue),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return FinishBody(Status::OK());
    parser_->get().body().data = body_buf_.data();
    parser_->get().body().size = body_buf_.size();
    Arm();
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::need_buffer) ec = {};
    size_t got = body_buf_.size() - parser_->get().body().size;
    Status st;
    if (got > 0) {
      try {
        st = sink_->Write(std::string_view(body_buf_.data(), got));
      } catch (const std::exception& e) {
        st = Status::Internal(std::string("internal error: ") + e.what());
      }
    }
    if (ec) {
      // The client went away or sent a malformed body: discard the upload.
      (void)sink_->Finish(S3Error(S3Code::kIncompleteBody, "body: " + ec.message()));
      sink_.reset();
      return Close();
    }
    if (!st.ok()) return FinishBody(st);
    if (parser_->is_done()) return FinishBody(Status::OK());
    ReadBody();
  }

  void FinishBody(const Status& st) {
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
  std::chrono::steady_clock::time_point deadline_;
  ServerState* state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::vector<char> body_buf_;
  std::unique_ptr<BodySink> sink_;
  HttpResponse response_;
  std::string head_;
  bool keep_alive_ = true;
  bool close_ = false;
  bool idle_ = true;
  bool closed_ = false;
};

// Accepts on the first io_context and hands connections to all of them in
// turn (one io_context per thread, like nginx's workers: no cross-thread
// wake-ups or locks per request).
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(std::vector<net::io_context*> iocs, tcp::acceptor acceptor, ServerState* state)
      : iocs_(std::move(iocs)), acceptor_(std::move(acceptor)), state_(state) {}

  void Run() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->Accept(); });
  }
  void Stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
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
    if (!acceptor_.is_open()) return;
    if (!ec && !state_->stopping) std::make_shared<Session>(std::move(socket), state_)->Run();
    Accept();
  }

  std::vector<net::io_context*> iocs_;
  size_t next_ = 0;
  tcp::acceptor acceptor_;
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
};

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
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
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Shutdown();
  Wait();
}

uint16_t Server::port() const { return impl_->port; }

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
  impl_->waited = true;
}

}  // namespace worm::server
