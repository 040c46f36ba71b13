-- call_transcribe (issue 9, item 3) and its spend (item 5): a diarized transcript per call.
--
--   the provider's own transcript, when complete and preferred → stored as is (no cost)
--   no stored recording or voicemail → nothing to transcribe, on to call_summarize
--   otherwise: reserve the estimated cost (or wait in budget_wait), submit to AssemblyAI with
--   a signed Storage URL and a completion webhook carrying a per-call secret header, record the
--   job, and wait (awaiting_transcript) until the webhook resumes the item or the fallback
--   lookup time comes. The webhook (assemblyai-webhook) stores the transcript, settles the
--   spend with the billed audio duration and resumes the item in one SQL call; the stage then
--   completes it.

-- A vendor's 429 Retry-After replaces the engine's backoff (it is not a floor), so a long
-- outage answered with short Retry-Afters would spend attempts fast: the retry horizon (8 h),
-- not the attempt count, bounds this stage.
update switchboard.stages set enabled = true, max_attempts = 500 where name = 'call_transcribe';

-- What operators tune about transcription (one row; edit in Studio).
create table switchboard.transcription_settings (
  id boolean primary key default true check (id),
  -- AssemblyAI `speech_models`, in priority order (the first that covers the language is used).
  speech_models text[] not null default '{universal-3-5-pro,universal-2}'
    check (pg_catalog.cardinality(speech_models) between 1 and 5),
  -- null: AssemblyAI's default (en_us).
  language_code text check (language_code ~ '^[a-z]{2,3}(_[a-z]{2})?$'),
  -- null: let diarization decide how many voices there are.
  speakers_expected integer check (speakers_expected between 1 and 10),
  -- When the completion webhook has not come by then, the stage looks the job up once.
  fallback_after interval not null default interval '15 minutes'
    check (fallback_after >= interval '1 minute'),
  -- Lifetime of the signed Storage URL AssemblyAI downloads the recording from (it downloads
  -- when the job starts, which can be later than submission when the account's jobs queue).
  signed_url_ttl_seconds integer not null default 3600 check (signed_url_ttl_seconds between 60 and 86400),
  updated_at timestamptz not null default now()
);
alter table switchboard.transcription_settings enable row level security;
insert into switchboard.transcription_settings default values;
comment on table switchboard.transcription_settings is
  'AssemblyAI transcription settings (one row; edit in Studio): models, language, fallback lookup delay.';

-- AssemblyAI prices (per audio hour, pro-rated per second; failed jobs are not charged). Check
-- them against the account's dashboard rates and edit here.
insert into switchboard.prices (vendor, item, unit, usd, note) values
  ('assemblyai', 'universal-3-5-pro', 'audio_hour', 0.21,
   'Universal-3.5 Pro, pre-recorded (assemblyai.com/pricing as harvested 2026-10-07)'),
  ('assemblyai', 'universal-2', 'audio_hour', 0.15,
   'Universal-2, pre-recorded (assemblyai.com/pricing as harvested 2026-10-07)'),
  ('assemblyai', 'speaker_labels', 'audio_hour', 0.02,
   'Speaker diarization add-on (third-party summary of the pricing page; unverified)')
on conflict (vendor, item, unit) do nothing;

-- The job's bookkeeping on the transcript row.
alter table switchboard.call_transcripts drop constraint call_transcripts_status_check;
alter table switchboard.call_transcripts add constraint call_transcripts_status_check
  -- submitting: the secret and reservation are recorded, the job not (yet) known.
  check (status in ('submitting', 'submitted', 'completed', 'error'));
alter table switchboard.call_transcripts
  -- The recording or voicemail transcribed.
  add column media_id bigint references switchboard.call_media (id) on delete set null,
  -- The spend reservation of the current job (settled with the billed duration, or released).
  add column reservation_id bigint references switchboard.spend_ledger (id) on delete set null,
  -- How many jobs were submitted for this call (a retryable job error submits again).
  add column submissions integer not null default 0,
  -- When the stage acted on `error` (failed the attempt); the next run submits again.
  add column error_handled_at timestamptz;
create index call_transcripts_reservation_idx on switchboard.call_transcripts (reservation_id);

-- The hourly rate of a job: the model's price plus the speaker-labels add-on. Null when the
-- model has no price.
create function switchboard.assemblyai_hourly_usd(p_model text)
returns numeric
language sql
stable
security invoker
set search_path = ''
as $$
  select m.usd + coalesce((select a.usd from switchboard.prices a
    where a.vendor = 'assemblyai' and a.item = 'speaker_labels' and a.unit = 'audio_hour'), 0)
  from switchboard.prices m
  where m.vendor = 'assemblyai' and m.item = p_model and m.unit = 'audio_hour'
$$;

-- The cost to reserve for p_duration_sec of audio with these models: the dearest of them
-- (AssemblyAI picks one), so the estimate is never below the bill. Null when none is priced.
create function switchboard.transcription_estimate_usd(p_duration_sec numeric, p_models text[])
returns numeric
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.round(greatest(p_duration_sec, 0) / 3600.0 * max(switchboard.assemblyai_hourly_usd(m)), 6)
  from pg_catalog.unnest(p_models) as u(m)
$$;

-- Everything the stage needs about a call in one read: policy, settings, the transcript row
-- (with its reservation's state) and the media to transcribe (the longest stored recording,
-- else the voicemail).
create function switchboard.call_transcribe_context(p_call_id bigint)
returns jsonb
language sql
stable
security invoker
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'prefer_provider_transcript', (select p.prefer_provider_transcript from switchboard.call_policy p),
    'settings', (select pg_catalog.jsonb_build_object(
        'speech_models', s.speech_models,
        'language_code', s.language_code,
        'speakers_expected', s.speakers_expected,
        'fallback_after_sec', extract(epoch from s.fallback_after)::integer,
        'signed_url_ttl_seconds', s.signed_url_ttl_seconds)
      from switchboard.transcription_settings s),
    'transcript', (select pg_catalog.jsonb_build_object(
        'source', t.source, 'status', t.status, 'job_id', t.job_id, 'error', t.error,
        'error_handled', t.error_handled_at is not null, 'reservation_id', t.reservation_id,
        'reservation_status', l.status)
      from switchboard.call_transcripts t
      left join switchboard.spend_ledger l on l.id = t.reservation_id
      where t.call_id = p_call_id),
    'media', (select pg_catalog.jsonb_build_object(
        'id', m.id, 'kind', m.kind, 'storage_path', m.storage_path, 'duration_sec', m.duration_sec,
        'bytes', m.bytes, 'content_type', m.content_type)
      from switchboard.call_media m
      where m.call_id = p_call_id and m.storage_path is not null
      order by (m.kind = 'recording') desc, m.duration_sec desc nulls last, m.bytes desc nulls last, m.id
      limit 1))
$$;

-- Before a submission: the secret's hash and the reservation are recorded first, so a webhook
-- that beats the job id home still authenticates. Refused (false) while a job is in flight or
-- done: a submission is never repeated over a known job.
create function switchboard.begin_transcript_submission(
  p_call_id bigint,
  p_media_id bigint,
  p_secret_sha256 text,
  p_speech_models text[],
  p_reservation_id bigint,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  if p_secret_sha256 is null or p_secret_sha256 !~ '^[0-9a-f]{64}$' then
    raise exception 'A callback secret is stored as its hex SHA-256' using errcode = 'invalid_parameter_value';
  end if;
  insert into switchboard.call_transcripts as t (
    call_id, source, status, callback_secret_sha256, speech_model, media_id, reservation_id,
    submissions, updated_at)
  values (p_call_id, 'assemblyai', 'submitting', p_secret_sha256,
    pg_catalog.array_to_string(p_speech_models, ','), p_media_id, p_reservation_id, 1, p_now)
  on conflict (call_id) do update
  set source = 'assemblyai', status = 'submitting', job_id = null,
      callback_secret_sha256 = excluded.callback_secret_sha256, speech_model = excluded.speech_model,
      media_id = excluded.media_id, reservation_id = excluded.reservation_id,
      submissions = t.submissions + 1, error = null, error_handled_at = null, utterances = null,
      speakers = null, metrics = null, audio_duration_sec = null, submitted_at = null,
      completed_at = null, updated_at = p_now
  where t.status in ('submitting', 'error');
  return found;
end
$$;

-- The job AssemblyAI accepted. False when the row is not waiting for one (or has another).
create function switchboard.transcript_submitted(
  p_call_id bigint,
  p_job_id text,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  update switchboard.call_transcripts t
  set job_id = p_job_id, status = 'submitted', submitted_at = coalesce(t.submitted_at, p_now), updated_at = p_now
  where t.call_id = p_call_id and t.source = 'assemblyai'
    and (t.status = 'submitting' or (t.status = 'submitted' and t.job_id = p_job_id));
  return found;
end
$$;

-- A completed AssemblyAI job: stores the transcript, settles its reservation with the billed
-- audio (p_audio_duration_sec × the used model's rate; the estimate when that model has no
-- price), and resumes the call's waiting item. Idempotent: a second call for the same job, or a
-- call for a job that is no longer the call's, changes nothing. Returns
-- {"stored": bool, "reason"?: "already_completed" | "not_current_job", "cost_usd"?: …}.
create function switchboard.complete_assemblyai_transcript(
  p_call_id bigint,
  p_job_id text,
  p_utterances jsonb,
  p_speakers jsonb,
  p_metrics jsonb,
  p_audio_duration_sec numeric,
  p_speech_model text,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row switchboard.call_transcripts;
  v_rate numeric;
  v_cost numeric;
  v_estimate numeric;
begin
  select * into v_row from switchboard.call_transcripts t where t.call_id = p_call_id for update;
  if not found or v_row.source <> 'assemblyai'
    or (v_row.job_id is distinct from p_job_id and not (v_row.status = 'submitting' and v_row.job_id is null)) then
    return pg_catalog.jsonb_build_object('stored', false, 'reason', 'not_current_job');
  end if;
  if v_row.status = 'completed' then
    return pg_catalog.jsonb_build_object('stored', false, 'reason', 'already_completed');
  end if;
  update switchboard.call_transcripts t
  set job_id = p_job_id, status = 'completed', utterances = p_utterances, speakers = p_speakers,
      metrics = p_metrics, audio_duration_sec = p_audio_duration_sec,
      speech_model = coalesce(p_speech_model, t.speech_model), error = null,
      submitted_at = coalesce(t.submitted_at, p_now), completed_at = p_now, updated_at = p_now
  where t.call_id = p_call_id;

  if v_row.reservation_id is not null then
    v_rate := switchboard.assemblyai_hourly_usd(p_speech_model);
    select l.estimate_usd into v_estimate from switchboard.spend_ledger l where l.id = v_row.reservation_id;
    v_cost := case when v_rate is null or p_audio_duration_sec is null then v_estimate
      else pg_catalog.round(p_audio_duration_sec / 3600.0 * v_rate, 6) end;
    perform switchboard.settle_spend(v_row.reservation_id, v_cost,
      pg_catalog.jsonb_build_object('audio_sec', p_audio_duration_sec, 'model', p_speech_model,
        'job_id', p_job_id, 'priced', v_rate is not null),
      p_now);
  end if;
  perform switchboard.resume('call', p_call_id, 'call_transcribe', p_now);
  return pg_catalog.jsonb_build_object('stored', true, 'cost_usd', v_cost);
end
$$;

-- A job that ended in error: kept with AssemblyAI's message, its reservation released (failed
-- jobs are not charged), the item resumed so the stage classifies it. False when the job is
-- not the call's current one or the row already finished.
create function switchboard.fail_assemblyai_transcript(
  p_call_id bigint,
  p_job_id text,
  p_error text,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_row switchboard.call_transcripts;
begin
  select * into v_row from switchboard.call_transcripts t where t.call_id = p_call_id for update;
  if not found or v_row.source <> 'assemblyai' or v_row.status not in ('submitting', 'submitted')
    or (v_row.job_id is distinct from p_job_id and v_row.job_id is not null) then
    return false;
  end if;
  update switchboard.call_transcripts t
  set job_id = p_job_id, status = 'error',
      error = pg_catalog.left(coalesce(nullif(p_error, ''), 'AssemblyAI reported an error without a message'), 1000),
      error_handled_at = null, updated_at = p_now
  where t.call_id = p_call_id;
  if v_row.reservation_id is not null then
    perform switchboard.release_spend(v_row.reservation_id, p_now);
  end if;
  perform switchboard.resume('call', p_call_id, 'call_transcribe', p_now);
  return true;
end
$$;

-- The stage has acted on the row's error (failed the attempt): the next run submits again.
create function switchboard.transcript_error_handled(p_call_id bigint, p_now timestamptz default now())
returns boolean
language sql
volatile
security invoker
set search_path = ''
as $$
  update switchboard.call_transcripts t set error_handled_at = p_now, updated_at = p_now
  where t.call_id = p_call_id and t.status = 'error' and t.error_handled_at is null
  returning true
$$;

-- OpenPhone's own transcript, stored as the call's transcript (no cost). Never replaces an
-- AssemblyAI job in flight or done.
create function switchboard.store_provider_transcript(
  p_call_id bigint,
  p_utterances jsonb,
  p_speakers jsonb,
  p_metrics jsonb,
  p_audio_duration_sec numeric,
  p_now timestamptz default now()
)
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
begin
  insert into switchboard.call_transcripts as t (
    call_id, source, status, utterances, speakers, metrics, audio_duration_sec, completed_at, updated_at)
  values (p_call_id, 'provider', 'completed', p_utterances, p_speakers, p_metrics, p_audio_duration_sec, p_now, p_now)
  on conflict (call_id) do update
  set source = 'provider', status = 'completed', job_id = null, callback_secret_sha256 = null,
      utterances = excluded.utterances, speakers = excluded.speakers, metrics = excluded.metrics,
      audio_duration_sec = excluded.audio_duration_sec, error = null, completed_at = p_now, updated_at = p_now
  where t.source = 'provider' or t.status in ('submitting', 'error');
  return found;
end
$$;

-- Where a call's transcript is, for Studio.
create view ops.transcripts with (security_invoker = true) as
select t.call_id, c.pipeline_status, t.source, t.status, t.job_id, t.speech_model, t.audio_duration_sec,
  pg_catalog.jsonb_array_length(coalesce(t.utterances, '[]'::jsonb)) as utterances, t.submissions,
  t.error, l.status as spend_status, coalesce(l.actual_usd, l.estimate_usd) as cost_usd,
  t.submitted_at, t.completed_at, t.updated_at
from switchboard.call_transcripts t
join switchboard.calls c on c.id = t.call_id
left join switchboard.spend_ledger l on l.id = t.reservation_id
order by t.updated_at desc;
comment on view ops.transcripts is 'Each call''s transcript: source, job, status, spend, error.';
