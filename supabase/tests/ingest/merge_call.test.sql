-- merge_call: one row per call whatever the order of its events; newer data wins per group;
-- stale events only fill what is unknown; artifacts attach in any order.
begin;
select plan(22);

create temp table t as
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACt1", "direction": "incoming", "provider_status": "ringing", "participants": ["+15550100001"], "started_at": "2026-03-04T14:00:00Z"}',
  '2026-03-04T14:00:00Z');
select ok((select inserted from t), 'the first event creates the call');
select is((select pipeline_status from switchboard.calls where external_id = 'ACt1'), 'enrich_pending',
  'a new call waits for its first stage');
select is((select count(*)::int from pgmq.q_call_enrich_jobs where (message ->> 'id')::bigint = (select call_id from t)), 1,
  'and its id is in the first stage queue');

-- The summary arrives before completion (out of order).
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACt1", "provider_summary": {"status": "completed", "summary": ["Discussed the quote"]}}',
  '2026-03-04T14:12:00Z');
-- Completion.
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACt1", "provider_status": "completed", "answered_at": "2026-03-04T14:00:05Z", "completed_at": "2026-03-04T14:10:00Z", "duration_sec": 595}',
  '2026-03-04T14:10:00Z');
-- The recording, then a late, stale "ringing" event.
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACt1", "recordings": [{"id": "CR1", "url": "https://x/r1", "status": "completed", "duration_sec": 595}]}',
  '2026-03-04T14:11:00Z');
create temp table t_stale as
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACt1", "provider_status": "ringing", "user_id": "US9"}',
  '2026-03-04T14:00:01Z');

select is((select count(*)::int from switchboard.calls where external_id = 'ACt1'), 1, 'one row for the call');
select is((select provider_status from switchboard.calls where external_id = 'ACt1'), 'completed',
  'a stale event does not overwrite the newer status');
select ok((select stale from t_stale), 'and it is reported stale');
select is((select user_id from switchboard.calls where external_id = 'ACt1'), 'US9',
  'but it fills a field that was still unknown');
select is((select duration_sec from switchboard.calls where external_id = 'ACt1'), 595, 'completion fields are kept');
select is((select provider_summary ->> 'status' from switchboard.calls where external_id = 'ACt1'), 'completed',
  'the early summary is kept');
select is((select jsonb_array_length(recordings) from switchboard.calls where external_id = 'ACt1'), 1, 'the recording attached');
select is((select count(*)::int from pgmq.q_call_enrich_jobs where (message ->> 'id')::bigint = (select call_id from t)), 1,
  'updates do not enqueue the call again');

-- Recordings merge by id: an update to CR1 and a second segment.
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACt1", "recordings": [{"id": "CR1", "type": "audio/mpeg"}, {"id": "CR2", "url": "https://x/r2", "status": "completed"}]}',
  '2026-03-04T14:13:00Z');
select is((select jsonb_array_length(recordings) from switchboard.calls where external_id = 'ACt1'), 2, 'a second segment is appended');
select is((select recordings -> 0 ->> 'type' from switchboard.calls where external_id = 'ACt1'), 'audio/mpeg',
  'a known segment gains new fields');
select is((select recordings -> 0 ->> 'url' from switchboard.calls where external_id = 'ACt1'), 'https://x/r1',
  'and keeps the ones it had');

select throws_ok($$select * from switchboard.merge_call('openphone', '{"direction": "incoming"}', now())$$,
  '22023', 'A call needs an external_id, or a phone_number_id and started_at', 'a call without any identity is refused');

-- A legacy v3 event without a call id, then the same call with its id (REST backfill).
create temp table t_legacy as
select * from switchboard.merge_call('openphone',
  '{"phone_number_id": "PNx", "started_at": "2022-01-24T19:21:59.545Z", "voicemail": {"url": "https://x/vm", "duration_sec": 7}}',
  '2022-01-24T19:22:25Z');
select is((select external_id from switchboard.calls where id = (select call_id from t_legacy)),
  'legacy:PNx:2022-01-24T19:21:59.545Z', 'a call without an id is keyed by its number and start');
create temp table t_adopt as
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACreal", "phone_number_id": "PNx", "started_at": "2022-01-24T19:21:59.545Z", "duration_sec": 20}',
  '2022-01-24T19:23:00Z');
select is((select call_id from t_adopt), (select call_id from t_legacy), 'the call arriving with its id adopts that row');
select is((select external_id from switchboard.calls where id = (select call_id from t_legacy)), 'ACreal', 'under its real id');
select is((select voicemail ->> 'url' from switchboard.calls where external_id = 'ACreal'), 'https://x/vm', 'keeping what the legacy event brought');

-- A legacy media entry (url only) is the same recording as one with an id and that url.
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACt1", "recordings": [{"url": "https://x/r2", "duration_sec": 30}]}', '2026-03-04T14:14:00Z');
select is((select jsonb_array_length(recordings) from switchboard.calls where external_id = 'ACt1'), 2,
  'a recording known by id is matched by its url too');

-- The other order: the call is known by its id, then a legacy event without an id arrives.
select * from switchboard.merge_call('openphone',
  '{"external_id": "ACfirst", "phone_number_id": "PNy", "started_at": "2022-02-01T10:00:00.000Z"}', '2022-02-01T10:05:00Z');
select * from switchboard.merge_call('openphone',
  '{"phone_number_id": "PNy", "started_at": "2022-02-01T10:00:00.000Z", "recordings": [{"url": "https://x/r"}]}', '2022-02-01T10:06:00Z');
select is((select count(*)::int from switchboard.calls where phone_number_id = 'PNy'), 1,
  'a legacy event finds the call already known under its real id');
select is((select count(*)::int from switchboard.calls where source = 'drive' and external_id = 'ACt1'), 0,
  'ids are unique per source, not across sources');

select * from finish();
rollback;
