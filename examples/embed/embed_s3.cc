// Embeds S3WORM over an S3-compatible bucket: the S3 transport, wrapped in
// request counting and retries, under a Project built from a schema in code.
//   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... embed_s3 <endpoint> <bucket>
// Creates the bucket (OK when it is already ours), then creates, gets and
// queries entities under the prefix "shop/". Exits 1 naming the first thing
// that went wrong.
#include <worm/counting_transport.h>
#include <worm/query.h>
#include <worm/repository.h>
#include <worm/retrying_transport.h>
#include <worm/s3.h>
#include <worm/schema.h>

#include <iostream>
#include <string>

#include "shop_schema.h"

namespace {

worm::Status Check(bool ok, const std::string& what) {
  return ok ? worm::Status::OK() : worm::Status::Internal("embed_s3: " + what);
}

worm::Status Run(const std::string& endpoint, const std::string& bucket) {
  worm::S3Options options;
  RETURN_NOT_OK(worm::ParseS3Url("s3://" + bucket + "/shop", &options));
  options.endpoint = endpoint;
  ASSIGN_OR_RETURN(std::shared_ptr<worm::S3Transport> s3, worm::S3Transport::Make(options));
  RETURN_NOT_OK(s3->CreateBucket());
  ASSIGN_OR_RETURN(worm::S3ProbeResult probe, s3->Probe());
  RETURN_NOT_OK(Check(probe.conditional_create && probe.conditional_update,
                      "the server has no conditional writes: " + probe.summary));

  std::shared_ptr<worm::CountingTransport> counts = worm::NewCountingTransport(s3);
  ASSIGN_OR_RETURN(worm::schema::Schema schema,
                   worm::schema::LoadSchema(worm::Json::parse(kShopSchema)));
  std::unique_ptr<worm::Project> project =
      worm::Project::Create(std::move(schema), worm::NewRetryingTransport(counts));

  ASSIGN_OR_RETURN(worm::Repository * customers, project->Get("Customer"));
  ASSIGN_OR_RETURN(worm::Entity ada,
                   customers->Create({{"name", "Ada"}, {"email", "ada@example.com"}, {"tier", 3}}));
  worm::UpdateOptions stale;
  stale.if_match = "\"not-the-etag\"";
  auto refused = customers->Patch(ada.ids, {{"tier", 2}}, stale);
  RETURN_NOT_OK(Check(refused.status().code() == worm::StatusCode::kFailedPrecondition,
                      "a stale if_match was not refused: " + refused.status().ToString()));
  ASSIGN_OR_RETURN(worm::Entity got, customers->Get(ada.ids));
  RETURN_NOT_OK(Check(got.document["tier"] == 3, "Get returned " + got.document.dump()));

  ASSIGN_OR_RETURN(worm::QueryResult r,
                   worm::RunQuery(*project, "Customer", {{"where", {{"tier", 3}}}}));
  RETURN_NOT_OK(Check(r.items.size() == 1, "query returned " + r.ToJson().dump()));
  worm::TransportCounts c = counts->Snapshot();
  RETURN_NOT_OK(Check(c[worm::OpClass::kPut].requests >= 1, "no PUT counted: " + c.ToString()));
  std::cout << "created " << ada.key << " in s3://" << bucket << "/shop\n";
  std::cout << "requests: " << c.ToString() << "\n";
  std::cout << "embed_s3: ok\n";
  return worm::Status::OK();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: embed_s3 <endpoint> <bucket>\n";
    return 2;
  }
  worm::Status status = Run(argv[1], argv[2]);
  if (!status.ok()) {
    std::cerr << status.ToString() << "\n";
    return 1;
  }
  return 0;
}
