-- call_summarize (issue 9, item 4): the call-summarize function turns a call's transcript into
-- a structured summary with OpenAI, within the day's spend budget. This migration adds what it
-- needs and enables the stage:
--
--   switchboard.call_policy   summary_* settings (model, categories, output cap, context budget …)
--   switchboard.prompts       the prompts operators edit (call_summary, call_summary_combine)
--   switchboard.prices        OpenAI's price for the default model
--   switchboard.call_summaries  status 'summarized' | 'not_possible' (with the reason), requests
--   summary_inputs            one read: settings, prompts, prices, transcript, done-in-this-visit
--   reserve_summary_spend     gives back a crashed attempt's reservation, then reserves
--   record_call_summary       stores the summary and settles its cost, in one transaction
--   record_summary_not_possible  a call without a usable transcript completes without a summary
--   resummarize(call_id)      one call: the call goes back to call_summarize (then call_publish)

------------------------------------------------------------------------------------------------
-- Settings
------------------------------------------------------------------------------------------------

alter table switchboard.call_policy
  -- A current model with structured outputs. Retirements: gpt-4.1-nano (2026-10-23), gpt-5,
  -- gpt-5-mini, gpt-5-nano (2026-12-11), gpt-4o-mini and gpt-4.1-mini (2027-01-14). A model
  -- needs its prices in switchboard.prices (vendor 'openai', item = the model).
  add column summary_model text not null default 'gpt-6-luna'
    check (summary_model ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$'),
  -- The categories a summary picks one of; by convention the last is the fallback ("other").
  add column summary_categories text[] not null
    default '{sales,support,scheduling,billing,complaint,feedback,personal,spam,other}'
    check (pg_catalog.cardinality(summary_categories) between 1 and 50
      and pg_catalog.array_to_string(summary_categories, ',')
        ~ '^[a-z][a-z0-9_-]{0,39}(,[a-z][a-z0-9_-]{0,39})*$'),
  -- Reasoning effort for reasoning models (null: the model's default; non-reasoning models need null).
  add column summary_reasoning_effort text default 'low'
    check (summary_reasoning_effort in ('none', 'minimal', 'low', 'medium', 'high')),
  -- The cap on each request's output (reasoning included); the estimate reserves all of it.
  add column summary_max_output_tokens integer not null default 4000
    check (summary_max_output_tokens between 256 and 128000),
  -- Largest input per request (estimated tokens). Longer transcripts are summarised in parts
  -- and the parts combined (map-reduce), all within the stage.
  add column summary_context_budget_tokens integer not null default 100000
    check (summary_context_budget_tokens between 2000 and 1000000),
  -- Characters per token for estimates (conservative: English averages about 4).
  add column summary_chars_per_token numeric(4, 2) not null default 3
    check (summary_chars_per_token between 1 and 8);

comment on column switchboard.call_policy.summary_model is
  'OpenAI model for call summaries (needs prices in switchboard.prices).';

create table switchboard.prompts (
  name text primary key check (name ~ '^[a-z][a-z0-9_]{0,60}$'),
  body text not null check (pg_catalog.length(body) between 1 and 20000),
  note text,
  updated_at timestamptz not null default now()
);
alter table switchboard.prompts enable row level security;
comment on table switchboard.prompts is
  'Prompts operators edit (call_summary, call_summary_combine). Fixed safety rules are appended in code.';

insert into switchboard.prompts (name, body, note) values
  ('call_summary',
   'You write the summary of a business phone call for the team''s call log. Be factual and '
   'concise, use the language of the call, and never invent names, dates, amounts or commitments '
   'that were not said. The title names what the call was about. The summary says who called '
   'about what and how it ended. Key points are facts, decisions and requests worth keeping. '
   'Action items are concrete tasks someone agreed to or was asked to do. A follow-up is needed '
   'when someone still has to get back to the caller.',
   'Instructions for summarising a transcript (or one part of a long one).'),
  ('call_summary_combine',
   'You combine partial summaries of consecutive parts of one business phone call into one '
   'summary of the whole call, as if it had been summarised at once: one title, one summary, the '
   'most important key points and every distinct action item, without repeating yourself. Be '
   'factual and never invent anything the partial summaries do not say.',
   'Instructions for combining the partial summaries of a long call.')
on conflict (name) do nothing;

-- gpt-6-luna, Standard processing (developers.openai.com/api/docs/models/gpt-6-luna, read
-- 2026-11-29): $0.10 per 1M input tokens, $0.50 per 1M output tokens. Cached input ($0.01) is
-- billed here at the input price (an overestimate); prompts over 272K input tokens cost more
-- (2x/1.5x), which the default context budget of 100K never reaches.
insert into switchboard.prices (vendor, item, unit, usd, note) values
  ('openai', 'gpt-6-luna', 'input_1m_tokens', 0.10, 'Standard; >272K-token prompts cost 2x'),
  ('openai', 'gpt-6-luna', 'output_1m_tokens', 0.50, 'Standard; reasoning tokens are output; >272K-token prompts 1.5x')
on conflict (vendor, item, unit) do nothing;

------------------------------------------------------------------------------------------------
-- Where the result goes
------------------------------------------------------------------------------------------------

alter table switchboard.call_summaries
  -- summarized: summary holds the validated, sanitised structured output. not_possible: the
  -- call has no usable transcript (no audio, a failed transcription); reason says which.
  add column status text not null default 'summarized' check (status in ('summarized', 'not_possible')),
  add column reason text,
  -- Requests made (more than one for a long transcript: its parts, then combining them).
  add column requests integer check (requests >= 0),
  alter column model drop not null,
  alter column summary drop not null,
  add constraint call_summaries_status_shape
    check ((status = 'summarized') = (summary is not null and model is not null)),
  add constraint call_summaries_summary_object
    check (summary is null or pg_catalog.jsonb_typeof(summary) = 'object');

------------------------------------------------------------------------------------------------
-- The stage's SQL, one call each
------------------------------------------------------------------------------------------------

-- Everything the handler reads, in one round trip. done_in_this_visit: a summary was stored
-- since the call entered call_summarize (a crash between storing it and completing the stage):
-- the handler then completes without paying again.
create function switchboard.summary_inputs(p_call_id bigint)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'settings', pg_catalog.jsonb_build_object(
      'model', p.summary_model,
      'categories', pg_catalog.to_jsonb(p.summary_categories),
      'reasoning_effort', p.summary_reasoning_effort,
      'max_output_tokens', p.summary_max_output_tokens,
      'context_budget_tokens', p.summary_context_budget_tokens,
      'chars_per_token', p.summary_chars_per_token),
    'prompts', pg_catalog.jsonb_build_object(
      'summary', (select r.body from switchboard.prompts r where r.name = 'call_summary'),
      'combine', (select r.body from switchboard.prompts r where r.name = 'call_summary_combine')),
    'prices', (
      select pg_catalog.jsonb_build_object(
        'input', (max(x.usd) filter (where x.unit = 'input_1m_tokens'))::text,
        'output', (max(x.usd) filter (where x.unit = 'output_1m_tokens'))::text)
      from switchboard.prices x
      where x.vendor = 'openai' and x.item = p.summary_model),
    'transcript', (
      select pg_catalog.jsonb_build_object('status', t.status, 'utterances', t.utterances, 'error', t.error)
      from switchboard.call_transcripts t where t.call_id = p_call_id),
    'done_in_this_visit', exists (
      select 1
      from switchboard.call_summaries s
      join switchboard.work_items w on w.subject_kind = 'call' and w.subject_id = s.call_id
      where s.call_id = p_call_id and w.stage = 'call_summarize' and s.updated_at >= w.stage_entered_at))
  from switchboard.call_policy p
$$;

-- Reserves the estimated cost of summarising a call (every request of its plan). An earlier
-- attempt's open reservation (its worker crashed before settling) is given back first: the
-- engine runs one attempt of an item at a time, so it can no longer be settled.
create function switchboard.reserve_summary_spend(
  p_call_id bigint,
  p_estimate_usd numeric,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_id bigint;
begin
  for v_id in
    select l.id from switchboard.spend_ledger l
    where l.call_id = p_call_id and l.vendor = 'openai' and l.purpose = 'summary' and l.status = 'reserved'
  loop
    perform switchboard.release_spend(v_id, p_now);
  end loop;
  return switchboard.reserve_spend(p_call_id, 'openai', 'summary', p_estimate_usd, p_now);
end
$$;

-- Stores a call's summary and settles its reservation with the actual cost, atomically (the
-- summary never exists without its cost, nor the cost without the summary). A re-summary
-- replaces the summary; the call's cost_usd adds each run's actual cost (both were paid).
create function switchboard.record_call_summary(
  p_call_id bigint,
  p_reservation_id bigint,
  p_model text,
  p_prompt_sha256 text,
  p_summary jsonb,
  p_input_tokens integer,
  p_output_tokens integer,
  p_cost_usd numeric,
  p_requests integer,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  insert into switchboard.call_summaries as s (
    call_id, status, reason, model, prompt_sha256, summary, input_tokens, output_tokens, cost_usd,
    requests, created_at, updated_at)
  values (
    p_call_id, 'summarized', null, p_model, p_prompt_sha256, p_summary, p_input_tokens, p_output_tokens,
    p_cost_usd, p_requests, now(), now())
  on conflict (call_id) do update
    set status = 'summarized', reason = null, model = excluded.model, prompt_sha256 = excluded.prompt_sha256,
        summary = excluded.summary, input_tokens = excluded.input_tokens,
        output_tokens = excluded.output_tokens, cost_usd = excluded.cost_usd,
        requests = excluded.requests, updated_at = now();
  return switchboard.settle_spend(p_reservation_id, p_cost_usd,
    pg_catalog.jsonb_build_object('model', p_model, 'input_tokens', p_input_tokens,
      'output_tokens', p_output_tokens, 'requests', p_requests),
    p_now);
end
$$;

-- A call without a usable transcript: no summary is possible; the reason is recorded and the
-- call goes on to publishing (its page says why it has no summary).
create function switchboard.record_summary_not_possible(p_call_id bigint, p_reason text)
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  insert into switchboard.call_summaries as s (call_id, status, reason, model, summary, created_at, updated_at)
  values (p_call_id, 'not_possible', p_reason, null, null, now(), now())
  on conflict (call_id) do update
    set status = 'not_possible', reason = excluded.reason, model = null, prompt_sha256 = null,
        summary = null, input_tokens = null, output_tokens = null, cost_usd = null, requests = null,
        updated_at = now()
$$;

-- Re-summarize on demand (e.g. after editing the prompt): the call goes back to call_summarize,
-- and from there on to call_publish, which updates its Notion page. False while the call is
-- being worked on by a stage right now (try again in a moment) or when it does not exist.
create function switchboard.resummarize(p_call_id bigint)
returns boolean
language sql
volatile
security invoker
set search_path = ''
as $$
  select switchboard.send_back('call', p_call_id, 'call_summarize')
$$;

------------------------------------------------------------------------------------------------
-- The stage runs: a summary can take several requests (a long call), so its claim lasts 5
-- minutes (the worker extends it between requests too).
------------------------------------------------------------------------------------------------

update switchboard.stages
set enabled = true, visibility_timeout_seconds = greatest(visibility_timeout_seconds, 300)
where name = 'call_summarize';
