-- What operators look at in Supabase Studio, and what health_report() judges by.
--
--   ops.pipeline_status  how many items are in each stage and state
--   ops.queues           per stage: queue depth, visible work, how long it has waited, workers
--   ops.dead_letters     what gave up, with its error (open ones first)
--   ops.failures         items failed or waiting to retry, with their last error
--   ops.stage_latency    p50/p95/p99 per stage over the last hour and day (processing, and
--                        ready-to-done including the wait in the queue)
--   ops.cron_health      every scheduled job: its schedule and last success / failure
--
-- The ops schema is not exposed through the Data API (only schemas listed in the API settings
-- are); the views are security invoker, so they show what the caller's role may read anyway.

create schema if not exists ops;
revoke all on schema ops from public;
comment on schema ops is 'Switchboard views for operators (Studio). Not exposed through the Data API.';

-- Per-stage queue figures as of p_now. Waiting time of visible work is measured from when the
-- message became visible (its vt), not from when it was first sent: a retry that just came due
-- has not waited, a message nobody picks up has.
create function switchboard.stage_status(p_now timestamptz default now())
returns table (
  stage text,
  enabled boolean,
  queue_name text,
  depth bigint,
  visible bigint,
  oldest_visible_wait_sec numeric,
  oldest_message_age_sec numeric,
  alert_after_sec numeric,
  workers_busy bigint,
  max_workers integer,
  ok boolean
)
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_stage switchboard.stages;
begin
  for v_stage in select * from switchboard.stages s order by s.name loop
    stage := v_stage.name;
    enabled := v_stage.enabled;
    queue_name := v_stage.queue_name;
    execute pg_catalog.format(
      $sql$
      select pg_catalog.count(*),
        pg_catalog.count(*) filter (where q.vt <= $1),
        round(extract(epoch from $1 - min(q.vt) filter (where q.vt <= $1)), 1),
        round(extract(epoch from $1 - min(q.enqueued_at)), 1)
      from pgmq.%I q
      $sql$, 'q_' || v_stage.queue_name)
      into depth, visible, oldest_visible_wait_sec, oldest_message_age_sec
      using p_now;
    alert_after_sec := extract(epoch from v_stage.alert_after);
    select pg_catalog.count(*) into workers_busy
    from switchboard.worker_slots w
    where w.stage = v_stage.name and w.worker_id is not null and w.held_until > p_now;
    max_workers := v_stage.max_workers;
    -- A disabled stage keeps its messages on purpose; it is not a stuck one.
    ok := not v_stage.enabled or coalesce(oldest_visible_wait_sec, 0) <= alert_after_sec;
    return next;
  end loop;
end
$$;

-- Dead letters since the last acknowledgement (select switchboard.acknowledge_dead_letters()).
create function switchboard.dead_letter_status()
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  with ack as (
    select a.last_id, a.acknowledged_at from switchboard.acknowledgements a where a.name = 'dead_letters'
  )
  select pg_catalog.jsonb_build_object(
    'ok', n.unacknowledged = 0,
    'unacknowledged', n.unacknowledged,
    'open', n.open,
    'last_acknowledged_at', (select ack.acknowledged_at from ack)
  )
  from (
    select
      pg_catalog.count(*) filter (where d.id > coalesce((select ack.last_id from ack), 0)) as unacknowledged,
      pg_catalog.count(*) filter (where d.replayed_at is null) as open
    from switchboard.dead_letters d
  ) n
$$;

create view ops.pipeline_status with (security_invoker = true) as
select w.subject_kind, w.stage, w.status, pg_catalog.count(*) as items,
  min(w.updated_at) as oldest_change, max(w.updated_at) as newest_change
from switchboard.work_items w
group by w.subject_kind, w.stage, w.status
order by w.subject_kind, w.stage, w.status;
comment on view ops.pipeline_status is 'How many calls, messages and probes are in each stage and state.';

create view ops.queues with (security_invoker = true) as
select * from switchboard.stage_status(now());
comment on view ops.queues is
  'Per stage: queue depth, visible work and how long it has waited (vs alert_after), busy worker slots.';

create view ops.dead_letters with (security_invoker = true) as
select d.id, d.stage, d.subject_kind, d.subject_id, d.error_code, d.error_message, d.retryable,
  d.attempts, d.first_attempt_at, d.failed_at, d.replayed_at, d.message
from switchboard.dead_letters d
order by d.replayed_at is null desc, d.id desc;
comment on view ops.dead_letters is
  'Work that gave up. Replay: select switchboard.replay(p_dead_letter_id => …) (or p_stage, p_error_code).';

create view ops.failures with (security_invoker = true) as
select w.subject_kind, w.subject_id, w.stage, w.status, w.attempts, w.run_after,
  w.last_error ->> 'code' as error_code, w.last_error ->> 'message' as error_message,
  (w.last_error ->> 'at')::timestamptz as failed_at
from switchboard.work_items w
where w.status = 'failed' or (w.status = 'pending' and w.last_error is not null)
order by w.updated_at desc;
comment on view ops.failures is 'Items that failed, or are waiting to retry after an error, with their last error.';

create view ops.stage_latency with (security_invoker = true) as
select a.stage, win.name as window_name, pg_catalog.count(*) as completed,
  round((percentile_cont(0.5) within group (order by extract(epoch from a.finished_at - a.started_at)))::numeric * 1000, 1) as processing_p50_ms,
  round((percentile_cont(0.95) within group (order by extract(epoch from a.finished_at - a.started_at)))::numeric * 1000, 1) as processing_p95_ms,
  round((percentile_cont(0.99) within group (order by extract(epoch from a.finished_at - a.started_at)))::numeric * 1000, 1) as processing_p99_ms,
  round((percentile_cont(0.5) within group (order by extract(epoch from a.finished_at - a.ready_at)))::numeric * 1000, 1) as ready_to_done_p50_ms,
  round((percentile_cont(0.95) within group (order by extract(epoch from a.finished_at - a.ready_at)))::numeric * 1000, 1) as ready_to_done_p95_ms,
  round((percentile_cont(0.99) within group (order by extract(epoch from a.finished_at - a.ready_at)))::numeric * 1000, 1) as ready_to_done_p99_ms
from switchboard.stage_attempts a
join (values ('last_hour', interval '1 hour'), ('last_day', interval '1 day')) as win(name, span)
  on a.finished_at > now() - win.span
where a.outcome = 'completed'
group by a.stage, win.name
order by a.stage, win.name;
comment on view ops.stage_latency is 'Completed attempts per stage: processing and ready-to-done percentiles, last hour and day.';

create view ops.cron_health with (security_invoker = true) as
select j.jobname, j.schedule, j.active, j.command,
  (select max(d.end_time) from cron.job_run_details d where d.jobid = j.jobid and d.status = 'succeeded') as last_success_at,
  (select max(d.end_time) from cron.job_run_details d where d.jobid = j.jobid and d.status = 'failed') as last_failure_at,
  h.beat_at as last_heartbeat_at
from cron.job j
left join switchboard.heartbeats h
  on h.name = pg_catalog.regexp_replace(j.jobname, '^switchboard-', '')
order by j.jobname;
comment on view ops.cron_health is 'Scheduled jobs with their last success and failure (and the heartbeat the job writes).';

create function switchboard.watchdog_status(p_now timestamptz default now())
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  -- The watchdog runs every minute; three without one means pg_cron stopped running it (right
  -- after a restart the first run is still to come).
  select pg_catalog.jsonb_build_object(
    'ok', coalesce(max(h.beat_at) > p_now - interval '3 minutes', false)
      or pg_catalog.pg_postmaster_start_time() > p_now - interval '3 minutes',
    'last_run_at', max(h.beat_at),
    'last_run', (select h2.details from switchboard.heartbeats h2 where h2.name = 'watchdog'))
  from switchboard.heartbeats h
  where h.name = 'watchdog'
$$;

-- health_report() as before (database, pg_cron, pg_net, retention, transactions), and now the
-- engine: queues are unhealthy when an enabled stage's visible work has waited longer than its
-- alert_after, dead letters when new ones appeared since the last acknowledgement, and the
-- watchdog when its heartbeat is stale.
create or replace function switchboard.health_report(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_scheduler boolean;
  v_sweep_at timestamptz;
  v_started_at timestamptz := pg_catalog.pg_postmaster_start_time();
  v_sweep_ok boolean;
  v_net_worker boolean;
  v_net_pending bigint;
  v_stages jsonb;
  v_stages_ok boolean;
  v_retention jsonb := switchboard.retention_status(p_now);
  v_transactions jsonb := switchboard.transaction_status(p_now);
  v_dead jsonb := switchboard.dead_letter_status();
  v_watchdog jsonb := switchboard.watchdog_status(p_now);
begin
  -- pg_cron's background process: "pg_cron launcher" (1.4) or "pg_cron scheduler" (1.5+).
  select exists (
    select 1 from pg_catalog.pg_stat_activity a
    where a.backend_type in ('pg_cron launcher', 'pg_cron scheduler')
  ) into v_scheduler;

  select h.beat_at into v_sweep_at from switchboard.heartbeats h where h.name = 'sweep';
  -- The sweep runs at least once a minute; three minutes without one means pg_cron stopped
  -- running it. Right after a restart the first run is still to come.
  v_sweep_ok := coalesce(v_sweep_at > p_now - interval '3 minutes', false)
    or v_started_at > p_now - interval '3 minutes';

  select exists (
    select 1 from pg_catalog.pg_stat_activity a
    where a.backend_type ilike '%pg_net%' or a.application_name = 'pg_net worker'
  ) into v_net_worker;
  select pg_catalog.count(*) from net.http_request_queue into v_net_pending;

  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'stage', s.stage,
      'queue', s.queue_name,
      'enabled', s.enabled,
      'length', s.depth,
      'visible', s.visible,
      'oldest_visible_wait_sec', s.oldest_visible_wait_sec,
      'oldest_age_sec', s.oldest_message_age_sec,
      'alert_after_sec', s.alert_after_sec,
      'workers', s.workers_busy,
      'ok', s.ok
    ) order by s.stage), '[]'::jsonb),
    coalesce(bool_and(s.ok), true)
  from switchboard.stage_status(p_now) s
  into v_stages, v_stages_ok;

  return pg_catalog.jsonb_build_object(
    'ok', v_scheduler and v_sweep_ok and v_net_worker
      and (v_retention ->> 'ok')::boolean and (v_transactions ->> 'ok')::boolean
      and v_stages_ok and (v_dead ->> 'ok')::boolean and (v_watchdog ->> 'ok')::boolean,
    'database', pg_catalog.jsonb_build_object(
      'ok', true,
      'version', pg_catalog.current_setting('server_version'),
      'started_at', v_started_at
    ),
    'pg_cron', pg_catalog.jsonb_build_object(
      'ok', v_scheduler and v_sweep_ok,
      'scheduler_running', v_scheduler,
      'last_sweep_at', v_sweep_at
    ),
    'pg_net', pg_catalog.jsonb_build_object(
      'ok', v_net_worker,
      'worker_running', v_net_worker,
      'pending_requests', v_net_pending
    ),
    'queues', pg_catalog.jsonb_build_object('ok', v_stages_ok, 'queues', v_stages),
    'dead_letters', v_dead,
    'watchdog', v_watchdog,
    'retention', v_retention,
    'transactions', v_transactions
  );
end
$$;
