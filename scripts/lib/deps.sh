# shellcheck shell=bash
# deps.sh: the Debian packages dumpr needs to build, test and run its sandbox server.
# Sourced by scripts/test and scripts/quickstart; defines dumpr_install_deps and DUMPR_DEB_PACKAGES.
#
# Only packages that are missing are installed, so a rerun on a ready machine costs one dpkg-query
# and no network. Runs apt-get as root, through sudo when not root, and otherwise says what to run.

DUMPR_DEB_PACKAGES=(
  build-essential cmake pkg-config                      # toolchain (g++ with ASan/UBSan runtimes)
  file                                                  # CPack's Debian packages (shlibdeps runs it)
  libcli11-dev libmariadb-dev libsimdjson-dev           # libraries dumpr links
  rapidjson-dev doctest-dev libzstd-dev zlib1g-dev
  libssl-dev                                            # libcrypto: --mask-columns HMAC-SHA256
  librdkafka-dev kcat                                   # --sink kafka; its tests' mock cluster
  mariadb-server mariadb-client                         # the sandbox server for live tests
  debootstrap                                           # the MySQL sandbox's Debian sid root
  jq                                                    # quickstart output, shell checks
  openssl                                               # TLS sandbox certificates (live tests)
  time                                                  # /usr/bin/time -v: peak RSS in live tests
  groff-base                                            # the man stage renders man/dumpr.1
  man-db                                                # `man -l man/dumpr.1` (README, quickstart)
  clang libclang-rt-14-dev                              # libFuzzer builds
)

# Print the packages of "$@" that dpkg does not have fully installed.
dumpr_missing_packages() {
  local p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || printf '%s\n' "$p"
  done
}

dumpr_install_deps() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian-like system (no dpkg-query); install these yourself:" >&2
    echo "  ${DUMPR_DEB_PACKAGES[*]}" >&2
    return 0
  fi
  local missing
  mapfile -t missing < <(dumpr_missing_packages "${DUMPR_DEB_PACKAGES[@]}")
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps: all ${#DUMPR_DEB_PACKAGES[@]} packages already installed"
    return 0
  fi
  local -a sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "deps: missing packages and not root (no sudo). As root, run:" >&2
      echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
      return 1
    fi
  fi
  echo "deps: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
  mapfile -t missing < <(dumpr_missing_packages "${DUMPR_DEB_PACKAGES[@]}")
  if [ "${#missing[@]}" -ne 0 ]; then
    echo "deps: still missing after apt-get install: ${missing[*]}" >&2
    return 1
  fi
}
