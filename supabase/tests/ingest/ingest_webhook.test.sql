-- ingest_webhook: dedupe by delivery id and event id, quarantine and unknown types recorded,
-- the inbox row and the call row written together.
begin;
select plan(12);

create function pg_temp.delivery(p_delivery_id text, p_event_id text, p_extra jsonb default '{}')
returns jsonb language sql as $$
  select jsonb_build_object('delivery_id', p_delivery_id, 'event_id', p_event_id, 'event_type', 'call.completed',
    'scheme', 'standard', 'api_version', '2026-03-30', 'event_created_at', '2026-03-04T14:10:00Z',
    'payload', '{"id": "x"}'::jsonb) || p_extra
$$;

select is(switchboard.ingest_webhook(pg_temp.delivery('msg_1', 'EV1'),
  '{"call": {"external_id": "ACw1", "provider_status": "completed"}}') ->> 'outcome', 'applied',
  'a new delivery is applied');
select is((select count(*)::int from switchboard.calls where external_id = 'ACw1'), 1, 'the call row exists');
select is((select call_id from switchboard.webhook_deliveries where delivery_id = 'msg_1'),
  (select id from switchboard.calls where external_id = 'ACw1'), 'the inbox row points at it');

select is(switchboard.ingest_webhook(pg_temp.delivery('msg_1', 'EV1'),
  '{"call": {"external_id": "ACw1", "provider_status": "completed"}}') ->> 'outcome', 'duplicate_delivery',
  'the same delivery again writes nothing');
select is((select count(*)::int from switchboard.webhook_deliveries where delivery_id = 'msg_1'), 1, 'one inbox row');

select is(switchboard.ingest_webhook(pg_temp.delivery('msg_2', 'EV1'),
  '{"call": {"external_id": "ACw1", "provider_status": "completed"}}') ->> 'outcome', 'duplicate_event',
  'the same event under a new delivery id is recorded but not applied');

select is(switchboard.ingest_webhook(pg_temp.delivery('msg_3', 'EV3', '{"outcome": "quarantined", "raw_body": "not json", "payload": null, "detail": "Body is not JSON"}'),
  null) ->> 'outcome', 'quarantined', 'an unparseable delivery is quarantined');
select is((select raw_body from switchboard.webhook_deliveries where delivery_id = 'msg_3'), 'not json',
  'with its raw body kept for inspection');

select is(switchboard.ingest_webhook(pg_temp.delivery('msg_4', 'EV4', '{"outcome": "unknown_type", "event_type": "call.teleported"}'),
  null) ->> 'outcome', 'unknown_type', 'an unknown event type is recorded');

select is(switchboard.ingest_webhook(pg_temp.delivery('msg_5', 'EV5', '{"event_type": "message.received"}'),
  '{"message": {"external_id": "ACm1", "direction": "incoming", "body": "hi", "to_numbers": ["+15550100002"]}}') ->> 'outcome',
  'applied', 'a message is applied');
select is((select count(*)::int from pgmq.q_message_publish_jobs where (message ->> 'id')::bigint =
  (select id from switchboard.messages where external_id = 'ACm1')), 1, 'and waits for publishing');

select is(switchboard.ingest_webhook(pg_temp.delivery('msg_6', 'EV6', '{"event_type": "contact.updated"}'),
  '{"contact": {"external_contact_id": "CT1", "contact": {"firstName": "Ada"}}}') ->> 'outcome',
  'applied', 'a contact event is kept for the mirror');

select * from finish();
rollback;
