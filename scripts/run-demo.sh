#!/usr/bin/env bash
# `make run`: serves the page with the local stand-in for Stripe's consent
# step, on a demo configuration made once under var/demo/ (a random demo
# secret, a SQLite file beside it). Open the printed URL in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
host="${HOST:-127.0.0.1}"
port="${PORT:-8080}"
demo="var/demo"
mkdir -p "$demo"
chmod 700 "$demo"
config="$demo/stripe-install.ini"
if [ ! -f "$config" ] || ! grep -q "127.0.0.1:$port/callback" "$config"; then
  secret="absec_demo_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  webhook="whsec_demo_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  cat > "$config" <<INI
; Demo configuration made by \`make run\` (scripts/run-demo.sh). The secrets
; are random demo values; the stand-in for Stripe signs with app_secrets.
[stripe]
app_id = com.example.shipment-invoicing
app_secrets = $secret
webhook_secrets = $webhook

[site]
app_name = Shipment Invoicing (demo)
permissions = Read your invoices; Create shipping labels on your behalf
redirect_uri = http://$host:$port/callback
templates = $PWD/templates

[database]
connector = sqlite
connection = $PWD/$demo/installs.db
INI
  chmod 600 "$config"
fi
echo
echo "  Install page:  http://$host:$port/"
echo "  (a local stand-in plays Stripe's consent step; Ctrl-C stops)"
echo
exec build/stripe-install serve --dev --config "$config" --listen "$host:$port"
