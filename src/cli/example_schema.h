// The example schema `worm init` writes and the demo uses: the full example of
// the Path DSL seed (001), so a new project starts from the documented layout,
// plus an access section with two roles (docs/access-control.md) and two
// identities to try it with (`worm access explain --as vic read Customer`).
#pragma once

#include <string_view>

namespace worm::cli {

inline constexpr std::string_view kExampleSchema = R"json({
  "schemaVersion": "1.0",
  "sourceOfTruth": "local",
  "symbols": {
    "namespace": "#",
    "collection": "@",
    "dynamic": "()",
    "requiredFile": "[]"
  },
  "dynamicTypes": {
    "uuid": { "regex": "^[0-9a-fA-F-]{36}$" },
    "evm": { "regex": "^0x[a-fA-F0-9]{40}$" }
  },
  "operators": {
    "auto": { "strategy": "uuid" },
    "seq": { "strategy": "increment", "startAt": 1, "step": 1 }
  },
  "storage": {
    "layout": "root"
  },
  "paths": [
    "#org/@customers/(id:uuid)/[profile].json",
    "#org/@customers/(id:uuid)/[invoices].json",
    "#org/@invoices/(id:uuid)/[data].json",
    "#org/@settings/[config].json"
  ],
  "models": {
    "Customer": {
      "path": "#org/@customers/(id:uuid)",
      "idType": "uuid",
      "fields": {
        "name": { "type": "string", "required": true },
        "email": { "type": "string", "required": true },
        "status": { "type": "string", "enum": ["active", "inactive"], "default": "active" }
      },
      "file": "[profile].json",
      "mode": "readwrite",
      "oplog": true,
      "softDelete": true
    },
    "Invoice": {
      "path": "#org/@invoices/(id:uuid)",
      "idType": "uuid",
      "fields": {
        "customerId": { "type": "string", "required": true, "ref": "Customer" },
        "amount": { "type": "number", "required": true },
        "status": { "type": "string", "enum": ["draft", "sent", "paid"], "default": "draft" },
        "ownerId": { "type": "string", "description": "The identity that may edit it" }
      },
      "file": "[data].json",
      "mode": "readwrite"
    },
    "OrgSettings": {
      "path": "#org/@settings",
      "singleton": true,
      "fields": {
        "orgName": { "type": "string", "required": true },
        "plan": { "type": "string", "enum": ["free", "pro", "enterprise"] }
      },
      "file": "[config].json",
      "mode": "readwrite"
    }
  },
  "access": {
    "roles": {
      "admin": { "description": "Everything" },
      "viewer": { "description": "Reads everything but customers' emails; edits its own invoices" }
    },
    "bucket": {
      "rules": [
        { "roles": ["admin"], "actions": "*" },
        { "roles": ["viewer"], "actions": ["read", "list"] }
      ]
    },
    "models": {
      "Customer": {
        "fields": { "viewer": { "hidden": ["email"] } }
      },
      "Invoice": {
        "rules": [
          { "roles": ["viewer"], "actions": ["update"], "where": { "ownerId": "$principal.id" },
            "description": "owners edit their invoices" }
        ]
      }
    }
  }
}
)json";

// The identities `worm init` writes beside the schema (never secrets), and
// the AWS principals `worm access export` maps them to.
inline constexpr std::string_view kExampleIdentities = R"json({
  "identities": {
    "ada": { "roles": ["admin"] },
    "vic": { "roles": ["viewer"] }
  },
  "awsPrincipals": {
    "ada": "arn:aws:iam::111122223333:user/ada",
    "vic": "arn:aws:iam::111122223333:user/vic"
  }
}
)json";

inline constexpr std::string_view kDefaultConfig = R"json({
  "remotes": {},
  "serve": { "bucket": "local", "port": 9000 }
}
)json";

// Local-only files that must not be committed.
inline constexpr std::string_view kWormGitignore =
    "# Local S3WORM state: the local bucket, sync base state and query cache.\n"
    "data/\nstate.db\nstate.db-*\ncache/\n";

}  // namespace worm::cli
