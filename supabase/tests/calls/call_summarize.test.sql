-- call_summarize's SQL: the stage is enabled and leads to call_publish; settings, prompts and the
-- default model's prices exist; one read gives the handler everything; a reservation gives back a
-- crashed attempt's open one; storing a summary settles its cost in the same transaction; a call
-- without a transcript is recorded as not possible; resummarize sends a call back in one call.
begin;
select plan(25);

select is((select enabled::text || '/' || next_stage || '/' || pending_status from switchboard.stages where name = 'call_summarize'),
  'true/call_publish/summarize_pending', 'call_summarize is enabled and leads to call_publish');
select ok((select visibility_timeout_seconds >= 300 from switchboard.stages where name = 'call_summarize'),
  'its claims last at least 5 minutes');
select is((select summary_model from switchboard.call_policy), 'gpt-6-luna', 'the default model is a current one');
select is((select array_agg(unit || '=' || usd::text order by unit) from switchboard.prices where vendor = 'openai' and item = 'gpt-6-luna'),
  '{input_1m_tokens=0.100000,output_1m_tokens=0.500000}', 'its prices are settings');
select is((select count(*)::int from switchboard.prompts where name in ('call_summary', 'call_summary_combine')), 2,
  'the prompts operators edit exist');
select throws_ok($$update switchboard.call_policy set summary_categories = '{Sales!}'$$, '23514', null,
  'a category must be a short lowercase name');
select throws_ok($$update switchboard.call_policy set summary_categories = '{}'$$, '23514', null,
  'at least one category');
select throws_ok($$update switchboard.call_policy set summary_reasoning_effort = 'extreme'$$, '23514', null,
  'the reasoning effort is one OpenAI knows');

update switchboard.call_policy set daily_max_calls = 100, daily_budget_usd = 1.00, budget_time_zone = 'UTC';
insert into switchboard.calls (source, external_id) values ('openphone', 'ACsum1'), ('openphone', 'ACsum2');
create temp table t_calls as select id, external_id from switchboard.calls where external_id like 'ACsum%';
create function pg_temp.call(p text) returns bigint language sql as $$ select id from t_calls where external_id = p $$;
insert into switchboard.call_transcripts (call_id, source, status, utterances)
values (pg_temp.call('ACsum1'), 'assemblyai', 'completed',
  '[{"speaker": "A", "speaker_name": "Dana", "start_ms": 0, "end_ms": 900, "text": "Hello"}]');

select is(switchboard.summary_inputs(pg_temp.call('ACsum1')) -> 'settings' ->> 'model', 'gpt-6-luna',
  'summary_inputs: the settings');
select is(switchboard.summary_inputs(pg_temp.call('ACsum1')) -> 'prices', '{"input": "0.100000", "output": "0.500000"}'::jsonb,
  'summary_inputs: the model''s prices, exact');
select is(switchboard.summary_inputs(pg_temp.call('ACsum1')) #>> '{transcript,utterances,0,text}', 'Hello',
  'summary_inputs: the transcript');
select is(switchboard.summary_inputs(pg_temp.call('ACsum2')) -> 'transcript', 'null'::jsonb,
  'summary_inputs: no transcript row → null');
select is(switchboard.summary_inputs(pg_temp.call('ACsum1')) ->> 'done_in_this_visit', 'false', 'nothing stored yet');

-- A crashed attempt's reservation is given back when the next attempt reserves.
create temp table t_r1 as select switchboard.reserve_summary_spend(pg_temp.call('ACsum1'), 0.30, '2031-02-01 10:00+00') as r;
create temp table t_r2 as select switchboard.reserve_summary_spend(pg_temp.call('ACsum1'), 0.30, '2031-02-01 10:05+00') as r;
select is((select status from switchboard.spend_ledger where id = (select (r ->> 'reservation_id')::bigint from t_r1)), 'released',
  'the earlier open reservation of the call is released');
select is((select usd_committed from switchboard.spend_days where day = '2031-02-01'), 0.30::numeric,
  'only the new estimate counts against the day');
select is((switchboard.reserve_summary_spend(pg_temp.call('ACsum2'), 0.80, '2031-02-01 10:06+00')) - 'resume_at',
  '{"ok": false, "reason": "daily_budget"}'::jsonb, 'past the budget: refused (the stage waits)');

-- Storing the summary settles the reservation in the same transaction.
select ok(switchboard.record_call_summary(pg_temp.call('ACsum1'), (select (r ->> 'reservation_id')::bigint from t_r2),
  'gpt-6-luna', repeat('a', 64), '{"title": "Hello"}', 1200, 300, 0.000270, 1, '2031-02-01 10:06+00'),
  'record_call_summary stores and settles');
select is((select status || '/' || (summary ->> 'title') || '/' || cost_usd::text || '/' || requests from switchboard.call_summaries where call_id = pg_temp.call('ACsum1')),
  'summarized/Hello/0.000270/1', 'the summary and its cost');
select is((select status || '/' || actual_usd::text || '/' || (units ->> 'input_tokens') from switchboard.spend_ledger where id = (select (r ->> 'reservation_id')::bigint from t_r2)),
  'settled/0.000270/1200', 'the ledger holds the actual cost and the tokens');
select is((select cost_usd from switchboard.calls where id = pg_temp.call('ACsum1')), 0.000270::numeric, 'the call carries its cost');
select is((select usd_committed from switchboard.spend_days where day = '2031-02-01'), 0.000270::numeric,
  'the day now counts the actual instead of the estimate');

select switchboard.record_summary_not_possible(pg_temp.call('ACsum2'), 'no_transcript');
select is((select status || '/' || reason || '/' || coalesce(summary::text, 'null') from switchboard.call_summaries where call_id = pg_temp.call('ACsum2')),
  'not_possible/no_transcript/null', 'a call without a transcript is recorded as not possible, with the reason');
select throws_ok($$insert into switchboard.call_summaries (call_id, status, summary) values ((select id from t_calls where external_id = 'ACsum2'), 'summarized', null)
  on conflict (call_id) do update set status = 'summarized'$$, '23514', null, 'a summarized row always has its summary and model');

-- resummarize: the call goes back to call_summarize (from wherever it is), and says so.
update switchboard.work_items set stage = 'call_publish', status = 'done' where subject_kind = 'call' and subject_id = pg_temp.call('ACsum1');
select ok(switchboard.resummarize(pg_temp.call('ACsum1')), 'resummarize(call_id) sends the call back');
select is((select w.stage || '/' || w.status || '/' || c.pipeline_status from switchboard.work_items w join switchboard.calls c on c.id = w.subject_id
  where w.subject_kind = 'call' and w.subject_id = pg_temp.call('ACsum1')),
  'call_summarize/pending/summarize_pending', 'it waits in call_summarize again');

select * from finish();
rollback;
