-- Retention (reliability catalogue T32): three things grow forever unless something trims them.
--   cron.job_run_details  one row per pg_cron run (the sweep alone: 8,640 a day on Supabase);
--                         pg_cron never deletes them and the table cannot be indexed on Supabase
--   pgmq.a_<queue>        every archived message, kept by pgmq until someone deletes it
--   webhook bodies        switchboard.webhook_deliveries keeps each delivery's parsed payload
--                         (and, when quarantined, its raw body): personal data we no longer need
--                         once the delivery is applied and the provider's retries are long over
-- switchboard.run_retention(), run by pg_cron as `switchboard-retention`, trims each in bounded
-- batches (pg_cron queues an overrunning job rather than skipping it, so an unbounded run would
-- chain into the next) and writes a heartbeat that health_report() watches.
-- Delivery rows themselves are kept: the delivery and event ids are what dedupes a late retry.

-- Operational settings that are durations (how often a job runs, when an alert fires). Operators
-- edit them in Studio: update switchboard.settings set value = '…' where name = '…'.
create table switchboard.settings (
  name text primary key check (name ~ '^[a-z][a-z0-9_]*$'),
  value interval not null,
  description text not null,
  updated_at timestamptz not null default now()
);
alter table switchboard.settings enable row level security;
comment on table switchboard.settings is
  'Operational durations (job intervals, alert thresholds); edit value, the description says what it does.';

insert into switchboard.settings (name, value, description) values
  ('retention_interval', interval '1 hour',
   'How often pg_cron runs switchboard-retention (keep in step with its schedule in cron.job); health_report() calls retention stale after twice this.'),
  ('transaction_age_alert', interval '5 minutes',
   'health_report() is unhealthy while any transaction has been open longer than this (it holds back vacuum on the queue tables).');

-- One row per thing retention trims. keep = null keeps it forever. batch_size bounds what one run
-- deletes or clears, so a large backlog is worked off over several runs, never in one long one.
create table switchboard.retention_policies (
  target text primary key check (target in (
    'cron_job_run_details', 'pgmq_archives', 'webhook_bodies', 'quarantined_webhook_bodies'
  )),
  keep interval check (keep is null or keep > interval '0'),
  batch_size integer not null check (batch_size between 1 and 100000),
  description text not null,
  updated_at timestamptz not null default now()
);
alter table switchboard.retention_policies enable row level security;
comment on table switchboard.retention_policies is
  'How long switchboard-retention keeps each kind of data (null: forever) and how much one run may trim.';

insert into switchboard.retention_policies (target, keep, batch_size, description) values
  ('cron_job_run_details', interval '7 days', 10000,
   'pg_cron run history (cron.job_run_details), by end (or start) time.'),
  ('pgmq_archives', interval '14 days', 10000,
   'Archived queue messages (pgmq.a_<queue>), by archived_at, across all non-partitioned queues.'),
  ('webhook_bodies', interval '30 days', 5000,
   'Bodies (payload, raw_body, raw_body_bytes) of webhook deliveries that were not quarantined (applied, stale, duplicate, unknown type), by received_at; the row stays.'),
  ('quarantined_webhook_bodies', null, 1000,
   'Bodies of quarantined deliveries, by received_at; kept forever by default so they can be inspected and replayed.');

-- The inbox columns that hold a delivery's body: payload and raw_body, and raw_body_bytes where
-- the inbox has it (20261129000100). Looked up rather than written out, so retention clears
-- whichever of them exist.
create function switchboard.webhook_body_columns()
returns text[]
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(a.attname::text order by a.attnum), '{}')
  from pg_catalog.pg_attribute a
  where a.attrelid = 'switchboard.webhook_deliveries'::regclass
    and a.attnum > 0 and not a.attisdropped
    and a.attname in ('payload', 'raw_body', 'raw_body_bytes')
$$;

-- "Some body is still held", as SQL over those columns; the same text in the index predicate and
-- in run_retention's query, so the planner can use the index.
create function switchboard.webhook_body_held_predicate()
returns text
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.string_agg(pg_catalog.format('%I is not null', c.col), ' or ' order by c.ord)
  from pg_catalog.unnest(switchboard.webhook_body_columns()) with ordinality c(col, ord)
$$;

-- Finds deliveries whose bodies are still held, oldest first; a cleared row leaves the index.
do $$
begin
  execute pg_catalog.format(
    'create index webhook_deliveries_bodies_held_idx on switchboard.webhook_deliveries (received_at) where %s',
    switchboard.webhook_body_held_predicate());
end
$$;

-- One retention pass as of p_now. Returns what it trimmed, per target; also records it as the
-- `retention` heartbeat. Safe to run at any time and as often as wanted.
create function switchboard.run_retention(p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_policy switchboard.retention_policies;
  v_queue record;
  v_budget integer;
  v_count bigint;
  v_done jsonb := '{}'::jsonb;
  v_tuned integer;
begin
  for v_policy in select * from switchboard.retention_policies p order by p.target loop
    v_count := 0;
    if v_policy.keep is not null then
      case v_policy.target
        when 'cron_job_run_details' then
          -- A run that never recorded an end (cut off by a restart) ages by its start.
          delete from cron.job_run_details d
          where d.runid in (
            select r.runid from cron.job_run_details r
            where coalesce(r.end_time, r.start_time) < p_now - v_policy.keep
            limit v_policy.batch_size
          );
          get diagnostics v_count = row_count;

        when 'pgmq_archives' then
          -- One budget shared by all queues. Partitioned queues are left to pg_partman's own
          -- retention, which drops whole partitions.
          v_budget := v_policy.batch_size;
          for v_queue in
            select q.queue_name from pgmq.list_queues() q
            where not q.is_partitioned
            order by q.queue_name
          loop
            exit when v_budget <= 0;
            execute pg_catalog.format(
              'delete from pgmq.%1$I a where a.msg_id in (
                 select x.msg_id from pgmq.%1$I x where x.archived_at < $1 order by x.archived_at limit $2)',
              'a_' || pg_catalog.lower(v_queue.queue_name))
              using p_now - v_policy.keep, v_budget;
            get diagnostics v_count = row_count;
            v_budget := v_budget - v_count::integer;
          end loop;
          v_count := v_policy.batch_size - v_budget;

        when 'webhook_bodies', 'quarantined_webhook_bodies' then
          execute pg_catalog.format(
            'update switchboard.webhook_deliveries d set %s
             where d.id in (
               select w.id from switchboard.webhook_deliveries w
               where (%s) and w.received_at < $1 and (w.outcome = ''quarantined'') = $2
               order by w.received_at
               limit $3)',
            (select pg_catalog.string_agg(pg_catalog.format('%I = null', c), ', ')
             from pg_catalog.unnest(switchboard.webhook_body_columns()) c),
            switchboard.webhook_body_held_predicate())
            using p_now - v_policy.keep, v_policy.target = 'quarantined_webhook_bodies', v_policy.batch_size;
          get diagnostics v_count = row_count;
      end case;
    end if;
    v_done := v_done || pg_catalog.jsonb_build_object(v_policy.target, v_count);
  end loop;

  -- Re-applies autovacuum tuning to queues created since the last pass (previous migration).
  -- Housekeeping, not retention: it never costs the trimming above.
  begin
    v_tuned := switchboard.tune_autovacuum();
  exception when others then
    raise warning 'switchboard.tune_autovacuum() failed: %', sqlerrm;
  end;

  insert into switchboard.heartbeats (name, beat_at, details)
  values ('retention', p_now, pg_catalog.jsonb_build_object('trimmed', v_done, 'tables_tuned', v_tuned))
  on conflict (name) do update set beat_at = excluded.beat_at, details = excluded.details;
  return v_done;
end
$$;

comment on function switchboard.run_retention(timestamptz) is
  'Trims cron.job_run_details, pgmq archives and old webhook bodies per switchboard.retention_policies, in bounded batches; writes the retention heartbeat.';

-- Hourly, off the hour (other jobs and Supabase's own maintenance like :00). To change it:
-- select cron.alter_job(jobid, schedule := '…') and update switchboard.settings' retention_interval.
select cron.schedule('switchboard-retention', '23 * * * *', 'select switchboard.run_retention()');

-- A first pass now, so the heartbeat exists from the start and a deploy proves the job's SQL.
select switchboard.run_retention();
