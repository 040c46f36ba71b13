import { serveStage } from "../_shared/platform/stage_function.ts";
import { enrichHandler } from "./wiring.ts";

serveStage({ stage: "call_enrich", fn: "call-enrich", handler: enrichHandler });
