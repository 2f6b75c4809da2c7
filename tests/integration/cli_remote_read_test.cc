// worm query | get | ls --remote NAME (issue 16, item 4): reading a remote
// without pulling, driven through the built `worm` binary against a real
// `worm serve` with SigV4 keys. Project A creates and pushes; project B holds
// only the schema and the remote config. B's reads equal A's local ones, cost
// one LIST per 1,000 keys and one GET per document not in B's cache of that
// remote, and change nothing on the remote (its folder is compared file by
// file). Errors name the remote and never print the secret. No timing
// assertions.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/hash.h"
#include "core/json_util.h"
#include "testing/subprocess.h"
#include "testing/test_util.h"

namespace worm {
namespace {

namespace fs = std::filesystem;
using testing::BackgroundProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessOptions;
using testing::ProcessResult;
using testing::ScratchDir;

constexpr int kTimeoutMs = 10000;
constexpr char kAccessKey[] = "AKREMOTEREAD";
constexpr char kSecret[] = "remote-read-secret-5f3a9c";
constexpr int kInvoices = 2500;  // 3 LIST pages with the collection's sentinel

std::string InvoiceId(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-0000-0000-%012d", i);
  return buf;
}

// A port nothing listens on: bound, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class CliRemoteReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(Srv() / "bkt");
    serve_ = std::make_unique<BackgroundProcess>(std::vector<std::string>{
        testing::WormBinary().string(), "serve", "--root", Srv().string(), "--port", "0",
        "--access-key", kAccessKey, "--secret-key", kSecret, "--no-fsync"});
    auto line = serve_->WaitForLine("listening on ", kTimeoutMs);
    ASSERT_TRUE(line.has_value());
    url_ = line->substr(line->find("http://"));
    for (const fs::path& p : {A(), B()}) {
      fs::create_directories(p);
      ASSERT_EQ(Worm(p, {"init"}).exit_code, 0);
      ProcessResult add =
          Worm(p, {"remote", "add", "origin", "s3://bkt/proj", "--endpoint", url_, "--path-style"});
      ASSERT_EQ(add.exit_code, 0) << add.err;
    }
  }
  void TearDown() override {
    if (serve_) {
      serve_->Signal(SIGTERM);
      EXPECT_EQ(serve_->Wait(kTimeoutMs), 0);
    }
  }

  fs::path Srv() const { return dir_.path() / "srv"; }
  fs::path A() const { return dir_.path() / "a"; }  // creates and pushes
  fs::path B() const { return dir_.path() / "b"; }  // schema + remote config only

  ProcessResult Worm(const fs::path& cwd, std::vector<std::string> args,
                     const std::string& secret = kSecret) {
    args.insert(args.begin(), testing::WormBinary().string());
    ProcessOptions o;
    o.cwd = cwd;
    o.env = {{"AWS_ACCESS_KEY_ID", kAccessKey},
             {"AWS_SECRET_ACCESS_KEY", secret},
             {"AWS_EC2_METADATA_DISABLED", "true"},
             {"AWS_CONFIG_FILE", (dir_.path() / "no-aws-config").string()},
             {"AWS_SHARED_CREDENTIALS_FILE", (dir_.path() / "no-aws-credentials").string()},
             {"WORM_PROJECT", ""}};
    o.timeout_seconds = 120;
    return testing::RunProcess(args, o);
  }
  Json WormJson(const fs::path& cwd, std::vector<std::string> args, ProcessResult* raw = nullptr) {
    args.push_back("--json");
    ProcessResult r = Worm(cwd, args);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out.substr(0, 2000);
    auto j = ParseJson(r.out, "stdout");
    EXPECT_TRUE(j.ok()) << r.out.substr(0, 2000);
    if (raw != nullptr) *raw = r;
    return j.ok() ? *j : Json();
  }

  void WriteInvoice(int i, int amount) {
    fs::path p = A() / ".worm/data/org/invoices" / InvoiceId(i);
    fs::create_directories(p);
    Json doc = {{"id", InvoiceId(i)},
                {"customerId", "c1"},
                {"amount", amount},
                {"status", i % 3 == 0 ? "paid" : (i % 3 == 1 ? "sent" : "draft")}};
    testing::WriteFileOrDie(p / "data.json", doc.dump());
  }
  void Push() {
    Json push = WormJson(A(), {"push"});
    EXPECT_EQ(push["failed"], 0) << push.dump();
  }

  // Every object file of the bucket, by path, with an MD5 of its bytes: what
  // "the remote" holds, byte for byte. The server's `.wormfs/` folders (lock
  // files it makes on first use, multipart staging) hold no objects.
  std::map<std::string, std::string> Bucket() const {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(Srv() / "bkt");
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->path().filename() == ".wormfs") {
        it.disable_recursion_pending();
      } else if (it->is_regular_file()) {
        out[fs::relative(it->path(), Srv()).string()] = Md5Hex(testing::ReadFileOrDie(it->path()));
      }
    }
    return out;
  }

  // The request counts of a `query --json --stats --remote origin`.
  static int64_t Requests(const Json& doc, const char* op) {
    return doc.contains("requests") ? doc["requests"].value(op, int64_t{-1}) : -1;
  }

  ScratchDir dir_;
  std::unique_ptr<BackgroundProcess> serve_;
  std::string url_;
};

TEST_F(CliRemoteReadTest, QueryGetLsReadTheRemoteWithBoundedRequestsAndWriteNothing) {
  for (int i = 0; i < kInvoices; ++i) WriteInvoice(i, i);
  // Entities written through the engine too: an oplog, a soft delete.
  Json ann = WormJson(A(), {"create", "Customer", "--data", R"({"name":"Ann","email":"a@x"})"});
  Json bob = WormJson(A(), {"create", "Customer", "--data", R"({"name":"Bob","email":"b@x"})"});
  std::string bob_id = bob["id"];
  ASSERT_EQ(Worm(A(), {"delete", "Customer", bob_id}).exit_code, 0);
  Push();
  std::map<std::string, std::string> before = Bucket();
  ASSERT_GT(before.size(), static_cast<size_t>(kInvoices));

  // First query from B: every document is fetched once, LISTs one per 1,000 keys.
  Json local = WormJson(A(), {"query", "Invoice"});
  Json first = WormJson(B(), {"query", "Invoice", "--remote", "origin", "--stats"});
  ASSERT_EQ(first["items"].size(), static_cast<size_t>(kInvoices));
  EXPECT_EQ(first["items"], local["items"]);
  EXPECT_EQ(Requests(first, "LIST"), 3) << first["requests"].dump();
  EXPECT_EQ(Requests(first, "GET"), kInvoices);
  EXPECT_EQ(Requests(first, "HEAD"), 0);
  EXPECT_EQ(Requests(first, "PUT"), 0);
  EXPECT_EQ(Requests(first, "DELETE"), 0);
  EXPECT_EQ(Requests(first, "COPY"), 0);
  EXPECT_EQ(first["stats"]["fetched"], kInvoices);
  EXPECT_TRUE(fs::exists(B() / ".worm/cache/remotes/origin/Invoice/docs.sqlite"));

  // Unchanged remote: LISTs only.
  Json second = WormJson(B(), {"query", "Invoice", "--remote", "origin", "--stats"});
  EXPECT_EQ(second["items"], local["items"]);
  EXPECT_EQ(Requests(second, "LIST"), 3) << second["requests"].dump();
  EXPECT_EQ(Requests(second, "GET"), 0);
  EXPECT_EQ(second["stats"]["cacheHits"], kInvoices);

  // A filtered, sorted page and an aggregate agree with the local ones.
  std::vector<std::string> page = {"query",  "Invoice", "--filter", "status=paid",
                                   "--sort", "-amount", "--limit",  "5"};
  Json local_page = WormJson(A(), page);
  page.insert(page.end(), {"--remote", "origin"});
  EXPECT_EQ(WormJson(B(), page), local_page);
  std::vector<std::string> agg = {"query", "Invoice", "--group-by", "status", "--sum", "amount"};
  Json local_agg = WormJson(A(), agg);
  agg.insert(agg.end(), {"--remote", "origin"});
  EXPECT_EQ(WormJson(B(), agg), local_agg);

  // get: one GET. Human output and --json as for local data.
  std::string id = InvoiceId(1234);
  ProcessResult got;
  Json remote_doc = WormJson(B(), {"get", "Invoice", id, "--remote", "origin", "--stats"}, &got);
  EXPECT_EQ(remote_doc, WormJson(A(), {"get", "Invoice", id}));
  EXPECT_THAT(got.err, HasSubstr("requests to remote origin: HEAD=0 GET=1/"));
  EXPECT_THAT(got.err, HasSubstr(" PUT=0 LIST=0 DELETE=0 COPY=0"));
  // A soft-deleted entity: not found, then from the trash with --with-deleted.
  ProcessResult gone = Worm(B(), {"get", "Customer", bob_id, "--remote", "origin"});
  EXPECT_EQ(gone.exit_code, 3) << gone.err;
  EXPECT_THAT(gone.err, HasSubstr("remote origin"));
  Json trashed = WormJson(
      B(), {"get", "Customer", bob_id, "--remote", "origin", "--with-deleted", "--with-meta"});
  EXPECT_EQ(trashed["deleted"], true) << trashed.dump();
  EXPECT_EQ(trashed["document"]["name"], "Bob");
  EXPECT_EQ(WormJson(B(), {"get", "Customer", ann["id"].get<std::string>(), "--remote",
                           "origin"})["name"],
            "Ann");

  // ls: one LIST per 1,000 keys, one GET per entity; the same listing.
  ProcessResult listed;
  Json ls = WormJson(B(), {"ls", "Invoice", "--remote", "origin", "--stats"}, &listed);
  EXPECT_EQ(ls, WormJson(A(), {"ls", "Invoice"}));
  EXPECT_EQ(ls.size(), static_cast<size_t>(kInvoices));
  EXPECT_THAT(listed.err, HasSubstr("requests to remote origin: HEAD=0 GET=2500/"));
  EXPECT_THAT(listed.err, HasSubstr(" PUT=0 LIST=3 DELETE=0 COPY=0"));
  EXPECT_EQ(WormJson(B(), {"ls", "Customer", "--remote", "origin", "--with-deleted"}),
            WormJson(A(), {"ls", "Customer", "--with-deleted"}));
  ProcessResult table = Worm(B(), {"query", "Invoice", "--remote", "origin", "--limit", "2"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr(InvoiceId(1)));

  // Nothing was written to the remote, nor to B's own data.
  EXPECT_EQ(Bucket(), before);
  size_t b_data_files = 0;
  for (auto& e : fs::recursive_directory_iterator(B() / ".worm/data")) {
    b_data_files += e.is_regular_file();
  }
  EXPECT_EQ(b_data_files, 0u);
  EXPECT_EQ(WormJson(B(), {"query", "Invoice"})["items"].size(), 0u);  // local data: none

  // 7 documents change on the remote (pushed from A): 7 GETs, the same LISTs.
  for (int i = 100; i < 107; ++i) WriteInvoice(i, 100000 + i);
  Push();
  before = Bucket();
  Json third = WormJson(B(), {"query", "Invoice", "--remote", "origin", "--stats"});
  EXPECT_EQ(third["items"], WormJson(A(), {"query", "Invoice"})["items"]);
  EXPECT_EQ(Requests(third, "LIST"), 3) << third["requests"].dump();
  EXPECT_EQ(Requests(third, "GET"), 7);
  EXPECT_EQ(third["stats"]["cacheHits"], kInvoices - 7);
  EXPECT_EQ(third["items"][100]["amount"], 100100);
  EXPECT_EQ(Bucket(), before);
}

TEST_F(CliRemoteReadTest, ErrorsNameTheRemoteAndNeverTheSecret) {
  auto expect_clean = [&](const ProcessResult& r, const std::string& secret) {
    EXPECT_THAT(r.err, Not(HasSubstr(secret)));
    EXPECT_THAT(r.err, Not(HasSubstr(dir_.path().string())));
    EXPECT_TRUE(r.out.empty()) << r.out;
  };
  // Unknown name: NotFound, naming it and the remotes there are.
  for (const char* cmd : {"query", "ls"}) {
    ProcessResult r = Worm(B(), {cmd, "Invoice", "--remote", "nosuch"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_THAT(r.err, HasSubstr("remote 'nosuch' is not configured (remotes: origin)"));
    expect_clean(r, kSecret);
  }
  // Unreachable: Unavailable (exit 1), naming the remote.
  int port = ClosedPort();
  ASSERT_GT(port, 0);
  ASSERT_EQ(Worm(B(), {"remote", "add", "dead", "s3://bkt/proj", "--endpoint",
                       "http://127.0.0.1:" + std::to_string(port), "--path-style"})
                .exit_code,
            0);
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"query", "Invoice"}, {"ls", "Invoice"}, {"get", "Invoice", InvoiceId(1)}}) {
    args.insert(args.end(), {"--remote", "dead"});
    ProcessResult r = Worm(B(), args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("remote dead: "));
    expect_clean(r, kSecret);
  }
  // A wrong secret: refused by the server (exit 6), and not printed.
  const std::string wrong = "wrong-secret-value-77e1";
  ProcessResult denied = Worm(B(), {"query", "Invoice", "--remote", "origin"}, wrong);
  EXPECT_EQ(denied.exit_code, 6) << denied.err;
  EXPECT_THAT(denied.err, HasSubstr("remote origin: "));
  expect_clean(denied, wrong);
  expect_clean(denied, kSecret);
  // An absent entity: NotFound naming the remote.
  ProcessResult absent = Worm(B(), {"get", "Invoice", InvoiceId(9), "--remote", "origin"});
  EXPECT_EQ(absent.exit_code, 3) << absent.err;
  EXPECT_THAT(absent.err, HasSubstr("remote origin: Invoice " + InvoiceId(9) + ": not found"));
  // --stats on get/ls only means something with --remote; an empty name
  // (which would quietly read the local data) is refused.
  EXPECT_EQ(Worm(B(), {"ls", "Invoice", "--stats"}).exit_code, 2);
  ProcessResult empty = Worm(B(), {"query", "Invoice", "--remote", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr("--remote: name a remote"));
  // Nothing was created on the remote by any of these reads.
  EXPECT_TRUE(Bucket().empty());
}

}  // namespace
}  // namespace worm

namespace worm {
namespace {

// `worm doctor` measures the server (issue 16, items 2 and 3): on worm serve
// every condition holds on both sides, so no quirk is reported and push
// deletes are atomic. What it measured is cached per remote and is what the
// next commands go by, without probing again: a cache saying the server
// ignores If-Match on DELETE (as Ceph RGW 16.2 does) makes push fence its
// deletes. `worm remote remove` drops the cache.
TEST_F(CliRemoteReadTest, DoctorMeasuresTheServerAndPushGoesByTheCachedBehaviour) {
  Json doctor = WormJson(A(), {"doctor"});
  EXPECT_EQ(doctor["quirks"], Json::array()) << doctor.dump(2);
  EXPECT_EQ(doctor["conditionalDelete"], true);
  EXPECT_EQ(doctor["conditionalUpdate"], true);
  EXPECT_EQ(doctor["ifMatchForm"], "quoted");
  EXPECT_EQ(doctor["pushDeletes"], "atomic");
  ProcessResult human = Worm(A(), {"doctor"});
  EXPECT_THAT(human.out, HasSubstr("quirks                 none"));

  fs::path cache = A() / ".worm/cache/remotes/origin/server.json";
  ASSERT_TRUE(fs::exists(cache));
  auto cached = ParseJson(testing::ReadFileOrDie(cache), "server.json");
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ((*cached)["behaviour"]["conditionalDelete"], true);

  WriteInvoice(1, 10);
  WriteInvoice(2, 20);
  Push();
  fs::remove_all(A() / ".worm/data/org/invoices" / InvoiceId(1));
  Json atomic = WormJson(A(), {"push"});
  EXPECT_EQ(atomic["deleted"], 1);
  EXPECT_EQ(atomic["deleteGuarantee"], "atomic");

  // The cache now says DELETE ignores If-Match: push fences, and says so.
  (*cached)["behaviour"]["conditionalDelete"] = false;
  testing::WriteFileOrDie(cache, cached->dump());
  fs::remove_all(A() / ".worm/data/org/invoices" / InvoiceId(2));
  Json fenced = WormJson(A(), {"push"});
  EXPECT_EQ(fenced["deleted"], 1);
  EXPECT_EQ(fenced["failed"], 0) << fenced.dump(2);
  EXPECT_EQ(fenced["deleteGuarantee"], "fenced");
  for (const auto& [path, md5] : Bucket()) {
    EXPECT_THAT(path, Not(HasSubstr(InvoiceId(2)))) << "deleted, fence included";
  }
  WriteInvoice(3, 30);
  ASSERT_EQ(Worm(A(), {"push"}).exit_code, 0);
  fs::remove_all(A() / ".worm/data/org/invoices" / InvoiceId(3));
  ProcessResult note = Worm(A(), {"push"});
  EXPECT_THAT(note.out, HasSubstr("remote deletes are fenced"));

  ASSERT_EQ(Worm(A(), {"remote", "remove", "origin"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(cache.parent_path()));
}

}  // namespace
}  // namespace worm
