import { serveStage } from "../_shared/platform/stage_function.ts";
import { answerProbe } from "./answer_probe.ts";

serveStage({
  stage: "probe",
  fn: "probe",
  handler: ({ sql }) => answerProbe(sql, `probe:${crypto.randomUUID().slice(0, 8)}`),
});
