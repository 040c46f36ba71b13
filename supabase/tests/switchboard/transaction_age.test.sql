-- T34: health_report() reports the oldest open transaction and turns unhealthy when one has been
-- open longer than settings.transaction_age_alert (it holds back vacuum on the queue tables).
-- A second session (dblink) holds a transaction open; time is moved forward through p_now.
begin;
select plan(6);

select dblink_connect('t_xact', tests.peer_dsn());
select dblink_exec('t_xact', 'begin');
select * from dblink('t_xact', 'select pg_catalog.txid_current()') as t(x bigint);

select ok((switchboard.transaction_status(clock_timestamp() + interval '10 seconds') ->> 'oldest_age_sec')::numeric >= 10,
  'the age of the other session''s open transaction is reported');
select is((switchboard.transaction_status(clock_timestamp() + interval '10 seconds') -> 'oldest' ->> 'state'),
  'idle in transaction', 'with its state, not its query text');
select is((switchboard.transaction_status(clock_timestamp() + interval '1 minute') ->> 'ok')::boolean, true,
  'a transaction younger than the alert threshold is healthy');
select is((switchboard.transaction_status(clock_timestamp() + interval '6 minutes') ->> 'ok')::boolean, false,
  'one open longer than 5 minutes is unhealthy');
select is((switchboard.health_report(clock_timestamp() + interval '6 minutes') ->> 'ok')::boolean, false,
  'and makes the whole report unhealthy');

select dblink_exec('t_xact', 'rollback');
select dblink_disconnect('t_xact');

select ok(switchboard.health_report() -> 'transactions' ? 'oldest_age_sec',
  'health_report() has the oldest transaction''s age');

select * from finish();
rollback;
