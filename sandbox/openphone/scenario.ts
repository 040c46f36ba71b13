/**
 * `POST /_control/seed {"openphone": <scenario>}`: validates the scenario, then applies it in
 * dependency order (workspace, keys, users, numbers, contacts, conversations, calls, messages,
 * webhooks, generated volume). Returns what was created, ids included.
 */
import { generate, type GenerateSummary } from "./generate.ts";
import { addCall, addContact, addMessage, addPhoneNumber, addUser, ensureOwner } from "./seed.ts";
import { seedSchema } from "./seed_schema.ts";
import type { OpenPhoneState } from "./state.ts";
import { createEndpoint } from "./webhooks/control.ts";
import type { WebhookSender } from "./webhooks/sender.ts";

export interface ScenarioSummary {
  workspace: OpenPhoneState["workspace"];
  apiKeys: number;
  users: string[];
  phoneNumbers: { id: string; number: string }[];
  contacts: string[];
  conversations: string[];
  calls: string[];
  messages: string[];
  webhooks: { id: string; format: string; secrets: string[]; key: string | null }[];
  generated?: GenerateSummary;
}

export function applyScenario(
  state: OpenPhoneState,
  sender: WebhookSender,
  data: unknown,
  now: number,
): ScenarioSummary {
  const parsed = seedSchema.safeParse(data ?? {});
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues.map((i) => `${i.path.join(".") || "openphone"}: ${i.message}`).join(
        "; ",
      ),
    );
  }
  const s = parsed.data;
  const w = s.workspace;
  if (w) {
    const ws = state.workspace;
    if (w.plan) ws.plan = w.plan;
    if (w.aiGate) ws.aiGate = w.aiGate;
    if (w.gateway) ws.gateway = w.gateway;
    if (w.orgId) ws.orgId = w.orgId;
    if (w.mediaUrlTtlSec !== undefined) ws.mediaUrlTtlSec = w.mediaUrlTtlSec;
    if (w.rateLimit) {
      ws.rateLimit = {
        perSecond: w.rateLimit.perSecond ?? ws.rateLimit.perSecond,
        burst: w.rateLimit.burst ?? ws.rateLimit.burst,
      };
    }
  }
  for (const k of s.apiKeys ?? []) {
    const key = typeof k === "string" ? { key: k } : k;
    state.keys.set(key.key, { key: key.key, label: key.label ?? key.key.slice(0, 8) });
  }

  const summary: ScenarioSummary = {
    workspace: state.workspace,
    apiKeys: state.keys.size,
    users: (s.users ?? []).map((u) => addUser(state, u, now).id),
    phoneNumbers: [],
    contacts: [],
    conversations: [],
    calls: [],
    messages: [],
    webhooks: [],
  };
  if (s.phoneNumbers?.length || s.calls?.length || s.messages?.length) ensureOwner(state, now);
  for (const p of s.phoneNumbers ?? []) {
    const pn = addPhoneNumber(state, p, now);
    summary.phoneNumbers.push({ id: pn.id, number: pn.number });
  }
  for (const c of s.contacts ?? []) summary.contacts.push(addContact(state, c, now).id);
  for (const cv of s.conversations ?? []) {
    const pn = state.findPhoneNumber(cv.phoneNumberId);
    if (!pn) throw new Error(`Unknown phone number "${cv.phoneNumberId}"`);
    const at = cv.createdAt ? Date.parse(cv.createdAt) : now;
    const conversation = state.conversationFor(pn.id, cv.participants, at);
    if (cv.id && cv.id !== conversation.id) {
      if (state.conversations.has(cv.id)) throw new Error(`Conversation ${cv.id} already exists`);
      if (conversation.lastActivityId !== null) {
        throw new Error(
          `Conversation ${cv.id}: these participants already have ${conversation.id}`,
        );
      }
      state.conversations.delete(conversation.id);
      conversation.id = cv.id;
      state.conversations.set(cv.id, conversation);
    }
    if (cv.name !== undefined) conversation.name = cv.name;
    if (cv.assignedTo !== undefined) conversation.assignedTo = cv.assignedTo;
    if (cv.inactive !== undefined) conversation.inactive = cv.inactive;
    summary.conversations.push(conversation.id);
  }
  for (const c of s.calls ?? []) summary.calls.push(addCall(state, c).id);
  for (const m of s.messages ?? []) summary.messages.push(addMessage(state, m).id);
  for (const wh of s.webhooks ?? []) {
    const e = createEndpoint(state, sender, wh, now);
    summary.webhooks.push({ id: e.id, format: e.format, secrets: e.secrets, key: e.key });
  }
  if (s.generate) summary.generated = generate(state, s.generate, now);
  return summary;
}
