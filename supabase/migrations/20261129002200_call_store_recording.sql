-- call_store_recording (issue 9, item 2): the call-store-recording function copies each
-- recording and voicemail into the private Storage bucket `recordings` (created by the function
-- on first use through the Storage API, as buckets are) at calls/{call_id}/{kind}-{media}.{ext},
-- and records each copy here with one call. This migration turns the stage on.

-- Records (or, after a retry that overwrote the object, replaces) one stored media item. One
-- statement; the unique (call_id, kind, media_key) makes a retry update, never duplicate.
create function switchboard.record_call_media(
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
        stored_at = excluded.stored_at
  returning m.id
$$;
comment on function switchboard.record_call_media is
  'call_store_recording: one stored recording/voicemail (path, bytes, sha256); a retry replaces the row.';

-- A copy streams up to a few hundred MB: few items per claim, a lease that outlives one copy's
-- timeout (the worker extends it per item too), and a handful of workers so one slow download
-- does not hold up the rest. 404 "not ready yet" retries within the horizon (8 hours).
update switchboard.stages
set enabled = true,
    batch_size = 2,
    max_workers = 4,
    visibility_timeout_seconds = 600
where name = 'call_store_recording';

-- Enabling does not wake: calls already waiting are picked up at the next sweep.
