# One CMake target per layer of the library, and a build that fails on an
# upward include.
#
# Each layer is an OBJECT library compiled against an include tree of its
# own (build/layers/<layer>/): symbolic links to its own source folder, to
# the source folders of the layers it uses, and to the public headers of
# those layers only. A file that includes a header of a layer above it (or
# beside it, unlisted) does not find it and does not compile. flock::flock,
# the one library users link, is made of all the layers' objects.
#
# A layer may keep subfolders to itself (HIDES): the layers that use it see
# the files at the top of its folder, not those subfolders. The trace
# store's seam is the top of src/storage; its implementations (duckdb/) are
# hidden, so nothing above the store can name one.

set(FLOCK_LAYERS_DIR "${CMAKE_BINARY_DIR}/layers")

# flock_layer(<name> FOLDER <src folder> INCLUDE_AS <name in #include "x/...">
#             [HEADERS <public header names>] [USES <layers>] [LINK <targets>]
#             [HIDES <subfolders>])
function(flock_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 L "" "FOLDER;INCLUDE_AS" "HEADERS;USES;LINK;HIDES")
  set(FLOCK_LAYER_${name}_FOLDER "${L_FOLDER}" CACHE INTERNAL "")
  set(FLOCK_LAYER_${name}_AS "${L_INCLUDE_AS}" CACHE INTERNAL "")
  set(FLOCK_LAYER_${name}_HEADERS "${L_HEADERS}" CACHE INTERNAL "")
  set(FLOCK_LAYER_${name}_USES "${L_USES}" CACHE INTERNAL "")
  set(FLOCK_LAYER_${name}_HIDES "${L_HIDES}" CACHE INTERNAL "")

  set(tree "${FLOCK_LAYERS_DIR}/${name}")
  file(REMOVE_RECURSE "${tree}")
  file(MAKE_DIRECTORY "${tree}/flock")
  foreach(layer IN ITEMS ${name} ${L_USES})
    if(NOT DEFINED FLOCK_LAYER_${layer}_FOLDER)
      message(FATAL_ERROR "layer ${name} uses ${layer}, which is not defined before it")
    endif()
    set(as "${FLOCK_LAYER_${layer}_AS}")
    set(folder "${PROJECT_SOURCE_DIR}/${FLOCK_LAYER_${layer}_FOLDER}")
    if(EXISTS "${tree}/${as}")
    elseif(layer STREQUAL name OR NOT FLOCK_LAYER_${layer}_HIDES)
      file(CREATE_LINK "${folder}" "${tree}/${as}" SYMBOLIC)
    else()
      # Entry by entry, without the hidden subfolders (a header added later
      # re-runs this through CONFIGURE_DEPENDS).
      file(MAKE_DIRECTORY "${tree}/${as}")
      file(GLOB entries CONFIGURE_DEPENDS LIST_DIRECTORIES true RELATIVE "${folder}" "${folder}/*")
      foreach(entry IN LISTS entries)
        if(NOT entry IN_LIST FLOCK_LAYER_${layer}_HIDES)
          file(CREATE_LINK "${folder}/${entry}" "${tree}/${as}/${entry}" SYMBOLIC)
        endif()
      endforeach()
    endif()
    foreach(h IN LISTS FLOCK_LAYER_${layer}_HEADERS)
      if(EXISTS "${PROJECT_SOURCE_DIR}/include/flock/${h}")
        file(CREATE_LINK "${PROJECT_SOURCE_DIR}/include/flock/${h}" "${tree}/flock/${h}" SYMBOLIC)
      else()
        file(CREATE_LINK "${FLOCK_GENERATED_INCLUDE}/flock/${h}" "${tree}/flock/${h}" SYMBOLIC)
      endif()
    endforeach()
  endforeach()

  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/${L_FOLDER}/*.cpp")
  add_library(flock_${name} OBJECT ${sources})
  target_include_directories(flock_${name} PRIVATE "${tree}")
  target_link_libraries(flock_${name} PRIVATE nlohmann_json::nlohmann_json Threads::Threads ${L_LINK})
  # initial-exec: the library's thread_locals (the current span, the lane)
  # are read on the span hot path, and the default model for a shared
  # library calls __tls_get_addr on each read. libflock is linked, not
  # dlopen()ed late, so its TLS fits in the static block.
  target_compile_options(flock_${name} PRIVATE ${FLOCK_WARNINGS} -ftls-model=initial-exec)
  set_target_properties(flock_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
