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

-- A two-stage pipeline over a throwaway subject table, for the stage engine's suites:
-- tests.subjects rows start in test_a, which hands them to test_b, which ends the pipeline.
-- Call it inside the test's transaction (everything it creates rolls back with it). The stages
-- retry with base 10 s, cap 60 s, horizon 1 hour, 5 attempts, 2 workers, so suites can reach
-- each limit in a few steps.
create or replace function tests.create_engine_fixture()
returns void
language plpgsql
set search_path = ''
as $$
begin
  create table tests.subjects (
    id bigint generated always as identity primary key,
    label text,
    pipeline_status text
  );
  insert into switchboard.subject_kinds (kind, table_name, status_column)
  values ('test_subject', 'tests.subjects', 'pipeline_status');
  perform switchboard.register_stage('test_b', 'test-b', 'test_subject', null, 'test_b_pending');
  perform switchboard.register_stage('test_a', 'test-a', 'test_subject', 'test_b', 'test_a_pending');
  update switchboard.stages s
  set retry_base_seconds = 10, retry_cap_seconds = 60, retry_horizon = interval '1 hour',
      max_attempts = 5, max_workers = 2, visibility_timeout_seconds = 60, slot_hold_seconds = 60,
      batch_size = 10
  where s.name in ('test_a', 'test_b');
  create trigger tg_subjects__start_work
  after insert on tests.subjects
  for each row execute function switchboard.tg_start_work('test_subject', 'test_a');
end;
$$;
revoke all on function tests.create_engine_fixture() from public;

-- Makes every message of a queue visible now, as if its visibility timeout had passed
-- (pgmq's timeouts run on the database clock, which a test cannot move).
create or replace function tests.expire_visibility(p_queue text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  execute pg_catalog.format('update pgmq.%I set vt = pg_catalog.clock_timestamp() - interval ''1 second''', 'q_' || p_queue);
end;
$$;
revoke all on function tests.expire_visibility(text) from public;
