//! Decodes OP Stack block gossip messages with op-alloy's own decoder (the one kona uses):
//! `OpNetworkPayloadEnvelope::decode_v{1..4}` from op-alloy-rpc-types-engine, and recovers the signer
//! from op-alloy's payload hash. A second reference for op-follow's codec (test/interop/opalloy-decode.test.ts).
//!
//! Input, one message per line on stdin:  `<version 1-4> <chainId> <blocks|cross-safe> <hex of message.data>`
//! (message.data = snappy block format, exactly as on the wire).
//! Output, one JSON object per input line on stdout, in order: `{"ok":true,...}` or `{"ok":false,"error":...}`.

use std::io::{self, BufRead, BufWriter, Write};

use alloy_primitives::{B256, hex, keccak256};
use op_alloy_rpc_types_engine::{OpExecutionPayload, OpNetworkPayloadEnvelope};

/// op-follow's cross-safe attestation domain (src/protocol/signing-domain.ts CROSS_SAFE_SIGNING_DOMAIN): 31 zero
/// bytes then 0x01. op-alloy's `PayloadHash::signature_message` hardcodes domain 0 (SigningDomainBlocksV1),
/// so the cross-safe signing hash is computed here from op-alloy's payload hash, with the same formula.
const CROSS_SAFE_DOMAIN: B256 = {
    let mut d = [0u8; 32];
    d[31] = 1;
    B256::new(d)
};

fn main() {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        if line.trim().is_empty() {
            continue;
        }
        let json = match check(&line) {
            Ok(j) => j,
            Err(e) => format!("{{\"ok\":false,\"error\":{}}}", quote(&e)),
        };
        writeln!(out, "{json}").expect("stdout");
    }
    out.flush().expect("stdout");
}

fn check(line: &str) -> Result<String, String> {
    let parts: Vec<&str> = line.split_whitespace().collect();
    let [version, chain_id, domain, data] = parts[..] else {
        return Err(format!("input: expected 4 fields, got {}", parts.len()));
    };
    let chain_id: u64 = chain_id.parse().map_err(|_| format!("input: bad chain id {chain_id}"))?;
    let data = hex::decode(data).map_err(|e| format!("input: bad hex: {e}"))?;
    let decoded = match version {
        "1" => OpNetworkPayloadEnvelope::decode_v1(&data),
        "2" => OpNetworkPayloadEnvelope::decode_v2(&data),
        "3" => OpNetworkPayloadEnvelope::decode_v3(&data),
        "4" => OpNetworkPayloadEnvelope::decode_v4(&data),
        _ => return Err(format!("input: bad version {version}")),
    };
    let env = decoded.map_err(|e| format!("decode: {e}"))?;
    let signing_hash = match domain {
        "blocks" => env.payload_hash.signature_message(chain_id),
        "cross-safe" => {
            let chain = B256::left_padding_from(&chain_id.to_be_bytes());
            keccak256([CROSS_SAFE_DOMAIN.as_slice(), chain.as_slice(), env.payload_hash.0.as_slice()].concat())
        }
        _ => return Err(format!("input: bad domain {domain}")),
    };
    // k256 recovery; alloy normalises a high s first, as libsecp256k1's ecrecover accepts it.
    let signer = env.signature.recover_address_from_prehash(&signing_hash);

    let mut o = Obj::default();
    o.raw("ok", "true");
    o.raw("version", version);
    o.str("payloadHash", &env.payload_hash.0.to_string());
    o.str("signingHash", &signing_hash.to_string());
    // r ‖ s ‖ yParity as op-alloy's encode_v* writes it (as_bytes() would give v = 27/28).
    let mut sig = env.signature.as_bytes();
    sig[64] = env.signature.v() as u8;
    o.str("signature", &hex::encode_prefixed(sig));
    o.raw("yParity", if env.signature.v() { "1" } else { "0" });
    match signer {
        Ok(a) => o.str("signer", &a.to_checksum(None)),
        Err(e) => o.str("signerError", &e.to_string()),
    }
    match env.parent_beacon_block_root {
        Some(r) => o.str("parentBeaconBlockRoot", &r.to_string()),
        None => o.raw("parentBeaconBlockRoot", "null"),
    }
    o.raw("txCount", &env.payload.as_v1().transactions.len().to_string());
    o.raw("payload", &payload_json(&env.payload));
    Ok(o.finish())
}

/// Every field of the payload, named as in the engine API JSON; integers as decimal strings (u64 and
/// U256 do not fit a JSON number exactly).
fn payload_json(p: &OpExecutionPayload) -> String {
    let v1 = p.as_v1();
    let mut o = Obj::default();
    o.str("parentHash", &v1.parent_hash.to_string());
    o.str("feeRecipient", &hex::encode_prefixed(v1.fee_recipient));
    o.str("stateRoot", &v1.state_root.to_string());
    o.str("receiptsRoot", &v1.receipts_root.to_string());
    o.str("logsBloom", &hex::encode_prefixed(v1.logs_bloom));
    o.str("prevRandao", &v1.prev_randao.to_string());
    o.str("blockNumber", &v1.block_number.to_string());
    o.str("gasLimit", &v1.gas_limit.to_string());
    o.str("gasUsed", &v1.gas_used.to_string());
    o.str("timestamp", &v1.timestamp.to_string());
    o.str("extraData", &hex::encode_prefixed(&v1.extra_data));
    o.str("baseFeePerGas", &v1.base_fee_per_gas.to_string());
    o.str("blockHash", &v1.block_hash.to_string());
    let txs: Vec<String> = v1.transactions.iter().map(|t| quote(&hex::encode_prefixed(t))).collect();
    o.raw("transactions", &format!("[{}]", txs.join(",")));
    if let Some(ws) = p.as_v2().map(|v2| &v2.withdrawals) {
        let ws: Vec<String> = ws
            .iter()
            .map(|w| {
                let mut wo = Obj::default();
                wo.str("index", &w.index.to_string());
                wo.str("validatorIndex", &w.validator_index.to_string());
                wo.str("address", &hex::encode_prefixed(w.address));
                wo.str("amount", &w.amount.to_string());
                wo.finish()
            })
            .collect();
        o.raw("withdrawals", &format!("[{}]", ws.join(",")));
    }
    if let Some(v3) = p.as_v3() {
        o.str("blobGasUsed", &v3.blob_gas_used.to_string());
        o.str("excessBlobGas", &v3.excess_blob_gas.to_string());
    }
    if let OpExecutionPayload::V4(v4) = p {
        o.str("withdrawalsRoot", &v4.withdrawals_root.to_string());
    }
    o.finish()
}

/// A JSON object built by hand (every value here is a number, null, a nested object or ASCII hex).
#[derive(Default)]
struct Obj(Vec<String>);

impl Obj {
    fn raw(&mut self, k: &str, v: &str) {
        self.0.push(format!("{}:{v}", quote(k)));
    }
    fn str(&mut self, k: &str, v: &str) {
        self.raw(k, &quote(v));
    }
    fn finish(self) -> String {
        format!("{{{}}}", self.0.join(","))
    }
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            c if (c as u32) < 0x20 => q.push_str(&format!("\\u{:04x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}
