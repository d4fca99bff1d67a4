#!/usr/bin/env bash
# Makes a pairing code for a kitchen screen of a running Orbital (./run.sh): a manager's job. Logs in at Prep (as the
# development admin unless PREP_USERNAME / PREP_PASSWORD say otherwise), asks Batch for a code for the kitchen (and
# station), and prints it with the screen's address. Enter the code on the screen within 10 minutes; it works once.
# Kitchen and station ids are the setup's (letters, digits, '-', '_', '.'), so they go into the URL and JSON as they are.
#   scripts/pair-screen.sh [kitchen] [station] [screen-name]
set -euo pipefail
kitchen=${1:-london}
station=${2:-}
name=${3:-}
batch=${BATCH_URL:-http://localhost:8000}
prep=${PREP_URL:-http://localhost:8002}
username=${PREP_USERNAME:-admin}
password=${PREP_PASSWORD:-${PREP_ADMIN_PASSWORD:-orbital-dev-admin}}

# A JSON string of a shell value: backslashes and quotes escaped (control characters are refused by the services).
json() { local v=${1//\\/\\\\}; printf '"%s"' "${v//\"/\\\"}"; }
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

token=$(curl -sf "$prep/auth/login" -H 'Content-Type: application/json' \
  -d "{\"username\":$(json "$username"),\"password\":$(json "$password")}" | field accessToken)
[[ -n $token ]] || { echo "Could not log in at $prep as $username." >&2; exit 1; }

body="{\"station\":$([[ -n $station ]] && json "$station" || echo null),\"name\":$([[ -n $name ]] && json "$name" || echo null)}"
answer=$(curl -sS -w '\n%{http_code}' -X POST "$batch/kitchens/$kitchen/screens/pairing-codes" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$body")
status=${answer##*$'\n'}
answer=${answer%$'\n'*}
if [[ $status != 201 ]]; then
  echo "Batch answered $status: $answer" >&2
  exit 1
fi

code=$(field code <<<"$answer")
expires=$(field expiresAt <<<"$answer")
screen=${name:-${station:-kitchen screen}}
address="$batch/?kitchen=$kitchen${station:+&station=$station}"
echo "Pairing code $code for $screen ($kitchen${station:+/$station}), valid until $expires"
echo "Open $address on the screen and enter the code."
