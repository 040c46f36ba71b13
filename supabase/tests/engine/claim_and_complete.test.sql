-- The happy path: a new subject gets a work item and a message; a worker holding a slot claims
-- it with a fencing token and the subject's row; completing moves it to the next stage (its
-- queue, its status) and finally to done, deleting each message.
begin;
select plan(16);
select tests.create_engine_fixture();

insert into tests.subjects (label) values ('one');
create temp table t_item as
  select w.* from switchboard.work_items w where w.subject_kind = 'test_subject';

select is((select count(*)::int from t_item), 1, 'inserting a subject creates one work item');
select is((select status || '/' || stage from t_item), 'pending/test_a', 'it is pending in the first stage');
select is((select count(*)::int from pgmq.q_test_a_jobs where (message ->> 'id')::bigint = (select subject_id from t_item)),
  1, 'and its id is in the first stage''s queue');
select is((select pipeline_status from tests.subjects), 'test_a_pending', 'the subject row says where it is');
select is(switchboard.start_work('test_subject', (select subject_id from t_item), 'test_a'), null,
  'starting the same subject again is a no-op');
select is((select count(*)::int from pgmq.q_test_a_jobs), 1, 'and sends no second message');

select is((select count(*)::int from switchboard.claim('test_a', 'w1', 10, now())), 0,
  'a worker without a slot claims nothing');
select is(switchboard.acquire_worker_slot('test_a', 'w1', now()), 1, 'a worker takes a slot');

create temp table t_claim as select * from switchboard.claim('test_a', 'w1', 10, now());
select is((select count(*)::int from t_claim), 1, 'the worker claims the item');
select is((select subject ->> 'label' from t_claim), 'one', 'the claim carries the subject row');
select is((select status || '/' || locked_by from switchboard.work_items where id = (select item_id from t_claim)),
  'running/w1', 'the item is running, leased to the worker');

select ok(switchboard.complete((select token from t_claim), null, now()), 'completing with the token succeeds');
select is((select status || '/' || stage || '/' || attempts from switchboard.work_items where id = (select item_id from t_claim)),
  'pending/test_b/0', 'the item moves to the next stage with fresh attempts');
select is((select count(*)::int from pgmq.q_test_a_jobs) || '/' || (select count(*)::int from pgmq.q_test_b_jobs),
  '0/1', 'its message left the first queue and one waits in the next');

select switchboard.acquire_worker_slot('test_b', 'w2', now());
select ok(switchboard.complete((select token from switchboard.claim('test_b', 'w2', 10, now())), null, now()),
  'the last stage completes');
select is((select w.status || '/' || s.pipeline_status || '/' || (select count(*) from pgmq.q_test_b_jobs)
  from switchboard.work_items w join tests.subjects s on s.id = w.subject_id where w.id = (select item_id from t_claim)),
  'done/done/0', 'the item is done, the subject says so, no message is left');

select * from finish();
rollback;
