# What `cmake --install` puts where, and the Debian packages CPack makes of it (scripts/package).
# Included by the top-level CMakeLists.txt once its targets exist.
#
# Two components, one Debian package each:
#   runtime      (package dumpr)      bin/dumpr, the man page, bash/zsh/fish completions, the
#                                     README and an example systemd unit under share/doc/dumpr
#   development  (package dumpr-dev)  include/dumpr, libdumpr.a and libdumpr_pure.a, the CMake
#                                     package (find_package(dumpr): dumpr::dumpr, dumpr::pure)
#                                     and dumpr.pc
include(CMakePackageConfigHelpers)

# ---- runtime -------------------------------------------------------------------------------------
install(TARGETS dumpr_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)

# The man page, compressed as Debian installs man pages (man reads either).
find_program(DUMPR_GZIP gzip)
if(DUMPR_GZIP)
  add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/dumpr.1.gz
    COMMAND ${DUMPR_GZIP} -9 -n -c ${CMAKE_CURRENT_SOURCE_DIR}/man/dumpr.1 > dumpr.1.gz
    DEPENDS man/dumpr.1 VERBATIM)
  add_custom_target(dumpr_man ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/dumpr.1.gz)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dumpr.1.gz
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
else()
  install(FILES man/dumpr.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
endif()

# Shell completions, written by the built binary from its own option definitions
# (`dumpr completion SHELL`, src/cli/cmd_completion.cpp), so they follow every option change.
set(DUMPR_COMPLETIONS "")
foreach(shell bash zsh fish)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/completions/dumpr.${shell})
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDUMPR=$<TARGET_FILE:dumpr_cli> -DSHELL=${shell} -DOUTPUT=${out}
      -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/GenerateCompletion.cmake
    DEPENDS dumpr_cli ${CMAKE_CURRENT_SOURCE_DIR}/cmake/GenerateCompletion.cmake VERBATIM)
  list(APPEND DUMPR_COMPLETIONS ${out})
endforeach()
add_custom_target(dumpr_completions ALL DEPENDS ${DUMPR_COMPLETIONS})
# Where each shell looks: bash-completion's and fish's vendor directories under any prefix; zsh's
# fpath has Debian's vendor-completions under /usr, site-functions elsewhere.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(DUMPR_ZSH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
else()
  set(DUMPR_ZSH_COMPLETION_DIR ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
endif()
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/completions/dumpr.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME dumpr COMPONENT runtime)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/completions/dumpr.zsh
  DESTINATION ${DUMPR_ZSH_COMPLETION_DIR} RENAME _dumpr COMPONENT runtime)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/completions/dumpr.fish
  DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d RENAME dumpr.fish
  COMPONENT runtime)

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(FILES packaging/dumpr-tail@.service packaging/dumpr-tail.env
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT runtime)

# ---- development ---------------------------------------------------------------------------------
install(DIRECTORY include/dumpr DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
install(TARGETS dumpr dumpr_pure EXPORT dumprTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)

set(DUMPR_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dumpr)
install(EXPORT dumprTargets NAMESPACE dumpr:: DESTINATION ${DUMPR_CMAKE_DIR}
  COMPONENT development)
configure_package_config_file(cmake/dumprConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/dumprConfig.cmake INSTALL_DESTINATION ${DUMPR_CMAKE_DIR})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/dumprConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dumprConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/dumprConfigVersion.cmake
  DESTINATION ${DUMPR_CMAKE_DIR} COMPONENT development)

# dumpr.pc finds its prefix from its own place (${pcfiledir}), so it stays right under
# `cmake --install --prefix` and DESTDIR.
file(RELATIVE_PATH DUMPR_PC_TO_PREFIX
  /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" DUMPR_PC_TO_PREFIX "${DUMPR_PC_TO_PREFIX}")
if(DUMPR_WITH_KAFKA)
  set(DUMPR_PC_KAFKA " rdkafka")
  set(DUMPR_DEB_KAFKA ", librdkafka-dev")
endif()
configure_file(cmake/dumpr.pc.in ${CMAKE_CURRENT_BINARY_DIR}/dumpr.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/dumpr.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)

# ---- Debian packages (cpack -G DEB; scripts/package) ---------------------------------------------
set(CPACK_PACKAGE_NAME dumpr)
set(CPACK_PACKAGE_VENDOR "dumpr")
set(CPACK_PACKAGE_CONTACT "dumpr maintainers <dumpr@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "MySQL/MariaDB tables and binary log as JSON lines (change data capture)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # dumpr_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME dumpr)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION database)
# The shared libraries the binary links (libmariadb3, libzstd1, libsimdjson, libstdc++...), as
# dpkg-shlibdeps finds them.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
  "dumpr load takes a consistent snapshot of tables and records its binary log position;\n\
dumpr tail follows the binary log from there, writing every inserted, updated and deleted\n\
row as a JSON line and advancing a checkpoint after each transaction.")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME dumpr-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
# Static libraries: their users link what they link.
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
  "libmariadb-dev, libsimdjson-dev, libzstd-dev, zlib1g-dev, pkg-config${DUMPR_DEB_KAFKA}")
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION
  "The dumpr C++20 library: headers, static libraries, a CMake package (find_package(dumpr),\n\
target dumpr::dumpr) and a pkg-config file (dumpr.pc).")
include(CPack)
