-- pgmq compat: a plain SQL/plpgsql stand-in for the pgmq extension (Supabase Queues).
--
-- Supabase ships pgmq as an extension (pinned to 1.4.4). Debian does not package it and these
-- machines have no Docker, so the local platform installs this file instead, into the same
-- `pgmq` schema. It reproduces the pgmq 1.4.4 API: the same function names, argument names,
-- types, defaults and return types, the same tables (`pgmq.meta`, `pgmq.q_<queue>`,
-- `pgmq.a_<queue>`) and the same semantics (visibility timeouts, FOR UPDATE SKIP LOCKED reads,
-- archive, metrics). Code written against it runs unchanged against the real extension.
--
-- Local only: installed by local/database.ts when the extension is unavailable, never part of
-- supabase/migrations. Idempotent: safe to run again on a database that already has it.
--
-- Deliberate differences from upstream 1.4.4, none visible to callers:
--   * no ALTER EXTENSION bookkeeping (there is no extension to attach queue tables to);
--   * values go through `execute … using` instead of being formatted into the SQL text;
--   * read_with_poll sleeps poll_interval_ms (1.4.4 divides integers and busy-waits; 1.4.5
--     fixed that);
--   * partitioned queues need pg_partman, which is not available locally: those entry points
--     exist with upstream signatures but raise.

create schema if not exists pgmq;

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

-- Composite types are not covered by `create … if not exists`, hence the guards.
do $$
begin
  -- 1.4.x has no `headers` attribute (added in 1.5.0).
  if pg_catalog.to_regtype('pgmq.message_record') is null then
    create type pgmq.message_record as (
      msg_id bigint,
      read_ct integer,
      enqueued_at timestamp with time zone,
      vt timestamp with time zone,
      message jsonb
    );
  end if;

  if pg_catalog.to_regtype('pgmq.queue_record') is null then
    create type pgmq.queue_record as (
      queue_name varchar,
      is_partitioned boolean,
      is_unlogged boolean,
      created_at timestamp with time zone
    );
  end if;

  -- 1.4.x has no `queue_visible_length` attribute (added in 1.5.0).
  if pg_catalog.to_regtype('pgmq.metrics_result') is null then
    create type pgmq.metrics_result as (
      queue_name text,
      queue_length bigint,
      newest_msg_age_sec int,
      oldest_msg_age_sec int,
      total_messages bigint,
      scrape_time timestamp with time zone
    );
  end if;
end
$$;

------------------------------------------------------------------------------------------------
-- Naming helpers
------------------------------------------------------------------------------------------------

-- Table name for a queue: lower(prefix || '_' || queue_name), rejecting the characters
-- upstream rejects. Callers still quote the result with %I.
create or replace function pgmq.format_table_name(queue_name text, prefix text)
returns text
language plpgsql
immutable
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
immutable
set search_path = ''
as $$
begin
  if pg_catalog.length(queue_name) >= 48 then
    raise exception 'queue name is too long, maximum length is 48 characters';
  end if;
end;
$$;

-- Whether a table is a member of the pgmq extension; always false here (no extension).
create or replace function pgmq._belongs_to_pgmq(table_name text)
returns boolean
language sql
stable
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
      message jsonb
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
      message jsonb
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
      message jsonb
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
      message jsonb
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
stable
set search_path = ''
as $$
  select e.extnamespace::pg_catalog.regnamespace::text
  from pg_catalog.pg_extension e
  where e.extname = 'pg_partman'
$$;

create or replace function pgmq._get_pg_partman_major_version()
returns int
language sql
stable
set search_path = ''
as $$
  select pg_catalog.split_part(e.extversion, '.', 1)::int
  from pg_catalog.pg_extension e
  where e.extname = 'pg_partman'
$$;

create or replace function pgmq._ensure_pg_partman_installed()
returns void
language plpgsql
stable
set search_path = ''
as $$
begin
  if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_partman') then
    raise exception 'pg_partman is required for partitioned queues';
  end if;
end;
$$;

-- Numeric interval → partition by msg_id; anything else → by enqueued_at (upstream rule).
create or replace function pgmq._get_partition_col(partition_interval text)
returns text
language plpgsql
immutable
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

-- Upstream detaches the archive table from the extension so DROP EXTENSION keeps it. There is
-- no extension here, so the archive is already independent: check the name, nothing else.
create or replace function pgmq.detach_archive(queue_name text)
returns void
language plpgsql
set search_path = ''
as $$
begin
  perform pgmq.format_table_name(queue_name, 'a');
end;
$$;

-- Drops both tables and the meta row; true on success. Upstream 1.4.4 fails with "relation
-- does not exist" for an unknown queue (its ALTER EXTENSION step needs the table); so does this.
create or replace function pgmq.drop_queue(queue_name text, partitioned boolean default false)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_atable text := pgmq.format_table_name(queue_name, 'a');
begin
  if partitioned then
    perform pgmq._ensure_pg_partman_installed();
  end if;

  if pg_catalog.to_regclass(pg_catalog.format('pgmq.%I', v_qtable)) is null then
    raise exception 'relation "pgmq.%" does not exist', v_qtable using errcode = 'undefined_table';
  end if;

  execute pg_catalog.format('drop table if exists pgmq.%I', v_qtable);
  execute pg_catalog.format('drop table if exists pgmq.%I', v_atable);

  delete from pgmq.meta m where m.queue_name = drop_queue.queue_name;

  return true;
end;
$$;

create or replace function pgmq.list_queues()
returns setof pgmq.queue_record
language sql
stable
set search_path = ''
as $$
  select m.queue_name, m.is_partitioned, m.is_unlogged, m.created_at from pgmq.meta m
$$;

-- Deletes every message; returns how many there were. Upstream counts then truncates (the
-- identity sequence keeps counting, so metrics' total_messages is unaffected).
create or replace function pgmq.purge_queue(queue_name text)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
  v_count bigint;
begin
  execute pg_catalog.format('select count(*) from pgmq.%I', v_qtable) into v_count;
  execute pg_catalog.format('truncate table pgmq.%I', v_qtable);
  return v_count;
end;
$$;

------------------------------------------------------------------------------------------------
-- Producing
------------------------------------------------------------------------------------------------

-- Enqueues one message, visible after `delay` seconds; returns its msg_id.
create or replace function pgmq.send(queue_name text, msg jsonb, delay integer default 0)
returns setof bigint
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute pg_catalog.format(
    $sql$
    insert into pgmq.%I (vt, message)
    values (pg_catalog.clock_timestamp() + $2, $1)
    returning msg_id
    $sql$,
    v_qtable
  )
  using msg, pg_catalog.make_interval(secs => delay);
end;
$$;

-- Enqueues several messages (ids assigned in array order); returns their msg_ids.
create or replace function pgmq.send_batch(queue_name text, msgs jsonb[], delay integer default 0)
returns setof bigint
language plpgsql
set search_path = ''
as $$
declare
  v_qtable text := pgmq.format_table_name(queue_name, 'q');
begin
  return query execute pg_catalog.format(
    $sql$
    insert into pgmq.%I (vt, message)
    select pg_catalog.clock_timestamp() + $2, t.msg
    from pg_catalog.unnest($1) with ordinality as t(msg, ord)
    order by t.ord
    returning msg_id
    $sql$,
    v_qtable
  )
  using msgs, pg_catalog.make_interval(secs => delay);
end;
$$;

------------------------------------------------------------------------------------------------
-- Consuming
------------------------------------------------------------------------------------------------

-- Reads up to `qty` visible messages in msg_id order and hides them for `vt` seconds. Rows
-- another transaction is reading are skipped (SKIP LOCKED), so concurrent readers never get
-- the same message.
create or replace function pgmq.read(queue_name text, vt integer, qty integer)
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
      limit $1
      for update skip locked
    )
    update pgmq.%1$I m
    set vt = pg_catalog.clock_timestamp() + $2,
        read_ct = m.read_ct + 1
    from cte
    where m.msg_id = cte.msg_id
    returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message
    $sql$,
    v_qtable
  )
  using qty, pg_catalog.make_interval(secs => vt);
end;
$$;

-- 1.4.x overload: only messages containing `conditions` (jsonb @>); null means no filter.
create or replace function pgmq.read(queue_name text, vt integer, qty integer, conditions jsonb)
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
        and ($3::jsonb is null or message @> $3::jsonb)
      order by msg_id asc
      limit $1
      for update skip locked
    )
    update pgmq.%1$I m
    set vt = pg_catalog.clock_timestamp() + $2,
        read_ct = m.read_ct + 1
    from cte
    where m.msg_id = cte.msg_id
    returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message
    $sql$,
    v_qtable
  )
  using qty, pg_catalog.make_interval(secs => vt), conditions;
end;
$$;

-- read, retried every poll_interval_ms until something is visible or max_poll_seconds pass.
create or replace function pgmq.read_with_poll(
  queue_name text,
  vt integer,
  qty integer,
  max_poll_seconds integer default 5,
  poll_interval_ms integer default 100
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
      select * from pgmq.read(read_with_poll.queue_name, read_with_poll.vt, read_with_poll.qty);
    if found then
      return;
    end if;

    perform pg_catalog.pg_sleep(poll_interval_ms::numeric / 1000);
  end loop;
end;
$$;

-- Reads and deletes the first visible message. Upstream compares vt with now() (transaction
-- start) here, unlike read, which uses clock_timestamp(); kept as is.
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
      where vt <= pg_catalog.now()
      order by msg_id asc
      limit 1
      for update skip locked
    )
    delete from pgmq.%1$I m
    using cte
    where m.msg_id = cte.msg_id
    returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message
    $sql$,
    v_qtable
  );
end;
$$;

-- Sets a message's visibility timeout to now() + vt seconds; returns the updated message
-- (no row when the id is unknown).
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
    set vt = pg_catalog.now() + $2
    where m.msg_id = $1
    returning m.msg_id, m.read_ct, m.enqueued_at, m.vt, m.message
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

-- Moves one message to pgmq.a_<queue> (archived_at = now()); true when it existed.
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
      returning m.msg_id, m.vt, m.read_ct, m.enqueued_at, m.message
    )
    insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message)
    select a.msg_id, a.vt, a.read_ct, a.enqueued_at, a.message
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
      returning m.msg_id, m.vt, m.read_ct, m.enqueued_at, m.message
    )
    insert into pgmq.%I (msg_id, vt, read_ct, enqueued_at, message)
    select a.msg_id, a.vt, a.read_ct, a.enqueued_at, a.message
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

-- queue_length: messages in the queue (visible or not); ages are measured from now();
-- total_messages: every msg_id ever issued (the identity sequence's last value).
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
      pg_catalog.now()
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
