-- health_report() judges the engine: visible work waiting past a stage's alert_after, dead
-- letters since the last acknowledgement, a stale watchdog. The ops views answer for Studio.
begin;
select plan(14);
select tests.create_engine_fixture();
update switchboard.stages set enabled = false where name not in ('test_a', 'test_b');
insert into switchboard.heartbeats (name, beat_at) values ('watchdog', now())
on conflict (name) do update set beat_at = excluded.beat_at;
select switchboard.acknowledge_dead_letters(now());

insert into tests.subjects (label) select 'n' || g from generate_series(1, 3) g;

select is((select depth::int || '/' || visible::int from switchboard.stage_status(clock_timestamp()) where stage = 'test_a'), '3/3',
  'stage_status counts the queue and its visible work');
select is((switchboard.health_report(now() + interval '1 minute') -> 'queues' ->> 'ok')::boolean, true,
  'work waiting a minute is fine');
select is((switchboard.health_report(now() + interval '16 minutes') -> 'queues' ->> 'ok')::boolean, false,
  'work visible for longer than alert_after (15 min) makes the queues unhealthy');
select is((select ok from switchboard.stage_status(now() + interval '16 minutes') where stage = 'test_a'), false,
  'and names the stage');
update switchboard.stages set enabled = false where name = 'test_a';
select is((select ok from switchboard.stage_status(now() + interval '16 minutes') where stage = 'test_a'), true,
  'a disabled stage keeps its messages without alarm');
update switchboard.stages set enabled = true where name = 'test_a';

-- A poison message becomes a dead letter: unhealthy until acknowledged; replay brings it back.
select pgmq.send('test_a_jobs', '{"id": 1.5}'::jsonb);
select switchboard.acquire_worker_slot('test_a', 'w1', now());
select count(*) from switchboard.claim('test_a', 'w1', 10, now());
select is((switchboard.health_report(now()) -> 'dead_letters' ->> 'unacknowledged')::int, 1,
  'a new dead letter is reported');
select is((switchboard.health_report(now()) -> 'dead_letters' ->> 'ok')::boolean, false, 'and is unhealthy');
select is((switchboard.health_report(now()) ->> 'ok')::boolean, false, 'so is the whole report');
select switchboard.acknowledge_dead_letters(now());
select is((switchboard.health_report(now()) -> 'dead_letters' ->> 'ok')::boolean, true, 'acknowledged, it is healthy again');
select is((switchboard.health_report(now()) -> 'dead_letters' ->> 'open')::int, 1, 'while the dead letter stays open');

select is((switchboard.health_report(now() + interval '10 minutes') -> 'watchdog' ->> 'ok')::boolean, false,
  'a watchdog heartbeat older than three minutes is unhealthy');

select is((select items::int from ops.pipeline_status where stage = 'test_a' and status = 'running'), 3,
  'ops.pipeline_status counts items per stage and state');
select is((select count(*)::int from ops.dead_letters where error_code = 'unparseable_message'), 1,
  'ops.dead_letters lists the dead letter');
select ok(not has_schema_privilege('anon', 'ops', 'usage') and not has_schema_privilege('authenticated', 'ops', 'usage'),
  'the API roles cannot use the ops schema');

select * from finish();
rollback;
