/**
 * `deno task bench [--quick]`: runs the benchmarks in bench/ on a throwaway platform and prints
 * one JSON document (progress goes to stderr).
 */
import { withThrowawayPlatform } from "./throwaway.ts";
import { run as pgNetDispatch } from "../bench/pg_net_dispatch.ts";

export async function runBenchmarks(args: string[]): Promise<number> {
  const quick = args.includes("--quick");
  const results = await withThrowawayPlatform("bench", async (platform) => {
    return [await pgNetDispatch(platform, { quick })];
  });
  // deno-lint-ignore no-console
  console.log(
    JSON.stringify({ machine: { cpus: navigator.hardwareConcurrency }, results }, null, 2),
  );
  return 0;
}
