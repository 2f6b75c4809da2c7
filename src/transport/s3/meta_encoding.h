// User metadata values (x-amz-meta-*) on the wire. S3 stores UTF-8 text but
// HTTP header values are ASCII: a value that is not printable ASCII travels
// RFC 2047-encoded ("=?UTF-8?B?<base64>?="), and S3 (and `worm serve`)
// return such values encoded that way. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace worm::s3 {

// `value` as an x-amz-meta-* header value: as is when printable ASCII (and
// tab), else one RFC 2047 encoded word, "=?UTF-8?B?...?=".
std::string EncodeMetaValue(std::string_view value);

// The text of a header value S3 returned: a value made of RFC 2047 encoded
// words in UTF-8 (B or Q encoding, separated by whitespace) is decoded;
// anything else, a malformed word included, is returned as is.
std::string DecodeMetaValue(std::string_view value);

}  // namespace worm::s3
