-- Switchboard's private application schema. It is not listed in the Data API's exposed schemas
-- (supabase/config.toml [api].schemas), so PostgREST never serves it; tables still enable RLS
-- with no policies for anon/authenticated, so exposing it by mistake exposes nothing.
create schema if not exists switchboard;

revoke all on schema switchboard from public;
revoke all on schema switchboard from anon, authenticated;
grant usage on schema switchboard to service_role;

comment on schema switchboard is
  'Switchboard: calls, messages and pipeline state. Private: not exposed through the Data API.';
