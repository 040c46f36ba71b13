-- One query that says whether each part of the platform is alive, for the `health` function
-- and for operators in Studio (`select switchboard.health_report()`). Works the same against
-- the real extensions on Supabase and the local platform's compatible ones.
create function switchboard.health_report(p_now timestamptz default now())
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
    'ok', v_scheduler and v_sweep_ok and v_net_worker,
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
    'queues', pg_catalog.jsonb_build_object('ok', true, 'queues', v_queues)
  );
end
$$;
