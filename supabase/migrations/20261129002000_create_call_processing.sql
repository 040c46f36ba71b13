-- Call processing (ARCHITECTURE §4–§5): the stages between ingest and Notion, the policy
-- operators edit, where each stage keeps its result, and the spend ledger.
--
--   call_enrich → call_store_recording → call_transcribe → call_summarize → call_publish
--
-- An ineligible call goes from call_enrich straight to call_publish (its page says why it has
-- no transcript). Each stage's function enables its stage in its own migration; until then the
-- stage is disabled and its work waits. call_publish belongs to the Notion work.

-- Stages, last first (next_stage references the one after).
select switchboard.register_stage('call_publish', 'notion-publish', 'call', null, 'publish_pending', false);
select switchboard.register_stage('call_summarize', 'call-summarize', 'call', 'call_publish', 'summarize_pending', false);
select switchboard.register_stage('call_transcribe', 'call-transcribe', 'call', 'call_summarize', 'transcribe_pending', false);
select switchboard.register_stage('call_store_recording', 'call-store-recording', 'call', 'call_transcribe', 'recording_pending', false);
select switchboard.register_stage('call_enrich', 'call-enrich', 'call', 'call_store_recording', 'enrich_pending', false);

-- What operators decide about paid processing: one row (id = true), edited in Studio. Names
-- follow FocusFlow's AUTO_* settings where they exist.
create table switchboard.call_policy (
  id boolean primary key default true check (id),
  -- AUTO_PROCESS_ENABLED: off → every call skips the paid stages (it is still published).
  auto_process_enabled boolean not null default true,
  -- AUTO_PROCESS_DIRECTIONS
  directions text[] not null default '{incoming}' check (directions <@ '{incoming,outgoing}'),
  -- AUTO_MIN_DURATION (seconds): shorter calls (pocket dials) are not transcribed.
  min_duration_sec integer not null default 20 check (min_duration_sec >= 0),
  -- Calls older than this when they are enriched (a backfill of old history) are not processed.
  max_age interval not null default interval '7 days',
  -- Which doors' calls are processed, and which kinds of call.
  sources text[] not null default '{openphone,drive}' check (sources <@ '{openphone,drive}'),
  call_types text[] not null default '{answered,voicemail}' check (call_types <@ '{answered,voicemail,missed}'),
  -- Use OpenPhone's own transcript when it is complete (no AssemblyAI cost).
  prefer_provider_transcript boolean not null default true,
  -- AUTO_DAILY_MAX_JOBS: calls admitted to paid processing per day.
  daily_max_calls integer not null default 200 check (daily_max_calls >= 0),
  -- Dollars per day across AssemblyAI and OpenAI (estimates reserved, actuals settled).
  daily_budget_usd numeric(12, 4) not null default 10 check (daily_budget_usd >= 0),
  -- The zone whose midnight starts a new budget day.
  budget_time_zone text not null default 'UTC',
  updated_at timestamptz not null default now()
);
alter table switchboard.call_policy enable row level security;
insert into switchboard.call_policy default values;
comment on table switchboard.call_policy is
  'Eligibility and spend policy for paid call processing (one row; edit in Studio).';

-- Per-unit prices, as settings (vendors change them). Estimates and actual costs use them.
create table switchboard.prices (
  vendor text not null check (vendor in ('assemblyai', 'openai')),
  -- A model id, or an add-on (e.g. speaker_labels).
  item text not null,
  -- audio_hour | input_1m_tokens | output_1m_tokens
  unit text not null check (unit in ('audio_hour', 'input_1m_tokens', 'output_1m_tokens')),
  usd numeric(12, 6) not null check (usd >= 0),
  note text,
  updated_at timestamptz not null default now(),
  primary key (vendor, item, unit)
);
alter table switchboard.prices enable row level security;
comment on table switchboard.prices is 'Vendor prices per unit (USD); the spend ledger prices each call with them.';

-- Where each call's artifacts live. One row per recording or voicemail, keyed by the provider's
-- media id (or the Drive file id), so a retry overwrites rather than duplicates.
create table switchboard.call_media (
  id bigint generated always as identity primary key,
  call_id bigint not null references switchboard.calls (id) on delete cascade,
  kind text not null check (kind in ('recording', 'voicemail')),
  media_key text not null,
  source text not null check (source in ('openphone', 'drive')),
  -- Deterministic object path in the private recordings bucket.
  storage_path text,
  content_type text,
  bytes bigint check (bytes >= 0),
  -- Hex SHA-256 of the stored bytes, computed while streaming.
  sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
  duration_sec integer check (duration_sec >= 0),
  stored_at timestamptz,
  unique (call_id, kind, media_key)
);
alter table switchboard.call_media enable row level security;
comment on table switchboard.call_media is 'Recordings and voicemails copied into Storage, with size and checksum.';

create table switchboard.call_transcripts (
  call_id bigint primary key references switchboard.calls (id) on delete cascade,
  -- provider: OpenPhone's own transcript; assemblyai: ours.
  source text not null check (source in ('provider', 'assemblyai')),
  -- AssemblyAI transcript id.
  job_id text unique,
  -- SHA-256 (hex) of the per-call secret AssemblyAI sends back in a header; the secret itself
  -- is never stored.
  callback_secret_sha256 text,
  status text not null check (status in ('submitted', 'completed', 'error')),
  speech_model text,
  audio_duration_sec numeric(12, 3),
  -- [{speaker, speaker_name, start_ms, end_ms, text}] in order.
  utterances jsonb,
  -- {"A": {"name": …, "source": "contact" | "user" | "label"}, …}
  speakers jsonb,
  -- Talk-time share per speaker, longest monologue, questions asked.
  metrics jsonb,
  error text,
  submitted_at timestamptz,
  completed_at timestamptz,
  updated_at timestamptz not null default now()
);
alter table switchboard.call_transcripts enable row level security;
comment on table switchboard.call_transcripts is 'One transcript per call: provider or AssemblyAI, with named speakers and metrics.';

create table switchboard.call_summaries (
  call_id bigint primary key references switchboard.calls (id) on delete cascade,
  model text not null,
  -- SHA-256 of the prompt used, so a changed prompt is visible.
  prompt_sha256 text,
  -- The validated structured output (title, summary, key points, action items …).
  summary jsonb not null,
  input_tokens integer,
  output_tokens integer,
  cost_usd numeric(12, 6),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table switchboard.call_summaries enable row level security;
comment on table switchboard.call_summaries is 'The AI summary of each call (structured output) and its cost.';

-- What the pipeline decided and what it cost, on the call row for the Notion page and Studio.
alter table switchboard.calls
  -- {"eligible": bool, "reason": text, "decided_at": …}
  add column eligibility jsonb,
  add column cost_usd numeric(12, 6) not null default 0;

------------------------------------------------------------------------------------------------
-- Spend governance. Before a paid request a stage reserves its estimated cost against today's
-- budget, atomically (one row per budget day, locked); afterwards the actual cost replaces the
-- estimate, or a request that was not charged releases it. A call counts once against the
-- daily call cap, when its first reservation admits it.
------------------------------------------------------------------------------------------------

create table switchboard.spend_days (
  day date primary key,
  calls_admitted integer not null default 0,
  -- Reserved estimates plus settled actuals of this day.
  usd_committed numeric(14, 6) not null default 0,
  updated_at timestamptz not null default now()
);
alter table switchboard.spend_days enable row level security;

create table switchboard.spend_ledger (
  id bigint generated always as identity primary key,
  call_id bigint not null references switchboard.calls (id) on delete cascade,
  day date not null,
  vendor text not null check (vendor in ('assemblyai', 'openai')),
  -- What was bought: transcription, summary …
  purpose text not null,
  status text not null check (status in ('reserved', 'settled', 'released')),
  estimate_usd numeric(14, 6) not null check (estimate_usd >= 0),
  actual_usd numeric(14, 6) check (actual_usd >= 0),
  -- What the vendor billed: {"audio_sec": …} or {"input_tokens": …, "output_tokens": …}.
  units jsonb,
  reserved_at timestamptz not null,
  settled_at timestamptz
);
alter table switchboard.spend_ledger enable row level security;
create index spend_ledger_call_idx on switchboard.spend_ledger (call_id);
create index spend_ledger_day_idx on switchboard.spend_ledger (day, vendor);
comment on table switchboard.spend_ledger is
  'Every paid request: its reserved estimate and, once known, its actual cost (per call, per vendor).';

create table switchboard.spend_admissions (
  call_id bigint primary key references switchboard.calls (id) on delete cascade,
  day date not null,
  admitted_at timestamptz not null
);
alter table switchboard.spend_admissions enable row level security;

-- The budget day p_now falls in (the policy's zone).
create function switchboard.budget_day(p_now timestamptz default now())
returns date
language sql
stable
security invoker
set search_path = ''
as $$
  select (p_now at time zone (select p.budget_time_zone from switchboard.call_policy p))::date
$$;

-- When the budget day after p_now begins.
create function switchboard.next_budget_day_at(p_now timestamptz default now())
returns timestamptz
language sql
stable
security invoker
set search_path = ''
as $$
  select ((switchboard.budget_day(p_now) + 1)::timestamp at time zone p.budget_time_zone)
  from switchboard.call_policy p
$$;

-- Reserves p_estimate_usd for one paid request of a call. The day's row is locked, so however
-- many workers reserve at once, the cap and the budget are never overrun. Returns
-- {"ok": true, "reservation_id": …} or {"ok": false, "reason": "daily_call_cap" |
-- "daily_budget", "resume_at": <next budget day>} (then the stage waits in budget_wait).
create function switchboard.reserve_spend(
  p_call_id bigint,
  p_vendor text,
  p_purpose text,
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
  v_policy switchboard.call_policy;
  v_day date := switchboard.budget_day(p_now);
  v_totals switchboard.spend_days;
  v_admitted boolean;
  v_id bigint;
begin
  if p_estimate_usd is null or p_estimate_usd < 0 then
    raise exception 'An estimate is a non-negative amount' using errcode = 'invalid_parameter_value';
  end if;
  select * into v_policy from switchboard.call_policy;
  insert into switchboard.spend_days (day) values (v_day) on conflict do nothing;
  select * into v_totals from switchboard.spend_days d where d.day = v_day for update;

  select exists (
    select 1 from switchboard.spend_admissions a where a.call_id = p_call_id and a.day = v_day
  ) into v_admitted;
  if not v_admitted and v_totals.calls_admitted >= v_policy.daily_max_calls then
    return pg_catalog.jsonb_build_object('ok', false, 'reason', 'daily_call_cap',
      'resume_at', switchboard.next_budget_day_at(p_now));
  end if;
  if v_totals.usd_committed + p_estimate_usd > v_policy.daily_budget_usd then
    return pg_catalog.jsonb_build_object('ok', false, 'reason', 'daily_budget',
      'resume_at', switchboard.next_budget_day_at(p_now));
  end if;

  if not v_admitted then
    insert into switchboard.spend_admissions (call_id, day, admitted_at) values (p_call_id, v_day, p_now)
    on conflict (call_id) do update set day = excluded.day, admitted_at = excluded.admitted_at;
  end if;
  insert into switchboard.spend_ledger (call_id, day, vendor, purpose, status, estimate_usd, reserved_at)
  values (p_call_id, v_day, p_vendor, p_purpose, 'reserved', p_estimate_usd, p_now)
  returning id into v_id;
  update switchboard.spend_days d
  set calls_admitted = d.calls_admitted + case when v_admitted then 0 else 1 end,
      usd_committed = d.usd_committed + p_estimate_usd,
      updated_at = p_now
  where d.day = v_day;
  return pg_catalog.jsonb_build_object('ok', true, 'reservation_id', v_id);
end
$$;

-- The vendor's actual cost replaces the estimate (in the day's total and on the call). A
-- second settle of the same reservation changes nothing. True when it settled now.
create function switchboard.settle_spend(
  p_reservation_id bigint,
  p_actual_usd numeric,
  p_units jsonb default null,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_entry switchboard.spend_ledger;
begin
  update switchboard.spend_ledger l
  set status = 'settled', actual_usd = greatest(p_actual_usd, 0), units = p_units, settled_at = p_now
  where l.id = p_reservation_id and l.status = 'reserved'
  returning l.* into v_entry;
  if not found then
    return false;
  end if;
  update switchboard.spend_days d
  set usd_committed = d.usd_committed - v_entry.estimate_usd + v_entry.actual_usd, updated_at = p_now
  where d.day = v_entry.day;
  update switchboard.calls c set cost_usd = c.cost_usd + v_entry.actual_usd where c.id = v_entry.call_id;
  return true;
end
$$;

-- A reserved request that was not charged (it failed, or was not needed) gives its estimate
-- back. True when it released now.
create function switchboard.release_spend(p_reservation_id bigint, p_now timestamptz default now())
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_entry switchboard.spend_ledger;
begin
  update switchboard.spend_ledger l
  set status = 'released', settled_at = p_now
  where l.id = p_reservation_id and l.status = 'reserved'
  returning l.* into v_entry;
  if not found then
    return false;
  end if;
  update switchboard.spend_days d
  set usd_committed = d.usd_committed - v_entry.estimate_usd, updated_at = p_now
  where d.day = v_entry.day;
  return true;
end
$$;

-- Raising the cap or the budget releases the calls waiting for it at once (they reserve again;
-- whatever still does not fit waits again).
create function switchboard.tg_call_policy_release_budget_waits()
returns trigger
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if new.daily_max_calls > old.daily_max_calls or new.daily_budget_usd > old.daily_budget_usd then
    perform switchboard.resume_waiting('budget_wait');
  end if;
  return null;
end
$$;

create trigger tg_call_policy__release_budget_waits
after update on switchboard.call_policy
for each row execute function switchboard.tg_call_policy_release_budget_waits();

create view ops.spend_daily with (security_invoker = true) as
select l.day, l.vendor,
  pg_catalog.count(distinct l.call_id) as calls,
  sum(l.actual_usd) filter (where l.status = 'settled') as settled_usd,
  sum(l.estimate_usd) filter (where l.status = 'reserved') as reserved_usd,
  (select d.calls_admitted from switchboard.spend_days d where d.day = l.day) as calls_admitted_today,
  (select d.usd_committed from switchboard.spend_days d where d.day = l.day) as usd_committed_today
from switchboard.spend_ledger l
group by l.day, l.vendor
order by l.day desc, l.vendor;
comment on view ops.spend_daily is 'Spend per day and vendor: settled actuals, open reservations, the day''s cap usage.';

create view ops.spend_monthly with (security_invoker = true) as
select pg_catalog.date_trunc('month', l.day)::date as month, l.vendor,
  pg_catalog.count(distinct l.call_id) as calls,
  sum(l.actual_usd) filter (where l.status = 'settled') as settled_usd,
  sum(l.estimate_usd) filter (where l.status = 'reserved') as reserved_usd
from switchboard.spend_ledger l
group by 1, l.vendor
order by 1 desc, l.vendor;
comment on view ops.spend_monthly is 'Spend per month and vendor.';

-- The new stage queues get their autovacuum settings now, not at the next retention pass.
select switchboard.tune_autovacuum();
