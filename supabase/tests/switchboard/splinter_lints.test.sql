-- The Supabase database linter (splinter) lints that apply to a plain PostgreSQL, as pgTAP, on our
-- own schemas (reliability catalogue T36). Each is at least as strict as the lint it mirrors:
-- splinter only looks at schemas the Data API exposes and at objects anon/authenticated can
-- already read, while these treat every one of our schemas as if it were exposed, so that exposing
-- one by mistake never turns up a finding. An intended exception goes in the allowlist below
-- with its reason. 0014 (extension_in_public) is in extension_schemas.test.sql and the broader
-- "no EXECUTE for PUBLIC" rule in function_privileges.test.sql.
begin;
select plan(9);

create temporary table lint_schemas on commit drop as
  select n.oid, n.nspname from pg_namespace n where n.nspname in ('switchboard', 'ops', 'public');

-- lint name → object, reason (none so far)
create temporary table lint_allowlist (lint text, object text, reason text) on commit drop;

-- 0013 rls_disabled_in_public (ERROR): a table without row level security.
select is(
  (select array_agg(c.oid::regclass::text order by c.oid::regclass::text)
   from pg_class c join lint_schemas s on s.oid = c.relnamespace
   where c.relkind in ('r', 'p') and not c.relrowsecurity
     and (c.oid::regclass::text) not in (select a.object from lint_allowlist a where a.lint = '0013')),
  null,
  '0013 rls_disabled_in_public: every table in our schemas has RLS enabled');

-- 0010 security_definer_view (ERROR): a view that runs with its owner's rights.
select is(
  (select array_agg(c.oid::regclass::text order by c.oid::regclass::text)
   from pg_class c join lint_schemas s on s.oid = c.relnamespace
   where c.relkind in ('v', 'm')
     and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
     and not (lower(coalesce(c.reloptions::text, '{}'))::text[]
              && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on'])),
  null,
  '0010 security_definer_view: every view in our schemas is security_invoker');

-- 0011 function_search_path_mutable (WARN): a function that resolves names through the caller's
-- search_path.
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text)
   from pg_proc p join lint_schemas s on s.oid = p.pronamespace
   where not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
     and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')),
  null,
  '0011 function_search_path_mutable: every function in our schemas pins search_path');

-- 0028 / 0029 anon / authenticated security_definer_function_executable (WARN).
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text)
   from pg_proc p join lint_schemas s on s.oid = p.pronamespace
   where p.prosecdef and has_function_privilege('anon', p.oid, 'execute')),
  null,
  '0028 anon_security_definer_function_executable: none in our schemas');
select is(
  (select array_agg(p.oid::regprocedure::text order by p.oid::regprocedure::text)
   from pg_proc p join lint_schemas s on s.oid = p.pronamespace
   where p.prosecdef and has_function_privilege('authenticated', p.oid, 'execute')),
  null,
  '0029 authenticated_security_definer_function_executable: none in our schemas');

-- 0024 rls_policy_always_true (WARN): a permissive write policy for anon, authenticated or
-- everyone whose USING or WITH CHECK is always true.
select is(
  (select array_agg(p.schemaname || '.' || p.tablename || ' ' || p.policyname order by p.schemaname || '.' || p.tablename || ' ' || p.policyname)
   from pg_policies p join lint_schemas s on s.nspname = p.schemaname
   where p.permissive = 'PERMISSIVE'
     and p.cmd in ('INSERT', 'UPDATE', 'DELETE', 'ALL')
     and p.roles && array['public', 'anon', 'authenticated']::name[]
     and (regexp_replace(lower(coalesce(p.qual, '')), '\s', '', 'g') in ('true', '(true)', '1=1', '(1=1)')
       or regexp_replace(lower(coalesce(p.with_check, '')), '\s', '', 'g') in ('true', '(true)', '1=1', '(1=1)')
       or (p.cmd = 'INSERT' and p.with_check is null)
       or (p.cmd in ('UPDATE', 'DELETE', 'ALL') and p.qual is null))),
  null,
  '0024 rls_policy_always_true: no always-true write policy in our schemas');

-- 0019 insecure_queue_exposed_in_api (ERROR): a queue table anon or authenticated can read
-- without RLS (splinter flags it once pgmq_public is exposed; here, whatever is exposed).
select is(
  (select array_agg(c.oid::regclass::text order by c.oid::regclass::text)
   from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'pgmq' and c.relname like 'q\_%' and c.relkind in ('r', 'p')
     and not c.relrowsecurity
     and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('authenticated', c.oid, 'select'))),
  null,
  '0019 insecure_queue_exposed_in_api: no queue table is readable by anon or authenticated');

-- 0023 sensitive_columns_exposed (ERROR): a table readable by anon or authenticated without RLS
-- that has a credential- or identity-like column. Ours adds the personal data Switchboard holds
-- (phone numbers, message bodies, transcripts, raw webhook bodies).
select is(
  (select array_agg(distinct c.oid::regclass::text || '.' || a.attname order by c.oid::regclass::text || '.' || a.attname)
   from pg_class c
   join lint_schemas s on s.oid = c.relnamespace
   join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
   where c.relkind in ('r', 'p')
     and not c.relrowsecurity
     and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('authenticated', c.oid, 'select'))
     and replace(lower(a.attname), '-', '_') ~ '(password|passwd|passphrase|secret|private_key|api_?key|token|jwt|session|otp|ssn|social_security|passport|license|credit_card|card_number|cvv|iban|account_number|routing_number|_number$|^number$|phone|body|transcript|summary|payload|contact)'),
  null,
  '0023 sensitive_columns_exposed: no sensitive column is readable without RLS');

-- Beyond splinter: no table in our private schema is granted to PUBLIC or the API roles at all.
select is(
  (select array_agg(distinct c.oid::regclass::text order by c.oid::regclass::text)
   from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'switchboard' and c.relkind in ('r', 'p', 'v', 'm', 'S')
     and exists (select 1 from aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) x
                 where x.grantee = 0
                    or x.grantee in (select r.oid from pg_roles r where r.rolname in ('anon', 'authenticated')))),
  null,
  'no switchboard table, view or sequence is granted to PUBLIC, anon or authenticated');

select * from finish();
rollback;
