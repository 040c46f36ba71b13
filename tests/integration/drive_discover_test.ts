/**
 * Drive discovery against the sandbox's Drive fake and the throwaway database: every audio file
 * in the folder becomes exactly one call, with what its name and sidecar say; later passes
 * follow the changes feed, including files moved into the folder.
 */
import assert from "node:assert/strict";
import { createDriveClient } from "../../supabase/functions/_shared/adapters/gdrive/client.ts";
import { createTokenProvider } from "../../supabase/functions/_shared/adapters/gdrive/service_account.ts";
import { createLogger } from "../../supabase/functions/_shared/platform/log.ts";
import { discover } from "../../supabase/functions/drive-discover/discover.ts";
import { createDiscoverStore } from "../../supabase/functions/drive-discover/store.ts";
import { createGDrive, generateServiceAccount } from "../../sandbox/gdrive/mod.ts";
import { startSandbox } from "../../sandbox/server.ts";
import { platformAvailable, testDb } from "../support/platform.ts";

const silent = createLogger({}, { write: () => {} });

interface CallRow {
  external_id: string;
  direction: string | null;
  participants: string[];
  contact_name: string | null;
  started_at: Date | null;
  duration_sec: number | null;
  source_metadata: Record<string, unknown>;
}

Deno.test({
  name: "drive discovery: each recording becomes one call, once, including files moved in later",
  ignore: !platformAvailable,
  async fn() {
    const sb = startSandbox({ vendors: [createGDrive()] });
    const sql = testDb();
    const folder = `folder${crypto.randomUUID().slice(0, 8)}`;
    const control = async (path: string, body: unknown) => {
      const res = await fetch(`${sb.url}/_control${path}`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      const json = await res.json();
      assert.ok(res.ok, JSON.stringify(json));
      return json;
    };
    try {
      const sa = await generateServiceAccount({ tokenUri: `${sb.url}/gdrive/token` });
      const recent = new Date(Date.now() - 86_400_000).toISOString();
      await control("/seed", {
        gdrive: {
          serviceAccounts: [{ client_email: sa.key.client_email, public_key_pem: sa.publicKeyPem }],
          folders: [
            {
              id: folder,
              name: "Call recordings",
              sharedWith: [sa.key.client_email],
              files: [
                {
                  id: `${folder}-a`,
                  recording: {
                    number: "+15550100123",
                    direction: "incoming",
                    startTime: "2026-03-04T19:05:22Z",
                    durationSec: 95,
                    contactName: "John Smith",
                    style: "labelled",
                    utcOffsetMinutes: -300,
                  },
                  sidecar: true,
                  createdTime: recent,
                },
                {
                  id: `${folder}-b`,
                  recording: {
                    number: "+15550100456",
                    direction: "outgoing",
                    startTime: "2026-03-05T10:00:00Z",
                    durationSec: 30,
                    style: "bcr",
                    utcOffsetMinutes: 0,
                  },
                  createdTime: recent,
                },
                {
                  id: `${folder}-c`,
                  name: "voice memo 7.m4a",
                  durationSec: 12,
                  createdTime: recent,
                },
                {
                  id: `${folder}-n`,
                  name: "notes.txt",
                  text: "not a call",
                  mimeType: "text/plain",
                  createdTime: recent,
                },
              ],
            },
            {
              id: `${folder}-other`,
              name: "Elsewhere",
              sharedWith: [sa.key.client_email],
              files: [],
            },
          ],
        },
      });
      const drive = createDriveClient({
        baseUrl: `${sb.url}/gdrive`,
        fetch,
        now: Date.now,
        accessToken: createTokenProvider({
          serviceAccount: sa.key,
          tokenUrl: sa.key.token_uri,
          fetch,
          now: Date.now,
        }),
      });
      const store = createDiscoverStore(sql);
      const pass = (budgetMs = 60_000) =>
        discover({
          drive,
          store,
          folderId: folder,
          timeZone: "America/New_York",
          defaultCountry: "US",
          lookbackDays: 30,
          budgetMs,
          now: Date.now,
          log: silent,
        });
      const calls = () =>
        sql<CallRow[]>`
          select external_id, direction, participants, contact_name, started_at, duration_sec, source_metadata
          from switchboard.calls where source = 'drive' and external_id like ${
          folder + "%"
        } order by external_id`;

      const interrupted = await pass(0);
      assert.equal(
        interrupted.caughtUp,
        false,
        "a pass without time saves its start token and stops",
      );
      const first = await pass();
      assert.equal(first.phase, "listing");
      assert.equal(first.inserted, 3);
      let rows = await calls();
      assert.deepEqual(rows.map((r) => r.external_id), [
        `${folder}-a`,
        `${folder}-b`,
        `${folder}-c`,
      ]);
      const [a, b, c] = rows;
      assert.equal(a!.direction, "incoming");
      assert.deepEqual(a!.participants, ["+15550100123"]);
      assert.equal(a!.contact_name, "John Smith");
      assert.equal(a!.started_at?.toISOString(), "2026-03-04T19:05:22.000Z");
      assert.equal(a!.duration_sec, 95, "the sidecar's duration");
      assert.ok(a!.source_metadata.sidecar_file_id, "the sidecar was read");
      assert.equal(b!.direction, "outgoing");
      assert.equal(b!.source_metadata.name_pattern, "bcr");
      assert.equal(
        c!.source_metadata.unparsed_name,
        true,
        "an unparseable name is ingested and flagged",
      );

      const again = await pass();
      assert.equal(again.phase, "changes");
      assert.equal(again.inserted, 0, "nothing new, nothing added");

      // A new recording, and one that was elsewhere and is moved in (its createdTime stays old).
      await control("/gdrive/files", {
        folderId: folder,
        id: `${folder}-d`,
        recording: {
          number: "+15550100789",
          direction: "incoming",
          startTime: "2026-03-06T09:00:00Z",
          durationSec: 20,
          style: "compact",
          utcOffsetMinutes: 0,
        },
      });
      await control("/gdrive/files", {
        folderId: `${folder}-other`,
        id: `${folder}-e`,
        createdTime: "2025-01-01T00:00:00Z",
        recording: {
          number: "+15550100999",
          direction: "outgoing",
          startTime: "2025-01-01T00:00:00Z",
          durationSec: 40,
          style: "lineage",
          utcOffsetMinutes: 0,
        },
      });
      const outside = await pass();
      assert.equal(outside.inserted, 1, "a file outside the folder is not a call");
      await control(`/gdrive/files/${folder}-e/move`, { folderId: folder });
      const moved = await pass();
      assert.equal(moved.inserted, 1, "the moved-in file is picked up");
      assert.equal((await pass()).inserted, 0, "and only once");
      rows = await calls();
      assert.deepEqual(rows.map((r) => r.external_id), [
        `${folder}-a`,
        `${folder}-b`,
        `${folder}-c`,
        `${folder}-d`,
        `${folder}-e`,
      ]);
      const [queued] = await sql<{ n: number }[]>`
        select count(*)::int as n from switchboard.work_items
        where subject_kind = 'call' and subject_id in (select id from switchboard.calls where external_id like ${
        folder + "%"
      })`;
      // Work items, not queue messages: call_enrich is live and may already have taken them.
      assert.equal(queued?.n, 5, "each call started its pipeline once");
    } finally {
      await sql.end();
      await sb.close();
    }
  },
});
