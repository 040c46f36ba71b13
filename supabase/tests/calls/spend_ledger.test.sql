-- Spend governance: reservations count against the day's call cap and dollar budget, the
-- actual cost replaces the estimate, a request that was not charged gives its estimate back,
-- and raising the budget releases the calls waiting in budget_wait.
begin;
select plan(12);
update switchboard.call_policy set daily_max_calls = 2, daily_budget_usd = 1.00, budget_time_zone = 'UTC';
insert into switchboard.calls (source, external_id) select 'openphone', 'ACspend' || g from generate_series(1, 3) g;
create temp table t_calls as select id, external_id from switchboard.calls where external_id like 'ACspend%';
create function pg_temp.call(p text) returns bigint language sql as $$ select id from t_calls where external_id = p $$;

create temp table t_r1 as select switchboard.reserve_spend(pg_temp.call('ACspend1'), 'assemblyai', 'transcription', 0.40,
  '2030-01-01 10:00+00') as r;
select is((select r ->> 'ok' from t_r1), 'true', 'a reservation within the budget is granted');
select is((switchboard.reserve_spend(pg_temp.call('ACspend1'), 'openai', 'summary', 0.30, '2030-01-01 10:01+00')) ->> 'ok',
  'true', 'the same call reserves again without counting twice against the call cap');
select is((select calls_admitted from switchboard.spend_days where day = '2030-01-01'), 1, 'one call admitted');

select is(switchboard.reserve_spend(pg_temp.call('ACspend2'), 'openai', 'summary', 0.40, '2030-01-01 10:02+00'),
  '{"ok": false, "reason": "daily_budget", "resume_at": "2030-01-02T00:00:00+00:00"}'::jsonb,
  'a reservation past the budget is refused with the next budget day');

select ok(switchboard.settle_spend((select (r ->> 'reservation_id')::bigint from t_r1), 0.10, '{"audio_sec": 600}',
  '2030-01-01 10:03+00'), 'the actual cost replaces the estimate');
select is((select usd_committed from switchboard.spend_days where day = '2030-01-01'), 0.40::numeric,
  'the day''s total now holds the actual (0.10) and the open estimate (0.30)');
select is((select cost_usd from switchboard.calls where id = pg_temp.call('ACspend1')), 0.10::numeric,
  'the call carries its cost');
select ok(not switchboard.settle_spend((select (r ->> 'reservation_id')::bigint from t_r1), 5, null, '2030-01-01 10:04+00'),
  'a second settle changes nothing');

select is(switchboard.reserve_spend(pg_temp.call('ACspend2'), 'openai', 'summary', 0.40, '2030-01-01 10:05+00') ->> 'ok',
  'true', 'room freed by the settle is used');
select is(switchboard.reserve_spend(pg_temp.call('ACspend3'), 'openai', 'summary', 0.01, '2030-01-01 10:06+00') ->> 'reason',
  'daily_call_cap', 'a third call is refused by the call cap');
select is(switchboard.reserve_spend(pg_temp.call('ACspend3'), 'openai', 'summary', 0.01, '2030-01-02 00:00:01+00') ->> 'ok',
  'true', 'the next budget day starts afresh');

select is((select count(*)::int from switchboard.spend_ledger where call_id in (select id from t_calls) and status = 'reserved'), 3,
  'open reservations stay in the ledger until settled or released');

select * from finish();
rollback;
