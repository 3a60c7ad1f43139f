# SPDX-License-Identifier: MIT
# csctp_add_layer(NAME SOURCES src... [OBJECT_LIBS objlib...] [PRIVATE_INCLUDES dir...]
#                 [PUBLIC_LAYERS layer...] [PRIVATE_DEPS target...] [PUBLIC_DEPS target...])
#
# One public layer of the library, built the way the engine is:
#   NAME_obj     OBJECT library: PIC, hidden visibility, BUILDING_CSCTP, so only the
#                declarations marked CSCTP_EXTERN in the layer's header are exported
#   NAME         SHARED library libNAME.so.SOVERSION (csctp::NAME), --no-undefined
#   NAME_static  STATIC library libNAME.a (csctp::NAME_static), CSCTP_STATIC for users
# OBJECT_LIBS: other object libraries (built with the same flags) whose objects are
# part of both libraries.
# PUBLIC_LAYERS are other layers whose header this layer's header includes (or whose
# functions its users call): NAME links layer, NAME_static links layer_static.
# PRIVATE_DEPS are linked privately (the static variant exports them as LINK_ONLY);
# PUBLIC_DEPS are needed by the layer's header (include paths) and linked publicly.
# Both variants join the export set csctpTargets; the caller installs them.
function(csctp_add_layer name)
  cmake_parse_arguments(L "" "" "SOURCES;OBJECT_LIBS;PRIVATE_INCLUDES;PUBLIC_LAYERS;PRIVATE_DEPS;PUBLIC_DEPS"
    ${ARGN})
  add_library(${name}_obj OBJECT ${L_SOURCES})
  set_target_properties(${name}_obj PROPERTIES POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden)
  target_compile_definitions(${name}_obj PRIVATE BUILDING_CSCTP)
  target_include_directories(${name}_obj
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${CSCTP_GENERATED_INCLUDE_DIR}>
    PRIVATE ${L_PRIVATE_INCLUDES})
  # External dependencies only (their usage requirements; an OBJECT library links
  # nothing). Never a csctp _static target here: its CSCTP_STATIC would hide the exports.
  target_link_libraries(${name}_obj PRIVATE ${L_PRIVATE_DEPS} ${L_PUBLIC_DEPS})

  set(objects $<TARGET_OBJECTS:${name}_obj>)
  foreach(o ${L_OBJECT_LIBS})
    list(APPEND objects $<TARGET_OBJECTS:${o}>)
  endforeach()
  add_library(${name} SHARED ${objects})
  add_library(${name}_static STATIC ${objects})
  foreach(t ${name} ${name}_static)
    target_include_directories(${t} PUBLIC
      $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
      $<BUILD_INTERFACE:${CSCTP_GENERATED_INCLUDE_DIR}>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    # PRIVATE: the shared library carries its own DT_NEEDED; for the static one CMake
    # exports them as $<LINK_ONLY:...>, which consumers still link.
    target_link_libraries(${t} PRIVATE ${L_PRIVATE_DEPS} PUBLIC ${L_PUBLIC_DEPS})
  endforeach()
  foreach(layer ${L_PUBLIC_LAYERS})
    target_link_libraries(${name} PUBLIC ${layer})
    target_link_libraries(${name}_static PUBLIC ${layer}_static)
  endforeach()
  set_target_properties(${name} PROPERTIES VERSION ${PROJECT_VERSION}
    SOVERSION ${CSCTP_SOVERSION} EXPORT_NAME ${name})
  set_target_properties(${name}_static PROPERTIES OUTPUT_NAME ${name}
    EXPORT_NAME ${name}_static)
  target_compile_definitions(${name}_static INTERFACE CSCTP_STATIC)
  if(NOT CSCTP_SAN_FLAGS AND NOT CSCTP_FUZZ)
    # A symbol missing from the layer is a link error here, not in the user's program.
    target_link_options(${name} PRIVATE LINKER:--no-undefined)
  endif()
  # Same names as after find_package(csctp), for projects that add_subdirectory() us.
  add_library(csctp::${name} ALIAS ${name})
  add_library(csctp::${name}_static ALIAS ${name}_static)
  set_property(GLOBAL APPEND PROPERTY CSCTP_INSTALLED_LIBRARIES ${name} ${name}_static)
endfunction()
