-- health_report() gains two parts, each its own function so that any later redefinition of
-- health_report() only has to include them:
--   retention     the switchboard-retention job: scheduled, and its heartbeat younger than twice
--                 its interval (settings.retention_interval). Unhealthy once it stops running,
--                 because then cron history, archives and webhook bodies grow again unseen.
--   transactions  the oldest open transaction (T34): one held open for longer than
--                 settings.transaction_age_alert keeps vacuum from cleaning the queue tables.
-- Everything health_report() reported before is unchanged.

-- The retention job's status as of p_now.
create function switchboard.retention_status(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_interval interval;
  v_beat switchboard.heartbeats;
  v_scheduled boolean;
  v_fresh boolean;
begin
  select s.value into v_interval from switchboard.settings s where s.name = 'retention_interval';
  v_interval := coalesce(v_interval, interval '1 hour');
  select * into v_beat from switchboard.heartbeats h where h.name = 'retention';
  select exists (
    select 1 from cron.job j where j.jobname = 'switchboard-retention' and j.active
  ) into v_scheduled;
  -- Stale after two intervals; right after a restart the next run is still to come, as for
  -- the sweep.
  v_fresh := coalesce(v_beat.beat_at > p_now - 2 * v_interval, false)
    or pg_catalog.pg_postmaster_start_time() > p_now - 2 * v_interval;
  return pg_catalog.jsonb_build_object(
    'ok', v_scheduled and v_fresh,
    'scheduled', v_scheduled,
    'last_run_at', v_beat.beat_at,
    'interval_sec', extract(epoch from v_interval)::bigint,
    'last_trimmed', v_beat.details -> 'trimmed'
  );
end
$$;

-- The oldest open transaction as of p_now (which tests move forward to age what is open now).
-- Counts client sessions and background workers (pg_cron jobs, pg_net), but not autovacuum,
-- whose transactions do not hold back other vacuums, nor the caller itself; prepared
-- transactions hold back vacuum like open ones, so they count too. Reports ids and states only,
-- never query text (it may carry personal data).
create function switchboard.transaction_status(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_alert interval;
  v_oldest record;
  v_prepared timestamptz;
  v_age interval;
begin
  select s.value into v_alert from switchboard.settings s where s.name = 'transaction_age_alert';
  v_alert := coalesce(v_alert, interval '5 minutes');

  select a.pid, a.xact_start, a.state, a.backend_type, a.usename::text as role_name,
    a.application_name
  into v_oldest
  from pg_catalog.pg_stat_activity a
  where a.xact_start is not null
    and a.pid <> pg_catalog.pg_backend_pid()
    and a.backend_type in ('client backend', 'background worker')
  order by a.xact_start
  limit 1;

  select min(x.prepared) into v_prepared from pg_catalog.pg_prepared_xacts x;

  v_age := greatest(p_now - v_oldest.xact_start, p_now - v_prepared, interval '0');
  return pg_catalog.jsonb_build_object(
    'ok', v_age <= v_alert,
    'oldest_age_sec', round(extract(epoch from v_age), 1),
    'alert_after_sec', extract(epoch from v_alert)::bigint,
    'oldest', case when v_oldest.pid is null then null else pg_catalog.jsonb_build_object(
      'pid', v_oldest.pid,
      'state', v_oldest.state,
      'backend_type', v_oldest.backend_type,
      'role', v_oldest.role_name,
      'application_name', v_oldest.application_name,
      'started_at', v_oldest.xact_start
    ) end,
    'oldest_prepared_at', v_prepared
  );
end
$$;

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
  v_queues jsonb;
  v_retention jsonb := switchboard.retention_status(p_now);
  v_transactions jsonb := switchboard.transaction_status(p_now);
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
      'queue', m.queue_name,
      'length', m.queue_length,
      'oldest_age_sec', m.oldest_msg_age_sec
    ) order by m.queue_name), '[]'::jsonb)
  from pgmq.metrics_all() m
  into v_queues;

  return pg_catalog.jsonb_build_object(
    'ok', v_scheduler and v_sweep_ok and v_net_worker
      and (v_retention ->> 'ok')::boolean and (v_transactions ->> 'ok')::boolean,
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
    'queues', pg_catalog.jsonb_build_object('ok', true, 'queues', v_queues),
    'retention', v_retention,
    'transactions', v_transactions
  );
end
$$;
