/**
 * Streaming a 200 MB recording must not grow the server's memory: the audio is generated per
 * 64 KiB chunk as the client reads. The sandbox runs in its own process and the test reads its
 * resident set (VmRSS) and peak (VmHWM) from /proc before and after the download.
 *
 * A cold process first grows by a bounded amount (V8's young generation and the allocator
 * settling, ~60 MB whatever the size streamed), so the baseline is taken after a 64 MB warm-up
 * download; from there a 200 MB download must not move the peak by more than 50 MB.
 */
import assert from "node:assert/strict";
import { jsonOf, KEY } from "./testing.ts";

const MB = 1024 * 1024;
const DURATION_SEC = 12_500; // 12,500 s × 16,000 B/s = 200,000,000 bytes of samples

async function memoryOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kb("VmRSS") * 1024, hwm: kb("VmHWM") * 1024 };
}

async function drain(res: Response): Promise<number> {
  let n = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.length;
  }
}

Deno.test({
  name: "openphone: a 200 MB recording streams with flat server memory",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        new URL("../../deno.json", import.meta.url).pathname,
        new URL("./testdata/media_server.ts", import.meta.url).pathname,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      const first = await lines.read();
      const { url } = JSON.parse(first.value ?? "{}") as { url: string };
      const callId = "AC2002002002002002002002002002002a";
      const seeded = await fetch(`${url}/_control/seed`, {
        method: "POST",
        body: JSON.stringify({
          openphone: {
            apiKeys: [KEY],
            phoneNumbers: [{ number: "+14155550100" }],
            calls: [{
              id: callId,
              phoneNumberId: "+14155550100",
              participant: "+12025550111",
              direction: "incoming",
              createdAt: "2026-01-05T10:00:00.000Z",
              answeredAt: "2026-01-05T10:00:00.000Z",
              duration: DURATION_SEC,
              recordings: [{ status: "completed" }],
            }],
          },
        }),
      });
      await jsonOf(seeded, 200);
      const recs = await jsonOf<{ data: { url: string; duration: number }[] }>(
        await fetch(`${url}/openphone/v1/call-recordings/${callId}`, {
          headers: { authorization: KEY },
        }),
        200,
      );
      const mediaUrl = recs.data[0]!.url;
      const cold = await memoryOf(child.pid);
      // Warm up the streaming path so JIT, the young generation and buffers are in the baseline.
      await drain(await fetch(mediaUrl, { headers: { range: `bytes=0-${64 * MB - 1}` } }));
      const before = await memoryOf(child.pid);

      const res = await fetch(mediaUrl);
      const expected = Number(res.headers.get("content-length"));
      const received = await drain(res);
      const after = await memoryOf(child.pid);

      assert.equal(received, expected);
      assert.ok(received > 200_000_000, `downloaded ${received} bytes`);
      const peakGrowth = after.hwm - before.hwm;
      assert.ok(
        peakGrowth < 50 * MB,
        `peak RSS grew ${(peakGrowth / MB).toFixed(1)} MB (cold start ${
          (cold.rss / MB).toFixed(1)
        } MB) ` +
          `(RSS ${(before.rss / MB).toFixed(1)} → ${(after.rss / MB).toFixed(1)} MB, ` +
          `peak ${(before.hwm / MB).toFixed(1)} → ${(after.hwm / MB).toFixed(1)} MB)`,
      );
    } finally {
      await lines.cancel();
      child.kill("SIGTERM");
      await child.status;
    }
  },
});
