-- Recording links (issue 10, item 6; ARCHITECTURE §6; T39). Recordings stay in the private
-- `recordings` bucket. A Notion page links to the `recording` function with a signed token that
-- names one call_media row of one call (see supabase/functions/_shared/platform/
-- recording_link_token.ts); each click is answered with a 302 to a Storage signed URL that lives
-- for seconds (the recording_url_ttl setting).
--
-- The token carries two versions, both checked on every click against this database:
--   * the key version: the generation of the HMAC key, which lives in Vault
--     (switchboard_recording_link_key). switchboard.revoke_all_recording_links() rotates the key
--     and bumps the version in one transaction: every link ever made stops working at once.
--   * the call version: switchboard.revoke_recording_links(call_id) bumps it: that call's links
--     stop working; links made afterwards work.
-- Links carry no expiry by default: Notion pages live forever, so revocation, not expiry, is how
-- a link dies; the Storage URL a click yields expires within seconds.

-- The signing key's generation (one row). The key itself is never stored outside Vault.
create table switchboard.recording_link_keys (
  singleton boolean primary key default true check (singleton),
  version integer not null default 1 check (version >= 1),
  rotated_at timestamptz not null default now()
);
alter table switchboard.recording_link_keys enable row level security;
comment on table switchboard.recording_link_keys is
  'Generation of the recording link key (in Vault as switchboard_recording_link_key); revoke_all_recording_links() bumps it.';

insert into switchboard.recording_link_keys default values;

-- Per-call revocations: a call without a row is at version 0.
create table switchboard.recording_link_revocations (
  call_id bigint primary key references switchboard.calls (id) on delete cascade,
  version integer not null check (version >= 1),
  revoked_at timestamptz not null default now()
);
alter table switchboard.recording_link_revocations enable row level security;
comment on table switchboard.recording_link_revocations is
  'Per-call recording link version; revoke_recording_links(call_id) bumps it and older links are refused.';

insert into switchboard.settings (name, value, description) values
  ('recording_url_ttl', interval '60 seconds',
   'How long the Storage signed URL that a recording link redirects to stays valid (1 second to 1 hour). The link itself does not expire; revoke it instead.')
on conflict (name) do nothing;

-- The current key and its version, creating the key on first use (32 random bytes, hex). One
-- statement for the function's key cache; never called per click.
create function switchboard.recording_link_key()
returns table (version integer, key text)
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_version integer;
  v_key text;
begin
  select k.version into v_version from switchboard.recording_link_keys k;
  v_key := switchboard.read_secret('switchboard_recording_link_key');
  if v_key is null then
    -- Serialise the first use (vault.create_secret refuses a second secret of the same name).
    select k.version into v_version from switchboard.recording_link_keys k for update;
    v_key := switchboard.read_secret('switchboard_recording_link_key');
    if v_key is null then
      v_key := encode(extensions.gen_random_bytes(32), 'hex');
      perform switchboard.set_secret('switchboard_recording_link_key', v_key);
    end if;
  end if;
  return query select v_version, v_key;
end
$$;
comment on function switchboard.recording_link_key is
  'The recording link HMAC key (Vault) and its version; creates the key on first use.';

-- What a click needs to know, in one small query: the object's path when the call_media row
-- exists, belongs to the call and is stored (else null), both current versions, and the TTL of
-- the Storage URL in seconds.
create function switchboard.recording_link_target(p_call_id bigint, p_media_id bigint)
returns table (storage_path text, key_version integer, call_version integer, url_ttl_seconds integer)
language sql
stable
security invoker
set search_path = ''
as $$
  select
    (select m.storage_path from switchboard.call_media m
      where m.id = p_media_id and m.call_id = p_call_id and m.stored_at is not null),
    (select k.version from switchboard.recording_link_keys k),
    coalesce((select r.version from switchboard.recording_link_revocations r
      where r.call_id = p_call_id), 0),
    greatest(1, least(3600, coalesce(
      (select extract(epoch from s.value)::integer from switchboard.settings s
        where s.name = 'recording_url_ttl'), 60)))
$$;
comment on function switchboard.recording_link_target is
  'recording function: the object a link names (null unless stored for that call), the current key and call versions, the URL TTL.';

-- The versions a new link for a call carries.
create function switchboard.recording_link_versions(p_call_id bigint)
returns table (key_version integer, call_version integer)
language sql
stable
security invoker
set search_path = ''
as $$
  select
    (select k.version from switchboard.recording_link_keys k),
    coalesce((select r.version from switchboard.recording_link_revocations r
      where r.call_id = p_call_id), 0)
$$;
comment on function switchboard.recording_link_versions is
  'The key and call versions a new recording link for the call carries.';

-- Revokes every link made so far for one call; links made afterwards work. Returns the new
-- version. Immediate: the function checks the version on every click.
create function switchboard.revoke_recording_links(p_call_id bigint)
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_version integer;
begin
  if not exists (select 1 from switchboard.calls c where c.id = p_call_id) then
    raise exception 'No call %', p_call_id using errcode = 'no_data_found';
  end if;
  insert into switchboard.recording_link_revocations as r (call_id, version)
  values (p_call_id, 1)
  on conflict (call_id) do update set version = r.version + 1, revoked_at = now()
  returning r.version into v_version;
  return v_version;
end
$$;
comment on function switchboard.revoke_recording_links is
  'Revokes every recording link made so far for the call (bumps its version); returns the new version.';

-- Revokes every recording link ever made: a new random key in Vault and a new key version, in
-- one transaction. Links made afterwards work. Returns the new key version.
create function switchboard.revoke_all_recording_links()
returns integer
language plpgsql
volatile
security invoker
set search_path = ''
as $$
declare
  v_version integer;
begin
  update switchboard.recording_link_keys k
  set version = k.version + 1, rotated_at = now()
  returning k.version into v_version;
  perform switchboard.set_secret('switchboard_recording_link_key',
    encode(extensions.gen_random_bytes(32), 'hex'));
  return v_version;
end
$$;
comment on function switchboard.revoke_all_recording_links is
  'Revokes every recording link: rotates the Vault key and bumps the key version; returns the new version.';

-- The key exists from the start, so the first link does not wait for it.
select switchboard.recording_link_key();
