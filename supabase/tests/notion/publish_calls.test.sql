-- call_publish's SQL: the stage is enabled for notion-publish with room for long transcripts;
-- one read gives the handler everything; the create marker needs the current claim (T14/T18)
-- and records what the create carries; the first recorded page id wins; pending writes need
-- the claim; update_call_page refuses unknown keys; republish_call sends the call back (refresh
-- clears the hashes and the truncation, rebuild asks for a new page); reset keeps the old id.
begin;
select plan(22);

select is((select enabled::text || '/' || function_name || '/' || coalesce(next_stage, '-') from switchboard.stages where name = 'call_publish'),
  'true/notion-publish/-', 'call_publish is enabled, served by notion-publish, the last stage');
select ok((select visibility_timeout_seconds >= 300 and max_workers >= 1 from switchboard.stages where name = 'call_publish'),
  'claims last at least 5 minutes');

insert into switchboard.calls (source, external_id, direction, from_number, duration_sec) values
  ('openphone', 'ACpub1', 'incoming', '+15555550111', 60), ('openphone', 'ACpub2', 'incoming', '+15555550112', 60);
create temp table t_calls as select id, external_id from switchboard.calls where external_id like 'ACpub%';
create function pg_temp.call(p text) returns bigint language sql as $$ select id from t_calls where external_id = p $$;
insert into switchboard.call_transcripts (call_id, source, status, utterances)
values (pg_temp.call('ACpub1'), 'assemblyai', 'completed',
  '[{"speaker": "A", "speaker_name": "Dana", "start_ms": 0, "end_ms": 900, "text": "Hello"}]');
insert into switchboard.call_media (call_id, kind, media_key, source, storage_path)
values (pg_temp.call('ACpub1'), 'voicemail', 'v1', 'openphone', 'calls/v.mp3'),
       (pg_temp.call('ACpub1'), 'recording', 'r1', 'openphone', 'calls/r.mp3'),
       (pg_temp.call('ACpub1'), 'recording', 'r2', 'openphone', null);

select is(switchboard.call_publish_inputs(pg_temp.call('ACpub1')) #>> '{call,external_id}', 'ACpub1', 'inputs: the call');
select is(switchboard.call_publish_inputs(pg_temp.call('ACpub1')) #>> '{transcript,utterances,0,text}', 'Hello', 'inputs: the transcript');
select is(switchboard.call_publish_inputs(pg_temp.call('ACpub1')) #>> '{media,storage_path}', 'calls/r.mp3',
  'inputs: a stored recording before a voicemail, never an unstored one');
select is(switchboard.call_publish_inputs(pg_temp.call('ACpub2')) -> 'page', 'null'::jsonb, 'inputs: no page yet');

-- A claim of our own on ACpub1 (the engine's claim sets the token).
update switchboard.work_items set status = 'running', token = 900001, locked_by = 't', leased_until = now() + interval '5 minutes'
where subject_kind = 'call' and subject_id = pg_temp.call('ACpub1');

select throws_ok(format($$select switchboard.begin_call_page_create(%s, 12345, 'ACpub1')$$, pg_temp.call('ACpub1')),
  '55000', null, 'a stale token creates nothing');
select is((select count(*)::int from switchboard.notion_call_pages), 0, 'and marks nothing');
select ok((switchboard.begin_call_page_create(pg_temp.call('ACpub1'), 900001, 'ACpub1', '{"op": "create", "units": 3}')) ->> 'create_sent_at' is not null,
  'the create marker is set before the create is sent');
select is((select (pending ->> 'units') || '/' || create_attempts || '/' || call_key from switchboard.notion_call_pages where call_id = pg_temp.call('ACpub1')),
  '3/1/ACpub1', 'with what the create carries and the Call ID to look up');
select is((select state from ops.notion_call_pages where call_id = pg_temp.call('ACpub1')), 'create_unconfirmed',
  'ops: a create whose answer is not known');

select is(switchboard.record_call_page(pg_temp.call('ACpub1'), '11111111-1111-4111-8111-111111111111',
  '{"transcript_done": 2, "transcript_total": 2, "pending": null, "overview_hash": "o1"}') ->> 'recorded', 'true', 'the page id is recorded');
select is((select create_sent_at is null and pending is null and transcript_done = 2 from switchboard.notion_call_pages where call_id = pg_temp.call('ACpub1')),
  true, 'the marker is cleared with it');
select is(switchboard.record_call_page(pg_temp.call('ACpub1'), '22222222-2222-4222-8222-222222222222') ,
  '{"recorded": false, "page_id": "11111111-1111-4111-8111-111111111111"}'::jsonb, 'the first page id wins (the caller trashes its duplicate)');
select is((switchboard.begin_call_page_create(pg_temp.call('ACpub1'), 900001, 'ACpub1')) ->> 'create_sent_at', null,
  'a call with a page is never marked for another create');

select throws_ok(format($$select switchboard.begin_call_page_write(%s, 12345, '{"op": "append"}')$$, pg_temp.call('ACpub1')),
  '55000', null, 'a stale token writes nothing');
select lives_ok(format($$select switchboard.begin_call_page_write(%s, 900001, '{"op": "append", "from": 2, "to": 3}')$$, pg_temp.call('ACpub1')),
  'a pending write under the current claim');
select is((select pending ->> 'op' from switchboard.notion_call_pages where call_id = pg_temp.call('ACpub1')), 'append', 'the write in flight is kept');
select throws_ok(format($$select switchboard.update_call_page(%s, '{"page_id": null}')$$, pg_temp.call('ACpub1')),
  '22023', null, 'update_call_page refuses keys it does not know (the page id is record_call_page''s)');

select switchboard.update_call_page(pg_temp.call('ACpub1'), '{"pending": null, "truncated_at": 1, "properties_hash": "p1", "add_requests": 3}');
update switchboard.work_items set status = 'done', token = null, locked_by = null, leased_until = null
where subject_kind = 'call' and subject_id = pg_temp.call('ACpub1');
select ok(switchboard.republish_call(pg_temp.call('ACpub1')), 'republish: one call');
select is((select coalesce(overview_hash, '-') || '/' || coalesce(properties_hash, '-') || '/' || coalesce(truncated_at::text, '-') || '/' || requests || '/' || rebuild_requested
  from switchboard.notion_call_pages where call_id = pg_temp.call('ACpub1')), '-/-/-/3/false',
  'refresh: properties and overview rewritten, a truncated transcript continued');

select switchboard.reset_call_page(pg_temp.call('ACpub1'));
select is((select coalesce(page_id::text, '-') || '/' || previous_page_ids::text from switchboard.notion_call_pages where call_id = pg_temp.call('ACpub1')),
  '-/{11111111-1111-4111-8111-111111111111}', 'a rebuild forgets the page and keeps its id');

select * from finish();
rollback;
