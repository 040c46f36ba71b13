-- Local stand-in for Supabase's pg_net extension (Debian does not package it). Installed by
-- local/database.ts only when `pg_net` is not an available extension; never a migration.
--
-- Contract kept from pg_net 0.19/0.20 (supabase/pg_net sql/pg_net.sql):
--   net.http_get(url, params, headers, timeout_milliseconds default 5000) → request id
--   net.http_post(url, body jsonb, params, headers default {"Content-Type": "application/json"},
--                 timeout_milliseconds default 5000) → request id; the body must be JSON
--   net.http_delete(url, params, headers, timeout_milliseconds default 5000, body default null)
--   requests wait in the UNLOGGED table net.http_request_queue and are sent only after the
--   transaction commits; results land in the UNLOGGED table net._http_response.
--
-- What differs is who sends them: pg_net runs a background worker inside Postgres; here the
-- local gateway (local/gateway/pg_net_dispatcher.ts) LISTENs on `pg_net_request` and delivers.
-- NOTIFY is transactional (delivered at commit, discarded on rollback), which gives exactly
-- pg_net's "only after commit" behaviour. Like pg_net, delivery is at most once.

create schema if not exists net;

do $$
begin
  if not exists (
    select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'net' and t.typname = 'http_method'
  ) then
    create domain net.http_method as text
      check (value ilike 'get' or value ilike 'post' or value ilike 'delete');
  end if;
end
$$;

create unlogged table if not exists net.http_request_queue (
  id bigserial,
  method net.http_method not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);

create unlogged table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);

create index if not exists _http_response_created_idx on net._http_response (created);

-- The dispatcher wakes on this notification; it is only delivered if the transaction commits.
create or replace function net._notify_dispatcher()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('pg_net_request', '');
  return null;
end
$$;

drop trigger if exists notify_dispatcher on net.http_request_queue;
create trigger notify_dispatcher
after insert on net.http_request_queue
for each statement
execute function net._notify_dispatcher();

-- Percent-encoding as pg_net's C function does (RFC 3986 unreserved characters kept).
create or replace function net._urlencode_string(string varchar)
returns text
language plpgsql
immutable
strict
set search_path = ''
as $$
declare
  v_bytes bytea := pg_catalog.convert_to(string, 'UTF8');
  v_out text := '';
  v_byte integer;
begin
  for i in 0 .. pg_catalog.length(v_bytes) - 1 loop
    v_byte := pg_catalog.get_byte(v_bytes, i);
    if (v_byte between 48 and 57) or (v_byte between 65 and 90) or (v_byte between 97 and 122)
       or v_byte in (45, 46, 95, 126) then
      v_out := v_out || pg_catalog.chr(v_byte);
    else
      v_out := v_out || '%' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(v_byte), 2, '0'));
    end if;
  end loop;
  return v_out;
end
$$;

create or replace function net._encode_url_with_params_array(url text, params_array text[])
returns text
language sql
immutable
strict
set search_path = ''
as $$
  select case
    when pg_catalog.cardinality(params_array) = 0 then url
    else url || case when pg_catalog.strpos(url, '?') > 0 then '&' else '?' end
      || pg_catalog.array_to_string(params_array, '&')
  end
$$;

create or replace function net._params_array(params jsonb)
returns text[]
language sql
immutable
set search_path = ''
as $$
  select coalesce(
    pg_catalog.array_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value)),
    '{}'
  )
  from pg_catalog.jsonb_each_text(coalesce(params, '{}'::jsonb))
$$;

create or replace function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000
)
returns bigint
language plpgsql
volatile
strict
set search_path = ''
as $$
declare
  request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, timeout_milliseconds)
  values ('GET', net._encode_url_with_params_array(url, net._params_array(params)), headers,
          timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;

create or replace function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
  request_id bigint;
  content_type text;
begin
  select header_value into content_type
  from pg_catalog.jsonb_each_text(coalesce(headers, '{}'::jsonb)) r(header_name, header_value)
  where pg_catalog.lower(header_name) = 'content-type'
  limit 1;

  -- pg_net adds the JSON content type back when custom headers omit it, and refuses others.
  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;

  if body is null then
    raise exception 'body must not be null';
  end if;

  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', net._encode_url_with_params_array(url, net._params_array(params)), headers,
          pg_catalog.convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;

create or replace function net.http_delete(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000,
  body jsonb default null::jsonb
)
returns bigint
language plpgsql
volatile
set search_path = ''
as $$
declare
  request_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('DELETE', net._encode_url_with_params_array(url, net._params_array(params)), headers,
          pg_catalog.convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  return request_id;
end
$$;

-- pg_net's worker shows in pg_stat_activity; the local dispatcher's connections carry the
-- application_name 'pg_net worker' so the same check works for both.
create or replace function net.check_worker_is_up()
returns void
language plpgsql
set search_path = ''
as $$
begin
  if not exists (
    select 1 from pg_catalog.pg_stat_activity
    where backend_type ilike '%pg_net%' or application_name = 'pg_net worker'
  ) then
    raise exception using
      message = 'the pg_net background worker is not up',
      detail = 'the local pg_net dispatcher (local gateway) is not connected to this database',
      hint = 'start the local platform: deno task start';
  end if;
end
$$;

grant usage on schema net to postgres, service_role;
grant all on all tables in schema net to postgres, service_role;
grant all on all sequences in schema net to postgres, service_role;
grant execute on all functions in schema net to postgres, service_role;
revoke execute on all functions in schema net from public;
