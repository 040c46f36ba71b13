-- A permanent failure (T29) goes straight to the dead letters with its error, attempts and
-- times; the item and the subject are failed and the message is archived, not lost.
begin;
select plan(7);
select tests.create_engine_fixture();
insert into tests.subjects (label) values ('one');
select switchboard.acquire_worker_slot('test_a', 'w1', now());
create temp table t_claim as select * from switchboard.claim('test_a', 'w1', 10, now());

select is(switchboard.fail((select token from t_claim), false, 'upstream_failed', 'Notion said 401 unauthorized', null,
  now() + interval '1 second'), 'dead', 'a permanent error is not retried');
select is((select status from switchboard.work_items where id = (select item_id from t_claim)), 'failed', 'the item is failed');
select is((select pipeline_status from tests.subjects), 'failed', 'the subject row says failed');
select results_eq(
  $$select stage, error_code, error_message, attempts, retryable, first_attempt_at, failed_at
    from switchboard.dead_letters$$,
  $$values ('test_a'::text, 'upstream_failed'::text, 'Notion said 401 unauthorized'::text, 1, false, now(), now() + interval '1 second')$$,
  'the dead letter carries the stage, error, attempts and times');
select is((select count(*)::int from pgmq.q_test_a_jobs), 0, 'the message left the queue');
select is((select count(*)::int from pgmq.a_test_a_jobs where msg_id = (select msg_id from t_claim)), 1, 'into the archive');
select is((select outcome from switchboard.stage_attempts where id = (select token from t_claim)), 'failed',
  'the attempt is recorded as failed');

select * from finish();
rollback;
