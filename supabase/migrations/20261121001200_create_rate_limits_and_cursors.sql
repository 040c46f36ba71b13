-- Vendor rate limits are global, not per invocation: every function instance that calls a
-- vendor with one credential shares one budget, kept here (GCRA: a "theoretical arrival time"
-- per key). A caller reserves the next slot and waits until it; a 429 pushes the whole key back
-- by its Retry-After, so every worker pauses, not only the one that was refused.
create table switchboard.rate_limits (
  key text primary key,
  -- The next free slot's end; slots are 1/rate apart.
  tat timestamptz not null,
  blocked_until timestamptz,
  updated_at timestamptz not null default now()
);
alter table switchboard.rate_limits enable row level security;
comment on table switchboard.rate_limits is
  'Shared vendor rate-limit budgets (GCRA), one row per vendor credential.';

-- Reserves one request slot for p_key at p_rate_per_sec with a burst of p_burst; returns the
-- milliseconds the caller must wait before sending (0: send now). Reservations are never given
-- back, so concurrent callers are spread out and the key never exceeds its rate.
create function switchboard.reserve_rate_limit(
  p_key text,
  p_rate_per_sec numeric,
  p_burst integer default 1,
  p_now timestamptz default clock_timestamp()
)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_interval interval := pg_catalog.make_interval(secs => 1.0 / p_rate_per_sec);
  v_tolerance interval := v_interval * greatest(p_burst - 1, 0);
  v_tat timestamptz;
  v_blocked timestamptz;
  v_send_at timestamptz;
begin
  if p_rate_per_sec <= 0 then
    raise exception 'Rate must be positive' using errcode = 'invalid_parameter_value';
  end if;
  insert into switchboard.rate_limits (key, tat) values (p_key, p_now)
  on conflict (key) do nothing;
  update switchboard.rate_limits r
  set tat = greatest(r.tat, p_now, coalesce(r.blocked_until, p_now)) + v_interval,
      updated_at = p_now
  where r.key = p_key
  returning r.tat, r.blocked_until into v_tat, v_blocked;
  -- This request's slot ends at v_tat; it may go once its slot start is within the burst.
  -- The burst never reaches into a block.
  v_send_at := greatest(p_now, v_tat - v_interval - v_tolerance, v_blocked);
  return ceil(extract(epoch from v_send_at - p_now) * 1000)::integer;
end
$$;

-- A vendor answered 429 (or Retry-After): nobody sends with this key before p_until.
create function switchboard.block_rate_limit(p_key text, p_until timestamptz, p_now timestamptz default clock_timestamp())
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into switchboard.rate_limits (key, tat, blocked_until, updated_at)
  values (p_key, p_until, p_until, p_now)
  on conflict (key) do update
    set blocked_until = greatest(switchboard.rate_limits.blocked_until, excluded.blocked_until),
        tat = greatest(switchboard.rate_limits.tat, excluded.tat),
        updated_at = p_now
$$;

-- Resumable positions for the backfill (per phone number and participant) and Drive discovery
-- (per folder): what was imported up to where, so a run killed midway resumes.
create table switchboard.sync_cursors (
  source text not null,
  scope text not null,
  cursor jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null default now(),
  primary key (source, scope)
);
alter table switchboard.sync_cursors enable row level security;
comment on table switchboard.sync_cursors is
  'Resume points: backfill per phone number/participant, Drive changes page token per folder.';

create function switchboard.save_cursor(p_source text, p_scope text, p_cursor jsonb, p_now timestamptz default now())
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into switchboard.sync_cursors (source, scope, cursor, updated_at)
  values (p_source, p_scope, p_cursor, p_now)
  on conflict (source, scope) do update set cursor = excluded.cursor, updated_at = excluded.updated_at
$$;
