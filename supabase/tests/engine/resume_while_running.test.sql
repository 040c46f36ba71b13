-- A resume that arrives while its item is still running (a completion webhook faster than the
-- worker's defer) is not lost: that claim's defer ends at once instead of waiting.
begin;
select plan(6);
select tests.create_engine_fixture();
insert into tests.subjects (label) values ('r1'), ('r2');
select switchboard.acquire_worker_slot('test_a', 'w1', now());
create temp table t_claims as select * from switchboard.claim('test_a', 'w1', 10, now());

select ok(not switchboard.resume('test_subject', (select min(subject_id) from t_claims), 'test_a', now()),
  'resuming a running item answers false (it is not waiting)');
select ok(switchboard.defer((select token from t_claims order by subject_id limit 1),
  now() + interval '15 minutes', 'awaiting_transcript', now()), 'its claim still ends in a wait');
select is((select (waiting_for is null and run_after <= now() and status = 'pending')::text
  from switchboard.work_items w
  where w.subject_kind = 'test_subject' and w.subject_id = (select min(subject_id) from t_claims)),
  'true', 'a wait that is over at once: the resume was noted for that claim');
select ok(switchboard.defer((select token from t_claims order by subject_id desc limit 1),
  now() + interval '15 minutes', 'awaiting_transcript', now()), 'another claim defers');
select is((select waiting_for from switchboard.work_items w
  where w.subject_kind = 'test_subject' and w.subject_id = (select max(subject_id) from t_claims)),
  'awaiting_transcript', 'an item nobody resumed waits');
select is((select count(*)::int from switchboard.claim('test_a', 'w1', 10, now())), 1,
  'the resumed item is claimed again at once; the waiting one is not');

select * from finish();
rollback;
