-- Retries (T21): full-jitter exponential backoff capped at retry_cap_seconds, Retry-After
-- replacing the computed delay, the message hidden until then, and the horizon ending it.
-- Fixture: base 10 s, cap 60 s, horizon 1 hour, 5 attempts.
begin;
select plan(12);
select tests.create_engine_fixture();
insert into tests.subjects (label) values ('one');
select switchboard.acquire_worker_slot('test_a', 'w1', now());

create function pg_temp.claim_token(p_at timestamptz) returns bigint language sql as $$
  select tests.expire_visibility('test_a_jobs');
  select switchboard.acquire_worker_slot('test_a', 'w1', p_at);
  select token from switchboard.claim('test_a', 'w1', 10, p_at);
$$;
create function pg_temp.run_after() returns timestamptz language sql as $$
  select run_after from switchboard.work_items where subject_kind = 'test_subject';
$$;

-- attempt 1, jitter 1: the whole base delay (10 s)
select is(switchboard.fail(pg_temp.claim_token(now()), true, 'upstream_failed', 'x', null, now(), 1.0), 'retry',
  'a retryable failure is retried');
select is(pg_temp.run_after(), now() + interval '10 seconds', 'attempt 1 waits the base delay (jitter 1)');
select is((select count(*)::int from pgmq.read('test_a_jobs', 1, 10)), 0, 'its message is hidden meanwhile');
select is((select count(*)::int from switchboard.claim('test_a', 'w1', 10, now() + interval '5 seconds')), 0,
  'and the item cannot be claimed before its time');

-- attempt 2, jitter 0.5: half of 20 s
select is(switchboard.fail(pg_temp.claim_token(now() + interval '10 seconds'), true, 'upstream_failed', 'x', null,
  now() + interval '10 seconds', 0.5), 'retry', 'attempt 2 fails');
select is(pg_temp.run_after(), now() + interval '20 seconds', 'attempt 2 waits a jittered share of 20 s');

-- attempt 3, jitter 1: 40 s; attempt 4, jitter 1: 80 s capped at 60 s
select switchboard.fail(pg_temp.claim_token(now() + interval '20 seconds'), true, 'e', 'x', null, now() + interval '20 seconds', 1.0);
select is(pg_temp.run_after(), now() + interval '60 seconds', 'attempt 3 waits 40 s');
select switchboard.fail(pg_temp.claim_token(now() + interval '60 seconds'), true, 'e', 'x', null, now() + interval '60 seconds', 1.0);
select is(pg_temp.run_after(), now() + interval '120 seconds', 'attempt 4 is capped at 60 s');

-- Retry-After is a floor under the computed delay
update switchboard.stages set max_attempts = 10 where name = 'test_a';
select switchboard.fail(pg_temp.claim_token(now() + interval '120 seconds'), true, 'rate_limited', 'x', 300,
  now() + interval '120 seconds', 1.0);
select is(pg_temp.run_after(), now() + interval '420 seconds', 'a Retry-After of 300 s is waited out, past the computed 60 s');
-- ... and a short Retry-After does not cut the backoff short (a floor, not a replacement)
select switchboard.fail(pg_temp.claim_token(now() + interval '420 seconds'), true, 'rate_limited', 'x', 2,
  now() + interval '420 seconds', 1.0);
select is(pg_temp.run_after(), now() + interval '480 seconds', 'a Retry-After of 2 s still waits the computed 60 s');

-- Past the horizon (1 hour in the stage), a retryable failure gives up
select is(switchboard.fail(pg_temp.claim_token(now() + interval '2 hours'), true, 'upstream_failed', 'still down', null,
  now() + interval '2 hours', 1.0), 'dead', 'past the retry horizon the item is dead-lettered');
select matches((select error_message from switchboard.dead_letters where stage = 'test_a'), 'retry horizon',
  'and the dead letter says why');

select * from finish();
rollback;
