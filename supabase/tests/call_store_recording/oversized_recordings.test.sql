-- Oversized recordings (20261129005000): a media item over the size limit is recorded as not
-- stored, with its size and the limit; it is never taken for a stored one (transcription and the
-- recording link pass it by), the publisher gets the reason, a later store clears the skip, and a
-- skip never overwrites a stored copy.
begin;
select plan(12);

insert into switchboard.calls (source, external_id, direction) values
  ('openphone', 'AC-big-1', 'incoming'), ('openphone', 'AC-big-2', 'incoming');
create temp table t_calls as select id, external_id from switchboard.calls where external_id like 'AC-big-%';
create function pg_temp.cid(p text) returns bigint language sql as $$ select id from t_calls where external_id = p $$;

select isnt(switchboard.record_call_media_skipped(pg_temp.cid('AC-big-1'), 'recording', 'CR1', 'openphone',
  'too_large', 78643200, 52428800, 'audio/wav', 3600), null, 'a skipped recording is recorded');
select is((select row(storage_path, sha256, stored_at, skipped_reason, bytes, size_limit_bytes)::text
  from switchboard.call_media where media_key = 'CR1'),
  row(null::text, null::text, null::timestamptz, 'too_large', 78643200::bigint, 52428800::bigint)::text,
  'not stored: no path, no checksum, the reason, its size and the limit');
select isnt(switchboard.record_call_media_skipped(pg_temp.cid('AC-big-1'), 'recording', 'CR1', 'openphone',
  'too_large', null, 52428800), null, 'a retry updates the same row');
select is((select count(*)::int from switchboard.call_media where call_id = pg_temp.cid('AC-big-1')), 1, 'one row');
select is((select bytes from switchboard.call_media where media_key = 'CR1'), null::bigint,
  'size unknown (found while streaming)');

select is(switchboard.call_transcribe_context(pg_temp.cid('AC-big-1')) -> 'media', 'null'::jsonb,
  'call_transcribe finds nothing to transcribe');
select is(switchboard.call_publish_inputs(pg_temp.cid('AC-big-1')) -> 'media', 'null'::jsonb,
  'the page has no recording to link');
select is(switchboard.call_publish_inputs(pg_temp.cid('AC-big-1')) -> 'skipped_media',
  '[{"kind": "recording", "reason": "too_large", "bytes": null, "size_limit_bytes": 52428800}]'::jsonb,
  'the publisher gets why');
select is(switchboard.call_publish_inputs(pg_temp.cid('AC-big-2')) -> 'skipped_media', '[]'::jsonb,
  'nothing skipped: an empty list');

select throws_ok($$insert into switchboard.call_media (call_id, kind, media_key, source, storage_path, skipped_reason)
  values ((select id from t_calls where external_id = 'AC-big-2'), 'recording', 'X', 'openphone', 'calls/x.wav', 'too_large')$$,
  '23514', null, 'a skipped row cannot be a stored one');

-- The limit raised, the call sent back: stored, the skip cleared.
select switchboard.record_call_media(pg_temp.cid('AC-big-1'), 'recording', 'CR1', 'openphone', 'calls/r.wav',
  'audio/wav', 78643200, repeat('a', 64));
select is((select row(storage_path, skipped_reason, size_limit_bytes)::text from switchboard.call_media where media_key = 'CR1'),
  row('calls/r.wav', null::text, null::bigint)::text, 'a later store clears the skip');
select is(switchboard.record_call_media_skipped(pg_temp.cid('AC-big-1'), 'recording', 'CR1', 'openphone',
  'too_large', 78643200, 1000), null::bigint, 'a skip never overwrites a stored copy');

select * from finish();
rollback;
