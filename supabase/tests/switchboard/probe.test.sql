-- The probe stage: an insert enqueues {id}; complete_probe answers once and deletes the message.
begin;
select plan(6);

insert into switchboard.probes default values;
select is((select count(*) from pgmq.q_probe_jobs where (message ->> 'id')::bigint = (select max(id) from switchboard.probes))::int,
  1, 'inserting a probe enqueues its id');

create temp table t_msg as
  select msg_id, (message ->> 'id')::bigint as probe_id
  from pgmq.q_probe_jobs where (message ->> 'id')::bigint = (select max(id) from switchboard.probes);

select ok(switchboard.complete_probe((select msg_id from t_msg), (select probe_id from t_msg), 'test', '2026-01-01 00:00:00+00'),
  'complete_probe answers the probe');
select is((select answered_at from switchboard.probes where id = (select probe_id from t_msg)), '2026-01-01 00:00:00+00'::timestamptz,
  'answered_at is the time passed in');
select is((select count(*) from pgmq.q_probe_jobs where msg_id = (select msg_id from t_msg))::int, 0,
  'the message is deleted');
select ok(not switchboard.complete_probe((select msg_id from t_msg), (select probe_id from t_msg), 'again'),
  'a redelivered message does not answer twice');
select is((select answered_by from switchboard.probes where id = (select probe_id from t_msg)), 'test',
  'the first answer stands');

select * from finish();
rollback;
