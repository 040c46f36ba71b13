-- pgmq contract: whichever implementation is installed (the pgmq extension on Supabase, pinned
-- to 1.4.4, or local/sql/pgmq.sql) must offer the 1.4.4 API (names, argument names, defaults,
-- return types) and behave like it: visibility timeouts, delete/archive, pop, purge, metrics,
-- and concurrent readers that never get the same message.
-- Uses only the public API (plus the queue tables pgmq documents, pgmq.q_<queue>/a_<queue>).
begin;
select plan(94);

create extension if not exists dblink with schema extensions;

-- Deterministic type names in pg_get_function_result (pgmq is not on the path).
set local search_path = public, extensions;

------------------------------------------------------------------------------------------------
-- API shape
------------------------------------------------------------------------------------------------

-- "<arguments with names and defaults> -> <result>" of pgmq.<fn>(<arg types>), or null.
create function pg_temp.sig(p_name text, p_argtypes text)
returns text
language sql
stable
as $$
  select pg_catalog.pg_get_function_arguments(p.oid) || ' -> ' || pg_catalog.pg_get_function_result(p.oid)
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'pgmq' and p.proname = p_name and pg_catalog.oidvectortypes(p.proargtypes) = p_argtypes
$$;

-- The first n attributes of a composite type, as "name type".
create function pg_temp.attrs(p_type regtype, p_n int)
returns text[]
language sql
stable
as $$
  select array(
    select a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod)
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_type t on t.typrelid = a.attrelid
    where t.oid = p_type and a.attnum between 1 and p_n and not a.attisdropped
    order by a.attnum
  )
$$;

select is(pg_temp.sig('create', 'text'), 'queue_name text -> void', 'pgmq.create(queue_name)');
select is(pg_temp.sig('create_unlogged', 'text'), 'queue_name text -> void', 'pgmq.create_unlogged(queue_name)');
select is(pg_temp.sig('create_partitioned', 'text, text, text'),
  'queue_name text, partition_interval text DEFAULT ''10000''::text, retention_interval text DEFAULT ''100000''::text -> void',
  'pgmq.create_partitioned(queue_name, partition_interval, retention_interval)');
select is(pg_temp.sig('drop_queue', 'text, boolean'),
  'queue_name text, partitioned boolean DEFAULT false -> boolean', 'pgmq.drop_queue(queue_name, partitioned)');
select is(pg_temp.sig('list_queues', ''), ' -> SETOF pgmq.queue_record', 'pgmq.list_queues()');
select is(pg_temp.sig('purge_queue', 'text'), 'queue_name text -> bigint', 'pgmq.purge_queue(queue_name)');
select is(pg_temp.sig('detach_archive', 'text'), 'queue_name text -> void', 'pgmq.detach_archive(queue_name)');
select is(pg_temp.sig('send', 'text, jsonb, integer'),
  'queue_name text, msg jsonb, delay integer DEFAULT 0 -> SETOF bigint', 'pgmq.send(queue_name, msg, delay)');
select is(pg_temp.sig('send_batch', 'text, jsonb[], integer'),
  'queue_name text, msgs jsonb[], delay integer DEFAULT 0 -> SETOF bigint', 'pgmq.send_batch(queue_name, msgs, delay)');
select is(pg_temp.sig('read', 'text, integer, integer'),
  'queue_name text, vt integer, qty integer -> SETOF pgmq.message_record', 'pgmq.read(queue_name, vt, qty)');
select is(pg_temp.sig('read', 'text, integer, integer, jsonb'),
  'queue_name text, vt integer, qty integer, conditions jsonb -> SETOF pgmq.message_record',
  'pgmq.read(queue_name, vt, qty, conditions)');
select is(pg_temp.sig('read_with_poll', 'text, integer, integer, integer, integer'),
  'queue_name text, vt integer, qty integer, max_poll_seconds integer DEFAULT 5, poll_interval_ms integer DEFAULT 100 -> SETOF pgmq.message_record',
  'pgmq.read_with_poll(queue_name, vt, qty, max_poll_seconds, poll_interval_ms)');
select is(pg_temp.sig('pop', 'text'), 'queue_name text -> SETOF pgmq.message_record', 'pgmq.pop(queue_name)');
select is(pg_temp.sig('set_vt', 'text, bigint, integer'),
  'queue_name text, msg_id bigint, vt integer -> SETOF pgmq.message_record', 'pgmq.set_vt(queue_name, msg_id, vt)');
select is(pg_temp.sig('delete', 'text, bigint'), 'queue_name text, msg_id bigint -> boolean', 'pgmq.delete(queue_name, msg_id)');
select is(pg_temp.sig('delete', 'text, bigint[]'), 'queue_name text, msg_ids bigint[] -> SETOF bigint', 'pgmq.delete(queue_name, msg_ids)');
select is(pg_temp.sig('archive', 'text, bigint'), 'queue_name text, msg_id bigint -> boolean', 'pgmq.archive(queue_name, msg_id)');
select is(pg_temp.sig('archive', 'text, bigint[]'), 'queue_name text, msg_ids bigint[] -> SETOF bigint', 'pgmq.archive(queue_name, msg_ids)');
select is(pg_temp.sig('metrics', 'text'), 'queue_name text -> pgmq.metrics_result', 'pgmq.metrics(queue_name)');
select is(pg_temp.sig('metrics_all', ''), ' -> SETOF pgmq.metrics_result', 'pgmq.metrics_all()');

select is(pg_temp.attrs('pgmq.message_record', 5),
  array['msg_id bigint', 'read_ct integer', 'enqueued_at timestamp with time zone',
        'vt timestamp with time zone', 'message jsonb'],
  'pgmq.message_record is (msg_id, read_ct, enqueued_at, vt, message)');
select is(pg_temp.attrs('pgmq.queue_record', 4),
  array['queue_name character varying', 'is_partitioned boolean', 'is_unlogged boolean',
        'created_at timestamp with time zone'],
  'pgmq.queue_record is (queue_name, is_partitioned, is_unlogged, created_at)');
select is(pg_temp.attrs('pgmq.metrics_result', 6),
  array['queue_name text', 'queue_length bigint', 'newest_msg_age_sec integer', 'oldest_msg_age_sec integer',
        'total_messages bigint', 'scrape_time timestamp with time zone'],
  'pgmq.metrics_result is (queue_name, queue_length, newest/oldest_msg_age_sec, total_messages, scrape_time)');

------------------------------------------------------------------------------------------------
-- Two concurrent readers get disjoint messages.
-- Runs first, before this transaction creates or drops any queue: on the real extension those
-- take a lock on the extension itself (ALTER EXTENSION … ADD/DROP TABLE), which the peer's
-- create/drop would then wait for while this session waits for the peer.
------------------------------------------------------------------------------------------------

create temp table t_peer as select 'sb_contract_peer_' || pg_catalog.pg_backend_pid() as queue_name;

-- lock_timeout: a regression that makes the peer wait on this session's locks should fail the
-- suite, not hang it.
select is(dblink_connect('pgmq_peer', tests.peer_dsn() || ' options=''-c lock_timeout=10s'''), 'OK',
  'a second session connects to this database');

-- Peer queues left behind by an interrupted run (their session is gone) are dropped first.
select lives_ok(
  format('select * from dblink(''pgmq_peer'', %L) as t(dropped bigint)', $q$
    select count(pgmq.drop_queue(m.queue_name))
    from pgmq.meta m
    where m.queue_name ~ '^sb_contract_peer_[0-9]+$'
      and substr(m.queue_name, 18)::int not in (select a.pid from pg_catalog.pg_stat_activity a)
  $q$),
  'stale peer queues from interrupted runs are dropped');

select lives_ok(
  format('select * from dblink(''pgmq_peer'', %L) as t(created text)',
    format('select pgmq.create(%L)::text', (select queue_name from t_peer))),
  'the peer creates a queue and commits it');

-- Sent and committed by the peer, so both sessions see them.
create temp table t_peer_sent as
select s.msg_id
from dblink('pgmq_peer', format(
  $q$select * from pgmq.send_batch(%L, array['{"n":1}','{"n":2}','{"n":3}','{"n":4}','{"n":5}','{"n":6}','{"n":7}','{"n":8}','{"n":9}','{"n":10}']::jsonb[])$q$,
  (select queue_name from t_peer)
)) as s(msg_id bigint);

-- This session reads 5 (its rows stay locked); while it holds them the peer reads up to 10.
-- The inner block is then rolled back (a subtransaction), which releases this session's row
-- and table locks so the peer can drop the queue; plpgsql variables survive the rollback.
create function pg_temp.concurrent_reads(p_queue text, out main_ids bigint[], out peer_ids bigint[])
language plpgsql
volatile
as $$
begin
  begin
    select coalesce(array_agg(r.msg_id order by r.msg_id), '{}')
    into main_ids
    from pgmq.read(p_queue, 30, 5) r;

    select coalesce(array_agg(p.msg_id order by p.msg_id), '{}')
    into peer_ids
    from dblink('pgmq_peer', format('select msg_id from pgmq.read(%L, 30, 10)', p_queue)) as p(msg_id bigint);

    raise exception 'undo this session''s read' using errcode = 'SBX01';
  exception
    when sqlstate 'SBX01' then
      null;
  end;
end
$$;

create temp table t_concurrent as
select * from pg_temp.concurrent_reads((select queue_name from t_peer));

select is((select count(*) from t_peer_sent)::int, 10, 'the peer sent 10 committed messages');
select is((select cardinality(main_ids) from t_concurrent), 5, 'this session read 5 messages');
select is((select cardinality(peer_ids) from t_concurrent), 5,
  'the peer, reading while those 5 were locked, got only the other 5');
select ok((select not (main_ids && peer_ids) from t_concurrent), 'the two readers got disjoint messages');
select is(
  (select array(select unnest(main_ids || peer_ids) order by 1) from t_concurrent),
  (select array(select msg_id from t_peer_sent order by 1)),
  'together the two readers got every message');

select ok(
  (select dropped from dblink('pgmq_peer', format('select pgmq.drop_queue(%L)', (select queue_name from t_peer)))
     as t(dropped boolean)),
  'the peer drops its committed queue');
select is(dblink_disconnect('pgmq_peer'), 'OK', 'the second session disconnects');
select ok(
  not exists (select 1 from pgmq.list_queues() q where q.queue_name = (select queue_name from t_peer)),
  'the dropped queue is gone from list_queues');

------------------------------------------------------------------------------------------------
-- Create
------------------------------------------------------------------------------------------------

select lives_ok($$select pgmq.create('sb_contract')$$, 'create makes a queue');
select lives_ok($$select pgmq.create('sb_contract')$$, 'create is idempotent');
select is((select count(*) from pgmq.list_queues() q where q.queue_name = 'sb_contract')::int, 1,
  'a queue created twice is listed once');
select ok(
  array['msg_id', 'read_ct', 'enqueued_at', 'vt', 'message']::name[] <@ array(
    select attname from pg_catalog.pg_attribute
    where attrelid = 'pgmq.q_sb_contract'::regclass and attnum > 0 and not attisdropped),
  'the queue table pgmq.q_<queue> has msg_id, read_ct, enqueued_at, vt, message');
select ok(
  array['msg_id', 'read_ct', 'enqueued_at', 'archived_at', 'vt', 'message']::name[] <@ array(
    select attname from pg_catalog.pg_attribute
    where attrelid = 'pgmq.a_sb_contract'::regclass and attnum > 0 and not attisdropped),
  'the archive table pgmq.a_<queue> has the message columns and archived_at');
select ok(
  (select l.is_partitioned = false and l.is_unlogged = false from pgmq.list_queues() l where l.queue_name = 'sb_contract'),
  'list_queues reports a plain queue as neither partitioned nor unlogged');
select throws_ok($$select pgmq.create('bad;name')$$, 'P0001', null, 'a queue name with ; is refused');
select throws_ok($$select pgmq.create('it''s')$$, 'P0001', null, 'a queue name with a quote is refused');
select throws_ok(format('select pgmq.create(%L)', repeat('x', 48)), 'P0001', null, 'a 48-character queue name is refused');
select lives_ok(format('select pgmq.create(%L)', repeat('x', 47)), 'a 47-character queue name is accepted');

------------------------------------------------------------------------------------------------
-- Send, read, visibility timeout
------------------------------------------------------------------------------------------------

create temp table t_ids (label text primary key, msg_id bigint);

insert into t_ids select 'm1', pgmq.send('sb_contract', '{"n": 1}');
insert into t_ids select 'b' || row_number() over (), id
from pgmq.send_batch('sb_contract', array['{"n": 2}', '{"n": 3}', '{"n": 4}']::jsonb[]) as id;

select isnt((select msg_id from t_ids where label = 'm1'), null, 'send returns the new msg_id');
select is((select count(*) from t_ids where label like 'b%')::int, 3, 'send_batch returns one msg_id per message');
select ok(
  (select min(msg_id) from t_ids where label like 'b%') > (select msg_id from t_ids where label = 'm1'),
  'msg_ids increase');

create temp table t_read1 as select * from pgmq.read('sb_contract', 30, 10);
select is(
  (select array_agg(msg_id order by msg_id) from t_read1),
  (select array_agg(msg_id order by msg_id) from t_ids),
  'read returns every visible message');
select ok((select bool_and(read_ct = 1) from t_read1), 'a first read has read_ct 1');
select is(
  (select message from t_read1 where msg_id = (select msg_id from t_ids where label = 'm1')),
  '{"n": 1}'::jsonb,
  'read returns the message body');
select ok(
  (select bool_and(vt > clock_timestamp() + interval '20 seconds') from t_read1),
  'read sets vt to about now + the visibility timeout');
select is((select count(*) from pgmq.read('sb_contract', 30, 10))::int, 0,
  'messages being read are hidden until their visibility timeout passes');

create temp table t_vt as
select * from pgmq.set_vt('sb_contract', (select msg_id from t_ids where label = 'm1'), 0);
select is((select msg_id from t_vt), (select msg_id from t_ids where label = 'm1'), 'set_vt returns the message');
select ok((select vt <= clock_timestamp() from t_vt), 'set_vt(…, 0) makes it visible now');
select is((select count(*) from pgmq.set_vt('sb_contract', -1, 0))::int, 0, 'set_vt on an unknown msg_id returns nothing');

create temp table t_read2 as select * from pgmq.read(queue_name => 'sb_contract', vt => 30, qty => 10);
select is((select msg_id from t_read2), (select msg_id from t_ids where label = 'm1'),
  'after set_vt(…, 0) the message is read again (named arguments work)');
select is((select read_ct from t_read2), 2, 'and its read_ct is 2');

------------------------------------------------------------------------------------------------
-- Delete and archive
------------------------------------------------------------------------------------------------

select ok(pgmq.delete('sb_contract', (select msg_id from t_ids where label = 'm1')), 'delete(msg_id) returns true');
select ok(not pgmq.delete('sb_contract', (select msg_id from t_ids where label = 'm1')),
  'delete(msg_id) of a deleted message returns false');
select is(
  array(select pgmq.delete('sb_contract', array[(select msg_id from t_ids where label = 'b1'), -1])),
  array[(select msg_id from t_ids where label = 'b1')],
  'delete(msg_ids) returns the ids it deleted');

select ok(pgmq.archive('sb_contract', (select msg_id from t_ids where label = 'b2')), 'archive(msg_id) returns true');
select ok(not pgmq.archive('sb_contract', -1::bigint), 'archive(msg_id) of an unknown message returns false');
select is(
  array(select pgmq.archive('sb_contract', array[(select msg_id from t_ids where label = 'b3'), -1])),
  array[(select msg_id from t_ids where label = 'b3')],
  'archive(msg_ids) returns the ids it archived');
select is(
  array(select msg_id from pgmq.a_sb_contract order by msg_id),
  array(select msg_id from t_ids where label in ('b2', 'b3') order by msg_id),
  'archived messages are in pgmq.a_<queue>');
select ok(
  (select bool_and(archived_at is not null and read_ct = 1 and message is not null) from pgmq.a_sb_contract),
  'archived rows keep read_ct and message and get archived_at');
select is((select count(*) from pgmq.q_sb_contract)::int, 0, 'deleted and archived messages left the queue');

------------------------------------------------------------------------------------------------
-- Delay, conditional read, read_with_poll, pop
------------------------------------------------------------------------------------------------

insert into t_ids select 'd1', pgmq.send('sb_contract', '{"kind": "delayed"}', 60);
select is((select count(*) from pgmq.read('sb_contract', 30, 10))::int, 0, 'a delayed message is not visible yet');

insert into t_ids select 'c1', pgmq.send('sb_contract', '{"kind": "a"}');
insert into t_ids select 'c2', pgmq.send('sb_contract', '{"kind": "b"}');
select is(
  array(select msg_id from pgmq.read('sb_contract', 30, 10, '{"kind": "b"}')),
  array[(select msg_id from t_ids where label = 'c2')],
  'read with conditions returns only matching messages');

select is(
  array(select msg_id from pgmq.read_with_poll('sb_contract', 30, 10, 2, 10)),
  array[(select msg_id from t_ids where label = 'c1')],
  'read_with_poll returns visible messages');
select is((select count(*) from pgmq.read_with_poll('sb_contract', 30, 10, 1, 100))::int, 0,
  'read_with_poll returns nothing once max_poll_seconds pass with nothing visible');

-- pop takes messages whose vt <= now() (transaction start); set_vt(…, 0) sets vt to now().
insert into t_ids select 'p1', pgmq.send('sb_contract', '{"kind": "pop"}');
select is((select count(*) from pgmq.set_vt('sb_contract', (select msg_id from t_ids where label = 'p1'), 0))::int, 1,
  'set_vt(…, 0) on a fresh message');
create temp table t_pop as select * from pgmq.pop('sb_contract');
select is((select msg_id from t_pop), (select msg_id from t_ids where label = 'p1'), 'pop returns the visible message');
select is((select message from t_pop), '{"kind": "pop"}'::jsonb, 'pop returns its body');
select is((select count(*) from pgmq.q_sb_contract where msg_id = (select msg_id from t_ids where label = 'p1'))::int, 0,
  'pop deletes the message');
select is((select count(*) from pgmq.pop('sb_contract'))::int, 0, 'pop returns nothing when nothing is visible');

------------------------------------------------------------------------------------------------
-- Metrics, purge
------------------------------------------------------------------------------------------------

-- Left in the queue: d1 (delayed), c1 and c2 (being read).
create temp table t_metrics as select * from pgmq.metrics('sb_contract');
select is((select queue_name from t_metrics), 'sb_contract', 'metrics names the queue');
select is((select queue_length from t_metrics), 3::bigint, 'metrics counts every message in the queue, visible or not');
select is((select total_messages from t_metrics), (select max(msg_id) from t_ids),
  'metrics total_messages counts every message ever sent');
select is((select newest_msg_age_sec from t_metrics), 0, 'metrics newest_msg_age_sec (all sent in this transaction)');
select is((select oldest_msg_age_sec from t_metrics), 0, 'metrics oldest_msg_age_sec (all sent in this transaction)');
select is((select scrape_time from t_metrics), now(), 'metrics scrape_time is now()');
select is(
  (select m.queue_length from pgmq.metrics_all() m where m.queue_name = 'sb_contract'),
  3::bigint,
  'metrics_all includes the queue');
select is(
  (select count(*) from pgmq.metrics_all())::int,
  (select count(*) from pgmq.list_queues())::int,
  'metrics_all has one row per queue');

select is(pgmq.purge_queue('sb_contract'), 3::bigint, 'purge_queue returns how many messages it deleted');
select is((select queue_length from pgmq.metrics('sb_contract')), 0::bigint, 'a purged queue is empty');
select is((select total_messages from pgmq.metrics('sb_contract')), (select max(msg_id) from t_ids),
  'purging does not reset total_messages');
select is((select newest_msg_age_sec from pgmq.metrics('sb_contract')), null::int, 'an empty queue has no message age');

------------------------------------------------------------------------------------------------
-- Unlogged queues, drop
------------------------------------------------------------------------------------------------

select lives_ok($$select pgmq.create_unlogged('sb_contract_unlogged')$$, 'create_unlogged makes a queue');
select ok(
  (select l.is_unlogged from pgmq.list_queues() l where l.queue_name = 'sb_contract_unlogged'),
  'list_queues reports it as unlogged');
select is(
  (select relpersistence from pg_catalog.pg_class where oid = 'pgmq.q_sb_contract_unlogged'::regclass),
  'u'::"char",
  'its queue table is unlogged');

select ok(pgmq.drop_queue('sb_contract'), 'drop_queue returns true');
select ok(
  not exists (select 1 from pgmq.list_queues() l where l.queue_name = 'sb_contract'),
  'a dropped queue is gone from list_queues');
select is(to_regclass('pgmq.q_sb_contract'), null::regclass, 'drop_queue drops the queue table');
select is(to_regclass('pgmq.a_sb_contract'), null::regclass, 'drop_queue drops the archive table');

select * from finish();
rollback;
