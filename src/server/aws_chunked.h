// Incremental decoder for S3's aws-chunked payload framing:
//
//   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
//   [<trailer name>:<value>\r\n ...][x-amz-trailer-signature:<sig>\r\n]\r\n
//
// Signed modes verify every chunk signature (chained from the request's seed
// signature) and the trailer signature; unsigned-trailer mode only parses.
// Decoded bytes are passed on as they arrive: nothing is buffered beyond one
// chunk-header line, and at most 16 KiB of trailers. Errors carry S3 codes (IncompleteBody,
// SignatureDoesNotMatch, InvalidArgument for bad framing).
//
// Thread-safety: one decoder per request, used by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/hash.h"
#include "server/auth.h"
#include "server/http_types.h"

namespace worm::server {

class AwsChunkedDecoder {
 public:
  using Output = std::function<Status(std::string_view)>;

  // `ctx` is set to verify chunk signatures (signed streaming modes).
  AwsChunkedDecoder(PayloadMode mode, std::optional<ChunkSigningContext> ctx);

  // Consumes raw body bytes; decoded data goes to `out`.
  Status Feed(std::string_view raw, const Output& out);
  // After the last raw byte: IncompleteBody unless the final chunk (and the
  // trailer section) was read completely.
  Status Finish() const;

  // Trailing headers (names lowercased), e.g. x-amz-checksum-crc32.
  const HeaderPairs& trailers() const { return trailers_; }
  uint64_t decoded_size() const { return decoded_size_; }

 private:
  enum class State { kSizeLine, kData, kDataEnd, kTrailer, kDone };

  Status OnSizeLine(std::string_view line);
  Status OnTrailerLine(std::string_view line);
  Status EndChunk();
  // Appends to line_ up to "\r\n"; true with *line set when a line completed.
  Result<bool> TakeLine(std::string_view* raw, std::string* line);

  PayloadMode mode_;
  std::optional<ChunkSigner> signer_;
  State state_ = State::kSizeLine;
  std::string line_;
  uint64_t remaining_ = 0;  // data bytes left in the current chunk
  bool last_chunk_ = false;
  std::string chunk_signature_;
  std::unique_ptr<Hasher> chunk_hash_;
  std::string trailer_signature_;
  std::string canonical_trailers_;
  HeaderPairs trailers_;
  size_t trailer_bytes_ = 0;  // of the trailer lines read so far
  uint64_t decoded_size_ = 0;
};

}  // namespace worm::server
