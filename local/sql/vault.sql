-- Vault compat: a plain SQL/plpgsql stand-in for Supabase Vault (the `supabase_vault` extension).
--
-- Supabase ships Vault as an extension built on libsodium. Debian does not package it and these
-- machines have no Docker, so the local platform installs this file instead, into the same
-- `vault` schema, with the same API as supabase_vault 0.3.x: table `vault.secrets`, view
-- `vault.decrypted_secrets`, `vault.create_secret(...)` and `vault.update_secret(...)` with the
-- upstream argument names and defaults. Secrets are encrypted at rest, here with pgcrypto
-- (pgp_sym_encrypt, AES-256) under a random per-database root key instead of libsodium's
-- deterministic AEAD; `secret` holds base64 ciphertext either way.
--
-- Local only: installed by local/database.ts when the extension is unavailable, never part of
-- supabase/migrations. Idempotent: safe to run again; the root key is generated once and kept.

create schema if not exists vault;

create table if not exists vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  -- Upstream's per-secret AEAD nonce. pgp_sym_encrypt salts every message itself, so this is
  -- kept for shape (random bytes) and not used for encryption.
  nonce bytea default extensions.gen_random_bytes(16),
  created_at timestamp with time zone not null default current_timestamp,
  updated_at timestamp with time zone not null default current_timestamp
);

comment on table vault.secrets is
  'Table with encrypted `secret` column for storing sensitive information on disk.';

-- Upstream: names are unique when present; any number of unnamed secrets.
create unique index if not exists secrets_name_idx on vault.secrets using btree (name)
  where name is not null;

-- The root key. Only its owner (the superuser that ran this file) can read it: the view and
-- the two functions below reach it through owner privileges, never the caller's.
create table if not exists vault._compat_root_key (
  singleton boolean primary key default true check (singleton),
  root_key text not null,
  created_at timestamp with time zone not null default now()
);
revoke all on table vault._compat_root_key from public;

insert into vault._compat_root_key (root_key)
values (pg_catalog.encode(extensions.gen_random_bytes(32), 'hex'))
on conflict (singleton) do nothing;

-- Encrypts with the root key; base64 so `secret` stays text, as upstream.
create or replace function vault._compat_encrypt(plaintext text, root_key text)
returns text
language sql
volatile
set search_path = ''
as $$
  select pg_catalog.encode(
    extensions.pgp_sym_encrypt(plaintext, root_key, 'cipher-algo=aes256, compress-algo=0'),
    'base64'
  )
$$;

-- Decrypts; null for a value that is not our ciphertext (e.g. a row inserted directly into
-- vault.secrets), so one bad row does not break every read of the view.
create or replace function vault._compat_decrypt(ciphertext text, root_key text)
returns text
language plpgsql
stable
set search_path = ''
as $$
begin
  return extensions.pgp_sym_decrypt(pg_catalog.decode(ciphertext, 'base64'), root_key);
exception
  when others then
    return null;
end;
$$;

-- Same columns, in the same order, as upstream's view. Runs with the owner's privileges
-- (not security_invoker), which is what lets it read the root key.
create or replace view vault.decrypted_secrets as
select
  s.id,
  s.name,
  s.description,
  s.secret,
  vault._compat_decrypt(s.secret, k.root_key) as decrypted_secret,
  s.key_id,
  s.nonce,
  s.created_at,
  s.updated_at
from vault.secrets s
cross join vault._compat_root_key k;

-- new_key_id is accepted and ignored, as upstream ("unused"). A duplicate new_name fails with
-- unique_violation (23505), as upstream.
create or replace function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default '',
  new_key_id uuid default null
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  insert into vault.secrets (secret, name, description)
  select vault._compat_encrypt(new_secret, k.root_key), new_name, new_description
  from vault._compat_root_key k
  returning id into v_id;
  return v_id;
end;
$$;

-- Null arguments leave the field unchanged; updated_at is bumped. An unknown id is a no-op.
create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null,
  new_key_id uuid default null
)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  update vault.secrets s
  set
    secret = case
      when new_secret is null then s.secret
      else vault._compat_encrypt(new_secret, (select k.root_key from vault._compat_root_key k))
    end,
    name = coalesce(new_name, s.name),
    description = coalesce(new_description, s.description),
    updated_at = pg_catalog.now()
  where s.id = secret_id;
end;
$$;

-- Privileges. The API roles get nothing; service_role (server-side code) may use Vault.
-- Functions are executable by PUBLIC by default, hence the explicit revokes.
revoke all on schema vault from public, anon, authenticated;
revoke all on all tables in schema vault from public, anon, authenticated;
revoke all on all functions in schema vault from public, anon, authenticated;

grant usage on schema vault to service_role;
grant select, delete on table vault.secrets to service_role;
grant select on table vault.decrypted_secrets to service_role;
grant execute on function vault.create_secret(text, text, text, uuid) to service_role;
grant execute on function vault.update_secret(uuid, text, text, text, uuid) to service_role;
-- The view calls this as the querying role; it is useless without the root key.
grant execute on function vault._compat_decrypt(text, text) to service_role;
