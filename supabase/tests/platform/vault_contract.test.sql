-- Vault contract: whichever implementation is installed (supabase_vault on Supabase, or
-- local/sql/vault.sql) must offer the supabase_vault API (vault.create_secret,
-- vault.update_secret, vault.secrets, vault.decrypted_secrets) with upstream names and
-- defaults, keep secrets encrypted at rest, refuse a duplicate name, and keep the API roles out.
begin;
select plan(29);

-- Deterministic type names in pg_get_function_arguments.
set local search_path = public, extensions;

------------------------------------------------------------------------------------------------
-- API shape
------------------------------------------------------------------------------------------------

create function pg_temp.sig(p_name text, p_argtypes text)
returns text
language sql
stable
as $$
  select pg_catalog.pg_get_function_arguments(p.oid) || ' -> ' || pg_catalog.pg_get_function_result(p.oid)
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
  where n.nspname = 'vault' and p.proname = p_name and pg_catalog.oidvectortypes(p.proargtypes) = p_argtypes
$$;

select is(pg_temp.sig('create_secret', 'text, text, text, uuid'),
  'new_secret text, new_name text DEFAULT NULL::text, new_description text DEFAULT ''''::text, new_key_id uuid DEFAULT NULL::uuid -> uuid',
  'vault.create_secret(new_secret, new_name, new_description, new_key_id)');
select is(pg_temp.sig('update_secret', 'uuid, text, text, text, uuid'),
  'secret_id uuid, new_secret text DEFAULT NULL::text, new_name text DEFAULT NULL::text, new_description text DEFAULT NULL::text, new_key_id uuid DEFAULT NULL::uuid -> void',
  'vault.update_secret(secret_id, new_secret, new_name, new_description, new_key_id)');
select columns_are('vault', 'secrets',
  array['id', 'name', 'description', 'secret', 'key_id', 'nonce', 'created_at', 'updated_at'],
  'vault.secrets has the upstream columns');
select is(
  array(select column_name::text from information_schema.columns
        where table_schema = 'vault' and table_name = 'decrypted_secrets' order by ordinal_position),
  array['id', 'name', 'description', 'secret', 'decrypted_secret', 'key_id', 'nonce', 'created_at', 'updated_at'],
  'vault.decrypted_secrets has the upstream columns, in order');

------------------------------------------------------------------------------------------------
-- Create and read
------------------------------------------------------------------------------------------------

create temp table t_ids (label text primary key, id uuid);

insert into t_ids
select 'named', vault.create_secret('s3cr3t-plaintext-value', 'sb_contract_secret', 'contract test secret');

select isnt((select id from t_ids where label = 'named'), null, 'create_secret returns the new id');
select is(
  (select decrypted_secret from vault.decrypted_secrets where id = (select id from t_ids where label = 'named')),
  's3cr3t-plaintext-value',
  'decrypted_secrets returns the plaintext');
select is(
  (select name from vault.decrypted_secrets where id = (select id from t_ids where label = 'named')),
  'sb_contract_secret',
  'the secret has its name');
select is(
  (select description from vault.decrypted_secrets where id = (select id from t_ids where label = 'named')),
  'contract test secret',
  'the secret has its description');
select is(
  (select decrypted_secret from vault.decrypted_secrets where name = 'sb_contract_secret'),
  's3cr3t-plaintext-value',
  'a secret can be looked up by name');
select ok(
  (select created_at is not null and updated_at is not null from vault.secrets
   where id = (select id from t_ids where label = 'named')),
  'created_at and updated_at are set');

-- Encrypted at rest: the stored value is neither the plaintext nor contains it.
select isnt(
  (select secret from vault.secrets where id = (select id from t_ids where label = 'named')),
  's3cr3t-plaintext-value',
  'vault.secrets.secret is not the plaintext');
select is(
  (select strpos(secret, 's3cr3t-plaintext-value') from vault.secrets where id = (select id from t_ids where label = 'named')),
  0,
  'vault.secrets.secret does not contain the plaintext');
select is(
  (select s.secret from vault.secrets s where s.id = (select id from t_ids where label = 'named')),
  (select d.secret from vault.decrypted_secrets d where d.id = (select id from t_ids where label = 'named')),
  'decrypted_secrets.secret is the stored (encrypted) value');

insert into t_ids select 'unnamed_1', vault.create_secret('first unnamed');
insert into t_ids select 'unnamed_2', vault.create_secret('second unnamed');
select is(
  (select count(*) from vault.decrypted_secrets
   where id in (select id from t_ids where label like 'unnamed_%') and name is null and description = '')::int,
  2,
  'secrets without a name are allowed, any number of them, with an empty description');
select is(
  (select decrypted_secret from vault.decrypted_secrets where id = (select id from t_ids where label = 'unnamed_2')),
  'second unnamed',
  'an unnamed secret decrypts too');

select throws_ok(
  $$select vault.create_secret('another value', 'sb_contract_secret')$$,
  '23505',
  null,
  'a second secret with the same name is refused (unique_violation)');

------------------------------------------------------------------------------------------------
-- Update
------------------------------------------------------------------------------------------------

create temp table t_before as
select id, secret from vault.secrets where id = (select id from t_ids where label = 'named');

select lives_ok(
  format('select vault.update_secret(%L, %L)', (select id from t_ids where label = 'named'), 'rotated-value'),
  'update_secret(id, new_secret) succeeds');
select is(
  (select decrypted_secret from vault.decrypted_secrets where id = (select id from t_ids where label = 'named')),
  'rotated-value',
  'update_secret changes the secret');
select isnt(
  (select secret from vault.secrets where id = (select id from t_ids where label = 'named')),
  (select secret from t_before),
  'the stored ciphertext changes with it');
select is(
  (select name || ' / ' || description from vault.secrets where id = (select id from t_ids where label = 'named')),
  'sb_contract_secret / contract test secret',
  'fields passed as null keep their value');

select lives_ok(
  format('select vault.update_secret(%L, new_name => %L, new_description => %L)',
    (select id from t_ids where label = 'named'), 'sb_contract_renamed', 'renamed'),
  'update_secret with named arguments succeeds');
select is(
  (select name || ' / ' || description || ' / ' || decrypted_secret from vault.decrypted_secrets
   where id = (select id from t_ids where label = 'named')),
  'sb_contract_renamed / renamed / rotated-value',
  'update_secret renames and redescribes without touching the secret');
select throws_ok(
  format('select vault.update_secret(%L, new_name => %L)', (select id from t_ids where label = 'unnamed_1'), 'sb_contract_renamed'),
  '23505',
  null,
  'renaming onto a taken name is refused (unique_violation)');

select lives_ok(
  $$select vault.update_secret('00000000-0000-0000-0000-000000000000', 'nobody')$$,
  'update_secret of an unknown id does nothing');
select is(
  (select count(*) from vault.secrets where id = '00000000-0000-0000-0000-000000000000')::int,
  0,
  'and creates nothing');

------------------------------------------------------------------------------------------------
-- Privileges: the API roles cannot read secrets
------------------------------------------------------------------------------------------------

select ok(
  not (has_schema_privilege('anon', 'vault', 'usage')
       and has_table_privilege('anon', 'vault.decrypted_secrets', 'select')),
  'anon cannot read vault.decrypted_secrets');
select ok(
  not (has_schema_privilege('authenticated', 'vault', 'usage')
       and has_table_privilege('authenticated', 'vault.decrypted_secrets', 'select')),
  'authenticated cannot read vault.decrypted_secrets');
select ok(
  not (has_schema_privilege('anon', 'vault', 'usage')
       and has_table_privilege('anon', 'vault.secrets', 'select')),
  'anon cannot read vault.secrets');
select ok(
  not (has_schema_privilege('authenticated', 'vault', 'usage')
       and has_table_privilege('authenticated', 'vault.secrets', 'select')),
  'authenticated cannot read vault.secrets');

select * from finish();
rollback;
