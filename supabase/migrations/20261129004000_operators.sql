-- Operators (issue 11): everything an operator reads in one document, and alerts that fire once
-- per incident.
--
--   switchboard.scheduled_jobs   how stale each pg_cron job may get before it alerts (Studio)
--   switchboard.job_status(now)  each monitored job: last success/heartbeat, stale or not, why
--   switchboard.stats(now)       one JSON document with the ops views' figures: pipeline per
--                                stage and state, queues, dead letters, latency, spend against the
--                                caps, Notion pages, cron jobs, open incidents, overall health.
--                                The stats function, `deno task status` and Studio read it.
--   switchboard.alert_policy     alerts on/off, resolution messages, the message prefix
--   switchboard.incidents        one row per incident: (kind, key) opened, seen, resolved, notified
--   switchboard.alert_conditions(now)  what is wrong right now (one row per kind and key)
--   switchboard.evaluate_alerts(now)   opens, updates and resolves incidents and POSTs each new
--                                one's message (Slack-compatible {"text": …}) to the webhook URL
--                                in Vault (switchboard_alert_webhook_url) with pg_net, after
--                                commit. pg_cron runs it every minute (switchboard-alerts).
--
-- Messages carry ids, stage and job names, counts and error codes: never a phone number, a
-- message text or an error message (those can quote either).

------------------------------------------------------------------------------------------------
-- Scheduled jobs and how stale they may get
------------------------------------------------------------------------------------------------

create table switchboard.scheduled_jobs (
  jobname text primary key,
  -- The switchboard.heartbeats row the job's SQL writes when it ran. Stronger than pg_cron's
  -- 'succeeded', which for a job that calls a function only means the request was queued.
  heartbeat text,
  -- Stale when neither a heartbeat nor (without one) a successful run is this recent.
  stale_after interval not null check (stale_after > interval '0'),
  -- false: shown, never alerted on (a door you do not use, say).
  monitored boolean not null default true,
  -- Monitoring starts here: a job that has not run yet is not stale before created_at + stale_after.
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table switchboard.scheduled_jobs enable row level security;
comment on table switchboard.scheduled_jobs is
  'pg_cron jobs Switchboard watches: the heartbeat each writes and how stale it may get before an alert (keep stale_after above the schedule''s interval).';

insert into switchboard.scheduled_jobs (jobname, heartbeat, stale_after) values
  ('switchboard-sweep', 'sweep', interval '3 minutes'),
  ('switchboard-watchdog', 'watchdog', interval '3 minutes'),
  ('switchboard-retention', 'retention', interval '2 hours'),
  ('switchboard-notion-contacts-sync', null, interval '10 minutes'),
  ('switchboard-drive-discover', null, interval '15 minutes'),
  ('switchboard-openphone-backfill', null, interval '13 hours'),
  ('switchboard-alerts', null, interval '5 minutes');

-- Each watched job as of p_now. A job is fresh from its last heartbeat (jobs that write one) or
-- its last successful run, counted at the earliest from when monitoring started or the server
-- started (right after a restart the first run is still to come). reason: not_scheduled (no
-- such cron job), inactive (cron.job.active = false), stale, or null when fine.
create function switchboard.job_status(p_now timestamptz default now())
returns table (
  jobname text,
  schedule text,
  active boolean,
  monitored boolean,
  heartbeat text,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  last_heartbeat_at timestamptz,
  fresh_at timestamptz,
  stale_after_sec numeric,
  stale boolean,
  reason text
)
language sql
stable
security invoker
set search_path = ''
as $$
  select s.jobname, j.schedule, j.active, s.monitored, s.heartbeat,
    r.last_success_at, r.last_failure_at, h.beat_at,
    f.fresh_at,
    extract(epoch from s.stale_after)::bigint::numeric,
    s.monitored and (j.jobid is null or not j.active or f.reference < p_now - s.stale_after),
    case
      when j.jobid is null then 'not_scheduled'
      when not j.active then 'inactive'
      when f.reference < p_now - s.stale_after then 'stale'
    end
  from switchboard.scheduled_jobs s
  left join cron.job j on j.jobname = s.jobname
  left join switchboard.heartbeats h on h.name = s.heartbeat
  left join lateral (
    select
      max(d.end_time) filter (where d.status = 'succeeded') as last_success_at,
      max(d.end_time) filter (where d.status = 'failed') as last_failure_at
    from cron.job_run_details d
    where d.jobid = j.jobid
  ) r on true
  cross join lateral (
    select case when s.heartbeat is not null then h.beat_at else r.last_success_at end as fresh_at
  ) f0
  cross join lateral (
    select f0.fresh_at,
      greatest(f0.fresh_at, s.created_at, pg_catalog.pg_postmaster_start_time()) as reference
  ) f
  order by s.jobname
$$;
comment on function switchboard.job_status is
  'Each job in switchboard.scheduled_jobs as of p_now: schedule, last success, heartbeat, stale or not and why.';

------------------------------------------------------------------------------------------------
-- Incidents
------------------------------------------------------------------------------------------------

create table switchboard.alert_policy (
  id boolean primary key default true check (id),
  -- false: incidents are still recorded, nothing is sent.
  enabled boolean not null default true,
  -- Also say when an incident that was announced has cleared.
  notify_resolved boolean not null default true,
  -- Starts every message: name the project when several send to one channel.
  label text not null default 'Switchboard' check (label <> '' and pg_catalog.length(label) <= 80),
  -- An announcement whose POST got no 2xx is sent again, up to this many times in all.
  max_notify_attempts integer not null default 3 check (max_notify_attempts between 1 and 10),
  updated_at timestamptz not null default now()
);
alter table switchboard.alert_policy enable row level security;
insert into switchboard.alert_policy default values;
comment on table switchboard.alert_policy is
  'Alerts: on/off, resolution messages, message label. The webhook URL is the Vault secret switchboard_alert_webhook_url.';

create table switchboard.incidents (
  id bigint generated always as identity primary key,
  -- dead_letters (key: stage) | queue_age (key: stage) | job_stale (key: job name) |
  -- spend_cap (key: budget day)
  kind text not null check (kind in ('dead_letters', 'queue_age', 'job_stale', 'spend_cap')),
  key text not null,
  opened_at timestamptz not null,
  last_seen_at timestamptz not null,
  resolved_at timestamptz,
  -- The opening message was queued (pg_net request notify_request_id); null: not sent yet
  -- (no webhook URL, or alerts off).
  notified_at timestamptz,
  notify_request_id bigint,
  notify_attempts integer not null default 0,
  resolution_notified_at timestamptz,
  -- Ids, counts, codes as last seen (never phone numbers or message text).
  details jsonb not null default '{}'::jsonb,
  check (resolved_at is null or resolved_at >= opened_at)
);
alter table switchboard.incidents enable row level security;
-- One open incident per condition: the same problem seen again is the same incident.
create unique index incidents_open_idx on switchboard.incidents (kind, key) where resolved_at is null;
create index incidents_opened_idx on switchboard.incidents (opened_at);
comment on table switchboard.incidents is
  'Alert incidents: opened when a condition appears, resolved when it clears; one message per incident (notified_at).';

-- What is wrong as of p_now, one row per (kind, key):
--   dead_letters  a stage has dead letters since the last acknowledge_dead_letters()
--   queue_age     an enabled stage's oldest visible message has waited longer than alert_after
--   job_stale     a watched pg_cron job is missing, inactive, or has not run for stale_after
--   spend_cap     today's call cap or dollar budget is used up, or calls wait in budget_wait
create function switchboard.alert_conditions(p_now timestamptz default now())
returns table (kind text, key text, details jsonb)
language sql
stable
security invoker
set search_path = ''
as $$
  with ack as (
    select coalesce((select a.last_id from switchboard.acknowledgements a where a.name = 'dead_letters'), 0) as last_id
  ),
  dead as (
    select d.stage, d.error_code, pg_catalog.count(*) as n, min(d.id) as first_id, max(d.id) as last_id
    from switchboard.dead_letters d
    where d.id > (select ack.last_id from ack)
    group by d.stage, d.error_code
  ),
  policy as (
    select p.daily_max_calls, p.daily_budget_usd, switchboard.budget_day(p_now) as day
    from switchboard.call_policy p
  ),
  today as (
    select policy.*, coalesce(sd.calls_admitted, 0) as calls_admitted,
      coalesce(sd.usd_committed, 0) as usd_committed,
      (select pg_catalog.count(*) from switchboard.work_items w
       where w.status = 'pending' and w.waiting_for = 'budget_wait' and w.run_after > p_now) as waiting
    from policy left join switchboard.spend_days sd on sd.day = policy.day
  )
  select 'dead_letters', dead.stage,
    pg_catalog.jsonb_build_object(
      'stage', dead.stage,
      'count', sum(dead.n),
      'first_id', min(dead.first_id),
      'last_id', max(dead.last_id),
      'codes', pg_catalog.jsonb_object_agg(dead.error_code, dead.n))
  from dead
  group by dead.stage
  union all
  select 'queue_age', s.stage,
    pg_catalog.jsonb_build_object(
      'stage', s.stage, 'depth', s.depth, 'visible', s.visible,
      'oldest_visible_wait_sec', s.oldest_visible_wait_sec, 'alert_after_sec', s.alert_after_sec,
      'workers_busy', s.workers_busy, 'max_workers', s.max_workers)
  from switchboard.stage_status(p_now) s
  where not s.ok
  union all
  select 'job_stale', j.jobname,
    pg_catalog.jsonb_build_object(
      'job', j.jobname, 'reason', j.reason, 'last_success_at', j.fresh_at,
      'stale_after_sec', j.stale_after_sec)
  from switchboard.job_status(p_now) j
  where j.stale
  union all
  select 'spend_cap', today.day::text,
    pg_catalog.jsonb_build_object(
      'day', today.day,
      'reason', case when today.calls_admitted >= today.daily_max_calls then 'daily_call_cap' else 'daily_budget' end,
      'calls_admitted', today.calls_admitted, 'daily_max_calls', today.daily_max_calls,
      'usd_committed', pg_catalog.round(today.usd_committed, 2), 'daily_budget_usd', pg_catalog.round(today.daily_budget_usd, 2),
      'waiting', today.waiting)
  from today
  where today.calls_admitted >= today.daily_max_calls
    or today.usd_committed >= today.daily_budget_usd
    or today.waiting > 0
$$;
comment on function switchboard.alert_conditions is
  'What is wrong as of p_now (dead letters, queue age, stale jobs, spend cap), one row per kind and key.';

-- "17 min", "2 h 5 min", "40 s": for messages.
create function switchboard.format_duration(p_seconds numeric)
returns text
language sql
immutable
security invoker
set search_path = ''
as $$
  select case
    when p_seconds is null then 'unknown'
    when p_seconds < 120 then pg_catalog.round(p_seconds)::text || ' s'
    when p_seconds < 7200 then pg_catalog.round(p_seconds / 60)::text || ' min'
    when p_seconds < 172800 then pg_catalog.floor(p_seconds / 3600)::text || ' h'
      || case when pg_catalog.round((p_seconds % 3600) / 60) > 0
           then ' ' || pg_catalog.round((p_seconds % 3600) / 60)::text || ' min' else '' end
    else pg_catalog.round(p_seconds / 86400)::text || ' d'
  end
$$;

-- The text of an incident's message (Slack-compatible mrkdwn). p_event: opened | resolved.
create function switchboard.alert_text(
  p_incident switchboard.incidents,
  p_event text,
  p_label text,
  p_now timestamptz default now()
)
returns text
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  d jsonb := p_incident.details;
  v_what text;
  v_todo text;
  v_codes text;
begin
  case p_incident.kind
    when 'dead_letters' then
      select pg_catalog.string_agg(c.key || ' ×' || c.value, ', ' order by c.value::int desc, c.key)
      into v_codes from pg_catalog.jsonb_each_text(d -> 'codes') c;
      v_what := pg_catalog.format('%s dead letter%s in stage `%s` (%s; ids %s–%s)',
        d ->> 'count', case when (d ->> 'count')::int = 1 then '' else 's' end, p_incident.key,
        coalesce(v_codes, 'no code'), d ->> 'first_id', d ->> 'last_id');
      v_todo := 'Read them in ops.dead_letters, fix the cause, `select switchboard.replay(p_stage => '''
        || p_incident.key || ''');` then `select switchboard.acknowledge_dead_letters();`';
      if v_codes ~ '(401|403|unauthori[sz]ed|forbidden)' then
        v_todo := 'A 401/403 means a vendor key is wrong or revoked: check the function secrets. ' || v_todo;
      end if;
    when 'queue_age' then
      v_what := pg_catalog.format('stage `%s` has work waiting %s (alert after %s): %s visible of %s queued, %s/%s workers busy',
        p_incident.key, switchboard.format_duration((d ->> 'oldest_visible_wait_sec')::numeric),
        switchboard.format_duration((d ->> 'alert_after_sec')::numeric),
        d ->> 'visible', d ->> 'depth', d ->> 'workers_busy', d ->> 'max_workers');
      v_todo := 'Check ops.queues (is the function deployed and answering? a vendor down?); `select switchboard.sweep();` wakes it';
    when 'job_stale' then
      v_what := pg_catalog.format('scheduled job `%s` %s', p_incident.key,
        case d ->> 'reason'
          when 'not_scheduled' then 'is not scheduled (not in cron.job)'
          when 'inactive' then 'is inactive (cron.job.active = false)'
          else case when d ->> 'last_success_at' is null
                 then 'has not run since monitoring started'
                 else 'last ran ' || switchboard.format_duration(
                   extract(epoch from p_now - (d ->> 'last_success_at')::timestamptz)::numeric) || ' ago'
               end || ' (expected within ' || switchboard.format_duration((d ->> 'stale_after_sec')::numeric) || ')'
        end);
      v_todo := 'Check ops.cron_health and cron.job_run_details; is the pg_cron scheduler running (select switchboard.health_report())?';
    when 'spend_cap' then
      v_what := pg_catalog.format('the %s is reached for %s: %s of %s calls admitted, $%s of $%s committed, %s waiting in budget_wait',
        case d ->> 'reason' when 'daily_call_cap' then 'daily call cap' else 'daily budget' end,
        p_incident.key, d ->> 'calls_admitted', d ->> 'daily_max_calls', d ->> 'usd_committed',
        d ->> 'daily_budget_usd', d ->> 'waiting');
      v_todo := 'They resume on the next budget day, or raise it: `update switchboard.call_policy set daily_max_calls = …, daily_budget_usd = …;`';
    else
      v_what := p_incident.kind || ' ' || p_incident.key;
  end case;
  if p_event = 'resolved' then
    return pg_catalog.format('%s resolved: %s — cleared after %s. [incident %s]',
      p_label, v_what,
      switchboard.format_duration(extract(epoch from coalesce(p_incident.resolved_at, p_now) - p_incident.opened_at)::numeric),
      p_incident.id);
  end if;
  return pg_catalog.format('%s alert: %s. %s. [incident %s]', p_label, v_what, v_todo, p_incident.id);
end
$$;

-- POSTs {"text": …} to the alert webhook; the pg_net request id (sent after commit).
create function switchboard.send_alert(p_url text, p_text text)
returns bigint
language sql
volatile
security invoker
set search_path = ''
as $$
  select net.http_post(
    url := p_url,
    body := pg_catalog.jsonb_build_object('text', p_text),
    headers := '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds := 5000
  )
$$;

-- Opens an incident for each new condition, updates the ones still open, resolves the ones
-- that cleared, then sends: each open incident not announced yet (one message per incident),
-- an announcement whose POST was answered with no 2xx again (up to max_notify_attempts), and
-- (notify_resolved) each announced incident that resolved. Serialised: two runs at once cannot
-- announce one incident twice. Without a webhook URL, or with alerts off, incidents are kept
-- and announced once a URL is set. Returns what it did.
create function switchboard.evaluate_alerts(p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_policy switchboard.alert_policy;
  v_url text;
  v_incident switchboard.incidents;
  v_opened integer := 0;
  v_resolved integer := 0;
  v_sent integer := 0;
  v_request bigint;
  v_now jsonb;
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('switchboard.evaluate_alerts'));
  select * into v_policy from switchboard.alert_policy;

  select coalesce(pg_catalog.jsonb_agg(pg_catalog.to_jsonb(c)), '[]'::jsonb) into v_now
  from switchboard.alert_conditions(p_now) c;

  update switchboard.incidents i
  set last_seen_at = p_now, details = n.details
  from pg_catalog.jsonb_to_recordset(v_now) as n(kind text, key text, details jsonb)
  where i.resolved_at is null and i.kind = n.kind and i.key = n.key;

  insert into switchboard.incidents (kind, key, opened_at, last_seen_at, details)
  select n.kind, n.key, p_now, p_now, n.details
  from pg_catalog.jsonb_to_recordset(v_now) as n(kind text, key text, details jsonb)
  where not exists (
    select 1 from switchboard.incidents i where i.resolved_at is null and i.kind = n.kind and i.key = n.key);
  get diagnostics v_opened = row_count;

  update switchboard.incidents i
  set resolved_at = greatest(p_now, i.opened_at)
  where i.resolved_at is null
    and not exists (
      select 1 from pg_catalog.jsonb_to_recordset(v_now) as n(kind text, key text)
      where n.kind = i.kind and n.key = i.key);
  get diagnostics v_resolved = row_count;

  v_url := switchboard.read_secret('switchboard_alert_webhook_url');
  if v_url is not null and v_policy.enabled then
    for v_incident in
      select i.* from switchboard.incidents i
      where i.resolved_at is null
        and (i.notified_at is null
          or (i.notify_attempts < v_policy.max_notify_attempts and exists (
                select 1 from net._http_response r
                where r.id = i.notify_request_id
                  and (r.status_code is null or r.status_code not between 200 and 299))))
      order by i.id
      limit 50
    loop
      v_request := switchboard.send_alert(v_url, switchboard.alert_text(v_incident, 'opened', v_policy.label, p_now));
      update switchboard.incidents i
      set notified_at = p_now, notify_request_id = v_request, notify_attempts = i.notify_attempts + 1
      where i.id = v_incident.id;
      v_sent := v_sent + 1;
    end loop;

    if v_policy.notify_resolved then
      for v_incident in
        select i.* from switchboard.incidents i
        where i.resolved_at is not null and i.notified_at is not null and i.resolution_notified_at is null
        order by i.id
        limit 50
      loop
        perform switchboard.send_alert(v_url, switchboard.alert_text(v_incident, 'resolved', v_policy.label, p_now));
        update switchboard.incidents i set resolution_notified_at = p_now where i.id = v_incident.id;
        v_sent := v_sent + 1;
      end loop;
    end if;
  end if;

  -- Incidents are history: kept 90 days after they resolve.
  delete from switchboard.incidents i where i.resolved_at < p_now - interval '90 days';

  return pg_catalog.jsonb_build_object(
    'opened', v_opened,
    'resolved', v_resolved,
    'sent', v_sent,
    'open', (select pg_catalog.count(*) from switchboard.incidents i where i.resolved_at is null),
    'webhook_configured', v_url is not null,
    'enabled', v_policy.enabled);
end
$$;
comment on function switchboard.evaluate_alerts is
  'Opens/resolves incidents from alert_conditions(p_now) and POSTs each new incident once to the Vault secret switchboard_alert_webhook_url (pg_cron: switchboard-alerts, every minute).';

select cron.schedule('switchboard-alerts', '* * * * *', 'select switchboard.evaluate_alerts()');

------------------------------------------------------------------------------------------------
-- The stats document
------------------------------------------------------------------------------------------------

-- Everything the ops views show, as one JSON document as of p_now (Studio, the stats function
-- and `deno task status` read the same figures). Ids, names, counts, codes, times: no content.
create function switchboard.stats(p_now timestamptz default now())
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_health jsonb := switchboard.health_report(p_now);
  v_day date := switchboard.budget_day(p_now);
  v_month date := pg_catalog.date_trunc('month', switchboard.budget_day(p_now))::date;
  v_pipeline jsonb;
  v_queues jsonb;
  v_dead jsonb;
  v_latency jsonb;
  v_spend jsonb;
  v_notion jsonb;
  v_cron jsonb;
  v_incidents jsonb;
begin
  -- Stages in pipeline order: each kind's first stage (no stage leads to it), then its next ones.
  with recursive chain as (
    select s.name, s.subject_kind, s.next_stage, 1 as pos
    from switchboard.stages s
    where not exists (select 1 from switchboard.stages p where p.next_stage = s.name)
    union all
    select s.name, s.subject_kind, s.next_stage, c.pos + 1
    from chain c join switchboard.stages s on s.name = c.next_stage
    where c.pos < 50
  ),
  ordered as (
    select c.name, c.subject_kind, min(c.pos) as pos from chain c group by c.name, c.subject_kind
  ),
  counts as (
    select w.stage,
      pg_catalog.count(*) filter (where w.status = 'pending' and w.waiting_for is null and w.run_after <= p_now) as pending,
      pg_catalog.count(*) filter (where w.status = 'running') as running,
      pg_catalog.count(*) filter (where w.status = 'pending' and (w.waiting_for is not null or w.run_after > p_now)) as waiting,
      pg_catalog.count(*) filter (where w.status = 'pending' and w.waiting_for is null and w.run_after > p_now and w.last_error is not null) as retrying,
      pg_catalog.count(*) filter (where w.status = 'pending' and w.waiting_for = 'budget_wait') as budget_wait,
      pg_catalog.count(*) filter (where w.status = 'failed') as failed,
      pg_catalog.count(*) filter (where w.status = 'done') as done
    from switchboard.work_items w
    group by w.stage
  )
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'kind', coalesce(o.subject_kind, s.subject_kind),
      'stage', s.name,
      'enabled', s.enabled,
      'pending', coalesce(c.pending, 0),
      'running', coalesce(c.running, 0),
      'waiting', coalesce(c.waiting, 0),
      'retrying', coalesce(c.retrying, 0),
      'budget_wait', coalesce(c.budget_wait, 0),
      'failed', coalesce(c.failed, 0),
      'done', coalesce(c.done, 0))
    order by coalesce(o.subject_kind, s.subject_kind), o.pos nulls last, s.name), '[]'::jsonb)
  into v_pipeline
  from switchboard.stages s
  left join ordered o on o.name = s.name
  left join counts c on c.stage = s.name;

  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'stage', q.stage, 'enabled', q.enabled, 'queue', q.queue_name, 'depth', q.depth,
      'visible', q.visible, 'oldest_visible_wait_sec', q.oldest_visible_wait_sec,
      'oldest_message_age_sec', q.oldest_message_age_sec, 'alert_after_sec', q.alert_after_sec,
      'workers_busy', q.workers_busy, 'max_workers', q.max_workers, 'ok', q.ok)
    order by q.stage), '[]'::jsonb)
  into v_queues
  from switchboard.stage_status(p_now) q;

  select switchboard.dead_letter_status() || pg_catalog.jsonb_build_object(
    'by_stage', coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
          'stage', g.stage, 'error_code', g.error_code, 'open', g.n, 'last_failed_at', g.last_at)
        order by g.stage, g.error_code)
      from (
        select d.stage, d.error_code, pg_catalog.count(*) as n, max(d.failed_at) as last_at
        from switchboard.dead_letters d where d.replayed_at is null
        group by d.stage, d.error_code
      ) g), '[]'::jsonb))
  into v_dead;

  -- As ops.stage_latency, with p_now for the windows.
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'stage', l.stage, 'window', l.window_name, 'completed', l.completed,
      'processing_ms', pg_catalog.jsonb_build_object('p50', l.p50, 'p95', l.p95, 'p99', l.p99),
      'ready_to_done_ms', pg_catalog.jsonb_build_object('p50', l.r50, 'p95', l.r95, 'p99', l.r99))
    order by l.stage, l.window_name), '[]'::jsonb)
  into v_latency
  from (
    select a.stage, win.name as window_name, pg_catalog.count(*) as completed,
      round((percentile_cont(0.5) within group (order by extract(epoch from a.finished_at - a.started_at)))::numeric * 1000, 1) as p50,
      round((percentile_cont(0.95) within group (order by extract(epoch from a.finished_at - a.started_at)))::numeric * 1000, 1) as p95,
      round((percentile_cont(0.99) within group (order by extract(epoch from a.finished_at - a.started_at)))::numeric * 1000, 1) as p99,
      round((percentile_cont(0.5) within group (order by extract(epoch from a.finished_at - a.ready_at)))::numeric * 1000, 1) as r50,
      round((percentile_cont(0.95) within group (order by extract(epoch from a.finished_at - a.ready_at)))::numeric * 1000, 1) as r95,
      round((percentile_cont(0.99) within group (order by extract(epoch from a.finished_at - a.ready_at)))::numeric * 1000, 1) as r99
    from switchboard.stage_attempts a
    join (values ('last_hour', interval '1 hour'), ('last_day', interval '1 day')) as win(name, span)
      on a.finished_at > p_now - win.span and a.finished_at <= p_now
    where a.outcome = 'completed'
    group by a.stage, win.name
  ) l;

  select pg_catalog.jsonb_build_object(
    'today', (
      select pg_catalog.jsonb_build_object(
        'day', v_day,
        'calls_admitted', coalesce(sd.calls_admitted, 0),
        'daily_max_calls', p.daily_max_calls,
        'usd_committed', pg_catalog.round(coalesce(sd.usd_committed, 0), 4),
        'daily_budget_usd', p.daily_budget_usd,
        'settled_usd', pg_catalog.round(coalesce((select sum(l.actual_usd) from switchboard.spend_ledger l
          where l.day = v_day and l.status = 'settled'), 0), 4),
        'reserved_usd', pg_catalog.round(coalesce((select sum(l.estimate_usd) from switchboard.spend_ledger l
          where l.day = v_day and l.status = 'reserved'), 0), 4),
        'budget_wait', (select pg_catalog.count(*) from switchboard.work_items w
          where w.status = 'pending' and w.waiting_for = 'budget_wait'),
        'cap_reached', coalesce(sd.calls_admitted, 0) >= p.daily_max_calls
          or coalesce(sd.usd_committed, 0) >= p.daily_budget_usd)
      from switchboard.call_policy p
      left join switchboard.spend_days sd on sd.day = v_day),
    'month', pg_catalog.jsonb_build_object(
      'month', v_month,
      'settled_usd', pg_catalog.round(coalesce((select sum(l.actual_usd) from switchboard.spend_ledger l
        where l.day >= v_month and l.day < (v_month + interval '1 month')::date and l.status = 'settled'), 0), 4),
      'reserved_usd', pg_catalog.round(coalesce((select sum(l.estimate_usd) from switchboard.spend_ledger l
        where l.day >= v_month and l.day < (v_month + interval '1 month')::date and l.status = 'reserved'), 0), 4),
      'calls', (select pg_catalog.count(distinct l.call_id) from switchboard.spend_ledger l
        where l.day >= v_month and l.day < (v_month + interval '1 month')::date),
      'by_vendor', coalesce((select pg_catalog.jsonb_object_agg(v.vendor, v.usd) from (
        select l.vendor, pg_catalog.round(sum(l.actual_usd), 4) as usd from switchboard.spend_ledger l
        where l.day >= v_month and l.day < (v_month + interval '1 month')::date and l.status = 'settled'
        group by l.vendor) v), '{}'::jsonb)))
  into v_spend;

  select pg_catalog.jsonb_build_object(
    'call_pages', (
      select pg_catalog.jsonb_build_object(
        'published', pg_catalog.count(*) filter (where p.page_id is not null),
        'not_created', pg_catalog.count(*) filter (where p.page_id is null),
        'by_state', coalesce((select pg_catalog.jsonb_object_agg(s.state, s.n) from (
          select v.state, pg_catalog.count(*) as n from ops.notion_call_pages v group by v.state) s), '{}'::jsonb),
        'requests', coalesce(sum(p.requests), 0))
      from switchboard.notion_call_pages p),
    'conversation_pages', (select pg_catalog.count(*) from switchboard.notion_conversations c where c.page_id is not null),
    'messages_published', (select pg_catalog.count(*) from switchboard.notion_conversation_messages m where m.published_at is not null),
    'messages_waiting', (select pg_catalog.count(*) from switchboard.notion_conversation_messages m where m.published_at is null))
  into v_notion;

  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
      'job', j.jobname, 'schedule', j.schedule, 'active', j.active, 'monitored', j.monitored,
      'last_success_at', j.last_success_at, 'last_failure_at', j.last_failure_at,
      'last_heartbeat_at', j.last_heartbeat_at, 'fresh_at', j.fresh_at,
      'stale_after_sec', j.stale_after_sec, 'ok', not j.stale, 'reason', j.reason)
    order by j.jobname), '[]'::jsonb)
  into v_cron
  from switchboard.job_status(p_now) j;

  select pg_catalog.jsonb_build_object(
    'webhook_configured', switchboard.read_secret('switchboard_alert_webhook_url') is not null,
    'open', coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
        'id', i.id, 'kind', i.kind, 'key', i.key, 'opened_at', i.opened_at,
        'last_seen_at', i.last_seen_at, 'notified_at', i.notified_at) order by i.id), '[]'::jsonb))
  into v_incidents
  from switchboard.incidents i
  where i.resolved_at is null;

  return pg_catalog.jsonb_build_object(
    'generated_at', p_now,
    'ok', (v_health ->> 'ok')::boolean,
    'health', (
      select pg_catalog.jsonb_object_agg(h.key, (h.value ->> 'ok')::boolean)
      from pg_catalog.jsonb_each(v_health) h
      where pg_catalog.jsonb_typeof(h.value) = 'object'),
    'pipeline', v_pipeline,
    'queues', v_queues,
    'dead_letters', v_dead,
    'latency', v_latency,
    'spend', v_spend,
    'notion', v_notion,
    'cron', v_cron,
    'incidents', v_incidents);
end
$$;
comment on function switchboard.stats is
  'The ops views'' figures as one JSON document as of p_now (the stats function, deno task status).';

------------------------------------------------------------------------------------------------
-- Studio
------------------------------------------------------------------------------------------------

create view ops.incidents with (security_invoker = true) as
select i.id, i.kind, i.key, case when i.resolved_at is null then 'open' else 'resolved' end as state,
  i.opened_at, i.last_seen_at, i.resolved_at, i.notified_at, i.notify_attempts,
  i.resolution_notified_at, i.details
from switchboard.incidents i
order by i.resolved_at is null desc, i.id desc;
comment on view ops.incidents is
  'Alert incidents (open first): when each opened, was announced and resolved, with ids, counts and codes.';

create view ops.scheduled_jobs with (security_invoker = true) as
select * from switchboard.job_status(now());
comment on view ops.scheduled_jobs is
  'Watched pg_cron jobs: last success or heartbeat, stale or not and why (thresholds in switchboard.scheduled_jobs).';

create view ops.stats with (security_invoker = true) as
select switchboard.stats(now()) as stats;
comment on view ops.stats is 'switchboard.stats(): the whole picture as one JSON document.';
