-- OpenPhone contact events feed the mirror's links and names, never its Notion fields; older
-- events change nothing; deleted unlinks; every event is marked processed.
begin;
select plan(8);

select switchboard.upsert_contacts('ds1', $$[
  {"page_id": "p1", "name": "Ada", "phones": ["+15550106001"], "last_edited_time": "2026-11-29T10:00:00Z"},
  {"page_id": "p2", "name": "Bob", "phones": ["+15550106002"], "openphone_id": "CTown", "last_edited_time": "2026-11-29T10:00:00Z"}
]$$::jsonb, '2026-11-29T10:01:00Z');

insert into switchboard.contact_events (external_contact_id, event_type, contact, event_created_at, received_at) values
  ('CT1', 'contact.updated', '{}', '2026-11-29T10:00:00Z', now()),
  ('CT2', 'contact.updated', '{}', '2026-11-29T10:00:00Z', now());
create temp table ev as select id, external_contact_id from switchboard.contact_events where external_contact_id in ('CT1', 'CT2');

select is(switchboard.apply_contact_events((select jsonb_agg(jsonb_build_object(
    'id', id, 'external_contact_id', external_contact_id, 'event_type', 'contact.updated',
    'name', case external_contact_id when 'CT1' then 'Ada Lovelace' else 'Robert' end,
    'phones', case external_contact_id when 'CT1' then '["+15550106001"]'::jsonb else '["+15550106002"]'::jsonb end,
    'event_created_at', '2026-11-29T10:00:00Z')) from ev), '2026-11-29T10:02:00Z'), 2, 'two events applied');
select is((select openphone_linked_id from switchboard.contacts where page_id = 'p1'), 'CT1', 'a contact sharing a phone is linked');
select is((select openphone_linked_id from switchboard.contacts where page_id = 'p2'), null, 'a page with its own OpenPhone ID is left alone');
select is((select name from switchboard.contacts where page_id = 'p1'), 'Ada', 'Notion''s name stays (Notion is the source of truth)');
select is(switchboard.openphone_contact_name('+15550106001'), 'Ada Lovelace', 'the name OpenPhone knows, for a new page');
select is((select count(*)::int from switchboard.contact_events where id in (select id from ev) and processed_at is null), 0, 'events marked processed');

insert into switchboard.contact_events (external_contact_id, event_type, contact, event_created_at, received_at) values
  ('CT1', 'contact.updated', '{}', '2026-11-29T09:00:00Z', now()),
  ('CT1', 'contact.deleted', '{}', '2026-11-29T11:00:00Z', now());
select switchboard.apply_contact_events((select jsonb_agg(jsonb_build_object(
    'id', id, 'external_contact_id', external_contact_id, 'event_type', event_type,
    'name', 'Stale', 'phones', '["+15550106001"]'::jsonb, 'event_created_at', event_created_at) order by id)
  from switchboard.contact_events where processed_at is null), '2026-11-29T11:01:00Z');
select is((select openphone_linked_id from switchboard.contacts where page_id = 'p1'), null, 'contact.deleted unlinks');
select is(switchboard.openphone_contact_name('+15550106001'), null, '… and its name is no longer offered; the stale event changed nothing');

select * from finish();
rollback;
