-- T34: the roles our code runs as have statement and idle-in-transaction timeouts, and queue
-- tables (including ones created later) and hot switchboard tables have their own autovacuum
-- settings.
begin;
select plan(7);

create temp view t_role_settings as
  select r.rolname::text as role_name, c as setting
  from pg_roles r, unnest(r.rolconfig) c;

select ok(exists (select 1 from t_role_settings where role_name = 'postgres' and setting = 'statement_timeout=2min'),
  'postgres (edge functions, pg_cron, migrations) has a 2 minute statement_timeout');
select ok(exists (select 1 from t_role_settings where role_name = 'postgres' and setting = 'idle_in_transaction_session_timeout=1min'),
  'postgres has a 1 minute idle_in_transaction_session_timeout');
select ok(exists (select 1 from t_role_settings where role_name = 'service_role' and setting = 'idle_in_transaction_session_timeout=1min'),
  'so has service_role');

select is(
  (select array_agg(c.oid::regclass::text order by c.oid::regclass::text)
   from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'pgmq' and c.relname like 'q\_%' and c.relkind = 'r'
     and not coalesce(c.reloptions, '{}') @> switchboard.autovacuum_options('queue')),
  null,
  'every queue table has queue autovacuum settings');

select ok((select reloptions @> switchboard.autovacuum_options('hot') from pg_class where oid = 'switchboard.stages'::regclass),
  'the stages table (rewritten on every wake-up) is tuned as hot');

-- A queue created after the migrations is tuned by the next retention pass.
select pgmq.create('t_tuned_later');
select switchboard.run_retention(now());
select ok((select reloptions @> switchboard.autovacuum_options('queue') from pg_class where oid = 'pgmq.q_t_tuned_later'::regclass),
  'a queue created later gets the queue settings on the next retention pass');
select ok((select reloptions @> switchboard.autovacuum_options('archive') from pg_class where oid = 'pgmq.a_t_tuned_later'::regclass),
  'and its archive the archive settings');

select * from finish();
rollback;
