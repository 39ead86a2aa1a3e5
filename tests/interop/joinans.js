// joinans.js - check a Join Server's JoinAns with lora-packet, an
// independent implementation: the join-accept decrypts with the device's
// key, its MIC verifies (1.0, or 1.1 with JSIntKey), its fields are the
// expected DevAddr, NetID and JoinNonce, and every session key in the
// answer - in clear or unwrapped (RFC 3394, by Node's OpenSSL
// "id-aes128-wrap") - equals lora-packet's own derivation.
//
// usage: node joinans.js NODE_MODULES SPEC_JSON ANSWER_JSON
// SPEC: {"ver":"1.0"|"1.1","appkey","nwkkey"?,"dev_eui","join_eui",
//        "dev_nonce":N,"net_id":"000013","dev_addr":"01020304",
//        "join_nonce":N,"keks":{"label":"hex",...},
//        "rejoin_type":0|1|2 (a RejoinAns; dev_nonce is then RJcount)}
// Prints one line per check, "ok ..." or "FAIL ...", and exits 1 on any
// failure.
"use strict";
const path = require("path");
const crypto = require("crypto");
const [, , MODULES, SPEC, ANSWER] = process.argv;
const lp = require(path.resolve(MODULES, "lora-packet"));
const spec = JSON.parse(SPEC);
const ans = JSON.parse(ANSWER);
const H = (s) => Buffer.from(s, "hex");
const hex = (b) => Buffer.from(b).toString("hex");
const be = (n, len) => { const b = Buffer.alloc(len); b.writeUIntBE(n, 0, len); return b; };
let failed = 0;
function check(what, ok, detail) {
  console.log((ok ? "ok   " : "FAIL ") + what + (ok || detail === undefined ? "" : ": " + detail));
  if (!ok) failed++;
}

function unwrap(env) {
  if (!env.KEKLabel) return H(env.AESKey);
  const kek = spec.keks[env.KEKLabel];
  if (!kek) throw new Error("no KEK for label " + env.KEKLabel);
  const alg = { 16: "id-aes128-wrap", 24: "id-aes192-wrap", 32: "id-aes256-wrap" }[kek.length / 2];
  const d = crypto.createDecipheriv(alg, H(kek), H("a6a6a6a6a6a6a6a6"));
  return Buffer.concat([d.update(H(env.AESKey)), d.final()]);
}

check("Result is Success", ans.Result && ans.Result.ResultCode === "Success", JSON.stringify(ans.Result));
if (!ans.PHYPayload) {
  check("the answer carries a PHYPayload", false);
  process.exit(1);
}
const enc = lp.fromWire(H(ans.PHYPayload));
check("PHYPayload is a Join Accept", enc.getMType() === "Join Accept", enc.getMType());
const dn = be(spec.dev_nonce, 2);
const v11 = spec.ver === "1.1";
const root10 = H(v11 ? spec.nwkkey : spec.appkey);
const rejoin = spec.rejoin_type !== undefined;
const jsk = v11 ? lp.generateJSKeys(H(spec.nwkkey), H(spec.dev_eui)) : null;
// A rejoin answer is encrypted with JSEncKey (LW11 6.2.3).
const p = lp.fromWire(lp.decryptJoinAccept(enc, rejoin ? jsk.JSEncKey : v11 ? H(spec.nwkkey) : root10));
const isOptNeg = v11 && (rejoin || p.getDLSettingsOptNeg());
let mic;
if (isOptNeg) {
  const js = jsk;
  p.JoinReqType = Buffer.from([rejoin ? spec.rejoin_type : 0xff]);
  p.AppEUI = H(spec.join_eui);
  p.DevNonce = dn;
  mic = lp.verifyMIC(p, js.JSIntKey, rejoin ? js.JSEncKey : H(spec.nwkkey));
} else {
  mic = lp.verifyMIC(p, undefined, root10);
}
check("join-accept MIC verifies" + (rejoin ? " (rejoin type " + spec.rejoin_type + ", JSIntKey)" : isOptNeg ? " (1.1, JSIntKey)" : " (1.0)"), mic);
check("DevAddr " + spec.dev_addr, hex(p.DevAddr) === spec.dev_addr, hex(p.DevAddr));
check("NetID " + spec.net_id, hex(p.NetID) === spec.net_id, hex(p.NetID));
const jn = p.AppNonce.readUIntBE(0, 3);
check("JoinNonce " + spec.join_nonce, jn === spec.join_nonce, jn);
try {
  if (isOptNeg) {
    const s = lp.generateSessionKeys11(H(spec.appkey), H(spec.nwkkey), H(spec.join_eui), p.AppNonce, dn);
    check("FNwkSIntKey = lora-packet's", hex(unwrap(ans.FNwkSIntKey)) === hex(s.FNwkSIntKey));
    check("SNwkSIntKey = lora-packet's", hex(unwrap(ans.SNwkSIntKey)) === hex(s.SNwkSIntKey));
    check("NwkSEncKey = lora-packet's", hex(unwrap(ans.NwkSEncKey)) === hex(s.NwkSEncKey));
    if (ans.AppSKey) check("AppSKey = lora-packet's", hex(unwrap(ans.AppSKey)) === hex(s.AppSKey));
    if (spec.appskey_out) console.log("appskey " + hex(s.AppSKey));
  } else {
    const s = lp.generateSessionKeys10(root10, p.NetID, p.AppNonce, dn);
    check("NwkSKey = lora-packet's", hex(unwrap(ans.NwkSKey)) === hex(s.NwkSKey));
    if (ans.AppSKey) check("AppSKey = lora-packet's", hex(unwrap(ans.AppSKey)) === hex(s.AppSKey));
    if (spec.appskey_out) console.log("appskey " + hex(s.AppSKey));
  }
} catch (e) {
  check("session keys", false, e.message);
}
check("AppSKey never travels in clear", !ans.AppSKey || !!ans.AppSKey.KEKLabel);
process.exit(failed ? 1 : 0);
