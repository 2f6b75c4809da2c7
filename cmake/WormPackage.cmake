# The library an embedder links: libworm.a (target worm::worm), whose API is
# include/worm/ alone. It is one archive made of the objects of every
# component library the public API reaches (engine, query, the S3 transport
# and what they link, found by walking their link libraries, so a component
# added to that chain is included without editing this file). Their external
# dependencies become the package's link-only usage requirements, found again
# by wormConfig.cmake.
#   cmake --install build/release --prefix P             (everything)
#   cmake --install build/release --prefix P --component dev   (no worm binary)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The component libraries the public headers are implemented in.
set(_worm_api_roots worm_engine worm_query worm_s3)

# Walks the link libraries of `target`: our STATIC libraries go to
# _WORM_COMPONENTS, anything else (imported targets) to _WORM_EXTERNALS.
function(_worm_collect target)
  get_property(_components GLOBAL PROPERTY _WORM_COMPONENTS)
  if(target IN_LIST _components)
    return()
  endif()
  set_property(GLOBAL APPEND PROPERTY _WORM_COMPONENTS ${target})
  get_property(_libs TARGET ${target} PROPERTY LINK_LIBRARIES)
  foreach(_lib IN LISTS _libs)
    if(NOT TARGET ${_lib})
      message(FATAL_ERROR "libworm: ${target} links '${_lib}', which is not a target")
    endif()
    get_target_property(_imported ${_lib} IMPORTED)
    get_target_property(_type ${_lib} TYPE)
    if(NOT _imported AND _type STREQUAL "STATIC_LIBRARY")
      _worm_collect(${_lib})
    else()
      set_property(GLOBAL APPEND PROPERTY _WORM_EXTERNALS ${_lib})
    endif()
  endforeach()
endfunction()

foreach(_root IN LISTS _worm_api_roots)
  _worm_collect(${_root})
endforeach()
get_property(_worm_components GLOBAL PROPERTY _WORM_COMPONENTS)
get_property(_worm_externals GLOBAL PROPERTY _WORM_EXTERNALS)
list(REMOVE_DUPLICATES _worm_externals)

# Every external dependency must be one wormConfig.cmake finds again.
set(_worm_known_externals
    nlohmann_json::nlohmann_json Threads::Threads OpenSSL::Crypto SQLite::SQLite3
    CURL::libcurl pugixml::pugixml simdjson::simdjson PkgConfig::RE2 PkgConfig::SODIUM)
foreach(_ext IN LISTS _worm_externals)
  if(NOT _ext IN_LIST _worm_known_externals)
    message(FATAL_ERROR "libworm depends on ${_ext}: find it in cmake/wormConfig.cmake.in "
                        "and add it to _worm_known_externals (cmake/WormPackage.cmake)")
  endif()
endforeach()

set(_worm_objects)
foreach(_c IN LISTS _worm_components)
  list(APPEND _worm_objects $<TARGET_OBJECTS:${_c}>)
endforeach()
list(REMOVE_ITEM _worm_externals nlohmann_json::nlohmann_json)

add_library(worm_embed STATIC ${_worm_objects})
set_target_properties(worm_embed PROPERTIES OUTPUT_NAME worm EXPORT_NAME worm
                                            LINKER_LANGUAGE CXX)
target_include_directories(worm_embed INTERFACE
                           $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(worm_embed INTERFACE cxx_std_20)
# nlohmann::json is part of the API (documents are nlohmann::json values).
target_link_libraries(worm_embed PUBLIC nlohmann_json::nlohmann_json
                                 PRIVATE ${_worm_externals})
add_library(worm::worm ALIAS worm_embed)

install(TARGETS worm_embed EXPORT wormTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/worm
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(EXPORT wormTargets NAMESPACE worm::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/worm COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/wormConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/wormConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/worm)
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/wormConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/wormConfig.cmake ${PROJECT_BINARY_DIR}/wormConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/worm COMPONENT dev)
install(TARGETS worm RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)

# embed_example: include/worm/ is enough. Installs the dev component into a
# fresh prefix, builds examples/embed/ against the installed package with
# find_package(worm) (never the build tree), runs its programs: one over a
# local project, one over `worm serve` through the S3 transport. Not in the
# sanitizer build (its archive needs the sanitizer runtime at link time).
if(WORM_BUILD_TESTS AND NOT WORM_SANITIZE)
  add_test(NAME embed_example
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/embed/embed_example.sh)
  set_tests_properties(embed_example PROPERTIES
    ENVIRONMENT "WORM_BIN=$<TARGET_FILE:worm>;WORM_SOURCE_DIR=${PROJECT_SOURCE_DIR};WORM_BINARY_DIR=${PROJECT_BINARY_DIR};WORM_CXX=${CMAKE_CXX_COMPILER};WORM_CCACHE=${CCACHE_PROGRAM}"
    LABELS embed TIMEOUT 300)
endif()
