// Access-control subresources: ?policy, ?policyStatus, ?acl (bucket and
// object), ?publicAccessBlock, ?ownershipControls. Who may call them is
// decided before (AccessControl::Authorize); these read and write the
// bucket's access record and objects' ACL metadata (access_control.h).
#include "server/access_control.h"
#include "server/handlers.h"
#include "server/s3_errors.h"
#include "server/s3_xml.h"

namespace worm::server {

namespace {

constexpr size_t kMaxAclBody = 64 * 1024;

struct Target {
  std::shared_ptr<Bucket> bucket;
  std::shared_ptr<const BucketAccessState> state;
};

Result<Target> TargetOf(ServiceEnv& env, const RequestContext& ctx) {
  Target t;
  ASSIGN_OR_RETURN(t.bucket, BucketOf(env, ctx));
  ASSIGN_OR_RETURN(t.state, env.access->State(*t.bucket));
  return t;
}

Status AclsDisabled() {
  return S3Error(S3Code::kAccessControlListNotSupported, "The bucket does not allow ACLs");
}

Status PublicAclBlocked() {
  return S3Error(S3Code::kAccessDenied,
                 "Access Denied: Block Public Access (BlockPublicAcls) refuses a public ACL on "
                 "this bucket");
}

// The ACL a PutBucketAcl / PutObjectAcl request gives: its headers, else its body.
Result<Acl> RequestedAcl(const RequestContext& ctx, const std::string& body,
                         const std::string& owner, const std::string& bucket_owner) {
  ASSIGN_OR_RETURN(std::optional<Acl> from_headers, AclFromHeaders(ctx, owner, bucket_owner));
  const bool has_body = body.find_first_not_of(" \t\r\n") != std::string::npos;
  if (from_headers && has_body) {
    return S3Error(S3Code::kUnexpectedContent,
                   "This request does not support content when ACL headers are given");
  }
  if (from_headers) return std::move(*from_headers);
  if (!has_body) {
    return S3Error(S3Code::kMalformedACLError,
                   "Give an AccessControlPolicy body, x-amz-acl or x-amz-grant-* headers");
  }
  return ParseAccessControlPolicy(body, owner);
}

}  // namespace

// ---- Bucket policy ---------------------------------------------------------------

Dispatch GetBucketPolicy(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  if (!t->state->policy) {
    return Fail(*ctx, S3Error(S3Code::kNoSuchBucketPolicy, "The bucket policy does not exist"));
  }
  HttpResponse r = Empty(*ctx, 200);
  r.Set("Content-Type", "application/json");
  r.body = t->state->policy->text();
  return Respond(std::move(r));
}

Dispatch PutBucketPolicy(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  Target target = *t;
  return WithSmallBody(ctx, kMaxPolicyBytes * 2, [&env, ctx, target](const std::string& body) {
    Result<std::shared_ptr<const CompiledPolicy>> policy = CompileBucketPolicy(body, ctx->bucket);
    if (!policy.ok()) return ErrorFor(*ctx, policy.status());
    Status st = env.access->Update(*target.bucket, [&](BucketAccessState* s) {
      if ((*policy)->is_public() && s->bpa().block_public_policy) {
        return S3Error(S3Code::kAccessDenied,
                       "Access Denied: Block Public Access (BlockPublicPolicy) refuses a public "
                       "bucket policy on this bucket");
      }
      s->policy = *policy;
      return Status::OK();
    });
    if (!st.ok()) return ErrorFor(*ctx, st);
    return Empty(*ctx, 204);
  });
}

Dispatch DeleteBucketPolicy(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  Status st = env.access->Update(*t->bucket, [](BucketAccessState* s) {
    s->policy = nullptr;
    return Status::OK();
  });
  if (!st.ok()) return Fail(*ctx, st);
  return Respond(Empty(*ctx, 204));
}

Dispatch GetBucketPolicyStatus(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  if (!t->state->policy) {
    return Fail(*ctx, S3Error(S3Code::kNoSuchBucketPolicy, "The bucket policy does not exist"));
  }
  XmlWriter x;
  x.Open("PolicyStatus", true);
  x.Bool("IsPublic", t->state->policy->is_public());
  x.Close("PolicyStatus");
  return Respond(XmlOk(*ctx, x.Finish()));
}

// ---- ACLs ---------------------------------------------------------------------

Dispatch GetBucketAcl(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  Acl acl = t->state->acl;
  if (t->state->effective_ownership() == ObjectOwnership::kBucketOwnerEnforced) {
    acl = *CannedAcl("private", t->state->owner, t->state->owner);
  }
  return Respond(XmlOk(*ctx, AccessControlPolicyXml(acl)));
}

Dispatch PutBucketAcl(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  if (t->state->effective_ownership() == ObjectOwnership::kBucketOwnerEnforced) {
    return Fail(*ctx, AclsDisabled());
  }
  Target target = *t;
  return WithSmallBody(ctx, kMaxAclBody, [&env, ctx, target](const std::string& body) {
    Status st = env.access->Update(*target.bucket, [&](BucketAccessState* s) {
      ASSIGN_OR_RETURN(Acl acl, RequestedAcl(*ctx, body, s->owner, s->owner));
      if (acl.IsPublic() && s->bpa().block_public_acls) return PublicAclBlocked();
      s->acl = std::move(acl);
      return Status::OK();
    });
    if (!st.ok()) return ErrorFor(*ctx, st);
    return Empty(*ctx, 200);
  });
}

Dispatch GetObjectAcl(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  if (Status st = CheckVersionId(ctx->Q("versionId")); ctx->Has("versionId") && !st.ok()) {
    return Fail(*ctx, st);
  }
  Result<ObjectMeta> meta = t->bucket->objects->Head(ctx->key, {});
  if (!meta.ok()) {
    return Fail(*ctx, meta.status().IsNotFound()
                          ? S3Error(S3Code::kNoSuchKey, "The specified key does not exist.")
                          : meta.status());
  }
  return Respond(XmlOk(*ctx, AccessControlPolicyXml(env.access->ObjectAcl(*t->state, *meta))));
}

Dispatch PutObjectAcl(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  if (t->state->effective_ownership() == ObjectOwnership::kBucketOwnerEnforced) {
    return Fail(*ctx, AclsDisabled());
  }
  Target target = *t;
  return WithSmallBody(ctx, kMaxAclBody, [&env, ctx, target](const std::string& body) {
    Bucket& b = *target.bucket;
    // Fresh: the record may have changed since the request began.
    Result<std::shared_ptr<const BucketAccessState>> state = env.access->State(b);
    if (!state.ok()) return ErrorFor(*ctx, state.status());
    Result<std::unique_ptr<ReadStream>> in = b.objects->OpenRead(ctx->key, {});
    if (!in.ok()) {
      return ErrorFor(*ctx, in.status().IsNotFound()
                                ? S3Error(S3Code::kNoSuchKey, "The specified key does not exist.")
                                : in.status());
    }
    const ObjectMeta meta = (*in)->meta();
    const Acl current = env.access->ObjectAcl(**state, meta);
    Result<Acl> acl = RequestedAcl(*ctx, body, current.owner, (*state)->owner);
    if (!acl.ok()) return ErrorFor(*ctx, acl.status());
    if (acl->IsPublic() && (*state)->bpa().block_public_acls) {
      return ErrorFor(*ctx, PublicAclBlocked());
    }
    // The ACL lives in the object's metadata: rewrite the object with it,
    // only if it is still the version read (a concurrent PUT wins).
    WriteOptions o = WriteOptions::Update(meta.etag);
    o.content_type = meta.content_type;
    o.user_metadata = meta.user_metadata;
    o.user_metadata[std::string(kMetaAcl)] = AclGrantsJson(*acl, true);
    Result<std::unique_ptr<WriteStream>> out = b.objects->OpenWrite(ctx->key, o);
    if (!out.ok()) return ErrorFor(*ctx, CommitError(out.status()));
    if (Status st = CopyStream(in->get(), out->get(), nullptr); !st.ok()) {
      return ErrorFor(*ctx, st);
    }
    Result<PutResult> put = (*out)->Commit();
    if (!put.ok()) {
      return ErrorFor(*ctx, put.status().IsFailedPrecondition()
                                ? S3Error(S3Code::kConditionalRequestConflict,
                                          "The object changed while its ACL was being set; "
                                          "retry")
                                : CommitError(put.status()));
    }
    return Empty(*ctx, 200);
  });
}

// ---- Block Public Access ---------------------------------------------------------

Dispatch GetPublicAccessBlock(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  if (!t->state->public_access_block) {
    return Fail(*ctx, S3Error(S3Code::kNoSuchPublicAccessBlockConfiguration,
                              "The public access block configuration was not found"));
  }
  const PublicAccessBlock& b = *t->state->public_access_block;
  XmlWriter x;
  x.Open("PublicAccessBlockConfiguration", true);
  x.Bool("BlockPublicAcls", b.block_public_acls);
  x.Bool("IgnorePublicAcls", b.ignore_public_acls);
  x.Bool("BlockPublicPolicy", b.block_public_policy);
  x.Bool("RestrictPublicBuckets", b.restrict_public_buckets);
  x.Close("PublicAccessBlockConfiguration");
  return Respond(XmlOk(*ctx, x.Finish()));
}

Dispatch PutPublicAccessBlock(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  Target target = *t;
  return WithSmallBody(ctx, kMaxAclBody, [&env, ctx, target](const std::string& body) {
    Result<PublicAccessBlock> b = ParsePublicAccessBlock(body);
    if (!b.ok()) return ErrorFor(*ctx, b.status());
    Status st = env.access->Update(*target.bucket, [&](BucketAccessState* s) {
      s->public_access_block = *b;
      return Status::OK();
    });
    if (!st.ok()) return ErrorFor(*ctx, st);
    return Empty(*ctx, 200);
  });
}

Dispatch DeletePublicAccessBlock(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  Status st = env.access->Update(*t->bucket, [](BucketAccessState* s) {
    s->public_access_block.reset();
    return Status::OK();
  });
  if (!st.ok()) return Fail(*ctx, st);
  return Respond(Empty(*ctx, 204));
}

// ---- Object ownership ---------------------------------------------------------------

Dispatch GetBucketOwnershipControls(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  if (!t->state->ownership) {
    return Fail(*ctx, S3Error(S3Code::kOwnershipControlsNotFoundError,
                              "The bucket ownership controls were not found"));
  }
  XmlWriter x;
  x.Open("OwnershipControls", true);
  x.Open("Rule");
  x.Leaf("ObjectOwnership", ObjectOwnershipName(*t->state->ownership));
  x.Close("Rule");
  x.Close("OwnershipControls");
  return Respond(XmlOk(*ctx, x.Finish()));
}

Dispatch PutBucketOwnershipControls(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  Target target = *t;
  return WithSmallBody(ctx, kMaxAclBody, [&env, ctx, target](const std::string& body) {
    Result<ObjectOwnership> o = ParseOwnershipControls(body);
    if (!o.ok()) return ErrorFor(*ctx, o.status());
    Status st = env.access->Update(*target.bucket, [&](BucketAccessState* s) {
      s->ownership = *o;
      return Status::OK();
    });
    if (!st.ok()) return ErrorFor(*ctx, st);
    return Empty(*ctx, 200);
  });
}

Dispatch DeleteBucketOwnershipControls(ServiceEnv& env, const Ctx& ctx) {
  Result<Target> t = TargetOf(env, *ctx);
  if (!t.ok()) return Fail(*ctx, t.status());
  Status st = env.access->Update(*t->bucket, [](BucketAccessState* s) {
    s->ownership.reset();
    return Status::OK();
  });
  if (!st.ok()) return Fail(*ctx, st);
  return Respond(Empty(*ctx, 204));
}

}  // namespace worm::server
