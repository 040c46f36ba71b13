-- Retention (T32), with time as an input: switchboard.run_retention(p_now) trims cron run history,
-- pgmq archives and webhook bodies older than their windows, in bounded batches, keeps the
-- delivery rows and (by default) quarantined bodies, and records a heartbeat.
begin;
select plan(17);

-- Run history: three runs of a made-up job that ended now.
insert into cron.job_run_details (jobid, runid, database, username, command, status, start_time, end_time)
select -1, -g, 'postgres', 'postgres', 'select 1', 'succeeded', now() - interval '1 minute', now()
from generate_series(1, 3) g;

-- A queue with three archived messages.
select pgmq.create('t_retention');
select pgmq.archive('t_retention', pgmq.send('t_retention', '{"id": 1}'::jsonb));
select pgmq.archive('t_retention', pgmq.send('t_retention', '{"id": 2}'::jsonb));
select pgmq.archive('t_retention', pgmq.send('t_retention', '{"id": 3}'::jsonb));

-- An applied delivery and a quarantined one, received now.
insert into switchboard.webhook_deliveries (delivery_id, scheme, received_at, payload, outcome)
values ('t-retention-applied', 'standard', now(), '{"type": "message.received"}', 'applied');
insert into switchboard.webhook_deliveries (delivery_id, scheme, received_at, raw_body, outcome, detail)
values ('t-retention-quarantined', 'standard', now(), '{not json', 'quarantined', 't');

create temp view t_runs as select count(*)::int as n from cron.job_run_details where jobid = -1;
create temp view t_archived as select count(*)::int as n from pgmq.a_t_retention;
create temp view t_bodies as
  select delivery_id, payload is not null or raw_body is not null as held
  from switchboard.webhook_deliveries where delivery_id like 't-retention-%';

-- Nothing is old yet.
select switchboard.run_retention(now());
select is((select n from t_runs), 3, 'run history younger than its window is kept');
select is((select n from t_archived), 3, 'archived messages younger than their window are kept');
select is((select count(*)::int from t_bodies where held), 2, 'recent webhook bodies are kept');
select is((select beat_at from switchboard.heartbeats where name = 'retention'), now(),
  'a pass records the retention heartbeat at p_now');

-- Eight days on: run history (7 days) goes, archives (14 days) and bodies (30 days) stay.
select switchboard.run_retention(now() + interval '8 days');
select is((select n from t_runs), 0, 'run history older than 7 days is deleted');
select is((select n from t_archived), 3, 'archives younger than 14 days are still kept');

-- Fifteen days on, with a batch of 2: a run trims at most its batch, the next one the rest.
update switchboard.retention_policies set batch_size = 2 where target = 'pgmq_archives';
select is((switchboard.run_retention(now() + interval '15 days') ->> 'pgmq_archives')::int, 2,
  'one pass deletes at most batch_size archived messages');
select is((select n from t_archived), 1, 'so one of the three is left for the next pass');
select switchboard.run_retention(now() + interval '15 days');
select is((select n from t_archived), 0, 'and the next pass deletes it');

-- Thirty-one days on: the applied delivery's body is cleared, its row kept; the quarantined body
-- is kept (its window is null: forever).
select switchboard.run_retention(now() + interval '31 days');
select is((select held from t_bodies where delivery_id = 't-retention-applied'), false,
  'an applied delivery''s body is cleared after 30 days');
select is((select outcome from switchboard.webhook_deliveries where delivery_id = 't-retention-applied'),
  'applied', 'and its row stays, so a late retry still dedupes');
select is((select held from t_bodies where delivery_id = 't-retention-quarantined'), true,
  'a quarantined body is kept by default');

-- An operator sets a window for quarantined bodies too.
update switchboard.retention_policies set keep = interval '90 days' where target = 'quarantined_webhook_bodies';
select switchboard.run_retention(now() + interval '31 days');
select is((select held from t_bodies where delivery_id = 't-retention-quarantined'), true,
  'within its window a quarantined body stays');
select switchboard.run_retention(now() + interval '91 days');
select is((select held from t_bodies where delivery_id = 't-retention-quarantined'), false,
  'after its window the quarantined body is cleared');
select is((select detail from switchboard.webhook_deliveries where delivery_id = 't-retention-quarantined'),
  't', 'and the row with its outcome and detail stays');

-- The job that runs it.
select is((select schedule || ' ' || command from cron.job where jobname = 'switchboard-retention'),
  '23 * * * * select switchboard.run_retention()', 'pg_cron runs retention hourly');
select is((select value from switchboard.settings where name = 'retention_interval'), interval '1 hour',
  'and the retention interval setting says so');

select * from finish();
rollback;
