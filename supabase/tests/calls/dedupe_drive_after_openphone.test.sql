-- OpenPhone first: a call enriched without audio goes on to publishing; its Drive recording,
-- enriched later, merges into it (the Drive item ends, merged), gives it the Drive audio, and
-- sends it back to call_enrich, where it is now eligible.
begin;
select plan(12);
select switchboard.acquire_worker_slot('call_enrich', 'w1', now());

insert into switchboard.calls (source, external_id, direction, participants, started_at, answered_at, completed_at, duration_sec, provider_status)
values ('openphone', 'ACd1', 'incoming', '{+15550104001,+15550109000}', now() - interval '1 hour',
  now() - interval '1 hour' + interval '5 seconds', now() - interval '1 hour' + interval '125 seconds', 125, 'completed');
create temp table t_o as select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is(switchboard.conclude_call_enrich((select subject_id from t_o), (select token from t_o), now()) #>> '{eligibility,reason}',
  'no_audio', 'the OpenPhone call has no recording of its own: no paid processing');
select ok(switchboard.complete((select token from t_o), 'call_publish', now()), 'it goes on to publishing');

insert into switchboard.calls (source, external_id, direction, participants, started_at, duration_sec, provider_status, recordings)
values ('drive', 'file-d1', 'incoming', '{+15550104001}', now() - interval '1 hour' + interval '6 seconds', 118, 'completed',
  '[{"id": "file-d1", "source": "gdrive", "type": "audio/mp4", "size": 1234, "status": "completed"}]');
create temp table t_d as select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is(switchboard.conclude_call_enrich((select subject_id from t_d), (select token from t_d), now()),
  jsonb_build_object('action', 'ended', 'merged_into', (select subject_id from t_o)),
  'the Drive recording merges into the OpenPhone call');
select is((select w.status || '/' || c.pipeline_status from switchboard.work_items w join switchboard.calls c on c.id = w.subject_id
  where w.subject_kind = 'call' and w.subject_id = (select subject_id from t_d)), 'done/merged',
  'its own work item is done, its row says merged');
select ok(not switchboard.complete((select token from t_d), null, now()), 'the worker''s own completion afterwards changes nothing');
select is((select count(*)::int from pgmq.q_call_store_recording_jobs), 0, 'nothing of it reaches the paid stages');
select is((select merged_into_call_id from switchboard.calls where external_id = 'file-d1'), (select subject_id from t_o),
  'the Drive row points at the call it was merged into');
select is((select jsonb_build_array(survivor_call_id, drive_file_id, recording_attached, start_delta_sec, duration_delta_sec)
  from switchboard.call_merges where merged_call_id = (select subject_id from t_d)),
  jsonb_build_array((select subject_id from t_o), 'file-d1', true, 6.000, -7), 'the merge is recorded');
select is((select recordings from switchboard.calls where external_id = 'ACd1'),
  jsonb_build_array(jsonb_build_object('id', 'file-d1', 'source', 'gdrive', 'drive_file_id', 'file-d1', 'type', 'audio/mp4',
    'size', 1234, 'duration_sec', 118, 'status', 'completed', 'merged_from_call_id', (select subject_id from t_d))),
  'the OpenPhone call has the Drive audio as its recording (the shape call_store_recording copies)');
select is((select w.stage || '/' || w.status from switchboard.work_items w where w.subject_kind = 'call'
  and w.subject_id = (select subject_id from t_o)), 'call_enrich/pending', 'the OpenPhone call is sent back to be judged again');

create temp table t_o2 as select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is(switchboard.conclude_call_enrich((select subject_id from t_o2), (select token from t_o2), now()) ->> 'action',
  'continue', 'with the Drive audio it is eligible now');
select is((select dedupe - 'decided_at' from switchboard.calls where external_id = 'ACd1'),
  jsonb_build_object('status', 'survivor', 'merged_from', jsonb_build_array((select subject_id from t_d)), 'recording_from_drive', true),
  'and its dedupe record says what it absorbed');

select * from finish();
rollback;
