// The schema both examples use: customers with a tier, and their orders.
#pragma once

inline constexpr const char* kShopSchema = R"json({
  "schemaVersion": "1.0",
  "models": {
    "Customer": {
      "path": "#shop/@customers/(id:uuid)",
      "file": "[profile].json",
      "idType": "uuid",
      "oplog": true,
      "fields": {
        "name": {"type": "string", "required": true},
        "email": {"type": "string", "required": true},
        "tier": {"type": "integer", "minimum": 1, "maximum": 3, "default": 1}
      }
    },
    "Order": {
      "path": "#shop/@orders/(id:int)",
      "file": "[data].json",
      "idType": "int",
      "fields": {
        "customerId": {"type": "string", "required": true, "ref": "Customer"},
        "amount": {"type": "number", "required": true}
      }
    }
  }
}
)json";
