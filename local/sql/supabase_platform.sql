-- What every Supabase database already has and our migrations may rely on: the API roles and
-- the `extensions` schema. Local only (never a migration). Idempotent.

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit password 'postgres';
  end if;
end
$$;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;

create schema if not exists extensions;
grant usage on schema extensions to public;
create extension if not exists pgcrypto with schema extensions;

-- Supabase exposes `public` through the Data API with these default grants.
grant usage on schema public to anon, authenticated, service_role;

-- Supabase's roles resolve unqualified names in `extensions` too (pgTAP, pgcrypto live there).
alter role postgres set search_path = "$user", public, extensions;
