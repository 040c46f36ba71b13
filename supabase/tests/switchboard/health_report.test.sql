-- health_report: one JSON document with each part's status.
begin;
select plan(6);

select ok(switchboard.health_report() ? 'ok', 'the report has an overall ok');
select is((switchboard.health_report() -> 'database' ->> 'ok')::boolean, true, 'the database is ok');
select is((switchboard.health_report() -> 'pg_cron' ->> 'scheduler_running')::boolean, true,
  'the pg_cron scheduler is found');
select ok(jsonb_path_exists(switchboard.health_report(), '$.queues.queues[*] ? (@.queue == "probe_jobs")'),
  'the stage queues are listed');

-- A sweep heartbeat older than three minutes, long after start-up, is a dead scheduler.
insert into switchboard.heartbeats (name, beat_at) values ('sweep', now() - interval '1 hour')
on conflict (name) do update set beat_at = excluded.beat_at;
select is((switchboard.health_report(now() + interval '1 day') -> 'pg_cron' ->> 'ok')::boolean, false,
  'a stale sweep heartbeat makes pg_cron unhealthy');
select is((switchboard.health_report(now() + interval '1 day') ->> 'ok')::boolean, false,
  'and the whole report unhealthy');

select * from finish();
rollback;
