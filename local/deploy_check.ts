/**
 * `deno task deploy:check`: verifies a Supabase project's Switchboard configuration as far as it
 * can without changing anything. Read-only: it runs SELECTs on the project's database and the
 * Supabase CLI's list commands.
 *
 *   SUPABASE_DB_URL=postgresql://postgres.<ref>:<password>@<pooler host>:5432/postgres \
 *   SUPABASE_ACCESS_TOKEN=sbp_… deno task deploy:check [--project-ref=<ref>]
 *
 * The database (--db-url, SUPABASE_DB_URL or SWITCHBOARD_DB_URL): extensions (pg_cron, pgmq
 * 1.5.1, pg_net, Vault), migrations applied (supabase_migrations.schema_migrations against
 * supabase/migrations/), Vault secrets present, pg_cron jobs scheduled and active and the
 * scheduler running, stages enabled, Notion set up. With an access token and the project ref
 * (--project-ref, SUPABASE_PROJECT_REF, or supabase/.temp/project-ref from `supabase link`):
 * function secrets present (names only, `supabase secrets list`) and every function deployed
 * with verify_jwt off (`supabase functions list`). Without them those checks are skipped, and say
 * so.
 *
 * One line per check: ok / MISSING / warn / skipped, and what to do. Exit code 0 when nothing is
 * missing, 1 when something is, 2 when the database cannot be reached or no URL was given.
 */
import postgres from "postgres";
import { PROJECT_ROOT } from "./config.ts";

export type CheckStatus = "ok" | "missing" | "warn" | "skipped";

export interface Check {
  area: string;
  name: string;
  status: CheckStatus;
  /** What was found (never a secret's value). */
  detail?: string;
  /** What to do when it is not ok. */
  fix?: string;
}

/** Every function the pipeline needs deployed (supabase/functions/<name>/). */
export const FUNCTIONS = [
  "health",
  "probe",
  "openphone-webhook",
  "openphone-backfill",
  "drive-discover",
  "call-enrich",
  "call-store-recording",
  "call-transcribe",
  "assemblyai-webhook",
  "call-summarize",
  "notion-publish",
  "notion-contacts-sync",
  "recording",
  "stats",
] as const;

/** Function secrets: required ones (any one of a group), and optional ones worth a warning. */
export const REQUIRED_SECRETS: { names: string[]; why: string }[] = [
  { names: ["OPENPHONE_API_KEY"], why: "OpenPhone/Quo REST (enrichment, recordings, backfill)" },
  {
    names: ["OPENPHONE_WEBHOOK_SECRETS", "OPENPHONE_LEGACY_WEBHOOK_KEYS"],
    why: "verifying OpenPhone webhooks (whsec_… or the legacy signing key)",
  },
  { names: ["ASSEMBLYAI_API_KEY"], why: "transcription" },
  { names: ["OPENAI_API_KEY"], why: "summaries" },
  { names: ["NOTION_TOKEN"], why: "publishing to Notion and the contacts mirror" },
];
export const OPTIONAL_SECRETS: { names: string[]; why: string }[] = [
  {
    names: ["GDRIVE_SERVICE_ACCOUNT_JSON", "GDRIVE_FOLDER_ID"],
    why: "Drive recordings (both, or neither: discovery is skipped without them)",
  },
  { names: ["RECORDINGS_TIME_ZONE"], why: "the recording phones' zone (default UTC)" },
];

/** Vault secrets SQL reads (required unless optional). */
export const VAULT_SECRETS: { name: string; fix: string; optional?: boolean }[] = [
  {
    name: "switchboard_functions_url",
    fix: "select switchboard.set_secret('switchboard_functions_url', 'https://<ref>.supabase.co');",
  },
  {
    name: "switchboard_worker_secret",
    fix: "select switchboard.set_secret('switchboard_worker_secret', '<a long random string>');",
  },
  {
    name: "switchboard_recording_link_key",
    fix: "select version from switchboard.recording_link_key();  -- creates the key",
  },
  {
    name: "switchboard_alert_webhook_url",
    fix:
      "select switchboard.set_secret('switchboard_alert_webhook_url', 'https://hooks.slack.com/services/…');",
    optional: true,
  },
];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}
export type CliRunner = (args: string[], env: Record<string, string>) => Promise<CliResult>;

/** The Supabase CLI from local/npm (or PATH). */
export async function supabaseCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const local = `${PROJECT_ROOT}/local/npm/node_modules/.bin/supabase`;
  const bin = await Deno.stat(local).then(() => local, () => "supabase");
  const out = await new Deno.Command(bin, {
    args,
    cwd: PROJECT_ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Migration versions in supabase/migrations/ (the digits before the first underscore). */
export async function migrationVersions(root = PROJECT_ROOT): Promise<string[]> {
  const versions: string[] = [];
  for await (const e of Deno.readDir(`${root}/supabase/migrations`)) {
    const m = e.isFile ? e.name.match(/^(\d+)_.*\.sql$/) : null;
    if (m) versions.push(m[1]!);
  }
  return versions.sort();
}

type Sql = postgres.Sql;

async function extensionChecks(sql: Sql): Promise<Check[]> {
  const rows = await sql<
    { name: string; version: string | null; schema: string | null; api: boolean }[]
  >`
    select x.name, e.extversion as version, e.extnamespace::regnamespace::text as schema,
      exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
              where n.nspname = x.api_schema and p.proname = x.probe) as api
    from (values ('pg_cron', 'cron', 'schedule'), ('pgmq', 'pgmq', 'send'),
                 ('pg_net', 'net', 'http_post'), ('supabase_vault', 'vault', 'create_secret'))
      as x(name, api_schema, probe)
    left join pg_catalog.pg_extension e on e.extname = x.name`;
  const [marker] = await sql<{ v: string | null }[]>`
    select substring(pg_catalog.obj_description(n.oid, 'pg_namespace') from '^pgmq ([0-9]+\\.[0-9]+\\.[0-9]+) API') as v
    from pg_catalog.pg_namespace n where n.nspname = 'pgmq'`;
  return rows.map((r): Check => {
    const enable = `Database → Extensions → enable ${r.name}` +
      (r.name === "pg_net" ? " (schema extensions)" : "");
    if (!r.version && !r.api) {
      return { area: "extension", name: r.name, status: "missing", fix: enable };
    }
    const where = r.version ? `${r.version} in ${r.schema}` : "compatible API (local platform)";
    if (r.name === "pgmq") {
      const v = r.version ?? marker?.v ?? null;
      if (v !== "1.5.1") {
        return {
          area: "extension",
          name: "pgmq",
          status: "warn",
          detail: `version ${v ?? "unknown"}; Switchboard is tested against 1.5.1`,
          fix: "alter extension pgmq update to '1.5.1';",
        };
      }
    }
    if (r.name === "pg_cron" && r.version && r.schema !== "pg_catalog") {
      return {
        area: "extension",
        name: r.name,
        status: "warn",
        detail: where,
        fix: "Supabase keeps pg_cron in pg_catalog; run supabase db push (a migration moves it)",
      };
    }
    return { area: "extension", name: r.name, status: "ok", detail: where };
  });
}

async function migrationChecks(sql: Sql, root: string): Promise<Check[]> {
  const files = await migrationVersions(root);
  const [has] = await sql<{ ok: boolean }[]>`
    select pg_catalog.to_regclass('supabase_migrations.schema_migrations') is not null as ok`;
  if (!has?.ok) {
    return [{
      area: "migrations",
      name: `${files.length} in supabase/migrations`,
      status: "missing",
      detail: "no supabase_migrations.schema_migrations: nothing was pushed",
      fix: "supabase link --project-ref <ref> && supabase db push",
    }];
  }
  const applied = new Set(
    (await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations`)
      .map((r) => r.version),
  );
  const pending = files.filter((v) => !applied.has(v));
  const unknown = [...applied].filter((v) => !files.includes(v)).sort();
  const out: Check[] = [{
    area: "migrations",
    name: `${files.length - pending.length} of ${files.length} applied`,
    status: pending.length ? "missing" : "ok",
    ...(pending.length ? { detail: `not applied: ${pending.join(", ")}` } : {}),
    ...(pending.length ? { fix: "supabase db push" } : {}),
  }];
  if (unknown.length) {
    out.push({
      area: "migrations",
      name: `${unknown.length} applied that this checkout does not have`,
      status: "warn",
      detail: unknown.join(", "),
      fix: "deploy from an up-to-date checkout (git pull)",
    });
  }
  return out;
}

async function vaultChecks(sql: Sql): Promise<Check[]> {
  const out: Check[] = [];
  for (const s of VAULT_SECRETS) {
    // Only whether it is set (and the URL's shape): the value never leaves the database.
    const [row] = await sql<{ set: boolean; url_ok: boolean | null }[]>`
      select coalesce(pg_catalog.length(d.decrypted_secret), 0) > 0 as set,
        case when ${s.name} like '%_url' then d.decrypted_secret ~ '^https?://[^/ ]+' end as url_ok
      from (select 1) one
      left join vault.decrypted_secrets d on d.name = ${s.name}`;
    if (!row?.set) {
      out.push({
        area: "vault",
        name: s.name,
        status: s.optional ? "warn" : "missing",
        ...(s.optional ? { detail: "optional: alerts are recorded but not sent" } : {}),
        fix: s.fix,
      });
    } else if (row.url_ok === false) {
      out.push({
        area: "vault",
        name: s.name,
        status: "missing",
        detail: "not an http(s) URL",
        fix: s.fix,
      });
    } else {
      out.push({ area: "vault", name: s.name, status: "ok", detail: "set" });
    }
  }
  return out;
}

async function cronChecks(sql: Sql): Promise<Check[]> {
  const [sched] = await sql<{ running: boolean }[]>`
    select exists (select 1 from pg_catalog.pg_stat_activity a
                   where a.backend_type in ('pg_cron launcher', 'pg_cron scheduler')) as running`;
  const out: Check[] = [{
    area: "cron",
    name: "pg_cron scheduler",
    status: sched?.running ? "ok" : "missing",
    ...(sched?.running ? { detail: "running" } : {
      detail: "no pg_cron scheduler process",
      fix: "Settings → General → Restart project (or fast reboot); pg_cron 1.6.4+ revives itself",
    }),
  }];
  const jobs = await sql<
    {
      jobname: string;
      schedule: string | null;
      active: boolean | null;
      reason: string | null;
      fresh_at: Date | null;
    }[]
  >`select j.jobname, j.schedule, j.active, j.reason, j.fresh_at from switchboard.job_status(now()) j`;
  for (const j of jobs) {
    if (j.schedule === null) {
      out.push({
        area: "cron",
        name: j.jobname,
        status: "missing",
        detail: "not in cron.job",
        fix: "supabase db push (the migrations schedule it)",
      });
    } else if (!j.active) {
      out.push({
        area: "cron",
        name: j.jobname,
        status: "missing",
        detail: `inactive (${j.schedule})`,
        fix:
          `select cron.alter_job((select jobid from cron.job where jobname = '${j.jobname}'), active := true);`,
      });
    } else if (j.reason === "stale") {
      out.push({
        area: "cron",
        name: j.jobname,
        status: "warn",
        detail: `scheduled ${j.schedule}, last ran ${
          j.fresh_at ? j.fresh_at.toISOString() : "never"
        }`,
        fix: "see ops.cron_health and cron.job_run_details for its errors",
      });
    } else {
      out.push({ area: "cron", name: j.jobname, status: "ok", detail: j.schedule });
    }
  }
  return out;
}

async function stageChecks(sql: Sql): Promise<Check[]> {
  const stages = await sql<{ name: string; enabled: boolean; function_name: string }[]>`
    select s.name, s.enabled, s.function_name from switchboard.stages s order by s.name`;
  return stages.map((s): Check =>
    s.enabled
      ? { area: "stage", name: s.name, status: "ok", detail: `enabled → ${s.function_name}` }
      : {
        area: "stage",
        name: s.name,
        status: "missing",
        detail: "disabled: its work waits in the queue",
        fix:
          `update switchboard.stages set enabled = true where name = '${s.name}'; select switchboard.sweep();`,
      }
  );
}

async function notionChecks(sql: Sql): Promise<Check[]> {
  const [n] = await sql<
    { calls: boolean; conversations: boolean; contacts: boolean; workspace: boolean }[]
  >`select n.calls_data_source_id is not null as calls,
      n.conversations_data_source_id is not null as conversations,
      n.contacts_data_source_id is not null as contacts,
      n.workspace_id is not null as workspace
    from switchboard.notion_settings n`;
  const fix =
    "SWITCHBOARD_DB_URL=<db url> NOTION_TOKEN=<secret> deno task notion:setup --parent <page URL>";
  const missing = n
    ? (["calls", "conversations", "contacts", "workspace"] as const).filter((k) => !n[k])
    : ["settings row"];
  return [
    missing.length
      ? {
        area: "notion",
        name: "databases",
        status: "missing",
        detail: `not set up: ${missing.join(", ")}`,
        fix,
      }
      : {
        area: "notion",
        name: "databases",
        status: "ok",
        detail: "Calls, Conversations, Contacts",
      },
  ];
}

function parseNames(stdout: string, field: string): string[] | null {
  try {
    const data = JSON.parse(stdout) as unknown;
    if (!Array.isArray(data)) return null;
    return data.map((d) => (d as Record<string, unknown>)[field]).filter((v): v is string =>
      typeof v === "string"
    );
  } catch {
    return null;
  }
}

function cliError(r: CliResult): string {
  const line = (r.stderr + "\n" + r.stdout).split("\n").map((l) => l.trim()).find((l) =>
    /fail|error|unauthori[sz]ed|forbidden|not found/i.test(l)
  );
  return line?.slice(0, 160) ?? `exit code ${r.code}`;
}

export async function secretChecks(
  cli: CliRunner,
  ref: string,
  env: Record<string, string>,
): Promise<Check[]> {
  const r = await cli(["secrets", "list", `--remote=${ref}`, "-o", "json"], env);
  const names = r.code === 0 ? parseNames(r.stdout, "name") : null;
  if (!names) {
    return [{
      area: "secrets",
      name: "supabase secrets list",
      status: "missing",
      detail: `could not list the function secrets: ${cliError(r)}`,
      fix:
        "check SUPABASE_ACCESS_TOKEN (supabase.com/dashboard/account/tokens) and the project ref",
    }];
  }
  const have = new Set(names);
  const out: Check[] = [];
  for (const s of REQUIRED_SECRETS) {
    const found = s.names.filter((n) => have.has(n));
    out.push(
      found.length ? { area: "secrets", name: found.join(", "), status: "ok", detail: s.why } : {
        area: "secrets",
        name: s.names.join(" or "),
        status: "missing",
        detail: s.why,
        fix: `supabase secrets set ${s.names[0]}=… (or --env-file supabase/functions/.env)`,
      },
    );
  }
  for (const s of OPTIONAL_SECRETS) {
    const found = s.names.filter((n) => have.has(n));
    if (found.length === s.names.length) {
      out.push({ area: "secrets", name: found.join(", "), status: "ok", detail: s.why });
    } else {
      out.push({
        area: "secrets",
        name: s.names.join(", "),
        status: "warn",
        detail: `${found.length ? `only ${found.join(", ")} set` : "not set"}: ${s.why}`,
        fix: `supabase secrets set ${
          s.names.filter((n) => !have.has(n)).map((n) => `${n}=…`).join(" ")
        }`,
      });
    }
  }
  return out;
}

export async function functionChecks(
  cli: CliRunner,
  ref: string,
  env: Record<string, string>,
): Promise<Check[]> {
  const r = await cli(["functions", "list", `--remote=${ref}`, "-o", "json"], env);
  interface Deployed {
    slug: string;
    status?: string;
    verify_jwt?: boolean;
  }
  let fns: Deployed[] | null = null;
  if (r.code === 0) {
    try {
      const data = JSON.parse(r.stdout) as unknown;
      if (Array.isArray(data)) fns = data as Deployed[];
    } catch { /* below */ }
  }
  if (!fns) {
    return [{
      area: "functions",
      name: "supabase functions list",
      status: "missing",
      detail: `could not list the functions: ${cliError(r)}`,
      fix: "check SUPABASE_ACCESS_TOKEN and the project ref",
    }];
  }
  const bySlug = new Map(fns.map((f) => [f.slug, f]));
  return FUNCTIONS.map((name): Check => {
    const f = bySlug.get(name);
    if (!f) {
      return {
        area: "functions",
        name,
        status: "missing",
        detail: "not deployed",
        fix: `supabase functions deploy ${name}`,
      };
    }
    if (f.status && f.status !== "ACTIVE") {
      return {
        area: "functions",
        name,
        status: "missing",
        detail: `status ${f.status}`,
        fix: `supabase functions deploy ${name}`,
      };
    }
    if (f.verify_jwt === true) {
      return {
        area: "functions",
        name,
        status: "missing",
        detail: "verify_jwt is on: pg_net, vendors and secret keys would get 401",
        fix:
          `supabase functions deploy ${name}  (reads verify_jwt = false from supabase/config.toml)`,
      };
    }
    return { area: "functions", name, status: "ok", detail: "deployed" };
  });
}

export interface DeployCheckOptions {
  dbUrl: string;
  projectRef?: string | null;
  accessToken?: string | null;
  cli?: CliRunner;
  root?: string;
}

/** Every check, in the order of the deploy guide. Throws when the database cannot be reached. */
export async function runDeployCheck(opts: DeployCheckOptions): Promise<Check[]> {
  const sql = postgres(opts.dbUrl, {
    max: 1,
    prepare: false,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: "switchboard-deploy-check" },
  });
  const checks: Check[] = [];
  try {
    // Read-only by construction: any write on this session would fail.
    await sql`set session characteristics as transaction read only`;
    checks.push(...await extensionChecks(sql));
    checks.push(...await migrationChecks(sql, opts.root ?? PROJECT_ROOT));
    const [schema] = await sql<{ ok: boolean }[]>`
      select pg_catalog.to_regprocedure('switchboard.job_status(timestamptz)') is not null as ok`;
    if (schema?.ok) {
      checks.push(...await vaultChecks(sql));
      checks.push(...await cronChecks(sql));
      checks.push(...await stageChecks(sql));
      checks.push(...await notionChecks(sql));
    } else {
      checks.push({
        area: "schema",
        name: "switchboard",
        status: "missing",
        detail: "the migrations have not run: Vault, cron, stages and Notion cannot be checked",
        fix: "supabase db push",
      });
    }
  } finally {
    await sql.end();
  }

  if (!opts.accessToken || !opts.projectRef) {
    const need = [
      ...(opts.accessToken ? [] : ["SUPABASE_ACCESS_TOKEN"]),
      ...(opts.projectRef
        ? []
        : ["the project ref (--project-ref, SUPABASE_PROJECT_REF or supabase link)"]),
    ].join(" and ");
    for (
      const [area, what] of [["secrets", "function secrets"], ["functions", "deployed functions"]]
    ) {
      checks.push({
        area: area!,
        name: `${what} not checked`,
        status: "skipped",
        detail: `needs ${need}`,
        fix:
          "create a token at https://supabase.com/dashboard/account/tokens and export SUPABASE_ACCESS_TOKEN",
      });
    }
    return checks;
  }
  const cli = opts.cli ?? supabaseCli;
  const env = { ...Deno.env.toObject(), SUPABASE_ACCESS_TOKEN: opts.accessToken };
  checks.push(...await secretChecks(cli, opts.projectRef, env));
  checks.push(...await functionChecks(cli, opts.projectRef, env));
  return checks;
}

const LABEL: Record<CheckStatus, string> = {
  ok: "ok      ",
  missing: "MISSING ",
  warn: "warn    ",
  skipped: "skipped ",
};

/** One line per check (and its fix, indented, when it is not ok). */
export function formatChecks(checks: Check[]): string[] {
  const out: string[] = [];
  for (const c of checks) {
    out.push(
      `${LABEL[c.status]} ${c.area.padEnd(10)} ${c.name}${c.detail ? ` — ${c.detail}` : ""}`,
    );
    if (c.status !== "ok" && c.fix) out.push(`${" ".repeat(20)}→ ${c.fix}`);
  }
  const n = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  out.push("");
  out.push(
    `deploy:check: ${n("ok")} ok, ${n("missing")} missing, ${n("warn")} warnings, ${
      n("skipped")
    } skipped`,
  );
  return out;
}

/** The project ref: --project-ref, SUPABASE_PROJECT_REF, or what `supabase link` stored. */
export async function projectRef(args: string[], root = PROJECT_ROOT): Promise<string | null> {
  const arg = args.find((a) => a.startsWith("--project-ref="))?.slice("--project-ref=".length);
  if (arg) return arg;
  const env = Deno.env.get("SUPABASE_PROJECT_REF");
  if (env) return env;
  return (await Deno.readTextFile(`${root}/supabase/.temp/project-ref`).catch(() => "")).trim() ||
    null;
}

if (import.meta.main) {
  // deno-lint-ignore no-console
  const say = (line: string) => console.log(line);
  const dbUrl = Deno.args.find((a) => a.startsWith("--db-url="))?.slice("--db-url=".length) ??
    Deno.env.get("SUPABASE_DB_URL") ?? Deno.env.get("SWITCHBOARD_DB_URL");
  if (!dbUrl) {
    say(
      "deploy:check needs the project's database URL: SUPABASE_DB_URL=postgresql://… (Dashboard →",
    );
    say(
      "Connect → Session pooler), or --db-url=…. Optional: SUPABASE_ACCESS_TOKEN and --project-ref",
    );
    say("for the function secrets and deployed functions.");
    Deno.exit(2);
  }
  let checks: Check[];
  try {
    checks = await runDeployCheck({
      dbUrl,
      projectRef: await projectRef(Deno.args),
      accessToken: Deno.env.get("SUPABASE_ACCESS_TOKEN") ?? null,
    });
  } catch (e) {
    const code = (e as { code?: string }).code;
    say(
      `deploy:check: cannot read the database (${
        code ?? (e instanceof Error ? e.name : "error")
      }).`,
    );
    say(
      "Check SUPABASE_DB_URL (host, password; the session pooler on port 5432 works everywhere).",
    );
    Deno.exit(2);
  }
  for (const line of formatChecks(checks)) say(line);
  Deno.exit(checks.some((c) => c.status === "missing") ? 1 : 0);
}
