-- Replay in one call: one dead letter, all of a stage, or all with an error code. The item
-- starts its stage afresh; a poison message is sent again as it was.
begin;
select plan(9);
select tests.create_engine_fixture();
insert into tests.subjects (label) select 'n' || g from generate_series(1, 3) g;
select pgmq.send('test_a_jobs', '{"id": "x"}'::jsonb);
select switchboard.acquire_worker_slot('test_a', 'w1', now());
create temp table t_claims as select * from switchboard.claim('test_a', 'w1', 10, now());
select switchboard.fail(token, false, case when subject ->> 'label' = 'n1' then 'auth' else 'bad_request' end, 'no', null, now())
from t_claims;

select is((select count(*)::int from switchboard.dead_letters), 4, 'three items and one poison message are dead');
select throws_ok($$select switchboard.replay()$$, '22023', null, 'replay needs something to replay');

select is(switchboard.replay(p_dead_letter_id => (select id from switchboard.dead_letters where error_code = 'auth')), 1,
  'one dead letter is replayed by id');
select is((select status || '/' || attempts || '/' || pipeline_status from switchboard.work_items w
  join tests.subjects s on s.id = w.subject_id where s.label = 'n1'), 'pending/0/test_a_pending',
  'its item is pending again with fresh attempts');
select is(switchboard.replay(p_dead_letter_id => (select id from switchboard.dead_letters where error_code = 'auth')), 0,
  'a replayed dead letter is not replayed twice');

select is(switchboard.replay(p_error_code => 'bad_request'), 2, 'all dead letters with an error code are replayed');
select is(switchboard.replay(p_stage => 'test_a'), 1, 'all of a stage: the poison message that is left');
select is((select count(*)::int from pgmq.q_test_a_jobs where message = '{"id": "x"}'::jsonb), 1,
  'the poison message is back in its queue as it was');

select tests.expire_visibility('test_a_jobs');
select is((select count(*)::int from switchboard.claim('test_a', 'w1', 10, now() + interval '1 second')), 3,
  'all three items can be claimed again (the poison message is dead-lettered again)');

select * from finish();
rollback;
