#!/usr/bin/env bash
# Signs and sends a sample Otter order for one store to a running Orbital (./run.sh), the way Otter does, then shows
# it as stored (reading it back takes a manager's or admin's token: the script logs in at Prep as the development admin).
# The store id picks the kitchen and brand (README: the demo stores); a store the setup does not have is cooked in the
# unassigned kitchen.
#   scripts/send-sample-order.sh [store-id] [orders-url] [webhook-secret]
set -euo pipefail
store=${1:-smash-club-london}
orders=${2:-http://localhost:8001}
secret=${3:-${OTTER_WEBHOOK_SECRET:-orbital-dev-webhook-secret}}
prep=${PREP_URL:-http://localhost:8002}
admin_password=${PREP_ADMIN_PASSWORD:-orbital-dev-admin}

# Two dishes from the store's brand menu (the demo brands; any other store gets the burger and fries), for a guest with a note;
# the burger has a note of its own and the pad thai an allergy modifier ("No peanuts" in group "Allergies").
case $store in
  fry-society-*) items='
   {"quantity":2,"id":"nuggets","lineItemId":"line-1","skuId":"nuggets","name":"Chicken nuggets (6)","price":6.50,"stationId":"fryer","modifiers":[]},
   {"quantity":1,"id":"loaded-fries","lineItemId":"line-2","skuId":"loaded-fries","name":"Loaded cheese fries","price":5.90,"stationId":"fryer","modifiers":[]}' ;;
  wok-this-way-*) items='
   {"quantity":1,"id":"pad-thai","lineItemId":"line-1","skuId":"pad-thai","name":"Pad thai","price":11.50,"stationId":"wok",
    "modifiers":[{"quantity":1,"id":"no-peanuts","name":"No peanuts","groupName":"Allergies","modifiers":[]}]},
   {"quantity":2,"id":"spring-rolls","lineItemId":"line-2","skuId":"spring-rolls","name":"Vegetable spring rolls (4)","price":4.50,"stationId":"fryer","modifiers":[]}' ;;
  *) items='
   {"quantity":2,"id":"burger","lineItemId":"line-1","skuId":"burger","name":"Smash burger","price":8.50,"stationId":"grill","note":"No pickles",
    "modifiers":[{"quantity":1,"id":"cheese","name":"Cheddar","groupName":"Extras","modifiers":[]}]},
   {"quantity":1,"id":"fries","lineItemId":"line-2","skuId":"fries","name":"Fries","price":2.40,"stationId":"fryer","modifiers":[]}' ;;
esac

event_id=$(cat /proc/sys/kernel/random/uuid)
order_id=$(cat /proc/sys/kernel/random/uuid)
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
body=$(cat <<JSON
{"eventId":"$event_id","eventTime":"$now","eventType":"orders.new_order",
 "metadata":{"storeId":"$store","applicationId":"sample","resourceId":"$order_id","payload":{
  "externalIdentifiers":{"id":"$order_id","friendlyId":"${order_id:0:6}","source":"ubereats"},
  "currencyCode":"EUR","status":"NEW_ORDER","orderedAt":"$now",
  "customer":{"name":"Ada Lovelace"},"customerNote":"Please ring the bell",
  "fulfillmentInfo":{"fulfillmentMode":"DELIVERY","schedulingType":"ASAP"},
  "preparationTime":{"estimatedPreparationTime":"PT15M"},
  "orderTotal":{"subtotal":19.40,"tax":1.55,"total":20.95},
  "items":[$items  ]}}}
JSON
)
signature=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" -binary | base64 -w0)

status=$(curl -s -o /dev/stderr -w '%{http_code}' -X POST "$orders/webhooks/otter" \
  -H 'Content-Type: application/json' -H "X-HMAC-SHA256: $signature" --data-binary "$body")
echo "POST /webhooks/otter -> $status (store $store, event $event_id, order $order_id)"
[[ $status == 200 ]] || exit 1

token=$(curl -sf "$prep/auth/login" -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$admin_password\"}" | sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p')
[[ -n $token ]] || { echo "Could not log in at $prep as admin to read the order back." >&2; exit 1; }

for _ in $(seq 1 50); do
  if curl -sf "$orders/orders/$order_id" -H "Authorization: Bearer $token" -o /tmp/orbital-sample-order.json; then
    echo "Stored:"; cat /tmp/orbital-sample-order.json; echo
    exit 0
  fi
  sleep 0.1
done
echo "The order was accepted but is not stored yet: look at the orders resource's logs in the dashboard." >&2
exit 1
