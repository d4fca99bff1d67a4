#!/usr/bin/env bash
# Runs the whole of Orbital: PostgreSQL, RabbitMQ and Redis (containers where a container runtime answers,
# local processes otherwise), the Orders, Batch and Prep services, and the Aspire dashboard.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
orbital_install_prerequisites

dotnet build Orbital.AppHost -v quiet -nologo
echo
echo "Starting Orbital. The dashboard login link appears below; Orders http://localhost:8001, Batch http://localhost:8000, Prep http://localhost:8002."
echo "Data is kept in .data/ (PostgreSQL on 127.0.0.1:54320, RabbitMQ on 127.0.0.1:56720, Redis on 127.0.0.1:63790). Ctrl+C stops everything."
exec dotnet run --project Orbital.AppHost --no-build --launch-profile http "$@"
