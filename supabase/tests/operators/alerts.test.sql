-- Alerts, once per incident, with time as an input: each condition (dead letters, a queue's
-- oldest visible message past alert_after, a stale scheduled job, the spend cap) opens one
-- incident and queues one message (net.http_request_queue, sent after commit); evaluating again
-- sends nothing new; the condition clearing resolves it (one resolution message); the condition
-- coming back is a new incident with its own message.
begin;
select plan(52);

select tests.create_engine_fixture();
-- Only what this test sets up may fire.
update switchboard.stages set enabled = false where name not in ('test_a', 'test_b');
update switchboard.scheduled_jobs set monitored = false;
select switchboard.acknowledge_dead_letters(now());
delete from switchboard.incidents;
select switchboard.set_secret('switchboard_alert_webhook_url', 'http://alerts.test/hook');

create function pg_temp.sent() returns bigint language sql as $$
  select count(*) from net.http_request_queue q where q.url = 'http://alerts.test/hook'
$$;
create function pg_temp.texts() returns setof text language sql as $$
  select convert_from(q.body, 'UTF8')::jsonb ->> 'text' from net.http_request_queue q
  where q.url = 'http://alerts.test/hook' order by q.id
$$;
create function pg_temp.last_text() returns text language sql as $$
  select convert_from(q.body, 'UTF8')::jsonb ->> 'text' from net.http_request_queue q
  where q.url = 'http://alerts.test/hook' order by q.id desc limit 1
$$;

select is((switchboard.evaluate_alerts(now()) ->> 'opened')::int, 0, 'nothing wrong: no incident');
select is(pg_temp.sent(), 0::bigint, 'and no message');

------------------------------------------------------------------------------------------------
-- Dead letters
------------------------------------------------------------------------------------------------
select pgmq.send('test_a_jobs', '{"id": 1.5}'::jsonb);
select switchboard.acquire_worker_slot('test_a', 'w1', now());
select count(*) from switchboard.claim('test_a', 'w1', 10, now());

select is((switchboard.evaluate_alerts(now()) ->> 'opened')::int, 1, 'a dead letter opens an incident');
select is((select kind || '/' || key from switchboard.incidents where resolved_at is null), 'dead_letters/test_a',
  'keyed by its stage');
select is(pg_temp.sent(), 1::bigint, 'one message is queued for the webhook');
select matches(pg_temp.last_text(), '1 dead letter in stage `test_a` \(unparseable_message ×1; ids [0-9]+–[0-9]+\)',
  'it names the stage, the error code and the ids');
select is((select count(*)::int from net.http_request_queue q, jsonb_object_keys(convert_from(q.body, 'UTF8')::jsonb) k
           where q.url = 'http://alerts.test/hook'), 1, 'the body is Slack''s {"text": …}');

select is((switchboard.evaluate_alerts(now() + interval '1 minute') ->> 'sent')::int, 0, 'evaluated again a minute later: nothing sent');
select pgmq.send('test_a_jobs', '{"id": 2.5}'::jsonb);
select count(*) from switchboard.claim('test_a', 'w1', 10, now());
select is((switchboard.evaluate_alerts(now() + interval '2 minutes') ->> 'opened')::int, 0,
  'another dead letter in the same stage is the same incident');
select is(pg_temp.sent(), 1::bigint, 'still one message');
select is((select details ->> 'count' from switchboard.incidents where resolved_at is null), '2',
  'whose details follow the count');

select switchboard.acknowledge_dead_letters(now());
select is((switchboard.evaluate_alerts(now() + interval '3 minutes') ->> 'resolved')::int, 1, 'acknowledged: resolved');
select is(pg_temp.sent(), 2::bigint, 'with one resolution message');
select matches(pg_temp.last_text(), '^Switchboard resolved: .*test_a.*cleared after 3 min', 'that says so');
select is((switchboard.evaluate_alerts(now() + interval '4 minutes') ->> 'sent')::int, 0, 'and nothing more');

select pgmq.send('test_a_jobs', '{"id": 3.5}'::jsonb);
select count(*) from switchboard.claim('test_a', 'w1', 10, now());
select is((switchboard.evaluate_alerts(now() + interval '5 minutes') ->> 'opened')::int, 1, 'a new dead letter after that: a new incident');
select is((select count(*)::int from switchboard.incidents where kind = 'dead_letters'), 2, 'two incidents in all');
select is(pg_temp.sent(), 3::bigint, 'with its own message');
select switchboard.acknowledge_dead_letters(now());
select switchboard.evaluate_alerts(now() + interval '6 minutes');

------------------------------------------------------------------------------------------------
-- A queue's oldest visible message past the stage's alert_after (15 minutes)
------------------------------------------------------------------------------------------------
select set_config('test.base', pg_temp.sent()::text, true);
insert into tests.subjects (label) select 'q' || g from generate_series(1, 3) g;

select is((switchboard.evaluate_alerts(now() + interval '14 minutes') ->> 'opened')::int, 0, 'work waiting 14 minutes is fine');
select is((switchboard.evaluate_alerts(now() + interval '16 minutes') ->> 'opened')::int, 1, 'past alert_after: an incident');
select is((select key from switchboard.incidents where kind = 'queue_age' and resolved_at is null), 'test_a', 'for the stage');
select matches(pg_temp.last_text(), 'stage `test_a` has work waiting 16 min \(alert after 15 min\): 3 visible of 3 queued, 0/2 workers busy',
  'the message gives the wait, the threshold, the queue and the workers');
select is((switchboard.evaluate_alerts(now() + interval '17 minutes') ->> 'sent')::int, 0, 'a minute later: nothing sent');
select is((switchboard.evaluate_alerts(now() + interval '30 minutes') ->> 'sent')::int, 0, 'nor a quarter of an hour later');
select is(pg_temp.sent() - current_setting('test.base')::bigint, 1::bigint, 'one message for the incident');

select pgmq.purge_queue('test_a_jobs');
select is((switchboard.evaluate_alerts(now() + interval '31 minutes') ->> 'resolved')::int, 1, 'the queue drained: resolved');
insert into tests.subjects (label) values ('q4');
select is((switchboard.evaluate_alerts(now() + interval '50 minutes') ->> 'opened')::int, 1, 'stuck again: a new incident');
select is(pg_temp.sent() - current_setting('test.base')::bigint, 3::bigint, 'opened, resolved, opened: three messages');
update switchboard.stages set enabled = false where name = 'test_a';
select is((switchboard.evaluate_alerts(now() + interval '51 minutes') ->> 'resolved')::int, 1,
  'a stage disabled on purpose is not stuck');

------------------------------------------------------------------------------------------------
-- A stale scheduled job (heartbeat or pg_cron's run history)
------------------------------------------------------------------------------------------------
select set_config('test.base', pg_temp.sent()::text, true);
update switchboard.scheduled_jobs set monitored = true, created_at = now() - interval '1 day'
where jobname = 'switchboard-sweep';
insert into switchboard.heartbeats (name, beat_at) values ('sweep', now())
on conflict (name) do update set beat_at = excluded.beat_at;

select is((switchboard.evaluate_alerts(now() + interval '2 minutes') ->> 'opened')::int, 0, 'a heartbeat 2 minutes old is fine');
select is((switchboard.evaluate_alerts(now() + interval '10 minutes') ->> 'opened')::int, 1, 'one 10 minutes old: an incident');
select matches(pg_temp.last_text(), 'scheduled job `switchboard-sweep` last ran 10 min ago \(expected within 3 min\)',
  'the message names the job, when it last ran and the threshold');
select is((switchboard.evaluate_alerts(now() + interval '11 minutes') ->> 'sent')::int, 0, 'a minute later: nothing sent');
update switchboard.heartbeats set beat_at = now() + interval '12 minutes' where name = 'sweep';
select is((switchboard.evaluate_alerts(now() + interval '12 minutes') ->> 'resolved')::int, 1, 'it ran again: resolved');
select is((switchboard.evaluate_alerts(now() + interval '20 minutes') ->> 'opened')::int, 1, 'stale again: a new incident');
select is(pg_temp.sent() - current_setting('test.base')::bigint, 3::bigint, 'opened, resolved, opened: three messages');

insert into switchboard.scheduled_jobs (jobname, stale_after) values ('switchboard-not-there', interval '1 hour');
select switchboard.evaluate_alerts(now() + interval '21 minutes');
select is((select details ->> 'reason' from switchboard.incidents where key = 'switchboard-not-there' and resolved_at is null),
  'not_scheduled', 'a watched job that pg_cron does not have is an incident at once');
update switchboard.scheduled_jobs set monitored = false;
select switchboard.evaluate_alerts(now() + interval '22 minutes');

------------------------------------------------------------------------------------------------
-- The spend cap
------------------------------------------------------------------------------------------------
select set_config('test.base', pg_temp.sent()::text, true);
update switchboard.call_policy set daily_max_calls = 2, budget_time_zone = 'UTC';
insert into switchboard.spend_days (day, calls_admitted, usd_committed)
values (switchboard.budget_day(now()), 1, 0.5)
on conflict (day) do update set calls_admitted = 1, usd_committed = 0.5;
select is((switchboard.evaluate_alerts(now()) ->> 'opened')::int, 0, 'under the call cap: fine');
update switchboard.spend_days set calls_admitted = 2 where day = switchboard.budget_day(now());
select is((switchboard.evaluate_alerts(now()) ->> 'opened')::int, 1, 'the call cap reached: an incident');
select is((select key from switchboard.incidents where kind = 'spend_cap' and resolved_at is null),
  switchboard.budget_day(now())::text, 'keyed by the budget day');
select matches(pg_temp.last_text(), 'the daily call cap is reached for [0-9-]+: 2 of 2 calls admitted, \$0.50 of \$10.00 committed',
  'the message gives the cap and the day''s figures');
select is((switchboard.evaluate_alerts(now() + interval '1 minute') ->> 'sent')::int, 0, 'a minute later: nothing sent');
select is((switchboard.evaluate_alerts(now() + interval '1 day') ->> 'resolved')::int, 1, 'the next budget day: resolved');
insert into switchboard.spend_days (day, usd_committed) values (switchboard.budget_day(now() + interval '1 day'), 10)
on conflict (day) do update set usd_committed = 10;
select is((switchboard.evaluate_alerts(now() + interval '1 day 1 minute') ->> 'opened')::int, 1,
  'the dollar budget used up that day: a new incident');
select matches(pg_temp.last_text(), 'the daily budget is reached', 'for the budget');
select is(pg_temp.sent() - current_setting('test.base')::bigint, 3::bigint, 'opened, resolved, opened: three messages');

------------------------------------------------------------------------------------------------
-- Delivery: no URL yet, alerts off, a POST that failed
------------------------------------------------------------------------------------------------
update switchboard.spend_days set usd_committed = 0;
select switchboard.evaluate_alerts(now() + interval '1 day 2 minutes');
select set_config('test.base', pg_temp.sent()::text, true);
select switchboard.set_secret('switchboard_alert_webhook_url', '');
update switchboard.spend_days set usd_committed = 10;
select is((switchboard.evaluate_alerts(now() + interval '1 day 3 minutes') ->> 'opened')::int, 1,
  'without a webhook URL the incident is still recorded');
select is(pg_temp.sent() - current_setting('test.base')::bigint, 0::bigint, 'and nothing is sent');
update switchboard.alert_policy set enabled = false;
select switchboard.set_secret('switchboard_alert_webhook_url', 'http://alerts.test/hook');
select switchboard.evaluate_alerts(now() + interval '1 day 4 minutes');
select is(pg_temp.sent() - current_setting('test.base')::bigint, 0::bigint, 'alerts off: nothing is sent');
update switchboard.alert_policy set enabled = true;
select switchboard.evaluate_alerts(now() + interval '1 day 5 minutes');
select is(pg_temp.sent() - current_setting('test.base')::bigint, 1::bigint, 'on again with a URL: the open incident is announced once');
-- The webhook answered 500: announced again, up to max_notify_attempts (3) in all.
insert into net._http_response (id, status_code) select notify_request_id, 500 from switchboard.incidents where resolved_at is null;
select switchboard.evaluate_alerts(now() + interval '1 day 6 minutes');
insert into net._http_response (id, status_code) select notify_request_id, 500 from switchboard.incidents where resolved_at is null;
select switchboard.evaluate_alerts(now() + interval '1 day 7 minutes');
insert into net._http_response (id, status_code) select notify_request_id, 500 from switchboard.incidents where resolved_at is null;
select switchboard.evaluate_alerts(now() + interval '1 day 8 minutes');
select is(pg_temp.sent() - current_setting('test.base')::bigint, 3::bigint, 'a failed POST is sent again, three times in all');

select is((select count(*)::int from pg_temp.texts() t where t ~ '\+?[0-9]{10,}'), 0,
  'no message carries anything like a phone number');

select * from finish();
rollback;
