/**
 * `deno task sandbox`: the provider sandbox on its own, on http://127.0.0.1:54330 (SANDBOX_PORT
 * overrides). `deno task start` runs it too. See README.md for each vendor's base URL.
 */
import { startSandbox } from "./server.ts";
import { createVendors } from "./vendors.ts";

const port = Number(Deno.env.get("SANDBOX_PORT") ?? 54330);
const sandbox = startSandbox({ vendors: createVendors(), port, hostname: "127.0.0.1" });
// deno-lint-ignore no-console
console.log(
  JSON.stringify({
    ts: new Date().toISOString(),
    component: "sandbox",
    msg: "listening",
    url: sandbox.url,
  }),
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await sandbox.close();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
