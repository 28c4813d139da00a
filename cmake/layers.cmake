# spiketlm: the layered build (DESIGN.md "Layers and extension points").
#
# Each layer is one library that links only the layers below it. Its sources are compiled
# against an include *view*: a directory in the build tree holding one symbolic link per
# source root the layer may include from (view "hw" has tlm/, hw/ and sw/include/), instead of
# the whole source tree. An upward #include ("traces/...", "platforms/..." from hw/) is then a
# compile error, and every shared library links with --no-undefined, so an upward symbol is a
# link error. tests/layering/ proves both.

# spiketlm_include_view(<view> <root>...): (re)creates ${CMAKE_BINARY_DIR}/include_views/<view>
# with a link <root> -> ${CMAKE_SOURCE_DIR}/<root> for each root (a root may be a subfolder:
# "hw/arith"), and sets SPIKETLM_VIEW_<view> to its path in the caller's scope. Links left from
# an earlier configuration are removed first, so narrowing a view takes effect.
function(spiketlm_include_view view)
  set(dir ${CMAKE_BINARY_DIR}/include_views/${view})
  file(GLOB_RECURSE old LIST_DIRECTORIES true ${dir}/*)
  foreach(f IN LISTS old)
    if(IS_SYMLINK ${f})
      file(REMOVE ${f})
    endif()
  endforeach()
  foreach(root IN LISTS ARGN)
    if(NOT IS_DIRECTORY ${CMAKE_SOURCE_DIR}/${root})
      message(FATAL_ERROR "include view ${view}: ${root} is not a folder of the source tree")
    endif()
    get_filename_component(parent ${dir}/${root} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${root} ${dir}/${root} SYMBOLIC)
  endforeach()
  set(SPIKETLM_VIEW_${view} ${dir} PARENT_SCOPE)
endfunction()

# spiketlm_layer(<target> <view dir>): a layer library's common settings: its view as its
# (public) include directory, --no-undefined for a shared library, and the build tree's top
# as its output directory (so -L build finds every layer). --no-as-needed (for it and whatever
# links it): a layer library is needed for the kinds it registers when loaded even where no
# symbol of it is referenced (GCC here links with --as-needed by default, which would drop
# platforms' library from the run flow's and leave 'platform.sata' unknown).
function(spiketlm_layer target view_dir)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE ${view_dir})
    return()
  endif()
  target_include_directories(${target} PUBLIC ${view_dir})
  # (Not in the fuzz build: clang links the sanitizer and libFuzzer runtimes only into executables.)
  if(type STREQUAL "SHARED_LIBRARY" AND NOT SPIKETLM_FUZZ)
    target_link_options(${target} PRIVATE LINKER:--no-undefined PUBLIC LINKER:--no-as-needed)
  elseif(type STREQUAL "SHARED_LIBRARY")
    target_link_options(${target} PUBLIC LINKER:--no-as-needed)
  endif()
  # Installed side by side in <prefix>/lib: each finds the layers below it beside itself.
  set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR} INSTALL_RPATH "$ORIGIN")
  if(type STREQUAL "SHARED_LIBRARY")
    set_property(GLOBAL APPEND PROPERTY SPIKETLM_LAYER_LIBRARIES ${target})
  endif()
endfunction()

# spiketlm_layer_sources(<var> <folder> [EXCLUDE <regex>]): every .cpp below <folder> except
# tools/, plugins/ and examples/ (and what <regex> matches).
function(spiketlm_layer_sources var folder)
  cmake_parse_arguments(A "" "EXCLUDE" "" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${folder}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX "/(tools|plugins|examples)/")
  if(A_EXCLUDE)
    list(FILTER srcs EXCLUDE REGEX "${A_EXCLUDE}")
  endif()
  set(${var} ${srcs} PARENT_SCOPE)
endfunction()
