/** Contract tests for phone numbers, messages, conversations and contacts. */
import assert from "node:assert/strict";
import {
  ALICE,
  assertV1Error,
  BASE_SCENARIO,
  BOB,
  CALL_PROCESSING,
  CAROL,
  jsonOf,
  MAIN_NUMBER,
  MEMBER,
  MSG_IN,
  MSG_OUT,
  OWNER,
  PN_MAIN,
  PN_OTHER,
  withSandbox,
} from "./testing.ts";

type Json = Record<string, unknown>;
type Page = { data: Json[]; totalItems: number; nextPageToken: string | null };
const enc = encodeURIComponent;

Deno.test("openphone: lists phone numbers with their users and restrictions", async () => {
  await withSandbox(async (s) => {
    const all = await jsonOf<{ data: Json[] }>(await s.api("/v1/phone-numbers"), 200);
    assert.deepEqual(all.data.map((p) => p.id), [PN_MAIN, PN_OTHER]);
    const main = all.data[0]!;
    assert.equal(main.number, MAIN_NUMBER);
    assert.equal(main.formattedNumber, "(415) 555-0100");
    assert.deepEqual(Object.keys(main).sort(), [
      "createdAt",
      "formattedNumber",
      "forward",
      "groupId",
      "id",
      "name",
      "number",
      "portRequestId",
      "portingStatus",
      "restrictions",
      "symbol",
      "updatedAt",
      "users",
    ]);
    assert.deepEqual((main.users as Json[]).map((u) => u.id), [OWNER, MEMBER]);
    assert.deepEqual(main.restrictions, {
      messaging: { CA: "unrestricted", US: "unrestricted", Intl: "unrestricted" },
      calling: { CA: "unrestricted", US: "unrestricted", Intl: "unrestricted" },
    });
    const owners = await jsonOf<{ data: Json[] }>(
      await s.api(`/v1/phone-numbers?userId=${OWNER}`),
      200,
    );
    assert.deepEqual(owners.data.map((p) => p.id), [PN_MAIN]);
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: lists and gets messages; participants must be E.164", async () => {
  await withSandbox(async (s) => {
    const page = await jsonOf<Page>(
      await s.api(`/v1/messages?phoneNumberId=${PN_MAIN}&participants=${enc(ALICE)}&maxResults=10`),
      200,
    );
    assert.deepEqual(page.data.map((m) => m.id), [MSG_OUT, MSG_IN]);
    assert.deepEqual(page.data[1], {
      id: MSG_IN,
      to: [MAIN_NUMBER],
      from: ALICE,
      text: "Can we move to Tuesday?",
      phoneNumberId: PN_MAIN,
      direction: "incoming",
      userId: OWNER,
      status: "delivered",
      createdAt: "2026-01-05T09:00:00.000Z",
      updatedAt: "2026-01-05T09:00:00.000Z",
    });
    const one = await jsonOf<{ data: Json }>(await s.api(`/v1/messages/${MSG_OUT}`), 200);
    assert.equal(one.data.text, "Tuesday works.");
    assert.deepEqual(one.data.to, [ALICE]);
    const missing = await jsonOf(await s.api("/v1/messages/ACmissing"), 404);
    assertV1Error(missing, 404, "0200404", "Not Found");
    const bad = await jsonOf(
      await s.api(`/v1/messages?phoneNumberId=${PN_MAIN}&participants=2025550111&maxResults=10`),
      400,
    );
    assertV1Error(bad, 400, "0200400", "Bad Request");
    assert.equal((bad.errors as Json[])[0]!.path, "/participants/0");
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: lists conversations, most recent activity first, with filters", async () => {
  await withSandbox(async (s) => {
    const all = await jsonOf<Page>(await s.api("/v1/conversations?maxResults=10"), 200);
    assert.deepEqual(all.data.map((c) => c.participants), [[CAROL], [BOB], [ALICE]]);
    assert.equal(all.data[2]!.lastActivityId, CALL_PROCESSING);
    const byNumber = await jsonOf<Page>(
      await s.api(`/v1/conversations?maxResults=10&phoneNumbers[]=${enc(MAIN_NUMBER)}`),
      200,
    );
    assert.equal(byNumber.data.length, 3);
    const other = await jsonOf<Page>(
      await s.api(`/v1/conversations?maxResults=10&phoneNumbers=${PN_OTHER}`),
      200,
    );
    assert.equal(other.data.length, 0);
    const recent = await jsonOf<Page>(
      await s.api("/v1/conversations?maxResults=10&updatedAfter=2026-01-07T00:00:00Z"),
      200,
    );
    assert.deepEqual(recent.data.map((c) => c.participants), [[CAROL], [BOB]]);
    const noMax = await jsonOf(await s.api("/v1/conversations"), 400);
    assertV1Error(noMax, 400, "1000400", "Bad Request");
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: contacts need externalIds and at most 50 per page", async () => {
  await withSandbox(async (s) => {
    const missing = await jsonOf(await s.api("/v1/contacts?maxResults=10"), 400);
    assertV1Error(missing, 400, "0800400", "Bad Request");
    assert.deepEqual((missing.errors as Json[]).map((e) => e.path), ["/externalIds"]);
    const tooMany = await jsonOf(
      await s.api("/v1/contacts?maxResults=51&externalIds=crm-alice"),
      400,
    );
    assert.equal(
      (tooMany.errors as Json[])[0]!.message,
      "Expected integer to be less or equal to 50",
    );
    const page = await jsonOf<Page>(
      await s.api("/v1/contacts?maxResults=50&externalIds[]=crm-alice&externalIds[]=crm-nobody"),
      200,
    );
    assert.equal(page.data.length, 1);
    const contact = page.data[0]!;
    assert.equal(contact.externalId, "crm-alice");
    assert.equal(contact.source, "custom-crm");
    const fields = contact.defaultFields as Json;
    assert.equal(fields.firstName, "Alice");
    assert.deepEqual((fields.phoneNumbers as Json[]).map((p) => p.value), [ALICE]);
    const otherSource = await jsonOf<Page>(
      await s.api("/v1/contacts?maxResults=5&externalIds=crm-alice&sources=zapier"),
      200,
    );
    assert.equal(otherSource.data.length, 0);
  }, { scenario: BASE_SCENARIO });
});
