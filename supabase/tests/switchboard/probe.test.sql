-- The probe stage runs on the engine like every stage: an insert starts its work item and
-- queues {id}; the probe worker claims it, answers the probe, and completes it (done).
begin;
select plan(5);

insert into switchboard.probes default values;
create temp table t_probe as select max(id) as id from switchboard.probes;
select is((select count(*) from pgmq.q_probe_jobs where (message ->> 'id')::bigint = (select id from t_probe))::int,
  1, 'inserting a probe enqueues its id');
select is((select stage || '/' || status from switchboard.work_items where subject_kind = 'probe' and subject_id = (select id from t_probe)),
  'probe/pending', 'and starts its work item in the probe stage');
select is((select next_stage from switchboard.stages where name = 'probe'), null, 'the probe stage ends its pipeline');

select switchboard.acquire_worker_slot('probe', 'test-worker', now());
create temp table t_claim as
  select * from switchboard.claim('probe', 'test-worker', 100, now()) where subject_id = (select id from t_probe);
select is((select (subject ->> 'id')::bigint from t_claim), (select id from t_probe), 'the claim carries the probe row');
select ok(switchboard.complete((select token from t_claim), null, now()), 'and completes it: the probe is done');

select * from finish();
rollback;
