-- Least privilege for functions. PostgreSQL grants EXECUTE on every new function to PUBLIC, so
-- until now only the missing USAGE on the `switchboard` schema kept `anon` and `authenticated`
-- from calling switchboard.* (and nothing at all kept them from the local pgmq compat functions
-- once they could reach the schema). Defence in depth: take EXECUTE away from PUBLIC and the API
-- roles, and keep it for the one role that calls these functions: `postgres`, which the edge
-- functions connect as (SUPABASE_DB_URL) and which owns the pg_cron jobs. Granting it to
-- `postgres` explicitly keeps it working even where `postgres` is not the owner.
revoke execute on all functions in schema switchboard from public, anon, authenticated;
grant execute on all functions in schema switchboard to postgres;

-- Functions created later by the role that runs migrations (`postgres`, locally and with
-- `supabase db push`) start without EXECUTE for PUBLIC. Per-schema default privileges can only
-- add to the global ones, so the global default is the one that must change; schemas exposed
-- through the Data API (`public` on Supabase) grant EXECUTE to anon/authenticated/service_role
-- with their own per-schema defaults, which this does not touch.
alter default privileges revoke execute on functions from public;
alter default privileges in schema switchboard revoke execute on functions from anon, authenticated;

-- pgmq: the same for every queue function this role may change. With the real extension on
-- Supabase the functions belong to the extension's owner and stay as Supabase configures them
-- (the pgmq schema is not exposed unless pgmq_public is); with the local compat install they
-- belong to `postgres` and lose PUBLIC here. The loop only touches functions this role owns, so
-- the migration never fails on Supabase for lack of privilege.
do $$
declare
  v_fn regprocedure;
begin
  for v_fn in
    select p.oid::regprocedure
    from pg_catalog.pg_proc p
    where p.pronamespace = (select n.oid from pg_catalog.pg_namespace n where n.nspname = 'pgmq')
      and pg_catalog.pg_has_role(p.proowner, 'USAGE')
  loop
    execute pg_catalog.format('grant execute on function %s to postgres', v_fn);
    execute pg_catalog.format('revoke execute on function %s from public, anon, authenticated', v_fn);
  end loop;
  if exists (select 1 from pg_catalog.pg_namespace n where n.nspname = 'pgmq') then
    alter default privileges in schema pgmq revoke execute on functions from anon, authenticated;
  end if;
end
$$;
