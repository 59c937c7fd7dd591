#!/usr/bin/env bash
# Builds the Kubernetes control-plane binaries (kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl), etcd and KWOK from the Go module proxy and caches them by version
# outside the repo. Prints K8S_VERSION=, K8S_BIN=, ETCD_BIN= and KWOK_BIN= lines on stdout.
#
#   test/env/build/k8s.sh [VERSION]   VERSION: 1.34 (newest served patch), v1.34.4, or empty
#                                     (newest served minor that the machine's Go can build)
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules at v0.0.0 and points at
# them with replace directives, which `go install` refuses. A throwaway module that requires
# k8s.io/kubernetes and replaces each staging module with its published v0.X.Y builds fine.
set -euo pipefail

cache_root="${NTH_CACHE_DIR:-$HOME/.cache/node-termination-handler}"
etcd_version="${ETCD_VERSION:-v3.6.17}"
kwok_version="${KWOK_VERSION:-v0.7.0}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}" CGO_ENABLED=0
log() { printf '[k8s-build] %s\n' "$*" >&2; }

go_version() { go env GOVERSION | sed 's/^go//'; }
# version_le A B: true when A <= B (dotted numbers)
version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }

served_versions() {
  (cd "$(mktemp -d)" && go list -m -versions k8s.io/kubernetes 2>/dev/null) | tr ' ' '\n' |
    grep -E '^v1\.[0-9]+\.[0-9]+$' | sort -V
}

# The go directive of a served version's go.mod, so we skip versions this Go cannot build.
gomod_of() { (cd "$(mktemp -d)" && go mod download -json "k8s.io/kubernetes@$1") |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])'; }

resolve_version() {
  local want="${1:-}" v
  if [[ "$want" =~ ^v?1\.[0-9]+\.[0-9]+$ ]]; then echo "v${want#v}"; return; fi
  local list
  list="$(served_versions || true)"
  if [ -z "$list" ]; then
    # Offline: fall back to what the cache already has.
    list="$(ls "$cache_root/k8s" 2>/dev/null | grep -E '^v1\.' | sort -V || true)"
    [ -n "$list" ] || { log "cannot list k8s.io/kubernetes versions from the Go module proxy and the cache is empty"; exit 1; }
  fi
  if [[ "$want" =~ ^v?1\.[0-9]+$ ]]; then
    v="$(grep -E "^v${want#v}\.[0-9]+$" <<<"$list" | tail -n1)"
    [ -n "$v" ] || { log "no served patch of Kubernetes $want"; exit 1; }
    echo "$v"; return
  fi
  [ -z "$want" ] || { log "K8S_VERSION '$want' is not a minor (1.34) or a patch (v1.34.4)"; exit 1; }
  local gov; gov="$(go_version)"
  for v in $(tac <<<"$list"); do
    [ -x "$cache_root/k8s/$v/kube-apiserver" ] && { echo "$v"; return; }
    local need; need="$(awk '/^go /{print $2; exit}' "$(gomod_of "$v")")"
    if version_le "$need" "$gov"; then echo "$v"; return; fi
    log "skipping $v: needs go $need, machine has go $gov"
  done
  log "no served Kubernetes version builds with go $gov"; exit 1
}

build_kubernetes() {
  local v="$1" out="$cache_root/k8s/$1"
  [ -x "$out/kubectl" ] && return 0
  local minor; minor="$(cut -d. -f2 <<<"${v#v}")"
  local work; work="$(mktemp -d "${TMPDIR:-/tmp}/nth-k8s-build.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  log "building Kubernetes $v (a cold build takes 15-25 minutes on 2 cores)"
  local gomod; gomod="$(gomod_of "$v")"
  (
    cd "$work"
    go mod init nth.local/k8s-build >/dev/null 2>&1
    # Same Go language version as Kubernetes itself, so its godebug defaults apply.
    go mod edit -go="$(awk '/^go /{print $2; exit}' "$gomod")"
    # Every staging module (k8s.io/x => ./staging/src/k8s.io/x) becomes k8s.io/x v0.<minor>.<patch>.
    local staging_version="v0.${v#v1.}"
    # A few staging modules are missing from the proxy at some patches (k8s.io/endpointslice
    # v0.32.13 answers 403 "not available"): take that module's newest served patch of the same
    # minor below the wanted one, and say so. Staging code barely moves between patches.
    grep -E '=> \./staging/' "$gomod" | awk '{print $1}' | sort -u | while read -r m; do
      local use="$staging_version"
      if ! go mod download "$m@$staging_version" >/dev/null 2>&1; then
        use="$( { go list -m -versions "$m" 2>/dev/null | tr ' ' '\n' | grep -E "^v0\.$minor\.[0-9]+$" || true; } |
          { cat; echo "$staging_version"; } | sort -V | sed -n "/^$staging_version\$/q;p" | tail -n1)"
        if [ -z "$use" ]; then
          # Not served at this minor at all (the sample-* modules): no binary we build imports
          # it; should one ever do, `go get` below fails naming it.
          log "$m has no v0.$minor release on the Go module proxy; leaving it out"
          continue
        fi
        log "$m@$staging_version is not served by the Go module proxy; using $use"
      fi
      go mod edit -replace="$m=$m@$use"
    done
    go mod edit -require="k8s.io/kubernetes@$v"
    local pkgs=(cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubectl)
    # Each package at $v explicitly: a bare `go get` of a package path would move
    # k8s.io/kubernetes to the newest release and mismatch the pinned staging modules.
    local p targets=()
    for p in "${pkgs[@]}"; do targets+=("k8s.io/kubernetes/$p@$v"); done
    go get "${targets[@]}" >&2
    grep -q "k8s.io/kubernetes $v" go.mod || { log "go.mod did not keep k8s.io/kubernetes at $v"; exit 1; }
    local ld="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    mkdir -p bin
    go build -trimpath -ldflags "$ld" -o bin/ "${pkgs[@]/#/k8s.io/kubernetes/}" >&2
  )
  mkdir -p "$(dirname "$out")"
  rm -rf "$out.tmp" && mv "$work/bin" "$out.tmp" && mv "$out.tmp" "$out"
  log "Kubernetes $v cached in $out"
}

build_etcd() {
  local out="$cache_root/etcd/$etcd_version"
  [ -x "$out/etcd" ] && return 0
  local work; work="$(mktemp -d "${TMPDIR:-/tmp}/nth-etcd-build.XXXXXX")"
  trap 'rm -rf "$work"' RETURN
  log "building etcd $etcd_version"
  (
    cd "$work"
    go mod init nth.local/etcd-build >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@$etcd_version" >&2
    mkdir -p bin
    go build -trimpath -ldflags "-s -w" -o bin/etcd go.etcd.io/etcd/server/v3 >&2
  )
  mkdir -p "$(dirname "$out")"
  rm -rf "$out.tmp" && mv "$work/bin" "$out.tmp" && mv "$out.tmp" "$out"
}

build_kwok() {
  local out="$cache_root/kwok/$kwok_version"
  [ -x "$out/kwok" ] && [ -x "$out/kwokctl" ] && return 0
  log "building kwok and kwokctl $kwok_version"
  mkdir -p "$out.tmp"
  GOBIN="$out.tmp" go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@$kwok_version" "sigs.k8s.io/kwok/cmd/kwokctl@$kwok_version" >&2
  rm -rf "$out" && mv "$out.tmp" "$out"
}

command -v go >/dev/null || { log "go is not installed: the test environment builds Kubernetes with it"; exit 1; }
mkdir -p "$cache_root"
version="$(resolve_version "${1:-${K8S_VERSION:-}}")"
if ! { [ -x "$cache_root/k8s/$version/kubectl" ] && [ -x "$cache_root/etcd/$etcd_version/etcd" ] &&
       [ -x "$cache_root/kwok/$kwok_version/kwokctl" ]; }; then
  # One build at a time per machine: parallel runs wait here instead of racing on the cache.
  exec 9>"$cache_root/.build.lock"
  flock 9
  build_etcd
  build_kwok
  build_kubernetes "$version"
fi
echo "K8S_VERSION=$version"
echo "K8S_BIN=$cache_root/k8s/$version"
echo "ETCD_BIN=$cache_root/etcd/$etcd_version"
echo "KWOK_BIN=$cache_root/kwok/$kwok_version"
