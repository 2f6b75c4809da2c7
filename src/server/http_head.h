// Request-head parsing for `worm serve`: Beast's request_parser plus the
// RFC 9112 checks Beast leaves to its user, and the translation of a parsed
// head into the Beast-free HttpRequest. The session (server.cc) and the fuzz
// target (fuzz/http_head_fuzz.cc, through FuzzHttpHead in http_fuzz.h) run
// exactly this code.
//
// Includes Beast: include it only from server.cc and http_head.cc, which
// keeps Beast out of every other translation unit (compile times).
//
// Thread-safety: pure functions over the caller's parser.
#pragma once

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <string_view>

#include "server/http_types.h"
#include "worm/result.h"

namespace worm::server {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

// Makes `parser` ready for one request: `max_header_bytes` bounds the head;
// the body is unbounded here: the session sets each body's limit from the
// handler's sink (BodySink::raw_limit) once the head is read.
void InitRequestParser(RequestParser* parser, uint32_t max_header_bytes);

// Feeds the bytes buffered so far (everything not yet consumed, new bytes
// appended) to `parser`. Returns how many bytes it consumed; sets *done once
// the head is complete and valid. Beast consumes a head only whole, so until
// then the result is 0 and the caller reads more and calls again.
//
// Errors (S3 InvalidRequest, HTTP 400), each naming what is wrong:
//  - what Beast refuses (bad request line, bad field, a head over
//    max_header_bytes, conflicting Content-Length / Transfer-Encoding);
//  - obs-fold, a header line starting with SP or HTAB (RFC 9112 §5.2; Beast
//    unfolds such lines silently, so the raw head is scanned here);
//  - HTTP/1.1 without Host, more than one Host, or a Host value that is not
//    uri-host[:port] (RFC 9112 §3.2: "MUST respond with a 400").
Result<size_t> ParseRequestHead(RequestParser* parser, std::string_view buffered, bool* done);

// REQUIRES: parser->is_header_done().
HttpRequest ToRequest(const RequestParser& parser);

}  // namespace worm::server
