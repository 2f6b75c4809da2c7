// S3Transport setup: options validation, credentials, presigned URLs and
// bucket creation. The capability probe is in s3_probe.cc.
#include "transport/s3/credentials.h"
#include "transport/s3/presign.h"
#include "transport/s3/s3_internal.h"
#include "transport/s3/s3_xml.h"

namespace worm {

using s3::HttpResponse;
using s3::S3Call;

namespace {

constexpr size_t kMinPartSize = size_t{5} << 20;  // S3's minimum for all parts but the last

std::string NormalizePrefix(std::string_view p) {
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  return p.empty() ? "" : std::string(p) + "/";
}

}  // namespace

Status ParseS3Url(std::string_view url, S3Options* options) {
  constexpr std::string_view kScheme = "s3://";
  if (url.substr(0, kScheme.size()) != kScheme || url.size() == kScheme.size()) {
    return Status::InvalidArgument("remote url '" + std::string(url) +
                                   "': expected s3://bucket[/prefix]");
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  options->bucket = std::string(rest.substr(0, slash));
  options->prefix = slash == std::string_view::npos ? "" : std::string(rest.substr(slash + 1));
  if (options->bucket.empty()) {
    return Status::InvalidArgument("remote url '" + std::string(url) + "': empty bucket name");
  }
  return Status::OK();
}

Result<std::shared_ptr<S3Transport>> S3Transport::Make(S3Options options) {
  auto impl = std::make_unique<S3TransportImpl::Impl>();
  ASSIGN_OR_RETURN(impl->address, s3::MakeS3Address(options));
  if (options.part_size < kMinPartSize) {
    return Status::InvalidArgument("S3 options: part_size must be at least 5 MiB (S3's minimum)");
  }
  if (options.read_chunk_size == 0) {
    return Status::InvalidArgument("S3 options: read_chunk_size must be positive");
  }
  if (options.credentials) {
    impl->credentials = *options.credentials;
  } else if (!options.anonymous) {
    ASSIGN_OR_RETURN(s3::ResolvedCredentials resolved,
                     s3::ResolveCredentials(options.profile, s3::ProcessEnv()));
    impl->credentials = std::move(resolved.credentials);
  }
  impl->key_prefix = NormalizePrefix(options.prefix);
  impl->clock = options.clock ? options.clock : Clock::Default();
  s3::HttpClientOptions http;
  http.connect_timeout_ms = options.connect_timeout_ms;
  http.low_speed_time_s = options.low_speed_time_s;
  http.verify_tls = options.verify_tls;
  impl->http = std::make_unique<s3::HttpClient>(http);
  if (options.known_behaviour) {
    impl->probe = *options.known_behaviour;
  } else if (options.conditional_writes != S3ConditionalWrites::kProbe) {
    // Assumed, not measured: AWS's behaviour, or none of the conditions.
    S3ProbeResult assumed;
    bool yes = options.conditional_writes == S3ConditionalWrites::kAssumeSupported;
    assumed.conditional_create = assumed.conditional_update = yes;
    assumed.conditional_delete = assumed.conditional_multipart = yes;
    assumed.list_after_write = true;
    assumed.summary = "assumed by S3Options::conditional_writes";
    impl->probe = assumed;
  }
  impl->options = std::move(options);
  return std::shared_ptr<S3Transport>(new S3TransportImpl(std::move(impl)));
}

Result<std::string> S3TransportImpl::PresignUrl(const std::string& method, const Key& key,
                                                int64_t expires_seconds) {
  s3::SigningScope scope{impl_->options.region, "s3", impl_->clock->NowMicros() / 1'000'000};
  return s3::PresignS3Url(impl_->address, impl_->credentials, scope, method, impl_->FullKey(key),
                          expires_seconds);
}

Status S3TransportImpl::CreateBucket() {
  S3Call call{"PUT", ""};
  std::string body;
  if (impl_->options.region != "us-east-1" && impl_->options.endpoint.empty()) {
    body = "<CreateBucketConfiguration><LocationConstraint>" + impl_->options.region +
           "</LocationConstraint></CreateBucketConfiguration>";
  }
  call.body = body;
  ASSIGN_OR_RETURN(HttpResponse response, Send(call));
  Status st =
      s3::CheckResponse(s3::S3Op::kWrite, "S3 create bucket " + impl_->address.bucket, response);
  if (st.detail() && st.detail()->remote_code == "BucketAlreadyOwnedByYou") return Status::OK();
  return st;
}

}  // namespace worm
