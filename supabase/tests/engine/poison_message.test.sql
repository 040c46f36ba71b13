-- Poison (T20): a message that names no subject is dead-lettered at once; a subject whose
-- handler always throws is dead-lettered after max_attempts; other work keeps flowing.
begin;
select plan(7);
select tests.create_engine_fixture();
insert into tests.subjects (label) values ('good');
select pgmq.send('test_a_jobs', '{"id": 1.5}'::jsonb);
select pgmq.send('test_a_jobs', '{"nothing": true}'::jsonb);
select switchboard.acquire_worker_slot('test_a', 'w1', now());

create temp table t_claim as select * from switchboard.claim('test_a', 'w1', 10, now());
select is((select count(*)::int from t_claim), 1, 'the good item is claimed past the poison');
select is((select array_agg(error_code order by id) from switchboard.dead_letters),
  array['unparseable_message', 'unparseable_message'], 'both unparseable messages are dead-lettered');
select is((select count(*)::int from pgmq.a_test_a_jobs), 2, 'and archived');
select is((select message from switchboard.dead_letters order by id limit 1), '{"id": 1.5}'::jsonb,
  'the dead letter keeps the message');

-- The good item always throws (a retryable error): five attempts, then the dead letters.
create function pg_temp.attempt(p_at timestamptz) returns text language sql as $$
  select tests.expire_visibility('test_a_jobs');
  select switchboard.acquire_worker_slot('test_a', 'w1', p_at);
  select switchboard.fail((select token from switchboard.claim('test_a', 'w1', 10, p_at)), true, 'handler_threw', 'boom', null, p_at, 0);
$$;
select switchboard.fail((select token from t_claim), true, 'handler_threw', 'boom', null, now(), 0);
select is(array[pg_temp.attempt(now() + interval '1 minute'), pg_temp.attempt(now() + interval '2 minutes'),
  pg_temp.attempt(now() + interval '3 minutes'), pg_temp.attempt(now() + interval '4 minutes')],
  array['retry', 'retry', 'retry', 'dead'], 'attempts 2–4 retry and the fifth gives up');
select is((select attempts from switchboard.dead_letters where error_code = 'handler_threw'), 5,
  'the dead letter counts five attempts');
select matches((select error_message from switchboard.dead_letters where error_code = 'handler_threw'),
  'gave up after 5 attempts', 'and says why');

select * from finish();
rollback;
