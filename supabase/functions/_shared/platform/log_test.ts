import assert from "node:assert/strict";
import { createLogger } from "./log.ts";

Deno.test("createLogger() writes JSON lines with scope, and respects the level", () => {
  const lines: string[] = [];
  const log = createLogger({ fn: "t" }, {
    level: "info",
    write: (l) => lines.push(l),
    now: () => new Date("2026-01-01T00:00:00Z"),
  });
  log.debug("hidden");
  log.child({ msg_id: 7 }).info("handled", { duration_ms: 3 });
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]!), {
    ts: "2026-01-01T00:00:00.000Z",
    level: "info",
    msg: "handled",
    fn: "t",
    msg_id: 7,
    duration_ms: 3,
  });
});
