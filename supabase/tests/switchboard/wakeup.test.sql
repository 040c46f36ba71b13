-- The wake-up machinery: enqueue → pgmq.send + debounced wake → net.http_post with the worker
-- secret; the sweep re-wakes stages with visible messages. Everything here stays inside the
-- test transaction, so no request is ever sent.
begin;
select plan(16);

select switchboard.register_stage('t_stage', 't-fn', 'probe', null, null, true, interval '5 seconds', 3000);

select ok(exists (select 1 from pgmq.list_queues() where queue_name = 't_stage_jobs'),
  'register_stage creates the stage queue');
select lives_ok($$select switchboard.register_stage('t_stage', 't-fn', 'probe', null, null, true, interval '5 seconds', 3000)$$,
  'register_stage is idempotent');

create temp view t_wakes as
  select id, url, headers, convert_from(body, 'UTF8')::jsonb as body, timeout_milliseconds
  from net.http_request_queue
  where url like '%/functions/v1/t-fn';

select isnt(switchboard.enqueue('t_stage', '{"id": 1}'::jsonb, '2026-01-01 00:00:00+00'), null,
  'enqueue returns the message id');
select is((select count(*) from pgmq.q_t_stage_jobs)::int, 1, 'the message is in the stage queue');
select is((select count(*) from t_wakes)::int, 1, 'the first enqueue wakes the function');
select is((select headers ->> 'x-switchboard-worker-secret' from t_wakes),
  switchboard.read_secret('switchboard_worker_secret'),
  'the wake-up carries the worker secret from Vault');
select is((select body from t_wakes), '{"stage": "t_stage", "reason": "enqueue"}'::jsonb,
  'the wake-up body names the stage, never content');
select is((select timeout_milliseconds from t_wakes), 3000, 'the stage timeout is used');

select switchboard.enqueue('t_stage', '{"id": 2}'::jsonb, '2026-01-01 00:00:04+00');
select is((select count(*) from t_wakes)::int, 1, 'a second enqueue inside the debounce window does not wake again');

select switchboard.enqueue('t_stage', '{"id": 3}'::jsonb, '2026-01-01 00:00:06+00');
select is((select count(*) from t_wakes)::int, 2, 'an enqueue after the window wakes again');

select throws_ok($$select switchboard.enqueue('no_such_stage', '{}'::jsonb)$$, '22023',
  'Unknown stage "no_such_stage"', 'enqueue refuses an unknown stage');

-- The sweep: visible messages re-wake even inside the debounce window.
-- Messages become visible at their send's clock_timestamp() (as pgmq.read sees them).
select cmp_ok(switchboard.sweep(clock_timestamp()), '>=', 1, 'the sweep wakes stages with visible messages');
select is((select count(*) from t_wakes)::int, 3, 'the sweep is not debounced away');
select ok((select beat_at from switchboard.heartbeats where name = 'sweep') > now(),
  'the sweep records its heartbeat');

-- Hide every message (as a worker's read does): nothing left to wake for.
select count(*) from pgmq.read('t_stage_jobs', 600, 10);
select switchboard.sweep(clock_timestamp());
select is((select count(*) from t_wakes)::int, 3, 'the sweep ignores messages that are not visible');

select is((select command from cron.job where jobname = 'switchboard-sweep'), 'select switchboard.sweep()',
  'pg_cron runs the sweep');

select * from finish();
rollback;
