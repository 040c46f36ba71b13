-- Which calls are the same call: same external number, starts within the start tolerance,
-- durations (when both are known) within the duration tolerance, directions not contradicting.
begin;
select plan(9);

insert into switchboard.calls (source, external_id, direction, participants, started_at, duration_sec)
values
  ('openphone', 'ACm1', 'incoming', '{+15550103001,+15550109000}', '2026-03-04T14:00:00Z', 300),
  ('openphone', 'ACm2', 'incoming', '{+15550103002}', '2026-03-04T14:00:00Z', 300);
insert into switchboard.calls (source, external_id, direction, participants, started_at, duration_sec, recordings)
values
  ('drive', 'm-near', 'incoming', '{+15550103001}', '2026-03-04T14:01:30Z', 280, '[]'),
  ('drive', 'm-late', 'incoming', '{+15550103001}', '2026-03-04T14:02:30Z', 300, '[]'),
  ('drive', 'm-long', 'incoming', '{+15550103001}', '2026-03-04T14:00:10Z', 200, '[]'),
  ('drive', 'm-other-number', 'incoming', '{+15550103009}', '2026-03-04T14:00:00Z', 300, '[]'),
  ('drive', 'm-outgoing', 'outgoing', '{+15550103001}', '2026-03-04T14:00:00Z', 300, '[]'),
  ('drive', 'm-no-duration', null, '{+15550103002}', '2026-03-04T14:00:20Z', null, '[]'),
  ('drive', 'm-duration-from-recording', 'incoming', '{+15550103002}', '2026-03-04T14:00:30Z', null,
   '[{"id": "x", "source": "gdrive", "duration_sec": 100}]');

create function pg_temp.twins(p_external_id text) returns text[] language sql as $$
  select coalesce(array_agg(c.external_id order by c.external_id), '{}')
  from switchboard.calls c
  where c.id = any (switchboard.openphone_twins((select d.id from switchboard.calls d where d.source = 'drive' and d.external_id = p_external_id)))
$$;

select is(pg_temp.twins('m-near'), '{ACm1}', 'same number, 90 s apart, 20 s shorter: the same call');
select is(pg_temp.twins('m-late'), '{}', 'a start 150 s apart is outside the 120 s tolerance');
select is(pg_temp.twins('m-long'), '{}', 'durations 100 s apart are outside the 30 s tolerance');
select is(pg_temp.twins('m-other-number'), '{}', 'another external number is another call');
select is(pg_temp.twins('m-outgoing'), '{}', 'opposite directions are different calls');
select is(pg_temp.twins('m-no-duration'), '{ACm2}', 'an unknown duration or direction does not disqualify');
select is(pg_temp.twins('m-duration-from-recording'), '{}', 'a Drive duration comes from its recording entry when the row has none');

update switchboard.call_policy set dedupe_start_tolerance_sec = 200, dedupe_duration_tolerance_sec = 250;
select is(pg_temp.twins('m-late') || pg_temp.twins('m-long') || pg_temp.twins('m-duration-from-recording'), '{ACm1,ACm1,ACm2}',
  'both tolerances are settings in call_policy');
select is(
  (select array_agg(c.external_id order by c.external_id) from switchboard.calls c
   where c.id = any (switchboard.drive_twins((select o.id from switchboard.calls o where o.external_id = 'ACm1')))),
  '{m-late,m-long,m-near}', 'and the OpenPhone side finds the same pairs');

select * from finish();
rollback;
