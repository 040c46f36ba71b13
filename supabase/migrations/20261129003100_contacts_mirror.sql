-- The contacts mirror: the Notion Contacts ("Canvas") data source copied into Postgres, so that
-- matching a call or message to its contact needs no Notion request.
--
--   switchboard.contacts          one row per Notion page: phones in E.164 (several), emails
--                                 lower-cased, company, OpenPhone ids; in_trash once Notion
--                                 trashed or deleted it (noticed by the full pass).
--   switchboard.contact_lookups   one row per number that missed the mirror: the Notion fallback
--                                 query runs at most once per number per lookup_interval.
--   switchboard.openphone_contacts  OpenPhone's own contacts, from contact.updated/.deleted events
--                                 (switchboard.contact_events): the name OpenPhone knows, and the
--                                 link from a mirror row to its OpenPhone contact.
--   switchboard.contacts_settings one row: lookup interval, full-pass interval, whether unknown
--                                 callers get a new contact page (off by default).
--
-- The notion-contacts-sync function (pg_cron, every 3 minutes) applies pending contact events,
-- then runs either an incremental pass (pages edited since the watermark in
-- switchboard.sync_cursors, source 'notion_contacts') or, every full_sync_interval, a full pass
-- that re-reads every page and marks the rows it did not see as gone (trashed or deleted).
-- Notion is the source of truth for the pages; OpenPhone events only link and name.

create table switchboard.contacts_settings (
  id boolean primary key default true check (id),
  -- A number that missed the mirror is looked up in Notion at most once per this interval.
  lookup_interval interval not null default interval '1 hour' check (lookup_interval >= interval '0'),
  -- How often the sync re-reads every page to notice trashed and deleted ones.
  full_sync_interval interval not null default interval '1 day' check (full_sync_interval >= interval '0'),
  -- Unknown caller: create a Notion contact page with the number and the name OpenPhone knows.
  create_unknown_contacts boolean not null default false,
  updated_at timestamptz not null default now()
);
alter table switchboard.contacts_settings enable row level security;
insert into switchboard.contacts_settings default values;
comment on table switchboard.contacts_settings is
  'Contact matching: lookup_interval (Notion fallback per number), full_sync_interval (trash sweep), create_unknown_contacts (off by default).';

create table switchboard.contacts (
  -- The Notion page id (UUID with dashes, as the API answers it).
  page_id text primary key,
  data_source_id text not null,
  name text,
  -- E.164, the Phone property and every number in Other Phones; several contacts may share one.
  phones text[] not null default '{}',
  -- Lower-cased.
  emails text[] not null default '{}',
  company text,
  -- The page's own "OpenPhone ID" property.
  openphone_id text,
  -- Linked from OpenPhone's contact events (a contact sharing a phone), when the page has none.
  openphone_linked_id text,
  -- Notion's last_edited_time (minute precision): updates never go backwards.
  last_edited_time timestamptz not null,
  -- Trashed in Notion, or gone (deleted, no longer shared): noticed by a pass.
  in_trash boolean not null default false,
  removed_at timestamptz,
  -- Last time Notion showed the page alive (the full pass sweeps rows it did not see).
  seen_at timestamptz not null,
  synced_at timestamptz not null,
  created_at timestamptz not null default now()
);
alter table switchboard.contacts enable row level security;
create index contacts_phones_idx on switchboard.contacts using gin (phones) where not in_trash;
create index contacts_emails_idx on switchboard.contacts using gin (emails) where not in_trash;
create index contacts_openphone_idx on switchboard.contacts (coalesce(openphone_id, openphone_linked_id))
  where not in_trash;
create index contacts_sweep_idx on switchboard.contacts (data_source_id, seen_at) where not in_trash;
comment on table switchboard.contacts is
  'Mirror of the Notion Contacts (Canvas) data source; match with switchboard.match_contact(phone, now).';

create table switchboard.contact_lookups (
  phone_e164 text primary key,
  -- When the last Notion lookup for this number was claimed (match_contact answered lookup_needed).
  looked_up_at timestamptz not null,
  outcome text not null default 'pending' check (outcome in ('pending', 'found', 'missing', 'failed', 'created')),
  page_ids text[] not null default '{}',
  lookups integer not null default 1,
  updated_at timestamptz not null
);
alter table switchboard.contact_lookups enable row level security;
comment on table switchboard.contact_lookups is
  'Numbers that missed the contacts mirror: the Notion fallback runs at most once per number per contacts_settings.lookup_interval.';

create table switchboard.openphone_contacts (
  id text primary key,
  name text,
  company text,
  phones text[] not null default '{}',
  emails text[] not null default '{}',
  deleted boolean not null default false,
  -- Provider time of the event that last set this row: older events change nothing.
  event_created_at timestamptz,
  updated_at timestamptz not null
);
alter table switchboard.openphone_contacts enable row level security;
create index openphone_contacts_phones_idx on switchboard.openphone_contacts using gin (phones) where not deleted;
comment on table switchboard.openphone_contacts is
  'OpenPhone contacts from contact.updated/contact.deleted events: names and links for the Notion mirror.';

-- Upserts pages read from Notion. p_contacts: [{page_id, name, phones, emails, company,
-- openphone_id, last_edited_time, in_trash}] (mapped and normalised by the caller). A page seen
-- alive is alive (a restored page comes back); its fields change only when its last_edited_time is
-- not older than the mirror's. A new row is linked to the OpenPhone contact sharing its phones.
-- Returns the number of rows inserted or changed.
create function switchboard.upsert_contacts(
  p_data_source_id text,
  p_contacts jsonb,
  p_now timestamptz default now()
)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_count integer;
begin
  with input as (
    select distinct on (x.page_id) x.*
    from jsonb_to_recordset(p_contacts) as x(
      page_id text, name text, phones text[], emails text[], company text, openphone_id text,
      last_edited_time timestamptz, in_trash boolean)
    where x.page_id is not null and x.last_edited_time is not null
    order by x.page_id, x.last_edited_time desc
  ),
  upserted as (
    insert into switchboard.contacts as c (
      page_id, data_source_id, name, phones, emails, company, openphone_id, openphone_linked_id,
      last_edited_time, in_trash, removed_at, seen_at, synced_at)
    select i.page_id, p_data_source_id, nullif(i.name, ''), coalesce(i.phones, '{}'),
      coalesce(i.emails, '{}'), nullif(i.company, ''), nullif(i.openphone_id, ''),
      (select o.id from switchboard.openphone_contacts o
       where not o.deleted and o.phones && coalesce(i.phones, '{}')
       order by o.updated_at desc, o.id limit 1),
      i.last_edited_time, coalesce(i.in_trash, false),
      case when coalesce(i.in_trash, false) then p_now end,
      case when coalesce(i.in_trash, false) then '-infinity'::timestamptz else p_now end, p_now
    from input i
    on conflict (page_id) do update set
      data_source_id = excluded.data_source_id,
      name = case when excluded.last_edited_time >= c.last_edited_time then excluded.name else c.name end,
      phones = case when excluded.last_edited_time >= c.last_edited_time then excluded.phones else c.phones end,
      emails = case when excluded.last_edited_time >= c.last_edited_time then excluded.emails else c.emails end,
      company = case when excluded.last_edited_time >= c.last_edited_time then excluded.company else c.company end,
      openphone_id = case when excluded.last_edited_time >= c.last_edited_time then excluded.openphone_id else c.openphone_id end,
      openphone_linked_id = coalesce(c.openphone_linked_id, excluded.openphone_linked_id),
      last_edited_time = greatest(c.last_edited_time, excluded.last_edited_time),
      in_trash = case when excluded.in_trash then excluded.last_edited_time >= c.last_edited_time or c.in_trash else false end,
      removed_at = case
        when not excluded.in_trash then null
        when c.in_trash then c.removed_at
        when excluded.last_edited_time >= c.last_edited_time then p_now
        else null end,
      seen_at = case when excluded.in_trash then c.seen_at else p_now end,
      synced_at = p_now
    where (c.name, c.phones, c.emails, c.company, c.openphone_id, c.last_edited_time, c.in_trash, c.data_source_id)
      is distinct from (excluded.name, excluded.phones, excluded.emails, excluded.company, excluded.openphone_id,
        excluded.last_edited_time, excluded.in_trash, excluded.data_source_id)
      or (not excluded.in_trash and c.seen_at < p_now)
    returning 1
  )
  select count(*) into v_count from upserted;
  return v_count;
end
$$;

-- The end of a full pass that read every page of p_data_source_id since p_pass_started_at:
-- rows it did not see (trashed, deleted, or no longer shared with the integration) and rows of
-- another data source are marked gone. Returns how many.
create function switchboard.sweep_contacts(
  p_data_source_id text,
  p_pass_started_at timestamptz,
  p_now timestamptz default now()
)
returns integer
language sql
volatile
security invoker
set search_path = ''
as $$
  with gone as (
    update switchboard.contacts c
    set in_trash = true, removed_at = p_now, synced_at = p_now
    where not c.in_trash
      and (c.data_source_id <> p_data_source_id or c.seen_at < p_pass_started_at)
    returning 1
  )
  select count(*)::integer from gone
$$;

-- Matches one E.164 number against the mirror, without Notion:
--   {"status": "matched",   "page_id": …, "candidates": [{"page_id", "name"}]}   one live contact
--   {"status": "ambiguous", "page_id": null, "candidates": [… every one, by name]}  nothing guessed
--   {"status": "lookup_needed", "page_id": null, "candidates": []}  a miss whose Notion lookup is
--       due: the caller makes ONE query and records it (record_contact_lookup); this answer is
--       given once per number per contacts_settings.lookup_interval (the claim is made here)
--   {"status": "unknown", …}  a miss looked up recently (or a value that is not E.164)
create function switchboard.match_contact(p_phone_e164 text, p_now timestamptz default now())
returns jsonb
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_candidates jsonb;
  v_count integer;
  v_interval interval;
  v_claimed boolean;
begin
  if p_phone_e164 is null or p_phone_e164 !~ '^\+[1-9][0-9]{1,14}$' then
    return jsonb_build_object('status', 'unknown', 'page_id', null, 'candidates', '[]'::jsonb);
  end if;

  select count(*)::integer,
    coalesce(jsonb_agg(jsonb_build_object('page_id', c.page_id, 'name', c.name)
      order by c.name nulls last, c.page_id), '[]'::jsonb)
  into v_count, v_candidates
  from switchboard.contacts c
  where c.phones @> array[p_phone_e164] and not c.in_trash;

  if v_count = 1 then
    return jsonb_build_object('status', 'matched', 'page_id', v_candidates -> 0 ->> 'page_id',
      'candidates', v_candidates);
  elsif v_count > 1 then
    return jsonb_build_object('status', 'ambiguous', 'page_id', null, 'candidates', v_candidates);
  end if;

  select s.lookup_interval into v_interval from switchboard.contacts_settings s;
  v_interval := coalesce(v_interval, interval '1 hour');
  insert into switchboard.contact_lookups as l (phone_e164, looked_up_at, outcome, updated_at)
  values (p_phone_e164, p_now, 'pending', p_now)
  on conflict (phone_e164) do update
    set looked_up_at = p_now, outcome = 'pending', page_ids = '{}', lookups = l.lookups + 1,
        updated_at = p_now
    where l.looked_up_at <= p_now - v_interval
  returning true into v_claimed;

  return jsonb_build_object('status', case when v_claimed then 'lookup_needed' else 'unknown' end,
    'page_id', null, 'candidates', '[]'::jsonb);
end
$$;

-- The outcome of the Notion lookup that match_contact asked for: p_page_ids found (they were
-- upserted into the mirror already), or none. p_outcome 'created' when an unknown caller got a
-- new contact page.
create function switchboard.record_contact_lookup(
  p_phone_e164 text,
  p_page_ids text[],
  p_now timestamptz default now(),
  p_outcome text default null
)
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  update switchboard.contact_lookups
  set outcome = coalesce(p_outcome, case when cardinality(coalesce(p_page_ids, '{}')) > 0 then 'found' else 'missing' end),
      page_ids = coalesce(p_page_ids, '{}'),
      updated_at = p_now
  where phone_e164 = p_phone_e164
$$;

-- The lookup claimed at p_claimed_at failed (Notion unreachable …): the number may be looked up
-- again at once, instead of staying unknown for an hour.
create function switchboard.release_contact_lookup(
  p_phone_e164 text,
  p_claimed_at timestamptz,
  p_now timestamptz default now()
)
returns void
language sql
volatile
security invoker
set search_path = ''
as $$
  update switchboard.contact_lookups
  set looked_up_at = '-infinity', outcome = 'failed', updated_at = p_now
  where phone_e164 = p_phone_e164 and looked_up_at = p_claimed_at and outcome = 'pending'
$$;

-- Applies OpenPhone contact events (read from switchboard.contact_events, phones normalised by
-- the caller). p_events: [{id, external_contact_id, event_type, name, company, phones, emails,
-- event_created_at}]. Per OpenPhone contact, an older event than the one applied changes nothing.
--   contact.updated: the OpenPhone contact is kept (name, phones) and linked to the mirror rows
--     that share one of its phones and have no OpenPhone id of their own;
--   contact.deleted: it is marked deleted and those links are removed.
-- Notion pages are never changed by OpenPhone events. Each event is marked processed. Returns how
-- many events were applied.
create function switchboard.apply_contact_events(p_events jsonb, p_now timestamptz default now())
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_event record;
  v_applied integer := 0;
  v_row_count integer;
begin
  for v_event in
    select x.*
    from jsonb_to_recordset(p_events) as x(
      id bigint, external_contact_id text, event_type text, name text, company text,
      phones text[], emails text[], event_created_at timestamptz)
    join switchboard.contact_events e on e.id = x.id and e.processed_at is null
    order by x.event_created_at nulls first, x.id
  loop
    insert into switchboard.openphone_contacts as o (
      id, name, company, phones, emails, deleted, event_created_at, updated_at)
    values (v_event.external_contact_id, nullif(v_event.name, ''), nullif(v_event.company, ''),
      case when v_event.event_type = 'contact.deleted' then '{}' else coalesce(v_event.phones, '{}') end,
      case when v_event.event_type = 'contact.deleted' then '{}' else coalesce(v_event.emails, '{}') end,
      v_event.event_type = 'contact.deleted', v_event.event_created_at, p_now)
    on conflict (id) do update set
      name = case when excluded.deleted then o.name else excluded.name end,
      company = case when excluded.deleted then o.company else excluded.company end,
      phones = excluded.phones,
      emails = excluded.emails,
      deleted = excluded.deleted,
      event_created_at = excluded.event_created_at,
      updated_at = p_now
    where o.event_created_at is null or excluded.event_created_at is null
      or excluded.event_created_at >= o.event_created_at;
    get diagnostics v_row_count = row_count;

    if v_row_count > 0 then
      v_applied := v_applied + 1;
      -- Links follow the contact's current phones: dropped where they no longer apply.
      update switchboard.contacts c
      set openphone_linked_id = null, synced_at = p_now
      where c.openphone_linked_id = v_event.external_contact_id
        and (v_event.event_type = 'contact.deleted'
             or not (c.phones && coalesce(v_event.phones, '{}')));
      if v_event.event_type = 'contact.updated' then
        update switchboard.contacts c
        set openphone_linked_id = v_event.external_contact_id, synced_at = p_now
        where not c.in_trash and c.openphone_id is null and c.openphone_linked_id is null
          and c.phones && coalesce(v_event.phones, '{}');
      end if;
    end if;

    update switchboard.contact_events set processed_at = p_now where id = v_event.id;
  end loop;
  return v_applied;
end
$$;

-- The name OpenPhone knows for a number (for a new contact page), or null.
create function switchboard.openphone_contact_name(p_phone_e164 text)
returns text
language sql
stable
security invoker
set search_path = ''
as $$
  select o.name from switchboard.openphone_contacts o
  where not o.deleted and o.phones @> array[p_phone_e164] and o.name is not null
  order by o.event_created_at desc nulls last, o.id
  limit 1
$$;

-- For Studio: the mirror at a glance (one row per Contacts data source synced).
create view ops.contacts_mirror with (security_invoker = true) as
select
  c.scope as data_source_id,
  (select count(*) from switchboard.contacts m where m.data_source_id = c.scope and not m.in_trash) as contacts,
  (select count(*) from switchboard.contacts m where m.data_source_id = c.scope and m.in_trash) as removed,
  (select count(*) from (
     select p from switchboard.contacts m, unnest(m.phones) p
     where m.data_source_id = c.scope and not m.in_trash group by p having count(*) > 1) s) as shared_numbers,
  (select count(*) from switchboard.contact_events e where e.processed_at is null) as pending_events,
  (select count(*) from switchboard.contact_lookups l where l.updated_at > now() - interval '1 hour') as lookups_last_hour,
  (c.cursor ->> 'since')::timestamptz as edited_since,
  (c.cursor ->> 'lastFullAt')::timestamptz as last_full_pass_at,
  c.cursor -> 'full' is not null and c.cursor -> 'full' <> 'null'::jsonb as full_pass_running,
  c.updated_at as last_run_at
from switchboard.sync_cursors c
where c.source = 'notion_contacts';
comment on view ops.contacts_mirror is
  'Contacts mirror: live and removed contacts, numbers shared by several (ambiguous), pending OpenPhone events, Notion lookups in the last hour, sync watermark and last full pass.';

-- Every 3 minutes: pending contact events, then an incremental pass (or the periodic full pass).
select cron.schedule(
  'switchboard-notion-contacts-sync',
  '*/3 * * * *',
  $$select switchboard.invoke_function('notion-contacts-sync', '{}'::jsonb, 5000)$$
);
