#include "server/aws_chunked.h"

#include <algorithm>
#include <cctype>

#include "server/s3_errors.h"

namespace worm::server {

namespace {

// Longest chunk-header or trailer line we accept (a signature line is ~100 bytes).
constexpr size_t kMaxLine = 4096;
// Longest trailer section (all trailer lines together): S3 sends a checksum
// and a signature; without a bound, trailer lines would pile up in memory.
constexpr size_t kMaxTrailers = 16 * 1024;
// Largest chunk size we accept; the SDKs use 64 KiB to 8 MiB.
constexpr uint64_t kMaxChunk = 1ull << 34;

Status Framing(std::string message) {
  return S3Error(S3Code::kInvalidArgument, "aws-chunked body: " + std::move(message));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(PayloadMode mode, std::optional<ChunkSigningContext> ctx)
    : mode_(mode) {
  if (ctx.has_value()) signer_.emplace(std::move(*ctx));
}

Result<bool> AwsChunkedDecoder::TakeLine(std::string_view* raw, std::string* line) {
  size_t nl = raw->find('\n');
  size_t take = nl == std::string_view::npos ? raw->size() : nl + 1;
  line_.append(raw->data(), take);
  raw->remove_prefix(take);
  if (line_.size() > kMaxLine) return Framing("header line longer than 4096 bytes");
  if (nl == std::string_view::npos) return false;
  if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return Framing("line not ended by CRLF");
  line->assign(line_, 0, line_.size() - 2);
  line_.clear();
  return true;
}

Status AwsChunkedDecoder::Feed(std::string_view raw, const Output& out) {
  std::string line;
  while (!raw.empty()) {
    switch (state_) {
      case State::kSizeLine:
      case State::kTrailer: {
        ASSIGN_OR_RETURN(bool complete, TakeLine(&raw, &line));
        if (!complete) break;
        RETURN_NOT_OK(state_ == State::kSizeLine ? OnSizeLine(line) : OnTrailerLine(line));
        break;
      }
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, raw.size()));
        std::string_view data = raw.substr(0, n);
        if (chunk_hash_) chunk_hash_->Update(data);
        RETURN_NOT_OK(out(data));
        decoded_size_ += n;
        remaining_ -= n;
        raw.remove_prefix(n);
        if (remaining_ == 0) state_ = State::kDataEnd;
        break;
      }
      case State::kDataEnd: {
        ASSIGN_OR_RETURN(bool complete, TakeLine(&raw, &line));
        if (!complete) break;
        if (!line.empty()) return Framing("chunk data longer than its declared size");
        RETURN_NOT_OK(EndChunk());
        break;
      }
      case State::kDone:
        return Framing("bytes after the final chunk");
    }
  }
  return Status::OK();
}

Status AwsChunkedDecoder::OnSizeLine(std::string_view line) {
  size_t semi = line.find(';');
  std::string_view hex = line.substr(0, semi);
  if (hex.empty() || hex.size() > 16 ||
      hex.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
    return Framing("bad chunk size '" + std::string(hex) + "'");
  }
  uint64_t size = std::stoull(std::string(hex), nullptr, 16);
  if (size > kMaxChunk) return Framing("chunk too large");
  chunk_signature_.clear();
  if (semi != std::string_view::npos) {
    std::string_view ext = line.substr(semi + 1);
    constexpr std::string_view kSig = "chunk-signature=";
    if (ext.substr(0, kSig.size()) == kSig) chunk_signature_ = std::string(ext.substr(kSig.size()));
  }
  if (signer_ && chunk_signature_.empty()) return Framing("chunk without chunk-signature");
  if (signer_) chunk_hash_ = Hasher::New(HashAlgorithm::kSha256);
  remaining_ = size;
  last_chunk_ = size == 0;
  if (size > 0) {
    state_ = State::kData;
    return Status::OK();
  }
  // The final chunk: verify its signature now; trailers (or the empty line) follow.
  RETURN_NOT_OK(EndChunk());
  return Status::OK();
}

Status AwsChunkedDecoder::EndChunk() {
  if (signer_) {
    std::string expected = signer_->NextChunk(chunk_hash_->FinishHex());
    chunk_hash_.reset();
    if (expected != chunk_signature_) {
      return S3Error(S3Code::kSignatureDoesNotMatch,
                     "The chunk signature we calculated does not match the signature you "
                     "provided (chunk ending at decoded byte " +
                         std::to_string(decoded_size_) + ")");
    }
  }
  state_ = last_chunk_ ? State::kTrailer : State::kSizeLine;
  return Status::OK();
}

Status AwsChunkedDecoder::OnTrailerLine(std::string_view line) {
  if (line.empty()) {
    bool signed_trailer = mode_ == PayloadMode::kStreamingSignedTrailer && signer_;
    if (signed_trailer) {
      if (trailer_signature_.empty()) return Framing("missing x-amz-trailer-signature");
      if (signer_->Trailer(canonical_trailers_) != trailer_signature_) {
        return S3Error(S3Code::kSignatureDoesNotMatch,
                       "The trailer signature we calculated does not match the one you provided");
      }
    }
    state_ = State::kDone;
    return Status::OK();
  }
  trailer_bytes_ += line.size() + 2;
  if (trailer_bytes_ > kMaxTrailers) return Framing("trailers longer than 16384 bytes");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Framing("bad trailer line");
  std::string name = Lower(Trim(line.substr(0, colon)));
  std::string value(Trim(line.substr(colon + 1)));
  if (name == "x-amz-trailer-signature") {
    trailer_signature_ = value;
    return Status::OK();
  }
  canonical_trailers_ += name + ":" + value + "\n";
  trailers_.emplace_back(std::move(name), std::move(value));
  return Status::OK();
}

Status AwsChunkedDecoder::Finish() const {
  // Some clients omit the final empty line after the trailers; accept that.
  if (state_ == State::kDone) return Status::OK();
  if (state_ == State::kTrailer && line_.empty() &&
      !(mode_ == PayloadMode::kStreamingSignedTrailer && signer_)) {
    return Status::OK();
  }
  return S3Error(S3Code::kIncompleteBody,
                 "You did not provide the number of bytes specified by the Content-Length HTTP "
                 "header (the aws-chunked body ended before its final chunk)");
}

}  // namespace worm::server
