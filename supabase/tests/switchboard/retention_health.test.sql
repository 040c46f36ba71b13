-- health_report() shows the retention job and turns unhealthy when it stops running: its
-- heartbeat older than twice settings.retention_interval, or the job unscheduled.
begin;
select plan(7);

select ok(switchboard.health_report() ? 'retention', 'the report has a retention part');

insert into switchboard.heartbeats (name, beat_at, details) values ('retention', now(), '{}')
on conflict (name) do update set beat_at = excluded.beat_at;

select is((switchboard.retention_status(now() + interval '1 hour 59 minutes') ->> 'ok')::boolean, true,
  'a heartbeat younger than two intervals is healthy');
select is((switchboard.retention_status(now() + interval '2 hours 1 minute') ->> 'ok')::boolean, false,
  'older than two intervals it is stale');
select is((switchboard.health_report(now() + interval '2 hours 1 minute') -> 'retention' ->> 'ok')::boolean,
  false, 'health_report() shows the stale retention');
select is((switchboard.health_report(now() + interval '2 hours 1 minute') ->> 'ok')::boolean, false,
  'and the whole report is unhealthy');

update switchboard.settings set value = interval '6 hours' where name = 'retention_interval';
select is((switchboard.retention_status(now() + interval '3 hours') ->> 'ok')::boolean, true,
  'the staleness threshold follows the retention_interval setting');

select cron.unschedule('switchboard-retention');
select is((switchboard.retention_status(now()) ->> 'scheduled')::boolean, false,
  'an unscheduled retention job is reported');

select * from finish();
rollback;
