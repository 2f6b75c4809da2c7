# ctest query_reads_through_engine: the query layer reads documents only
# through the engine (Repository::ReadStored, Decode, Populate), never from
# the transport, so rules the engine enforces on reads cannot be bypassed.
# Fails naming each line of src/query (tests aside) that reaches for one.
# Also: the runner, which decodes documents itself, must pass them through
# the engine's access control (Repository::Visible, Redact, CheckReadable).
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

file(READ "${QUERY_DIR}/runner.cc" runner)
foreach(call IN ITEMS "repo.Visible(" "->Redact(" "->CheckReadable(" "unfiltered_ids")
  string(FIND "${runner}" "${call}" at)
  if(at EQUAL -1)
    string(APPEND missing " ${call}")
  endif()
endforeach()
if(missing)
  message(FATAL_ERROR "src/query/runner.cc decodes documents without the engine's access "
                      "control; missing:${missing}")
endif()
