// AWS credentials for signing, resolved the way the AWS CLI does, minus the
// network sources (no instance metadata, SSO or process credentials):
//
//   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   2. a profile: AWS_PROFILE, else the remote's "profile", else "default",
//      read from the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
//      default ~/.aws/credentials, section [name]) and then the config file
//      (AWS_CONFIG_FILE, default ~/.aws/config, section [profile name], or
//      [default]). Keys: aws_access_key_id, aws_secret_access_key,
//      aws_session_token; the config file may also give `region`.
//
// Credentials never come from .worm/config.json.
//
// Thread-safety: pure functions of their inputs (the environment lookup is
// injectable for tests); safe to call concurrently.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "transport/s3/sigv4.h"
#include "worm/result.h"

namespace worm::s3 {

// Reads an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// The process environment.
EnvLookup ProcessEnv();

struct ResolvedCredentials {
  SigningCredentials credentials;
  std::string source;  // "environment" or "profile NAME (FILE)", for diagnostics
  std::string region;  // from the profile's config section; empty if none
};

// Resolves credentials as described above. `profile` is the remote's
// configured profile (may be empty). Unauthenticated, naming every place
// looked at, when none is found; InvalidArgument when a profile has a key id
// without a secret.
Result<ResolvedCredentials> ResolveCredentials(const std::string& profile, const EnvLookup& env);

// Parses INI text (sections, key = value, '#'/';' comments) and returns
// section -> key -> value. Exposed for tests.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile ParseIni(std::string_view text);

}  // namespace worm::s3
