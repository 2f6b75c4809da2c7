#include "server/http_head.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "core/strings.h"
#include "server/http_fuzz.h"
#include "server/s3_errors.h"

namespace worm::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

Status Malformed(std::string what) {
  return S3Error(S3Code::kInvalidRequest, "malformed HTTP request: " + std::move(what));
}

// RFC 9112 §5.2: a line of the head that starts with SP or HTAB continues the
// previous field (obs-fold); a server must reject it (or unfold it, which
// Beast does silently: two parsers that disagree on header boundaries are
// what request smuggling needs). `head` is exactly the bytes Beast consumed.
Status CheckNoFolding(std::string_view head) {
  for (size_t i = head.find("\r\n"); i != std::string_view::npos && i + 2 < head.size();
       i = head.find("\r\n", i + 2)) {
    if (head[i + 2] == ' ' || head[i + 2] == '\t') {
      return Malformed(
          "a header line starts with a space or tab (obsolete line folding, RFC 9112 "
          "section 5.2)");
    }
  }
  return Status::OK();
}

// uri-host [ ":" port ]: reg-name / IPv4 / "[" IPv6 "]" characters (RFC 3986).
bool ValidHostValue(std::string_view v) {
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) continue;
    if (std::string_view("-._~!$&'()*+,;=:[]%").find(c) == std::string_view::npos) return false;
  }
  return true;
}

// RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code
// to any HTTP/1.1 request message that lacks a Host header field and to any
// request message that contains more than one Host header field line or a
// Host header field with an invalid field value."
Status CheckHost(const http::request<http::buffer_body>& msg) {
  size_t count = 0;
  for (const auto& f : msg) {
    if (f.name() != http::field::host) continue;
    ++count;
    if (!ValidHostValue(std::string_view(f.value().data(), f.value().size()))) {
      return Malformed("invalid Host header");
    }
  }
  if (count > 1) return Malformed("more than one Host header (RFC 9112 section 3.2)");
  if (count == 0 && msg.version() >= 11) {
    return Malformed("HTTP/1.1 request without a Host header (RFC 9112 section 3.2)");
  }
  return Status::OK();
}

}  // namespace

void InitRequestParser(RequestParser* parser, uint32_t max_header_bytes) {
  parser->header_limit(max_header_bytes);
  parser->body_limit(std::numeric_limits<std::uint64_t>::max());
}

Result<size_t> ParseRequestHead(RequestParser* parser, std::string_view buffered, bool* done) {
  *done = false;
  beast::error_code ec;
  size_t used = parser->put(net::const_buffer(buffered.data(), buffered.size()), ec);
  if (ec == http::error::need_more) return used;
  if (ec == http::error::header_limit) return Malformed("the request head is too large");
  if (ec) return Malformed(ec.message());
  if (!parser->is_header_done()) return used;
  RETURN_NOT_OK(CheckNoFolding(buffered.substr(0, used)));
  RETURN_NOT_OK(CheckHost(parser->get()));
  *done = true;
  return used;
}

HttpRequest ToRequest(const RequestParser& parser) {
  const auto& msg = parser.get();
  HttpRequest r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  r.headers.reserve(16);
  for (const auto& field : msg) {
    beast::string_view name = field.name_string();
    r.headers.emplace_back(AsciiLower({name.data(), name.size()}), std::string(field.value()));
  }
  if (parser.content_length()) r.content_length = *parser.content_length();
  r.chunked = parser.chunked();
  return r;
}

namespace {

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "FuzzHttpHead: invariant broken: %s\n", what);
  std::abort();
}

void CheckInvariants(const RequestParser& parser, const HttpRequest& r) {
  if (r.path + (r.target.find('?') == std::string::npos ? "" : "?" + r.query) != r.target) {
    Broken("target != path ? query");
  }
  for (const auto& [name, value] : r.headers) {
    if (name.empty()) Broken("empty header name");
    for (char c : name) {
      if (std::isupper(static_cast<unsigned char>(c))) Broken("header name not lowercased");
    }
  }
  if (parser.get().version() >= 11 && !r.HasHeader("host")) Broken("HTTP/1.1 without Host");
  if (r.chunked && r.content_length) Broken("both chunked and Content-Length");
}

}  // namespace

Status FuzzHttpHead(const uint8_t* data, size_t size) {
  if (size == 0) return Status::OK();
  const size_t step = static_cast<size_t>(data[0]) + 1;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  RequestParser parser;
  InitRequestParser(&parser, 64 * 1024);
  std::string buffered;
  size_t fed = 0;
  bool done = false;
  while (!done) {
    if (fed == in.size()) return Malformed("the input ended inside the head");
    size_t n = std::min(step, in.size() - fed);
    buffered.append(in.substr(fed, n));
    fed += n;
    ASSIGN_OR_RETURN(size_t used, ParseRequestHead(&parser, buffered, &done));
    buffered.erase(0, used);
  }
  CheckInvariants(parser, ToRequest(parser));
  // The body, through a small buffer as the session reads it.
  buffered.append(in.substr(fed));
  char body[512];
  while (!parser.is_done()) {
    parser.get().body().data = body;
    parser.get().body().size = sizeof(body);
    beast::error_code ec;
    size_t used = parser.put(net::const_buffer(buffered.data(), buffered.size()), ec);
    buffered.erase(0, used);
    if (ec == http::error::need_buffer) continue;
    if (ec == http::error::need_more || (!ec && used == 0)) {
      parser.put_eof(ec);
      return ec ? Malformed(ec.message()) : Status::OK();
    }
    if (ec) return Malformed(ec.message());
  }
  return Status::OK();
}

}  // namespace worm::server
