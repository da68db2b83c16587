# Shared by the scripts: install what a fresh Debian machine lacks, clean up on exit, and find
# (or start) the MySQL-compatible server the tests use.
# shellcheck shell=bash

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages given that are not installed yet.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} (Debian packages)" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The MySQL client library that diesel links against.
ensure_build_deps() {
  command -v cargo >/dev/null || { echo "cargo is missing: install Rust (rustup)" >&2; exit 1; }
  ensure_packages libmariadb-dev-compat pkg-config
}

# Node 20 or newer, for the typed client, the web app and its browser tests.
ensure_node() {
  command -v node >/dev/null || ensure_packages nodejs npm
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
    || { echo "Node 20 or newer is needed (found $(node --version))" >&2; exit 1; }
}

# --- clean-up on exit ------------------------------------------------------------------------
# A script has one EXIT trap; these hooks share it and run last-registered first, so what was
# started last (a server using the database) is stopped before what it depends on (the database).
_exit_hooks=()
_run_exit_hooks() {
  local i
  for ((i = ${#_exit_hooks[@]} - 1; i >= 0; i--)); do "${_exit_hooks[i]}" || true; done
}
# on_exit FUNCTION: call FUNCTION when the script ends, however it ends (also on Ctrl-C).
on_exit() {
  _exit_hooks+=("$1")
  trap _run_exit_hooks EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# --- the tests' MySQL server -----------------------------------------------------------------
# The tests need a server that lets root (or the user in the URL) in over TCP and may create
# and drop databases. A server this script did not start is only ever used as it is: its users
# and logins are never changed. When none answers, a private throw-away mariadbd is started on
# its own port with its own data folder, and stopped (by its PID) when the script ends.

# Split mysql://user[:password]@host[:port][/] into url_user, url_password, url_host, url_port.
parse_mysql_url() {
  local re='^mysql://([^:@/]+)(:([^@/]*))?@([^:@/]+)(:([0-9]+))?/?$'
  [[ $1 =~ $re ]] || { echo "not a server URL (mysql://user[:password]@host[:port]): $1" >&2; return 1; }
  url_user=${BASH_REMATCH[1]} url_password=${BASH_REMATCH[3]}
  url_host=${BASH_REMATCH[4]} url_port=${BASH_REMATCH[6]:-3306}
}

# mysql_cli URL [mariadb arguments...]: the mariadb client on the server at URL, over TCP.
mysql_cli() {
  local url_user url_password url_host url_port
  parse_mysql_url "$1" || return 1
  shift
  # The password goes through the environment, not the command line that `ps` shows.
  MYSQL_PWD="$url_password" mariadb --no-defaults --protocol=TCP --connect-timeout=5 \
    -h "$url_host" -P "$url_port" -u "$url_user" "$@"
}

mysql_answers() {
  mysql_cli "$1" -e 'SELECT 1' >/dev/null 2>&1
}

# Set and export LINLI_TEST_MYSQL_URL: the server at $LINLI_TEST_MYSQL_URL (default
# mysql://root@127.0.0.1:3306) when it answers, otherwise a private throw-away one.
use_test_mysql() {
  local url="${LINLI_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}"
  url=${url%/}
  local url_user url_password url_host url_port
  parse_mysql_url "$url" || exit 1
  command -v mariadb >/dev/null || ensure_packages mariadb-client
  if mysql_answers "$url"; then
    export LINLI_TEST_MYSQL_URL="$url"
    return
  fi
  echo "no MySQL-compatible server lets $url_user in over TCP on $url_host:$url_port;" \
    "starting a private throw-away MariaDB for this run instead" >&2
  start_private_mariadb
  export LINLI_TEST_MYSQL_URL="mysql://root@127.0.0.1:$private_mariadb_port"
}

private_mariadb_pid='' private_mariadb_dir='' private_mariadb_port=''

# A free TCP port below the kernel's range for outgoing connections (nothing is listening).
_free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "no free port for MariaDB" >&2
  return 1
}

# Folders of earlier runs whose script and server are both gone (killed with -9, power cut).
_sweep_private_mariadb_dirs() {
  local d pid
  for d in "$1"/run.*; do
    [ -d "$d" ] || continue
    pid=${d##*.}
    kill -0 "$pid" 2>/dev/null && continue
    [ -s "$d/mariadbd.pid" ] && kill -0 "$(cat "$d/mariadbd.pid")" 2>/dev/null && continue
    rm -rf "$d"
  done
}

start_private_mariadb() {
  local mariadbd install_db
  mariadbd="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
  install_db="$(command -v mariadb-install-db || echo /usr/bin/mariadb-install-db)"
  if [ ! -x "$mariadbd" ] || [ ! -x "$install_db" ]; then
    ensure_packages mariadb-server
    mariadbd="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
    install_db="$(command -v mariadb-install-db || echo /usr/bin/mariadb-install-db)"
  fi

  local parent
  parent="$(realpath -m "${CARGO_TARGET_DIR:-target}")/test-mariadb"
  mkdir -p "$parent"
  _sweep_private_mariadb_dirs "$parent"
  private_mariadb_dir="$parent/run.$$"
  rm -rf "$private_mariadb_dir"
  mkdir -p "$private_mariadb_dir"
  on_exit stop_private_mariadb

  # mariadbd refuses to run as root: as root it runs as the mysql user, which then owns the
  # folder (and must be able to reach it; otherwise it runs as root, as the tests' own do).
  local user_args=()
  if [ "$(id -u)" -eq 0 ]; then
    if id mysql >/dev/null 2>&1 && chown mysql: "$private_mariadb_dir" \
        && runuser -u mysql -- test -w "$private_mariadb_dir" 2>/dev/null; then
      user_args=(--user=mysql)
    else
      user_args=(--user=root)
    fi
  fi

  local d=$private_mariadb_dir
  if ! "$install_db" --no-defaults --auth-root-authentication-method=normal --skip-test-db \
      --datadir="$d/data" "${user_args[@]}" >"$d/install.log" 2>&1; then
    cat "$d/install.log" >&2
    echo "mariadb-install-db failed (log above)" >&2
    return 1
  fi

  # The socket path must stay under the kernel's 108 bytes.
  local socket="$d/mariadbd.sock"
  [ "${#socket}" -lt 100 ] || socket="$(mktemp -u /tmp/linli-mariadb-XXXXXX.sock)"

  for _ in 1 2 3; do
    private_mariadb_port="$(_free_port)"
    "$mariadbd" --no-defaults --datadir="$d/data" --port="$private_mariadb_port" \
      --bind-address=127.0.0.1 --socket="$socket" --pid-file="$d/mariadbd.pid" \
      --log-error="$d/error.log" --skip-log-bin --skip-name-resolve \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
      --max-connections=300 "${user_args[@]}" </dev/null >/dev/null 2>&1 &
    private_mariadb_pid=$!
    echo "private MariaDB: PID $private_mariadb_pid on 127.0.0.1:$private_mariadb_port, data in $d" >&2
    for _ in $(seq 1 600); do
      mysql_answers "mysql://root@127.0.0.1:$private_mariadb_port" && return 0
      kill -0 "$private_mariadb_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$private_mariadb_pid" 2>/dev/null; then
      echo "the private MariaDB did not answer within 60 s" >&2
      return 1
    fi
    wait "$private_mariadb_pid" 2>/dev/null || true
    private_mariadb_pid=
    # Someone took the port between the check and the start: try another one.
    grep -q "Bind on TCP/IP port" "$d/error.log" 2>/dev/null || break
  done
  cat "$d/error.log" >&2 2>/dev/null || true
  echo "the private MariaDB did not start (its log is above)" >&2
  return 1
}

# Stop the private server by its PID (a clean shutdown, killed after 20 s) and remove its data.
stop_private_mariadb() {
  if [ -n "$private_mariadb_pid" ]; then
    kill "$private_mariadb_pid" 2>/dev/null || true
    for _ in $(seq 1 200); do
      kill -0 "$private_mariadb_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$private_mariadb_pid" 2>/dev/null || true
    wait "$private_mariadb_pid" 2>/dev/null || true
    echo "private MariaDB (PID $private_mariadb_pid) stopped" >&2
    private_mariadb_pid=
  fi
  [ -n "$private_mariadb_dir" ] && rm -rf "$private_mariadb_dir"
  return 0
}

# --- the tests' Redis --------------------------------------------------------------------------
# The shared rate limits' tests need a Redis. The one at LINLI_TEST_REDIS_URL (default
# redis://127.0.0.1:6379) is used as it is when it answers PING; each test writes only under a
# key prefix of its own. Otherwise a private redis-server (installed first if missing) is started
# on a free port, without persistence, and stopped by its PID when the script ends.
private_redis_pid=''

# redis_answers HOST PORT: PING over plain TCP (no redis-cli needed).
redis_answers() {
  local reply
  reply="$(timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "PING\r\n" >&3 && head -c 5 <&3' _ "$1" "$2" 2>/dev/null)" || return 1
  [ "$reply" = "+PONG" ]
}

use_test_redis() {
  local url="${LINLI_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
  local re='^redis://([^:/@]+)(:([0-9]+))?(/[0-9]*)?$'
  [[ $url =~ $re ]] || { echo "LINLI_TEST_REDIS_URL must be redis://host[:port][/db] (no password): $url" >&2; exit 1; }
  if redis_answers "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]:-6379}"; then
    export LINLI_TEST_REDIS_URL="$url"
    return
  fi
  echo "no Redis answers at $url; starting a private redis-server for this run instead" >&2
  command -v redis-server >/dev/null || ensure_packages redis-server
  local port
  on_exit stop_private_redis
  for _ in 1 2 3; do
    port="$(_free_port)"
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
      --daemonize no --loglevel warning </dev/null >/dev/null 2>&1 &
    private_redis_pid=$!
    for _ in $(seq 1 100); do
      if redis_answers 127.0.0.1 "$port"; then
        echo "private Redis: PID $private_redis_pid on 127.0.0.1:$port" >&2
        export LINLI_TEST_REDIS_URL="redis://127.0.0.1:$port"
        return
      fi
      kill -0 "$private_redis_pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_private_redis
  done
  echo "the private Redis did not start" >&2
  return 1
}

stop_private_redis() {
  if [ -n "$private_redis_pid" ]; then
    kill "$private_redis_pid" 2>/dev/null || true
    wait "$private_redis_pid" 2>/dev/null || true
    echo "private Redis (PID $private_redis_pid) stopped" >&2
    private_redis_pid=
  fi
  return 0
}
