import assert from "node:assert/strict";
import { extractFixtures, mask, MAX_LINE, scanFiles, scanText, testNeedles } from "./log_scan.ts";

// Realistic lines from the gateway log and the PostgreSQL server log that must not count.
const CLEAN = [
  `{"ts":"2026-11-29T13:56:45.077Z","component":"gateway","msg":"gateway listening","port":54321}`,
  `{"ts":"2026-11-29T13:56:45.100Z","component":"gateway","msg":"function worker started","fn":"openphone-webhook","port":41234,"pid":1736541}`,
  `{"level":"info","fn":"openphone-webhook","delivery_id":"msg_2x9aVq8Lr3","event_id":"EV2026message","call_id":1764423612,"msg_id":9007199254740,"outcome":"applied","ms":12.5}`,
  `{"level":"warn","msg":"db error","sqlstate":"23514","constraint":"calls_duration_check","id":"AC123e4567-e89b-12d3-a456-426614174000"}`,
  `2026-11-29 13:56:45.077 UTC [1736541] LOG:  checkpoint complete: wrote 1234 buffers (7.5%); 0 WAL file(s) added`,
  `2026-11-29 13:56:45.077 UTC [1736541] WARNING:  drop_queue(queue_name, partitioned) is deprecated`,
  `2026-11-29 13:56:45.077 UTC [1736541] LOG:  database system is ready to accept connections (PostgreSQL 15.18, 127.0.0.1:54322)`,
  `{"msg":"dispatched","request_id":4567890123,"status":200,"url":"http://127.0.0.1:54321/functions/v1/probe","elapsed_ms":3}`,
  `{"msg":"sandbox","version":"15.6.1.135","range":"bytes=0-1048575","sha":"9f006b89e2fb1b3a"}`,
  `{"msg":"worker auth","header":"x-switchboard-worker-secret","secret_name":"switchboard_worker_secret"}`,
].join("\n");

Deno.test("log scan: clean gateway and PostgreSQL lines have no findings", () => {
  assert.deepEqual(
    scanText(CLEAN, "gateway.log", [{ kind: "phone number", value: "5550100123" }]),
    [],
  );
});

Deno.test("log scan: finds every planted kind, with file and line, masked", () => {
  const planted = [
    `{"msg":"x","to":"+15550100123"}`,
    `GET /v1/calls?participants=%2B14155550100 200`,
    `caller (555) 010-0123 said`,
    `+1 415 555 0100 called`,
    `2026-11-29 UTC [1] DETAIL:  Failing row contains (7, 5550100123, null).`,
    `{"text":"Running 10 minutes late, sorry!"}`,
    `secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`,
    `openai key sk-proj-abcdefghijklmnop1234`,
    `notion secret_AbCdEfGh12345678 used`,
    `key sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz`,
    `auth Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.sig`,
    `connect postgresql://postgres:hunter2@127.0.0.1:5432/postgres failed`,
    `x-switchboard-worker-secret: 0f8e2b1c-5d47-4a8b-9c3e-2a1b0c9d8e7f`,
    "x".repeat(MAX_LINE + 1),
  ].join("\n");
  const needles = [
    { kind: "message text", value: "Running 10 minutes late" },
    { kind: "phone number", value: "5550100123" },
    { kind: "secret value (worker)", value: "0f8e2b1c-5d47-4a8b-9c3e-2a1b0c9d8e7f" },
  ];
  const found = scanText(planted, "gateway.log", needles);
  const kindsByLine = new Map<number, string[]>();
  for (const f of found) kindsByLine.set(f.line, [...(kindsByLine.get(f.line) ?? []), f.kind]);
  assert.deepEqual(kindsByLine.get(1), ["phone number"]);
  assert.deepEqual(kindsByLine.get(2), ["phone number"]);
  assert.deepEqual(kindsByLine.get(3), ["phone number"]);
  assert.deepEqual(kindsByLine.get(4), ["phone number"]);
  assert.deepEqual(kindsByLine.get(5), ["phone number"]);
  assert.deepEqual(kindsByLine.get(6), ["message text"]);
  assert.deepEqual(kindsByLine.get(7), ["webhook secret (whsec_)"]);
  assert.deepEqual(kindsByLine.get(8), ["API key (sk_)"]);
  assert.deepEqual(kindsByLine.get(9), ["token (secret_)"]);
  assert.deepEqual(kindsByLine.get(10), ["Supabase secret key (sb_secret_)"]);
  assert.deepEqual(kindsByLine.get(11), ["JWT"]);
  assert.deepEqual(kindsByLine.get(12), ["credentials in URL"]);
  assert.deepEqual(kindsByLine.get(13), ["secret value (worker)"]);
  assert.deepEqual(kindsByLine.get(14), [`line over ${MAX_LINE} characters`]);
  assert(found.every((f) => f.file === "gateway.log"));
  // Nothing is printed in full.
  const printed = found.map((f) => f.sample).join(" ");
  for (
    const secret of [
      "+15550100123",
      "5550100123",
      "Running 10 minutes late",
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz",
      "0f8e2b1c-5d47-4a8b-9c3e-2a1b0c9d8e7f",
      "hunter2",
    ]
  ) assert(!printed.includes(secret), `sample reveals ${mask(secret)}`);
});

Deno.test("log scan: national digits only match as a whole number", () => {
  const needles = [{ kind: "phone number", value: "5550100123" }];
  assert.deepEqual(scanText("id 155501001234 and 95550100123", "f", needles), []);
  assert.deepEqual(scanText("to=5550100123&x", "f", needles).length, 1);
});

Deno.test("log scan: a log that cannot be read or is empty is a finding, not a pass", async () => {
  const found = await scanFiles([{ file: "server.log", path: "/nonexistent/server.log" }], []);
  assert.deepEqual(found.length, 1);
  assert.deepEqual(found[0]!.line, 0);
  const empty = await Deno.makeTempFile();
  try {
    const lines: Record<string, number> = {};
    const none = await scanFiles([{ file: "gateway.log", path: empty }], [], lines);
    assert.deepEqual(none.map((f) => f.kind), ["log is empty (nothing was captured)"]);
    await Deno.writeTextFile(empty, CLEAN);
    assert.deepEqual(await scanFiles([{ file: "gateway.log", path: empty }], [], lines), []);
    assert.deepEqual(lines["gateway.log"], CLEAN.split("\n").length);
  } finally {
    await Deno.remove(empty);
  }
});

Deno.test("log scan: fixture message texts and phone numbers are collected", async () => {
  const src = `
    const TEXTS = [
      "Hi, is this still available?",
      "ok",
    ];
    const ev = { text: "Running 10 minutes late", body: "test", summary: ["Customer asked to move the installation"],
      from: "+15550100123", url: \`\${base}/v1/messages are here\` };`;
  const { texts, phones } = extractFixtures(src);
  assert.deepEqual(texts.sort(), [
    "Customer asked to move the installation",
    "Hi, is this still available?",
    "Running 10 minutes late",
  ]);
  assert.deepEqual(phones, ["+15550100123"]);
  // The real fixtures: the sandbox generator's texts and the published samples are in.
  const needles = await testNeedles({ WORKER: "0f8e2b1c-5d47-4a8b" });
  const values = new Set(needles.map((n) => n.value));
  assert(values.has("Running 10 minutes late"));
  assert(values.has("Please call me back when you can."));
  assert(values.has("5550100123"));
  assert(values.has("0f8e2b1c-5d47-4a8b"));
  // Every needle stays out of the clean lines.
  assert.deepEqual(scanText(CLEAN, "gateway.log", needles), []);
});
