/**
 * `deno task bench [name] [--quick]`: runs the benchmarks in bench/ on a throwaway platform and prints
 * one JSON document (progress goes to stderr).
 */
import { withThrowawayPlatform } from "./throwaway.ts";
import { run as pgNetDispatch } from "../bench/pg_net_dispatch.ts";
import { run as stageEngine } from "../bench/stage_engine.ts";
import { run as webhookIntake } from "../bench/webhook_intake.ts";

export async function runBenchmarks(args: string[]): Promise<number> {
  const quick = args.includes("--quick");
  const results = await withThrowawayPlatform("bench", async (platform) => {
    const only = args.find((a) => !a.startsWith("--"));
    const all = {
      pg_net_dispatch: pgNetDispatch,
      stage_engine: stageEngine,
      webhook_intake: webhookIntake,
    };
    const out = [];
    for (const [name, bench] of Object.entries(all)) {
      if (!only || only === name) out.push(await bench(platform, { quick }));
    }
    return out;
  });
  // deno-lint-ignore no-console
  console.log(
    JSON.stringify({ machine: { cpus: navigator.hardwareConcurrency }, results }, null, 2),
  );
  return 0;
}
