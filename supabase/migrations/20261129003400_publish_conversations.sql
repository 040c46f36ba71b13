-- Text-message conversations in Notion: one page per conversation, each message on it exactly
-- once, in sent order (the message_publish stage, function notion-publish).
--
-- The conversation key: `<line>:<other parties>`, where <line> is the OpenPhone phone number id
-- (PN…; our own number when a message names none) and <other parties> the E.164 numbers of
-- everyone else in the thread, sorted and comma-separated (one for SMS, several for a group MMS).
-- It is computed from each message alone (with switchboard.phone_numbers to tell our number
-- from the others), so every door — webhooks, the backfill — puts a message on the same page.
-- OpenPhone's conversation id (CN…) is kept for reference but is not the key: not every door
-- reports it, and a key that differs between doors would split one thread over two pages.
--
--   switchboard.notion_conversations          one row per conversation: its Notion page id (kept
--                                             the moment it is known), the header block, the
--                                             last block at the page's end, counts, the contact
--                                             link, the write in flight, and the lease that lets
--                                             one worker at a time write to the page.
--   switchboard.notion_conversation_messages  one row per message (kept by a trigger on
--                                             messages): its conversation key, sent time, and —
--                                             once the write's answer is known — its block ids.
--
-- Exactly once: a write (page create or append) is recorded as `pending_write` before it is
-- sent and cleared when its answer is known. A worker that finds a pending write checks Notion
-- first (the page by its Conversation ID; the page's children after the write's anchor block,
-- matched by the `msg:<external id>` marker every message block carries) and records what it
-- finds before anything is sent again. A 503 that says the write was committed counts as done.

create table switchboard.notion_conversations (
  id bigint generated always as identity primary key,
  conversation_key text not null unique,
  -- The line: OpenPhone phone number id, or our number when no id is known.
  line text not null,
  our_number text,
  other_parties text[] not null check (cardinality(other_parties) > 0),
  openphone_conversation_id text,
  page_id uuid,
  -- The page's first block (carries the conv:<id> marker); null until known.
  header_block_id uuid,
  -- The last block at the page's end that we wrote (the anchor to check an append at the end).
  last_block_id uuid,
  message_count integer not null default 0,
  last_message_at timestamptz,
  -- What the page's properties show (written with the page, or by the last property update).
  properties_count integer,
  properties_last_at timestamptz,
  -- The contact link the page shows: matched / ambiguous (Needs Review) / unknown.
  contact_status text check (contact_status in ('matched', 'ambiguous', 'unknown')),
  contact_page_ids text[] not null default '{}',
  review_note text,
  -- A write sent whose answer is not recorded yet: {kind: create|append, message_ids,
  -- header, after_block, anchor_block, at_end, sent_at}. Checked before anything else is sent.
  pending_write jsonb,
  -- One writer per conversation: the engine's fencing token of the claim holding it.
  lease_token bigint,
  leased_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table switchboard.notion_conversations enable row level security;
comment on table switchboard.notion_conversations is
  'One Notion page per text-message conversation (key = line + other parties): page id, anchors, counts, contact link, write in flight, writer lease.';

create table switchboard.notion_conversation_messages (
  message_id bigint primary key references switchboard.messages (id) on delete cascade,
  -- Null while the message names no other party (an incomplete row; a later merge fills it).
  conversation_key text,
  sent_at timestamptz not null,
  -- The message's blocks on the page; null when it was written with the page (ids read later
  -- when needed) or not written yet.
  block_ids uuid[],
  published_at timestamptz,
  -- append | page (created with the page) | committed (a 503 said so) | found (checked on the page)
  published_by text check (published_by in ('append', 'page', 'committed', 'found'))
);
alter table switchboard.notion_conversation_messages enable row level security;
create index notion_conversation_messages_waiting_idx
  on switchboard.notion_conversation_messages (conversation_key, sent_at, message_id)
  where published_at is null;
create index notion_conversation_messages_published_idx
  on switchboard.notion_conversation_messages (conversation_key, sent_at, message_id)
  where published_at is not null;
comment on table switchboard.notion_conversation_messages is
  'Per message: its conversation key and, once the write is known to have happened, its Notion block ids.';

create index if not exists messages_line_outgoing_idx
  on switchboard.messages (phone_number_id) where direction = 'outgoing';

-- The conversation a message belongs to: {key, line, our_number, others}; key null when the
-- message names no other party (or no line at all).
create function switchboard.message_conversation(
  p_phone_number_id text,
  p_direction text,
  p_from text,
  p_to text[]
)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_line text := nullif(p_phone_number_id, '');
  v_our text;
  v_others text[];
begin
  if v_line is not null then
    select n.number into v_our from switchboard.phone_numbers n where n.id = v_line;
  end if;
  if v_our is null then
    if p_direction = 'outgoing' then
      v_our := p_from;
    elsif p_direction = 'incoming' and coalesce(pg_catalog.cardinality(p_to), 0) = 1 then
      v_our := p_to[1];
    elsif v_line is not null then
      -- A group message to us: our number from an outgoing message on the same line.
      select m.from_number into v_our from switchboard.messages m
      where m.phone_number_id = v_line and m.direction = 'outgoing' and m.from_number is not null
      limit 1;
    end if;
  end if;
  if v_line is null and v_our is not null then
    select n.id into v_line from switchboard.phone_numbers n where n.number = v_our limit 1;
    v_line := coalesce(v_line, v_our);
  end if;
  select coalesce(array_agg(distinct p order by p), '{}') into v_others
  from pg_catalog.unnest(
    case when p_direction = 'outgoing' then coalesce(p_to, '{}')
         else array[p_from] || coalesce(p_to, '{}') end) p
  where p is not null and p <> '' and p is distinct from v_our;
  return jsonb_build_object(
    'key', case when v_line is null or pg_catalog.cardinality(v_others) = 0 then null
                else v_line || ':' || pg_catalog.array_to_string(v_others, ',') end,
    'line', v_line, 'our_number', v_our, 'others', pg_catalog.to_jsonb(v_others));
end
$$;

-- Keeps notion_conversation_messages in step with messages: a new message gets its row; a merge
-- that changes who or when recomputes the key of a message not yet published.
create function switchboard.tg_messages_conversation()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  insert into switchboard.notion_conversation_messages as cm (message_id, conversation_key, sent_at)
  values (new.id,
    switchboard.message_conversation(new.phone_number_id, new.direction, new.from_number, new.to_numbers) ->> 'key',
    coalesce(new.sent_at, new.created_at))
  on conflict (message_id) do update
    set conversation_key = excluded.conversation_key, sent_at = excluded.sent_at
    where cm.published_at is null;
  return null;
end
$$;

create trigger tg_messages__conversation
after insert or update of phone_number_id, direction, from_number, to_numbers, sent_at
on switchboard.messages
for each row execute function switchboard.tg_messages_conversation();

insert into switchboard.notion_conversation_messages (message_id, conversation_key, sent_at)
select m.id,
  switchboard.message_conversation(m.phone_number_id, m.direction, m.from_number, m.to_numbers) ->> 'key',
  coalesce(m.sent_at, m.created_at)
from switchboard.messages m
on conflict (message_id) do nothing;

-- The conversation as the handler sees it.
create function switchboard.notion_conversation_json(p_c switchboard.notion_conversations)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select jsonb_build_object(
    'id', p_c.id, 'key', p_c.conversation_key, 'line', p_c.line, 'our_number', p_c.our_number,
    'others', pg_catalog.to_jsonb(p_c.other_parties), 'page_id', p_c.page_id,
    'header_block_id', p_c.header_block_id, 'last_block_id', p_c.last_block_id,
    'message_count', p_c.message_count, 'last_message_at', p_c.last_message_at,
    'properties_count', p_c.properties_count, 'properties_last_at', p_c.properties_last_at,
    'contact_status', p_c.contact_status, 'contact_page_ids', pg_catalog.to_jsonb(p_c.contact_page_ids),
    'review_note', p_c.review_note, 'pending_write', p_c.pending_write,
    'properties_dirty', p_c.page_id is not null and (
      p_c.properties_count is distinct from p_c.message_count
      or p_c.properties_last_at is distinct from p_c.last_message_at))
$$;

-- The first call of a message_publish handler (p_token: its claim's fencing token):
--   {"status": "incomplete"}                       the message names no other party (yet)
--   {"status": "published"}                        already on the page, properties up to date:
--                                                  complete without a Notion request
--   {"status": "busy", "leased_until": …}          another worker writes to this conversation
--   {"status": "leased", "message_published": bool, "conversation": {…}}
--                                                  this claim now holds the conversation's lease
create function switchboard.begin_message_publish(
  p_message_id bigint,
  p_token bigint,
  p_lease_seconds integer default 120,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_msg switchboard.messages;
  v_cm switchboard.notion_conversation_messages;
  v_conv jsonb;
  v_c switchboard.notion_conversations;
begin
  select * into v_msg from switchboard.messages m where m.id = p_message_id;
  if not found then
    return jsonb_build_object('status', 'incomplete');
  end if;
  select * into v_cm from switchboard.notion_conversation_messages cm where cm.message_id = p_message_id;
  v_conv := switchboard.message_conversation(v_msg.phone_number_id, v_msg.direction, v_msg.from_number, v_msg.to_numbers);
  if v_cm.message_id is null or v_cm.published_at is null then
    -- Recomputed: our number may have become known since the row was written.
    insert into switchboard.notion_conversation_messages as cm (message_id, conversation_key, sent_at)
    values (p_message_id, v_conv ->> 'key', coalesce(v_msg.sent_at, v_msg.created_at))
    on conflict (message_id) do update
      set conversation_key = excluded.conversation_key, sent_at = excluded.sent_at
      where cm.published_at is null
    returning * into v_cm;
    if v_cm.message_id is null then
      select * into v_cm from switchboard.notion_conversation_messages cm where cm.message_id = p_message_id;
    end if;
  end if;
  if v_cm.conversation_key is null then
    return jsonb_build_object('status', 'incomplete');
  end if;

  insert into switchboard.notion_conversations (conversation_key, line, our_number, other_parties,
    openphone_conversation_id, created_at, updated_at)
  values (v_cm.conversation_key, v_conv ->> 'line', v_conv ->> 'our_number',
    array(select pg_catalog.jsonb_array_elements_text(v_conv -> 'others')),
    v_msg.conversation_id, p_now, p_now)
  on conflict (conversation_key) do nothing;
  select * into v_c from switchboard.notion_conversations c
  where c.conversation_key = v_cm.conversation_key
  for update;
  if v_c.our_number is null and v_conv ->> 'key' = v_c.conversation_key and v_conv ->> 'our_number' is not null then
    update switchboard.notion_conversations c set our_number = v_conv ->> 'our_number'
    where c.id = v_c.id returning * into v_c;
  end if;
  if v_c.openphone_conversation_id is null and v_msg.conversation_id is not null then
    update switchboard.notion_conversations c set openphone_conversation_id = v_msg.conversation_id
    where c.id = v_c.id returning * into v_c;
  end if;

  if v_cm.published_at is not null and v_c.pending_write is null
     and not (switchboard.notion_conversation_json(v_c) -> 'properties_dirty')::boolean then
    return jsonb_build_object('status', 'published', 'conversation_id', v_c.id);
  end if;
  if v_c.lease_token is not null and v_c.lease_token <> p_token and v_c.leased_until > p_now then
    return jsonb_build_object('status', 'busy', 'conversation_id', v_c.id, 'leased_until', v_c.leased_until);
  end if;
  update switchboard.notion_conversations c
  set lease_token = p_token, leased_until = p_now + pg_catalog.make_interval(secs => p_lease_seconds),
      updated_at = p_now
  where c.id = v_c.id
  returning * into v_c;
  return jsonb_build_object('status', 'leased', 'message_published', v_cm.published_at is not null,
    'conversation', switchboard.notion_conversation_json(v_c));
end
$$;

-- The conversation, locked, when p_token still holds its lease (which is extended); else null.
create function switchboard.notion_conversation_leased(
  p_conversation_id bigint,
  p_token bigint,
  p_now timestamptz,
  p_lease_seconds integer default 120
)
returns switchboard.notion_conversations
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_c switchboard.notion_conversations;
begin
  update switchboard.notion_conversations c
  set leased_until = greatest(c.leased_until, p_now + pg_catalog.make_interval(secs => p_lease_seconds)),
      updated_at = p_now
  where c.id = p_conversation_id and c.lease_token = p_token
  returning * into v_c;
  if v_c.id is null then
    raise exception 'notion conversation %: the lease is no longer held by this claim', p_conversation_id
      using errcode = 'lock_not_available';
  end if;
  return v_c;
end
$$;

-- The next messages to write, in sent order: the earliest waiting message (p_only: just that
-- one) and those after it up to the next message already on the page (at most p_limit).
--   {"messages": [{id, external_id, direction, from_number, to_numbers, body, media, sent_at}],
--    "at_end": true when nothing published follows (append at the page's end),
--    "after_block": the block to insert after when not at the end (the previous message's last
--                   block, or the header), null when that block's id is not known,
--    "needs_block_ids": true when after_block is needed but unknown (read the page first)}
-- Messages whose work item failed (dead-lettered) are left out: they wait for a replay.
create function switchboard.notion_conversation_batch(
  p_conversation_id bigint,
  p_token bigint,
  p_limit integer default 100,
  p_only bigint default null,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_c switchboard.notion_conversations;
  v_first switchboard.notion_conversation_messages;
  v_pred switchboard.notion_conversation_messages;
  v_succ switchboard.notion_conversation_messages;
  v_after uuid;
  v_messages jsonb;
begin
  v_c := switchboard.notion_conversation_leased(p_conversation_id, p_token, p_now);
  select cm.* into v_first from switchboard.notion_conversation_messages cm
  where cm.conversation_key = v_c.conversation_key and cm.published_at is null
    and (p_only is null or cm.message_id = p_only)
    and not exists (select 1 from switchboard.work_items w where w.subject_kind = 'message'
                    and w.subject_id = cm.message_id and w.status = 'failed')
  order by cm.sent_at, cm.message_id
  limit 1;
  if v_first.message_id is null then
    return jsonb_build_object('messages', '[]'::jsonb, 'at_end', true, 'after_block', null,
      'needs_block_ids', false);
  end if;
  select cm.* into v_pred from switchboard.notion_conversation_messages cm
  where cm.conversation_key = v_c.conversation_key and cm.published_at is not null
    and (cm.sent_at, cm.message_id) < (v_first.sent_at, v_first.message_id)
  order by cm.sent_at desc, cm.message_id desc limit 1;
  select cm.* into v_succ from switchboard.notion_conversation_messages cm
  where cm.conversation_key = v_c.conversation_key and cm.published_at is not null
    and (cm.sent_at, cm.message_id) > (v_first.sent_at, v_first.message_id)
  order by cm.sent_at, cm.message_id limit 1;

  select coalesce(jsonb_agg(jsonb_build_object(
      'id', m.id, 'external_id', m.external_id, 'direction', m.direction,
      'from_number', m.from_number, 'to_numbers', pg_catalog.to_jsonb(m.to_numbers),
      'body', m.body, 'media', m.media, 'sent_at', b.sent_at) order by b.sent_at, b.message_id), '[]'::jsonb)
  into v_messages
  from (
    select cm.message_id, cm.sent_at from switchboard.notion_conversation_messages cm
    where cm.conversation_key = v_c.conversation_key and cm.published_at is null
      and (p_only is null or cm.message_id = p_only)
      and (cm.sent_at, cm.message_id) >= (v_first.sent_at, v_first.message_id)
      and (v_succ.message_id is null or (cm.sent_at, cm.message_id) < (v_succ.sent_at, v_succ.message_id))
      and not exists (select 1 from switchboard.work_items w where w.subject_kind = 'message'
                      and w.subject_id = cm.message_id and w.status = 'failed')
    order by cm.sent_at, cm.message_id
    limit greatest(p_limit, 1)
  ) b
  join switchboard.messages m on m.id = b.message_id;

  if v_succ.message_id is not null then
    v_after := case when v_pred.message_id is null then v_c.header_block_id
                    else v_pred.block_ids[pg_catalog.cardinality(v_pred.block_ids)] end;
  end if;
  return jsonb_build_object('messages', v_messages, 'at_end', v_succ.message_id is null,
    'after_block', v_after, 'needs_block_ids', v_succ.message_id is not null and v_after is null);
end
$$;

-- Before a write is sent: what it is (kept until its answer is recorded or known not applied).
create function switchboard.notion_conversation_write_started(
  p_conversation_id bigint,
  p_token bigint,
  p_write jsonb,
  p_now timestamptz default now()
)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform switchboard.notion_conversation_leased(p_conversation_id, p_token, p_now);
  update switchboard.notion_conversations c
  set pending_write = p_write || jsonb_build_object('sent_at', p_now), updated_at = p_now
  where c.id = p_conversation_id;
end
$$;

-- The write was refused (not applied): nothing to check.
create function switchboard.notion_conversation_write_cleared(
  p_conversation_id bigint,
  p_token bigint,
  p_now timestamptz default now()
)
returns void
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  perform switchboard.notion_conversation_leased(p_conversation_id, p_token, p_now);
  update switchboard.notion_conversations c set pending_write = null, updated_at = p_now
  where c.id = p_conversation_id;
end
$$;

-- What Notion has (from a write's answer, a 503 that says it committed, or a check of the page):
--   p_page_id            the page (recorded the moment it is known; never replaced)
--   p_header_block_id    the header's block id, when known
--   p_messages           [{id | external_id, block_ids: [...] | null}] now on the page
--   p_last_block_id      the new last block at the page's end (null: unchanged)
--   p_properties         {count, last_at} the page's properties now show (null: unchanged)
--   p_contact            {status, page_ids, review_note} the page now shows (null: unchanged)
--   p_how                append | page | committed | found
-- Clears the pending write. Returns the conversation.
create function switchboard.notion_conversation_recorded(
  p_conversation_id bigint,
  p_token bigint,
  p_page_id uuid default null,
  p_header_block_id uuid default null,
  p_messages jsonb default '[]'::jsonb,
  p_last_block_id uuid default null,
  p_properties jsonb default null,
  p_contact jsonb default null,
  p_how text default 'append',
  p_clear_pending boolean default true,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_c switchboard.notion_conversations;
begin
  v_c := switchboard.notion_conversation_leased(p_conversation_id, p_token, p_now);
  update switchboard.notion_conversation_messages cm
  set block_ids = coalesce(
        (select array(select pg_catalog.jsonb_array_elements_text(x -> 'block_ids'))::uuid[]
         where pg_catalog.jsonb_typeof(x -> 'block_ids') = 'array'), cm.block_ids),
      published_at = coalesce(cm.published_at, p_now),
      published_by = coalesce(cm.published_by, p_how)
  from pg_catalog.jsonb_array_elements(coalesce(p_messages, '[]'::jsonb)) x
  where cm.message_id = coalesce((x ->> 'id')::bigint,
          (select m.id from switchboard.messages m
           where m.source = 'openphone' and m.external_id = x ->> 'external_id'
           order by m.id limit 1))
    and cm.conversation_key = v_c.conversation_key;

  update switchboard.notion_conversations c
  set page_id = coalesce(c.page_id, p_page_id),
      header_block_id = coalesce(p_header_block_id, c.header_block_id),
      last_block_id = coalesce(p_last_block_id, c.last_block_id),
      pending_write = case when p_clear_pending then null else c.pending_write end,
      properties_count = coalesce((p_properties ->> 'count')::integer, c.properties_count),
      properties_last_at = case when p_properties is null then c.properties_last_at
                                else (p_properties ->> 'last_at')::timestamptz end,
      contact_status = coalesce(p_contact ->> 'status', c.contact_status),
      contact_page_ids = case when p_contact is null then c.contact_page_ids
        else array(select pg_catalog.jsonb_array_elements_text(p_contact -> 'page_ids')) end,
      review_note = case when p_contact is null then c.review_note else p_contact ->> 'review_note' end,
      (message_count, last_message_at) = (
        select count(*)::integer, max(cm.sent_at) from switchboard.notion_conversation_messages cm
        where cm.conversation_key = c.conversation_key and cm.published_at is not null),
      updated_at = p_now
  where c.id = p_conversation_id
  returning * into v_c;
  return switchboard.notion_conversation_json(v_c);
end
$$;

-- The claim is done with the conversation: the lease is given back, and messages whose items
-- wait because the conversation was busy run now (most find themselves published already).
create function switchboard.notion_conversation_release(
  p_conversation_id bigint,
  p_token bigint,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_key text;
begin
  update switchboard.notion_conversations c
  set lease_token = null, leased_until = null, updated_at = p_now
  where c.id = p_conversation_id and c.lease_token = p_token
  returning c.conversation_key into v_key;
  if v_key is null then
    return false;
  end if;
  perform switchboard.resume('message', w.subject_id, 'message_publish', p_now)
  from switchboard.work_items w
  join switchboard.notion_conversation_messages cm on cm.message_id = w.subject_id
  where w.subject_kind = 'message' and w.stage = 'message_publish' and w.status = 'pending'
    and w.waiting_for = 'conversation_busy' and cm.conversation_key = v_key;
  return true;
end
$$;

-- The stage goes live. Notion allows ~3 requests/s per connection (shared with call pages):
-- two workers, one handler each, keep within it while one conversation waits on another;
-- per-conversation order comes from the lease above, not from the worker count.
update switchboard.stages
set enabled = true, max_workers = 2, batch_size = 10, visibility_timeout_seconds = 180
where name = 'message_publish';

do $$
declare
  f text;
begin
  foreach f in array array[
    'switchboard.message_conversation(text, text, text, text[])',
    'switchboard.tg_messages_conversation()',
    'switchboard.notion_conversation_json(switchboard.notion_conversations)',
    'switchboard.begin_message_publish(bigint, bigint, integer, timestamptz)',
    'switchboard.notion_conversation_leased(bigint, bigint, timestamptz, integer)',
    'switchboard.notion_conversation_batch(bigint, bigint, integer, bigint, timestamptz)',
    'switchboard.notion_conversation_write_started(bigint, bigint, jsonb, timestamptz)',
    'switchboard.notion_conversation_write_cleared(bigint, bigint, timestamptz)',
    'switchboard.notion_conversation_recorded(bigint, bigint, uuid, uuid, jsonb, uuid, jsonb, jsonb, text, boolean, timestamptz)',
    'switchboard.notion_conversation_release(bigint, bigint, timestamptz)'
  ] loop
    execute pg_catalog.format('revoke execute on function %s from public, anon, authenticated', f);
  end loop;
end
$$;
