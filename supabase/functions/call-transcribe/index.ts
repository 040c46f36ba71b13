import { serveStage } from "../_shared/platform/stage_function.ts";
import { loadTranscribeEnv, notConfigured } from "./config.ts";
import { transcribeHandler } from "./wiring.ts";

const { config, missing } = loadTranscribeEnv();
if (config) {
  serveStage({
    stage: "call_transcribe",
    fn: "call-transcribe",
    handler: ({ sql, log }) => transcribeHandler(config, sql, log),
  });
} else {
  // Without an AssemblyAI key no work is claimed: calls wait in call_transcribe.
  Deno.serve(notConfigured("call-transcribe", missing));
}
