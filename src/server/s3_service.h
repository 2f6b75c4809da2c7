// S3Service: the S3 REST API over a BucketStore, independent of the HTTP
// machinery. The session hands it each request header; it authenticates,
// routes to a handler, and returns either a response or a BodySink that
// receives the body (see http_types.h).
//
// Thread-safety: Begin may be called concurrently from every server thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "server/auth.h"
#include "server/bucket_store.h"
#include "server/handlers.h"
#include "server/http_types.h"
#include "worm/clock.h"

namespace worm::server {

struct ServiceOptions {
  BucketStoreOptions store;
  AuthOptions auth;
  Clock* clock = nullptr;            // null: Clock::Default(); not owned
  std::string region = "us-east-1";  // reported to clients; credential scopes must name it
};

class S3Service {
 public:
  explicit S3Service(ServiceOptions options);

  // Handles one request header. Never throws for bad input: errors become S3
  // XML responses. The returned sink (if any) may outlive `request`.
  Dispatch Begin(HttpRequest request);

  // A fresh x-amz-request-id (unique within this process, hex).
  std::string NextRequestId();

 private:
  Dispatch Route(const Ctx& ctx);
  Dispatch RouteBucket(const Ctx& ctx);
  Dispatch RouteObject(const Ctx& ctx);

  ServiceOptions options_;
  BucketStore store_;
  Authenticator auth_;
  ServiceEnv env_;
  std::string id_prefix_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace worm::server
