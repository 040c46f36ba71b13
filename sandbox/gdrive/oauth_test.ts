/**
 * The token endpoint and Drive's authentication: JWTs signed with WebCrypto as the production
 * adapter will sign them, Google's error bodies for every refusal, expiry on the sandbox clock.
 */
import assert from "node:assert/strict";
import {
  account,
  DRIVE_READONLY,
  driveError,
  recordingsScenario,
  signJwt,
  startDrive,
  stranger,
} from "./testkit.ts";

const GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TIMEFRAME = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a " +
  "reasonable timeframe. Check your iat and exp values in the JWT claim.";

Deno.test("gdrive: a service account's signed JWT buys a Bearer token that Drive accepts", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const assertion = await signJwt(account.key, h.claims());
    const res = await h.postToken(new URLSearchParams({ grant_type: GRANT, assertion }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "token_type"]);
    assert.equal(body.expires_in, 3599);
    assert.equal(body.token_type, "Bearer");

    const list = await h.drive("/files", body.access_token);
    assert.equal(list.status, 200);
    assert.equal((await list.json()).kind, "drive#fileList");
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: aud may be Google's token URL or the sandbox's own, nothing else", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    for (const aud of ["https://oauth2.googleapis.com/token", h.tokenUrl]) {
      const assertion = await signJwt(account.key, h.claims({ aud }));
      const res = await h.postToken(new URLSearchParams({ grant_type: GRANT, assertion }));
      assert.equal(res.status, 200, aud);
      await res.body?.cancel();
    }
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: the token endpoint refuses bad JWTs with Google's error bodies", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const now = Math.floor(h.clock.now() / 1000);
    const cases: [string, () => Promise<string>, number, string, string | RegExp][] = [
      [
        "signed with another key",
        () => signJwt(stranger.key, h.claims()),
        400,
        "invalid_grant",
        "Invalid JWT Signature.",
      ],
      [
        "alg none",
        async () => (await signJwt(account.key, h.claims(), { alg: "none" })),
        400,
        "invalid_grant",
        "Invalid JWT Signature.",
      ],
      [
        "wrong aud",
        () => signJwt(account.key, h.claims({ aud: "https://www.googleapis.com/oauth2/v4/token" })),
        400,
        "invalid_grant",
        `Invalid JWT: Failed audience check. The right audience is ${h.tokenUrl}`,
      ],
      [
        "aud as an array",
        () => signJwt(account.key, h.claims({ aud: [h.tokenUrl] })),
        400,
        "invalid_grant",
        /^Invalid JWT: Failed audience check\./,
      ],
      [
        "expired",
        () => signJwt(account.key, h.claims({ iat: now - 7200, exp: now - 3600 })),
        400,
        "invalid_grant",
        TIMEFRAME,
      ],
      [
        "exp more than an hour after iat",
        () => signJwt(account.key, h.claims({ iat: now, exp: now + 3601 })),
        400,
        "invalid_grant",
        TIMEFRAME,
      ],
      [
        "issued in the future beyond the skew",
        () => signJwt(account.key, h.claims({ iat: now + 600, exp: now + 1200 })),
        400,
        "invalid_grant",
        TIMEFRAME,
      ],
      [
        "no scope",
        () => signJwt(account.key, h.claims({ scope: undefined })),
        400,
        "invalid_scope",
        "Empty or missing scope not allowed.",
      ],
      [
        "unknown scope",
        () =>
          signJwt(
            account.key,
            h.claims({ scope: "https://www.googleapis.com/auth/drive.everything" }),
          ),
        400,
        "invalid_scope",
        "Invalid OAuth scope or ID token audience provided.",
      ],
      [
        "unknown account",
        () => signJwt(stranger.key, h.claims({ iss: stranger.key.client_email })),
        400,
        "invalid_grant",
        "Invalid grant: account not found",
      ],
      [
        "impersonation without delegation",
        () => signJwt(account.key, h.claims({ sub: "boss@switchboard.example" })),
        401,
        "unauthorized_client",
        /^Client is unauthorized to retrieve access tokens using this method/,
      ],
    ];
    for (const [label, make, status, error, description] of cases) {
      const res = await h.postToken(
        new URLSearchParams({ grant_type: GRANT, assertion: await make() }),
      );
      assert.equal(res.status, status, label);
      const body = await res.json();
      assert.deepEqual(Object.keys(body).sort(), ["error", "error_description"], label);
      assert.equal(body.error, error, label);
      if (typeof description === "string") assert.equal(body.error_description, description, label);
      else assert.match(body.error_description, description, label);
    }

    const malformed: [string, string, string][] = [
      [
        "grant_type=client_credentials",
        "unsupported_grant_type",
        "Invalid grant_type: client_credentials",
      ],
      [
        `grant_type=${encodeURIComponent(GRANT)}`,
        "invalid_request",
        "Missing required parameter: assertion",
      ],
      [
        `grant_type=${encodeURIComponent(GRANT)}&assertion=not.a.jwt`,
        "invalid_request",
        "Bad Request",
      ],
      // Google parses the body as a form: JSON has no grant_type in it.
      [JSON.stringify({ grant_type: GRANT }), "unsupported_grant_type", "Invalid grant_type: "],
    ];
    for (const [body, error, description] of malformed) {
      const res = await h.postToken(body);
      assert.equal(res.status, 400, body);
      assert.deepEqual(await res.json(), { error, error_description: description });
    }
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: Drive answers 401 without a token, with an unknown one, and after expiry", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const missing = await h.drive("/files", null);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer realm=/);
    const m = await driveError(missing);
    assert.equal(m.status, "UNAUTHENTICATED");
    assert.deepEqual(m.errors, [{
      message: "Login Required.",
      domain: "global",
      reason: "required",
      location: "Authorization",
      locationType: "header",
    }]);
    assert.equal(m.details?.[0]?.reason, "CREDENTIALS_MISSING");

    const bogus = await h.drive("/files", "ya29.not-issued-here");
    assert.equal(bogus.status, 401);
    const b = await driveError(bogus);
    assert.match(b.message, /^Request had invalid authentication credentials\./);
    assert.equal(b.errors[0]?.reason, "authError");

    const token = await h.token();
    h.clock.advance(3598_000);
    const fresh = await h.drive("/files", token);
    assert.equal(fresh.status, 200);
    await fresh.body?.cancel();
    h.clock.advance(1_000);
    const expired = await h.drive("/files", token);
    assert.equal(expired.status, 401);
    const e = await driveError(expired);
    assert.equal(e.errors[0]?.message, "Invalid Credentials");
    assert.equal(e.details?.[0]?.reason, "ACCESS_TOKEN_EXPIRED");

    // The knob that expires every token at once, for demos.
    const again = await h.token();
    const knob = await h.control("/gdrive/expire-tokens");
    await knob.body?.cancel();
    const after = await h.drive("/files", again);
    assert.equal(after.status, 401);
    await after.body?.cancel();
  } finally {
    await h.close();
  }
});

Deno.test("gdrive: scopes decide what a token may read", async () => {
  const h = startDrive();
  try {
    await h.seed(recordingsScenario());
    const metadata = await h.token("https://www.googleapis.com/auth/drive.metadata.readonly");
    const listed = await h.drive(
      "/files?q=" + encodeURIComponent("'folderRecordings' in parents"),
      metadata,
    );
    assert.equal((await listed.json()).files.length, 7);
    const download = await h.drive("/files/rec1?alt=media", metadata);
    assert.equal(download.status, 403);
    const d = await driveError(download);
    assert.equal(d.message, "Request had insufficient authentication scopes.");
    assert.equal(d.errors[0]?.reason, "insufficientPermissions");
    assert.equal(d.details?.[0]?.reason, "ACCESS_TOKEN_SCOPE_INSUFFICIENT");

    // drive.file only reaches files the app created: none of the recordings.
    const narrow = await h.token("https://www.googleapis.com/auth/drive.file");
    assert.deepEqual((await (await h.drive("/files", narrow)).json()).files, []);
    const hidden = await h.drive("/files/rec1", narrow);
    assert.equal(hidden.status, 404);
    await hidden.body?.cancel();

    const other = await h.token("https://www.googleapis.com/auth/cloud-platform");
    const refused = await h.drive("/files", other);
    assert.equal(refused.status, 403);
    assert.equal((await driveError(refused)).status, "PERMISSION_DENIED");

    const full = await h.token(DRIVE_READONLY);
    const ok = await h.drive("/files/rec1?alt=media", full, { headers: { range: "bytes=0-3" } });
    assert.equal(ok.status, 206);
    assert.equal(await ok.text(), "RIFF");
  } finally {
    await h.close();
  }
});
