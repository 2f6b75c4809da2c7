# ctest query_reads_through_engine: the query layer reads documents only
# through the engine (Repository::ReadStored, Decode, Populate), never from
# the transport, so rules the engine enforces on reads cannot be bypassed.
# Fails naming each line of src/query (tests aside) that reaches for one.
#   cmake -DQUERY_DIR=<src/query> -P reads_through_engine.cmake
file(GLOB sources "${QUERY_DIR}/*.cc" "${QUERY_DIR}/*.h")
set(found "")
foreach(path IN LISTS sources)
  if(path MATCHES "_test\\.cc$")
    continue()
  endif()
  file(STRINGS "${path}" lines REGEX "transport\\(\\)|Transport *[*&]|->Get\\([^)]*key|worm/transport\\.h|\"transport/")
  foreach(line IN LISTS lines)
    get_filename_component(name "${path}" NAME)
    string(STRIP "${line}" line)
    string(APPEND found "  ${name}: ${line}\n")
  endforeach()
endforeach()
if(found)
  message(FATAL_ERROR "src/query reads around the engine (use Repository::ReadStored/Decode):\n${found}")
endif()
