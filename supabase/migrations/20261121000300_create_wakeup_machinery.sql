-- How work moves between stages (ARCHITECTURE §3):
--   a row change → switchboard.enqueue(stage, {id}) → pgmq.send to the stage's queue
--                → switchboard.wake(stage): a debounced net.http_post to the stage's function.
-- pg_net is at-most-once (unlogged tables, no retries), so a wake-up is only a hint. The queue
-- message is the record that work is owed; switchboard.sweep(), run by pg_cron, re-wakes every
-- stage whose queue has visible messages, so a lost wake-up only delays work.
--
-- The functions' base URL and the internal worker secret live in Vault, never in SQL text or
-- cron commands: switchboard_functions_url and switchboard_worker_secret.

create table switchboard.stages (
  name text primary key check (name ~ '^[a-z][a-z0-9_]{0,41}$'),
  queue_name text not null unique,
  function_name text not null check (function_name ~ '^[a-z][a-z0-9_-]*$'),
  -- At most one wake-up per stage per window; a stage function drains its queue in a loop,
  -- so one wake-up serves every message enqueued shortly before it.
  debounce interval not null default interval '1 second',
  -- How long pg_net waits for the function's answer. It does not limit the function.
  timeout_milliseconds integer not null default 5000,
  last_woken_at timestamptz,
  created_at timestamptz not null default now()
);
alter table switchboard.stages enable row level security;
comment on table switchboard.stages is
  'Pipeline stages: one pgmq queue and one edge function each; last_woken_at debounces wake-ups.';

create table switchboard.heartbeats (
  name text primary key,
  beat_at timestamptz not null,
  details jsonb not null default '{}'::jsonb
);
alter table switchboard.heartbeats enable row level security;
comment on table switchboard.heartbeats is
  'Last successful run of each scheduled job; a stale heartbeat means pg_cron stopped running it.';

-- Creates or rotates a Vault secret by name (vault.create_secret refuses a duplicate name).
create function switchboard.set_secret(p_name text, p_value text)
returns uuid
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
begin
  select s.id into v_id from vault.secrets s where s.name = p_name;
  if v_id is null then
    return vault.create_secret(p_value, p_name, 'Switchboard: ' || p_name);
  end if;
  perform vault.update_secret(v_id, p_value);
  return v_id;
end
$$;

-- Reads a Vault secret; null when missing or empty.
create function switchboard.read_secret(p_name text)
returns text
language sql
stable
security invoker
set search_path = ''
as $$
  select nullif(d.decrypted_secret, '') from vault.decrypted_secrets d where d.name = p_name
$$;

-- POSTs to an edge function with the worker secret. Returns the pg_net request id, or null
-- (with a warning) when the Vault secrets are not configured yet.
create function switchboard.invoke_function(
  p_function_name text,
  p_body jsonb default '{}'::jsonb,
  p_timeout_milliseconds integer default 5000
)
returns bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_url text := switchboard.read_secret('switchboard_functions_url');
  v_secret text := switchboard.read_secret('switchboard_worker_secret');
begin
  if v_url is null or v_secret is null then
    raise warning 'Switchboard cannot call function "%": set the Vault secrets switchboard_functions_url and switchboard_worker_secret (select switchboard.set_secret(...))', p_function_name;
    return null;
  end if;
  return net.http_post(
    url := pg_catalog.rtrim(v_url, '/') || '/functions/v1/' || p_function_name,
    body := p_body,
    headers := pg_catalog.jsonb_build_object(
      'Content-Type', 'application/json',
      'x-switchboard-worker-secret', v_secret
    ),
    timeout_milliseconds := p_timeout_milliseconds
  );
end
$$;

-- Registers a stage and creates its queue (<name>_jobs). Idempotent: later migrations call it.
create function switchboard.register_stage(
  p_name text,
  p_function_name text,
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
  insert into switchboard.stages (name, queue_name, function_name, debounce, timeout_milliseconds)
  values (p_name, p_name || '_jobs', p_function_name, p_debounce, p_timeout_milliseconds)
  on conflict (name) do update
    set function_name = excluded.function_name,
        debounce = excluded.debounce,
        timeout_milliseconds = excluded.timeout_milliseconds;
end
$$;

-- Wakes a stage's function unless it was woken within the debounce window (p_force: the
-- sweep, which must not be debounced away). Never fails the caller's transaction: a wake-up
-- is a hint and the sweep covers a lost one. Returns the pg_net request id, or null.
create function switchboard.wake(
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

  -- skip locked: when another open transaction is waking this stage right now, its wake-up
  -- (sent when it commits) serves us too, and we never wait on its row lock.
  update switchboard.stages s
  set last_woken_at = p_now
  where s.name = (
    select c.name
    from switchboard.stages c
    where c.name = p_stage
      and (p_force or c.last_woken_at is null or c.last_woken_at <= p_now - c.debounce)
    for update skip locked
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

-- Sends a message (ids only, never content) to a stage's queue and wakes the stage.
create function switchboard.enqueue(
  p_stage text,
  p_message jsonb,
  p_now timestamptz default now()
)
returns bigint
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_queue text;
  v_msg_id bigint;
begin
  select s.queue_name into v_queue from switchboard.stages s where s.name = p_stage;
  if v_queue is null then
    raise exception 'Unknown stage "%"', p_stage using errcode = 'invalid_parameter_value';
  end if;
  select pgmq.send(v_queue, p_message) into v_msg_id;
  perform switchboard.wake(p_stage, p_now);
  return v_msg_id;
end
$$;

-- Row trigger: enqueue {"id": NEW.id} for the stage named in TG_ARGV[0].
create function switchboard.tg_enqueue_row()
returns trigger
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform switchboard.enqueue(tg_argv[0], pg_catalog.jsonb_build_object('id', pg_catalog.to_jsonb(new) -> 'id'));
  return null;
end
$$;

-- pg_cron's safety net: re-wake (undebounced) every stage whose queue has a visible message.
-- Idempotent and cheap; records a heartbeat so a dead scheduler shows as a stale heartbeat.
create function switchboard.sweep(p_now timestamptz default now())
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
  for v_stage in select s.name, s.queue_name from switchboard.stages s order by s.name loop
    execute format('select exists (select 1 from pgmq.%I where vt <= $1)', 'q_' || v_stage.queue_name)
      into v_visible
      using p_now;
    if v_visible then
      perform switchboard.wake(v_stage.name, p_now, true);
      v_woken := v_woken + 1;
    end if;
  end loop;

  insert into switchboard.heartbeats (name, beat_at, details)
  values ('sweep', p_now, pg_catalog.jsonb_build_object('woken', v_woken))
  on conflict (name) do update set beat_at = excluded.beat_at, details = excluded.details;
  return v_woken;
end
$$;

-- pg_cron 1.5+ (Supabase) takes sub-minute intervals. Older pg_cron (Debian bookworm ships 1.4)
-- rejects them as an invalid schedule and gets its finest schedule, once a minute, instead.
do $$
begin
  begin
    perform cron.schedule('switchboard-sweep', '10 seconds', 'select switchboard.sweep()');
  exception when invalid_parameter_value then
    perform cron.schedule('switchboard-sweep', '* * * * *', 'select switchboard.sweep()');
  end;
end
$$;
