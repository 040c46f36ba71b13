-- Test helpers: a `tests` schema with small functions the pgTAP suites under supabase/tests use.
--
-- Local only (never a migration): it exists for the test runner, not for the application.
-- Idempotent.

create schema if not exists tests;

-- A libpq connection string to this same database, for opening a second session with dblink
-- (e.g. to prove that two concurrent readers of a queue get disjoint messages). The test runner
-- sets it with `alter database … set switchboard.peer_dsn = '…'`. Fails with a clear message
-- when it is missing, rather than letting dblink connect somewhere unexpected.
create or replace function tests.peer_dsn()
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_dsn text := pg_catalog.current_setting('switchboard.peer_dsn', true);
begin
  if v_dsn is null or v_dsn = '' then
    raise exception 'switchboard.peer_dsn is not set for this database'
      using hint = 'alter database <db> set switchboard.peer_dsn = ''host=… port=… dbname=<db> user=… password=…''';
  end if;
  return v_dsn;
end;
$$;

comment on function tests.peer_dsn() is
  'libpq connection string to this database for a second (dblink) session in tests; from the switchboard.peer_dsn setting.';

-- Test code only; not for the API roles.
revoke all on function tests.peer_dsn() from public;
