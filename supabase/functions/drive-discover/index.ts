import { createDiscoverApp } from "./wiring.ts";

Deno.serve(createDiscoverApp());
