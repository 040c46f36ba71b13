-- quarantine_webhook: a verified delivery intake cannot apply is kept whole, once per delivery
-- id, whatever its bytes (a NUL byte, a body that is not UTF-8), and readable by the runbook's
-- query.
begin;
select plan(9);

select is(switchboard.quarantine_webhook('qmsg_1', 'standard', 'EVq1', 'call.completed', '2026-03-30',
  '2026-03-04T14:10:00Z', null, '\x7b226964223a2200227d'::bytea, 'Body holds a NUL character') ->> 'outcome',
  'quarantined', 'a body with a NUL byte is quarantined');
select is((select raw_body_bytes from switchboard.webhook_deliveries where delivery_id = 'qmsg_1'),
  '\x7b226964223a2200227d'::bytea, 'its bytes are kept exactly');
select is((select coalesce(raw_body, encode(raw_body_bytes, 'escape')) from switchboard.webhook_deliveries
  where delivery_id = 'qmsg_1'), '{"id":"\000"}', 'the runbook query reads it');
select is((select outcome || '|' || event_id || '|' || detail from switchboard.webhook_deliveries
  where delivery_id = 'qmsg_1'), 'quarantined|EVq1|Body holds a NUL character', 'with its ids and reason');

select is(switchboard.quarantine_webhook('qmsg_1', 'standard', null, null, null, null, 'other', null, 'again')
  ->> 'outcome', 'duplicate_delivery', 'the same delivery again writes nothing');
select is((select count(*)::int from switchboard.webhook_deliveries where delivery_id = 'qmsg_1'), 1,
  'one inbox row');

select is(switchboard.ingest_webhook(jsonb_build_object('delivery_id', 'qmsg_2', 'event_id', 'EVq2',
  'event_type', 'call.completed', 'scheme', 'standard', 'payload', '{}'::jsonb),
  '{"call": {"external_id": "ACq2"}}') ->> 'outcome', 'applied', 'an applied delivery …');
select is(switchboard.quarantine_webhook('qmsg_2', 'standard', 'EVq2', null, null, null, 'x', null, 'late copy')
  ->> 'outcome', 'duplicate_delivery', '… is never quarantined by a later copy');

select is(switchboard.quarantine_webhook('qmsg_3', 'legacy', null, null, null, null,
  'text with "\ud800" escaped', null, 'String at data.object.text holds a lone surrogate') ->> 'outcome',
  'quarantined', 'text bodies stay text');

select * from finish();
rollback;
