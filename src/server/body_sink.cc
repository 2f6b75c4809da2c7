#include "server/body_sink.h"

#include <algorithm>

#include "core/hash.h"
#include "server/aws_chunked.h"
#include "server/s3_errors.h"

namespace worm::server {

namespace {

Status ParseChecksumHeaders(const HttpRequest& req, BodyExpectations* e) {
  for (const auto& [name, value] : req.headers) {
    std::optional<ChecksumAlgorithm> alg = ParseChecksumHeader(name);
    if (!alg) continue;
    if (e->checksum && *e->checksum != *alg) {
      return S3Error(S3Code::kInvalidRequest, "Expecting a single x-amz-checksum- header");
    }
    Result<std::string> raw = Base64Decode(value);
    if (!raw.ok() || raw->size() != ChecksumSize(*alg)) {
      return S3Error(S3Code::kInvalidRequest,
                     "Value for " + std::string(ChecksumHeader(*alg)) + " header is invalid.");
    }
    e->checksum = alg;
    e->checksum_b64 = value;
  }
  std::string_view trailer = req.Header("x-amz-trailer");
  if (!trailer.empty()) {
    std::optional<ChecksumAlgorithm> alg = ParseChecksumHeader(trailer);
    if (!alg) {
      return S3Error(S3Code::kInvalidRequest,
                     "The value specified in the x-amz-trailer header is not supported: " +
                         std::string(trailer));
    }
    if (e->checksum) {
      return S3Error(S3Code::kInvalidRequest, "Expecting a single x-amz-checksum- header");
    }
    e->checksum = alg;
    e->checksum_in_trailer = true;
  }
  return Status::OK();
}

class VerifyingSink final : public BodySink {
 public:
  VerifyingSink(BodyExpectations e, std::unique_ptr<BodyConsumer> consumer)
      : e_(std::move(e)), consumer_(std::move(consumer)) {
    if (IsStreaming(e_.mode)) decoder_.emplace(e_.mode, e_.chunk_ctx);
    if (e_.mode == PayloadMode::kSha256) sha256_ = Hasher::New(HashAlgorithm::kSha256);
    if (!e_.content_md5.empty()) md5_ = Hasher::New(HashAlgorithm::kMd5);
    if (e_.checksum) checksum_ = Checksummer::New(*e_.checksum);
  }

  Status Write(std::string_view chunk) override {
    if (sha256_) sha256_->Update(chunk);
    if (!decoder_) return Decoded(chunk);
    return decoder_->Feed(chunk, [this](std::string_view d) { return Decoded(d); });
  }

  uint64_t raw_limit() const override {
    uint64_t decoded = Bound();
    if (!decoder_) return decoded;
    uint64_t allowance = AwsChunkedAllowance(decoded);
    return decoded > UINT64_MAX - allowance ? UINT64_MAX : decoded + allowance;
  }

  HttpResponse Finish(const Status& body_status) override {
    VerifiedBody body;
    body.size = size_;
    Status st = body_status.ok() ? Verify(&body) : body_status;
    return consumer_->Finish(st, body);
  }

 private:
  // The most decoded bytes this body may hold.
  uint64_t Bound() const { return std::min(e_.max_size, e_.decoded_length.value_or(UINT64_MAX)); }

  // Refuses the bytes that would take the body past Bound(), before the
  // consumer sees any of them.
  Status CheckSize(size_t more) const {
    if (more <= Bound() - size_) return Status::OK();
    if (e_.decoded_length && *e_.decoded_length < e_.max_size) {
      return S3Error(S3Code::kEntityTooLarge,
                     "The request body holds more than the " + std::to_string(*e_.decoded_length) +
                         " bytes its " +
                         (decoder_ ? "x-amz-decoded-content-length" : "Content-Length") +
                         " header declares");
    }
    return S3Error(S3Code::kEntityTooLarge,
                   "Your proposed upload exceeds the maximum allowed size (" +
                       std::to_string(e_.max_size) + " bytes)");
  }

  Status Decoded(std::string_view d) {
    RETURN_NOT_OK(CheckSize(d.size()));
    size_ += d.size();
    if (md5_) md5_->Update(d);
    if (checksum_) checksum_->Update(d);
    return consumer_->Write(d);
  }

  Status Verify(VerifiedBody* body) {
    if (decoder_) RETURN_NOT_OK(decoder_->Finish());
    if (e_.decoded_length && *e_.decoded_length != size_) {
      return S3Error(S3Code::kIncompleteBody,
                     "You did not provide the number of bytes specified by the Content-Length "
                     "HTTP header (expected " +
                         std::to_string(*e_.decoded_length) + ", got " + std::to_string(size_) +
                         ")");
    }
    if (sha256_ && sha256_->FinishHex() != e_.sha256_hex) {
      return S3Error(
          S3Code::kXAmzContentSHA256Mismatch,
          "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (md5_ && md5_->FinishRaw() != e_.content_md5) {
      return S3Error(S3Code::kBadDigest,
                     "The Content-MD5 you specified did not match what we received.");
    }
    if (checksum_) RETURN_NOT_OK(VerifyChecksum(body));
    return Status::OK();
  }

  Status VerifyChecksum(VerifiedBody* body) {
    std::string expected = e_.checksum_b64;
    std::string_view header = ChecksumHeader(*e_.checksum);
    if (e_.checksum_in_trailer) {
      for (const auto& [name, value] : decoder_ ? decoder_->trailers() : HeaderPairs{}) {
        if (name == header) expected = value;
      }
      if (expected.empty()) {
        return S3Error(S3Code::kInvalidRequest, "The x-amz-trailer header names " +
                                                    std::string(header) +
                                                    " but the body has no such trailer");
      }
    }
    std::string actual = Base64Encode(checksum_->FinishRaw());
    if (actual != expected) {
      return S3Error(S3Code::kBadDigest, "The " + std::string(ChecksumName(*e_.checksum)) +
                                             " you specified did not match the calculated "
                                             "checksum.");
    }
    body->checksum = e_.checksum;
    body->checksum_b64 = actual;
    return Status::OK();
  }

  BodyExpectations e_;
  std::unique_ptr<BodyConsumer> consumer_;
  std::optional<AwsChunkedDecoder> decoder_;
  std::unique_ptr<Hasher> sha256_;
  std::unique_ptr<Hasher> md5_;
  std::unique_ptr<Checksummer> checksum_;
  uint64_t size_ = 0;
};

class BufferedConsumer final : public BodyConsumer {
 public:
  BufferedConsumer(size_t limit, BufferedDone done) : limit_(limit), done_(std::move(done)) {}
  Status Write(std::string_view data) override {
    if (body_.size() + data.size() > limit_) {
      return S3Error(S3Code::kInvalidRequest,
                     "request body larger than " + std::to_string(limit_) + " bytes");
    }
    body_.append(data);
    return Status::OK();
  }
  HttpResponse Finish(const Status& status, const VerifiedBody& body) override {
    return done_(status, std::move(body_), body);
  }

 private:
  size_t limit_;
  BufferedDone done_;
  std::string body_;
};

}  // namespace

Result<BodyExpectations> ParseBodyExpectations(const HttpRequest& req, const AuthResult& auth) {
  BodyExpectations e;
  e.mode = auth.payload;
  e.chunk_ctx = auth.chunk_ctx;
  e.sha256_hex = auth.payload_sha256;
  std::string_view md5 = req.Header("content-md5");
  if (req.HasHeader("content-md5")) {
    Result<std::string> raw = Base64Decode(md5);
    if (!raw.ok() || raw->size() != 16) {
      return S3Error(S3Code::kInvalidDigest, "The Content-MD5 you specified was invalid.");
    }
    e.content_md5 = *raw;
  }
  RETURN_NOT_OK(ParseChecksumHeaders(req, &e));
  if (IsStreaming(e.mode)) {
    std::string_view decoded = req.Header("x-amz-decoded-content-length");
    if (decoded.empty() && !req.chunked) {
      return S3Error(S3Code::kMissingContentLength,
                     "You must provide the x-amz-decoded-content-length header for aws-chunked "
                     "uploads.");
    }
    if (!decoded.empty()) {
      if (decoded.find_first_not_of("0123456789") != std::string_view::npos ||
          decoded.size() > 19) {
        return S3Error(S3Code::kInvalidArgument, "x-amz-decoded-content-length is not a number");
      }
      e.decoded_length = std::stoull(std::string(decoded));
    }
  } else if (e.checksum_in_trailer) {
    return S3Error(S3Code::kInvalidRequest,
                   "x-amz-trailer needs an aws-chunked body (x-amz-content-sha256: STREAMING-...)");
  } else {
    e.decoded_length = req.content_length;
  }
  return e;
}

std::unique_ptr<BodySink> NewVerifyingSink(BodyExpectations expect,
                                           std::unique_ptr<BodyConsumer> consumer) {
  return std::make_unique<VerifyingSink>(std::move(expect), std::move(consumer));
}

uint64_t AwsChunkedAllowance(uint64_t decoded) { return decoded / 8 + (1u << 20); }

std::unique_ptr<BodyConsumer> NewBufferedConsumer(size_t limit, BufferedDone done) {
  return std::make_unique<BufferedConsumer>(limit, std::move(done));
}

}  // namespace worm::server
