-- Drive first: a Drive recording waits (awaiting_match, not an attempt) for OpenPhone to report
-- the call; when the OpenPhone call is enriched it merges the recording and resumes its item,
-- which ends. After the wait a recording with no twin goes on alone.
begin;
select plan(10);
select switchboard.acquire_worker_slot('call_enrich', 'w1', now());

insert into switchboard.calls (source, external_id, direction, participants, started_at, duration_sec, provider_status, recordings)
values ('drive', 'file-e1', 'incoming', '{+15550105001}', now() - interval '3 minutes', 60, 'completed',
  '[{"id": "file-e1", "source": "gdrive", "status": "completed"}]');
create temp table t_d as select * from switchboard.claim('call_enrich', 'w1', 10, now());
create temp table t_r as select switchboard.conclude_call_enrich((select subject_id from t_d), (select token from t_d), now()) as r;
select is((select r - 'until' from t_r), '{"action": "wait", "reason": "awaiting_match"}', 'no OpenPhone twin yet: it waits');
select ok((select (r ->> 'until')::timestamptz between now() + interval '7 minutes' - interval '2 seconds'
  and now() + interval '8 minutes' from t_r), 'until dedupe_wait (10 min) after its call ended');
select ok(switchboard.defer((select token from t_d), (select (r ->> 'until')::timestamptz from t_r), 'awaiting_match', now()),
  'the handler turns it into an engine wait');
select is((select eligibility from switchboard.calls where external_id = 'file-e1'), null, 'nothing is decided meanwhile');

insert into switchboard.calls (source, external_id, direction, participants, started_at, answered_at, completed_at, duration_sec, provider_status, recordings)
values ('openphone', 'ACe1', 'incoming', '{+15550105001}', now() - interval '3 minutes' - interval '8 seconds',
  now() - interval '3 minutes', now() - interval '2 minutes', 68, 'completed',
  '[{"id": "CRe1", "url": "https://media.example/CRe1", "status": "completed"}]');
create temp table t_o as select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is(switchboard.conclude_call_enrich((select subject_id from t_o), (select token from t_o), now()) #>> '{dedupe,status}',
  'survivor', 'the OpenPhone call merges the waiting recording');
select is((select recording_attached from switchboard.call_merges), false,
  'it has its own recording, so the Drive audio is not added');
select is((select waiting_for is null and run_after <= now() from switchboard.work_items
  where subject_kind = 'call' and subject_id = (select subject_id from t_d)), true, 'the Drive item stops waiting');

create temp table t_d2 as select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is(switchboard.conclude_call_enrich((select subject_id from t_d2), (select token from t_d2), now()) ->> 'action',
  'ended', 'and ends when it runs');

-- A recording nobody else reports goes on alone once its wait is over.
insert into switchboard.calls (source, external_id, direction, participants, started_at, duration_sec, provider_status, recordings)
values ('drive', 'file-e2', 'incoming', '{+15550105002}', now() - interval '20 minutes', 60, 'completed',
  '[{"id": "file-e2", "source": "gdrive", "status": "completed"}]');
create temp table t_d3 as select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is(switchboard.conclude_call_enrich((select subject_id from t_d3), (select token from t_d3), now()) ->> 'action',
  'continue', 'a lone recording past its wait is processed on its own');
select is((select dedupe ->> 'status' from switchboard.calls where external_id = 'file-e2'), 'unique', 'recorded as unique');

select * from finish();
rollback;
