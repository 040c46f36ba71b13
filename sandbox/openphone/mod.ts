/**
 * The OpenPhone/Quo fake: v1 REST under `/openphone/v1/…`, recording and voicemail audio under
 * `/openphone/media/…`, and a webhook sender under `/_control/openphone/webhooks/…`.
 * See README.md for routes, the seed scenario and deliberate deviations.
 */
import { json } from "../core/json.ts";
import { Router } from "../core/router.ts";
import type { SandboxContext, VendorModule } from "../core/vendor.ts";
import { familyForPath, v1Error } from "./errors.ts";
import { createGateway } from "./guard.ts";
import { GatewayRateLimiter } from "./rate_limit.ts";
import { createRouter } from "./routes/mod.ts";
import { applyScenario } from "./scenario.ts";
import { OpenPhoneState } from "./state.ts";
import { webhookControlRoutes } from "./webhooks/control.ts";
import { type SenderConfig, WebhookSender } from "./webhooks/sender.ts";

export interface OpenPhoneOptions {
  /**
   * How webhook deliveries are dispatched: "auto" sends them when due (timeScale compresses
   * the retry schedule), "manual" only on /webhooks/flush or /webhooks/advance. Default auto.
   */
  webhooks?: Partial<SenderConfig>;
}

export function createOpenPhone(opts: OpenPhoneOptions = {}): VendorModule {
  const state = new OpenPhoneState();
  const senderConfig: SenderConfig = { dispatch: "auto", timeScale: 1, ...opts.webhooks };
  const sender = new WebhookSender(senderConfig);

  // The limiter follows the workspace's configured rate (seeds may change it).
  let limiter = new GatewayRateLimiter(
    state.workspace.rateLimit.perSecond,
    state.workspace.rateLimit.burst,
  );
  const currentLimiter = () => {
    const { perSecond, burst } = state.workspace.rateLimit;
    if (limiter.perSecond !== perSecond || limiter.burst !== burst) {
      limiter = new GatewayRateLimiter(perSecond, burst);
    }
    return limiter;
  };
  const gateway = createGateway(state, currentLimiter);

  const control = new Router<SandboxContext>();
  webhookControlRoutes(control, state, sender);

  return {
    name: "openphone",
    router: createRouter({ state }, gateway),
    guard: (req, path, ctx) => gateway.guard(req, path, ctx),
    errorResponse(status, message, retryAfterSec, path) {
      // Injected faults carry the endpoint family of the path they hit (e.g. 0100503 for calls).
      const headers: Record<string, string> = retryAfterSec !== undefined
        ? { "retry-after": String(retryAfterSec) }
        : {};
      if (status === 429 && state.workspace.gateway === "kong") {
        return json({ message: "API rate limit exceeded" }, 429, headers);
      }
      return v1Error(path === undefined ? "unknown" : familyForPath(path), status, {
        message,
        headers,
      });
    },
    control,
    reset() {
      state.reset();
      limiter = new GatewayRateLimiter(
        state.workspace.rateLimit.perSecond,
        state.workspace.rateLimit.burst,
      );
      sender.reset();
      sender.configure(senderConfig);
    },
    seed(data, ctx) {
      sender.bind(ctx);
      return applyScenario(state, sender, data, ctx.clock.now());
    },
    state() {
      return {
        workspace: state.workspace,
        apiKeys: [...state.keys.values()].map((k) => k.label),
        users: [...state.users.values()],
        phoneNumbers: [...state.phoneNumbers.values()],
        contacts: [...state.contacts.values()],
        conversations: [...state.conversations.values()],
        calls: [...state.calls.values()],
        messages: [...state.messages.values()],
        webhooks: {
          config: sender.config,
          now: sender.now(),
          endpoints: [...sender.endpoints.values()],
          deliveries: sender.deliveries,
        },
      };
    },
    close: () => sender.close(),
  };
}
