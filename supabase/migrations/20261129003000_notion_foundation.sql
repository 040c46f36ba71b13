-- The Notion foundation: one request budget for every worker (per connection and per workspace)
-- and the Notion settings (ids of the three databases, rate settings, the property mapping).

-- 1. The budget. Notion counts requests per 60-second window (180 per connection on a standard
-- workspace, 600 on Business/Enterprise), spendable at any pace, and separately per workspace
-- across all connections (its size is not published). The GCRA of rate_limits alone cannot
-- express "180 per minute, all at once if you like" without overrunning a fixed window, so a
-- key also keeps the send times of its last `limit` reservations: a new request never goes
-- before the `limit`-th most recent one is a window old (a sliding log — stricter than any fixed
-- window, whatever its alignment), nor earlier than the GCRA spacing allows for the burst
-- (burst = limit: no spacing), nor before a 429's block. Reservations are never handed back.
alter table switchboard.rate_limits
  add column sent timestamptz[] not null default '{}';
comment on column switchboard.rate_limits.sent is
  'Per-window budgets (reserve_rate_window): send times of the last `limit` reservations, oldest first.';

-- Reserves one request in every key of p_keys at once (a Notion request counts against its
-- connection and its workspace): the send time is the earliest that every key allows, and it is
-- recorded in all of them. p_limits[i] requests per p_window_seconds for key i, at most
-- p_bursts[i] back to back; a null limit means "no pacing, only honour blocks" (the workspace
-- limit, when its size is unknown). Returns the milliseconds to wait before sending.
create function switchboard.reserve_rate_window(
  p_keys text[],
  p_limits integer[],
  p_bursts integer[],
  p_window_seconds numeric default 60,
  p_now timestamptz default clock_timestamp()
)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_window interval := pg_catalog.make_interval(secs => p_window_seconds);
  v_send timestamptz := p_now;
  v_row record;
  v_limit integer;
  v_burst integer;
  v_interval interval;
  v_n integer;
  i integer;
begin
  if coalesce(pg_catalog.array_length(p_keys, 1), 0) = 0 then
    return 0;
  end if;
  if pg_catalog.array_length(p_keys, 1) <> coalesce(pg_catalog.array_length(p_limits, 1), 0)
     or pg_catalog.array_length(p_keys, 1) <> coalesce(pg_catalog.array_length(p_bursts, 1), 0) then
    raise exception 'reserve_rate_window: keys, limits and bursts must have the same length'
      using errcode = 'invalid_parameter_value';
  end if;
  if p_window_seconds <= 0 then
    raise exception 'reserve_rate_window: the window must be positive' using errcode = 'invalid_parameter_value';
  end if;
  insert into switchboard.rate_limits (key, tat)
  select k, p_now from pg_catalog.unnest(p_keys) k order by k
  on conflict (key) do nothing;

  -- Lock in key order (no deadlocks between callers with overlapping keys), find the send time.
  for i in select t.ord from pg_catalog.unnest(p_keys) with ordinality t(k, ord) order by t.k loop
    select r.* into v_row from switchboard.rate_limits r where r.key = p_keys[i] for update;
    v_send := greatest(v_send, v_row.blocked_until);
    v_limit := p_limits[i];
    if v_limit is not null then
      if v_limit <= 0 then
        raise exception 'reserve_rate_window: limits must be positive' using errcode = 'invalid_parameter_value';
      end if;
      v_burst := least(greatest(coalesce(p_bursts[i], v_limit), 1), v_limit);
      v_interval := v_window / v_limit;
      v_n := coalesce(pg_catalog.array_length(v_row.sent, 1), 0);
      -- In order: never before the previous reservation (first come, first served).
      if v_n > 0 then
        v_send := greatest(v_send, v_row.sent[v_n]);
      end if;
      -- The sliding window: the limit-th most recent send must be a window old.
      if v_n >= v_limit then
        v_send := greatest(v_send, v_row.sent[v_n - v_limit + 1] + v_window);
      end if;
      -- The burst (GCRA): at most v_burst back to back, then one per interval.
      v_send := greatest(v_send, v_row.tat - v_interval * (v_burst - 1));
    end if;
  end loop;

  for i in 1 .. pg_catalog.array_length(p_keys, 1) loop
    v_limit := p_limits[i];
    if v_limit is null then
      update switchboard.rate_limits r set updated_at = p_now where r.key = p_keys[i];
      continue;
    end if;
    v_interval := v_window / v_limit;
    update switchboard.rate_limits r
    set tat = greatest(r.tat, v_send) + v_interval,
        sent = (r.sent || v_send)[greatest(1, coalesce(pg_catalog.array_length(r.sent, 1), 0) + 2 - v_limit):],
        updated_at = p_now
    where r.key = p_keys[i];
  end loop;
  return ceil(extract(epoch from v_send - p_now) * 1000)::integer;
end
$$;
comment on function switchboard.reserve_rate_window(text[], integer[], integer[], numeric, timestamptz) is
  'Reserves one request in every key (sliding window of `limit` per window, burst, 429 blocks); returns ms to wait.';

-- 2. The settings: one row (id = true), written by `deno task notion:setup`, edited in Studio.
create table switchboard.notion_settings (
  id boolean primary key default true check (id),
  -- The page the three databases live under (shared with the integration).
  parent_page_id uuid,
  -- The database (container) and its data source (schema and rows; 2025-09-03) for each.
  calls_database_id uuid,
  calls_data_source_id uuid,
  conversations_database_id uuid,
  conversations_data_source_id uuid,
  -- The contacts database: "Canvas" to users of the earlier system.
  contacts_database_id uuid,
  contacts_data_source_id uuid,
  -- Titles the set-up command gives new databases.
  database_titles jsonb not null default
    '{"calls": "Calls", "conversations": "Conversations", "contacts": "Contacts"}'::jsonb,
  -- The workspace (from the integration's bot user), for the workspace-wide budget key.
  workspace_id text,
  -- Per-connection budget: 180 requests per minute on a standard workspace (600 on Business and
  -- Enterprise), spendable in bursts up to `burst` (= the whole minute by default).
  requests_per_minute integer not null default 180 check (requests_per_minute > 0),
  burst integer not null default 180 check (burst > 0),
  -- Workspace-wide budget across every connection: Notion does not publish its size, so by
  -- default it only honours the workspace 429s' Retry-After (null = no proactive pacing).
  workspace_requests_per_minute integer check (workspace_requests_per_minute > 0),
  workspace_burst integer check (workspace_burst > 0),
  rate_window_seconds numeric not null default 60 check (rate_window_seconds > 0),
  -- Logical name → {name, type[, target]} per database; every name overridable. A stored map may
  -- be partial: missing entries fall back to the defaults (adapters/notion/settings.ts).
  property_map jsonb not null default $json${
    "contacts": {
      "name": {"name": "Name", "type": "title"},
      "phone": {"name": "Phone", "type": "phone_number"},
      "other_phones": {"name": "Other Phones", "type": "rich_text"},
      "email": {"name": "Email", "type": "email"},
      "company": {"name": "Company", "type": "rich_text"},
      "openphone_id": {"name": "OpenPhone ID", "type": "rich_text"}
    },
    "calls": {
      "title": {"name": "Name", "type": "title"},
      "call_id": {"name": "Call ID", "type": "rich_text"},
      "direction": {"name": "Direction", "type": "select"},
      "started": {"name": "Started", "type": "date"},
      "duration": {"name": "Duration (s)", "type": "number"},
      "from": {"name": "From", "type": "phone_number"},
      "to": {"name": "To", "type": "phone_number"},
      "contact": {"name": "Contact", "type": "relation", "target": "contacts"},
      "source": {"name": "Source", "type": "select"},
      "status": {"name": "Status", "type": "select"},
      "recording": {"name": "Recording", "type": "url"},
      "sentiment": {"name": "Sentiment", "type": "select"},
      "category": {"name": "Category", "type": "select"},
      "topics": {"name": "Topics", "type": "multi_select"},
      "follow_up": {"name": "Follow-up", "type": "date"},
      "follow_up_needed": {"name": "Follow-up Needed", "type": "checkbox"},
      "cost": {"name": "Cost (USD)", "type": "number"},
      "needs_review": {"name": "Needs Review", "type": "checkbox"},
      "review_note": {"name": "Review Note", "type": "rich_text"}
    },
    "conversations": {
      "title": {"name": "Name", "type": "title"},
      "conversation_key": {"name": "Conversation ID", "type": "rich_text"},
      "our_number": {"name": "Our Number", "type": "phone_number"},
      "other_party": {"name": "Other Party", "type": "phone_number"},
      "contact": {"name": "Contact", "type": "relation", "target": "contacts"},
      "last_message": {"name": "Last Message", "type": "date"},
      "message_count": {"name": "Messages", "type": "number"},
      "needs_review": {"name": "Needs Review", "type": "checkbox"},
      "review_note": {"name": "Review Note", "type": "rich_text"}
    }
  }$json$::jsonb check (jsonb_typeof(property_map) = 'object'),
  -- When the set-up command last created or verified the databases.
  verified_at timestamptz,
  updated_at timestamptz not null default now()
);
alter table switchboard.notion_settings enable row level security;
insert into switchboard.notion_settings default values;
comment on table switchboard.notion_settings is
  'Notion: database and data source ids, rate budget, property-name mapping (one row; deno task notion:setup).';

revoke execute on function switchboard.reserve_rate_window(text[], integer[], integer[], numeric, timestamptz)
  from public, anon, authenticated;
grant execute on function switchboard.reserve_rate_window(text[], integer[], integer[], numeric, timestamptz)
  to postgres;
