-- The mirror's upserts never go back in time; a page seen alive is alive; the full pass's sweep
-- marks unseen rows (trashed or deleted in Notion, or of another data source) as gone.
begin;
select plan(14);

select is(switchboard.upsert_contacts('ds1', $$[
  {"page_id": "p1", "name": "Ada", "phones": ["+15550105001"], "emails": ["ada@example.com"], "company": "AE",
   "openphone_id": "", "last_edited_time": "2026-11-29T10:05:00Z", "in_trash": false},
  {"page_id": "p2", "name": "Bob", "phones": ["+15550105002"], "last_edited_time": "2026-11-29T10:05:00Z", "in_trash": false},
  {"page_id": "p3", "name": "Cy", "phones": [], "last_edited_time": "2026-11-29T10:05:00Z", "in_trash": false}
]$$::jsonb, '2026-11-29T10:06:00Z'), 3, 'three contacts mirrored');
select is((select row(name, phones, emails, company, openphone_id, in_trash)::text from switchboard.contacts where page_id = 'p1'),
  row('Ada', '{+15550105001}'::text[], '{ada@example.com}'::text[], 'AE', null::text, false)::text, 'fields as given; empty text is null');

select switchboard.upsert_contacts('ds1', '[{"page_id": "p1", "name": "Ada Old", "phones": ["+15550105009"], "last_edited_time": "2026-11-29T10:00:00Z"}]',
  '2026-11-29T10:07:00Z');
select is((select name || ' ' || phones::text from switchboard.contacts where page_id = 'p1'), 'Ada {+15550105001}',
  'an older edit changes nothing');
select switchboard.upsert_contacts('ds1', '[{"page_id": "p1", "name": "Ada L.", "phones": ["+15550105001", "+15550105011"], "last_edited_time": "2026-11-29T10:05:00Z"}]',
  '2026-11-29T10:08:00Z');
select is((select name || ' ' || phones::text from switchboard.contacts where page_id = 'p1'), 'Ada L. {+15550105001,+15550105011}',
  'an edit within the same minute (Notion''s precision) applies');

-- A full pass started at 11:00 saw p1 only (p2 was trashed, p3 deleted in Notion).
select switchboard.upsert_contacts('ds1', '[{"page_id": "p1", "name": "Ada L.", "phones": ["+15550105001", "+15550105011"], "last_edited_time": "2026-11-29T10:05:00Z"}]',
  '2026-11-29T11:00:30Z');
select is(switchboard.sweep_contacts('ds1', '2026-11-29T11:00:00Z', '2026-11-29T11:01:00Z'), 2, 'the sweep marks the two unseen rows');
select is((select array_agg(page_id order by page_id) from switchboard.contacts where in_trash), '{p2,p3}', '… as in_trash');
select is((select removed_at from switchboard.contacts where page_id = 'p2'), '2026-11-29T11:01:00Z'::timestamptz, '… with when it was noticed');
select is(switchboard.match_contact('+15550105002', '2026-11-29T11:02:00Z') ->> 'status', 'lookup_needed', 'a trashed contact no longer matches');
select is(switchboard.sweep_contacts('ds1', '2026-11-29T11:00:00Z', '2026-11-29T11:05:00Z'), 0, 'sweeping again changes nothing');

select switchboard.upsert_contacts('ds1', '[{"page_id": "p2", "name": "Bob", "phones": ["+15550105002"], "last_edited_time": "2026-11-29T11:10:00Z"}]',
  '2026-11-29T11:12:00Z');
select is((select (not in_trash and removed_at is null)::text from switchboard.contacts where page_id = 'p2'), 'true',
  'a page restored from the trash comes back');

select is(switchboard.sweep_contacts('ds2', '2026-11-29T11:00:00Z', '2026-11-29T12:00:00Z'), 2,
  'a new Contacts data source: rows of the old one are gone');

select is(
  (select schedule || ' ' || command from cron.job where jobname = 'switchboard-notion-contacts-sync'),
  $$*/3 * * * * select switchboard.invoke_function('notion-contacts-sync', '{}'::jsonb, 5000)$$,
  'the sync runs every 3 minutes on pg_cron');
select is((select row(lookup_interval, full_sync_interval, create_unknown_contacts)::text from switchboard.contacts_settings),
  row(interval '1 hour', interval '1 day', false)::text, 'defaults: one lookup per number per hour, a daily full pass, no new pages');

select switchboard.save_cursor('notion_contacts', 'ds2', '{"since": "2026-11-29T11:00:00Z", "lastFullAt": "2026-11-29T11:01:00Z", "full": null}');
select is((select row(contacts, removed, last_full_pass_at, full_pass_running)::text from ops.contacts_mirror where data_source_id = 'ds2'),
  row(0::bigint, 0::bigint, '2026-11-29T11:01:00Z'::timestamptz, false)::text, 'ops.contacts_mirror shows the mirror per data source');

select * from finish();
rollback;
