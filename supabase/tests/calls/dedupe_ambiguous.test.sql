-- Ambiguous matches are never guessed: nothing merges, every side is flagged, and each call
-- goes on as its own. A recording that already went on alone is flagged, not merged, when its
-- OpenPhone call shows up late.
begin;
select plan(10);
select switchboard.acquire_worker_slot('call_enrich', 'w1', now());

-- One recording, two OpenPhone calls with the same caller a minute apart.
insert into switchboard.calls (source, external_id, direction, participants, started_at, answered_at, duration_sec, provider_status, recordings)
values
  ('openphone', 'ACa1', 'incoming', '{+15550106001}', now() - interval '1 hour', now() - interval '1 hour', 60, 'completed',
   '[{"id": "CRa1", "url": "https://media.example/CRa1", "status": "completed"}]'),
  ('openphone', 'ACa2', 'incoming', '{+15550106001}', now() - interval '1 hour' + interval '60 seconds',
   now() - interval '1 hour' + interval '60 seconds', 60, 'completed', '[]');
insert into switchboard.calls (source, external_id, direction, participants, started_at, duration_sec, recordings)
values ('drive', 'file-a1', 'incoming', '{+15550106001}', now() - interval '1 hour' + interval '30 seconds', 60,
  '[{"id": "file-a1", "source": "gdrive", "status": "completed"}]');
create temp table t_c as select * from switchboard.claim('call_enrich', 'w1', 10, now());
create function pg_temp.id(p text) returns bigint language sql as $$ select id from switchboard.calls where external_id = p $$;
create function pg_temp.conclude(p text) returns jsonb language sql as $$
  select switchboard.conclude_call_enrich(pg_temp.id(p), (select token from t_c where subject_id = pg_temp.id(p)), now())
$$;

select is((pg_temp.conclude('file-a1') -> 'dedupe') - 'decided_at',
  jsonb_build_object('status', 'ambiguous', 'candidates', jsonb_build_array(pg_temp.id('ACa1'), pg_temp.id('ACa2'))),
  'two OpenPhone calls match: the recording is flagged ambiguous with both candidates');
select is((select merged_into_call_id from switchboard.calls where external_id = 'file-a1'), null, 'and not merged');
select is((select eligibility ->> 'reason' from switchboard.calls where external_id = 'file-a1'), 'eligible',
  'it goes on as a call of its own');
select is((select dedupe -> 'possible_duplicates' from switchboard.calls where external_id = 'ACa1'),
  jsonb_build_array(pg_temp.id('file-a1')), 'the candidates are flagged too, for their pages');
select is(pg_temp.conclude('ACa2') #>> '{dedupe,status}', 'ambiguous',
  'the other candidate sees the same ambiguity; nothing merges');

-- One OpenPhone call, two recordings of it.
insert into switchboard.calls (source, external_id, direction, participants, started_at, answered_at, duration_sec, provider_status, recordings)
values ('openphone', 'ACa3', 'incoming', '{+15550106003}', now() - interval '2 hours', now() - interval '2 hours', 300, 'completed', '[]');
insert into switchboard.calls (source, external_id, direction, participants, started_at, duration_sec, recordings)
values
  ('drive', 'file-a3', 'incoming', '{+15550106003}', now() - interval '2 hours', 290, '[{"id": "file-a3", "source": "gdrive"}]'),
  ('drive', 'file-a4', 'incoming', '{+15550106003}', now() - interval '2 hours' + interval '20 seconds', 280, '[{"id": "file-a4", "source": "gdrive"}]');
insert into t_c select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is((pg_temp.conclude('ACa3') -> 'dedupe') - 'decided_at',
  jsonb_build_object('status', 'ambiguous', 'candidates', jsonb_build_array(pg_temp.id('file-a3'), pg_temp.id('file-a4'))),
  'two recordings match one call: flagged ambiguous');
select is(pg_temp.conclude('file-a3') #>> '{dedupe,status}', 'ambiguous', 'and each recording sees the same ambiguity');

-- A recording that went on alone (its wait was over), then its OpenPhone call, late.
insert into switchboard.calls (source, external_id, direction, participants, started_at, duration_sec, recordings)
values ('drive', 'file-a5', 'incoming', '{+15550106005}', now() - interval '3 hours', 90, '[{"id": "file-a5", "source": "gdrive"}]');
insert into t_c select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is(pg_temp.conclude('file-a5') #>> '{dedupe,status}', 'unique', 'a lone recording goes on as its own call');
insert into switchboard.calls (source, external_id, direction, participants, started_at, answered_at, duration_sec, provider_status, recordings)
values ('openphone', 'ACa5', 'incoming', '{+15550106005}', now() - interval '3 hours', now() - interval '3 hours', 95, 'completed', '[]');
insert into t_c select * from switchboard.claim('call_enrich', 'w1', 10, now());
select is(pg_temp.conclude('ACa5') #>> '{dedupe,status}', 'possible_duplicate',
  'its OpenPhone call arriving late is flagged as a possible duplicate, not merged');
select is((select dedupe -> 'possible_duplicates' from switchboard.calls where external_id = 'file-a5'),
  jsonb_build_array(pg_temp.id('ACa5')), 'and so is the recording');

select * from finish();
rollback;
