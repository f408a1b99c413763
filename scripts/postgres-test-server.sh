#!/usr/bin/env bash
# A private, throw-away PostgreSQL server for Warden's tests (CI and developers).
#
#   scripts/postgres-test-server.sh start <dir>   start one in <dir>; prints its admin URL as the last stdout line
#   scripts/postgres-test-server.sh stop <dir>    stop it (files in <dir> are kept: rm -rf <dir> afterwards)
#   scripts/postgres-test-server.sh status <dir>  exit 0 when it runs, and print its URL
#
# <dir> holds data/ (the cluster), the unix socket, postgres.log, and port/url files.
# It listens on 127.0.0.1 only, trust auth, user postgres, durability off (fsync etc.): tests only.
# Port: $WARDEN_PG_PORT or 55432. When that port is taken by a stale server of this script (one started with
# WARDEN_PG_OWNER_PID=<pid> whose process has since died, e.g. a killed CI run), that server is stopped; when it
# is taken by anything else, the next free port is used (up to 20 tries).
# Binaries: the newest /usr/lib/postgresql/*/bin with initdb and pg_ctl, or $WARDEN_PG_BINDIR.
# As root, the server runs as user postgres (initdb refuses root); otherwise as the calling user.
set -euo pipefail

MARKER=.warden-test-server

say() { echo "postgres-test-server: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

usage() {
  echo "usage: $0 start|stop|status <dir>" >&2
  exit 2
}

[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ -n $dir ]] || usage
if [[ $cmd == start ]]; then
  mkdir -p "$dir" 2>/dev/null || true
  [[ -d $dir ]] || die "cannot create directory $dir"
elif [[ ! -d $dir ]]; then
  say "no server running in $dir (no such directory)"
  [[ $cmd == stop ]] && exit 0
  exit 1
fi
dir=$(cd "$dir" && pwd -P)
data=$dir/data
log=$dir/postgres.log

find_bindir() {
  if [[ -n ${WARDEN_PG_BINDIR:-} ]]; then
    [[ -x $WARDEN_PG_BINDIR/initdb && -x $WARDEN_PG_BINDIR/pg_ctl ]] || die "no initdb/pg_ctl in WARDEN_PG_BINDIR=$WARDEN_PG_BINDIR"
    echo "$WARDEN_PG_BINDIR"
    return
  fi
  local d found=
  # Sorted by version (15 < 16 < 17), the newest wins.
  while IFS= read -r d; do
    [[ -x $d/initdb && -x $d/pg_ctl ]] && found=$d
  done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V)
  [[ -n $found ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)"
  echo "$found"
}

# Run a command as the user that owns the cluster.
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || die "running as root but there is no user 'postgres' (apt-get install postgresql)"
  as_pg() { runuser -u postgres -- "$@"; }
  pg_owner=postgres
else
  as_pg() { "$@"; }
  pg_owner=$(id -un)
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

is_running() { [[ -f $data/postmaster.pid ]] && as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

url_for() { echo "postgres://postgres@127.0.0.1:$1/postgres"; }

stop_cluster() { # <data dir>
  local d=$1
  [[ -f $d/postmaster.pid ]] || return 0
  as_pg "$bindir/pg_ctl" -D "$d" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    as_pg "$bindir/pg_ctl" -D "$d" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
}

# Stop a server on port $1 that this script started for an owner process that is gone.
stop_stale_on_port() {
  local port=$1 p args d owner
  for p in /proc/[0-9]*; do
    [[ -r $p/cmdline ]] || continue
    # The postmaster's command line: .../bin/postgres -D <data> -c ... -c port=<port> ...
    mapfile -d '' -t args <"$p/cmdline" 2>/dev/null || continue
    [[ ${#args[@]} -ge 3 && ${args[0]##*/} == postgres && ${args[1]} == -D ]] || continue
    [[ " ${args[*]} " == *" port=$port "* ]] || continue
    d=${args[2]}
    [[ -f $d/../$MARKER ]] || continue
    owner=$(cat "$d/../owner" 2>/dev/null || true)
    [[ $owner =~ ^[0-9]+$ ]] || continue
    ! kill -0 "$owner" 2>/dev/null || continue
    say "port $port is held by a stale test server in ${d%/data} (its owner, pid $owner, is gone); stopping it"
    stop_cluster "$d"
  done
}

bindir=$(find_bindir)

case $cmd in
start)
  port=${WARDEN_PG_PORT:-55432}
  [[ $port =~ ^[0-9]+$ ]] || die "WARDEN_PG_PORT must be a number, not '$port'"
  if is_running; then
    say "a server is already running in $dir; stopping it first"
    stop_cluster "$data"
  fi
  rm -rf "$data" "$log" "$dir/port" "$dir/url" "$dir/owner"
  : >"$dir/$MARKER"
  if [[ -n ${WARDEN_PG_OWNER_PID:-} ]]; then
    echo "$WARDEN_PG_OWNER_PID" >"$dir/owner"
  fi
  if [[ $(id -u) -eq 0 ]]; then
    chown "$pg_owner:" "$dir"
  fi
  chmod 700 "$dir"
  as_pg test -w "$dir" || die "$pg_owner cannot write to $dir (are all its parent directories searchable?)"

  say "initdb ($bindir) into $data"
  if ! as_pg "$bindir/initdb" -D "$data" --auth=trust -U postgres --no-locale -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  fi

  started=
  for _ in $(seq 1 20); do
    if port_in_use "$port"; then
      stop_stale_on_port "$port"
      if port_in_use "$port"; then
        say "port $port is taken; trying $((port + 1))"
        port=$((port + 1))
        continue
      fi
    fi
    opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir'"
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    say "starting on 127.0.0.1:$port (log: $log)"
    if as_pg "$bindir/pg_ctl" -D "$data" -o "$opts" -w -t 60 -l "$log" start >/dev/null; then
      started=1
      break
    fi
    # Lost a race for the port, or another failure: show why, and try the next port once more.
    tail -n 5 "$log" >&2 2>/dev/null || true
    stop_cluster "$data"
    port=$((port + 1))
  done
  [[ -n $started ]] || die "could not start PostgreSQL (see $log)"
  echo "$port" >"$dir/port"
  url_for "$port" >"$dir/url"
  url_for "$port"
  ;;
stop)
  if is_running; then
    say "stopping the server in $dir"
    stop_cluster "$data"
  else
    say "no server running in $dir"
  fi
  ;;
status)
  if is_running; then
    cat "$dir/url" 2>/dev/null || true
  else
    say "no server running in $dir"
    exit 1
  fi
  ;;
*)
  usage
  ;;
esac
