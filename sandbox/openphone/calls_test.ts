/** Contract tests for calls and their sub-resources: shapes, filters, pagination, validation. */
import assert from "node:assert/strict";
import {
  ALICE,
  assertV1Error,
  BASE_SCENARIO,
  BOB,
  CALL_ANSWERED,
  CALL_NO_RECORDING,
  CALL_PROCESSING,
  CALL_VOICEMAIL,
  CAROL,
  jsonOf,
  MAIN_NUMBER,
  MEMBER,
  OWNER,
  PN_MAIN,
  PN_OTHER,
  withSandbox,
} from "./testing.ts";

type Json = Record<string, unknown>;
type Page = { data: Json[]; totalItems: number; nextPageToken: string | null };
const enc = encodeURIComponent;
const callsQuery = (participant: string, extra = "") =>
  `/v1/calls?phoneNumberId=${PN_MAIN}&participants[]=${enc(participant)}&maxResults=10${extra}`;

Deno.test("openphone: lists calls with one participant, newest first, in the REST call shape", async () => {
  await withSandbox(async (s) => {
    const page = await jsonOf<Page>(await s.api(callsQuery(ALICE)), 200);
    assert.deepEqual(page.data.map((c) => c.id), [CALL_PROCESSING, CALL_ANSWERED]);
    assert.equal(page.nextPageToken, null);
    const call = page.data[1]!;
    assert.deepEqual(call, {
      answeredAt: "2026-01-05T10:00:04.000Z",
      answeredBy: OWNER,
      initiatedBy: null,
      direction: "incoming",
      status: "completed",
      completedAt: "2026-01-05T10:01:04.000Z",
      createdAt: "2026-01-05T10:00:00.000Z",
      duration: 64,
      forwardedFrom: null,
      forwardedTo: null,
      id: CALL_ANSWERED,
      phoneNumberId: PN_MAIN,
      participants: [ALICE, MAIN_NUMBER],
      updatedAt: "2026-01-05T10:01:04.000Z",
      userId: OWNER,
      callRoute: "phone-number",
      aiHandled: null,
    });
    for (const absent of ["media", "from", "to", "voicemail", "recordings"]) {
      assert.ok(!(absent in call), `REST call objects have no ${absent}`);
    }
    const one = await jsonOf<{ data: Json }>(await s.api(`/v1/calls/${CALL_ANSWERED}`), 200);
    assert.deepEqual(one.data, call);
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: accepts participants[]= and repeated participants=", async () => {
  await withSandbox(async (s) => {
    const bracket = await jsonOf<Page>(await s.api(callsQuery(BOB)), 200);
    const plain = await jsonOf<Page>(
      await s.api(`/v1/calls?phoneNumberId=${PN_MAIN}&participants=${enc(BOB)}&maxResults=10`),
      200,
    );
    assert.deepEqual(bracket.data.map((c) => c.id), [CALL_VOICEMAIL, CALL_NO_RECORDING]);
    assert.deepEqual(plain.data, bracket.data);
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: more than one participant is 400 Too Many Participants (0101400)", async () => {
  await withSandbox(async (s) => {
    for (
      const q of [
        `participants[]=${enc(ALICE)}&participants[]=${enc(BOB)}`,
        `participants=${enc(ALICE)}&participants=${enc(BOB)}`,
      ]
    ) {
      const body = await jsonOf(
        await s.api(`/v1/calls?phoneNumberId=${PN_MAIN}&${q}&maxResults=10`),
        400,
      );
      assertV1Error(body, 400, "0101400", "Too Many Participants");
    }
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: list calls validates required parameters and maxResults 1–100", async () => {
  await withSandbox(async (s) => {
    const missing = await jsonOf(await s.api("/v1/calls"), 400);
    assertV1Error(missing, 400, "0100400", "Bad Request");
    assert.equal(missing.message, "The input was invalid.");
    assert.deepEqual(
      (missing.errors as Json[]).map((e) => [e.path, e.message]),
      [
        ["/phoneNumberId", "Expected required property"],
        ["/participants", "Expected required property"],
        ["/maxResults", "Expected required property"],
      ],
    );
    for (
      const [max, message] of [
        ["0", "Expected integer to be greater or equal to 1"],
        ["101", "Expected integer to be less or equal to 100"],
        ["ten", "Expected integer"],
      ]
    ) {
      const body = await jsonOf(
        await s.api(
          `/v1/calls?phoneNumberId=${PN_MAIN}&participants[]=${enc(ALICE)}&maxResults=${max}`,
        ),
        400,
      );
      const [issue] = body.errors as Json[];
      assert.equal(issue!.path, "/maxResults");
      assert.equal(issue!.message, message);
    }
    const badPn = await jsonOf(
      await s.api(`/v1/calls?phoneNumberId=XX1&participants[]=${enc(ALICE)}&maxResults=5`),
      400,
    );
    assert.deepEqual(badPn.errors, [{
      path: "/phoneNumberId",
      message: "Expected string to match '^PN(.*)$'",
      value: "XX1",
      schema: { type: "TemplateLiteral", pattern: "^PN(.*)$" },
    }]);
    const badDate = await jsonOf(await s.api(callsQuery(ALICE, "&createdAfter=yesterday")), 400);
    assert.equal(
      (badDate.errors as Json[])[0]!.message,
      "Expected string to match 'date-time' format",
    );
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: a user who is not on the number gets 403 Not Phone Number User", async () => {
  await withSandbox(async (s) => {
    // The owner is the default user and is not one of PN_OTHER's users.
    const body = await jsonOf(
      await s.api(`/v1/calls?phoneNumberId=${PN_OTHER}&participants[]=${enc(ALICE)}&maxResults=5`),
      403,
    );
    assertV1Error(body, 403, "0101403", "Not Phone Number User");
    const member = await s.api(
      `/v1/calls?phoneNumberId=${PN_OTHER}&participants[]=${
        enc(ALICE)
      }&maxResults=5&userId=${MEMBER}`,
    );
    assert.equal(member.status, 200);
    await member.body?.cancel();
    const messages = await jsonOf(
      await s.api(
        `/v1/messages?phoneNumberId=PNunknown1&participants[]=${enc(ALICE)}&maxResults=5`,
      ),
      403,
    );
    assertV1Error(messages, 403, "0202403", "Not Phone Number User");
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: createdAfter, createdBefore and the deprecated since filter calls", async () => {
  await withSandbox(async (s) => {
    const ids = async (extra: string) =>
      (await jsonOf<Page>(await s.api(callsQuery(ALICE, extra)), 200)).data.map((c) => c.id);
    assert.deepEqual(await ids("&createdAfter=2026-01-05T12:00:00Z"), [CALL_PROCESSING]);
    assert.deepEqual(await ids("&createdBefore=2026-01-05T12:00:00Z"), [CALL_ANSWERED]);
    // "since" behaves as createdBefore, as the docs warn.
    assert.deepEqual(await ids("&since=2026-01-05T12:00:00Z"), [CALL_ANSWERED]);
    assert.deepEqual(await ids("&createdAfter=2026-01-05T10:00:00Z"), [CALL_PROCESSING]);
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: pages calls until nextPageToken is null", async () => {
  const calls = Array.from({ length: 25 }, (_, i) => ({
    phoneNumberId: PN_MAIN,
    participant: CAROL,
    direction: i % 2 ? "incoming" : "outgoing",
    createdAt: new Date(Date.UTC(2026, 0, 10) + i * 60_000).toISOString(),
  }));
  await withSandbox(async (s) => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | null = null;
    do {
      const q: string = callsQuery(CAROL, token ? `&pageToken=${enc(token)}` : "");
      const page: Page = await jsonOf<Page>(await s.api(q), 200);
      assert.deepEqual(Object.keys(page).sort(), ["data", "nextPageToken", "totalItems"]);
      seen.push(...page.data.map((c) => c.id as string));
      sizes.push(page.data.length);
      token = page.nextPageToken;
    } while (token);
    assert.deepEqual(sizes, [10, 10, 6]);
    assert.equal(seen.length, 26);
    assert.equal(new Set(seen).size, 26, "no call is returned twice");

    // A full last page still carries a token; the page after it is empty.
    const pages: number[] = [];
    token = null;
    do {
      const q: string = `/v1/calls?phoneNumberId=${PN_MAIN}&participants[]=${
        enc(CAROL)
      }&maxResults=13${token ? `&pageToken=${enc(token)}` : ""}`;
      const page: Page = await jsonOf<Page>(await s.api(q), 200);
      pages.push(page.data.length);
      token = page.nextPageToken;
    } while (token);
    assert.deepEqual(pages, [13, 13, 0]);
  }, { scenario: { ...BASE_SCENARIO, calls: [...BASE_SCENARIO.calls, ...calls] } });
});

Deno.test("openphone: a page token only works for the query that produced it", async () => {
  await withSandbox(async (s) => {
    const first = await jsonOf<Page>(
      await s.api(`/v1/calls?phoneNumberId=${PN_MAIN}&participants[]=${enc(ALICE)}&maxResults=1`),
      200,
    );
    assert.ok(first.nextPageToken);
    const body = await jsonOf(
      await s.api(callsQuery(BOB, `&pageToken=${enc(first.nextPageToken)}`)),
      400,
    );
    assertV1Error(body, 400, "0100400", "Bad Request");
    assert.equal((body.errors as Json[])[0]!.path, "/pageToken");
    const garbage = await s.api(callsQuery(ALICE, "&pageToken=not-a-token"));
    assert.equal(garbage.status, 400);
    await garbage.body?.cancel();
  }, { scenario: BASE_SCENARIO });
});

Deno.test("openphone: get call by id: 404 in the calls family, 400 for a malformed id", async () => {
  await withSandbox(async (s) => {
    const missing = await jsonOf(await s.api("/v1/calls/ACdoesnotexist"), 404);
    assertV1Error(missing, 404, "0100404", "Not Found");
    const bad = await jsonOf(await s.api("/v1/calls/XY123"), 400);
    assertV1Error(bad, 400, "0100400", "Bad Request");
    assert.equal((bad.errors as Json[])[0]!.path, "/callId");
  }, { scenario: BASE_SCENARIO });
});
