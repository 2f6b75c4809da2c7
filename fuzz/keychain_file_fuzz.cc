// libFuzzer target: the encrypted keychain file (security/keychain_file_format.h).
#include "security/keychain_file_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)worm::security::keychain_file::FuzzKeychainFile(data, size);
  return 0;
}
