-- Intake as state transitions: every door calls one of these functions, once per event, and
-- each runs in the caller's single statement (so in one transaction with everything it does).
--
--   merge_call(source, call, version)       upsert one call, merging monotonically
--   merge_message(source, message, version) the same for a message
--   ingest_webhook(delivery, record)         dedupe a webhook delivery, store it, apply it
--
-- New rows land in their first stage's queue through the triggers at the end of this file.

-- Merges two flat JSON objects field by field. Null means "unknown" and never overwrites. When
-- the incoming event is newer, its known fields win; when it is older, it only fills fields
-- that are still unknown.
create function switchboard.merge_fields(p_current jsonb, p_incoming jsonb, p_incoming_is_newer boolean)
returns jsonb
language sql
immutable
security invoker
set search_path = ''
as $$
  -- Anything that is not an object (SQL null, JSON null) counts as "nothing known".
  with v as (
    select
      case when pg_catalog.jsonb_typeof(p_current) = 'object' then pg_catalog.jsonb_strip_nulls(p_current) else '{}'::jsonb end as cur,
      case when pg_catalog.jsonb_typeof(p_incoming) = 'object' then pg_catalog.jsonb_strip_nulls(p_incoming) else '{}'::jsonb end as inc
  )
  select case when p_incoming_is_newer then v.cur || v.inc else v.inc || v.cur end from v
$$;

-- Merges recording lists: a recording matches an entry with the same id or the same url (legacy
-- v3 media carry only a url, other shapes an id and a url); matched entries merge as merge_fields
-- does, unseen ones are appended in arrival order.
create function switchboard.merge_recordings(p_current jsonb, p_incoming jsonb, p_incoming_is_newer boolean)
returns jsonb
language plpgsql
immutable
security invoker
set search_path = ''
as $$
declare
  v_out jsonb := coalesce(p_current, '[]'::jsonb);
  v_rec jsonb;
  v_idx integer;
begin
  for v_rec in select r from pg_catalog.jsonb_array_elements(coalesce(p_incoming, '[]'::jsonb)) r loop
    v_idx := null;
    select (o.ordinality - 1)::integer into v_idx
    from pg_catalog.jsonb_array_elements(v_out) with ordinality o(elem, ordinality)
    where (o.elem ->> 'id' is not null and o.elem ->> 'id' = v_rec ->> 'id')
       or (o.elem ->> 'url' is not null and o.elem ->> 'url' = v_rec ->> 'url')
    order by o.ordinality
    limit 1;
    if v_idx is not null then
      v_out := pg_catalog.jsonb_set(v_out, array[v_idx::text],
        switchboard.merge_fields(v_out -> v_idx, v_rec, p_incoming_is_newer));
    else
      v_out := v_out || pg_catalog.jsonb_build_array(pg_catalog.jsonb_strip_nulls(v_rec));
    end if;
  end loop;
  return v_out;
end
$$;

-- Upserts one call. p_call holds what the event knows, by column name (from_number,
-- participants, recordings, voicemail, provider_transcript, provider_summary, …; unknown keys are
-- ignored). p_version is the provider time of the event (webhook createdAt, REST updatedAt).
-- Returns the call id, whether this created it, and whether the event was older than what we
-- hold for the groups it touched (stale: it could only fill unknown fields).
create function switchboard.merge_call(
  p_source text,
  p_call jsonb,
  p_version timestamptz,
  p_now timestamptz default now()
)
returns table (call_id bigint, inserted boolean, stale boolean)
language plpgsql
volatile
security invoker
set search_path = ''
-- Point lookups must stay index lookups while the tables grow from empty: a plan cached
-- while a table was tiny would keep scanning it whole.
set plan_cache_mode = force_custom_plan
as $$
declare
  v_row switchboard.calls;
  v_inserted boolean := false;
  v_stale boolean := false;
  v_lifecycle jsonb;
  v_merged jsonb;
  v_versions jsonb;
  v_newer boolean;
  v_group text;
  v_column text;
  v_key text;
  v_legacy_key text;
begin
  -- Legacy (v3) webhook call objects carry no call id. Such a call is keyed by what every event
  -- of it shares, its number and creation time; when the call later arrives with its real id
  -- (a v4/2026 event or the REST backfill), the row is adopted under that id.
  if p_call ->> 'phone_number_id' is not null and p_call ->> 'started_at' is not null then
    v_legacy_key := 'legacy:' || (p_call ->> 'phone_number_id') || ':' ||
      pg_catalog.to_char((p_call ->> 'started_at')::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
  end if;
  v_key := nullif(p_call ->> 'external_id', '');
  if v_key is null and v_legacy_key is not null then
    -- The call may already be known under its real id (a 2026 event or the backfill came first).
    select c.external_id into v_key
    from switchboard.calls c
    where c.source = p_source
      and c.phone_number_id = p_call ->> 'phone_number_id'
      and c.started_at = (p_call ->> 'started_at')::timestamptz
    order by (c.external_id like 'legacy:%'), c.id
    limit 1;
    v_key := coalesce(v_key, v_legacy_key);
  end if;
  if v_key is null then
    raise exception 'A call needs an external_id, or a phone_number_id and started_at'
      using errcode = 'invalid_parameter_value';
  end if;
  if v_legacy_key is not null and v_key <> v_legacy_key and exists (
    select 1 from switchboard.calls c where c.source = p_source and c.external_id = v_legacy_key
  ) then
    update switchboard.calls c set external_id = v_key
    where c.source = p_source and c.external_id = v_legacy_key
      and not exists (select 1 from switchboard.calls x where x.source = p_source and x.external_id = v_key);
  end if;

  <<attempt>>
  loop
    select * into v_row from switchboard.calls c
    where c.source = p_source and c.external_id = v_key
    -- Serialises concurrent events for one call: each merges onto the other's result.
    for update;
    v_inserted := not found;
    v_stale := false;
    if v_inserted then
      -- A new call: merge onto a blank row, then insert it whole (one write, not two).
      v_row.source := p_source;
      v_row.external_id := v_key;
      v_row.recordings := '[]'::jsonb;
      v_row.source_metadata := '{}'::jsonb;
      v_row.field_versions := '{}'::jsonb;
    end if;
    v_versions := v_row.field_versions;

    -- Lifecycle fields: everything the call object itself says.
    v_lifecycle := p_call - array['external_id', 'recordings', 'voicemail', 'provider_transcript',
      'provider_summary', 'source_metadata'];
    if v_lifecycle <> '{}'::jsonb then
      v_newer := coalesce(p_version >= (v_versions ->> 'lifecycle')::timestamptz, true);
      v_stale := v_stale or not v_newer;
      v_merged := switchboard.merge_fields(pg_catalog.to_jsonb(v_row) - 'field_versions', v_lifecycle, v_newer);
      v_row := pg_catalog.jsonb_populate_record(v_row, v_merged);
      v_versions := v_versions || pg_catalog.jsonb_build_object('lifecycle',
        greatest((v_versions ->> 'lifecycle')::timestamptz, p_version));
    end if;

    if p_call ? 'recordings' then
      v_newer := coalesce(p_version >= (v_versions ->> 'recordings')::timestamptz, true);
      v_stale := v_stale or not v_newer;
      v_row.recordings := switchboard.merge_recordings(v_row.recordings, p_call -> 'recordings', v_newer);
      v_versions := v_versions || pg_catalog.jsonb_build_object('recordings',
        greatest((v_versions ->> 'recordings')::timestamptz, p_version));
    end if;

    -- Single-object artifacts, each its own group.
    foreach v_column in array array['voicemail', 'provider_transcript', 'provider_summary', 'source_metadata'] loop
      continue when not p_call ? v_column or pg_catalog.jsonb_typeof(p_call -> v_column) <> 'object';
      v_group := v_column;
      v_newer := coalesce(p_version >= (v_versions ->> v_group)::timestamptz, true);
      v_stale := v_stale or not v_newer;
      v_merged := switchboard.merge_fields(pg_catalog.to_jsonb(v_row) -> v_column, p_call -> v_column, v_newer);
      v_row := pg_catalog.jsonb_populate_record(v_row, pg_catalog.jsonb_build_object(v_column, v_merged));
      v_versions := v_versions || pg_catalog.jsonb_build_object(v_group,
        greatest((v_versions ->> v_group)::timestamptz, p_version));
    end loop;

    if v_inserted then
      insert into switchboard.calls (
        source, external_id, phone_number_id, conversation_id, user_id, direction, provider_status,
        from_number, to_number, participants, started_at, answered_at, completed_at, duration_sec,
        recordings, voicemail, provider_transcript, provider_summary, contact_name, source_metadata,
        field_versions, created_at, updated_at
      ) values (
        p_source, v_key, v_row.phone_number_id, v_row.conversation_id, v_row.user_id, v_row.direction,
        v_row.provider_status, v_row.from_number, v_row.to_number, coalesce(v_row.participants, '{}'),
        v_row.started_at, v_row.answered_at, v_row.completed_at, v_row.duration_sec, v_row.recordings,
        v_row.voicemail, v_row.provider_transcript, v_row.provider_summary, v_row.contact_name,
        v_row.source_metadata, v_versions, p_now, p_now
      )
      on conflict (source, external_id) do nothing
      returning id into v_row.id;
      -- Lost the race to a concurrent first event: merge onto its row instead.
      continue attempt when v_row.id is null;
      exit attempt;
    end if;

    update switchboard.calls c set
      phone_number_id = v_row.phone_number_id,
      conversation_id = v_row.conversation_id,
      user_id = v_row.user_id,
      direction = v_row.direction,
      provider_status = v_row.provider_status,
      from_number = v_row.from_number,
      to_number = v_row.to_number,
      participants = v_row.participants,
      started_at = v_row.started_at,
      answered_at = v_row.answered_at,
      completed_at = v_row.completed_at,
      duration_sec = v_row.duration_sec,
      recordings = v_row.recordings,
      voicemail = v_row.voicemail,
      provider_transcript = v_row.provider_transcript,
      provider_summary = v_row.provider_summary,
      contact_name = v_row.contact_name,
      source_metadata = v_row.source_metadata,
      field_versions = v_versions,
      updated_at = p_now
    where c.id = v_row.id;
    exit attempt;
  end loop;

  return query select v_row.id, v_inserted, v_stale and not v_inserted;
end
$$;

-- Upserts one message (same rules as merge_call; messages have one group, "lifecycle").
create function switchboard.merge_message(
  p_source text,
  p_message jsonb,
  p_version timestamptz,
  p_now timestamptz default now()
)
returns table (message_id bigint, inserted boolean, stale boolean)
language plpgsql
volatile
security invoker
set search_path = ''
-- Point lookups must stay index lookups while the tables grow from empty: a plan cached
-- while a table was tiny would keep scanning it whole.
set plan_cache_mode = force_custom_plan
as $$
declare
  v_row switchboard.messages;
  v_inserted boolean;
  v_newer boolean;
begin
  if coalesce(p_message ->> 'external_id', '') = '' then
    raise exception 'A message needs an external_id' using errcode = 'invalid_parameter_value';
  end if;

  <<attempt>>
  loop
    select * into v_row from switchboard.messages m
    where m.source = p_source and m.external_id = p_message ->> 'external_id'
    for update;
    v_inserted := not found;
    if v_inserted then
      v_row.field_versions := '{}'::jsonb;
      v_row.media := '[]'::jsonb;
    end if;
    v_newer := coalesce(p_version >= (v_row.field_versions ->> 'lifecycle')::timestamptz, true);
    v_row := pg_catalog.jsonb_populate_record(v_row, switchboard.merge_fields(
      pg_catalog.to_jsonb(v_row) - 'field_versions', p_message - 'external_id', v_newer));

    if v_inserted then
      insert into switchboard.messages (
        source, external_id, phone_number_id, conversation_id, user_id, direction, provider_status,
        from_number, to_numbers, body, media, sent_at, field_versions, created_at, updated_at
      ) values (
        p_source, p_message ->> 'external_id', v_row.phone_number_id, v_row.conversation_id, v_row.user_id,
        v_row.direction, v_row.provider_status, v_row.from_number, coalesce(v_row.to_numbers, '{}'),
        v_row.body, coalesce(v_row.media, '[]'::jsonb), v_row.sent_at,
        pg_catalog.jsonb_build_object('lifecycle', p_version), p_now, p_now
      )
      on conflict (source, external_id) do nothing
      returning id into v_row.id;
      continue attempt when v_row.id is null;
      exit attempt;
    end if;

    update switchboard.messages m set
      phone_number_id = v_row.phone_number_id,
      conversation_id = v_row.conversation_id,
      user_id = v_row.user_id,
      direction = v_row.direction,
      provider_status = v_row.provider_status,
      from_number = v_row.from_number,
      to_numbers = v_row.to_numbers,
      body = v_row.body,
      media = v_row.media,
      sent_at = v_row.sent_at,
      field_versions = v_row.field_versions || pg_catalog.jsonb_build_object('lifecycle',
        greatest((v_row.field_versions ->> 'lifecycle')::timestamptz, p_version)),
      updated_at = p_now
    where m.id = v_row.id;
    exit attempt;
  end loop;

  return query select v_row.id, v_inserted, not v_newer and not v_inserted;
end
$$;

-- A page of backfilled calls or messages in one statement: [{"version": …, "call": {…}}, …].
-- Returns how many were new.
create function switchboard.merge_calls(p_source text, p_items jsonb, p_now timestamptz default now())
returns integer
language sql
volatile
security invoker
set search_path = ''
as $$
  select pg_catalog.count(*) filter (where m.inserted)::integer
  from pg_catalog.jsonb_array_elements(p_items) i(item)
  cross join lateral switchboard.merge_call(p_source, i.item -> 'call', (i.item ->> 'version')::timestamptz, p_now) m
$$;

create function switchboard.merge_messages(p_source text, p_items jsonb, p_now timestamptz default now())
returns integer
language sql
volatile
security invoker
set search_path = ''
as $$
  select pg_catalog.count(*) filter (where m.inserted)::integer
  from pg_catalog.jsonb_array_elements(p_items) i(item)
  cross join lateral switchboard.merge_message(p_source, i.item -> 'message', (i.item ->> 'version')::timestamptz, p_now) m
$$;

-- The workspace's numbers, as the backfill last saw them: [{"id", "number", "name"}, …].
create function switchboard.save_phone_numbers(p_numbers jsonb, p_now timestamptz default now())
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into switchboard.phone_numbers (id, number, name, updated_at)
  select n ->> 'id', n ->> 'number', n ->> 'name', p_now
  from pg_catalog.jsonb_array_elements(p_numbers) n
  on conflict (id) do update set number = excluded.number, name = excluded.name, updated_at = excluded.updated_at
$$;

-- One webhook delivery, verified by the caller: dedupes by delivery id (the inbox's unique key)
-- and by event id (a provider retry under a new delivery id), stores it, and applies it.
--
-- p_delivery: {delivery_id, event_id, event_type, scheme, api_version, event_created_at,
--              payload, raw_body, outcome ('quarantined' | 'unknown_type' to record only), detail}
-- p_record:   null, or {"call": {…}} | {"message": {…}} | {"contact": {external_contact_id, event_type, contact}}
-- Returns {outcome, delivery_id (the inbox row), call_id, message_id, inserted}. The outcome
-- "duplicate_delivery" means the delivery id was seen before: nothing was written.
create function switchboard.ingest_webhook(
  p_delivery jsonb,
  p_record jsonb,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
-- Point lookups must stay index lookups while the tables grow from empty: a plan cached
-- while a table was tiny would keep scanning it whole.
set plan_cache_mode = force_custom_plan
as $$
declare
  v_delivery_id text := p_delivery ->> 'delivery_id';
  v_event_id text := p_delivery ->> 'event_id';
  v_version timestamptz := coalesce((p_delivery ->> 'event_created_at')::timestamptz, p_now);
  v_outcome text := coalesce(p_delivery ->> 'outcome', 'applied');
  v_call_id bigint;
  v_message_id bigint;
  v_inserted boolean;
  v_stale boolean := false;
  v_row_id bigint;
begin
  -- Concurrent copies of one delivery (or of one event) wait here for each other, so the checks
  -- below see the first copy's committed row. The inbox row is then written once, with its
  -- final outcome; its unique key stays the last line of defence.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('switchboard.delivery:' || v_delivery_id, 0));
  if exists (
    select 1 from switchboard.webhook_deliveries d where d.source = 'openphone' and d.delivery_id = v_delivery_id
  ) then
    return pg_catalog.jsonb_build_object('outcome', 'duplicate_delivery');
  end if;

  if v_outcome = 'applied' and v_event_id is not null then
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('switchboard.event:' || v_event_id, 0));
    if exists (
      select 1 from switchboard.webhook_deliveries d where d.source = 'openphone' and d.event_id = v_event_id
    ) then
      v_outcome := 'duplicate_event';
    end if;
  end if;

  if v_outcome = 'applied' then
    if p_record ? 'call' then
      select m.call_id, m.inserted, m.stale into v_call_id, v_inserted, v_stale
      from switchboard.merge_call('openphone', p_record -> 'call', v_version, p_now) m;
    elsif p_record ? 'message' then
      select m.message_id, m.inserted, m.stale into v_message_id, v_inserted, v_stale
      from switchboard.merge_message('openphone', p_record -> 'message', v_version, p_now) m;
    elsif p_record ? 'contact' then
      insert into switchboard.contact_events (external_contact_id, event_type, contact, event_created_at, received_at)
      values (p_record -> 'contact' ->> 'external_contact_id', p_delivery ->> 'event_type',
        p_record -> 'contact' -> 'contact', (p_delivery ->> 'event_created_at')::timestamptz, p_now);
    else
      raise exception 'ingest_webhook needs a record for an applied delivery' using errcode = 'invalid_parameter_value';
    end if;
    if v_stale then
      v_outcome := 'stale';
    end if;
  end if;

  insert into switchboard.webhook_deliveries (
    source, delivery_id, event_id, event_type, scheme, api_version, event_created_at,
    received_at, payload, raw_body, outcome, detail, call_id, message_id
  ) values (
    'openphone', v_delivery_id, v_event_id, p_delivery ->> 'event_type', p_delivery ->> 'scheme',
    p_delivery ->> 'api_version', (p_delivery ->> 'event_created_at')::timestamptz, p_now,
    p_delivery -> 'payload', p_delivery ->> 'raw_body', v_outcome, p_delivery ->> 'detail',
    v_call_id, v_message_id
  )
  returning id into v_row_id;

  return pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
    'outcome', v_outcome, 'delivery_id', v_row_id, 'call_id', v_call_id,
    'message_id', v_message_id, 'inserted', v_inserted));
end
$$;

-- First stages: a new call waits for enrichment, a new message for publishing. The functions
-- behind them arrive with their stages; until then the messages wait in the queues.
select switchboard.register_stage('call_enrich', 'call-enrich');
select switchboard.register_stage('message_publish', 'notion-publish');

create trigger tg_calls__enqueue
after insert on switchboard.calls
for each row execute function switchboard.tg_enqueue_row('call_enrich');

create trigger tg_messages__enqueue
after insert on switchboard.messages
for each row execute function switchboard.tg_enqueue_row('message_publish');
