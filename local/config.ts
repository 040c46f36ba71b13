/**
 * Where the local platform keeps its state and which ports it uses. One place, so the CLI, the
 * gateway, the tests and the benchmarks agree. Ports follow `supabase start`'s defaults.
 */
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
export const STATE_DIR = `${PROJECT_ROOT}/.local`;
export const PG_BIN = Deno.env.get("SWITCHBOARD_PG_BIN") ?? "/usr/lib/postgresql/15/bin";

export const DB_PORT = Number(Deno.env.get("SWITCHBOARD_DB_PORT") ?? 54322);
export const GATEWAY_PORT = Number(Deno.env.get("SWITCHBOARD_GATEWAY_PORT") ?? 54321);
export const SANDBOX_PORT = Number(Deno.env.get("SANDBOX_PORT") ?? 54330);
export const DB_PASSWORD = "postgres";

/**
 * The JWT secret and keys of `supabase start`'s local stack (public, well-known values): local
 * only, so that supabase-js and copied snippets work unchanged against the gateway.
 */
export const JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";
export const ANON_KEY =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0";
export const SERVICE_ROLE_KEY =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU";
export const PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
export const SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";

export function dbUrl(port = DB_PORT, database = "postgres"): string {
  return `postgresql://postgres:${DB_PASSWORD}@127.0.0.1:${port}/${database}`;
}
