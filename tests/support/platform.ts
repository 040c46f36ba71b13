/**
 * What integration tests need from the throwaway platform that `deno task test` starts: its
 * database URL and gateway URL (set by local/test_runner.ts). Tests that need them are skipped
 * with a clear name when run outside the runner (e.g. `deno test tests/unit`).
 */
import postgres from "postgres";

export const TEST_DB_URL = Deno.env.get("SWITCHBOARD_TEST_DB_URL");
export const TEST_GATEWAY_URL = Deno.env.get("SWITCHBOARD_TEST_GATEWAY_URL");
export const platformAvailable = Boolean(TEST_DB_URL && TEST_GATEWAY_URL);
/** The function secrets of the test gateway (webhook signing secrets …). */
export const TEST_FUNCTIONS_ENV: Record<string, string> = JSON.parse(
  Deno.env.get("SWITCHBOARD_TEST_FUNCTIONS_ENV") ?? "{}",
);

export function testDb(max = 2): postgres.Sql {
  if (!TEST_DB_URL) throw new Error("SWITCHBOARD_TEST_DB_URL is not set: run `deno task test`");
  return postgres(TEST_DB_URL, { max, onnotice: () => {} });
}

/** Polls `probe` until it returns a value (not null/undefined) or `ms` pass. */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined>,
  ms = 15_000,
  stepMs = 25,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (true) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
