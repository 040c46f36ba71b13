/**
 * `deno task bench [name] [--quick]`: runs the benchmarks in bench/ on a throwaway platform and prints
 * one JSON document (progress goes to stderr).
 */
import { withThrowawayPlatform } from "./throwaway.ts";
import { run as callStages } from "../bench/call_stages.ts";
import { run as notionPublish } from "../bench/notion_publish.ts";
import { run as pipelineE2E } from "../bench/pipeline_e2e.ts";
import { run as pgNetDispatch } from "../bench/pg_net_dispatch.ts";
import { run as recordingCopy } from "../bench/recording_copy.ts";
import { run as stageEngine } from "../bench/stage_engine.ts";
import { run as webhookIntake } from "../bench/webhook_intake.ts";

export async function runBenchmarks(args: string[]): Promise<number> {
  const quick = args.includes("--quick");
  // stage_engine: items each worker handles at once (default 1, as deployed).
  const lanesAt = args.indexOf("--lanes");
  const lanes = lanesAt >= 0 ? Number(args[lanesAt + 1]) : undefined;
  const results = await withThrowawayPlatform("bench", async (platform) => {
    const only = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--lanes");
    const all = {
      pg_net_dispatch: pgNetDispatch,
      stage_engine: (p: Parameters<typeof stageEngine>[0], o: { quick: boolean }) =>
        stageEngine(p, { ...o, ...(lanes ? { lanes } : {}) }),
      webhook_intake: webhookIntake,
      recording_copy: recordingCopy,
      notion_publish: notionPublish,
      call_stages: callStages,
      // Last: it resets the pipeline's tables (the demo's fresh day).
      pipeline_e2e: pipelineE2E,
    };
    if (only && !(only in all)) {
      throw new Error(`no benchmark ${only}: ${Object.keys(all).join(", ")}`);
    }
    const out = [];
    for (const [name, bench] of Object.entries(all)) {
      if (!only || only === name) out.push(await bench(platform, { quick }));
    }
    return out;
  });
  // deno-lint-ignore no-console
  console.log(
    JSON.stringify(
      { machine: { cpus: navigator.hardwareConcurrency, load_average: Deno.loadavg() }, results },
      null,
      2,
    ),
  );
  return 0;
}
