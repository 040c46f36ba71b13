-- The stage engine's transitions, one function each (tables in the previous migration):
--
--   start_work          a new subject enters its first stage (row triggers call it)
--   acquire_worker_slot a worker may drain only while it holds one of the stage's slots
--   claim               reads a batch and leases each claimable item with a fencing token
--   complete            the token's claim succeeded: next stage (enqueued, woken) or done
--   fail                retry with backoff, or give up into dead_letters
--   release             a claim the worker will not start (budget, shutdown) goes back at once
--   extend_lease        long work keeps its claim
--   release_worker_slot gives the slot back and wakes the stage again if work remains
--   watchdog            (pg_cron) expired leases back to their stage, lost messages re-sent
--   sweep               (pg_cron) wakes enabled stages with visible work and a free slot
--   replay              dead letters back to their stage: one, a stage's, or an error code's
--
-- Time is a parameter everywhere (p_now), so tests move the clock instead of sleeping. pgmq's
-- own visibility timeouts run on the database clock; the lease on the item is what counts.

-- Mirrors the pipeline position onto the subject's row (calls.pipeline_status …) for people
-- reading it in Studio; a no-op when the status is already that or the table has no column.
create function switchboard.set_subject_status(p_kind text, p_subject_id bigint, p_status text)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_kind switchboard.subject_kinds;
begin
  select * into v_kind from switchboard.subject_kinds k where k.kind = p_kind;
  if v_kind.status_column is null or p_status is null then
    return;
  end if;
  execute pg_catalog.format(
    'update %s t set %I = $2 where t.id = $1 and t.%I is distinct from $2',
    v_kind.table_name::regclass, v_kind.status_column, v_kind.status_column)
    using p_subject_id, p_status;
end
$$;

-- The same for many subjects of one kind in one statement (the batch transitions).
create function switchboard.set_subjects_status(p_kind text, p_subject_ids bigint[], p_status text)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_kind switchboard.subject_kinds;
begin
  select * into v_kind from switchboard.subject_kinds k where k.kind = p_kind;
  if v_kind.status_column is null or p_status is null or coalesce(pg_catalog.cardinality(p_subject_ids), 0) = 0 then
    return;
  end if;
  execute pg_catalog.format(
    'update %s t set %I = $2 where t.id = any ($1) and t.%I is distinct from $2',
    v_kind.table_name::regclass, v_kind.status_column, v_kind.status_column)
    using p_subject_ids, p_status;
end
$$;

-- The subject's row as JSON, handed to the stage's handler with its claim.
create function switchboard.subject_row(p_kind text, p_subject_id bigint)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_table text;
  v_row jsonb;
begin
  select k.table_name into v_table from switchboard.subject_kinds k where k.kind = p_kind;
  execute pg_catalog.format('select pg_catalog.to_jsonb(t) from %s t where t.id = $1', v_table::regclass)
    into v_row
    using p_subject_id;
  return v_row;
end
$$;

-- A subject enters its pipeline at p_stage: one work item (a second call is a no-op) and one
-- message, then a debounced wake-up. Returns the work item id, or null when it already existed.
create function switchboard.start_work(
  p_kind text,
  p_subject_id bigint,
  p_stage text,
  p_now timestamptz default now()
)
returns bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_stage switchboard.stages;
  v_msg_id bigint;
  v_item_id bigint;
begin
  select * into v_stage from switchboard.stages s where s.name = p_stage;
  if not found or v_stage.subject_kind is distinct from p_kind then
    raise exception 'Stage "%" does not take "%" subjects', p_stage, p_kind
      using errcode = 'invalid_parameter_value';
  end if;
  -- Send first so the common case (a new subject) is one insert; a duplicate takes it back.
  v_msg_id := pgmq.send(v_stage.queue_name, pg_catalog.jsonb_build_object('id', p_subject_id));
  insert into switchboard.work_items as w (
    subject_kind, subject_id, stage, status, stage_entered_at, run_after, msg_id, created_at, updated_at)
  values (p_kind, p_subject_id, p_stage, 'pending', p_now, p_now, v_msg_id, p_now, p_now)
  on conflict (subject_kind, subject_id) do nothing
  returning w.id into v_item_id;
  if v_item_id is null then
    perform pgmq.delete(v_stage.queue_name, v_msg_id);
    return null;
  end if;
  perform switchboard.set_subject_status(p_kind, p_subject_id, v_stage.pending_status);
  perform switchboard.wake(p_stage, p_now);
  return v_item_id;
end
$$;

-- Row trigger: TG_ARGV = (subject kind, first stage).
create function switchboard.tg_start_work()
returns trigger
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform switchboard.start_work(tg_argv[0], new.id, tg_argv[1]);
  return null;
end
$$;

-- Takes one of the stage's max_workers slots for p_worker (or renews the one it holds).
-- Null when the stage is disabled or every slot is held by a live worker: the caller then has
-- nothing to do, because the workers holding the slots drain the queue.
create function switchboard.acquire_worker_slot(
  p_stage text,
  p_worker text,
  p_now timestamptz default now()
)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_stage switchboard.stages;
  v_slot integer;
begin
  select * into v_stage from switchboard.stages s where s.name = p_stage;
  if not found or not v_stage.enabled then
    return null;
  end if;
  if (select pg_catalog.count(*) from switchboard.worker_slots w where w.stage = p_stage) < v_stage.max_workers then
    insert into switchboard.worker_slots (stage, slot)
    select p_stage, g from pg_catalog.generate_series(1, v_stage.max_workers) g
    on conflict do nothing;
  end if;
  -- skip locked: two workers racing for the last slot never wait on each other; one gets it.
  update switchboard.worker_slots w
  set worker_id = p_worker,
      held_until = p_now + pg_catalog.make_interval(secs => least(v_stage.slot_hold_seconds, v_stage.visibility_timeout_seconds))
  where (w.stage, w.slot) = (
    select c.stage, c.slot
    from switchboard.worker_slots c
    where c.stage = p_stage
      and c.slot <= v_stage.max_workers
      and (c.worker_id is null or c.held_until <= p_now or c.worker_id = p_worker)
    order by (c.worker_id is not distinct from p_worker) desc, c.slot
    limit 1
    for update skip locked
  )
  returning w.slot into v_slot;
  return v_slot;
end
$$;

-- Gives p_worker's slot back. When visible work remains (the worker stopped at its budget, or
-- a message arrived while every slot was held), the stage is woken again at once. True when it
-- was woken.
create function switchboard.release_worker_slot(
  p_stage text,
  p_worker text,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_queue text;
  v_visible boolean;
begin
  update switchboard.worker_slots w
  set worker_id = null, held_until = null
  where w.stage = p_stage and w.worker_id = p_worker;

  select s.queue_name into v_queue from switchboard.stages s where s.name = p_stage and s.enabled;
  if v_queue is null then
    return false;
  end if;
  execute pg_catalog.format('select exists (select 1 from pgmq.%I where vt <= $1)', 'q_' || v_queue)
    into v_visible
    using p_now;
  if v_visible then
    perform switchboard.wake(p_stage, p_now, true);
  end if;
  return v_visible;
end
$$;

-- Ends an item's life in its stage as failed: a dead letter with the error, the message
-- archived (kept for inspection), the subject marked failed. Callers hold the item's row lock.
create function switchboard.give_up(
  p_item_id bigint,
  p_error_code text,
  p_error_message text,
  p_retryable boolean,
  p_now timestamptz
)
returns bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_item switchboard.work_items;
  v_queue text;
  v_read_ct integer;
  v_message jsonb;
  v_dead_id bigint;
  v_error jsonb;
begin
  select * into v_item from switchboard.work_items w where w.id = p_item_id;
  select s.queue_name into v_queue from switchboard.stages s where s.name = v_item.stage;
  if v_item.msg_id is not null then
    execute pg_catalog.format('select q.read_ct, q.message from pgmq.%I q where q.msg_id = $1', 'q_' || v_queue)
      into v_read_ct, v_message
      using v_item.msg_id;
    perform pgmq.archive(v_queue, v_item.msg_id);
  end if;
  v_error := pg_catalog.jsonb_build_object('code', p_error_code, 'message', pg_catalog.left(p_error_message, 2000),
    'retryable', p_retryable, 'attempt', v_item.attempts, 'at', p_now);
  insert into switchboard.dead_letters (
    stage, item_id, subject_kind, subject_id, msg_id, message, read_ct, error_code, error_message,
    retryable, attempts, first_attempt_at, failed_at)
  values (
    v_item.stage, v_item.id, v_item.subject_kind, v_item.subject_id, v_item.msg_id,
    coalesce(v_message, pg_catalog.jsonb_build_object('id', v_item.subject_id)), v_read_ct,
    p_error_code, pg_catalog.left(p_error_message, 2000), coalesce(p_retryable, false),
    v_item.attempts, v_item.stage_entered_at, p_now)
  returning id into v_dead_id;
  update switchboard.work_items w
  set status = 'failed', token = null, locked_by = null, leased_until = null, msg_id = null,
      last_error = v_error, updated_at = p_now
  where w.id = p_item_id;
  perform switchboard.set_subject_status(v_item.subject_kind, v_item.subject_id, 'failed');
  return v_dead_id;
end
$$;

-- Claims up to p_qty (default: the stage's batch size) items for p_worker, which must hold a
-- worker slot (acquire_worker_slot): that is what bounds a stage's concurrency. For each message
-- read from the stage's queue:
--   * it names no subject id → poison: archived and dead-lettered at once;
--   * its item is gone, done, failed, in another stage, or leased by a live claim → the message
--     is deleted (the item's own message or the watchdog carries on its work);
--   * its item waits for a retry → the message is hidden until then;
--   * its item has used up its attempts (crash loops count too) → dead-lettered;
--   * otherwise the item is leased for the stage's visibility timeout with a new fencing token
--     (a stage_attempts id) and returned with the subject's row.
-- Per claimed item: one lock, one insert (the attempt), one update; the subjects' rows are read
-- in one statement for the whole batch.
create function switchboard.claim(
  p_stage text,
  p_worker text,
  p_qty integer default null,
  p_now timestamptz default now()
)
returns table (
  token bigint,
  item_id bigint,
  subject_id bigint,
  attempt integer,
  msg_id bigint,
  leased_until timestamptz,
  subject jsonb
)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_stage switchboard.stages;
  v_msg record;
  v_id bigint;
  v_item switchboard.work_items;
  v_lease timestamptz;
  v_due timestamptz;
  v_token bigint;
  v_tokens bigint[] := '{}';
  v_items bigint[] := '{}';
  v_subjects bigint[] := '{}';
  v_attempts integer[] := '{}';
  v_msgs bigint[] := '{}';
begin
  select * into v_stage from switchboard.stages s where s.name = p_stage;
  if not found then
    raise exception 'Unknown stage "%"', p_stage using errcode = 'invalid_parameter_value';
  end if;
  if not v_stage.enabled then
    return;
  end if;
  v_lease := p_now + pg_catalog.make_interval(secs => v_stage.visibility_timeout_seconds);
  update switchboard.worker_slots w
  set held_until = p_now + pg_catalog.make_interval(secs => least(v_stage.slot_hold_seconds, v_stage.visibility_timeout_seconds))
  where w.stage = p_stage and w.worker_id = p_worker and w.held_until > p_now;
  if not found then
    return;
  end if;

  for v_msg in
    select r.msg_id, r.read_ct, r.message
    from pgmq.read(v_stage.queue_name, v_stage.visibility_timeout_seconds, coalesce(p_qty, v_stage.batch_size)) r
  loop
    v_id := case
      when pg_catalog.jsonb_typeof(v_msg.message -> 'id') = 'number'
        and (v_msg.message ->> 'id') ~ '^[0-9]{1,18}$'
      then (v_msg.message ->> 'id')::bigint
    end;
    if v_id is null then
      perform pgmq.archive(v_stage.queue_name, v_msg.msg_id);
      insert into switchboard.dead_letters (
        stage, msg_id, message, read_ct, error_code, error_message, attempts, failed_at)
      values (p_stage, v_msg.msg_id, v_msg.message, v_msg.read_ct, 'unparseable_message',
        'The message does not name a subject id ({"id": <positive integer>})', 0, p_now);
      continue;
    end if;

    select * into v_item
    from switchboard.work_items w
    where w.subject_kind = v_stage.subject_kind and w.subject_id = v_id
    for update;

    if not found or v_item.stage <> p_stage or v_item.status in ('done', 'failed')
      or (v_item.status = 'running' and v_item.leased_until > p_now) then
      perform pgmq.delete(v_stage.queue_name, v_msg.msg_id);
      continue;
    end if;

    -- The caller's clock, advanced by the time this call has run: an item that a transaction
    -- which started after ours made ready (a completion, run_after = its start) and committed
    -- before our read is due, not hidden for a rounded-up second as if it were backing off.
    v_due := p_now + (pg_catalog.clock_timestamp() - pg_catalog.now());
    if v_item.status = 'pending' and v_item.run_after > v_due then
      if v_item.msg_id is not null and v_item.msg_id <> v_msg.msg_id then
        -- A second message for a waiting item: its own message will bring it back.
        perform pgmq.delete(v_stage.queue_name, v_msg.msg_id);
      else
        perform pgmq.set_vt(v_stage.queue_name, v_msg.msg_id,
          pg_catalog.ceil(extract(epoch from v_item.run_after - v_due))::integer);
        if v_item.msg_id is null then
          update switchboard.work_items w set msg_id = v_msg.msg_id where w.id = v_item.id;
        end if;
      end if;
      continue;
    end if;

    if v_item.status = 'running' then
      -- Its lease ran out before the watchdog came by: that claim is over.
      update switchboard.stage_attempts a
      set finished_at = p_now, outcome = 'lease_expired'
      where a.id = v_item.token;
    end if;

    if v_item.attempts >= v_stage.max_attempts or v_msg.read_ct > 2 * v_stage.max_attempts + 10 then
      update switchboard.work_items w set msg_id = v_msg.msg_id where w.id = v_item.id;
      perform switchboard.give_up(v_item.id, 'attempts_exhausted',
        pg_catalog.format('Gave up after %s attempts (the last ones may have crashed)', v_item.attempts),
        true, p_now);
      continue;
    end if;

    insert into switchboard.stage_attempts (item_id, stage, attempt, worker, ready_at, started_at)
    values (v_item.id, p_stage, v_item.attempts + 1, p_worker, v_item.run_after, p_now)
    returning id into v_token;
    update switchboard.work_items w
    set status = 'running', token = v_token, locked_by = p_worker, leased_until = v_lease,
        attempts = w.attempts + 1, msg_id = v_msg.msg_id, updated_at = p_now
    where w.id = v_item.id;

    v_tokens := v_tokens || v_token;
    v_items := v_items || v_item.id;
    v_subjects := v_subjects || v_id;
    v_attempts := v_attempts || (v_item.attempts + 1);
    v_msgs := v_msgs || v_msg.msg_id;
  end loop;

  if pg_catalog.cardinality(v_tokens) = 0 then
    return;
  end if;
  -- The subjects' rows, in claim order, in one statement (a missing row gives null).
  return query execute pg_catalog.format(
    $sql$
    select c.token, c.item_id, c.subject_id, c.attempt, c.msg_id, $6, pg_catalog.to_jsonb(t)
    from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::integer[], $5::bigint[])
      with ordinality as c(token, item_id, subject_id, attempt, msg_id, ord)
    left join %s t on t.id = c.subject_id
    order by c.ord
    $sql$,
    (select k.table_name from switchboard.subject_kinds k where k.kind = v_stage.subject_kind)::regclass)
    using v_tokens, v_items, v_subjects, v_attempts, v_msgs, v_lease;
end
$$;

-- Completes a worker's finished claims in one call: for each token that is still current, the
-- item moves to its next stage (p_next_stages, position for position; null: the stage's
-- next_stage), whose queue gets its message and which is woken, or is done when there is none;
-- its message is deleted. Stale tokens (the lease was reaped, or another worker claimed the
-- item since) change nothing. Returns the tokens it completed. A next stage that cannot follow
-- (unknown, or another subject kind) fails the whole call.
-- Per item: one lock, two updates and the next stage's message; the deletes, the subjects'
-- status and the wake-ups are one statement per queue, status and stage for the whole batch.
-- Each item is found by its token (an index lookup whatever the plan), in token order.
create function switchboard.complete_many(
  p_tokens bigint[],
  p_next_stages text[] default null,
  p_now timestamptz default now()
)
returns setof bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_claim record;
  v_item switchboard.work_items;
  v_stage switchboard.stages;
  v_next switchboard.stages;
  v_next_name text;
  v_msg_id bigint;
  v_group record;
  -- What the batch leaves behind, applied once per queue, status and stage at the end.
  v_done_queues text[] := '{}';
  v_done_msgs bigint[] := '{}';
  v_kinds text[] := '{}';
  v_subjects bigint[] := '{}';
  v_statuses text[] := '{}';
  v_wake text[] := '{}';
begin
  for v_claim in
    select distinct on (u.token) u.token, u.next
    from unnest(p_tokens, coalesce(p_next_stages, '{}'::text[])) as u(token, next)
    where u.token is not null
    order by u.token
  loop
    -- A token is set only while its item runs (work_items' check constraint).
    select * into v_item from switchboard.work_items w
    where w.token = v_claim.token
    for update;
    if not found or v_item.status <> 'running' then
      continue;
    end if;
    if v_stage.name is distinct from v_item.stage then
      select * into v_stage from switchboard.stages s where s.name = v_item.stage;
    end if;
    v_next_name := coalesce(v_claim.next, v_stage.next_stage);
    if v_next_name is not null and v_next.name is distinct from v_next_name then
      select * into v_next from switchboard.stages s where s.name = v_next_name;
      if not found or v_next.subject_kind is distinct from v_item.subject_kind then
        raise exception 'Stage "%" cannot follow "%"', v_next_name, v_item.stage
          using errcode = 'invalid_parameter_value';
      end if;
    end if;

    update switchboard.stage_attempts a set finished_at = p_now, outcome = 'completed' where a.id = v_claim.token;
    if v_item.msg_id is not null then
      v_done_queues := v_done_queues || v_stage.queue_name;
      v_done_msgs := v_done_msgs || v_item.msg_id;
    end if;
    v_kinds := v_kinds || v_item.subject_kind;
    v_subjects := v_subjects || v_item.subject_id;

    if v_next_name is null then
      update switchboard.work_items w
      set status = 'done', token = null, locked_by = null, leased_until = null, msg_id = null,
          last_error = null, updated_at = p_now
      where w.id = v_item.id;
      v_statuses := v_statuses || 'done'::text;
    else
      v_msg_id := pgmq.send(v_next.queue_name, pg_catalog.jsonb_build_object('id', v_item.subject_id));
      update switchboard.work_items w
      set stage = v_next.name, status = 'pending', attempts = 0, stage_entered_at = p_now,
          run_after = p_now, token = null, locked_by = null, leased_until = null, msg_id = v_msg_id,
          last_error = null, updated_at = p_now
      where w.id = v_item.id;
      v_statuses := v_statuses || v_next.pending_status;
      -- Only a stage outside its debounce window: wake() would answer the others with a read.
      if (v_next.last_woken_at is null or v_next.last_woken_at <= p_now - v_next.debounce)
        and not v_next.name = any (v_wake) then
        v_wake := v_wake || v_next.name;
      end if;
    end if;
    return next v_claim.token;
  end loop;

  if pg_catalog.cardinality(v_kinds) = 0 then
    return;
  end if;
  for v_group in
    select u.queue, pg_catalog.array_agg(u.msg_id) as msg_ids
    from unnest(v_done_queues, v_done_msgs) as u(queue, msg_id)
    group by u.queue
  loop
    perform pgmq.delete(v_group.queue, v_group.msg_ids);
  end loop;
  for v_group in
    select u.kind, u.status, pg_catalog.array_agg(u.subject_id) as subject_ids
    from unnest(v_kinds, v_subjects, v_statuses) as u(kind, subject_id, status)
    group by u.kind, u.status
  loop
    perform switchboard.set_subjects_status(v_group.kind, v_group.subject_ids, v_group.status);
  end loop;
  for v_group in select u.stage from pg_catalog.unnest(v_wake) as u(stage) loop
    perform switchboard.wake(v_group.stage, p_now);
  end loop;
end
$$;

-- The claim with token p_token succeeded (complete_many for one token): true when it was
-- completed, false, changing nothing, when the token is stale.
create function switchboard.complete(
  p_token bigint,
  p_next_stage text default null,
  p_now timestamptz default now()
)
returns boolean
language sql
volatile
security invoker
set search_path = ''
as $$
  select exists (select 1 from switchboard.complete_many(array[p_token], array[p_next_stage], p_now))
$$;

-- The claim with token p_token failed; the caller classified the error. Retryable errors wait
-- with full-jitter exponential backoff (p_jitter in [0, 1], random by default) while the item is
-- inside the stage's retry horizon and attempt limit; permanent errors, and retryable ones past
-- those, are dead-lettered. A vendor's Retry-After is honoured as a floor: never sooner than it
-- asks, but a long outage answered with short Retry-Afters still backs off, so it cannot use up
-- the attempts in minutes (T27).
-- Returns 'retry', 'dead', or 'stale' (the token is no longer current: nothing changed).
create function switchboard.fail(
  p_token bigint,
  p_retryable boolean,
  p_error_code text,
  p_error_message text default null,
  p_retry_after_seconds numeric default null,
  p_now timestamptz default now(),
  p_jitter double precision default pg_catalog.random()
)
returns text
language plpgsql
volatile
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_item switchboard.work_items;
  v_stage switchboard.stages;
  v_delay numeric;
begin
  select * into v_item from switchboard.work_items w
  where w.token = p_token and w.status = 'running'
  for update;
  if not found then
    return 'stale';
  end if;
  select * into v_stage from switchboard.stages s where s.name = v_item.stage;

  if p_retryable and v_item.attempts < v_stage.max_attempts
    and p_now < v_item.stage_entered_at + v_stage.retry_horizon then
    v_delay := greatest(1, least(greatest(p_jitter, 0), 1)
      * least(v_stage.retry_cap_seconds, v_stage.retry_base_seconds * 2 ^ least(v_item.attempts - 1, 40)),
      coalesce(p_retry_after_seconds, 0));
    update switchboard.stage_attempts a
    set finished_at = p_now, outcome = 'retry', error_code = p_error_code
    where a.id = p_token;
    update switchboard.work_items w
    set status = 'pending', token = null, locked_by = null, leased_until = null,
        run_after = p_now + pg_catalog.make_interval(secs => v_delay::double precision),
        last_error = pg_catalog.jsonb_build_object('code', p_error_code,
          'message', pg_catalog.left(p_error_message, 2000), 'retryable', true,
          'attempt', v_item.attempts, 'at', p_now, 'retry_in_seconds', pg_catalog.round(v_delay, 3)),
        updated_at = p_now
    where w.id = v_item.id;
    if v_item.msg_id is not null then
      perform pgmq.set_vt(v_stage.queue_name, v_item.msg_id, pg_catalog.ceil(v_delay)::integer);
    end if;
    return 'retry';
  end if;

  update switchboard.stage_attempts a
  set finished_at = p_now, outcome = 'failed', error_code = p_error_code
  where a.id = p_token;
  perform switchboard.give_up(v_item.id, p_error_code,
    case
      when p_retryable and v_item.attempts >= v_stage.max_attempts
        then pg_catalog.format('%s (gave up after %s attempts)', p_error_message, v_item.attempts)
      when p_retryable then pg_catalog.format('%s (gave up: past the %s retry horizon)', p_error_message, v_stage.retry_horizon)
      else p_error_message
    end,
    p_retryable, p_now);
  return 'dead';
end
$$;

-- A claim the worker will not finish (its budget ran out before it started the item, or the
-- runtime is shutting down): the item is pending again at once and the attempt does not count.
create function switchboard.release(p_token bigint, p_now timestamptz default now())
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_item switchboard.work_items;
  v_queue text;
begin
  select * into v_item from switchboard.work_items w
  where w.token = p_token and w.status = 'running'
  for update;
  if not found then
    return false;
  end if;
  update switchboard.stage_attempts a set finished_at = p_now, outcome = 'released' where a.id = p_token;
  update switchboard.work_items w
  set status = 'pending', token = null, locked_by = null, leased_until = null, run_after = p_now,
      attempts = greatest(w.attempts - 1, 0), updated_at = p_now
  where w.id = v_item.id;
  select s.queue_name into v_queue from switchboard.stages s where s.name = v_item.stage;
  if v_item.msg_id is not null then
    perform pgmq.set_vt(v_queue, v_item.msg_id, 0);
  end if;
  return true;
end
$$;

-- Long work keeps its claim: the lease and the message's visibility move p_seconds ahead.
-- Null when the token is no longer current (the work should stop).
create function switchboard.extend_lease(
  p_token bigint,
  p_seconds integer,
  p_now timestamptz default now()
)
returns timestamptz
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_item switchboard.work_items;
  v_queue text;
  v_until timestamptz := p_now + pg_catalog.make_interval(secs => p_seconds);
begin
  update switchboard.work_items w
  set leased_until = greatest(w.leased_until, v_until), updated_at = p_now
  where w.token = p_token and w.status = 'running'
  returning w.* into v_item;
  if not found then
    return null;
  end if;
  select s.queue_name into v_queue from switchboard.stages s where s.name = v_item.stage;
  if v_item.msg_id is not null then
    perform pgmq.set_vt(v_queue, v_item.msg_id, p_seconds);
  end if;
  update switchboard.worker_slots ws
  set held_until = greatest(ws.held_until, v_until)
  where ws.stage = v_item.stage and ws.worker_id = v_item.locked_by;
  return v_item.leased_until;
end
$$;

-- Wakes a stage's function unless it is disabled, every worker slot is held by a live worker
-- (they drain the queue; the last one to leave wakes the stage again if work remains), or it was
-- woken within the debounce window (p_force: the sweep and the workers themselves). Never fails
-- the caller's transaction: a wake-up is a hint and the sweep covers a lost one.
create or replace function switchboard.wake(
  p_stage text,
  p_now timestamptz default now(),
  p_force boolean default false
)
returns bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_stage switchboard.stages;
begin
  -- Most calls fall inside the debounce window: answer them with a read, not a write attempt.
  if not p_force and exists (
    select 1 from switchboard.stages c
    where c.name = p_stage and c.last_woken_at > p_now - c.debounce
  ) then
    return null;
  end if;
  if not exists (
    select 1 from switchboard.stages c
    where c.name = p_stage and c.enabled
      and (select pg_catalog.count(*) from switchboard.worker_slots w
           where w.stage = c.name and w.worker_id is not null and w.held_until > p_now) < c.max_workers
  ) then
    return null;
  end if;

  -- skip locked: when another open transaction is waking this stage right now, its wake-up
  -- (sent when it commits) serves us too, and we never wait on its row lock. No key update:
  -- the foreign-key checks of items entering the stage (key share) never wait on a wake-up,
  -- which holds the row while it reads Vault and queues the request.
  update switchboard.stages s
  set last_woken_at = p_now
  where s.name = (
    select c.name
    from switchboard.stages c
    where c.name = p_stage
      and (p_force or c.last_woken_at is null or c.last_woken_at <= p_now - c.debounce)
    for no key update skip locked
  )
  returning s.* into v_stage;

  if not found then
    return null;
  end if;

  begin
    return switchboard.invoke_function(
      v_stage.function_name,
      pg_catalog.jsonb_build_object('stage', v_stage.name, 'reason',
        case when p_force then 'sweep' else 'enqueue' end),
      v_stage.timeout_milliseconds
    );
  exception when others then
    raise warning 'Switchboard could not wake stage "%": %', p_stage, sqlerrm;
    return null;
  end;
end
$$;

-- pg_cron's safety net: wakes every enabled stage that has a visible message and a free worker
-- slot. Idempotent and cheap; records a heartbeat so a dead scheduler shows as a stale one.
create or replace function switchboard.sweep(p_now timestamptz default now())
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_stage record;
  v_visible boolean;
  v_woken integer := 0;
begin
  for v_stage in
    select s.name, s.queue_name from switchboard.stages s where s.enabled order by s.name
  loop
    execute pg_catalog.format('select exists (select 1 from pgmq.%I where vt <= $1)', 'q_' || v_stage.queue_name)
      into v_visible
      using p_now;
    if v_visible and switchboard.wake(v_stage.name, p_now, true) is not null then
      v_woken := v_woken + 1;
    end if;
  end loop;

  insert into switchboard.heartbeats (name, beat_at, details)
  values ('sweep', p_now, pg_catalog.jsonb_build_object('woken', v_woken))
  on conflict (name) do update set beat_at = excluded.beat_at, details = excluded.details;
  return v_woken;
end
$$;

-- pg_cron, every minute (T19): returns items whose lease expired to their stage (or gives up
-- when their attempts are used up), re-sends the message of any pending item whose message is
-- gone, and frees slots of workers that died. Bounded per run; overlapping runs skip each
-- other's rows. Returns what it did and writes the 'watchdog' heartbeat.
create function switchboard.watchdog(p_now timestamptz default now(), p_limit integer default 500)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_item record;
  v_stage record;
  v_reaped integer := 0;
  v_dead integer := 0;
  v_resent integer := 0;
  v_slots integer;
  v_msg_id bigint;
begin
  for v_item in
    select w.id, w.token, w.attempts, w.msg_id, w.subject_id, s.queue_name, s.max_attempts
    from switchboard.work_items w
    join switchboard.stages s on s.name = w.stage
    where w.status = 'running' and w.leased_until <= p_now
    order by w.leased_until
    limit p_limit
    for update of w skip locked
  loop
    update switchboard.stage_attempts a
    set finished_at = p_now, outcome = 'lease_expired'
    where a.id = v_item.token and a.finished_at is null;
    if v_item.attempts >= v_item.max_attempts then
      perform switchboard.give_up(v_item.id, 'attempts_exhausted',
        pg_catalog.format('Gave up after %s attempts; the last one''s lease expired', v_item.attempts), true, p_now);
      v_dead := v_dead + 1;
      continue;
    end if;
    v_msg_id := null;
    if v_item.msg_id is not null then
      select r.msg_id into v_msg_id from pgmq.set_vt(v_item.queue_name, v_item.msg_id, 0) r;
    end if;
    if v_msg_id is null then
      v_msg_id := pgmq.send(v_item.queue_name, pg_catalog.jsonb_build_object('id', v_item.subject_id));
    end if;
    update switchboard.work_items w
    set status = 'pending', token = null, locked_by = null, leased_until = null, run_after = p_now,
        msg_id = v_msg_id, updated_at = p_now
    where w.id = v_item.id;
    v_reaped := v_reaped + 1;
  end loop;

  -- Pending items whose message is gone (archived by hand, a purged queue, a lost send): give
  -- them a new one. A minute of grace covers a message being replaced right now.
  for v_stage in select s.name, s.queue_name from switchboard.stages s order by s.name loop
    for v_item in execute pg_catalog.format(
      $sql$
      select w.id, w.subject_id
      from switchboard.work_items w
      where w.stage = $1 and w.status = 'pending' and w.run_after <= $2 - interval '1 minute'
        and (w.msg_id is null or not exists (select 1 from pgmq.%I q where q.msg_id = w.msg_id))
      order by w.id
      limit $3
      for update of w skip locked
      $sql$, 'q_' || v_stage.queue_name)
      using v_stage.name, p_now, p_limit
    loop
      v_msg_id := pgmq.send(v_stage.queue_name, pg_catalog.jsonb_build_object('id', v_item.subject_id));
      update switchboard.work_items w set msg_id = v_msg_id, updated_at = p_now where w.id = v_item.id;
      v_resent := v_resent + 1;
    end loop;
  end loop;

  update switchboard.worker_slots w
  set worker_id = null, held_until = null
  where w.worker_id is not null and w.held_until <= p_now;
  get diagnostics v_slots = row_count;

  insert into switchboard.heartbeats (name, beat_at, details)
  values ('watchdog', p_now, pg_catalog.jsonb_build_object(
    'reaped', v_reaped, 'dead', v_dead, 'resent', v_resent, 'slots_freed', v_slots))
  on conflict (name) do update set beat_at = excluded.beat_at, details = excluded.details;

  if v_reaped + v_resent > 0 then
    perform switchboard.sweep(p_now);
  end if;
  return pg_catalog.jsonb_build_object('reaped', v_reaped, 'dead', v_dead, 'resent', v_resent, 'slots_freed', v_slots);
end
$$;

-- Sends dead letters back to their stage: one (p_dead_letter_id), all of a stage (p_stage), all
-- with an error code (p_error_code), or any combination. The item starts the stage afresh
-- (attempts and horizon reset); a poison message without an item is sent again as it was.
-- Returns how many were replayed.
create function switchboard.replay(
  p_dead_letter_id bigint default null,
  p_stage text default null,
  p_error_code text default null,
  p_now timestamptz default now()
)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_dead record;
  v_count integer := 0;
  v_msg_id bigint;
  v_stages text[] := '{}';
  v_stage text;
begin
  if p_dead_letter_id is null and p_stage is null and p_error_code is null then
    raise exception 'replay needs a dead letter id, a stage or an error code'
      using errcode = 'invalid_parameter_value';
  end if;
  for v_dead in
    select d.id, d.stage, d.item_id, d.message, s.queue_name, s.pending_status
    from switchboard.dead_letters d
    join switchboard.stages s on s.name = d.stage
    where d.replayed_at is null
      and (p_dead_letter_id is null or d.id = p_dead_letter_id)
      and (p_stage is null or d.stage = p_stage)
      and (p_error_code is null or d.error_code = p_error_code)
    order by d.id
    for update of d skip locked
  loop
    if v_dead.item_id is null then
      perform pgmq.send(v_dead.queue_name, v_dead.message);
    else
      v_msg_id := pgmq.send(v_dead.queue_name,
        pg_catalog.jsonb_build_object('id', (select w.subject_id from switchboard.work_items w where w.id = v_dead.item_id)));
      update switchboard.work_items w
      set stage = v_dead.stage, status = 'pending', attempts = 0, stage_entered_at = p_now,
          run_after = p_now, msg_id = v_msg_id, updated_at = p_now
      where w.id = v_dead.item_id and w.status = 'failed';
      if found then
        perform switchboard.set_subject_status(
          (select w.subject_kind from switchboard.work_items w where w.id = v_dead.item_id),
          (select w.subject_id from switchboard.work_items w where w.id = v_dead.item_id),
          v_dead.pending_status);
      else
        -- Already replayed or moved on: the extra message finds nothing to claim.
        perform pgmq.delete(v_dead.queue_name, v_msg_id);
      end if;
    end if;
    update switchboard.dead_letters d set replayed_at = p_now where d.id = v_dead.id;
    v_count := v_count + 1;
    if not v_dead.stage = any (v_stages) then
      v_stages := v_stages || v_dead.stage;
    end if;
  end loop;
  foreach v_stage in array v_stages loop
    perform switchboard.wake(v_stage, p_now, true);
  end loop;
  return v_count;
end
$$;

-- Marks every dead letter so far as seen: health_report() is healthy again until a new one.
create function switchboard.acknowledge_dead_letters(p_now timestamptz default now())
returns bigint
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into switchboard.acknowledgements (name, last_id, acknowledged_at)
  values ('dead_letters', coalesce((select max(d.id) from switchboard.dead_letters d), 0), p_now)
  on conflict (name) do update set last_id = excluded.last_id, acknowledged_at = excluded.acknowledged_at
  returning last_id
$$;

-- Registers a stage and creates its queue (<name>_jobs). Idempotent: migrations call it. What
-- the code decides (function, subject kind, next stage, status) is updated on a second call;
-- what operators tune (enabled, batch size, workers, retry policy) is left as it is.
drop function switchboard.register_stage(text, text, interval, integer);
create function switchboard.register_stage(
  p_name text,
  p_function_name text,
  p_subject_kind text,
  p_next_stage text default null,
  p_pending_status text default null,
  p_enabled boolean default true,
  p_debounce interval default interval '1 second',
  p_timeout_milliseconds integer default 5000
)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform pgmq.create(p_name || '_jobs');
  insert into switchboard.stages (
    name, queue_name, function_name, subject_kind, next_stage, pending_status, enabled, debounce,
    timeout_milliseconds)
  values (
    p_name, p_name || '_jobs', p_function_name, p_subject_kind, p_next_stage, p_pending_status, p_enabled,
    p_debounce, p_timeout_milliseconds)
  on conflict (name) do update
    set function_name = excluded.function_name,
        subject_kind = excluded.subject_kind,
        next_stage = excluded.next_stage,
        pending_status = excluded.pending_status,
        debounce = excluded.debounce,
        timeout_milliseconds = excluded.timeout_milliseconds;
end
$$;

-- The stages that exist so far join the engine. Probe: the diagnostic loop. call_enrich and
-- message_publish wait, disabled, until their functions are deployed (so nothing wakes a
-- function that does not exist); their messages keep.
update switchboard.stages set subject_kind = 'probe', pending_status = null, max_workers = 2
where name = 'probe';
update switchboard.stages set subject_kind = 'call', pending_status = 'enrich_pending', enabled = false
where name = 'call_enrich';
update switchboard.stages set subject_kind = 'message', pending_status = 'publish_pending', enabled = false
where name = 'message_publish';
alter table switchboard.stages alter column subject_kind set not null;

drop trigger tg_probes__enqueue on switchboard.probes;
drop trigger tg_calls__enqueue on switchboard.calls;
drop trigger tg_messages__enqueue on switchboard.messages;
drop function switchboard.tg_enqueue_row();
drop function switchboard.complete_probe(bigint, bigint, text, timestamptz);

create trigger tg_probes__start_work
after insert on switchboard.probes
for each row execute function switchboard.tg_start_work('probe', 'probe');
create trigger tg_calls__start_work
after insert on switchboard.calls
for each row execute function switchboard.tg_start_work('call', 'call_enrich');
create trigger tg_messages__start_work
after insert on switchboard.messages
for each row execute function switchboard.tg_start_work('message', 'message_publish');

-- The probe stage's one effect: the probe is answered (the first answer stands). The engine
-- completes the claim; a redelivery finds the probe answered and changes nothing.
create function switchboard.answer_probe(
  p_probe_id bigint,
  p_answered_by text,
  p_now timestamptz default now()
)
returns boolean
language sql
volatile
security invoker
set search_path = ''
as $$
  with answered as (
    update switchboard.probes p
    set answered_at = p_now, answered_by = p_answered_by
    where p.id = p_probe_id and p.answered_at is null
    returning 1
  )
  select exists (select 1 from answered)
$$;

-- Rows that arrived before the engine get their work items; their queued messages serve them
-- (the first claim records the message), and the watchdog re-sends any that are missing.
insert into switchboard.work_items (subject_kind, subject_id, stage, status, stage_entered_at, run_after)
select 'call', c.id, 'call_enrich', 'pending', c.created_at, c.created_at from switchboard.calls c
on conflict do nothing;
insert into switchboard.work_items (subject_kind, subject_id, stage, status, stage_entered_at, run_after)
select 'message', m.id, 'message_publish', 'pending', m.created_at, m.created_at from switchboard.messages m
on conflict do nothing;
insert into switchboard.work_items (subject_kind, subject_id, stage, status, stage_entered_at, run_after)
select 'probe', p.id, 'probe', case when p.answered_at is null then 'pending' else 'done' end,
  p.requested_at, p.requested_at
from switchboard.probes p
on conflict do nothing;

select cron.schedule('switchboard-watchdog', '* * * * *', 'select switchboard.watchdog()');
