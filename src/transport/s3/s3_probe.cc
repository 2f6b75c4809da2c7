// S3Transport's capability probe: what the server honours, measured with
// real requests on both sides of each condition, and the capabilities the
// engine and sync read from it. The probe speaks raw S3 calls (not Put /
// Delete) so that it controls every header, whatever it learned so far.
#include <sstream>

#include "core/hash.h"
#include "core/json_util.h"
#include "core/layout.h"
#include "core/random.h"
#include "transport/s3/s3_internal.h"
#include "transport/s3/s3_xml.h"

namespace worm {

using s3::HttpResponse;
using s3::S3Call;
using s3::S3Op;

namespace {

// An ETag no object has (the probe's "wrong" precondition).
constexpr std::string_view kWrongEtag = "0123456789abcdef0123456789abcdef";

// An error that says nothing about what the server supports (the request
// did not get an S3 answer about the condition), as opposed to a server
// refusing or ignoring the header.
bool IsProbeFailure(const Status& st) {
  switch (st.code()) {
    case StatusCode::kUnavailable:
    case StatusCode::kUnauthenticated:
    case StatusCode::kPermissionDenied:
    case StatusCode::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

std::string FormName(S3EtagForm form) {
  return form == S3EtagForm::kQuoted ? "quoted" : "unquoted";
}

// One raw request of the probe and what it answered.
struct Answer {
  int http = 0;
  std::string etag;  // quotes stripped
  Status status;     // the mapped error for a non-2xx answer
  bool ok() const { return http / 100 == 2 && status.ok(); }
  bool refused() const { return http == 412; }
  std::string Describe() const {
    if (ok()) return "accepted (" + std::to_string(http) + ")";
    if (refused()) return "refused (412)";
    return status.ToString();
  }
};

class Prober {
 public:
  Prober(S3TransportImpl* t, std::string key_prefix, std::string context)
      : t_(t), key_prefix_(std::move(key_prefix)), context_(std::move(context)) {}

  // A request on `key` (relative to the transport's prefix; "" for the bucket).
  Result<Answer> Call(std::string method, const std::string& key, std::string query,
                      s3::HeaderList headers, std::string_view body = {}, S3Op op = S3Op::kWrite) {
    S3Call call{std::move(method), key.empty() ? std::string() : key_prefix_ + key};
    call.query = std::move(query);
    call.headers = std::move(headers);
    call.body = body;
    ASSIGN_OR_RETURN(HttpResponse response, t_->Send(call));
    Answer a;
    a.http = response.status;
    a.etag = s3::StripEtagQuotes(response.Header("etag"));
    a.status = s3::CheckResponse(op, context_, response);
    if (!a.ok() && !a.refused() && IsProbeFailure(a.status)) return a.status;
    last_body_ = std::move(response.body);
    return a;
  }
  Result<Answer> Put(const std::string& key, std::string_view body, s3::HeaderList headers = {}) {
    return Call("PUT", key, "", std::move(headers), body);
  }
  const std::string& last_body() const { return last_body_; }

 private:
  S3TransportImpl* t_;
  std::string key_prefix_;
  std::string context_;
  std::string last_body_;
};

std::string EtagIn(S3EtagForm form, std::string_view etag) {
  return form == S3EtagForm::kQuoted ? s3::QuoteEtag(etag) : std::string(etag);
}

}  // namespace

std::string S3ProbeToJson(const S3ProbeResult& p) {
  Json j = {{"conditionalCreate", p.conditional_create},
            {"conditionalUpdate", p.conditional_update},
            {"ifMatchForm", FormName(p.if_match_form)},
            {"conditionalDelete", p.conditional_delete},
            {"conditionalMultipart", p.conditional_multipart},
            {"listAfterWrite", p.list_after_write},
            {"checksums", p.checksums},
            {"objectLock", p.object_lock},
            {"summary", p.summary}};
  return j.dump(2);
}

std::vector<std::string> S3Quirks(const S3ProbeResult& p) {
  std::vector<std::string> q;
  if (!p.conditional_create) q.push_back("PUT If-None-Match:* is not honoured");
  if (!p.conditional_update) {
    q.push_back("PUT If-Match is not honoured");
  } else if (p.if_match_form == S3EtagForm::kUnquoted) {
    q.push_back("PUT If-Match is compared with the ETag unquoted");
  }
  if (!p.conditional_delete) q.push_back("If-Match on DELETE is ignored");
  if (!p.conditional_multipart)
    q.push_back("CompleteMultipartUpload ignores If-Match / If-None-Match");
  if (!p.list_after_write) q.push_back("a new object is not listed right away");
  if (!p.checksums) q.push_back("x-amz-checksum-sha256 is not verified");
  return q;
}

Result<S3ProbeResult> S3ProbeFromJson(std::string_view text) {
  ASSIGN_OR_RETURN(Json j, ParseJson(text, "server behaviour"));
  if (!j.is_object()) return Status::InvalidArgument("server behaviour: not a JSON object");
  S3ProbeResult p;
  std::pair<const char*, bool*> flags[] = {
      {"conditionalCreate", &p.conditional_create},
      {"conditionalUpdate", &p.conditional_update},
      {"conditionalDelete", &p.conditional_delete},
      {"conditionalMultipart", &p.conditional_multipart},
      {"listAfterWrite", &p.list_after_write},
      {"checksums", &p.checksums},
      {"objectLock", &p.object_lock},
  };
  for (auto& [name, field] : flags) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_boolean()) {
      return Status::InvalidArgument(std::string("server behaviour: \"") + name +
                                     "\" must be true or false");
    }
    *field = it->get<bool>();
  }
  auto form = j.find("ifMatchForm");
  if (form == j.end() || !form->is_string() || (*form != "quoted" && *form != "unquoted")) {
    return Status::InvalidArgument(
        "server behaviour: \"ifMatchForm\" must be \"quoted\" or \"unquoted\"");
  }
  p.if_match_form = *form == "quoted" ? S3EtagForm::kQuoted : S3EtagForm::kUnquoted;
  if (auto s = j.find("summary"); s != j.end() && s->is_string()) p.summary = *s;
  return p;
}

Capabilities S3TransportImpl::capabilities() const {
  Capabilities caps;
  caps.name = "s3";
  caps.user_metadata = true;
  caps.max_key_size = 1024 - impl_->key_prefix.size();
  std::optional<S3ProbeResult> probe = impl_->Behaviour();
  if (!probe) {
    auto r = EnsureBehaviour();
    if (r.ok()) probe = *r;
  }
  caps.conditional_create = probe && probe->conditional_create;
  caps.conditional_update = probe && probe->conditional_update;
  caps.conditional_delete = probe && probe->conditional_delete;
  caps.list_after_write = !probe || probe->list_after_write;
  caps.object_lock = probe && probe->object_lock;
  return caps;
}

Result<S3ProbeResult> S3TransportImpl::Probe() {
  std::lock_guard<std::mutex> run_lock(impl_->probe_run_mu);
  return ProbeLocked();
}

Result<S3ProbeResult> S3TransportImpl::EnsureBehaviour() const {
  // Concurrent first callers wait for one probe and share its result.
  std::lock_guard<std::mutex> run_lock(impl_->probe_run_mu);
  if (std::optional<S3ProbeResult> known = impl_->Behaviour()) return *known;
  return const_cast<S3TransportImpl*>(this)->ProbeLocked();
}

Result<S3ProbeResult> S3TransportImpl::ProbeLocked() {
  const std::string base = layout::kProbePrefix + NewUuidV4();
  const std::string key = base, fresh = base + ".new", summed = base + ".sum", multi = base + ".mp";
  Prober p(this, impl_->key_prefix, impl_->Context("probe", base));
  S3ProbeResult r;
  std::ostringstream out;
  auto cleanup = [&] {
    for (const std::string& k : {key, fresh, summed, multi}) (void)p.Call("DELETE", k, "", {});
  };
  auto run = [&]() -> Status {
    ASSIGN_OR_RETURN(Answer first, p.Put(key, "probe-1"));
    RETURN_NOT_OK(first.status);
    std::string current = first.etag;

    ASSIGN_OR_RETURN(
        Answer listed,
        p.Call("GET", "", "list-type=2&prefix=" + s3::UriEncode(impl_->FullKey(key), false), {}, {},
               S3Op::kList));
    r.list_after_write = listed.ok() && p.last_body().find("<Key>" + impl_->FullKey(key) +
                                                           "</Key>") != std::string::npos;
    out << "LIST right after PUT: " << (r.list_after_write ? "visible" : "not visible") << "\n";

    // If-None-Match: * — refused on an existing key, written on a new one.
    ASSIGN_OR_RETURN(Answer over, p.Put(key, "probe-2", {{"If-None-Match", "*"}}));
    if (over.ok()) current = over.etag;
    ASSIGN_OR_RETURN(Answer created, p.Put(fresh, "probe-new", {{"If-None-Match", "*"}}));
    r.conditional_create = over.refused() && created.ok();
    out << "PUT If-None-Match:* on an existing key: " << over.Describe()
        << "; on a new key: " << created.Describe() << "\n";

    // If-Match with the right ETag, quoted (standard), then unquoted.
    bool right_accepted = false;
    for (S3EtagForm form : {S3EtagForm::kQuoted, S3EtagForm::kUnquoted}) {
      ASSIGN_OR_RETURN(Answer a, p.Put(key, "probe-3", {{"If-Match", EtagIn(form, current)}}));
      out << "PUT If-Match:<right etag, " << FormName(form) << ">: " << a.Describe() << "\n";
      if (a.ok()) {
        current = a.etag;
        r.if_match_form = form;
        right_accepted = true;
        break;
      }
    }
    ASSIGN_OR_RETURN(Answer wrong,
                     p.Put(key, "probe-4", {{"If-Match", EtagIn(r.if_match_form, kWrongEtag)}}));
    if (wrong.ok()) current = wrong.etag;
    r.conditional_update = right_accepted && wrong.refused();
    out << "PUT If-Match:<wrong etag>: " << wrong.Describe() << "\n";

    // CompleteMultipartUpload: a wrong If-Match refused, then the same upload
    // completed create-only (the key is new).
    ASSIGN_OR_RETURN(Answer init, p.Call("POST", multi, "uploads=", {}));
    RETURN_NOT_OK(init.status);
    ASSIGN_OR_RETURN(std::string upload_id, s3::ParseInitiateMultipartUpload(p.last_body()));
    std::string upload = "uploadId=" + s3::UriEncode(upload_id, false);
    ASSIGN_OR_RETURN(Answer part, p.Call("PUT", multi, "partNumber=1&" + upload, {}, "part"));
    RETURN_NOT_OK(part.status);
    std::string xml = s3::BuildCompleteMultipartUpload({part.etag});
    ASSIGN_OR_RETURN(
        Answer mp_wrong,
        p.Call("POST", multi, upload, {{"If-Match", EtagIn(r.if_match_form, kWrongEtag)}}, xml));
    Answer mp_new;
    if (mp_wrong.refused()) {
      ASSIGN_OR_RETURN(mp_new, p.Call("POST", multi, upload, {{"If-None-Match", "*"}}, xml));
    } else if (!mp_wrong.ok()) {
      (void)p.Call("DELETE", multi, upload, {});  // abort the upload
    }
    r.conditional_multipart = mp_wrong.refused() && mp_new.ok();
    out << "CompleteMultipartUpload If-Match:<wrong etag>: " << mp_wrong.Describe() << "\n";

    // Checksums: a wrong x-amz-checksum-sha256 refused, the right one accepted.
    ASSIGN_OR_RETURN(
        Answer bad_sum,
        p.Put(summed, "probe-sum", {{"x-amz-checksum-sha256", Base64Encode(Sha256Raw("other"))}}));
    Answer good_sum;
    if (!bad_sum.ok()) {
      ASSIGN_OR_RETURN(good_sum,
                       p.Put(summed, "probe-sum",
                             {{"x-amz-checksum-sha256", Base64Encode(Sha256Raw("probe-sum"))}}));
    }
    r.checksums = !bad_sum.ok() && good_sum.ok();
    out << "PUT with a wrong x-amz-checksum-sha256: "
        << (bad_sum.ok() ? "accepted (checksums ignored)" : bad_sum.Describe()) << "\n";

    // DELETE If-Match: a wrong ETag refused, then the right one deletes.
    ASSIGN_OR_RETURN(Answer del_wrong,
                     p.Call("DELETE", key, "", {{"If-Match", EtagIn(r.if_match_form, kWrongEtag)}},
                            {}, S3Op::kDelete));
    Answer del_right;
    if (del_wrong.refused()) {
      ASSIGN_OR_RETURN(
          del_right, p.Call("DELETE", key, "", {{"If-Match", EtagIn(r.if_match_form, current)}}, {},
                            S3Op::kDelete));
    }
    r.conditional_delete = del_wrong.refused() && del_right.ok();
    out << "DELETE If-Match:<wrong etag>: "
        << (del_wrong.ok() ? "deleted the object (condition ignored)" : del_wrong.Describe())
        << "\n";

    ASSIGN_OR_RETURN(Answer lock, p.Call("GET", "", "object-lock=", {}, {}, S3Op::kRead));
    r.object_lock =
        lock.ok() && p.last_body().find("<ObjectLockEnabled>Enabled") != std::string::npos;
    out << "bucket Object Lock: " << (r.object_lock ? "enabled" : "not enabled") << "\n";
    return Status::OK();
  };
  Status st = run();
  cleanup();
  RETURN_NOT_OK(st);
  r.summary = out.str();
  impl_->SetBehaviour(r);
  if (impl_->options.on_probed) impl_->options.on_probed(r);
  return r;
}

}  // namespace worm
