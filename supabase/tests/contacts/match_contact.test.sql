-- match_contact: a mirrored contact matches without Notion; several are ambiguous (named, none
-- guessed); a miss asks for a Notion lookup at most once per number per lookup_interval; trashed
-- contacts never match. Time is an input.
begin;
select plan(14);

select switchboard.upsert_contacts('ds1', $$[
  {"page_id": "p-ada", "name": "Ada", "phones": ["+15550104001", "+15550104009"], "emails": ["ada@example.com"],
   "last_edited_time": "2026-11-29T10:00:00Z", "in_trash": false},
  {"page_id": "p-bea", "name": "Bea", "phones": ["+15550104002"], "last_edited_time": "2026-11-29T10:00:00Z", "in_trash": false},
  {"page_id": "p-cy",  "name": "Cy",  "phones": ["+15550104002"], "last_edited_time": "2026-11-29T10:00:00Z", "in_trash": false},
  {"page_id": "p-old", "name": "Old", "phones": ["+15550104003"], "last_edited_time": "2026-11-29T10:00:00Z", "in_trash": true}
]$$::jsonb, '2026-11-29T10:01:00Z');

select is(switchboard.match_contact('+15550104001', '2026-11-29T11:00:00Z'),
  '{"status": "matched", "page_id": "p-ada", "candidates": [{"page_id": "p-ada", "name": "Ada"}]}'::jsonb,
  'one contact holds the number: matched');
select is(switchboard.match_contact('+15550104009', '2026-11-29T11:00:00Z') ->> 'page_id', 'p-ada',
  'any of a contact''s phones matches');
select is(switchboard.match_contact('+15550104002', '2026-11-29T11:00:00Z'),
  '{"status": "ambiguous", "page_id": null, "candidates": [{"page_id": "p-bea", "name": "Bea"}, {"page_id": "p-cy", "name": "Cy"}]}'::jsonb,
  'two contacts share the number: ambiguous, both named, none chosen');
select is(switchboard.match_contact('+15550104003', '2026-11-29T11:00:00Z') ->> 'status', 'lookup_needed',
  'a trashed contact does not match: the miss asks for a lookup');

select is(switchboard.match_contact('+15550104999', '2026-11-29T11:00:00Z') ->> 'status', 'lookup_needed',
  'a miss: look it up in Notion');
select is(switchboard.match_contact('+15550104999', '2026-11-29T11:00:01Z') ->> 'status', 'unknown',
  'the same miss a second later: unknown, no second lookup');
select is(switchboard.match_contact('+15550104999', '2026-11-29T11:59:59Z') ->> 'status', 'unknown',
  'still unknown within the hour');
select switchboard.record_contact_lookup('+15550104999', '{}', '2026-11-29T11:00:02Z');
select is((select outcome || ' ' || lookups from switchboard.contact_lookups where phone_e164 = '+15550104999'), 'missing 1',
  'the lookup''s outcome is recorded');
select is(switchboard.match_contact('+15550104999', '2026-11-29T12:00:00Z') ->> 'status', 'lookup_needed',
  'an hour later: looked up again');

select switchboard.release_contact_lookup('+15550104999', '2026-11-29T12:00:00Z');
select is(switchboard.match_contact('+15550104999', '2026-11-29T12:00:05Z') ->> 'status', 'lookup_needed',
  'a failed lookup releases its claim: the next caller may look up at once');

update switchboard.contacts_settings set lookup_interval = '10 minutes';
select is(switchboard.match_contact('+15550104999', '2026-11-29T12:10:05Z') ->> 'status', 'lookup_needed',
  'lookup_interval is a setting');

select is(switchboard.match_contact('5550104001', '2026-11-29T12:00:00Z'),
  '{"status": "unknown", "page_id": null, "candidates": []}'::jsonb, 'a value that is not E.164 is unknown, with no lookup');
select is((select count(*)::int from switchboard.contact_lookups where phone_e164 = '5550104001'), 0, '… and nothing recorded');

-- The Notion lookup found the page: it joins the mirror and matches.
select switchboard.upsert_contacts('ds1', '[{"page_id": "p-new", "name": "New", "phones": ["+15550104999"], "last_edited_time": "2026-11-29T12:00:00Z"}]',
  '2026-11-29T12:10:06Z');
select switchboard.record_contact_lookup('+15550104999', '{p-new}', '2026-11-29T12:10:06Z');
select is(switchboard.match_contact('+15550104999', '2026-11-29T12:10:07Z') ->> 'page_id', 'p-new',
  'a contact found by the lookup matches from then on');

select * from finish();
rollback;
