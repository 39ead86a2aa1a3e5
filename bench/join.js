#!/usr/bin/env node
// join.js - the lora-packet half of bench/run-join.sh: the same work as
// bench/join.c, with the npm package lora-packet (pure JavaScript: AES
// from crypto-js, CMAC from aes-cmac).
//
// usage: node join.js NODE_MODULES MODE SECONDS [WARMUP_SECONDS]
//   MODE: join10 | join11 | up10 | up11, as in bench/join.c
//
// Inputs come from 1024 devices with their own random keys, taken in turn.
// The measured function is first run on the published end-to-end vectors
// (specs/lorawan-backend.md §3 items 10, 11, 16) and must give their bytes.
// Then WARMUP_SECONDS (default 1: the JIT) unmeasured, SECONDS of process
// CPU time measured (process.cpuUsage, user + system), and one line:
//   impl lora-packet mode MODE ops N cpu_s S wall_s S ops_per_cpu_s R ops_per_wall_s R
"use strict";

const path = require("path");

const [, , MODULES, MODE, SECS, WARM] = process.argv;
const lp = require(path.resolve(MODULES || ".", "lora-packet"));
const secs = Number(SECS);
const warm = WARM === undefined ? 1 : Number(WARM);
if (!["join10", "join11", "up10", "up11"].includes(MODE) || !(secs > 0) || !(warm > 0)) {
  console.error("usage: node join.js NODE_MODULES join10|join11|up10|up11 SECONDS [WARMUP]");
  process.exit(2);
}

const H = (s) => Buffer.from(s, "hex");
const NET_ID = H("010203");
const CFLIST = H("188e84e8958400000000000000000000");
const be = (v, n) => {
  const b = Buffer.alloc(n);
  for (let i = n - 1; i >= 0; i--, v = Math.floor(v / 256)) b[i] = v % 256;
  return b;
};

// One complete 1.0 join; returns the join-accept PHYPayload and the keys.
function join10(appKey, req, joinNonce, devAddr) {
  const p = lp.fromWire(req);
  if (!p.isJoinRequestMessage() || !lp.verifyMIC(p, undefined, appKey)) throw new Error("bad join-request");
  const jn = be(joinNonce, 3);
  const keys = lp.generateSessionKeys10(appKey, NET_ID, jn, p.DevNonce);
  const ja = lp.fromFields(
    { MType: "Join Accept", AppNonce: jn, NetID: NET_ID, DevAddr: be(devAddr, 4), DLSettings: 0x15, RxDelay: 1, CFList: CFLIST },
    undefined, undefined, appKey);
  return [ja.getPHYPayload(), keys];
}

// One complete 1.1 join (OptNeg): JS keys, four session keys, 1.1 MIC.
function join11(nwkKey, appKey, req, joinNonce, devAddr) {
  const p = lp.fromWire(req);
  if (!p.isJoinRequestMessage() || !lp.verifyMIC(p, undefined, nwkKey)) throw new Error("bad join-request");
  const jn = be(joinNonce, 3);
  const js = lp.generateJSKeys(nwkKey, p.DevEUI);
  const keys = lp.generateSessionKeys11(appKey, nwkKey, p.AppEUI, jn, p.DevNonce);
  const ja = lp.fromFields(
    {
      MType: "Join Accept", AppNonce: jn, NetID: NET_ID, DevAddr: be(devAddr, 4), DLSettings: 0x95, RxDelay: 1, CFList: CFLIST,
      JoinReqType: Buffer.from([0xff]), AppEUI: p.AppEUI, DevNonce: p.DevNonce,
    },
    undefined, js.JSIntKey, nwkKey);
  return [ja.getPHYPayload(), keys, js];
}

// Decode an uplink and verify its MIC (1.1: F = S = key, ConfFCnt 0,
// TxDr 2, TxCh 3; lora-packet wants ConfFCnt big-endian, and a fresh
// buffer as it writes into it).
function upCheck(v11, key, frame) {
  const p = lp.fromWire(frame);
  if (p.getDir() !== "up") throw new Error("not an uplink");
  return v11 ? lp.verifyMIC(p, key, key, undefined, Buffer.from([0, 0, 2, 3])) : lp.verifyMIC(p, key);
}

function selfCheck() {
  const k7 = H("01020304050607080102030405060708");
  const req = H("00010203040506070808070605040302010201cde6acb8");
  if (join10(k7, req, 65536, 0x01020304)[0].toString("hex") !== "206df7a320449291372145e211db8573f8dc4f57e82567e8b1b3fec7cf6a558533")
    throw new Error("self-check join10 (vector 16, 1.0)");
  if (join11(k7, Buffer.alloc(16), req, 65536, 0x01020304)[0].toString("hex") !== "206c33d69575f757e27b4f018f3ae7217e467f4268f761f68ff54e5a2500d4be0e")
    throw new Error("self-check join11 (vector 16, 1.1)");
  const up = H("400403020180010001a694642615d6c3b582");
  if (!upCheck(false, Buffer.alloc(16, 2), up)) throw new Error("self-check up10 (vector 10)");
  const f = Buffer.alloc(16, 2);
  f[15] = 3;
  if (!lp.verifyMIC(lp.fromWire(H("400403020180010001a6946426157612366a")), f, Buffer.alloc(16, 2), undefined, Buffer.from([0, 0, 2, 3])))
    throw new Error("self-check up11 (vector 11)");
}

// deterministic device material (xorshift32); not keys in use
let st = 0x9e3779b9;
const rnd8 = () => {
  st ^= st << 13;
  st >>>= 0;
  st ^= st >>> 17;
  st ^= st << 5;
  st >>>= 0;
  return st & 0xff;
};
const rbytes = (n) => Buffer.from(Array.from({ length: n }, rnd8));

const NDEV = 1024;
const v11 = MODE === "join11" || MODE === "up11";
const devs = [];
for (let i = 0; i < NDEV; i++) {
  const d = { appKey: rbytes(16), nwkKey: rbytes(16), nwkSKey: rbytes(16) };
  const jr = lp.fromFields({ MType: "Join Request", AppEUI: rbytes(8), DevEUI: rbytes(8), DevNonce: be(i, 2) }, undefined, undefined,
    v11 ? d.nwkKey : d.appKey);
  d.req = jr.getPHYPayload();
  const up = lp.fromFields({ MType: "Unconfirmed Data Up", DevAddr: rbytes(4), FCnt: (i * 7) & 0xffff, FPort: 1, payload: rbytes(16) },
    rbytes(16), d.nwkSKey);
  if (v11) lp.recalculateMIC(up, d.nwkSKey, d.nwkSKey, undefined, Buffer.from([0, 0, 2, 3]));
  d.up = up.getPHYPayload();
  devs.push(d);
}

let sink = 0;
function oneOp(i) {
  const d = devs[i % NDEV];
  switch (MODE) {
    case "join10": {
      const [out, k] = join10(d.appKey, d.req, i & 0xffffff, i >>> 0);
      sink += out[out.length - 1] + k.AppSKey[0];
      break;
    }
    case "join11": {
      const [out, k] = join11(d.nwkKey, d.appKey, d.req, i & 0xffffff, i >>> 0);
      sink += out[out.length - 1] + k.AppSKey[0];
      break;
    }
    default:
      if (!upCheck(v11, d.nwkSKey, d.up)) throw new Error("uplink MIC");
      sink++;
  }
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
function run(limit) {
  const c0 = cpuNow();
  const w0 = process.hrtime.bigint();
  let ops = 0;
  let cpu;
  do {
    for (let j = 0; j < 64; j++) oneOp(ops + j);
    ops += 64;
    cpu = cpuNow() - c0;
  } while (cpu < limit);
  return { ops, cpu, wall: Number(process.hrtime.bigint() - w0) / 1e9 };
}

selfCheck();
run(warm);
const r = run(secs);
console.log(
  `impl lora-packet mode ${MODE} ops ${r.ops} cpu_s ${r.cpu.toFixed(4)} wall_s ${r.wall.toFixed(4)} ` +
    `ops_per_cpu_s ${(r.ops / r.cpu).toFixed(0)} ops_per_wall_s ${(r.ops / r.wall).toFixed(0)} sink ${sink & 0xffff}`);
