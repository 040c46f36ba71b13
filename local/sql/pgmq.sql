-- pgmq compat: a plain SQL/plpgsql stand-in for the pgmq extension (Supabase Queues).
--
-- Holds the compat to pgmq 1.5.1, the version Supabase ships to new projects (2026-11-29):
-- supabase/postgres builds every pgmq version listed in nix/ext/versions.json (1.4.4 and 1.5.1)
-- and makes the newest one the control file's default_version, so `create extension pgmq` (what
-- the dashboard's Queues toggle and our migrations run) installs 1.5.1. Studio's
-- DEFAULT_PGMQ_VERSION is '1.5.1'. Bumps to 1.11.1 (supabase/postgres#2139) and 1.13.0 (#2431)
-- were still open PRs. Older projects may still run 1.4.4; everything Switchboard calls
-- (create, send(queue, msg), read(queue, vt, qty), delete, archive, set_vt, metrics_all,
-- list_queues) behaves the same on both.
--
-- Debian does not package pgmq and these machines have no Docker, so the local platform installs
-- this file instead, into the same `pgmq` schema. It reproduces upstream's pgmq--1.5.1.sql (as
-- installed outside an extension, which 1.5.x supports): the same 40 functions with the same
-- argument names, defaults, overloads and return types, the same types and tables
-- (`pgmq.meta`, `pgmq.q_<queue>` and `pgmq.a_<queue>`, both with `headers`), and the same
-- semantics and locks: read/pop/set_vt measure visibility with clock_timestamp(), reads skip
-- locked rows, purge_queue TRUNCATEs (ACCESS EXCLUSIVE: concurrent send/read wait for it),
-- drop_queue of an unknown queue returns true, drop_queue(queue, partitioned) is deprecated
-- (WARNING) and delegates. Supabase's after-create script replaces drop_queue(text) with a
-- variant that only detaches tables that are extension members; outside an extension both
-- behave as this one.
--
-- Local only: installed by local/database.ts when the extension is unavailable, never part of
-- supabase/migrations. Idempotent: safe to run again, and it upgrades a database that has the
-- earlier 1.4.4 compat in place (adds `headers` and `queue_visible_length`, replaces the
-- signatures 1.5 changed).
--
-- Deliberate differences from upstream 1.5.1, none visible to callers:
--   * no ALTER EXTENSION bookkeeping (there is no extension to attach queue tables to);
--   * values go through `execute … using` instead of being formatted into the SQL text, and
--     every function pins `search_path = ''`;
--   * partitioned queues need pg_partman, which is not available locally: those entry points
--     exist with upstream signatures but raise.
-- Version marker: the schema comment names the pgmq version this file holds the API to; the
-- contract suite (supabase/tests/platform/pgmq_contract.test.sql) reads it, or the extension's
-- extversion when the real extension is installed.

create schema if not exists pgmq;
comment on schema pgmq is 'pgmq 1.5.1 API (Switchboard local compat, local/sql/pgmq.sql)';

-- One row per queue, as upstream.
create table if not exists pgmq.meta (
  queue_name varchar unique not null,
  is_partitioned boolean not null,
  is_unlogged boolean not null,
  created_at timestamp with time zone default now() not null
);

-- Upstream lets pg_monitor see queue tables (metrics scrapers rely on it).
grant usage on schema pgmq to pg_monitor;
grant select on all tables in schema pgmq to pg_monitor;
grant select on all sequences in schema pgmq to pg_monitor;
alter default privileges in schema pgmq grant select on tables to pg_monitor;
alter default privileges in schema pgmq grant select on sequences to pg_monitor;

-- Composite types are not covered by `create … if not exists`, hence the guards. A database
-- that has the 1.4.4 compat gets the attributes 1.5.0 added.
do $$
begin
  if pg_catalog.to_regtype('pgmq.message_record') is null then
    create type pgmq.message_record as (
      msg_id bigint,
      read_ct integer,
      enqueued_at timestamp with time zone,
      vt timestamp with time zone,
      message jsonb,
      headers jsonb
    );
  elsif not exists (
    select 1 from pg_catalog.pg_attribute
    where attrelid = (select t.typrelid from pg_catalog.pg_type t where t.oid = 'pgmq.message_record'::regtype)
      and attname = 'headers' and not attisdropped
  ) then
    alter type pgmq.message_record add attribute headers jsonb;
  end if;

  if pg_catalog.to_regtype('pgmq.queue_record') is null then
    create type pgmq.queue_record as (
      queue_name varchar,
      is_partitioned boolean,
      is_unlogged boolean,
      created_at timestamp with time zone
    );
  end if;

  if pg_catalog.to_regtype('pgmq.metrics_result') is null then
    create type pgmq.metrics_result as (
      queue_name text,
      queue_length bigint,
      newest_msg_age_sec int,
      oldest_msg_age_sec int,
      total_messages bigint,
      scrape_time timestamp with time zone,
      queue_visible_length bigint
    );
  elsif not exists (
    select 1 from pg_catalog.pg_attribute
    where attrelid = (select t.typrelid from pg_catalog.pg_type t where t.oid = 'pgmq.metrics_result'::regtype)
      and attname = 'queue_visible_length' and not attisdropped
  ) then
    alter type pgmq.metrics_result add attribute queue_visible_length bigint;
  end if;
end
$$;

-- Upgrading from the 1.4.4 compat: queue and archive tables gain `headers` (1.5.0), and the
-- functions whose signatures 1.5 changed are dropped so the definitions below can take their
-- place (`create or replace` can neither rename an argument nor remove a default).
do $$
declare
  v_queue record;
  v_fn record;
begin
  for v_queue in select m.queue_name from pgmq.meta m where not m.is_partitioned loop
    if pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', 'q_' || pg_catalog.lower(v_queue.queue_name))) is not null then
      execute pg_catalog.format('alter table pgmq.%I add column if not exists headers jsonb', 'q_' || pg_catalog.lower(v_queue.queue_name));
    end if;
    if pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', 'a_' || pg_catalog.lower(v_queue.queue_name))) is not null then
      execute pg_catalog.format('alter table pgmq.%I add column if not exists headers jsonb', 'a_' || pg_catalog.lower(v_queue.queue_name));
    end if;
  end loop;

  for v_fn in
    select p.oid::regprocedure as sig
    from pg_catalog.pg_proc p
    where p.pronamespace = 'pgmq'::regnamespace
      and (
        -- 1.4.x only: read without conditional, read_with_poll without conditional
        p.oid = pg_catalog.to_regprocedure('pgmq.read(text, integer, integer)')
        or p.oid = pg_catalog.to_regprocedure('pgmq.read_with_poll(text, integer, integer, integer, integer)')
        -- the earlier compat's read(…, conditions jsonb) without a default
        or (p.oid = pg_catalog.to_regprocedure('pgmq.read(text, integer, integer, jsonb)') and p.pronargdefaults = 0)
        -- 1.4.x defaults that 1.5 removed (delay integer default 0, partitioned default false)
        or (p.oid = pg_catalog.to_regprocedure('pgmq.send(text, jsonb, integer)') and p.pronargdefaults > 0)
        or (p.oid = pg_catalog.to_regprocedure('pgmq.send_batch(text, jsonb[], integer)') and p.pronargdefaults > 0)
        or (p.oid = pg_catalog.to_regprocedure('pgmq.drop_queue(text, boolean)') and p.pronargdefaults > 0)
      )
  loop
    execute pg_catalog.format('drop function %s', v_fn.sig);
  end loop;
end
$$;

------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------

-- Table name for a queue: lower(prefix || '_' || queue_name), rejecting the characters
-- upstream rejects. Callers still quote the result with %I.
create or replace function pgmq.format_table_name(queue_name text, prefix text)
returns text
language plpgsql
set search_path = ''
as $$
begin
  if queue_name ~ '\$|;|--|''' then
    raise exception 'queue name contains invalid characters: $, ;, --, or \''';
  end if;
  return pg_catalog.lower(prefix || '_' || queue_name);
end;
$$;

-- Upstream's limit: names of 48 characters or more are refused (so 47 is the maximum; the
-- message is upstream's, off by one included), which keeps q_<name>_msg_id_seq within 63 bytes.
create or replace function pgmq.validate_queue_name(queue_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  if pg_catalog.length(queue_name) >= 48 then
    raise exception 'queue name is too long, maximum length is 48 characters';
  end if;
end;
$$;

-- 1.5.1: whether an extension is installed (pgmq checks for itself before ALTER EXTENSION).
create or replace function pgmq._extension_exists(extension_name text)
returns boolean
language sql
set search_path = ''
as $$
  select exists (
    select 1 from pg_catalog.pg_extension e where e.extname = _extension_exists.extension_name
  )
$$;

-- Whether a table is a member of the pgmq extension; always false here (no extension).
create or replace function pgmq._belongs_to_pgmq(table_name text)
returns boolean
language sql
set search_path = ''
as $$
  select exists (
    select 1
    from pg_catalog.pg_depend d
    join pg_catalog.pg_extension e on e.oid = d.refobjid
    join pg_catalog.pg_class c on c.oid = d.objid
    where e.extname = 'pgmq' and c.relname = _belongs_to_pgmq.table_name
  )
$$;

------------------------------------------------------------------------------------------------
-- Queue lifecycle
------------------------------------------------------------------------------------------------

-- Creates the queue table, its archive and the meta row. Every step is "if not exists", so
-- creating an existing queue is a no-op.
create or replace function pgmq.create_non_partitioned(queue_name text)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_atable text := pgmq.format_table_name(queue_name, 'a');
begin
  perform pgmq.validate_queue_name(queue_name);

  execute pg_catalog.format(
    $sql$
    create table if not exists pgmq.%I (
      msg_id bigint primary key generated always as identity,
      read_ct int default 0 not null,
      enqueued_at timestamp with time zone default now() not null,
      vt timestamp with time zone not null,
      message jsonb,
      headers jsonb
    )
    $sql$,
    v_qtable
  );

  execute pg_catalog.format(
    $sql$
    create table if not exists pgmq.%I (
      msg_id bigint primary key,
      read_ct int default 0 not null,
      enqueued_at timestamp with time zone default now() not null,
      archived_at timestamp with time zone default now() not null,
      vt timestamp with time zone not null,
      message jsonb,
      headers jsonb
    )
    $sql$,
    v_atable
  );

  execute pg_catalog.format('create index if not exists %I on pgmq.%I (vt asc)', v_qtable || '_vt_idx', v_qtable);
  execute pg_catalog.format('create index if not exists %I on pgmq.%I (archived_at)', 'archived_at_idx_' || queue_name, v_atable);

  insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
  values (create_non_partitioned.queue_name, false, false)
  on conflict do nothing;
end;
$$;

create or replace function pgmq.create(queue_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pgmq.create_non_partitioned(queue_name);
end;
$$;

-- Same as create, but the queue table (not the archive) is unlogged.
create or replace function pgmq.create_unlogged(queue_name text)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_atable text := pgmq.format_table_name(queue_name, 'a');
begin
  perform pgmq.validate_queue_name(queue_name);

  execute pg_catalog.format(
    $sql$
    create unlogged table if not exists pgmq.%I (
      msg_id bigint primary key generated always as identity,
      read_ct int default 0 not null,
      enqueued_at timestamp with time zone default now() not null,
      vt timestamp with time zone not null,
      message jsonb,
      headers jsonb
    )
    $sql$,
    v_qtable
  );

  execute pg_catalog.format(
    $sql$
    create table if not exists pgmq.%I (
      msg_id bigint primary key,
      read_ct int default 0 not null,
      enqueued_at timestamp with time zone default now() not null,
      archived_at timestamp with time zone default now() not null,
      vt timestamp with time zone not null,
      message jsonb,
      headers jsonb
    )
    $sql$,
    v_atable
  );

  execute pg_catalog.format('create index if not exists %I on pgmq.%I (vt asc)', v_qtable || '_vt_idx', v_qtable);
  execute pg_catalog.format('create index if not exists %I on pgmq.%I (archived_at)', 'archived_at_idx_' || queue_name, v_atable);

  insert into pgmq.meta (queue_name, is_partitioned, is_unlogged)
  values (create_unlogged.queue_name, false, true)
  on conflict do nothing;
end;
$$;

-- pg_partman helpers, as upstream (used only by the partitioned entry points).
create or replace function pgmq._get_pg_partman_schema()
returns text
language sql
set search_path = ''
as $$
  select e.extnamespace::pg_catalog.regnamespace::text
  from pg_catalog.pg_extension e
  where e.extname = 'pg_partman'
$$;

create or replace function pgmq._get_pg_partman_major_version()
returns int
language sql
set search_path = ''
as $$
  select pg_catalog.split_part(e.extversion, '.', 1)::int
  from pg_catalog.pg_extension e
  where e.extname = 'pg_partman'
$$;

create or replace function pgmq._ensure_pg_partman_installed()
returns void
language plpgsql
set search_path = ''
as $$
begin
  if not pgmq._extension_exists('pg_partman') then
    raise exception 'pg_partman is required for partitioned queues';
  end if;
end;
$$;

-- Numeric interval → partition by msg_id; anything else → by enqueued_at (upstream rule).
create or replace function pgmq._get_partition_col(partition_interval text)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_num integer;
begin
  begin
    v_num := partition_interval::integer;
    return 'msg_id';
  exception
    when others then
      return 'enqueued_at';
  end;
end;
$$;

-- Partitioned queues need pg_partman; without it upstream raises the same error. The compat
-- install does not implement partitioning even where pg_partman exists.
create or replace function pgmq.create_partitioned(
  queue_name text,
  partition_interval text default '10000',
  retention_interval text default '100000'
)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pgmq.validate_queue_name(queue_name);
  perform pgmq._ensure_pg_partman_installed();
  raise exception 'partitioned queues are not supported by the local pgmq compat install'
    using errcode = 'feature_not_supported';
end;
$$;

create or replace function pgmq.convert_archive_partitioned(
  table_name text,
  partition_interval text default '10000',
  retention_interval text default '100000',
  leading_partition int default 10
)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pgmq._ensure_pg_partman_installed();
  raise exception 'partitioned archives are not supported by the local pgmq compat install'
    using errcode = 'feature_not_supported';
end;
$$;

-- Upstream detaches the archive table from the extension so DROP EXTENSION keeps it; outside
-- an extension (1.5.1 checks) there is nothing to detach.
create or replace function pgmq.detach_archive(queue_name text)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_atable text := pgmq.format_table_name(queue_name, 'a');
begin
  if pgmq._extension_exists('pgmq') then
    execute pg_catalog.format('alter extension pgmq drop table pgmq.%I', v_atable);
  end if;
end;
$$;

-- Drops both tables and the meta row; true, also for a queue that does not exist (1.5.1:
-- DROP TABLE IF EXISTS; 1.4.4 failed with "relation does not exist").
create or replace function pgmq.drop_queue(queue_name text)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_atable text := pgmq.format_table_name(queue_name, 'a');
  v_partitioned boolean;
begin
  select m.is_partitioned into v_partitioned from pgmq.meta m where m.queue_name = drop_queue.queue_name;

  execute pg_catalog.format('drop table if exists pgmq.%I', v_qtable);
  execute pg_catalog.format('drop table if exists pgmq.%I', v_atable);

  delete from pgmq.meta m where m.queue_name = drop_queue.queue_name;

  if v_partitioned then
    execute pg_catalog.format(
      'delete from %I.part_config where parent_table in ($1, $2)',
      pgmq._get_pg_partman_schema()
    )
    using 'pgmq.' || v_qtable, 'pgmq.' || v_atable;
  end if;

  return true;
end;
$$;

-- 1.5: deprecated; the queue's type is read from pgmq.meta, the flag is ignored.
create or replace function pgmq.drop_queue(queue_name text, partitioned boolean)
returns boolean
language plpgsql
set search_path = ''
as $$
begin
  raise warning 'drop_queue(queue_name, partitioned) is deprecated and will be removed in PGMQ v2.0. Use drop_queue(queue_name) instead';
  perform pgmq.drop_queue(queue_name);
  return true;
end;
$$;

create or replace function pgmq.list_queues()
returns setof pgmq.queue_record
language plpgsql
set search_path = ''
as $$
begin
  return query select m.queue_name, m.is_partitioned, m.is_unlogged, m.created_at from pgmq.meta m;
end;
$$;

-- Deletes every message; returns how many there were. 1.5 counts, then TRUNCATEs: the ACCESS
-- EXCLUSIVE lock makes a concurrent send or read wait until this transaction ends (1.4.4
-- deleted row by row). The identity sequence keeps counting, so total_messages is unaffected.
create or replace function pgmq.purge_queue(queue_name text)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_count integer;
begin
  execute pg_catalog.format('select count(*) from pgmq.%I', v_qtable) into v_count;
  execute pg_catalog.format('truncate table pgmq.%I', v_qtable);
  return v_count;
end;
$$;

------------------------------------------------------------------------------------------------
-- Producing: send and send_batch, each one implementation (headers, visible-at timestamp) and
-- five overloads, as 1.5.1. No argument has a default (1.4.x had delay integer default 0).
------------------------------------------------------------------------------------------------

create or replace function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay timestamp with time zone)
returns setof bigint
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute pg_catalog.format(
    'insert into pgmq.%I (vt, message, headers) values ($2, $1, $3) returning msg_id',
    v_qtable
  )
  using msg, delay, headers;
end;
$$;

create or replace function pgmq.send(queue_name text, msg jsonb)
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send(queue_name, msg, null::jsonb, pg_catalog.clock_timestamp())
$$;

create or replace function pgmq.send(queue_name text, msg jsonb, headers jsonb)
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send(queue_name, msg, headers, pg_catalog.clock_timestamp())
$$;

create or replace function pgmq.send(queue_name text, msg jsonb, delay integer)
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send(queue_name, msg, null::jsonb, pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => delay))
$$;

create or replace function pgmq.send(queue_name text, msg jsonb, delay timestamp with time zone)
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send(queue_name, msg, null::jsonb, delay)
$$;

create or replace function pgmq.send(queue_name text, msg jsonb, headers jsonb, delay integer)
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send(queue_name, msg, headers, pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => delay))
$$;

-- Messages and headers are paired by position (upstream unnests both side by side: a shorter
-- headers array leaves the rest null). Ids are assigned in array order.
create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay timestamp with time zone)
returns setof bigint
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute pg_catalog.format(
    $sql$
    insert into pgmq.%I (vt, message, headers)
    select $2, t.msg, t.hdr
    from unnest($1, coalesce($3, array[]::jsonb[])) with ordinality as t(msg, hdr, ord)
    order by t.ord
    returning msg_id
    $sql$,
    v_qtable
  )
  using msgs, delay, headers;
end;
$$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[])
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send_batch(queue_name, msgs, null::jsonb[], pg_catalog.clock_timestamp())
$$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[])
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send_batch(queue_name, msgs, headers, pg_catalog.clock_timestamp())
$$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer)
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send_batch(queue_name, msgs, null::jsonb[], pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => delay))
$$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], delay timestamp with time zone)
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send_batch(queue_name, msgs, null::jsonb[], delay)
$$;

create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], headers jsonb[], delay integer)
returns setof bigint
language sql
set search_path = ''
as $$
  select * from pgmq.send_batch(queue_name, msgs, headers, pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => delay))
$$;

------------------------------------------------------------------------------------------------
-- Consuming
------------------------------------------------------------------------------------------------

-- Reads up to `qty` visible messages in msg_id order and hides them for `vt` seconds. Rows
-- another transaction is reading are skipped (SKIP LOCKED), so concurrent readers never get
-- the same message. `conditional` (1.5): only messages containing it (jsonb @>); '{}' or null
-- means no filter.
create or replace function pgmq.read(queue_name text, vt integer, qty integer, conditional jsonb default '{}')
returns setof pgmq.message_record
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute pg_catalog.format(
    $sql$
    with cte as (
      select msg_id
      from pgmq.%1$I
      where vt <= pg_catalog.clock_timestamp()
        and ($3::jsonb is null or $3::jsonb = '{}'::jsonb or message @> $3::jsonb)
      order by msg_id asc
      limit $1
      for update skip locked
    )
    update pgmq.%1$I m
    set vt = pg_catalog.clock_timestamp() + $2,
        read_ct = m.read_ct + 1
    from cte
    where m.msg_id = cte.msg_id
    returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers
    $sql$,
    v_qtable
  )
  using qty, pg_catalog.make_interval(secs => vt), conditional;
end;
$$;

-- read, retried every poll_interval_ms until something is visible or max_poll_seconds pass.
create or replace function pgmq.read_with_poll(
  queue_name text,
  vt integer,
  qty integer,
  max_poll_seconds integer default 5,
  poll_interval_ms integer default 100,
  conditional jsonb default '{}'
)
returns setof pgmq.message_record
language plpgsql
set search_path = ''
as $$
declare
  v_stop_at timestamp with time zone :=
    pg_catalog.clock_timestamp() + pg_catalog.make_interval(secs => max_poll_seconds);
begin
  loop
    if pg_catalog.clock_timestamp() >= v_stop_at then
      return;
    end if;

    return query
      select * from pgmq.read(read_with_poll.queue_name, read_with_poll.vt, read_with_poll.qty, read_with_poll.conditional);
    if found then
      return;
    end if;

    perform pg_catalog.pg_sleep(poll_interval_ms::numeric / 1000);
  end loop;
end;
$$;

-- Reads and deletes the first visible message (visible: vt <= clock_timestamp(), since 1.5.0).
create or replace function pgmq.pop(queue_name text)
returns setof pgmq.message_record
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute pg_catalog.format(
    $sql$
    with cte as (
      select msg_id
      from pgmq.%1$I
      where vt <= pg_catalog.clock_timestamp()
      order by msg_id asc
      limit 1
      for update skip locked
    )
    delete from pgmq.%1$I m
    where m.msg_id = (select cte.msg_id from cte)
    returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers
    $sql$,
    v_qtable
  );
end;
$$;

-- Sets a message's visibility timeout to clock_timestamp() + vt seconds (1.5.0; 1.4.x used
-- now()); returns the updated message (no row when the id is unknown).
create or replace function pgmq.set_vt(queue_name text, msg_id bigint, vt integer)
returns setof pgmq.message_record
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute pg_catalog.format(
    $sql$
    update pgmq.%I m
    set vt = pg_catalog.clock_timestamp() + $2
    where m.msg_id = $1
    returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message, m.headers
    $sql$,
    v_qtable
  )
  using msg_id, pg_catalog.make_interval(secs => vt);
end;
$$;

-- Deletes one message; true when it existed.
create or replace function pgmq.delete(queue_name text, msg_id bigint)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_deleted bigint;
begin
  execute pg_catalog.format('delete from pgmq.%I m where m.msg_id = $1 returning m.msg_id', v_qtable)
    into v_deleted
    using msg_id;
  return v_deleted is not null;
end;
$$;

-- Deletes several messages; returns the ids that existed.
create or replace function pgmq.delete(queue_name text, msg_ids bigint[])
returns setof bigint
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute pg_catalog.format(
    'delete from pgmq.%I m where m.msg_id = any($1) returning m.msg_id',
    v_qtable
  )
  using msg_ids;
end;
$$;

-- Moves one message (with its headers) to pgmq.a_<queue> (archived_at = now()); true when it
-- existed.
create or replace function pgmq.archive(queue_name text, msg_id bigint)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_atable text := pgmq.format_table_name(queue_name, 'a');
  v_archived bigint;
begin
  execute pg_catalog.format(
    $sql$
    with archived as (
      delete from pgmq.%I m
      where m.msg_id = $1
      returning m.msg_id, m.vt, m.read_ct, m.enqueued_at, m.message, m.headers
    )
    insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message, headers)
    select a.msg_id, a.vt, a.read_ct, a.enqueued_at, a.message, a.headers
    from archived a
    returning msg_id
    $sql$,
    v_qtable,
    v_atable
  )
  into v_archived
  using msg_id;
  return v_archived is not null;
end;
$$;

-- Moves several messages to pgmq.a_<queue>; returns the ids that existed.
create or replace function pgmq.archive(queue_name text, msg_ids bigint[])
returns setof bigint
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_atable text := pgmq.format_table_name(queue_name, 'a');
begin
  return query execute pg_catalog.format(
    $sql$
    with archived as (
      delete from pgmq.%I m
      where m.msg_id = any($1)
      returning m.msg_id, m.vt, m.read_ct, m.enqueued_at, m.message, m.headers
    )
    insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message, headers)
    select a.msg_id, a.vt, a.read_ct, a.enqueued_at, a.message, a.headers
    from archived a
    returning msg_id
    $sql$,
    v_qtable,
    v_atable
  )
  using msg_ids;
end;
$$;

------------------------------------------------------------------------------------------------
-- Metrics
------------------------------------------------------------------------------------------------

-- queue_length: messages in the queue (visible or not); queue_visible_length (1.5): those with
-- vt <= now(); ages are measured from now(); total_messages: every msg_id ever issued (the
-- identity sequence's last value).
create or replace function pgmq.metrics(queue_name text)
returns pgmq.metrics_result
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_seq text;
  v_total bigint;
  v_result pgmq.metrics_result;
begin
  -- Already quoted and schema-qualified by pg_get_serial_sequence.
  v_seq := pg_catalog.pg_get_serial_sequence(pg_catalog.format('pgmq.%I', v_qtable), 'msg_id');
  execute 'select case when is_called then last_value else 0 end from ' || v_seq into v_total;

  execute pg_catalog.format(
    $sql$
    select
      $1::text,
      count(*)::bigint,
      extract(epoch from (pg_catalog.now() - max(enqueued_at)))::int,
      extract(epoch from (pg_catalog.now() - min(enqueued_at)))::int,
      $2::bigint,
      pg_catalog.now(),
      count(*) filter (where vt <= pg_catalog.now())::bigint
    from pgmq.%I
    $sql$,
    v_qtable
  )
  into v_result
  using queue_name, v_total;

  return v_result;
end;
$$;

create or replace function pgmq.metrics_all()
returns setof pgmq.metrics_result
language plpgsql
set search_path = ''
as $$
declare
  v_queue record;
begin
  for v_queue in select m.queue_name from pgmq.meta m loop
    return next pgmq.metrics(v_queue.queue_name);
  end loop;
end;
$$;
