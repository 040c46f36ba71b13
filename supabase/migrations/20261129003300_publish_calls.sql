-- call_publish (issue 10, items 3–4): one Notion page per call, exactly once, within Notion's
-- limits (function notion-publish, handler supabase/functions/notion-publish/calls/).
--
--   switchboard.notion_call_pages   one row per call: the page id (kept the moment it is known),
--                                   the Call ID it was created with, what the page shows (hashes
--                                   of its properties, overview and transcript; how many
--                                   transcript units are on it; the last top-level block: the
--                                   append marker), and the write in flight.
--   call_publish_inputs(call)       everything the handler reads, in one round trip
--   begin_call_page_create          the create marker, set (under the claim's token) before the
--                                   create is sent
--   record_call_page                the page id, the moment it is known (the first one wins)
--   update_call_page                what the page shows now / the write in flight
--   reset_call_page                 a rebuild: the old page (trashed by the handler) is forgotten
--   republish_call(call, mode)      the runbook: 'refresh' rewrites properties and overview and
--                                   continues a truncated transcript; 'rebuild' trashes the page
--                                   and creates it again
--   ops.notion_call_pages           per call: page, state, write in flight
--
-- Exactly once (Notion has no idempotency keys):
--   * create: `create_sent_at` is set before the request; while it is set and no page id is
--     known, the next attempt first queries the Calls data source for the Call ID (T17, T25) and
--     only creates when nothing is there. A 503 that says the create was committed gives the page
--     id (committed_resource_id): recorded, never repeated. A refusal that applied nothing (4xx,
--     429) clears the marker.
--   * append: `pending = {op: "append", from, to, anchor}` is set before the request; a worker
--     that finds it lists the page's children from the anchor (the last block known to be on the
--     page) and counts what follows: the batch is there (recorded) or not (sent again). Notion
--     appends are atomic, so a batch is all there or not at all.
--   * overview replacement (a re-summary): the new callout is appended after the old one
--     (pending op "replace"), then the old one is deleted (op "delete"); a lost answer is checked
--     the same way (is the block after the old overview a callout?).
--   * one claim at a time per call (the engine), and the create marker checks the claim's token
--     (T14, T18): a worker whose lease was taken over cannot create.

create table switchboard.notion_call_pages (
  call_id bigint primary key references switchboard.calls (id) on delete cascade,
  -- The Call ID property the page was created with (what a lookup after a lost create queries).
  call_key text not null,
  page_id uuid unique,
  -- A create was sent and its answer is not known yet: look the Call ID up before creating.
  create_sent_at timestamptz,
  create_attempts integer not null default 0 check (create_attempts >= 0),
  -- The overview callout (summary, details, links), replaced as one block on a re-summary.
  overview_block_id uuid,
  -- Hashes of what the page shows (null: unknown, write it again).
  overview_hash text,
  properties_hash text,
  transcript_hash text,
  -- Transcript units (heading, toggles) on the page, of how many.
  transcript_done integer not null default 0 check (transcript_done >= 0),
  transcript_total integer not null default 0 check (transcript_total >= 0),
  -- The append marker: the last top-level block known to be on the page, and (when known) how
  -- many top-level blocks the page has.
  last_block_id uuid,
  top_level_count integer check (top_level_count >= 0),
  -- The write in flight: {"op": "append" | "replace" | "delete", …, "sent_at"}; null when none.
  pending jsonb check (pending is null or pg_catalog.jsonb_typeof(pending) = 'object'),
  -- The workspace's block allowance ran out: the transcript stops after this many units (the
  -- page is flagged for review); republish_call(…, 'refresh') continues it after an upgrade.
  truncated_at integer check (truncated_at >= 0),
  block_limited_at timestamptz,
  -- A rebuild was asked for (republish_call(…, 'rebuild')); pages replaced by rebuilds.
  rebuild_requested boolean not null default false,
  previous_page_ids uuid[] not null default '{}',
  -- Notion requests spent on this page (all attempts).
  requests integer not null default 0 check (requests >= 0),
  published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table switchboard.notion_call_pages enable row level security;
create index notion_call_pages_pending_idx on switchboard.notion_call_pages (call_id)
  where pending is not null or create_sent_at is not null;
comment on table switchboard.notion_call_pages is
  'One Notion page per call: its id (kept the moment it is known), what it shows, the write in flight (exactly once).';

------------------------------------------------------------------------------------------------
-- The handler's SQL, one call each
------------------------------------------------------------------------------------------------

-- Everything the publisher reads about a call, in one round trip: the call, its transcript,
-- summary, the stored recording to link (a recording before a voicemail), and the page's state.
create function switchboard.call_publish_inputs(p_call_id bigint)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'call', (
      select pg_catalog.jsonb_build_object(
        'id', c.id, 'source', c.source, 'external_id', c.external_id, 'direction', c.direction,
        'from_number', c.from_number, 'to_number', c.to_number, 'participants', pg_catalog.to_jsonb(c.participants),
        'started_at', c.started_at, 'duration_sec', c.duration_sec, 'cost_usd', c.cost_usd::text,
        'eligibility', c.eligibility, 'dedupe', c.dedupe, 'contact_name', c.contact_name,
        'merged_into_call_id', c.merged_into_call_id)
      from switchboard.calls c where c.id = p_call_id),
    'transcript', (
      select pg_catalog.jsonb_build_object('status', t.status, 'utterances', t.utterances,
        'metrics', t.metrics, 'error', t.error)
      from switchboard.call_transcripts t where t.call_id = p_call_id),
    'summary', (
      select pg_catalog.jsonb_build_object('status', s.status, 'reason', s.reason, 'summary', s.summary,
        'updated_at', s.updated_at)
      from switchboard.call_summaries s where s.call_id = p_call_id),
    'media', (
      select pg_catalog.jsonb_build_object('id', m.id::text, 'call_id', m.call_id::text, 'kind', m.kind,
        'storage_path', m.storage_path)
      from switchboard.call_media m
      where m.call_id = p_call_id and m.storage_path is not null
      order by (m.kind = 'recording') desc, m.id desc
      limit 1),
    'page', (
      select pg_catalog.to_jsonb(p) from switchboard.notion_call_pages p where p.call_id = p_call_id))
$$;

-- The claim with p_token is the current one on call p_call_id, else 55000: a worker whose lease
-- was taken over writes nothing to Notion.
create function switchboard.assert_call_claim(p_call_id bigint, p_token bigint)
returns void
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  perform 1 from switchboard.work_items w
  where w.token = p_token and w.status = 'running' and w.subject_kind = 'call' and w.subject_id = p_call_id;
  if not found then
    raise exception 'The claim on call % is no longer current', p_call_id
      using errcode = 'object_not_in_prerequisite_state';
  end if;
end
$$;

-- The create marker, set before a page create is sent, under the claim's token, with what the
-- create carries (p_pending: {"op": "create", hashes, units}). Returns the row; when it already
-- has a page id, nothing is marked (the caller creates nothing).
create function switchboard.begin_call_page_create(
  p_call_id bigint,
  p_token bigint,
  p_call_key text,
  p_pending jsonb default null
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row switchboard.notion_call_pages;
begin
  if p_call_key is null or p_call_key = '' then
    raise exception 'A call page needs its Call ID' using errcode = 'invalid_parameter_value';
  end if;
  perform switchboard.assert_call_claim(p_call_id, p_token);
  insert into switchboard.notion_call_pages (call_id, call_key) values (p_call_id, p_call_key)
  on conflict (call_id) do nothing;
  select * into v_row from switchboard.notion_call_pages p where p.call_id = p_call_id for update;
  if v_row.page_id is null then
    update switchboard.notion_call_pages p
    set create_sent_at = now(), create_attempts = p.create_attempts + 1, call_key = p_call_key,
        pending = p_pending, updated_at = now()
    where p.call_id = p_call_id
    returning * into v_row;
  end if;
  return pg_catalog.to_jsonb(v_row);
end
$$;

-- The page id, the moment it is known (a create's answer, a committed 503, a lookup). The first
-- recorded id wins: {"recorded": true} when p_page_id is (now) the call's page, else
-- {"recorded": false, "page_id": <the call's page>} and the caller trashes its duplicate.
-- p_state sets what the new page shows (as update_call_page).
create function switchboard.record_call_page(p_call_id bigint, p_page_id uuid, p_state jsonb default '{}')
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row switchboard.notion_call_pages;
begin
  select * into v_row from switchboard.notion_call_pages p where p.call_id = p_call_id for update;
  if not found then
    raise exception 'No page row for call %: begin_call_page_create first', p_call_id
      using errcode = 'no_data_found';
  end if;
  if v_row.page_id is not null and v_row.page_id <> p_page_id then
    return pg_catalog.jsonb_build_object('recorded', false, 'page_id', v_row.page_id);
  end if;
  update switchboard.notion_call_pages p
  set page_id = p_page_id, create_sent_at = null, updated_at = now()
  where p.call_id = p_call_id;
  perform switchboard.update_call_page(p_call_id, coalesce(p_state, '{}'));
  return pg_catalog.jsonb_build_object('recorded', true, 'page_id', p_page_id);
end
$$;

-- What the page shows now, or the write in flight. Only the keys present in p_patch change
-- (a JSON null clears); "add_requests" adds to the request count.
create function switchboard.update_call_page(p_call_id bigint, p_patch jsonb)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if p_patch is null or pg_catalog.jsonb_typeof(p_patch) <> 'object' then
    raise exception 'update_call_page takes a JSON object' using errcode = 'invalid_parameter_value';
  end if;
  if exists (
    select 1 from pg_catalog.jsonb_object_keys(p_patch) k
    where k not in ('create_sent_at', 'overview_block_id', 'overview_hash', 'properties_hash',
      'transcript_hash', 'transcript_done', 'transcript_total', 'last_block_id', 'top_level_count',
      'pending', 'truncated_at', 'block_limited_at', 'published_at', 'add_requests')
  ) then
    raise exception 'update_call_page: unknown key in %', p_patch using errcode = 'invalid_parameter_value';
  end if;
  if p_patch ? 'create_sent_at' and p_patch -> 'create_sent_at' <> 'null'::jsonb then
    raise exception 'update_call_page: create_sent_at can only be cleared (begin_call_page_create sets it)'
      using errcode = 'invalid_parameter_value';
  end if;
  update switchboard.notion_call_pages p set
    create_sent_at = case when p_patch ? 'create_sent_at' then null else p.create_sent_at end,
    overview_block_id = case when p_patch ? 'overview_block_id' then (p_patch ->> 'overview_block_id')::uuid else p.overview_block_id end,
    overview_hash = case when p_patch ? 'overview_hash' then p_patch ->> 'overview_hash' else p.overview_hash end,
    properties_hash = case when p_patch ? 'properties_hash' then p_patch ->> 'properties_hash' else p.properties_hash end,
    transcript_hash = case when p_patch ? 'transcript_hash' then p_patch ->> 'transcript_hash' else p.transcript_hash end,
    transcript_done = case when p_patch ? 'transcript_done' then (p_patch ->> 'transcript_done')::integer else p.transcript_done end,
    transcript_total = case when p_patch ? 'transcript_total' then (p_patch ->> 'transcript_total')::integer else p.transcript_total end,
    last_block_id = case when p_patch ? 'last_block_id' then (p_patch ->> 'last_block_id')::uuid else p.last_block_id end,
    top_level_count = case when p_patch ? 'top_level_count' then (p_patch ->> 'top_level_count')::integer else p.top_level_count end,
    pending = case when p_patch ? 'pending' then nullif(p_patch -> 'pending', 'null'::jsonb) else p.pending end,
    truncated_at = case when p_patch ? 'truncated_at' then (p_patch ->> 'truncated_at')::integer else p.truncated_at end,
    block_limited_at = case when p_patch ? 'block_limited_at' then (p_patch ->> 'block_limited_at')::timestamptz else p.block_limited_at end,
    published_at = case when p_patch ? 'published_at' then (p_patch ->> 'published_at')::timestamptz else p.published_at end,
    requests = p.requests + coalesce((p_patch ->> 'add_requests')::integer, 0),
    updated_at = now()
  where p.call_id = p_call_id;
end
$$;

-- A write to an existing page is about to be sent (an append, an overview replacement …),
-- under the claim's token: p_pending is recorded first, so a lost answer is checked, not
-- repeated.
create function switchboard.begin_call_page_write(p_call_id bigint, p_token bigint, p_pending jsonb)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if p_pending is null or pg_catalog.jsonb_typeof(p_pending) <> 'object' or not p_pending ? 'op' then
    raise exception 'A pending write is {"op": …}' using errcode = 'invalid_parameter_value';
  end if;
  perform switchboard.assert_call_claim(p_call_id, p_token);
  update switchboard.notion_call_pages p
  set pending = p_pending || pg_catalog.jsonb_build_object('sent_at', now()), updated_at = now()
  where p.call_id = p_call_id and p.page_id is not null;
  if not found then
    raise exception 'Call % has no page to write to', p_call_id using errcode = 'no_data_found';
  end if;
end
$$;

-- A rebuild: the page (already trashed by the handler) is forgotten, its id kept in
-- previous_page_ids; the next create starts from scratch (its lookup skips trashed pages).
create function switchboard.reset_call_page(p_call_id bigint)
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  update switchboard.notion_call_pages p
  set previous_page_ids = case when p.page_id is null then p.previous_page_ids
        else p.previous_page_ids || p.page_id end,
      page_id = null, create_sent_at = null, overview_block_id = null, overview_hash = null,
      properties_hash = null, transcript_hash = null, transcript_done = 0, transcript_total = 0,
      last_block_id = null, top_level_count = null, pending = null, truncated_at = null,
      block_limited_at = null, rebuild_requested = false, published_at = null, updated_at = now()
  where p.call_id = p_call_id
$$;

-- The runbook's one call. 'refresh': the call runs call_publish again and rewrites its
-- properties and overview (a page edited by hand, a changed property map) and continues a
-- transcript the block allowance cut short. 'rebuild': the page is trashed and created again
-- from scratch (a changed transcript). False while the call is being worked on (try again in a
-- moment) or when it does not exist.
create function switchboard.republish_call(p_call_id bigint, p_mode text default 'refresh')
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if p_mode not in ('refresh', 'rebuild') then
    raise exception 'republish_call: mode is refresh or rebuild' using errcode = 'invalid_parameter_value';
  end if;
  if not switchboard.send_back('call', p_call_id, 'call_publish') then
    return false;
  end if;
  update switchboard.notion_call_pages p
  set overview_hash = null, properties_hash = null, truncated_at = null, block_limited_at = null,
      rebuild_requested = (p_mode = 'rebuild'), updated_at = now()
  where p.call_id = p_call_id;
  return true;
end
$$;

------------------------------------------------------------------------------------------------
-- Ops and the stage
------------------------------------------------------------------------------------------------

create view ops.notion_call_pages with (security_invoker = true) as
select p.call_id, c.source, p.call_key, p.page_id,
  case
    when p.page_id is null and p.create_sent_at is not null then 'create_unconfirmed'
    when p.page_id is null then 'not_created'
    when p.pending is not null then 'write_unconfirmed'
    when p.truncated_at is not null then 'transcript_truncated'
    when p.transcript_done < p.transcript_total then 'transcript_partial'
    else 'published'
  end as state,
  p.transcript_done, p.transcript_total, p.truncated_at, p.pending ->> 'op' as pending_op,
  p.create_attempts, p.requests, p.published_at, p.updated_at, p.previous_page_ids
from switchboard.notion_call_pages p
join switchboard.calls c on c.id = p.call_id
order by p.updated_at desc;
comment on view ops.notion_call_pages is
  'Call pages in Notion: page id, state (published, transcript partial/truncated, a write unconfirmed), requests spent.';

-- The stage runs: one item at a time per worker (the shared Notion budget paces them), two
-- workers so that one request's latency does not leave the per-minute budget unused; a long
-- transcript extends its lease between appends, and stops to continue later near the worker's
-- time budget.
update switchboard.stages
set enabled = true, max_workers = 2, batch_size = 10,
    visibility_timeout_seconds = greatest(visibility_timeout_seconds, 300)
where name = 'call_publish';
