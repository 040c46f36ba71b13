-- pg_net contract: whichever implementation is installed (the extension on Supabase, or
-- local/sql/pg_net.sql with the local dispatcher) must queue requests, send them only after
-- commit, and record each response in net._http_response.
-- Needs a reachable target: the functions URL from Vault (the `health` function answers a
-- POST with 405, which is a response like any other).
begin;
select plan(9);

create extension if not exists dblink with schema extensions;

select has_function('net', 'http_post', array['text', 'jsonb', 'jsonb', 'jsonb', 'integer'],
  'net.http_post(url, body, params, headers, timeout_milliseconds) exists');
select has_function('net', 'http_get', array['text', 'jsonb', 'jsonb', 'integer'],
  'net.http_get(url, params, headers, timeout_milliseconds) exists');
select function_returns('net', 'http_post', array['text', 'jsonb', 'jsonb', 'jsonb', 'integer'],
  'bigint', 'net.http_post returns the request id');
select throws_ok(
  $$select net.http_post('http://127.0.0.1:9/', '{}'::jsonb, '{}'::jsonb, '{"Content-Type": "text/plain"}'::jsonb)$$,
  'Content-Type header must be "application/json"',
  'a non-JSON content type is refused');

create function pg_temp.wait_for_response(p_id bigint, p_seconds numeric)
returns boolean
language plpgsql
volatile
as $$
declare
  v_deadline timestamptz := clock_timestamp() + make_interval(secs => p_seconds);
begin
  -- Each loop iteration's query takes a fresh snapshot, so the dispatcher's commit shows up.
  while clock_timestamp() < v_deadline loop
    if exists (select 1 from net._http_response where id = p_id) then
      return true;
    end if;
    perform pg_sleep(0.02);
  end loop;
  return false;
end
$$;

create temp table t_requests (kind text primary key, id bigint);

select dblink_connect('peer', tests.peer_dsn());

-- A request queued in a transaction that rolls back.
select dblink_exec('peer', 'begin');
insert into t_requests
select 'rolled_back', id
from dblink('peer', format(
  $q$select net.http_post(url := %L, body := '{"case": "rolled back"}'::jsonb)$q$,
  switchboard.read_secret('switchboard_functions_url') || '/functions/v1/health'
)) as t(id bigint);
select dblink_exec('peer', 'rollback');

-- The same request, committed (dblink runs it in its own autocommitted transaction).
insert into t_requests
select 'committed', id
from dblink('peer', format(
  $q$select net.http_post(url := %L, body := '{"case": "committed"}'::jsonb, timeout_milliseconds := 10000)$q$,
  switchboard.read_secret('switchboard_functions_url') || '/functions/v1/health'
)) as t(id bigint);

select ok(pg_temp.wait_for_response((select id from t_requests where kind = 'committed'), 20),
  'a committed request is delivered and its response recorded');
select is(
  (select status_code from net._http_response where id = (select id from t_requests where kind = 'committed')),
  405,
  'the recorded response carries the status the function answered');
select ok(
  (select content from net._http_response where id = (select id from t_requests where kind = 'committed')) like '%method_not_allowed%',
  'the recorded response carries the body the function answered');
-- Requests leave in id order, so once the later, committed one has been answered, the earlier
-- rolled-back one would have been too, had it been visible to the sender.
select is(
  (select count(*) from net._http_response where id = (select id from t_requests where kind = 'rolled_back'))::int,
  0,
  'a request from a rolled-back transaction is never sent');
select is(
  (select count(*) from net.http_request_queue where id = (select id from t_requests where kind = 'rolled_back'))::int,
  0,
  'nor is it left queued');

select dblink_disconnect('peer');
select * from finish();
rollback;
