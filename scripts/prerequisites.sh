#!/usr/bin/env bash
# Installs what Orbital needs on a Debian machine and is not part of the .NET SDK:
# the PostgreSQL, RabbitMQ and Redis servers the AppHost starts as local processes, the fonts of the PDF reports,
# plus any extra packages the caller names (test.sh: Chromium for the kitchen screen's browser test).
# Sourced by run.sh and test.sh; installs only what is missing.
set -euo pipefail

# fonts-liberation2: the Prep service draws its PDF reports with these fonts (PDFsharp finds none by itself on Linux).
orbital_packages=(postgresql rabbitmq-server redis-server fonts-liberation2)

orbital_missing_packages() {
  local missing=()
  for package in "${orbital_packages[@]}" "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  echo "${missing[@]:-}"
}

orbital_install_prerequisites() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET SDK (10.0) is not on PATH. Install it from https://dot.net and run this again." >&2
    return 1
  fi

  local missing
  missing=$(orbital_missing_packages "$@")
  if [[ -z "$missing" ]]; then
    return 0
  fi

  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "error: missing Debian packages: $missing. Install them as root: apt-get install -y $missing" >&2
      return 1
    fi
  fi

  if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing packages ($missing) and no apt-get: install PostgreSQL 15+, RabbitMQ and Redis with your package manager." >&2
    return 1
  fi

  echo "Installing $missing ..."
  # The AppHost runs its own servers on its own ports; the packages' system services are not needed.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
    echo "error: apt-get could not install: $missing. Install them by hand (apt-get install -y $missing) and run this again." >&2
    return 1
  fi
}
