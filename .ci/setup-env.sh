# shellcheck shell=bash
# Shovel test environment: a local Docker engine, a local registry with basic auth and a
# base image `shovel-node:<major>` built without pulling anything.
#
# Usage (bash):
#   source .ci/setup-env.sh             # set everything up, export SHOVEL_* into this shell
#   eval "$(bash .ci/setup-env.sh)"     # same, for any POSIX shell
#   bash .ci/setup-env.sh               # set up and print the `export` lines
#   bash .ci/setup-env.sh env           # print the `export` lines of a running setup (no changes)
#   bash .ci/setup-env.sh status        # exit 0 when engine, registry and base image are ready
#   bash .ci/setup-env.sh stop [registry|dockerd|all]
#                                       # stop what this script started (default: registry)
#
# Idempotent: a running dockerd, a running registry started by this script (same port) and an
# existing base image are reused. Progress goes to stderr, `export` lines to stdout.
#
# Network rule: everything here talks to loopback only. dockerd is started with bridge
# networking off; every `docker build` / `docker run` uses `--network host`; nothing is pulled.
#
# Settings (environment):
#   SHOVEL_DOCKER                 docker client (default /usr/bin/docker: Debian's 20.10 client,
#                                 which can use BuildKit here)
#   SHOVEL_TEST_REGISTRY_PORT     registry port on 127.0.0.1 (default 5000)
#   SHOVEL_TEST_REGISTRY_USER     registry user (default shovel); the password is random and
#                                 generated each time the registry is (re)started
#   SHOVEL_NODE_MAJOR             Node major of the base image (default: shovel.nodeMajor of
#                                 versions/service/package.json, the one table of versions)
#   SHOVEL_NPM_MAJOR              npm major installed in the base image (default: shovel.npmMajor)
#   SHOVEL_SERVICE_NODE_VERSION   Node the generated service's tests run on (default: the floor of
#                                 engines.node in that table, e.g. >=22.13 -> 22.13.0)
#   SHOVEL_TEST_NODE_IMAGE        base image tag (default shovel-node:$SHOVEL_NODE_MAJOR)
#   SHOVEL_DEBIAN_SUITE           debootstrap suite (default bookworm)
#   SHOVEL_DEBIAN_MIRROR          debootstrap mirror (default: debootstrap's own default)
#   SHOVEL_CI_STATE_DIR           logs, pid files, registry data, credentials (default /tmp/shovel-ci)
#   SHOVEL_CI_CACHE_DIR           debootstrap rootfs + Node/npm downloads + Debian packages of the
#                                 third-party software tests (default /var/cache/shovel-ci)
#   SHOVEL_DOCKERD_TIMEOUT        seconds to wait for `docker info` (default 60)
#   SHOVEL_CI_SKIP_CHECKS=1       skip the container checks (node/npm/BuildKit) when everything
#                                 was reused

# ---------------------------------------------------------------------------------------------
# Sourced: run this file as a child bash (so `set -e`, traps and helpers never leak into the
# caller's shell) and evaluate the `export` lines it prints.
if [[ -n "${BASH_SOURCE[0]:-}" && "${BASH_SOURCE[0]}" != "$0" ]]; then
  if __shovel_env_out="$(bash "${BASH_SOURCE[0]}" "$@")"; then
    eval "$__shovel_env_out"
    unset __shovel_env_out
    return 0
  else
    __shovel_env_rc=$?
    unset __shovel_env_out
    echo "setup-env.sh: failed (exit ${__shovel_env_rc}); nothing was exported" >&2
    return "$__shovel_env_rc"
  fi
fi

set -euo pipefail
umask 022

case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
export PATH

SCRIPT_START=$SECONDS
VERSION_TABLE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/versions/service/package.json"
# A value of the version table by its dotted path (e.g. shovel.nodeMajor).
table_value() {
  node -e 'const v = process.argv[2].split(".").reduce((o, k) => (o == null ? o : o[k]), require(process.argv[1]));
    if (v === undefined) { console.error(`${process.argv[2]} missing in ${process.argv[1]}`); process.exit(1); } console.log(v);' \
    "$VERSION_TABLE" "$1"
}
NODE_MAJOR="${SHOVEL_NODE_MAJOR:-$(table_value shovel.nodeMajor)}"
NPM_MAJOR="${SHOVEL_NPM_MAJOR:-$(table_value shovel.npmMajor)}"
# engines.node is a floor (">=22.13"): its lowest version is what the service's tests run on.
ENGINES_NODE="$(table_value engines.node)"
if [[ -n "${SHOVEL_SERVICE_NODE_VERSION:-}" ]]; then
  SERVICE_NODE_VERSION="$SHOVEL_SERVICE_NODE_VERSION"
elif [[ "$ENGINES_NODE" =~ ^\>=\ *([0-9]+)(\.([0-9]+))?(\.([0-9]+))?$ ]]; then
  SERVICE_NODE_VERSION="${BASH_REMATCH[1]}.${BASH_REMATCH[3]:-0}.${BASH_REMATCH[5]:-0}"
else
  printf '[setup-env] ERROR: engines.node "%s" in %s is not a ">=X.Y" floor\n' "$ENGINES_NODE" "$VERSION_TABLE" >&2
  exit 1
fi
NODE_IMAGE="${SHOVEL_TEST_NODE_IMAGE:-shovel-node:${NODE_MAJOR}}"
SUITE="${SHOVEL_DEBIAN_SUITE:-bookworm}"
REG_PORT="${SHOVEL_TEST_REGISTRY_PORT:-5000}"
REG_HOSTPORT="127.0.0.1:${REG_PORT}"
REG_USER_DEFAULT="${SHOVEL_TEST_REGISTRY_USER:-shovel}"
STATE_DIR="${SHOVEL_CI_STATE_DIR:-/tmp/shovel-ci}"
CACHE_DIR="${SHOVEL_CI_CACHE_DIR:-/var/cache/shovel-ci}"
DOCKERD_TIMEOUT="${SHOVEL_DOCKERD_TIMEOUT:-60}"
REG_DIR="${STATE_DIR}/registry-${REG_PORT}"
DOCKERD_LOG="${STATE_DIR}/dockerd.log"
DOCKERD_PIDFILE="${STATE_DIR}/dockerd.started-pid"   # present only when this script started it
# Debian packages (.deb files) that images FROM the base image install with `dpkg -i`, without
# any network: one directory per set, holding the named package and every dependency the base
# rootfs lacks. Exported as SHOVEL_TEST_DEBS once complete.
DEBS_DIR="${CACHE_DIR}/debs-${SUITE}"
DEB_SETS=(redis-server nginx)

if [[ -n "${SHOVEL_DOCKER:-}" ]]; then
  DOCKER="$SHOVEL_DOCKER"
elif [[ -x /usr/bin/docker ]]; then
  DOCKER=/usr/bin/docker
else
  DOCKER="$(command -v docker || echo docker)"
fi

log() { printf '[setup-env +%3ds] %s\n' "$((SECONDS - SCRIPT_START))" "$*" >&2; }
die() { printf '[setup-env] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found (Debian package: $2). Run .ci/run or: apt-get install -y $2"; }

# HTTP status of GET http://127.0.0.1:PORT/v2/ (000 when nothing answers). Never via a proxy.
registry_status() {
  curl --noproxy '*' -s -o /dev/null -w '%{http_code}' --max-time 3 "http://${REG_HOSTPORT}/v2/" 2>/dev/null || true
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

engine_up() { timeout 20 "$DOCKER" info >/dev/null 2>&1; }

# The Node binary of the generated service's floor (from the npm package `node@VERSION`).
service_node_bin() { printf '%s' "${CACHE_DIR}/node-${SERVICE_NODE_VERSION}/node_modules/node/bin/node"; }

print_exports() {
  # shellcheck disable=SC1091
  source "${REG_DIR}/creds.env"
  printf 'export %s=%q\n' \
    SHOVEL_DOCKER "$DOCKER" \
    SHOVEL_TEST_DOCKER 1 \
    SHOVEL_TEST_REGISTRY "$REG_HOSTPORT" \
    SHOVEL_TEST_REGISTRY_USER "$REGISTRY_USER" \
    SHOVEL_TEST_REGISTRY_PASSWORD "$REGISTRY_PASSWORD" \
    SHOVEL_TEST_NODE_IMAGE "$NODE_IMAGE" \
    SHOVEL_TEST_SERVICE_NODE "$(service_node_bin)" \
    DOCKER_BUILDKIT 1
  # This engine has no bridge network (--bridge=none) and every container uses the host's:
  # the docker target's own setting for that (its default publishes ports on the bridge).
  printf 'export %s=%q\n' SHOVEL_DOCKER_NETWORK host
  if [[ -f "${DEBS_DIR}.complete" ]]; then printf 'export %s=%q\n' SHOVEL_TEST_DEBS "$DEBS_DIR"; fi
}

mkdir -p "$STATE_DIR"
chmod 700 "$STATE_DIR"

# One setup at a time per machine (engineers share the engine). Background daemons get fd 9
# closed so they never hold the lock.
exec 9>"${STATE_DIR}/lock"
if ! flock -w 900 9; then die "another setup-env.sh holds ${STATE_DIR}/lock for 15 min"; fi

# ---------------------------------------------------------------------------------------------
stop_registry() {
  local pid
  pid="$(cat "${REG_DIR}/registry.pid" 2>/dev/null || true)"
  if pid_alive "$pid"; then
    log "stopping registry (pid $pid) on ${REG_HOSTPORT}"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$REG_DIR"
}

stop_dockerd() {
  local pid
  pid="$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)"
  if ! pid_alive "$pid"; then
    rm -f "$DOCKERD_PIDFILE"
    log "dockerd was not started by setup-env.sh: left alone"
    return 0
  fi
  log "stopping dockerd (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do pid_alive "$pid" || break; sleep 0.1; done
  if pid_alive "$pid"; then log "dockerd still running after 30 s: SIGKILL"; kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$DOCKERD_PIDFILE"
}

cmd="${1:-up}"
case "$cmd" in
  up) ;;
  env)
    [[ -f "${REG_DIR}/creds.env" ]] || die "no registry set up on ${REG_HOSTPORT}: run setup-env.sh first"
    print_exports
    exit 0 ;;
  status)
    ok=0
    if engine_up; then log "engine: up ($DOCKER)"; else log "engine: DOWN"; ok=1; fi
    st="$(registry_status)"
    if [[ "$st" == 401 && -f "${REG_DIR}/creds.env" ]]; then log "registry ${REG_HOSTPORT}: up (401 without auth)"; else log "registry ${REG_HOSTPORT}: not ready (GET /v2/ -> $st)"; ok=1; fi
    if "$DOCKER" image inspect "$NODE_IMAGE" >/dev/null 2>&1; then log "image $NODE_IMAGE: present"; else log "image $NODE_IMAGE: missing"; ok=1; fi
    exit "$ok" ;;
  stop)
    what="${2:-registry}"
    case "$what" in
      registry) stop_registry ;;
      dockerd) stop_dockerd ;;
      all) stop_registry; stop_dockerd ;;
      *) die "usage: setup-env.sh stop [registry|dockerd|all]" ;;
    esac
    printf 'unset SHOVEL_TEST_DOCKER SHOVEL_TEST_REGISTRY SHOVEL_TEST_REGISTRY_USER SHOVEL_TEST_REGISTRY_PASSWORD\n'
    exit 0 ;;
  *) die "unknown command '$cmd' (use: up | env | status | stop [registry|dockerd|all])" ;;
esac

need curl curl
need flock util-linux
[[ -x "$DOCKER" ]] || command -v "$DOCKER" >/dev/null 2>&1 || die "docker client '$DOCKER' not found (Debian package docker.io)"

REUSED_ALL=1

# ---------------------------------------------------------------------------------------------
# (a) Docker engine
if engine_up; then
  log "engine: reusing the running Docker engine"
else
  REUSED_ALL=0
  need dockerd docker.io
  if pgrep -x dockerd >/dev/null 2>&1; then
    log "engine: a dockerd process exists but does not answer yet; waiting"
  else
    log "engine: starting dockerd --bridge=none --iptables=false --ip-masq=false (log: $DOCKERD_LOG)"
    : >"$DOCKERD_LOG"
    setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false \
      >>"$DOCKERD_LOG" 2>&1 </dev/null 9>&- &
    echo $! >"$DOCKERD_PIDFILE"
  fi
  started_pid="$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)"
  deadline=$((SECONDS + DOCKERD_TIMEOUT))
  until engine_up; do
    if [[ -n "$started_pid" ]] && ! pid_alive "$started_pid"; then
      rm -f "$DOCKERD_PIDFILE"
      tail -n 40 "$DOCKERD_LOG" >&2 || true
      die "dockerd exited during start-up (log above, full log: $DOCKERD_LOG)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$DOCKERD_LOG" >&2 || true
      die "'$DOCKER info' did not answer within ${DOCKERD_TIMEOUT}s (log above, full log: $DOCKERD_LOG)"
    fi
    sleep 0.5
  done
  log "engine: up"
fi
log "engine: server $("$DOCKER" info --format '{{.ServerVersion}}, storage {{.Driver}}, cgroup v{{.CgroupVersion}}' 2>/dev/null || echo '?')"
if "$DOCKER" network ls --format '{{.Name}}' 2>/dev/null | grep -qx bridge; then
  log "WARNING: the running dockerd has a 'bridge' network: it was not started with --bridge=none. Use --network host everywhere."
fi

# ---------------------------------------------------------------------------------------------
# (b) Registry with htpasswd auth on 127.0.0.1:PORT
reg_pid="$(cat "${REG_DIR}/registry.pid" 2>/dev/null || true)"
reg_status="$(registry_status)"
if pid_alive "$reg_pid" && [[ "$reg_status" == 401 && -f "${REG_DIR}/creds.env" ]]; then
  log "registry: reusing ${REG_HOSTPORT} (pid $reg_pid)"
else
  REUSED_ALL=0
  need docker-registry docker-registry
  need htpasswd apache2-utils
  if pid_alive "$reg_pid"; then
    log "registry: pid $reg_pid does not answer as expected (GET /v2/ -> $reg_status): restarting it"
    stop_registry
    reg_status="$(registry_status)"
  fi
  [[ "$reg_status" == 000 ]] ||
    die "something else already answers on ${REG_HOSTPORT} (GET /v2/ -> $reg_status); set SHOVEL_TEST_REGISTRY_PORT to a free port"
  rm -rf "$REG_DIR"
  mkdir -p "$REG_DIR"
  chmod 700 "$REG_DIR"
  REGISTRY_USER="$REG_USER_DEFAULT"
  REGISTRY_PASSWORD="$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
  # The htpasswd FILE must exist before the registry starts (otherwise it invents a password).
  htpasswd -Bbc "${REG_DIR}/htpasswd" "$REGISTRY_USER" "$REGISTRY_PASSWORD" 2>/dev/null
  REG_DATA="$(mktemp -d "${REG_DIR}/data.XXXXXX")"
  cat >"${REG_DIR}/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${REG_DATA}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: ${REG_HOSTPORT}
  secret: $(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
auth:
  htpasswd:
    realm: shovel-test-registry
    path: ${REG_DIR}/htpasswd
EOF
  printf 'REGISTRY_USER=%q\nREGISTRY_PASSWORD=%q\n' "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"${REG_DIR}/creds.env"
  chmod 600 "${REG_DIR}/creds.env" "${REG_DIR}/config.yml" "${REG_DIR}/htpasswd"
  log "registry: starting docker-registry on ${REG_HOSTPORT} (data: $REG_DATA, log: ${REG_DIR}/registry.log)"
  setsid nohup docker-registry serve "${REG_DIR}/config.yml" \
    >"${REG_DIR}/registry.log" 2>&1 </dev/null 9>&- &
  reg_pid=$!
  echo "$reg_pid" >"${REG_DIR}/registry.pid"
  deadline=$((SECONDS + 30))
  until [[ "$(registry_status)" == 401 ]]; do
    if ! pid_alive "$reg_pid"; then
      tail -n 30 "${REG_DIR}/registry.log" >&2 || true
      die "docker-registry exited during start-up (log above)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "${REG_DIR}/registry.log" >&2 || true
      die "registry did not answer GET /v2/ with 401 within 30 s (last: $(registry_status))"
    fi
    sleep 0.2
  done
  log "registry: up, unauthenticated GET /v2/ -> 401"
fi
# shellcheck disable=SC1091
source "${REG_DIR}/creds.env"

# Sanity login in a throwaway DOCKER_CONFIG (the machine's ~/.docker stays untouched; tests log
# in themselves, in their own temp config, and may try a wrong password).
login_cfg="$(mktemp -d)"
trap 'rm -rf "$login_cfg"' EXIT
if ! out="$(printf '%s' "$REGISTRY_PASSWORD" | DOCKER_CONFIG="$login_cfg" timeout 60 "$DOCKER" login "$REG_HOSTPORT" -u "$REGISTRY_USER" --password-stdin 2>&1)"; then
  printf '%s\n' "$out" >&2
  die "docker login ${REG_HOSTPORT} with the generated credentials failed"
fi
DOCKER_CONFIG="$login_cfg" "$DOCKER" logout "$REG_HOSTPORT" >/dev/null 2>&1 || true
log "registry: docker login ${REG_HOSTPORT} as ${REGISTRY_USER}: ok"

# ---------------------------------------------------------------------------------------------
# (c) Base image: debootstrap minbase + a real Node ${NODE_MAJOR} from the npm registry
DEFAULT_NPM_REGISTRY="$(npm config get registry --userconfig=/dev/null --globalconfig=/dev/null 2>/dev/null || true)"
HOST_NPM_REGISTRY="$(npm config get registry 2>/dev/null || true)"

fetch_npm_package() { # NAME@RANGE DEST_DIR: npm install into a cache dir (once)
  local spec="$1" dest="$2" tmp
  tmp="$(mktemp -d "${CACHE_DIR}/.npm-install.XXXXXX")"
  log "base image: npm install $spec (into $dest)"
  if ! (cd "$tmp" && npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund \
        --ignore-scripts=false --loglevel=error "$spec" </dev/null >"$tmp.log" 2>&1); then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "npm install $spec failed"
  fi
  rm -f "$tmp.log"
  rm -rf "$dest"
  mv "$tmp" "$dest"
}

# (d) The Node the generated service's tests run on: the floor of its engines.node.
ensure_service_node() {
  local dir="${CACHE_DIR}/node-${SERVICE_NODE_VERSION}" bin
  bin="$(service_node_bin)"
  if [[ "$("$bin" -v 2>/dev/null)" != "v${SERVICE_NODE_VERSION}" ]]; then
    mkdir -p "$CACHE_DIR"
    fetch_npm_package "node@${SERVICE_NODE_VERSION}" "$dir"
  fi
  [[ "$("$bin" -v 2>/dev/null)" == "v${SERVICE_NODE_VERSION}" ]] || die "node@${SERVICE_NODE_VERSION} from npm does not run here ($bin)"
  log "service Node: $bin ($("$bin" -v), engines.node ${ENGINES_NODE})"
}

# The debootstrap rootfs of the base image (cached; its key records how it was made).
ROOTFS="${CACHE_DIR}/rootfs-${SUITE}-minbase"
# libatomic1: the official Node 26 binary links libatomic.so.1 (not in minbase).
ROOTFS_INCLUDE="libatomic1${SHOVEL_DEBIAN_INCLUDE:+,${SHOVEL_DEBIAN_INCLUDE}}"
ROOTFS_KEY="debootstrap --variant=minbase --include=${ROOTFS_INCLUDE} ${SUITE}${SHOVEL_DEBIAN_MIRROR:+ ${SHOVEL_DEBIAN_MIRROR}}"

ensure_rootfs() {
  need debootstrap debootstrap
  mkdir -p "$CACHE_DIR"
  local rootfs="$ROOTFS" include="$ROOTFS_INCLUDE" key="$ROOTFS_KEY"
  local t0=$SECONDS
  if [[ -x "${rootfs}/bin/bash" && "$(cat "${rootfs}.complete" 2>/dev/null)" == "$key" ]]; then
    log "base image: reusing debootstrap rootfs $rootfs"
  else
    rm -rf "$rootfs" "${rootfs}.tmp" "${rootfs}.complete"
    log "base image: $key (log: ${STATE_DIR}/debootstrap.log)"
    # shellcheck disable=SC2086
    if ! debootstrap --variant=minbase --include="$include" "$SUITE" "${rootfs}.tmp" ${SHOVEL_DEBIAN_MIRROR:-} \
         </dev/null >"${STATE_DIR}/debootstrap.log" 2>&1; then
      tail -n 30 "${STATE_DIR}/debootstrap.log" >&2 || true
      die "debootstrap failed (log above)"
    fi
    rm -rf "${rootfs}.tmp"/var/cache/apt/archives/*.deb "${rootfs}.tmp"/var/lib/apt/lists/* 2>/dev/null || true
    mv "${rootfs}.tmp" "$rootfs"
    printf '%s' "$key" >"${rootfs}.complete"
    log "base image: debootstrap done in $((SECONDS - t0)) s"
  fi
}

build_base_image() {
  need npm npm
  ensure_rootfs
  local rootfs="$ROOTFS"
  local t0=$SECONDS

  # Node binary (the `node` npm package installs a platform package; resolve the real file).
  local node_dir="${CACHE_DIR}/node-${NODE_MAJOR}" node_bin
  if [[ ! -x "${node_dir}/node_modules/node/bin/node" ]] ||
     [[ "$("${node_dir}/node_modules/node/bin/node" -v 2>/dev/null)" != "v${NODE_MAJOR}."* ]]; then
    fetch_npm_package "node@${NODE_MAJOR}" "$node_dir"
  fi
  node_bin="$(readlink -f "${node_dir}/node_modules/node/bin/node")"
  [[ -f "$node_bin" ]] || die "no Node binary under ${node_dir}/node_modules/node/bin/node"
  local node_version
  node_version="$("$node_bin" -v)" || die "$node_bin does not run on this machine"
  [[ "$node_version" == "v${NODE_MAJOR}."* ]] || die "node@${NODE_MAJOR} gave $node_version"

  # npm (self-contained package: its dependencies are bundled)
  local npm_dir="${CACHE_DIR}/npm-${NPM_MAJOR}"
  if [[ ! -f "${npm_dir}/node_modules/npm/bin/npm-cli.js" ]]; then
    fetch_npm_package "npm@${NPM_MAJOR}" "$npm_dir"
  fi
  local npm_version
  npm_version="$(node -p 'require(process.argv[1]).version' "${npm_dir}/node_modules/npm/package.json")"

  local stage
  stage="$(mktemp -d "${CACHE_DIR}/.stage.XXXXXX")"
  log "base image: assembling $NODE_IMAGE (Node $node_version, npm $npm_version)"
  cp -a "${rootfs}/." "$stage/"
  install -D -m 755 "$node_bin" "$stage/usr/local/bin/node"
  mkdir -p "$stage/usr/local/lib/node_modules"
  cp -a "${npm_dir}/node_modules/npm" "$stage/usr/local/lib/node_modules/npm"
  ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/local/bin/npm"
  ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$stage/usr/local/bin/npx"
  install -D -m 644 /etc/ssl/certs/ca-certificates.crt "$stage/etc/ssl/certs/ca-certificates.crt"
  # npm inside the image: same CA bundle as the host (the npm registry may be reached through a
  # TLS proxy) and the host's registry when it is not npm's built-in default.
  mkdir -p "$stage/usr/local/etc"
  {
    echo "cafile=/etc/ssl/certs/ca-certificates.crt"
    echo "update-notifier=false"
    echo "fund=false"
    if [[ -n "$HOST_NPM_REGISTRY" && "$HOST_NPM_REGISTRY" != "$DEFAULT_NPM_REGISTRY" ]]; then
      echo "registry=${HOST_NPM_REGISTRY}"
    fi
  } >"$stage/usr/local/etc/npmrc"
  # user node, uid/gid 1000, home /home/node (like the official node images)
  chroot "$stage" groupadd --gid 1000 node
  chroot "$stage" useradd --uid 1000 --gid node --shell /bin/bash --create-home --home-dir /home/node node
  local in_root
  in_root="$(chroot "$stage" /usr/local/bin/node -v 2>&1)" ||
    die "Node does not run inside the rootfs (missing shared library?): $in_root"
  log "base image: docker import"
  tar --numeric-owner -C "$stage" -c . | "$DOCKER" import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    -c "ENV NODE_VERSION=${node_version#v}" \
    -c 'CMD ["node"]' \
    -m "shovel base image: debootstrap ${SUITE} minbase + Node ${node_version} + npm ${npm_version}" \
    - "$NODE_IMAGE" >/dev/null
  rm -rf "$stage"
  log "base image: $NODE_IMAGE built in $((SECONDS - t0)) s"
}

image_node_version() { # prints the Node version the image runs; fails when it does not run
  timeout 60 "$DOCKER" run --rm --network host "$NODE_IMAGE" node -e 'console.log(process.version)' 2>&1
}

if "$DOCKER" image inspect "$NODE_IMAGE" >/dev/null 2>&1; then
  if v="$(image_node_version)" && [[ "$v" == "v${NODE_MAJOR}."* ]]; then
    IMAGE_NODE_VERSION="$v"
    log "base image: reusing $NODE_IMAGE ($v)"
  else
    log "base image: existing $NODE_IMAGE is not usable ($v): rebuilding it"
    "$DOCKER" image rm -f "$NODE_IMAGE" >/dev/null
    REUSED_ALL=0
    build_base_image
  fi
else
  REUSED_ALL=0
  build_base_image
fi

# ---------------------------------------------------------------------------------------------
# Checks inside containers (all --network host)
if [[ "$REUSED_ALL" == 1 && "${SHOVEL_CI_SKIP_CHECKS:-0}" == 1 ]]; then
  log "checks: skipped (everything reused, SHOVEL_CI_SKIP_CHECKS=1)"
else
  v="${IMAGE_NODE_VERSION:-}"
  if [[ -z "$v" ]]; then v="$(image_node_version)" || die "docker run $NODE_IMAGE node failed: $v"; fi
  [[ "$v" == "v${NODE_MAJOR}."* ]] || die "$NODE_IMAGE runs Node '$v', expected v${NODE_MAJOR}.x"
  log "check: docker run --network host $NODE_IMAGE node -> $v"

  [[ -n "$(env | grep -i -E '^(https?|all)_proxy=' || true)" ]] &&
    log "note: proxy variables are set on the host; containers do not inherit them"
  if ! v="$(timeout 120 "$DOCKER" run --rm --network host "$NODE_IMAGE" npm view is-number version 2>&1)"; then
    printf '%s\n' "$v" >&2
    die "npm cannot reach its registry from inside $NODE_IMAGE (--network host)"
  fi
  log "check: npm view is-number version inside the container -> $(printf '%s' "$v" | tail -n 1)"

  bk="$(mktemp -d)"
  trap 'rm -rf "$login_cfg" "$bk"' EXIT
  cat >"$bk/Dockerfile" <<EOF
FROM ${NODE_IMAGE}
RUN --mount=type=cache,target=/root/.npm node -e "require('fs').writeFileSync('/root/.npm/shovel-ci-probe', 'ok')"
EOF
  probe_tag="shovel-ci-probe:buildkit-$$"
  if ! out="$(DOCKER_BUILDKIT=1 timeout 180 "$DOCKER" build --network host --no-cache --progress=plain -t "$probe_tag" "$bk" 2>&1)"; then
    printf '%s\n' "$out" | tail -n 30 >&2
    die "BuildKit build (RUN --mount=type=cache) FROM $NODE_IMAGE failed with $DOCKER"
  fi
  "$DOCKER" image rm "$probe_tag" >/dev/null 2>&1 || true
  log "check: DOCKER_BUILDKIT=1 $DOCKER build --network host with RUN --mount=type=cache: ok"
fi

# ---------------------------------------------------------------------------------------------
# (e) Debian packages for the third-party software tests (redis-server, nginx), downloaded once
# from the Debian archive by apt-get inside a copy of the base rootfs: apt computes exactly what
# that rootfs lacks. The tests themselves never reach the network.
ensure_test_debs() {
  local key="${ROOTFS_KEY}; apt-get install --download-only --no-install-recommends: ${DEB_SETS[*]}"
  if [[ "$(cat "${DEBS_DIR}.complete" 2>/dev/null)" == "$key" ]]; then
    log "debs: reusing ${DEBS_DIR} (${DEB_SETS[*]})"
    return 0
  fi
  ensure_rootfs
  local t0=$SECONDS work set
  # Under the lock no other run is at work here: what a killed run left behind goes too.
  rm -rf "$DEBS_DIR" "${DEBS_DIR}.complete" "${CACHE_DIR}"/.debs.*
  work="$(mktemp -d "${CACHE_DIR}/.debs.XXXXXX")"
  mkdir -p "${work}/root"
  cp -a "${ROOTFS}/." "${work}/root/"
  install -m 644 /etc/resolv.conf "${work}/root/etc/resolv.conf"
  log "debs: apt-get update inside a copy of $ROOTFS (log: ${STATE_DIR}/debs.log)"
  : >"${STATE_DIR}/debs.log"
  if ! chroot "${work}/root" apt-get -q update </dev/null >>"${STATE_DIR}/debs.log" 2>&1; then
    tail -n 20 "${STATE_DIR}/debs.log" >&2 || true
    rm -rf "$work"
    die "apt-get update inside the rootfs copy failed (log above)"
  fi
  mkdir -p "${work}/out"
  for set in "${DEB_SETS[@]}"; do
    mkdir -p "${work}/root/debs/${set}"
    if ! chroot "${work}/root" apt-get install -q -y --download-only --no-install-recommends \
         -o "Dir::Cache::archives=/debs/${set}/" "$set" </dev/null >>"${STATE_DIR}/debs.log" 2>&1; then
      tail -n 20 "${STATE_DIR}/debs.log" >&2 || true
      rm -rf "$work"
      die "apt-get install --download-only $set inside the rootfs copy failed (log above)"
    fi
    mkdir -p "${work}/out/${set}"
    mv "${work}/root/debs/${set}/"*.deb "${work}/out/${set}/"
    log "debs: ${set}: $(find "${work}/out/${set}" -name '*.deb' -printf '%f ' | sed 's/_[^ ]*//g')"
  done
  chmod -R a+rX "${work}/out"
  mv "${work}/out" "$DEBS_DIR"
  rm -rf "$work"
  printf '%s' "$key" >"${DEBS_DIR}.complete"
  log "debs: ${DEBS_DIR} ready in $((SECONDS - t0)) s"
}

ensure_service_node
ensure_test_debs

log "ready in $((SECONDS - SCRIPT_START)) s"
print_exports
