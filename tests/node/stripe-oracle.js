#!/usr/bin/env node
// Stripe's own Node library as a test oracle for install_signature.
//
// Reads one JSON document on stdin, {"cases": [...]}, and writes one on stdout,
// {"stripe_version": "...", "results": [...]}, one result per case in order,
// so a test starts one node process for hundreds of cases. Each case has an
// "op":
//
//   {"op": "sign", "fields": {"state"?, "user_id", "account_id"}, "secret", "timestamp"}
//       Signs JSON.stringify({state, user_id, account_id}) as Stripe does.
//       A missing state key (or "state": undefined) is dropped by JSON.stringify;
//       "state": null is written as null.
//       -> {"payload": "<the signed JSON>", "header": "t=...,v1=..."}
//
//   {"op": "verify", "payload", "header", "secret", "tolerance", "received_at"}
//       stripe.webhooks.signature.verifyHeader(payload, header, secret,
//       tolerance, undefined, received_at * 1000); received_at is Unix seconds.
//       -> {"valid": true} or {"valid": false, "reason": "<stripe-node's message>"}
//
//   {"op": "stringify", "fields": {...}}
//       -> {"json": JSON.stringify({state, user_id, account_id})}
//
// A case that cannot be run at all yields {"error": "..."}; the process exits 0
// whenever it could read its input, so the caller judges every verdict.
'use strict';

const path = require('path');

let Stripe;
try {
    Stripe = require(path.join(__dirname, 'node_modules', 'stripe'));
} catch (e) {
    process.stderr.write('stripe-oracle: the "stripe" package is not installed; run npm ci in tests/node\n');
    process.exit(3);
}
const webhooks = Stripe.webhooks;
const stripeVersion = require(path.join(__dirname, 'node_modules', 'stripe', 'package.json')).version;

/// The object Stripe signs, keys in Stripe's order. A state key absent from
/// `fields` stays undefined, so JSON.stringify drops it (JavaScript's form).
function installObject(fields) {
    return { state: fields.state, user_id: fields.user_id, account_id: fields.account_id };
}

function run(c) {
    switch (c.op) {
    case 'sign': {
        const payload = JSON.stringify(installObject(c.fields));
        const header = webhooks.generateTestHeaderString({ payload, secret: c.secret, timestamp: c.timestamp });
        return { payload, header };
    }
    case 'verify':
        try {
            webhooks.signature.verifyHeader(c.payload, c.header, c.secret, c.tolerance, undefined,
                                            c.received_at * 1000);
            return { valid: true };
        } catch (e) {
            if (e && e.type === 'StripeSignatureVerificationError')
                return { valid: false, reason: String(e.message) };
            throw e;
        }
    case 'stringify':
        return { json: JSON.stringify(installObject(c.fields)) };
    default:
        throw new Error('unknown op ' + JSON.stringify(c.op));
    }
}

function main(input) {
    let request;
    try {
        request = JSON.parse(input);
    } catch (e) {
        process.stderr.write('stripe-oracle: stdin is not JSON: ' + e.message + '\n');
        process.exit(2);
    }
    const results = (request.cases || []).map((c) => {
        try {
            return run(c);
        } catch (e) {
            return { error: String(e && e.message ? e.message : e) };
        }
    });
    process.stdout.write(JSON.stringify({ stripe_version: stripeVersion, results }) + '\n');
}

const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => main(Buffer.concat(chunks).toString('utf8')));
