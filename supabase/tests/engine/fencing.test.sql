-- Fencing (T17/T18): a worker whose lease ran out and whose item was claimed again cannot
-- complete or fail it with its old token; only the current claim's token counts.
begin;
select plan(7);
select tests.create_engine_fixture();
insert into tests.subjects (label) values ('one');
select switchboard.acquire_worker_slot('test_a', 'w1', now());
select switchboard.acquire_worker_slot('test_a', 'w2', now());

create temp table t_first as select * from switchboard.claim('test_a', 'w1', 10, now());
select is((select count(*)::int from switchboard.claim('test_a', 'w2', 10, now())), 0,
  'while the lease lasts, nobody else gets the item');

-- The lease (60 s) runs out and the message becomes visible again; w2 renews its slot.
select tests.expire_visibility('test_a_jobs');
select switchboard.acquire_worker_slot('test_a', 'w2', now() + interval '2 minutes');
create temp table t_second as select * from switchboard.claim('test_a', 'w2', 10, now() + interval '2 minutes');
select is((select count(*)::int from t_second), 1, 'after the lease expires another worker claims it');
select ok((select token from t_second) > (select token from t_first), 'with a newer fencing token');
select is((select outcome from switchboard.stage_attempts where id = (select token from t_first)), 'lease_expired',
  'the first attempt is recorded as expired');

select ok(not switchboard.complete((select token from t_first), null, now() + interval '3 minutes'),
  'the late worker''s completion is refused');
select is(switchboard.fail((select token from t_first), true, 'late', 'late failure', null, now() + interval '3 minutes'),
  'stale', 'so is its failure');
select is((select status || '/' || stage || '/' || locked_by from switchboard.work_items where subject_kind = 'test_subject'),
  'running/test_a/w2', 'the current claim is untouched');

select * from finish();
rollback;
