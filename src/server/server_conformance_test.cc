// The transport conformance suite, run through our S3 client (S3Transport)
// against `worm serve` started in-process: every Transport contract must
// hold end to end over the S3 protocol (conditional writes included, so
// kProbe must find them supported).
#include "server/in_process_s3.h"
#include "testing/transport_conformance.h"

namespace worm::server {
namespace {

std::shared_ptr<Transport> MakeS3AgainstWormServe() {
  // One PUT per object up to 16 MiB: a multipart upload's ETag is S3's
  // md5-of-md5s "-N" (on AWS as here), which the suite's MD5 check does not allow.
  return NewS3TransportOnInProcessServe("conformance", size_t{16} << 20);
}

}  // namespace
}  // namespace worm::server

WORM_INSTANTIATE_TRANSPORT_CONFORMANCE(WormServe, (::worm::testing::TransportFactory{
                                                      "s3_against_worm_serve",
                                                      &::worm::server::MakeS3AgainstWormServe}));
