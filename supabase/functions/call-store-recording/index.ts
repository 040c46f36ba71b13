// call_store_recording: each recording and voicemail of a call, streamed into Storage.
import { serveStage } from "../_shared/platform/stage_function.ts";
import { buildHandler } from "./wiring.ts";

serveStage({
  stage: "call_store_recording",
  fn: "call-store-recording",
  handler: (env) => buildHandler(env),
  // Two copies at once per worker: memory stays at two 6 MiB chunks.
  concurrency: 2,
});
