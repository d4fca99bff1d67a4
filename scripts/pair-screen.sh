#!/usr/bin/env bash
# Makes a pairing code for a kitchen screen of a running Orbital (./run.sh): a manager's job. Logs in at Prep (as the
# development admin unless PREP_USERNAME / PREP_PASSWORD say otherwise), asks Batch for a code for the kitchen (and
# station), and prints it with the screen's address. Enter the code on the screen within 10 minutes; it works once.
#   scripts/pair-screen.sh [kitchen] [station] [screen-name]
set -euo pipefail
kitchen=${1:-london}
station=${2:-}
name=${3:-}
batch=${BATCH_URL:-http://localhost:8000}
prep=${PREP_URL:-http://localhost:8002}
username=${PREP_USERNAME:-admin}
password=${PREP_PASSWORD:-${PREP_ADMIN_PASSWORD:-orbital-dev-admin}}

json() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

token=$(curl -fsS "$prep/auth/login" -H 'Content-Type: application/json' \
  -d "{\"username\":$(json "$username"),\"password\":$(json "$password")}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')
body="{\"station\":$( [ -n "$station" ] && json "$station" || echo null ),\"name\":$( [ -n "$name" ] && json "$name" || echo null )}"
answer=$(curl -sS -w '\n%{http_code}' -X POST "$batch/kitchens/$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$kitchen")/screens/pairing-codes" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body")
status=${answer##*$'\n'}
answer=${answer%$'\n'*}
if [ "$status" != 201 ]; then
  echo "Batch answered $status: $answer" >&2
  exit 1
fi
python3 - "$answer" "$batch" <<'PY'
import json, sys, urllib.parse
code = json.loads(sys.argv[1])
query = {"kitchen": code["kitchenId"]}
if code.get("stationId"):
    query["station"] = code["stationId"]
print(f'Pairing code {code["code"]} for {code["name"]} ({code["kitchenId"]}{"/" + code["stationId"] if code.get("stationId") else ""}), valid until {code["expiresAt"]}')
print(f'Open {sys.argv[2]}/?{urllib.parse.urlencode(query)} on the screen and enter the code.')
PY
