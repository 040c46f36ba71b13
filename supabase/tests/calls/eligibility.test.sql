-- call_eligibility: the first policy rule a call breaks is its reason; time and policy are
-- parameters; call_type says answered, voicemail or missed from the row.
begin;
select plan(17);

create temp table t_calls as select * from switchboard.calls limit 0;
insert into t_calls (id, source, external_id, direction, participants, started_at, answered_at, duration_sec, recordings, voicemail, created_at)
values
  (1, 'openphone', 'ACe1', 'incoming', '{+15550102001}', '2026-03-04T14:00:00Z', '2026-03-04T14:00:05Z', 95,
   '[{"id": "CR1", "url": "https://x/r1", "status": "completed"}]', null, '2026-03-04T14:00:00Z'),
  (2, 'openphone', 'ACe2', 'incoming', '{+15550102001}', '2026-03-04T14:00:00Z', null, 40, '[]',
   '{"id": "VM1", "url": "https://x/v1", "duration_sec": 25, "status": "completed"}', '2026-03-04T14:00:00Z'),
  (3, 'openphone', 'ACe3', 'incoming', '{+15550102001}', '2026-03-04T14:00:00Z', null, 0, '[]', null, '2026-03-04T14:00:00Z'),
  (4, 'drive', 'file4', 'incoming', '{+15550102001}', '2026-03-04T14:00:00Z', null, null,
   '[{"id": "file4", "source": "gdrive", "status": "completed"}]', null, '2026-03-04T14:00:00Z');

create temp table t_policy as select * from switchboard.call_policy;
create function pg_temp.elig(p_id int, p_now text default '2026-03-04T15:00:00Z') returns jsonb language sql as $$
  select switchboard.call_eligibility(
    pg_catalog.jsonb_populate_record(null::switchboard.calls, to_jsonb(c)),
    pg_catalog.jsonb_populate_record(null::switchboard.call_policy, to_jsonb(p)), p_now::timestamptz)
  from t_calls c, t_policy p where c.id = p_id
$$;

select is((select array_agg(switchboard.call_type(jsonb_populate_record(null::switchboard.calls, to_jsonb(c))) order by c.id) from t_calls c), '{answered,voicemail,missed,answered}',
  'call types: answered (answeredAt or a Drive recording), voicemail, missed');
select is(pg_temp.elig(1) - 'decided_at' - 'detail',
  '{"eligible": true, "reason": "eligible", "call_type": "answered", "duration_sec": 95}',
  'an answered incoming recorded call of 95 s is eligible under the defaults');
select is((pg_temp.elig(1) ->> 'decided_at')::timestamptz, '2026-03-04T15:00:00Z'::timestamptz, 'the decision records the time it was made (a parameter)');
select is(pg_temp.elig(2) ->> 'reason', 'eligible', 'a voicemail is judged by its own 25 s');
select is(pg_temp.elig(3) ->> 'reason', 'call_type_not_enabled', 'a missed call is not processed by default');
select is(pg_temp.elig(4) ->> 'reason', 'eligible', 'a Drive recording of unknown duration is not held to the minimum');
select is(pg_temp.elig(1, '2026-03-12T15:00:00Z') ->> 'reason', 'too_old', 'older than max_age (7 days) at decision time');

update t_calls set direction = 'outgoing' where id = 1;
select is(pg_temp.elig(1) ->> 'reason', 'direction_not_enabled', 'outgoing calls are skipped by default');
select matches(pg_temp.elig(1) ->> 'detail', 'Outgoing calls are not processed', 'with a sentence for the page');
update t_calls set direction = null where id = 1;
select is(pg_temp.elig(1) ->> 'reason', 'direction_unknown', 'an unknown direction is not assumed incoming');
update t_calls set direction = 'incoming', duration_sec = 12 where id = 1;
select is(pg_temp.elig(1) ->> 'reason', 'too_short', 'shorter than min_duration_sec (20 s)');
select is((pg_temp.elig(1) ->> 'eligible')::boolean, false, 'and not eligible');
update t_calls set duration_sec = 95, recordings = '[{"id": "CR1", "status": "processing"}]' where id = 1;
select is(pg_temp.elig(1) ->> 'reason', 'no_audio', 'no completed recording: nothing to transcribe');
update t_calls set recordings = '[{"id": "CR1", "url": "https://x/r1", "status": "completed"}]' where id = 1;

update t_policy set directions = '{incoming,outgoing}', min_duration_sec = 100;
select is(pg_temp.elig(1) ->> 'reason', 'too_short', 'the policy row decides (min_duration_sec raised to 100)');
update t_policy set min_duration_sec = 20, sources = '{openphone}';
select is(pg_temp.elig(4) ->> 'reason', 'source_not_enabled', 'sources excludes Drive');
update t_policy set auto_process_enabled = false;
select is(pg_temp.elig(1) ->> 'reason', 'auto_process_disabled', 'the switch comes first');
select is(
  (select array[p.dedupe_start_tolerance_sec::text, p.dedupe_duration_tolerance_sec::text, p.dedupe_wait::text, p.media_wait::text]
   from switchboard.call_policy p),
  '{120,30,00:10:00,02:00:00}', 'dedupe and media-wait settings have their defaults');

select * from finish();
rollback;
