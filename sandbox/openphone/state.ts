/**
 * The fake workspace: users, numbers, contacts, conversations, calls and messages, plus the API
 * keys that may read them. Conversations are kept in step with activity the way OpenPhone
 * shows them: one per (phone number, external participants), its last activity being the
 * newest call or message.
 */
import { newId, Rng } from "./ids.ts";
import type {
  ApiKey,
  Call,
  Contact,
  Conversation,
  Message,
  PhoneNumber,
  User,
  Workspace,
} from "./types.ts";

export const DEFAULT_RATE_LIMIT = { perSecond: 10, burst: 5 };

function defaultWorkspace(rng: Rng): Workspace {
  return {
    orgId: newId(rng, "org"),
    plan: "business",
    aiGate: "forbidden",
    gateway: "v1",
    rateLimit: { ...DEFAULT_RATE_LIMIT },
    mediaUrlTtlSec: null,
  };
}

export class OpenPhoneState {
  rng = new Rng("openphone");
  workspace: Workspace = defaultWorkspace(this.rng);
  keys = new Map<string, ApiKey>();
  users = new Map<string, User>();
  phoneNumbers = new Map<string, PhoneNumber>();
  contacts = new Map<string, Contact>();
  conversations = new Map<string, Conversation>();
  calls = new Map<string, Call>();
  messages = new Map<string, Message>();
  /** Signs media URLs when they expire (so a client cannot extend them). */
  mediaSecret = this.rng.hex(32);

  reset(): void {
    this.rng = new Rng("openphone");
    this.workspace = defaultWorkspace(this.rng);
    this.mediaSecret = this.rng.hex(32);
    for (
      const m of [
        this.keys,
        this.users,
        this.phoneNumbers,
        this.contacts,
        this.conversations,
        this.calls,
        this.messages,
      ]
    ) m.clear();
  }

  owner(): User | undefined {
    for (const u of this.users.values()) if (u.role === "owner") return u;
    return this.users.values().next().value;
  }

  /** A phone number by id or by its E.164 number. */
  findPhoneNumber(ref: string): PhoneNumber | undefined {
    const byId = this.phoneNumbers.get(ref);
    if (byId) return byId;
    for (const pn of this.phoneNumbers.values()) if (pn.number === ref) return pn;
    return undefined;
  }

  /** Contacts (not deleted) that list this phone number. */
  contactIdsFor(number: string): string[] {
    const ids: string[] = [];
    for (const c of this.contacts.values()) {
      if (c.deletedAt === null && c.phoneNumbers.some((p) => p.value === number)) ids.push(c.id);
    }
    return ids;
  }

  /** The conversation for these participants, created on first activity. */
  conversationFor(phoneNumberId: string, participants: string[], at: number): Conversation {
    const key = [...participants].sort().join(",");
    for (const c of this.conversations.values()) {
      if (c.phoneNumberId === phoneNumberId && c.participants.join(",") === key) return c;
    }
    const conversation: Conversation = {
      id: newId(this.rng, "conversation"),
      phoneNumberId,
      participants: key.split(","),
      name: null,
      assignedTo: null,
      createdAt: at,
      updatedAt: at,
      deletedAt: null,
      lastActivityAt: null,
      lastActivityId: null,
      mutedUntil: null,
      snoozedUntil: null,
      inactive: false,
    };
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  /** Records an activity (call or message) on its conversation. */
  touchConversation(conversationId: string, activityId: string, at: number): void {
    const c = this.conversations.get(conversationId);
    if (!c) return;
    if (at < c.createdAt) c.createdAt = at;
    if (c.lastActivityAt === null || at >= c.lastActivityAt) {
      c.lastActivityAt = at;
      c.lastActivityId = activityId;
    }
    if (at > c.updatedAt) c.updatedAt = at;
  }

  putCall(call: Call): void {
    this.calls.set(call.id, call);
    this.touchConversation(call.conversationId, call.id, call.createdAt);
  }

  putMessage(message: Message): void {
    this.messages.set(message.id, message);
    this.touchConversation(message.conversationId, message.id, message.createdAt);
  }

  /** Whether a user is one of the number's users (the v1 "Not Phone Number User" check). */
  isNumberUser(phoneNumberId: string, userId: string): boolean {
    return this.phoneNumbers.get(phoneNumberId)?.userIds.includes(userId) ?? false;
  }
}
