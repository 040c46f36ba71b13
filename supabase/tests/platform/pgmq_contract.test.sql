-- pgmq contract, held to pgmq 1.5.1: the version Supabase ships to new projects (supabase/postgres
-- nix/ext/versions.json lists 1.4.4 and 1.5.1 and the newest is the default_version; see
-- local/sql/pgmq.sql for the evidence). Whichever implementation is installed (the pgmq extension
-- on Supabase, or local/sql/pgmq.sql) must say it is 1.5.1, offer exactly the 1.5.1 API (names,
-- argument names, defaults, overloads, return types) and behave like it: visibility timeouts,
-- delete/archive, pop, purge, metrics, headers, and concurrent readers that never get the same
-- message. The behaviours that changed between 1.4.4 and 1.5.1 are tested explicitly (marked
-- "1.5"): headers, send overloads without defaults, read's conditional, clock_timestamp() in pop
-- and set_vt, TRUNCATE in purge_queue (a concurrent send waits), drop_queue of an unknown queue.
-- Uses only the public API (plus the queue tables pgmq documents, pgmq.q_<queue>/a_<queue>).
begin;
select plan(120);

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

-- The version the suite holds the API to: the extension's extversion when the real extension is
-- installed, else the version marker local/sql/pgmq.sql leaves in the schema comment.
select is(
  coalesce(
    (select e.extversion from pg_catalog.pg_extension e where e.extname = 'pgmq'),
    substring(pg_catalog.obj_description('pgmq'::regnamespace, 'pg_namespace') from '^pgmq ([0-9]+\.[0-9]+\.[0-9]+) API')
  ),
  '1.5.1',
  'the installed pgmq API is pgmq 1.5.1 (what Supabase ships to new projects)');

-- Exactly upstream 1.5.1's 40 functions: nothing 1.4.x had that 1.5 dropped (read without
-- conditional, read_with_poll without it), nothing a later version added (pop(queue, qty), …).
select is(
  array(
    select p.oid::regprocedure::text
    from pg_catalog.pg_proc p
    where p.pronamespace = 'pgmq'::regnamespace
    order by p.oid::regprocedure::text collate "C"
  ),
  array(select f from unnest(array[
    'pgmq._belongs_to_pgmq(text)',
    'pgmq._ensure_pg_partman_installed()',
    'pgmq._extension_exists(text)',
    'pgmq._get_partition_col(text)',
    'pgmq._get_pg_partman_major_version()',
    'pgmq._get_pg_partman_schema()',
    'pgmq.archive(text,bigint)',
    'pgmq.archive(text,bigint[])',
    'pgmq.convert_archive_partitioned(text,text,text,integer)',
    'pgmq."create"(text)',
    'pgmq.create_non_partitioned(text)',
    'pgmq.create_partitioned(text,text,text)',
    'pgmq.create_unlogged(text)',
    'pgmq.delete(text,bigint)',
    'pgmq.delete(text,bigint[])',
    'pgmq.detach_archive(text)',
    'pgmq.drop_queue(text)',
    'pgmq.drop_queue(text,boolean)',
    'pgmq.format_table_name(text,text)',
    'pgmq.list_queues()',
    'pgmq.metrics(text)',
    'pgmq.metrics_all()',
    'pgmq.pop(text)',
    'pgmq.purge_queue(text)',
    'pgmq.read(text,integer,integer,jsonb)',
    'pgmq.read_with_poll(text,integer,integer,integer,integer,jsonb)',
    'pgmq.send(text,jsonb)',
    'pgmq.send(text,jsonb,integer)',
    'pgmq.send(text,jsonb,jsonb)',
    'pgmq.send(text,jsonb,jsonb,integer)',
    'pgmq.send(text,jsonb,jsonb,timestamp with time zone)',
    'pgmq.send(text,jsonb,timestamp with time zone)',
    'pgmq.send_batch(text,jsonb[])',
    'pgmq.send_batch(text,jsonb[],integer)',
    'pgmq.send_batch(text,jsonb[],jsonb[])',
    'pgmq.send_batch(text,jsonb[],jsonb[],integer)',
    'pgmq.send_batch(text,jsonb[],jsonb[],timestamp with time zone)',
    'pgmq.send_batch(text,jsonb[],timestamp with time zone)',
    'pgmq.set_vt(text,bigint,integer)',
    'pgmq.validate_queue_name(text)'
  ]) as t(f) order by f collate "C"),
  'pgmq has exactly the 1.5.1 functions and overloads');

select is(pg_temp.sig('create', 'text'), 'queue_name text -> void', 'pgmq.create(queue_name)');
select is(pg_temp.sig('create_unlogged', 'text'), 'queue_name text -> void', 'pgmq.create_unlogged(queue_name)');
select is(pg_temp.sig('create_partitioned', 'text, text, text'),
  'queue_name text, partition_interval text DEFAULT ''10000''::text, retention_interval text DEFAULT ''100000''::text -> void',
  'pgmq.create_partitioned(queue_name, partition_interval, retention_interval)');
select is(pg_temp.sig('drop_queue', 'text'), 'queue_name text -> boolean', 'pgmq.drop_queue(queue_name)');
select is(pg_temp.sig('drop_queue', 'text, boolean'),
  'queue_name text, partitioned boolean -> boolean', 'pgmq.drop_queue(queue_name, partitioned), no default (1.5)');
select is(pg_temp.sig('list_queues', ''), ' -> SETOF pgmq.queue_record', 'pgmq.list_queues()');
select is(pg_temp.sig('purge_queue', 'text'), 'queue_name text -> bigint', 'pgmq.purge_queue(queue_name)');
select is(pg_temp.sig('detach_archive', 'text'), 'queue_name text -> void', 'pgmq.detach_archive(queue_name)');
select is(pg_temp.sig('send', 'text, jsonb'), 'queue_name text, msg jsonb -> SETOF bigint', 'pgmq.send(queue_name, msg)');
select is(pg_temp.sig('send', 'text, jsonb, integer'),
  'queue_name text, msg jsonb, delay integer -> SETOF bigint', 'pgmq.send(queue_name, msg, delay integer), no default (1.5)');
select is(pg_temp.sig('send', 'text, jsonb, timestamp with time zone'),
  'queue_name text, msg jsonb, delay timestamp with time zone -> SETOF bigint', 'pgmq.send(queue_name, msg, delay timestamptz)');
select is(pg_temp.sig('send', 'text, jsonb, jsonb'),
  'queue_name text, msg jsonb, headers jsonb -> SETOF bigint', 'pgmq.send(queue_name, msg, headers)');
select is(pg_temp.sig('send', 'text, jsonb, jsonb, integer'),
  'queue_name text, msg jsonb, headers jsonb, delay integer -> SETOF bigint', 'pgmq.send(queue_name, msg, headers, delay integer)');
select is(pg_temp.sig('send', 'text, jsonb, jsonb, timestamp with time zone'),
  'queue_name text, msg jsonb, headers jsonb, delay timestamp with time zone -> SETOF bigint',
  'pgmq.send(queue_name, msg, headers, delay timestamptz)');
select is(pg_temp.sig('send_batch', 'text, jsonb[]'), 'queue_name text, msgs jsonb[] -> SETOF bigint', 'pgmq.send_batch(queue_name, msgs)');
select is(pg_temp.sig('send_batch', 'text, jsonb[], integer'),
  'queue_name text, msgs jsonb[], delay integer -> SETOF bigint', 'pgmq.send_batch(queue_name, msgs, delay integer), no default (1.5)');
select is(pg_temp.sig('send_batch', 'text, jsonb[], timestamp with time zone'),
  'queue_name text, msgs jsonb[], delay timestamp with time zone -> SETOF bigint', 'pgmq.send_batch(queue_name, msgs, delay timestamptz)');
select is(pg_temp.sig('send_batch', 'text, jsonb[], jsonb[]'),
  'queue_name text, msgs jsonb[], headers jsonb[] -> SETOF bigint', 'pgmq.send_batch(queue_name, msgs, headers)');
select is(pg_temp.sig('send_batch', 'text, jsonb[], jsonb[], integer'),
  'queue_name text, msgs jsonb[], headers jsonb[], delay integer -> SETOF bigint',
  'pgmq.send_batch(queue_name, msgs, headers, delay integer)');
select is(pg_temp.sig('send_batch', 'text, jsonb[], jsonb[], timestamp with time zone'),
  'queue_name text, msgs jsonb[], headers jsonb[], delay timestamp with time zone -> SETOF bigint',
  'pgmq.send_batch(queue_name, msgs, headers, delay timestamptz)');
select is(pg_temp.sig('read', 'text, integer, integer, jsonb'),
  'queue_name text, vt integer, qty integer, conditional jsonb DEFAULT ''{}''::jsonb -> SETOF pgmq.message_record',
  'pgmq.read(queue_name, vt, qty, conditional default ''{}'') (1.5; 1.4.4 had only the 3-argument read)');
select is(pg_temp.sig('read_with_poll', 'text, integer, integer, integer, integer, jsonb'),
  'queue_name text, vt integer, qty integer, max_poll_seconds integer DEFAULT 5, poll_interval_ms integer DEFAULT 100, conditional jsonb DEFAULT ''{}''::jsonb -> SETOF pgmq.message_record',
  'pgmq.read_with_poll(queue_name, vt, qty, max_poll_seconds, poll_interval_ms, conditional)');
select is(pg_temp.sig('pop', 'text'), 'queue_name text -> SETOF pgmq.message_record', 'pgmq.pop(queue_name)');
select is(pg_temp.sig('set_vt', 'text, bigint, integer'),
  'queue_name text, msg_id bigint, vt integer -> SETOF pgmq.message_record', 'pgmq.set_vt(queue_name, msg_id, vt)');
select is(pg_temp.sig('delete', 'text, bigint'), 'queue_name text, msg_id bigint -> boolean', 'pgmq.delete(queue_name, msg_id)');
select is(pg_temp.sig('delete', 'text, bigint[]'), 'queue_name text, msg_ids bigint[] -> SETOF bigint', 'pgmq.delete(queue_name, msg_ids)');
select is(pg_temp.sig('archive', 'text, bigint'), 'queue_name text, msg_id bigint -> boolean', 'pgmq.archive(queue_name, msg_id)');
select is(pg_temp.sig('archive', 'text, bigint[]'), 'queue_name text, msg_ids bigint[] -> SETOF bigint', 'pgmq.archive(queue_name, msg_ids)');
select is(pg_temp.sig('metrics', 'text'), 'queue_name text -> pgmq.metrics_result', 'pgmq.metrics(queue_name)');
select is(pg_temp.sig('metrics_all', ''), ' -> SETOF pgmq.metrics_result', 'pgmq.metrics_all()');

select is(pg_temp.attrs('pgmq.message_record', 100),
  array['msg_id bigint', 'read_ct integer', 'enqueued_at timestamp with time zone',
        'vt timestamp with time zone', 'message jsonb', 'headers jsonb'],
  'pgmq.message_record is (msg_id, read_ct, enqueued_at, vt, message, headers) (headers: 1.5)');
select is(pg_temp.attrs('pgmq.queue_record', 100),
  array['queue_name character varying', 'is_partitioned boolean', 'is_unlogged boolean',
        'created_at timestamp with time zone'],
  'pgmq.queue_record is (queue_name, is_partitioned, is_unlogged, created_at)');
select is(pg_temp.attrs('pgmq.metrics_result', 100),
  array['queue_name text', 'queue_length bigint', 'newest_msg_age_sec integer', 'oldest_msg_age_sec integer',
        'total_messages bigint', 'scrape_time timestamp with time zone', 'queue_visible_length bigint'],
  'pgmq.metrics_result is (queue_name, queue_length, newest/oldest_msg_age_sec, total_messages, scrape_time, queue_visible_length) (1.5)');

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

-- 1.5: purge_queue TRUNCATEs, so until this transaction ends a concurrent send waits for it
-- (under 1.4.4, which deleted row by row, the peer's send went through). The peer gives up after
-- 300 ms (lock_not_available, 55P03); the purge is then rolled back so the peer can drop the
-- queue.
create function pg_temp.purge_while_peer_sends(p_queue text, out purged bigint, out peer_outcome text)
language plpgsql
volatile
as $$
begin
  perform dblink_exec('pgmq_peer', 'set lock_timeout = ''300ms''');
  begin
    purged := pgmq.purge_queue(p_queue);
    begin
      perform * from dblink('pgmq_peer', format('select * from pgmq.send(%L, ''{"n": 0}''::jsonb)', p_queue)) as t(msg_id bigint);
      peer_outcome := 'sent';
    exception
      when others then
        peer_outcome := sqlstate;
    end;
    raise exception 'undo this session''s purge' using errcode = 'SBX02';
  exception
    when sqlstate 'SBX02' then
      null;
  end;
  perform dblink_exec('pgmq_peer', 'reset lock_timeout');
end
$$;

create temp table t_purge_lock as
select * from pg_temp.purge_while_peer_sends((select queue_name from t_peer));
select is((select purged from t_purge_lock), 10::bigint, 'purge_queue of the peer''s queue counts its 10 messages');
select is((select peer_outcome from t_purge_lock), '55P03',
  'while the purge is uncommitted, the peer''s send waits for its lock (TRUNCATE, 1.5) and times out');

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
  array['msg_id', 'read_ct', 'enqueued_at', 'vt', 'message', 'headers']::name[] <@ array(
    select attname from pg_catalog.pg_attribute
    where attrelid = 'pgmq.q_sb_contract'::regclass and attnum > 0 and not attisdropped),
  'the queue table pgmq.q_<queue> has msg_id, read_ct, enqueued_at, vt, message, headers');
select ok(
  array['msg_id', 'read_ct', 'enqueued_at', 'archived_at', 'vt', 'message', 'headers']::name[] <@ array(
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

-- 1.5: headers, with every send/send_batch overload.
insert into t_ids select 'h1', pgmq.send('sb_contract', '{"n": 5}', '{"trace": "t1"}'::jsonb);
insert into t_ids select 'hb' || row_number() over (), id
from pgmq.send_batch('sb_contract', array['{"n": 6}', '{"n": 7}']::jsonb[], array['{"trace": "t2"}']::jsonb[]) as id;

select isnt((select msg_id from t_ids where label = 'm1'), null, 'send returns the new msg_id');
select is((select count(*) from t_ids where label like 'b%')::int, 3, 'send_batch returns one msg_id per message');
select ok(
  (select min(msg_id) from t_ids where label like 'b%') > (select msg_id from t_ids where label = 'm1'),
  'msg_ids increase');

create temp table t_read1 as select * from pgmq.read('sb_contract', 30, 10);
select is(
  (select headers from t_read1 where msg_id = (select msg_id from t_ids where label = 'h1')),
  '{"trace": "t1"}'::jsonb,
  'send(queue, msg, headers) stores the headers and read returns them (1.5)');
select is(
  array(select r.headers from t_read1 r join t_ids i on i.msg_id = r.msg_id where i.label like 'hb%' order by r.msg_id),
  array['{"trace": "t2"}'::jsonb, null],
  'send_batch pairs headers with messages by position; missing ones are null (1.5)');
select is((select headers from t_read1 where msg_id = (select msg_id from t_ids where label = 'm1')), null::jsonb,
  'a message sent without headers has null headers');
-- The rest of this file counts the plain messages only.
select is((select count(*) from pgmq.delete('sb_contract', array(select msg_id from t_ids where label like 'h%'))), 3::bigint,
  'the messages with headers are deleted');
delete from t_read1 where msg_id in (select msg_id from t_ids where label like 'h%');
delete from t_ids where label like 'h%';
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
select ok((select vt > now() from t_vt), 'set_vt measures from clock_timestamp(), not the transaction start (1.5)');
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
insert into t_ids select 'ah', pgmq.send('sb_contract', '{"n": 8}', '{"trace": "t3"}'::jsonb);
select ok(pgmq.archive('sb_contract', (select msg_id from t_ids where label = 'ah')), 'archive a message with headers');
select is((select headers from pgmq.a_sb_contract where msg_id = (select msg_id from t_ids where label = 'ah')),
  '{"trace": "t3"}'::jsonb, 'the archive keeps its headers (1.5)');
delete from t_ids where label = 'ah';

------------------------------------------------------------------------------------------------
-- Delay, conditional read, read_with_poll, pop
------------------------------------------------------------------------------------------------

insert into t_ids select 'd1', pgmq.send('sb_contract', '{"kind": "delayed"}', 60);
select is((select count(*) from pgmq.read('sb_contract', 30, 10))::int, 0, 'a delayed message is not visible yet');
insert into t_ids select 'd2', pgmq.send('sb_contract', '{"kind": "delayed"}', clock_timestamp() + interval '1 hour');
select is((select count(*) from pgmq.read('sb_contract', 30, 10))::int, 0,
  'send(queue, msg, delay timestamptz) hides the message until then (1.5)');
select ok(pgmq.delete('sb_contract', (select msg_id from t_ids where label = 'd2')), 'the timestamp-delayed message is deleted');
delete from t_ids where label = 'd2';

insert into t_ids select 'c1', pgmq.send('sb_contract', '{"kind": "a"}');
insert into t_ids select 'c2', pgmq.send('sb_contract', '{"kind": "b"}');
select is(
  array(select msg_id from pgmq.read('sb_contract', 30, 10, '{"kind": "b"}')),
  array[(select msg_id from t_ids where label = 'c2')],
  'read with conditional returns only matching messages (1.5)');

select is(
  array(select msg_id from pgmq.read_with_poll('sb_contract', 30, 10, 2, 10)),
  array[(select msg_id from t_ids where label = 'c1')],
  'read_with_poll returns visible messages');
select is((select count(*) from pgmq.read_with_poll('sb_contract', 30, 10, 1, 100))::int, 0,
  'read_with_poll returns nothing once max_poll_seconds pass with nothing visible');

-- 1.5: pop compares vt with clock_timestamp(), so a message sent in this transaction is poppable
-- at once (1.4.4 compared with now(), the transaction start, and returned nothing).
insert into t_ids select 'p1', pgmq.send('sb_contract', '{"kind": "pop"}');
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
select is((select queue_visible_length from t_metrics), 0::bigint,
  'metrics queue_visible_length counts only visible messages (1.5)');
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
select ok(pgmq.drop_queue('sb_contract_never_created'), 'drop_queue of an unknown queue returns true (1.5)');
select ok(pgmq.drop_queue('sb_contract_unlogged', false),
  'the deprecated drop_queue(queue, partitioned) still drops a queue (1.5 warns)');
select is(to_regclass('pgmq.q_sb_contract_unlogged'), null::regclass, 'and its table is gone');

select * from finish();
rollback;
