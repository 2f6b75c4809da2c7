// The secret-service backend: the desktop Secret Service (gnome-keyring,
// KeePassXC) over D-Bus through libsecret. Secrets are items of the schema
// "org.s3worm.Secret" with one attribute, "name", in the default collection,
// stored as application/octet-stream so any bytes round-trip. The glib and
// libsecret headers stay in this file.
#include <libsecret/secret.h>

#include <algorithm>
#include <mutex>

#include "security/keychain_internal.h"

namespace worm::security::internal {

namespace {

const SecretSchema* Schema() {
  static const SecretSchema schema = {"org.s3worm.Secret",
                                      SECRET_SCHEMA_NONE,
                                      {
                                          {"name", SECRET_SCHEMA_ATTRIBUTE_STRING},
                                          {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING},
                                      },
                                      0,
                                      nullptr,
                                      nullptr,
                                      nullptr,
                                      nullptr,
                                      nullptr,
                                      nullptr,
                                      nullptr};
  return &schema;
}

// Owns a GError and says what it was in a Status.
struct ErrorHolder {
  GError* error = nullptr;
  ~ErrorHolder() {
    if (error != nullptr) g_error_free(error);
  }
  Status ToStatus(std::string_view what) const {
    std::string msg = "keychain secret-service: " + std::string(what);
    if (error != nullptr) msg += ": " + std::string(error->message);
    if (error != nullptr && error->domain == G_DBUS_ERROR &&
        (error->code == G_DBUS_ERROR_ACCESS_DENIED || error->code == G_DBUS_ERROR_AUTH_FAILED)) {
      return Status::PermissionDenied(msg);
    }
    if (error != nullptr && error->domain == SECRET_ERROR &&
        error->code == SECRET_ERROR_IS_LOCKED) {
      return Status::PermissionDenied(msg + " (unlock the keyring first)");
    }
    return Status::Unavailable(msg);
  }
};

// {"name": name}, owned.
struct Attributes {
  GHashTable* table;
  explicit Attributes(std::string_view name)
      : table(g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free)) {
    if (!name.empty()) {
      g_hash_table_insert(table, g_strdup("name"), g_strndup(name.data(), name.size()));
    }
  }
  ~Attributes() { g_hash_table_unref(table); }
};

class SecretServiceKeychain final : public Keychain {
 public:
  explicit SecretServiceKeychain(SecretService* service) : service_(service) {}
  ~SecretServiceKeychain() override { g_object_unref(service_); }

  std::string Describe() const override { return "secret-service"; }

  Result<std::string> Get(std::string_view name) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    std::lock_guard<std::mutex> lock(mu_);
    Attributes attrs(name);
    ErrorHolder err;
    SecretValue* value =
        secret_service_lookup_sync(service_, Schema(), attrs.table, nullptr, &err.error);
    if (err.error != nullptr) return err.ToStatus("cannot look up " + std::string(name));
    if (value == nullptr) {
      return Status::NotFound("keychain secret-service: no secret " + std::string(name));
    }
    gsize len = 0;
    const gchar* bytes = secret_value_get(value, &len);
    std::string out(bytes, len);
    secret_value_unref(value);  // libsecret wipes its copy
    return out;
  }

  Status Put(std::string_view name, std::string_view secret) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    RETURN_NOT_OK(ValidateSecretValue(secret));
    std::lock_guard<std::mutex> lock(mu_);
    Attributes attrs(name);
    SecretValue* value = secret_value_new(secret.data(), static_cast<gssize>(secret.size()),
                                          "application/octet-stream");
    std::string label = "S3WORM " + std::string(name);
    ErrorHolder err;
    // Replaces an item with the same attributes.
    gboolean ok =
        secret_service_store_sync(service_, Schema(), attrs.table, SECRET_COLLECTION_DEFAULT,
                                  label.c_str(), value, nullptr, &err.error);
    secret_value_unref(value);
    if (!ok) return err.ToStatus("cannot store " + std::string(name));
    return Status::OK();
  }

  Status Remove(std::string_view name) override {
    RETURN_NOT_OK(ValidateSecretName(name));
    std::lock_guard<std::mutex> lock(mu_);
    Attributes attrs(name);
    ErrorHolder err;
    gboolean removed =
        secret_service_clear_sync(service_, Schema(), attrs.table, nullptr, &err.error);
    if (err.error != nullptr) return err.ToStatus("cannot remove " + std::string(name));
    if (!removed) {
      return Status::NotFound("keychain secret-service: no secret " + std::string(name));
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> List(std::string_view prefix) override {
    std::lock_guard<std::mutex> lock(mu_);
    Attributes attrs("");  // every item of the schema
    ErrorHolder err;
    GList* items = secret_service_search_sync(service_, Schema(), attrs.table, SECRET_SEARCH_ALL,
                                              nullptr, &err.error);
    if (err.error != nullptr) return err.ToStatus("cannot list secrets");
    std::vector<std::string> names;
    for (GList* l = items; l != nullptr; l = l->next) {
      GHashTable* item_attrs = secret_item_get_attributes(SECRET_ITEM(l->data));
      if (item_attrs == nullptr) continue;
      auto* name = static_cast<const char*>(g_hash_table_lookup(item_attrs, "name"));
      if (name != nullptr && std::string_view(name).starts_with(prefix) &&
          ValidateSecretName(name).ok()) {
        names.emplace_back(name);
      }
      g_hash_table_unref(item_attrs);
    }
    g_list_free_full(items, g_object_unref);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
  }

 private:
  std::mutex mu_;
  SecretService* service_;
};

}  // namespace

Result<std::unique_ptr<Keychain>> NewSecretServiceKeychain() {
  if (g_getenv("DBUS_SESSION_BUS_ADDRESS") == nullptr && g_getenv("XDG_RUNTIME_DIR") == nullptr) {
    return Status::Unavailable(
        "keychain secret-service: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set); "
        "use file:<path> or env instead");
  }
  ErrorHolder err;
  // Opening a session talks to the service, so an absent one fails here.
  SecretService* service =
      secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, nullptr, &err.error);
  if (service == nullptr) {
    Status st = err.ToStatus("no Secret Service is running on the session bus");
    return Status::Unavailable(st.message() +
                               "; start gnome-keyring or KeePassXC, or use "
                               "file:<path> or env instead");
  }
  return std::unique_ptr<Keychain>(new SecretServiceKeychain(service));
}

}  // namespace worm::security::internal
