/**
 * notion-publish: call_publish (calls/: one page per call) and message_publish (messages/: one
 * page per conversation), on one Notion budget (wiring.ts). Without NOTION_TOKEN it takes no
 * work: calls and messages wait in their queues.
 */
import { serveStages } from "../_shared/platform/stage_function.ts";
import {
  callPublishHandler,
  messagePublishHandler,
  notionPublishEnv,
  serveNotConfigured,
  sharedNotion,
} from "./wiring.ts";

const config = notionPublishEnv(Deno.env.toObject());
if (!config.ok) {
  serveNotConfigured(config.reason);
} else {
  const notion = sharedNotion(config.env);
  serveStages({
    fn: "notion-publish",
    stages: [
      { stage: "call_publish", handler: (e) => callPublishHandler(e.sql, notion(e), config.env) },
      { stage: "message_publish", handler: (e) => messagePublishHandler(e.sql, notion(e)) },
    ],
  });
}
