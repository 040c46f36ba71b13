import { createWebhookApp } from "./wiring.ts";

Deno.serve(createWebhookApp());
