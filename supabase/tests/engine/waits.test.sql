-- Waiting is not failing: defer ends a claim without counting an attempt and marks the wait;
-- resume and resume_waiting make waiting items runnable; send_back runs a stage again.
begin;
select plan(14);
select tests.create_engine_fixture();
insert into tests.subjects (label) select 'n' || g from generate_series(1, 2) g;
select switchboard.acquire_worker_slot('test_a', 'w1', now());
create temp table t_claims as select * from switchboard.claim('test_a', 'w1', 10, now());

select ok(switchboard.defer((select token from t_claims order by subject_id limit 1), now() + interval '1 day', 'budget_wait', now()),
  'a claim can end in a wait');
select ok(switchboard.defer((select token from t_claims order by subject_id desc limit 1), now() + interval '1 day', 'budget_wait', now()),
  'so can another');
select is((select status || '/' || attempts || '/' || waiting_for from switchboard.work_items w
  where w.subject_id = (select min(subject_id) from t_claims) and w.subject_kind = 'test_subject'),
  'pending/0/budget_wait', 'the item is pending, waiting, and the wait did not count as an attempt');
select is((select count(*)::int from tests.subjects where pipeline_status = 'budget_wait'), 2,
  'the subject rows say budget_wait');
select is((select outcome from switchboard.stage_attempts where id = (select min(token) from t_claims)), 'deferred',
  'the attempt is recorded as deferred');
select throws_ok($$select switchboard.defer(1, now(), 'Not a reason!')$$, '22023', null, 'a wait needs a proper reason');
select tests.expire_visibility('test_a_jobs');
select is((select count(*)::int from switchboard.claim('test_a', 'w1', 10, now() + interval '1 hour')), 0,
  'a waiting item is not claimed before its time');

select ok(switchboard.resume('test_subject', (select min(subject_id) from t_claims), 'test_a', now() + interval '2 hours'),
  'resume makes one waiting item runnable');
select is((select pipeline_status from tests.subjects where id = (select min(subject_id) from t_claims)), 'test_a_pending',
  'its subject says which stage it is in again');
select ok(not switchboard.resume('test_subject', (select min(subject_id) from t_claims), 'test_a', now()),
  'resuming an item that does not wait does nothing');
select is(switchboard.resume_waiting('budget_wait', null, now() + interval '2 hours'), 1,
  'resume_waiting releases everything else waiting for that reason');

select tests.expire_visibility('test_a_jobs');
select switchboard.acquire_worker_slot('test_a', 'w1', now() + interval '2 hours');
create temp table t_again as select * from switchboard.claim('test_a', 'w1', 10, now() + interval '2 hours');
select is((select count(*)::int from t_again), 2, 'both are claimed again');
select switchboard.complete(token, null, now() + interval '2 hours') from t_again;
select is((select count(*)::int from switchboard.work_items where subject_kind = 'test_subject' and waiting_for is null
  and stage = 'test_b'), 2, 'and move on with no wait left');

select ok(switchboard.send_back('test_subject', (select min(subject_id) from t_claims), 'test_a', now() + interval '3 hours'),
  'send_back runs a stage again');

select * from finish();
rollback;
