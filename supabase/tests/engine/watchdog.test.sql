-- The watchdog (T19): items whose lease expired go back to their stage (their message made
-- visible), valid leases are left alone, overlapping runs are idempotent, lost messages are
-- re-sent, exhausted items give up, dead workers' slots are freed.
begin;
select plan(10);
select tests.create_engine_fixture();
insert into tests.subjects (label) select 'n' || g from generate_series(1, 2) g;
select switchboard.acquire_worker_slot('test_a', 'w1', now());
create temp table t_claims as select * from switchboard.claim('test_a', 'w1', 1, now());
select switchboard.acquire_worker_slot('test_a', 'w2', now() + interval '50 seconds');
create temp table t_claims2 as select * from switchboard.claim('test_a', 'w2', 1, now() + interval '50 seconds');

select is(switchboard.watchdog(now() + interval '30 seconds') ->> 'reaped', '0', 'valid leases are not touched');

-- 70 s: w1's lease (60 s) expired, w2's (from 50 s) did not
select is(switchboard.watchdog(now() + interval '70 seconds') ->> 'reaped', '1', 'an expired lease is reaped');
select is((select status || '/' || coalesce(token::text, '-') from switchboard.work_items where id = (select item_id from t_claims)),
  'pending/-', 'its item is pending again without a token');
select is((select status from switchboard.work_items where id = (select item_id from t_claims2)), 'running',
  'the other worker keeps its item');
select is((select count(*)::int from pgmq.q_test_a_jobs where msg_id = (select msg_id from t_claims) and vt <= clock_timestamp()),
  1, 'the reaped item''s message is visible again');
select is(switchboard.watchdog(now() + interval '70 seconds') ->> 'reaped', '0', 'a second run finds nothing more');
select ok(not switchboard.complete((select token from t_claims), null, now() + interval '71 seconds'),
  'the reaped worker can no longer complete');

-- A lost message: the pending item's message is deleted by hand. And w2 died: its lease and
-- its slot expire, and with its attempts used up (max 1 now) its item gives up.
select pgmq.delete('test_a_jobs', (select msg_id from t_claims));
update switchboard.stages set max_attempts = 1 where name = 'test_a';
create temp table t_run as select switchboard.watchdog(now() + interval '3 minutes') as r;
select is((select r ->> 'resent' from t_run), '1', 'a pending item without its message gets a new one');
select is((select count(*)::int from pgmq.q_test_a_jobs q join switchboard.work_items w on w.msg_id = q.msg_id
  where w.id = (select item_id from t_claims)), 1, 'and the item points at it');
select is((select status from switchboard.work_items where id = (select item_id from t_claims2)) || '/' ||
  (select count(*) from switchboard.worker_slots where stage = 'test_a' and worker_id is not null),
  'failed/0', 'an expired item without attempts left is dead-lettered, and dead workers'' slots are freed');

select * from finish();
rollback;
