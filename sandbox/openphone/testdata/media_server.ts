/**
 * A sandbox serving only the OpenPhone fake, for tests that watch the server process from the
 * outside (memory while streaming large recordings). Prints `{"url": …}` on stdout once it
 * listens, then serves until killed.
 */
import { startSandbox } from "../../server.ts";
import { createOpenPhone } from "../mod.ts";

const running = startSandbox({ vendors: [createOpenPhone()], port: 0 });
await Deno.stdout.write(new TextEncoder().encode(JSON.stringify({ url: running.url }) + "\n"));
Deno.addSignalListener("SIGTERM", () => {
  running.close().finally(() => Deno.exit(0));
});
