// Where an S3 request goes: scheme, host, and how the bucket is addressed
// (path-style "host/bucket/key" or virtual-hosted "bucket.host/key").
//
// Thread-safety: values and pure functions.
#pragma once

#include <string>
#include <string_view>

#include "worm/result.h"

namespace worm {
struct S3Options;
}

namespace worm::s3 {

struct S3Address {
  std::string scheme = "https";  // "http" or "https"
  std::string host;              // endpoint host[:port] (no bucket)
  std::string bucket;
  bool path_style = true;

  // The Host header value (bucket.host when virtual-hosted).
  std::string HostHeader() const;
  // Percent-encoded wire path of an object ("/bucket/a%20b" or "/a%20b"),
  // or of the bucket itself when `key` is empty ("/bucket" or "/").
  std::string WirePath(std::string_view key) const;
  // scheme://Host + wire path (+ "?" + query when non-empty).
  std::string Url(std::string_view wire_path, std::string_view query) const;
};

// Endpoint, region and addressing style from options. InvalidArgument for a
// malformed endpoint or bucket name.
Result<S3Address> MakeS3Address(const S3Options& options);

}  // namespace worm::s3
