-- A long-held transaction stalls the queues (reliability catalogue T34): while any snapshot stays
-- open, vacuum cannot remove the dead rows every pgmq read/delete leaves behind, so queue tables
-- and their indexes bloat and claims slow down for everyone. Two defences, both migrations that
-- apply unchanged on Supabase:
--
-- 1. Timeouts on the roles our code runs as. They are role settings, not session `SET`s, so they
--    hold through Supavisor's transaction mode too (which forgets session state), and they apply
--    to new sessions only (a deploy never cuts a running one).
--      postgres      the edge functions (SUPABASE_DB_URL), pg_cron jobs, migrations.
--                    statement_timeout 2 min: what Supabase already enforces globally for it, so
--                    nothing that works on Supabase today breaks; locally it was unlimited.
--                    idle_in_transaction_session_timeout 1 min: no code path holds a transaction
--                    open between statements (claims are single statements; workers never keep
--                    a transaction across vendor calls), so a session idle that long in a
--                    transaction is a bug or a forgotten psql `begin`, and pins the xmin horizon.
--      service_role  the Data API's service key: statement_timeout 1 min (the API's own ceiling)
--                    and the same idle limit.
--      authenticator idle limit only; its statement_timeout (8 s on Supabase) is Supabase's to set.
--    Supabase reserves some roles (supautils): a role this migration may not alter is skipped
--    with a notice rather than failing the deploy. A migration that needs longer than 2 minutes
--    starts with `set local statement_timeout = '…';`.
--
-- 2. Autovacuum tuned per table for churn: queue tables vacuum after a fixed number of dead rows
--    rather than a fraction of the table, unthrottled (they are small).
--    switchboard.tune_autovacuum() applies it to every pgmq queue and the hot switchboard tables.
--    It runs here and on every retention pass (next migration), so a queue created later
--    (register_stage, pgmq.create) is tuned within the hour, and tuning lost in a dump and
--    restore (queue tables are extension members, whose storage options pg_dump does not keep)
--    comes back by itself.
do $$
declare
  v_setting record;
begin
  for v_setting in
    select *
    from (values
      ('postgres', 'statement_timeout', '2min'),
      ('postgres', 'idle_in_transaction_session_timeout', '1min'),
      ('service_role', 'statement_timeout', '1min'),
      ('service_role', 'idle_in_transaction_session_timeout', '1min'),
      ('authenticator', 'idle_in_transaction_session_timeout', '1min')
    ) as t(role_name, setting, value)
  loop
    continue when not exists (select 1 from pg_catalog.pg_roles r where r.rolname = v_setting.role_name);
    begin
      execute pg_catalog.format('alter role %I set %s = %L',
        v_setting.role_name, v_setting.setting, v_setting.value);
    exception when others then
      raise notice 'Not allowed to set % for role % here (%); leaving it as the platform set it',
        v_setting.setting, v_setting.role_name, sqlerrm;
    end;
  end loop;
end
$$;

-- Storage options by kind of table:
--   queue    pgmq.q_*: a few live rows, constant insert/delete. Vacuum every 500 dead rows,
--            analyze every 500 changes (the vt index plan depends on fresh statistics), no
--            cost-based throttling, and insert-triggered vacuums so the visibility map stays set.
--   archive  pgmq.a_*: append-only, trimmed by retention: 5% thresholds instead of 20%.
--   hot      small switchboard tables rewritten all the time (stages.last_woken_at on every
--            wake-up, heartbeats, rate-limit slots): vacuum every 200 dead rows, unthrottled.
--   growing  the inbox and the ingested rows: 5% thresholds instead of 20%.
create function switchboard.autovacuum_options(p_kind text)
returns text[]
language sql
immutable
security invoker
set search_path = ''
as $$
  select case p_kind
    when 'queue' then array[
      'autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_threshold=500',
      'autovacuum_vacuum_insert_scale_factor=0', 'autovacuum_vacuum_insert_threshold=1000',
      'autovacuum_analyze_scale_factor=0', 'autovacuum_analyze_threshold=500',
      'autovacuum_vacuum_cost_delay=0']
    when 'archive' then array[
      'autovacuum_vacuum_scale_factor=0.05', 'autovacuum_vacuum_insert_scale_factor=0.05',
      'autovacuum_analyze_scale_factor=0.05']
    when 'hot' then array[
      'autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_threshold=200',
      'autovacuum_analyze_scale_factor=0', 'autovacuum_analyze_threshold=200',
      'autovacuum_vacuum_cost_delay=0']
    when 'growing' then array[
      'autovacuum_vacuum_scale_factor=0.05', 'autovacuum_vacuum_insert_scale_factor=0.05',
      'autovacuum_analyze_scale_factor=0.02']
  end
$$;

-- Applies autovacuum_options to every table that lacks them; returns how many tables it changed.
-- ALTER TABLE … SET only takes a SHARE UPDATE EXCLUSIVE lock (reads and writes go on), and with
-- lock_timeout a table busy with a vacuum is simply left for the next pass.
create function switchboard.tune_autovacuum()
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
set lock_timeout = '2s'
as $$
declare
  v_table record;
  v_changed integer := 0;
begin
  for v_table in
    select c.oid::regclass as rel, k.kind, switchboard.autovacuum_options(k.kind) as options
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    cross join lateral (
      select case
        when n.nspname = 'pgmq' and c.relname like 'q\_%' then 'queue'
        when n.nspname = 'pgmq' and c.relname like 'a\_%' then 'archive'
        when n.nspname = 'switchboard' and c.relname in ('stages', 'heartbeats', 'rate_limits', 'worker_slots') then 'hot'
        when n.nspname = 'switchboard' and c.relname in ('webhook_deliveries', 'calls', 'messages', 'work_items', 'stage_attempts') then 'growing'
      end as kind
    ) k
    where c.relkind = 'r'
      and k.kind is not null
      and not (coalesce(c.reloptions, '{}') @> switchboard.autovacuum_options(k.kind))
    order by 1
  loop
    begin
      execute pg_catalog.format('alter table %s set (%s)', v_table.rel,
        pg_catalog.array_to_string(v_table.options, ', '));
      v_changed := v_changed + 1;
    exception when insufficient_privilege or lock_not_available then
      raise notice 'Autovacuum settings not applied to % (%); retrying on the next pass', v_table.rel, sqlerrm;
    end;
  end loop;
  return v_changed;
end
$$;

select switchboard.tune_autovacuum();
