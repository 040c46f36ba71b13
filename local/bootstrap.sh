#!/bin/sh
# Bootstrap for a fresh Debian machine that has only Node and npm, then hand over to the
# Deno CLI (local/cli.ts). Every step is idempotent and cheap when already done:
#   1. Debian packages: PostgreSQL 15 with pg_cron and pgTAP, and pg_prove;
#   2. npm packages: the Deno and Supabase CLI binaries pinned in local/npm/package-lock.json;
#   3. `deno run local/cli.ts <command>` does the rest (cluster, migrations, gateway, tests).
set -eu
cd "$(dirname "$0")/.."

need_pkgs=""
for pkg in postgresql-15 postgresql-15-cron postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  case "$status" in
    "install ok installed") ;;
    *) need_pkgs="$need_pkgs $pkg" ;;
  esac
done
if [ -n "$need_pkgs" ]; then
  echo "bootstrap: installing Debian packages:$need_pkgs" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Try without refreshing the package index first; refresh only if that fails.
  # shellcheck disable=SC2086
  $sudo apt-get install -y -q --no-install-recommends $need_pkgs >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q --no-install-recommends $need_pkgs >/dev/null
  }
  # Debian's postgresql-common creates and starts a default cluster on 5432. We run our own
  # project-local cluster; the default one is left as the package made it.
fi

# npm install only when the lockfile changed since the last install. Not `npm ci`: npm 11
# refuses it for these packages, whose lockfile omits the other platforms' optional binaries;
# `npm install` installs the same pinned versions from the lockfile.
tools=local/npm
stamp=$tools/node_modules/.switchboard-lock
if [ ! -x $tools/node_modules/.bin/deno ] || [ ! -x $tools/node_modules/.bin/supabase ] || ! cmp -s $tools/package-lock.json "$stamp"; then
  echo "bootstrap: installing npm packages (deno, supabase)" >&2
  (cd $tools && npm install --no-audit --no-fund --loglevel=error >/dev/null)
  cp $tools/package-lock.json "$stamp"
fi

PATH="$(pwd)/$tools/node_modules/.bin:$PATH"
export PATH
exec deno run -A local/cli.ts "$@"
