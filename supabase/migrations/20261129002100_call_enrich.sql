-- call_enrich (issue 9, item 1): the first call stage. Its function (call-enrich) completes an
-- OpenPhone call from the REST API and merges what it learned with switchboard.merge_call (the
-- ingest merge, monotonic); then, in one statement under one lock, this migration's
-- conclude_call_enrich() de-duplicates the call against the other door and decides whether it is
-- eligible for paid processing:
--
--   eligible    → call_store_recording (the stage's default next stage)
--   ineligible  → call_publish, with calls.eligibility saying why (the page explains it)
--   merged      → a Drive recording of an OpenPhone call: its item ends here (done, status
--                 'merged'); the OpenPhone call carries on with the Drive audio
--   waiting     → a Drive recording waits (engine wait 'awaiting_match', not an attempt) a few
--                 minutes after its call ended for OpenPhone to report the same call
--
-- Cross-source dedupe. A Drive recording D and an OpenPhone call O are the same call when they
-- share the external number, their start times differ by at most dedupe_start_tolerance_sec,
-- their durations (when both are known) by at most dedupe_duration_tolerance_sec, and their
-- directions do not contradict. They merge only when each is the other's only match; otherwise
-- nothing merges and both sides are flagged in calls.dedupe for the Notion page.
--
--   * The OpenPhone row always survives (it has the user, the line, the provider's transcript);
--     the Drive row ends, marked merged_into_call_id, and switchboard.call_merges records it.
--   * Order does not matter. Drive first: D waits (awaiting_match) until dedupe_wait after its
--     call ended; when O is enriched meanwhile, O merges D and resumes D's item, which ends.
--     OpenPhone first: D merges into O when D is enriched; when O has no audio of its own, O is
--     sent back to call_enrich (switchboard.send_back) so it is judged again with the Drive audio.
--   * A D that already went on alone (its wait was over) is not merged later: both rows are
--     flagged possible duplicates instead.
--
-- The shape agreed with call_store_recording: when O has no audio of its own, O.recordings gets
-- the Drive file as one more entry, the same shape drive-discover gives a Drive call's own
-- recording plus where it came from:
--   {"id": <Drive file id>, "source": "gdrive", "drive_file_id": <Drive file id>,
--    "type": <MIME type>, "size": <bytes>, "duration_sec": <s or absent>, "status": "completed",
--    "merged_from_call_id": <D's calls.id>}
-- so the store stage copies it with Drive's alt=media, as it does for a Drive call.

------------------------------------------------------------------------------------------------
-- Settings (switchboard.call_policy, edited in Studio) and the state this stage keeps.
------------------------------------------------------------------------------------------------

alter table switchboard.call_policy
  -- A Drive recording and an OpenPhone call are the same call when they start this close …
  add column dedupe_start_tolerance_sec integer not null default 120 check (dedupe_start_tolerance_sec >= 0),
  -- … and (when both durations are known) last this close.
  add column dedupe_duration_tolerance_sec integer not null default 30 check (dedupe_duration_tolerance_sec >= 0),
  -- How long after its call ended a Drive recording waits for OpenPhone to report the same
  -- call before it is processed on its own (0: never waits).
  add column dedupe_wait interval not null default interval '10 minutes' check (dedupe_wait >= interval '0'),
  -- How long after a call ended enrichment waits for OpenPhone to finish its recording,
  -- voicemail or transcript ("not ready" retries) before going on without them.
  add column media_wait interval not null default interval '2 hours' check (media_wait >= interval '0');

alter table switchboard.calls
  -- A Drive recording merged into the OpenPhone call it recorded.
  add column merged_into_call_id bigint references switchboard.calls (id) on delete set null,
  -- What dedupe decided: {"status": "unique" | "merged" | "survivor" | "ambiguous" |
  -- "possible_duplicate" | "awaiting_match", "candidates": [call ids], "merged_into" | "merged_from",
  -- "recording_from_drive", "until", "decided_at"}, plus "possible_duplicates": [call ids] when
  -- another row's decision named this one.
  add column dedupe jsonb;

-- Dedupe looks for the other door's calls by start time.
create index calls_source_started_at_idx on switchboard.calls (source, started_at);
create index calls_merged_into_idx on switchboard.calls (merged_into_call_id) where merged_into_call_id is not null;

create table switchboard.call_merges (
  id bigint generated always as identity primary key,
  survivor_call_id bigint not null references switchboard.calls (id) on delete cascade,
  merged_call_id bigint not null unique references switchboard.calls (id) on delete cascade,
  drive_file_id text not null,
  -- The Drive audio became the survivor's recording (it had none of its own).
  recording_attached boolean not null,
  start_delta_sec numeric(12, 3),
  duration_delta_sec integer,
  merged_at timestamptz not null
);
alter table switchboard.call_merges enable row level security;
create index call_merges_survivor_idx on switchboard.call_merges (survivor_call_id);
comment on table switchboard.call_merges is
  'Drive recordings merged into the OpenPhone call they recorded (cross-source dedupe).';

------------------------------------------------------------------------------------------------
-- Pure helpers: what a call row says (no table reads; the policy is a parameter).
------------------------------------------------------------------------------------------------

-- The numbers a call involves: its participants and both ends. The workspace's own number may
-- be among them (OpenPhone lists both sides); it never equals a Drive recording's number.
create function switchboard.call_numbers(p_call switchboard.calls)
returns text[]
language sql
immutable
security invoker
set search_path = ''
as $$
  select pg_catalog.array_remove(
    pg_catalog.array_remove(coalesce(p_call.participants, '{}') || array[p_call.from_number, p_call.to_number], null),
    '')
$$;

-- Seconds the call lasted: the call's own duration, else its first recording's.
create function switchboard.call_duration_sec(p_call switchboard.calls)
returns integer
language sql
immutable
security invoker
set search_path = ''
as $$
  select coalesce(p_call.duration_sec,
    case when pg_catalog.jsonb_typeof(p_call.recordings -> 0 -> 'duration_sec') = 'number'
      then pg_catalog.round((p_call.recordings -> 0 ->> 'duration_sec')::numeric)::integer end)
$$;

-- answered | voicemail | missed. Answered: OpenPhone says when it was answered, or a recording
-- exists (a Drive recording is a call that connected); voicemail: the caller left one; missed:
-- anything else (an unanswered incoming call without voicemail, an outgoing call nobody took).
create function switchboard.call_type(p_call switchboard.calls)
returns text
language sql
immutable
security invoker
set search_path = ''
as $$
  select case
    when p_call.answered_at is not null or p_call.source = 'drive' then 'answered'
    when pg_catalog.jsonb_typeof(p_call.voicemail) = 'object' and p_call.voicemail <> '{}'::jsonb then 'voicemail'
    when pg_catalog.jsonb_array_length(coalesce(p_call.recordings, '[]'::jsonb)) > 0 then 'answered'
    else 'missed'
  end
$$;

-- Whether there is audio a paid stage could use: a completed recording with a URL or in Drive,
-- or a voicemail with a URL.
create function switchboard.call_has_audio(p_call switchboard.calls)
returns boolean
language sql
immutable
security invoker
set search_path = ''
as $$
  select exists (
      select 1 from pg_catalog.jsonb_array_elements(coalesce(p_call.recordings, '[]'::jsonb)) r
      where coalesce(r ->> 'status', 'completed') = 'completed'
        and (r ->> 'url' is not null or r ->> 'source' = 'gdrive'))
    or (p_call.voicemail ->> 'url') is not null
$$;

-- Is the Drive recording p_drive a recording of the OpenPhone call p_openphone? (See the header.)
create function switchboard.calls_match(
  p_drive switchboard.calls,
  p_openphone switchboard.calls,
  p_policy switchboard.call_policy
)
returns boolean
language sql
immutable
security invoker
set search_path = ''
as $$
  select coalesce(
    p_drive.source = 'drive' and p_openphone.source = 'openphone'
    and pg_catalog.abs(extract(epoch from p_drive.started_at - p_openphone.started_at))
      <= p_policy.dedupe_start_tolerance_sec
    and switchboard.call_numbers(p_drive) operator(pg_catalog.&&) switchboard.call_numbers(p_openphone)
    and (p_drive.direction is null or p_openphone.direction is null or p_drive.direction = p_openphone.direction)
    and (switchboard.call_duration_sec(p_drive) is null or switchboard.call_duration_sec(p_openphone) is null
      or pg_catalog.abs(switchboard.call_duration_sec(p_drive) - switchboard.call_duration_sec(p_openphone))
        <= p_policy.dedupe_duration_tolerance_sec),
    false)
$$;

-- Eligibility for paid processing (ARCHITECTURE §5), from the call and the policy at p_now.
-- The first rule the call breaks is the reason: auto_process_disabled, source_not_enabled,
-- direction_unknown, direction_not_enabled, call_type_not_enabled, too_old, too_short,
-- no_audio; otherwise "eligible". A call whose duration is unknown (a Drive file without a
-- sidecar) is not held to the minimum. Returns {eligible, reason, detail, call_type,
-- duration_sec, decided_at}; detail is a sentence for the Notion page.
create function switchboard.call_eligibility(
  p_call switchboard.calls,
  p_policy switchboard.call_policy,
  p_now timestamptz
)
returns jsonb
language plpgsql
immutable
security invoker
set search_path = ''
as $$
declare
  v_type text := switchboard.call_type(p_call);
  v_duration integer;
  v_reason text := 'eligible';
  v_detail text := 'Eligible for transcription and summary';
begin
  v_duration := case
    when v_type = 'voicemail' and pg_catalog.jsonb_typeof(p_call.voicemail -> 'duration_sec') = 'number'
      then pg_catalog.round((p_call.voicemail ->> 'duration_sec')::numeric)::integer
    else switchboard.call_duration_sec(p_call)
  end;
  if not p_policy.auto_process_enabled then
    v_reason := 'auto_process_disabled';
    v_detail := 'Automatic processing is switched off (call_policy.auto_process_enabled)';
  elsif not p_call.source = any (p_policy.sources) then
    v_reason := 'source_not_enabled';
    v_detail := pg_catalog.format('Calls from %s are not processed (call_policy.sources)', p_call.source);
  elsif p_call.direction is null then
    v_reason := 'direction_unknown';
    v_detail := 'The call''s direction is unknown, so it cannot be matched to call_policy.directions';
  elsif not p_call.direction = any (p_policy.directions) then
    v_reason := 'direction_not_enabled';
    v_detail := pg_catalog.format('%s calls are not processed (call_policy.directions: %s)',
      pg_catalog.initcap(p_call.direction), pg_catalog.array_to_string(p_policy.directions, ', '));
  elsif not v_type = any (p_policy.call_types) then
    v_reason := 'call_type_not_enabled';
    v_detail := pg_catalog.format('%s calls are not processed (call_policy.call_types: %s)',
      pg_catalog.initcap(v_type), pg_catalog.array_to_string(p_policy.call_types, ', '));
  elsif p_now - coalesce(p_call.started_at, p_call.created_at) > p_policy.max_age then
    v_reason := 'too_old';
    v_detail := pg_catalog.format('The call is older than %s (call_policy.max_age)', p_policy.max_age);
  elsif v_duration is not null and v_duration < p_policy.min_duration_sec then
    v_reason := 'too_short';
    v_detail := pg_catalog.format('The call lasted %s s, under the %s s minimum (call_policy.min_duration_sec)',
      v_duration, p_policy.min_duration_sec);
  elsif not switchboard.call_has_audio(p_call) then
    v_reason := 'no_audio';
    v_detail := 'There is no recording or voicemail audio to transcribe';
  end if;
  return pg_catalog.jsonb_build_object('eligible', v_reason = 'eligible', 'reason', v_reason, 'detail', v_detail,
    'call_type', v_type, 'duration_sec', v_duration, 'decided_at', p_now);
end
$$;

------------------------------------------------------------------------------------------------
-- Dedupe.
------------------------------------------------------------------------------------------------

-- The OpenPhone calls the Drive recording p_drive_id may have recorded (not ones whose own work
-- failed: they cannot carry the recording on).
create function switchboard.openphone_twins(p_drive_id bigint)
returns bigint[]
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(o.id order by o.id), '{}')
  from switchboard.calls d
  cross join switchboard.call_policy p
  join switchboard.calls o
    on o.source = 'openphone'
    and o.started_at between d.started_at - pg_catalog.make_interval(secs => p.dedupe_start_tolerance_sec)
                         and d.started_at + pg_catalog.make_interval(secs => p.dedupe_start_tolerance_sec)
  where d.id = p_drive_id and d.source = 'drive'
    and switchboard.calls_match(d, o, p)
    and not exists (
      select 1 from switchboard.work_items w
      where w.subject_kind = 'call' and w.subject_id = o.id and w.status = 'failed')
$$;

-- The Drive recordings that may be of the OpenPhone call p_openphone_id (not ones merged into
-- another call).
create function switchboard.drive_twins(p_openphone_id bigint)
returns bigint[]
language sql
stable
security invoker
set search_path = ''
as $$
  select coalesce(pg_catalog.array_agg(d.id order by d.id), '{}')
  from switchboard.calls o
  cross join switchboard.call_policy p
  join switchboard.calls d
    on d.source = 'drive'
    and d.started_at between o.started_at - pg_catalog.make_interval(secs => p.dedupe_start_tolerance_sec)
                         and o.started_at + pg_catalog.make_interval(secs => p.dedupe_start_tolerance_sec)
  where o.id = p_openphone_id and o.source = 'openphone'
    and (d.merged_into_call_id is null or d.merged_into_call_id = o.id)
    and switchboard.calls_match(d, o, p)
$$;

-- Adds p_other_ids to a call's dedupe.possible_duplicates (for its Notion page).
create function switchboard.flag_possible_duplicates(p_call_id bigint, p_other_ids bigint[])
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  update switchboard.calls c
  set dedupe = coalesce(c.dedupe, '{}'::jsonb) || pg_catalog.jsonb_build_object('possible_duplicates',
    (select pg_catalog.jsonb_agg(distinct x order by x)
     from (select pg_catalog.jsonb_array_elements(coalesce(c.dedupe -> 'possible_duplicates', '[]'::jsonb)) as x
           union select pg_catalog.to_jsonb(i) from pg_catalog.unnest(p_other_ids) i where i <> p_call_id) u))
  where c.id = p_call_id and pg_catalog.cardinality(p_other_ids) > 0
$$;

-- Merges the Drive recording p_drive_id into the OpenPhone call p_openphone_id: records the
-- merge, marks the Drive row, gives the OpenPhone call the Drive audio when it has none, and
-- moves the two work items on (a waiting Drive item resumes, to end; an OpenPhone call that
-- now has audio it lacked is sent back to call_enrich unless it is about to be enriched
-- anyway). Callers hold the dedupe lock and have checked that neither item is running
-- elsewhere. Idempotent. Returns {merged_into, recording_attached}.
create function switchboard.merge_drive_call(p_drive_id bigint, p_openphone_id bigint, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_drive switchboard.calls;
  v_call switchboard.calls;
  v_attach boolean;
  v_entry jsonb;
  v_item switchboard.work_items;
begin
  select * into v_drive from switchboard.calls c where c.id = p_drive_id and c.source = 'drive' for update;
  select * into v_call from switchboard.calls c where c.id = p_openphone_id and c.source = 'openphone' for update;
  if v_drive.id is null or v_call.id is null then
    raise exception 'merge_drive_call needs a Drive call and an OpenPhone call' using errcode = 'invalid_parameter_value';
  end if;
  if v_drive.merged_into_call_id = v_call.id then
    return pg_catalog.jsonb_build_object('merged_into', v_call.id, 'recording_attached',
      (select m.recording_attached from switchboard.call_merges m where m.merged_call_id = v_drive.id));
  end if;

  v_attach := not switchboard.call_has_audio(v_call);
  if v_attach then
    v_entry := pg_catalog.jsonb_strip_nulls(coalesce(v_drive.recordings -> 0, '{}'::jsonb) || pg_catalog.jsonb_build_object(
      'id', v_drive.external_id, 'source', 'gdrive', 'drive_file_id', v_drive.external_id,
      'duration_sec', switchboard.call_duration_sec(v_drive), 'status', 'completed',
      'merged_from_call_id', v_drive.id));
    if not exists (
      select 1 from pg_catalog.jsonb_array_elements(v_call.recordings) r where r ->> 'id' = v_drive.external_id
    ) then
      v_call.recordings := v_call.recordings || pg_catalog.jsonb_build_array(v_entry);
    end if;
  end if;

  update switchboard.calls c
  set merged_into_call_id = v_call.id,
      dedupe = pg_catalog.jsonb_build_object('status', 'merged', 'merged_into', v_call.id, 'decided_at', p_now),
      updated_at = p_now
  where c.id = v_drive.id;
  update switchboard.calls c
  set recordings = v_call.recordings,
      dedupe = coalesce(c.dedupe, '{}'::jsonb) - 'candidates' || pg_catalog.jsonb_build_object(
        'status', 'survivor', 'merged_from',
        (select coalesce(pg_catalog.jsonb_agg(distinct x), '[]'::jsonb) from (
          select pg_catalog.jsonb_array_elements(coalesce(c.dedupe -> 'merged_from', '[]'::jsonb)) x
          union select pg_catalog.to_jsonb(v_drive.id)) u),
        'recording_from_drive', v_attach or coalesce((c.dedupe ->> 'recording_from_drive')::boolean, false),
        'decided_at', p_now),
      updated_at = p_now
  where c.id = v_call.id;
  insert into switchboard.call_merges (
    survivor_call_id, merged_call_id, drive_file_id, recording_attached, start_delta_sec, duration_delta_sec, merged_at)
  values (v_call.id, v_drive.id, v_drive.external_id, v_attach,
    extract(epoch from v_drive.started_at - v_call.started_at),
    switchboard.call_duration_sec(v_drive) - switchboard.call_duration_sec(v_call), p_now)
  on conflict (merged_call_id) do nothing;

  -- The Drive item ends when its handler next runs; a waiting one runs now.
  perform switchboard.resume('call', v_drive.id, 'call_enrich', p_now);
  -- The OpenPhone call is judged again with its new audio, unless its enrichment is still ahead.
  if v_attach then
    select * into v_item from switchboard.work_items w where w.subject_kind = 'call' and w.subject_id = v_call.id;
    if found and not (v_item.stage = 'call_enrich' and v_item.status in ('pending', 'running')) then
      perform switchboard.send_back('call', v_call.id, 'call_enrich', p_now);
    end if;
  end if;
  return pg_catalog.jsonb_build_object('merged_into', v_call.id, 'recording_attached', v_attach);
end
$$;

-- Ends the pipeline of the claim p_token's item here (done), whatever its stage's next stage,
-- with p_status on the subject's row: for a subject that turned out to need no more work (a
-- Drive recording merged into another call). The engine's complete() always moves on to a
-- next stage, so this is the one way to finish early; the worker's own complete() afterwards
-- finds the token spent and changes nothing. False when the token is not current.
create function switchboard.end_work(p_token bigint, p_status text, p_now timestamptz default now())
returns boolean
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_item switchboard.work_items;
  v_queue text;
begin
  select * into v_item from switchboard.work_items w
  where w.token = p_token and w.status = 'running'
  for update;
  if not found then
    return false;
  end if;
  update switchboard.stage_attempts a set finished_at = p_now, outcome = 'completed' where a.id = p_token;
  select s.queue_name into v_queue from switchboard.stages s where s.name = v_item.stage;
  if v_item.msg_id is not null then
    perform pgmq.delete(v_queue, v_item.msg_id);
  end if;
  update switchboard.work_items w
  set status = 'done', token = null, locked_by = null, leased_until = null, msg_id = null,
      last_error = null, updated_at = p_now
  where w.id = v_item.id;
  perform switchboard.set_subject_status(v_item.subject_kind, v_item.subject_id, p_status);
  return true;
end
$$;

-- The end of call_enrich for call p_call_id, whose claim is p_token: dedupe, then eligibility,
-- in one statement under one lock (so two calls of one conversation, enriched at once, see each
-- other's decisions). Returns what the handler does next:
--   {"action": "continue" | "skip_paid", "eligibility": …, "dedupe": …}
--   {"action": "ended", "merged_into": id}                       (the item is already done)
--   {"action": "wait", "reason": "awaiting_match", "until": …}   (engine wait)
--   {"action": "retry", "reason": "merge_target_busy", "detail": …}
create function switchboard.conclude_call_enrich(
  p_call_id bigint,
  p_token bigint,
  p_now timestamptz default now()
)
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_policy switchboard.call_policy;
  v_call switchboard.calls;
  v_other switchboard.calls;
  v_twins bigint[];
  v_back bigint[];
  v_item switchboard.work_items;
  v_dedupe jsonb;
  v_until timestamptz;
  v_eligibility jsonb;
  v_id bigint;
begin
  -- Dedupe decisions are few and quick: one lock serialises them all.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('switchboard.call_dedupe', 0));
  select * into v_policy from switchboard.call_policy;
  select * into v_call from switchboard.calls c where c.id = p_call_id for update;
  if not found then
    raise exception 'Cannot find call "%"', p_call_id using errcode = 'no_data_found';
  end if;

  if v_call.source = 'drive' then
    if v_call.merged_into_call_id is not null then
      perform switchboard.end_work(p_token, 'merged', p_now);
      return pg_catalog.jsonb_build_object('action', 'ended', 'merged_into', v_call.merged_into_call_id);
    end if;
    v_twins := switchboard.openphone_twins(v_call.id);
    if pg_catalog.cardinality(v_twins) = 1 and switchboard.drive_twins(v_twins[1]) = array[v_call.id] then
      select * into v_other from switchboard.calls c where c.id = v_twins[1];
      select * into v_item from switchboard.work_items w where w.subject_kind = 'call' and w.subject_id = v_other.id;
      if v_item.status = 'running' and not switchboard.call_has_audio(v_other) then
        -- It could not be sent back to be judged with this audio: try again once it has moved on.
        return pg_catalog.jsonb_build_object('action', 'retry', 'reason', 'merge_target_busy',
          'detail', pg_catalog.format('The OpenPhone call %s this recording belongs to is in %s right now',
            v_other.id, v_item.stage));
      end if;
      perform switchboard.merge_drive_call(v_call.id, v_other.id, p_now);
      perform switchboard.end_work(p_token, 'merged', p_now);
      return pg_catalog.jsonb_build_object('action', 'ended', 'merged_into', v_other.id);
    end if;
    if pg_catalog.cardinality(v_twins) = 0 then
      v_until := v_call.started_at
        + pg_catalog.make_interval(secs => coalesce(switchboard.call_duration_sec(v_call), 0))
        + v_policy.dedupe_wait;
      if p_now < v_until and pg_catalog.cardinality(switchboard.call_numbers(v_call)) > 0 then
        update switchboard.calls c
        set dedupe = coalesce(c.dedupe, '{}'::jsonb) || pg_catalog.jsonb_build_object(
          'status', 'awaiting_match', 'until', v_until, 'decided_at', p_now)
        where c.id = v_call.id;
        return pg_catalog.jsonb_build_object('action', 'wait', 'reason', 'awaiting_match', 'until', v_until);
      end if;
      v_dedupe := pg_catalog.jsonb_build_object('status', 'unique', 'decided_at', p_now);
    else
      -- Several OpenPhone calls match, or the one that matches has other recordings too.
      v_dedupe := pg_catalog.jsonb_build_object('status', 'ambiguous', 'candidates', pg_catalog.to_jsonb(v_twins),
        'decided_at', p_now);
      foreach v_id in array v_twins loop
        perform switchboard.flag_possible_duplicates(v_id, array[v_call.id]);
      end loop;
    end if;
  else
    -- An OpenPhone call: Drive recordings of it that are still undecided merge now.
    v_twins := array(
      select d.id from switchboard.calls d
      where d.id = any (switchboard.drive_twins(v_call.id)) and d.merged_into_call_id is null order by d.id);
    if pg_catalog.cardinality(v_twins) = 0 then
      v_dedupe := case when v_call.dedupe ->> 'status' = 'survivor' then v_call.dedupe - 'decided_at'
        else pg_catalog.jsonb_build_object('status', 'unique') end || pg_catalog.jsonb_build_object('decided_at', p_now);
    else
      select * into v_other from switchboard.calls c where c.id = v_twins[1];
      v_back := switchboard.openphone_twins(v_other.id);
      if pg_catalog.cardinality(v_twins) = 1 and v_back = array[v_call.id]
        and not exists (select 1 from switchboard.calls m where m.merged_into_call_id = v_call.id)
        and v_other.eligibility is null
      then
        perform switchboard.merge_drive_call(v_other.id, v_call.id, p_now);
        v_dedupe := null;
      else
        -- Ambiguous, or a recording that already went on as a call of its own: flag, never guess.
        v_dedupe := pg_catalog.jsonb_build_object(
          'status', case when pg_catalog.cardinality(v_twins) = 1 and v_back = array[v_call.id]
            then 'possible_duplicate' else 'ambiguous' end,
          'candidates', pg_catalog.to_jsonb(v_twins), 'decided_at', p_now);
        foreach v_id in array v_twins loop
          perform switchboard.flag_possible_duplicates(v_id, array[v_call.id]);
        end loop;
      end if;
    end if;
  end if;

  -- Eligibility, on the row as dedupe left it (a merge may have given it audio).
  select * into v_call from switchboard.calls c where c.id = p_call_id;
  v_eligibility := switchboard.call_eligibility(v_call, v_policy, p_now);
  update switchboard.calls c
  set eligibility = v_eligibility,
      dedupe = case when v_dedupe is null then c.dedupe
        else v_dedupe || pg_catalog.jsonb_strip_nulls(
          pg_catalog.jsonb_build_object('possible_duplicates', c.dedupe -> 'possible_duplicates')) end,
      updated_at = p_now
  where c.id = p_call_id
  returning c.dedupe into v_dedupe;
  return pg_catalog.jsonb_build_object(
    'action', case when (v_eligibility ->> 'eligible')::boolean then 'continue' else 'skip_paid' end,
    'eligibility', v_eligibility, 'dedupe', v_dedupe);
end
$$;

-- The stage's function is deployed with this migration.
update switchboard.stages set enabled = true where name = 'call_enrich';
