#!/usr/bin/env bash
# Installs the Debian packages radnode needs (only those missing), then configures and
# builds it. Used by the README's two commands and by CI. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ ccache pkg-config
  dcmtk libdcmtk-dev libgdcm-dev libgdcm-tools
  libinsighttoolkit5-dev libfftw3-dev libeigen3-dev
  libyaml-cpp-dev libboost-dev libboost-program-options-dev
  libsqlite3-dev sqlite3 doctest-dev
  libssl-dev openssl
  dicom3tools orthanc curl
  nlohmann-json3-dev chromium
  libxml2-utils
  libsvm-dev libxgboost-dev
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  echo "radnode setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  # The orthanc package would start a system-wide service on 4242/8042; radnode's tests
  # start their own Orthanc on ephemeral ports, so keep package scripts from starting it.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  $sudo rm -f /usr/sbin/policy-rc.d
fi

build_dir="${RADNODE_BUILD_DIR:-build}"
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build_dir" -j"$(nproc)"
