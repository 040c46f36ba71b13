/**
 *   GET|HEAD /media/recordings/:file   <recordingId>.wav
 *   GET|HEAD /media/voicemails/:file   <voicemailId>.wav
 *
 * The audio behind recording and voicemail URLs, streamed with constant memory and Range
 * support (core/audio.ts). Like OpenPhone's storage links these need no API key and are not
 * rate limited; they answer like a storage bucket (plain text), not like the API. Only
 * completed media is served: an in-progress recording has no URL yet.
 */
import { audioResponse } from "../../core/audio.ts";
import { checkMediaQuery, recordingAudio, voicemailAudio } from "../media.ts";
import type { Registrar, RouteDeps } from "./common.ts";

const text = (status: number, body: string) =>
  new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

const idOf = (file: string): string | null => /^([A-Za-z0-9]+)\.wav$/.exec(file)?.[1] ?? null;

export function mediaRoutes(router: Registrar, deps: RouteDeps): void {
  router.get("/media/recordings/:file", (req, p, ctx) => {
    const id = idOf(p.file!);
    for (const call of id ? deps.state.calls.values() : []) {
      const rec = call.recordings.find((r) => r.id === id);
      if (!rec) continue;
      if (rec.status !== "completed") break;
      const denied = checkMediaQuery(
        deps.state,
        "recordings",
        rec.id,
        new URL(req.url).searchParams,
        ctx.clock.now(),
      );
      if (denied) return text(403, denied);
      return audioResponse(req, recordingAudio(call, rec));
    }
    return text(404, "No such object");
  });

  router.get("/media/voicemails/:file", (req, p, ctx) => {
    const id = idOf(p.file!);
    for (const call of id ? deps.state.calls.values() : []) {
      const vm = call.voicemail;
      if (!vm || vm.id !== id) continue;
      if (vm.status !== "completed") break;
      const denied = checkMediaQuery(
        deps.state,
        "voicemails",
        vm.id,
        new URL(req.url).searchParams,
        ctx.clock.now(),
      );
      if (denied) return text(403, denied);
      return audioResponse(req, voicemailAudio(vm));
    }
    return text(404, "No such object");
  });
}
