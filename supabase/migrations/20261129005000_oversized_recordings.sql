-- Oversized recordings: a recording or voicemail larger than the Storage file size limit
-- (RECORDINGS_MAX_BYTES, or Storage's own 413) is not stored, and that no longer fails the call.
-- call_store_recording records the media as skipped, with why and the sizes, and completes;
-- call_transcribe finds nothing stored to transcribe (its context only picks stored media); the
-- Notion page says "Recording not stored: 75 MB is over the 50 MB file-size limit" and is
-- flagged Needs Review. The call is done, not failed.
--
--   call_media.skipped_reason     why the media is not in Storage ('too_large'); null when stored
--   call_media.size_limit_bytes   the limit it was over (null: Storage refused it with its own)
--   call_media.skipped_at         when it was skipped
--   call_media.bytes              for a skipped row: its size when announced (Content-Length,
--                                 Drive's size), null when it only showed while streaming
--                                 ("larger than the limit": the download stops at the limit)
--
-- A skipped row is never a stored one (the check below), so everything that looks for stored
-- media (storage_path / stored_at not null: call_transcribe_context, call_publish_inputs' media,
-- recording_link_target) passes it by. Storing the media later (after raising the limit:
-- send_back to call_store_recording) replaces the row and clears the skip.

alter table switchboard.call_media
  add column skipped_reason text check (skipped_reason in ('too_large')),
  add column size_limit_bytes bigint check (size_limit_bytes > 0),
  add column skipped_at timestamptz,
  add constraint call_media_skipped_is_not_stored check (
    skipped_reason is null or (storage_path is null and sha256 is null and stored_at is null));
comment on column switchboard.call_media.skipped_reason is
  'Why the media is not in Storage: too_large (over size_limit_bytes, or refused by Storage). Null when stored.';
comment on column switchboard.call_media.size_limit_bytes is
  'For a skipped media: the file size limit it was over (null when Storage refused it with its own limit).';

-- Storing a media item (unchanged but for clearing a previous skip).
create or replace function switchboard.record_call_media(
  p_call_id bigint,
  p_kind text,
  p_media_key text,
  p_source text,
  p_storage_path text,
  p_content_type text,
  p_bytes bigint,
  p_sha256 text,
  p_duration_sec integer default null,
  p_now timestamptz default now()
)
returns bigint
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into switchboard.call_media as m (
    call_id, kind, media_key, source, storage_path, content_type, bytes, sha256, duration_sec, stored_at)
  values (
    p_call_id, p_kind, p_media_key, p_source, p_storage_path, p_content_type, p_bytes, p_sha256,
    p_duration_sec, p_now)
  on conflict (call_id, kind, media_key) do update
    set source = excluded.source,
        storage_path = excluded.storage_path,
        content_type = excluded.content_type,
        bytes = excluded.bytes,
        sha256 = excluded.sha256,
        duration_sec = coalesce(excluded.duration_sec, m.duration_sec),
        stored_at = excluded.stored_at,
        skipped_reason = null,
        size_limit_bytes = null,
        skipped_at = null
  returning m.id
$$;

-- A media item that is not stored, and why. One statement; a retry updates the same row. A
-- media already stored (an earlier run, before the limit was lowered) stays stored: its object
-- is in Storage and nothing is recorded over it (returns null then).
create function switchboard.record_call_media_skipped(
  p_call_id bigint,
  p_kind text,
  p_media_key text,
  p_source text,
  p_reason text,
  p_bytes bigint,
  p_size_limit_bytes bigint,
  p_content_type text default null,
  p_duration_sec integer default null,
  p_now timestamptz default now()
)
returns bigint
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into switchboard.call_media as m (
    call_id, kind, media_key, source, content_type, bytes, duration_sec, skipped_reason,
    size_limit_bytes, skipped_at)
  values (
    p_call_id, p_kind, p_media_key, p_source, p_content_type, p_bytes, p_duration_sec, p_reason,
    p_size_limit_bytes, p_now)
  on conflict (call_id, kind, media_key) do update
    set source = excluded.source,
        content_type = coalesce(excluded.content_type, m.content_type),
        bytes = excluded.bytes,
        duration_sec = coalesce(excluded.duration_sec, m.duration_sec),
        skipped_reason = excluded.skipped_reason,
        size_limit_bytes = excluded.size_limit_bytes,
        skipped_at = excluded.skipped_at
    where m.stored_at is null
  returning m.id
$$;
comment on function switchboard.record_call_media_skipped is
  'call_store_recording: a recording/voicemail not stored (too_large, with its size and the limit); never over a stored one.';

-- The publisher's inputs (20261129003300), now with the media that were not stored, so the page
-- can say why (a recording before a voicemail).
create or replace function switchboard.call_publish_inputs(p_call_id bigint)
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
    'skipped_media', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('kind', m.kind,
          'reason', m.skipped_reason, 'bytes', m.bytes, 'size_limit_bytes', m.size_limit_bytes)
        order by (m.kind = 'recording') desc, m.id)
      from switchboard.call_media m
      where m.call_id = p_call_id and m.skipped_reason is not null), '[]'::jsonb),
    'page', (
      select pg_catalog.to_jsonb(p) from switchboard.notion_call_pages p where p.call_id = p_call_id))
$$;
