import { createSyncApp } from "./wiring.ts";

Deno.serve(createSyncApp());
