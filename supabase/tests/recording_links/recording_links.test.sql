-- Recording links (T39): the key in Vault and its version, the object a link may name, per-call
-- and global revocation (one call each), and the TTL of the Storage URL a click yields.
begin;
select plan(24);

-- The key: created by the migration, 32 random bytes in hex, stable until rotated.
select matches((select key from switchboard.recording_link_key()), '^[0-9a-f]{64}$',
  'the key is 32 random bytes (hex)');
select is((select key from switchboard.recording_link_key()),
  switchboard.read_secret('switchboard_recording_link_key'), 'and lives in Vault');
select is((select key from switchboard.recording_link_key()),
  (select key from switchboard.recording_link_key()), 'reading it again gives the same key');
select is(
  (select array_agg(a.attname::text order by a.attname)
   from pg_attribute a
   where a.attrelid in ('switchboard.recording_link_keys'::regclass,
                        'switchboard.recording_link_revocations'::regclass)
     and a.attnum > 0 and a.attname ~ 'key|secret'),
  null, 'no table holds the key');

-- A missing key is created on first use.
delete from vault.secrets where name = 'switchboard_recording_link_key';
select matches((select key from switchboard.recording_link_key()), '^[0-9a-f]{64}$',
  'a deleted key is created again on first use');

create temp table t_ids (name text primary key, id bigint);
with c as (
  insert into switchboard.calls (source, external_id, direction)
  values ('drive', 't-links-a', 'incoming'), ('drive', 't-links-b', 'incoming')
  returning id, external_id)
insert into t_ids select external_id, id from c;
insert into t_ids
select 'media-a', switchboard.record_call_media((select id from t_ids where name = 't-links-a'),
  'recording', 'm-a', 'drive', 'calls/a/recording-m-a.mp3', 'audio/mpeg', 10, repeat('a', 64));
insert into t_ids
select 'media-b', switchboard.record_call_media((select id from t_ids where name = 't-links-b'),
  'recording', 'm-b', 'drive', 'calls/b/recording-m-b.mp3', 'audio/mpeg', 10, repeat('b', 64));
insert into switchboard.call_media (call_id, kind, media_key, source, storage_path)
select id, 'voicemail', 'm-unstored', 'drive', 'calls/a/voicemail-m-unstored.mp3'
from t_ids where name = 't-links-a';
insert into t_ids
select 'media-unstored', m.id from switchboard.call_media m where m.media_key = 'm-unstored';

create function pg_temp.id(p_name text) returns bigint language sql
as $$ select id from t_ids where name = p_name $$;
create function pg_temp.target(p_call text, p_media text) returns jsonb language sql
as $$ select to_jsonb(t) from switchboard.recording_link_target(pg_temp.id(p_call), pg_temp.id(p_media)) t $$;

create temp table t_start as select version from switchboard.recording_link_keys;

-- The object a link names: only a stored media row of that very call.
select is(pg_temp.target('t-links-a', 'media-a') ->> 'storage_path', 'calls/a/recording-m-a.mp3',
  'a stored recording of the call is found');
select is((pg_temp.target('t-links-a', 'media-a') ->> 'call_version')::int, 0, 'an unrevoked call is at version 0');
select is((pg_temp.target('t-links-a', 'media-a') ->> 'key_version')::int, (select version from t_start),
  'the key version is the current one');
select is(pg_temp.target('t-links-a', 'media-b') ->> 'storage_path', null,
  'another call''s recording is not found through this call');
select is((select storage_path from switchboard.recording_link_target(pg_temp.id('t-links-a'), 0)),
  null, 'a media id that does not exist names nothing');
select is((select storage_path from switchboard.recording_link_target(-1, pg_temp.id('media-a'))),
  null, 'nor does a call that does not exist');
select is(pg_temp.target('t-links-a', 'media-unstored') ->> 'storage_path', null,
  'a media row not stored yet names nothing');
select is((select count(*)::int from switchboard.recording_link_target(-1, -1)), 1,
  'the versions come back even when the object does not exist (one row, always)');

-- Per-call revocation: one call bumps that call's version, and only that call's.
select is(switchboard.revoke_recording_links(pg_temp.id('t-links-a')), 1, 'the first revocation makes version 1');
select is(switchboard.revoke_recording_links(pg_temp.id('t-links-a')), 2, 'the next one version 2');
select is((pg_temp.target('t-links-a', 'media-a') ->> 'call_version')::int, 2, 'the click check sees it');
select is((select call_version from switchboard.recording_link_versions(pg_temp.id('t-links-a'))), 2,
  'new links carry it');
select is((pg_temp.target('t-links-b', 'media-b') ->> 'call_version')::int, 0, 'other calls are untouched');
select throws_ok('select switchboard.revoke_recording_links(-1)', 'P0002', 'No call -1',
  'revoking links of a call that does not exist is an error');

-- Global revocation: a new key and a new key version, in one call.
create temp table t_before as select * from switchboard.recording_link_key();
select is(switchboard.revoke_all_recording_links(), (select version + 1 from t_before),
  'revoke_all_recording_links() returns the next key version');
select ok((select key from switchboard.recording_link_key()) <> (select key from t_before),
  'and rotates the key in Vault');
select is((pg_temp.target('t-links-b', 'media-b') ->> 'key_version')::int, (select version + 1 from t_before),
  'the click check sees the new key version');

-- The Storage URL's lifetime: a setting, bounded to 1 s … 1 h.
select is((pg_temp.target('t-links-a', 'media-a') ->> 'url_ttl_seconds')::int, 60, 'the URL lives 60 s by default');
update switchboard.settings set value = interval '2 hours' where name = 'recording_url_ttl';
select is((pg_temp.target('t-links-a', 'media-a') ->> 'url_ttl_seconds')::int, 3600, 'at most an hour');

select * from finish();
rollback;
