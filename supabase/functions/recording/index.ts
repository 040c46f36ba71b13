// recording: a signed recording link (from a Notion page) → 302 to a Storage signed URL that
// lives for seconds; 403 to any link that is not valid (T39). See README.md.
import { buildRecordingHandler } from "./wiring.ts";

Deno.serve(buildRecordingHandler());
