#include "transport/s3/presign.h"

namespace worm::s3 {

Result<std::string> PresignS3Url(const S3Address& address, const SigningCredentials& credentials,
                                 const SigningScope& scope, std::string_view method,
                                 std::string_view full_key, int64_t expires_seconds) {
  if (method != "GET" && method != "PUT" && method != "HEAD") {
    return Status::InvalidArgument("presign: method must be GET, PUT or HEAD, got '" +
                                   std::string(method) + "'");
  }
  if (full_key.empty()) return Status::InvalidArgument("presign: empty key");
  HttpRequestParts request;
  request.method = std::string(method);
  request.path = address.WirePath(full_key);
  request.headers.emplace_back("Host", address.HostHeader());
  ASSIGN_OR_RETURN(SigningResult signed_request,
                   PresignRequest(&request, credentials, scope, expires_seconds));
  (void)signed_request;
  return address.Url(request.path, request.query);
}

}  // namespace worm::s3
