-- call_transcribe's SQL: the stage is on, prices and estimates, the context read, the job's
-- bookkeeping (submission recorded before the job, never repeated over a known job), the
-- completion that stores, settles and resumes in one call (idempotent), the error that releases,
-- and the provider transcript that never replaces an AssemblyAI one.
begin;
select plan(28);

select ok((select enabled from switchboard.stages where name = 'call_transcribe'), 'call_transcribe is enabled');
select is(switchboard.assemblyai_hourly_usd('universal-3-5-pro'), 0.230000::numeric,
  'a Universal-3.5 Pro hour costs the model plus the speaker-labels add-on');
select is(switchboard.transcription_estimate_usd(1800, '{universal-2,universal-3-5-pro}'), 0.115000::numeric,
  'the estimate takes the dearest listed model');
select is(switchboard.transcription_estimate_usd(60, '{no-such-model}'), null, 'no price, no estimate');

update switchboard.call_policy set daily_budget_usd = 100, daily_max_calls = 100;
insert into switchboard.calls (source, external_id, direction, duration_sec)
values ('openphone', 'AC-tx-1', 'incoming', 120), ('openphone', 'AC-tx-2', 'incoming', 60),
       ('openphone', 'AC-tx-3', 'outgoing', 30);
create temp table t_calls as
select id, external_id from switchboard.calls where external_id like 'AC-tx-%';
create function pg_temp.cid(p text) returns bigint language sql as $$ select id from t_calls where external_id = p $$;

insert into switchboard.call_media (call_id, kind, media_key, source, storage_path, duration_sec, stored_at)
values (pg_temp.cid('AC-tx-1'), 'voicemail', 'VM1', 'openphone', 'calls/v.wav', 500, now()),
       (pg_temp.cid('AC-tx-1'), 'recording', 'CR1', 'openphone', 'calls/r1.wav', 100, now()),
       (pg_temp.cid('AC-tx-1'), 'recording', 'CR2', 'openphone', 'calls/r2.wav', 120, now()),
       (pg_temp.cid('AC-tx-1'), 'recording', 'CR3', 'openphone', null, 900, null);

select is(switchboard.call_transcribe_context(pg_temp.cid('AC-tx-1')) #>> '{media,storage_path}', 'calls/r2.wav',
  'the context picks the longest stored recording over a voicemail and an unstored file');
select is(switchboard.call_transcribe_context(pg_temp.cid('AC-tx-1')) -> 'transcript', 'null'::jsonb,
  'no transcript yet');
select is(switchboard.call_transcribe_context(pg_temp.cid('AC-tx-1')) #>> '{settings,speech_models,0}', 'universal-3-5-pro',
  'settings come along (the default model first)');
select is(switchboard.call_transcribe_context(pg_temp.cid('AC-tx-2')) -> 'media', 'null'::jsonb,
  'a call without stored media has nothing to transcribe');

-- A submission: reserve, record secret + reservation, then the job.
create temp table t_res as
select switchboard.reserve_spend(pg_temp.cid('AC-tx-1'), 'assemblyai', 'transcription', 0.5) as r;
select throws_ok(
  format($$select switchboard.begin_transcript_submission(%s, null, 'secret', '{universal-2}', null)$$, pg_temp.cid('AC-tx-1')),
  '22023', null, 'only a hash of the secret is stored');
select ok(switchboard.begin_transcript_submission(pg_temp.cid('AC-tx-1'),
  (select id from switchboard.call_media where media_key = 'CR2'), repeat('a', 64), '{universal-3-5-pro}',
  (select (r ->> 'reservation_id')::bigint from t_res)), 'a submission is recorded before the job');
select is((select status from switchboard.call_transcripts where call_id = pg_temp.cid('AC-tx-1')), 'submitting',
  'as submitting');
select ok(switchboard.transcript_submitted(pg_temp.cid('AC-tx-1'), 'job-1'), 'then its job');
select ok(not switchboard.begin_transcript_submission(pg_temp.cid('AC-tx-1'), null, repeat('b', 64), '{universal-2}', null),
  'no second submission over a known job');
select is((select callback_secret_sha256 from switchboard.call_transcripts where call_id = pg_temp.cid('AC-tx-1')),
  repeat('a', 64), 'and the secret stays');

-- The item waits for the transcript; completion stores, settles and resumes it.
select switchboard.send_back('call', pg_temp.cid('AC-tx-1'), 'call_transcribe');
select switchboard.acquire_worker_slot('call_transcribe', 'pgtap');
create temp table t_claim as select * from switchboard.claim('call_transcribe', 'pgtap', 50);
select switchboard.defer(token, now() + interval '15 minutes', 'awaiting_transcript')
from t_claim where subject_id = pg_temp.cid('AC-tx-1');
select is((select pipeline_status from switchboard.calls where id = pg_temp.cid('AC-tx-1')), 'awaiting_transcript',
  'the call waits for its transcript');

select is(switchboard.complete_assemblyai_transcript(pg_temp.cid('AC-tx-1'), 'job-other', '[]', '{}', '{}', 10, 'universal-2')
  ->> 'reason', 'not_current_job', 'a transcript of another job is not stored');
select is(switchboard.complete_assemblyai_transcript(pg_temp.cid('AC-tx-1'), 'job-1',
  '[{"speaker":"A","speaker_name":"Ann","start_ms":0,"end_ms":1000,"text":"Hi."}]', '{"A":{"name":"Ann"}}',
  '{"speaker_count":1}', 1800, 'universal-3-5-pro') ->> 'cost_usd', '0.115000', 'completion prices the billed audio');
select is((select status || '/' || jsonb_array_length(utterances) from switchboard.call_transcripts
  where call_id = pg_temp.cid('AC-tx-1')), 'completed/1', 'the transcript is stored');
select is((select status || '/' || actual_usd from switchboard.spend_ledger
  where id = (select (r ->> 'reservation_id')::bigint from t_res)), 'settled/0.115000', 'the reservation is settled');
select is((select cost_usd from switchboard.calls where id = pg_temp.cid('AC-tx-1')), 0.115000::numeric,
  'the cost is on the call');
select is((select w.waiting_for is null and w.run_after <= now() from switchboard.work_items w
  where w.subject_kind = 'call' and w.subject_id = pg_temp.cid('AC-tx-1')), true, 'the item is resumed');
select is(switchboard.complete_assemblyai_transcript(pg_temp.cid('AC-tx-1'), 'job-1', '[]', '{}', '{}', 1800, 'universal-3-5-pro')
  ->> 'reason', 'already_completed', 'a second completion (webhook retry, fallback lookup) changes nothing');

-- An errored job releases its reservation; once handled, the next run may submit again.
create temp table t_res3 as
select switchboard.reserve_spend(pg_temp.cid('AC-tx-3'), 'assemblyai', 'transcription', 0.25) as r;
select switchboard.begin_transcript_submission(pg_temp.cid('AC-tx-3'), null, repeat('c', 64), '{universal-2}',
  (select (r ->> 'reservation_id')::bigint from t_res3));
select switchboard.transcript_submitted(pg_temp.cid('AC-tx-3'), 'job-3');
select ok(switchboard.fail_assemblyai_transcript(pg_temp.cid('AC-tx-3'), 'job-3', 'Download error'),
  'an errored job is recorded');
select is((select status from switchboard.spend_ledger where id = (select (r ->> 'reservation_id')::bigint from t_res3)),
  'released', 'and its reservation released (failed jobs are not charged)');
select ok(switchboard.transcript_error_handled(pg_temp.cid('AC-tx-3')), 'the stage marks the error handled');
select ok(switchboard.begin_transcript_submission(pg_temp.cid('AC-tx-3'), null, repeat('d', 64), '{universal-2}', null),
  'after which a new submission may start');

-- The provider's transcript never replaces AssemblyAI's.
select ok(not switchboard.store_provider_transcript(pg_temp.cid('AC-tx-1'), '[]', '{}', '{}', 10),
  'a provider transcript does not replace a completed AssemblyAI one');
select ok(switchboard.store_provider_transcript(pg_temp.cid('AC-tx-2'), '[]', '{}', '{}', 10),
  'but is stored for a call without one');

select * from finish();
rollback;
