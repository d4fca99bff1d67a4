#!/usr/bin/env bash
# Runs every test against real servers started by the AppHost (fresh data and free ports each run).
# Extra arguments go to the test runner, e.g. ./test.sh --filter-class "*Outbox*".
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
# Chromium: the kitchen screen is tested in a real headless browser (Playwright drives Debian's build).
orbital_install_prerequisites chromium

dotnet build Orbital.sln -v quiet -nologo
rm -rf TestResults
dotnet test --solution Orbital.sln --no-build --results-directory "$PWD/TestResults" --report-trx "$@"
