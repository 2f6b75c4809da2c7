// S3 wire formats: the XML bodies of ListObjectsV2, multipart upload, copy
// and error responses (pugixml, which stays in the .cc; listings, parsed
// once per 1,000 keys, with a single-pass reader of their own), plus the
// timestamp and ETag formats S3 uses in headers.
//
// Thread-safety: pure functions, safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "worm/result.h"
#include "worm/transport.h"

namespace worm::s3 {

// <Error><Code/><Message/><RequestId/></Error>.
struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
};
// True when `xml` is an S3 <Error> document (S3 sometimes sends one with a
// 200 status for CompleteMultipartUpload and CopyObject).
bool ParseS3Error(std::string_view xml, S3ErrorBody* out);

struct ListObjectsV2Result {
  std::vector<ObjectMeta> objects;  // key, size, etag (unquoted), last_modified_ms
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_continuation_token;
};
// Parses a ListBucketResult. Keys and prefixes are URL-decoded when the
// response says <EncodingType>url</EncodingType> (servers that ignore the
// encoding-type request parameter send raw keys and no EncodingType).
// InvalidArgument for XML that is not a ListBucketResult.
Result<ListObjectsV2Result> ParseListObjectsV2(std::string_view xml);

// UploadId of an InitiateMultipartUploadResult.
Result<std::string> ParseInitiateMultipartUpload(std::string_view xml);
// ETag (unquoted) of a CompleteMultipartUploadResult or CopyObjectResult.
Result<std::string> ParseResultEtag(std::string_view xml, std::string_view root);

// <CompleteMultipartUpload> naming parts 1..n with their ETags.
std::string BuildCompleteMultipartUpload(const std::vector<std::string>& part_etags);

// "\"abc\"" -> "abc"; also strips a weak "W/" prefix.
std::string StripEtagQuotes(std::string_view etag);
std::string_view StripEtagQuotesView(std::string_view etag);  // the same, as a view
// "2009-10-12T17:50:30.000Z" -> Unix ms. InvalidArgument when malformed.
Result<int64_t> ParseIso8601Millis(std::string_view s);
// RFC 7231 IMF-fixdate "Wed, 12 Oct 2009 17:50:00 GMT" -> Unix ms.
Result<int64_t> ParseHttpDateMillis(std::string_view s);

}  // namespace worm::s3
