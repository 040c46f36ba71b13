/**
 * The webhook sender's control routes, under `/_control/openphone/webhooks`:
 *
 *   POST   /webhooks                          create an endpoint → its id and secrets/key
 *   GET    /webhooks                          endpoints
 *   DELETE /webhooks/:id                      delete an endpoint (pending deliveries fail)
 *   POST   /webhooks/:id/rotate               2026: add a secret (both sign until the old one
 *                                             is dropped with {"dropOld": true}); legacy: new key
 *   POST   /webhooks/emit                     {events: [{type, resourceId, delayMs?}], webhookIds?,
 *                                             delayMs?, spacingMs?, order?, shuffleSeed?,
 *                                             duplicate?, duplicateDelayMs?}
 *   GET    /webhooks/deliveries               deliveries with every attempt (?eventId=&status=)
 *   POST   /webhooks/deliveries/:id/replay    resend one delivery
 *   POST   /webhooks/events/:id/replay        resend every original delivery of an event
 *   POST   /webhooks/flush                    send what is due now → attempts made
 *   POST   /webhooks/advance                  {ms}: move the sender clock, then flush
 *   POST   /webhooks/config                   {dispatch?: "auto"|"manual", timeScale?}
 */
import { z } from "zod";
import { json, readJson } from "../../core/json.ts";
import type { Router } from "../../core/router.ts";
import type { SandboxContext } from "../../core/vendor.ts";
import { newId } from "../ids.ts";
import type { WebhookSeed } from "../seed_schema.ts";
import { webhookSeed } from "../seed_schema.ts";
import type { OpenPhoneState } from "../state.ts";
import { emit, EmitError } from "./emit.ts";
import { EVENT_TYPES, type EventType, isEventType, LEGACY_EVENT_TYPES } from "./events.ts";
import {
  DEFAULT_TIMEOUT_MS,
  type Endpoint,
  SVIX_SCHEDULE_MS,
  type WebhookSender,
} from "./sender.ts";
import { newLegacyKey, newWhsecSecret } from "./sign.ts";

const emitBody = z.strictObject({
  events: z.array(z.strictObject({
    type: z.enum(EVENT_TYPES),
    resourceId: z.string().min(1),
    delayMs: z.number().int().min(0).optional(),
  })).min(1),
  webhookIds: z.array(z.string()).optional(),
  delayMs: z.number().int().min(0).optional(),
  spacingMs: z.number().int().min(0).optional(),
  order: z.enum(["as-given", "reverse", "shuffle"]).optional(),
  shuffleSeed: z.string().optional(),
  duplicate: z.number().int().min(0).max(20).optional(),
  duplicateDelayMs: z.number().int().min(0).optional(),
});

const configBody = z.strictObject({
  dispatch: z.enum(["auto", "manual"]).optional(),
  timeScale: z.number().positive().optional(),
});

const bad = (error: string, status = 400) => json({ error }, status);

/** Registers an endpoint from its seed/create spec; throws on an invalid spec. */
export function createEndpoint(
  state: OpenPhoneState,
  sender: WebhookSender,
  spec: WebhookSeed,
  now: number,
): Endpoint {
  const format = spec.format ?? "2026-03-30";
  const allowed = format === "2026-03-30" ? EVENT_TYPES : LEGACY_EVENT_TYPES;
  const events = spec.events?.map((e) => {
    if (!isEventType(e) || !allowed.includes(e)) {
      throw new Error(`Event "${e}" is not available to ${format} webhooks`);
    }
    return e as EventType;
  }) ?? null;
  if (format === "2026-03-30" && spec.key) throw new Error("2026-03-30 webhooks use secrets");
  if (format !== "2026-03-30" && spec.secrets) throw new Error("Legacy webhooks use a key");
  const endpoint: Endpoint = {
    id: spec.id ?? newId(state.rng, "webhook"),
    url: spec.url,
    format,
    secrets: format === "2026-03-30" ? spec.secrets ?? [newWhsecSecret(state.rng)] : [],
    key: format === "2026-03-30" ? null : spec.key ?? newLegacyKey(state.rng),
    events,
    resourceIds: spec.resourceIds ?? null,
    schedule: spec.schedule ?? [...SVIX_SCHEDULE_MS],
    timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    createdAt: now,
  };
  sender.endpoints.set(endpoint.id, endpoint);
  return endpoint;
}

async function body<T>(req: Request, schema: z.ZodType<T>): Promise<T | Response> {
  const parsed = schema.safeParse(await readJson(req) ?? {});
  if (!parsed.success) {
    return bad(
      parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
    );
  }
  return parsed.data;
}

export function webhookControlRoutes(
  router: Router<SandboxContext>,
  state: OpenPhoneState,
  sender: WebhookSender,
): void {
  router
    .post("/webhooks", async (req, _p, ctx) => {
      sender.bind(ctx);
      const spec = await body(req, webhookSeed);
      if (spec instanceof Response) return spec;
      try {
        return json(createEndpoint(state, sender, spec, ctx.clock.now()), 201);
      } catch (e) {
        return bad(e instanceof Error ? e.message : String(e));
      }
    })
    .get("/webhooks", () => json([...sender.endpoints.values()]))
    .post("/webhooks/emit", async (req, _p, ctx) => {
      sender.bind(ctx);
      const spec = await body(req, emitBody);
      if (spec instanceof Response) return spec;
      try {
        const { events: items, ...options } = spec;
        const r = { state, baseUrl: ctx.baseUrl(), now: ctx.clock.now() };
        const result = emit(state, sender, r, items, options);
        return json(result, 202);
      } catch (e) {
        if (e instanceof EmitError) return bad(e.message, 409);
        throw e;
      }
    })
    .get("/webhooks/deliveries", (req) => {
      const q = new URL(req.url).searchParams;
      return json(
        sender.deliveries.filter((d) =>
          (!q.get("eventId") || d.eventId === q.get("eventId")) &&
          (!q.get("status") || d.status === q.get("status")) &&
          (!q.get("webhookId") || d.webhookId === q.get("webhookId"))
        ),
      );
    })
    .post("/webhooks/deliveries/:id/replay", (_req, p, ctx) => {
      sender.bind(ctx);
      const d = sender.replay(p.id!);
      return d ? json(d, 202) : bad(`No delivery ${p.id}`, 404);
    })
    .post("/webhooks/events/:id/replay", (_req, p, ctx) => {
      sender.bind(ctx);
      const originals = sender.deliveries.filter((d) =>
        d.eventId === p.id && d.kind === "original"
      );
      if (!originals.length) return bad(`No event ${p.id}`, 404);
      return json(originals.map((d) => sender.replay(d.id)), 202);
    })
    .post("/webhooks/flush", async (_req, _p, ctx) => {
      sender.bind(ctx);
      return json(await sender.flush());
    })
    .post("/webhooks/advance", async (req, _p, ctx) => {
      sender.bind(ctx);
      const spec = await body(req, z.strictObject({ ms: z.number().int().min(0) }));
      if (spec instanceof Response) return spec;
      return json(await sender.advance(spec.ms));
    })
    .post("/webhooks/config", async (req, _p, ctx) => {
      sender.bind(ctx);
      const spec = await body(req, configBody);
      if (spec instanceof Response) return spec;
      sender.configure({
        ...(spec.dispatch ? { dispatch: spec.dispatch } : {}),
        ...(spec.timeScale ? { timeScale: spec.timeScale } : {}),
      });
      return json(sender.config);
    })
    .post("/webhooks/:id/rotate", async (req, p) => {
      const endpoint = sender.endpoints.get(p.id!);
      if (!endpoint) return bad(`No webhook ${p.id}`, 404);
      const spec = await body(
        req,
        z.strictObject({
          secret: z.string().startsWith("whsec_").optional(),
          key: z.string().min(1).optional(),
          dropOld: z.boolean().optional(),
        }),
      );
      if (spec instanceof Response) return spec;
      if (endpoint.format === "2026-03-30") {
        const next = spec.secret ?? newWhsecSecret(state.rng);
        endpoint.secrets = spec.dropOld ? [next] : [...endpoint.secrets, next];
      } else {
        endpoint.key = spec.key ?? newLegacyKey(state.rng);
      }
      return json(endpoint);
    })
    .delete("/webhooks/:id", (_req, p) => {
      return sender.endpoints.delete(p.id!) ? json({ ok: true }) : bad(`No webhook ${p.id}`, 404);
    });
}
