-- message_publish SQL: the conversation key (line + other parties, groups, our number learned
-- from phone_numbers or the direction), one writer per conversation (lease, busy, expiry,
-- fencing), batches in sent order up to the next published message, recorded block ids,
-- counts, pending writes, and the stage enabled.
begin;
select plan(22);

insert into switchboard.phone_numbers (id, number) values ('PNtap1', '+15550108000');

select is(switchboard.message_conversation('PNtap1', 'incoming', '+15550108001', array['+15550108000']) ->> 'key',
  'PNtap1:+15550108001', 'SMS in: line + sender');
select is(switchboard.message_conversation('PNtap1', 'outgoing', '+15550108000', array['+15550108001']) ->> 'key',
  'PNtap1:+15550108001', 'SMS out: the same conversation');
select is(switchboard.message_conversation('PNtap1', 'incoming', '+15550108003', array['+15550108000', '+15550108002']) ->> 'key',
  'PNtap1:+15550108002,+15550108003', 'group MMS in: every other party, sorted, our number left out');
select is(switchboard.message_conversation('PNtap1', 'outgoing', '+15550108000', array['+15550108003', '+15550108002']) ->> 'key',
  'PNtap1:+15550108002,+15550108003', 'group MMS out: the same key');
select is(switchboard.message_conversation(null, 'outgoing', '+15550108000', array['+15550108001']) ->> 'key',
  'PNtap1:+15550108001', 'no phone number id: the line from our number');
select is(switchboard.message_conversation('PNtap1', 'incoming', null, '{}') ->> 'key', null,
  'no other party: no key (the message waits for a merge)');

insert into switchboard.messages (external_id, phone_number_id, direction, from_number, to_numbers, body, sent_at) values
  ('ACtap1', 'PNtap1', 'incoming', '+15550108001', array['+15550108000'], 'one', '2026-11-29T10:00:00Z'),
  ('ACtap2', 'PNtap1', 'outgoing', '+15550108000', array['+15550108001'], 'two', '2026-11-29T10:01:00Z'),
  ('ACtap3', 'PNtap1', 'incoming', '+15550108001', array['+15550108000'], 'three', '2026-11-29T10:02:00Z');
create temp table ids as
  select external_id, id from switchboard.messages where external_id like 'ACtap%';
create function pg_temp.mid(text) returns bigint language sql as $$ select id from ids where external_id = $1 $$;

select is((select count(*)::int from switchboard.notion_conversation_messages
           where message_id in (select id from ids) and conversation_key = 'PNtap1:+15550108001'), 3,
  'every new message gets its conversation row (trigger)');

select is(switchboard.begin_message_publish(pg_temp.mid('ACtap1'), 101, 120, '2026-11-29T10:05:00Z') ->> 'status',
  'leased', 'the first claim takes the conversation''s lease');
create temp table conv as select id from switchboard.notion_conversations where conversation_key = 'PNtap1:+15550108001';
select is(switchboard.begin_message_publish(pg_temp.mid('ACtap2'), 102, 120, '2026-11-29T10:05:01Z') ->> 'status',
  'busy', 'a second claim on the same conversation waits');
select is(jsonb_array_length(switchboard.notion_conversation_batch((select id from conv), 101, 100, null, '2026-11-29T10:05:02Z') -> 'messages'),
  3, 'the batch: every waiting message');
select is((select array_agg(x ->> 'external_id') from jsonb_array_elements(
    switchboard.notion_conversation_batch((select id from conv), 101, 2, null, '2026-11-29T10:05:02Z') -> 'messages') x),
  array['ACtap1', 'ACtap2'], '… in sent order, limited');
select throws_ok(
  $$select switchboard.notion_conversation_batch((select id from conv), 102, 100, null, '2026-11-29T10:05:02Z')$$,
  '55P03', null, 'a claim without the lease cannot write (fencing)');

select switchboard.notion_conversation_write_started((select id from conv), 101,
  '{"kind": "create", "message_ids": [1], "header": true, "anchor_block": null, "at_end": true}', '2026-11-29T10:05:03Z');
select is(switchboard.begin_message_publish(pg_temp.mid('ACtap1'), 101, 120, '2026-11-29T10:05:04Z') -> 'conversation' -> 'pending_write' ->> 'kind',
  'create', 'a write sent is pending until its answer is recorded');
select is(switchboard.notion_conversation_recorded((select id from conv), 101,
    p_page_id => '11111111-1111-1111-1111-111111111111',
    p_header_block_id => '22222222-2222-2222-2222-222222222222',
    p_messages => jsonb_build_array(jsonb_build_object('id', pg_temp.mid('ACtap1'), 'block_ids', null),
                                    jsonb_build_object('external_id', 'ACtap3', 'block_ids', jsonb_build_array('33333333-3333-3333-3333-333333333333'))),
    p_properties => '{"count": 2, "last_at": "2026-11-29T10:02:00Z"}', p_how => 'page',
    p_now => '2026-11-29T10:05:05Z') - 'id' - 'key' - 'line' - 'others' - 'our_number' - 'contact_page_ids' - 'contact_status' - 'review_note' - 'last_block_id' - 'header_block_id',
  jsonb_build_object('page_id', '11111111-1111-1111-1111-111111111111', 'message_count', 2,
    'last_message_at', '2026-11-29T10:02:00+00:00', 'properties_count', 2,
    'properties_last_at', '2026-11-29T10:02:00+00:00', 'pending_write', null, 'properties_dirty', false),
  'recorded: page id, messages by id or external id, counts; the pending write cleared');
select is((switchboard.notion_conversation_batch((select id from conv), 101, 100, null, '2026-11-29T10:05:06Z')),
  jsonb_build_object('messages', jsonb_build_array(jsonb_build_object('id', pg_temp.mid('ACtap2'), 'external_id', 'ACtap2',
      'direction', 'outgoing', 'from_number', '+15550108000', 'to_numbers', jsonb_build_array('+15550108001'),
      'body', 'two', 'media', '[]'::jsonb, 'sent_at', '2026-11-29T10:01:00+00:00')),
    'at_end', false, 'after_block', null, 'needs_block_ids', true),
  'a late message goes between published ones: after the previous message''s block (unknown here → read the page)');
update switchboard.notion_conversation_messages set block_ids = array['44444444-4444-4444-4444-444444444444'::uuid]
where message_id = pg_temp.mid('ACtap1');
select is(switchboard.notion_conversation_batch((select id from conv), 101, 100, null, '2026-11-29T10:05:06Z') ->> 'after_block',
  '44444444-4444-4444-4444-444444444444', '… its block id once known');

select ok(switchboard.notion_conversation_release((select id from conv), 101, '2026-11-29T10:05:07Z'), 'the lease is given back');
select is(switchboard.begin_message_publish(pg_temp.mid('ACtap3'), 103, 120, '2026-11-29T10:05:08Z') ->> 'status',
  'published', 'a message written by another claim''s batch completes without a request');
select is(switchboard.begin_message_publish(pg_temp.mid('ACtap2'), 104, 120, '2026-11-29T10:05:08Z') ->> 'status',
  'leased', 'a waiting one takes the lease');
select is(switchboard.begin_message_publish(pg_temp.mid('ACtap1'), 105, 120, '2026-11-29T10:07:09Z') ->> 'status',
  'published', 'published and properties up to date: done at once');
select is(switchboard.begin_message_publish(pg_temp.mid('ACtap2'), 106, 120, '2026-11-29T10:08:00Z') ->> 'status',
  'leased', 'an expired lease (a dead worker) is taken over');

select is((select enabled and max_workers = 2 from switchboard.stages where name = 'message_publish'), true,
  'message_publish is enabled with two workers');

select * from finish();
rollback;
