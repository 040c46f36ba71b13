-- switchboard.stats(p_now): the ops views' figures as one document (the stats function and
-- `deno task status` print it): pipeline counts per stage and state in pipeline order, queues,
-- dead letters, latency percentiles, spend against the caps, Notion pages, cron jobs, open
-- incidents and the health verdicts. Ids, names, counts and codes only.
begin;
select plan(21);
select tests.create_engine_fixture();
select switchboard.acknowledge_dead_letters(now());
delete from switchboard.incidents;

insert into tests.subjects (label) select 'private label ' || g from generate_series(1, 4) g;
select switchboard.acquire_worker_slot('test_a', 'w1', now());
create temp table t_claim as select * from switchboard.claim('test_a', 'w1', 2, now());
select switchboard.complete((select min(token) from t_claim), null, now() + interval '2 seconds');
select switchboard.fail((select max(token) from t_claim), true, 'vendor_503', 'private message', 60, now());
select pgmq.send('test_a_jobs', '{"id": 1.5}'::jsonb);
select count(*) from switchboard.claim('test_a', 'w1', 10, now());
insert into tests.subjects (label) values ('private label 5');

update switchboard.call_policy set daily_max_calls = 5, daily_budget_usd = 10, budget_time_zone = 'UTC';
insert into switchboard.spend_days (day, calls_admitted, usd_committed)
values (switchboard.budget_day(now()), 5, 1.25)
on conflict (day) do update set calls_admitted = 5, usd_committed = 1.25;
select switchboard.evaluate_alerts(now());

create temp table t as select switchboard.stats(now() + interval '3 seconds') as d;
create temp table t_stage as
  select e.ord, e.value as s from t, jsonb_array_elements(t.d -> 'pipeline') with ordinality e(value, ord);

select is((select s ->> 'pending' || '/' || (s ->> 'running') || '/' || (s ->> 'waiting') || '/' || (s ->> 'retrying')
           || '/' || (s ->> 'failed') || '/' || (s ->> 'done') from t_stage where s ->> 'stage' = 'test_a'),
  '1/2/1/1/0/0', 'test_a: one pending, two running, one waiting to retry');
select is((select s ->> 'pending' from t_stage where s ->> 'stage' = 'test_b'), '1', 'test_b: the completed one is pending there');
select ok((select ord from t_stage where s ->> 'stage' = 'test_a') < (select ord from t_stage where s ->> 'stage' = 'test_b'),
  'stages come in pipeline order (test_a leads to test_b)');
select is((select s ->> 'kind' from t_stage where s ->> 'stage' = 'test_a'), 'test_subject', 'with their subject kind');

select is((select q ->> 'depth' from t, jsonb_array_elements(t.d -> 'queues') q where q ->> 'stage' = 'test_a'), '4',
  'queues: test_a holds four messages');
select is((select q ->> 'workers_busy' || '/' || (q ->> 'max_workers') from t, jsonb_array_elements(t.d -> 'queues') q
           where q ->> 'stage' = 'test_a'), '1/2', 'and one of its two worker slots is busy');

select ok((select (d -> 'dead_letters' ->> 'unacknowledged')::int >= 1 from t), 'dead letters: the new one is unacknowledged');
select is((select g ->> 'open' from t, jsonb_array_elements(t.d -> 'dead_letters' -> 'by_stage') g
           where g ->> 'stage' = 'test_a' and g ->> 'error_code' = 'unparseable_message'), '1',
  'and counted per stage and error code');

select is((select l ->> 'completed' from t, jsonb_array_elements(t.d -> 'latency') l
           where l ->> 'stage' = 'test_a' and l ->> 'window' = 'last_hour'), '1', 'latency: one completed attempt in the last hour');
select is((select l -> 'processing_ms' ->> 'p50' from t, jsonb_array_elements(t.d -> 'latency') l
           where l ->> 'stage' = 'test_a' and l ->> 'window' = 'last_hour'), '2000.0', 'its processing time (2 s) as p50');
select ok((select l -> 'ready_to_done_ms' ? 'p99' from t, jsonb_array_elements(t.d -> 'latency') l
           where l ->> 'stage' = 'test_a' and l ->> 'window' = 'last_hour'), 'with p95/p99 and ready-to-done too');

select is((select d -> 'spend' -> 'today' ->> 'calls_admitted' || '/' || (d -> 'spend' -> 'today' ->> 'daily_max_calls') from t),
  '5/5', 'spend today against the call cap');
select is((select (d -> 'spend' -> 'today' ->> 'usd_committed')::numeric from t), 1.25::numeric, 'and dollars committed');
select is((select (d -> 'spend' -> 'today' ->> 'cap_reached')::boolean from t), true, 'the cap is reached');
select ok((select d -> 'spend' -> 'month' ? 'settled_usd' from t), 'the month''s spend is there');

select ok((select d -> 'notion' -> 'call_pages' ? 'published' from t), 'Notion: call pages published');
select ok((select bool_and(c ? 'last_success_at' and c ? 'ok') from t, jsonb_array_elements(t.d -> 'cron') c)
  and (select count(*) from t, jsonb_array_elements(t.d -> 'cron') c where c ->> 'job' in ('switchboard-sweep', 'switchboard-alerts')) = 2,
  'cron: every watched job with its last success and verdict');
select is((select count(*)::int from t, jsonb_array_elements(t.d -> 'incidents' -> 'open') i where i ->> 'kind' = 'spend_cap'), 1,
  'incidents: the open spend-cap incident');
select is((select array_agg(k order by k) from t, jsonb_object_keys(t.d -> 'health') k),
  array['database', 'dead_letters', 'pg_cron', 'pg_net', 'queues', 'retention', 'transactions', 'watchdog'],
  'health: each part''s verdict');
select is((select jsonb_typeof(d -> 'ok') from t), 'boolean', 'and the overall one');
select ok((select d::text !~ 'private' from t), 'no subject content or error message in the document');

select * from finish();
rollback;
