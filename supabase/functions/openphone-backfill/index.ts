import { createBackfillApp } from "./wiring.ts";

Deno.serve(await createBackfillApp());
