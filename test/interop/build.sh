#!/usr/bin/env bash
# Builds the interop helpers: every Go module test/interop/*/go.mod and every Rust crate
# test/interop/*/Cargo.toml (or only the directories named as arguments). All caches live outside
# the clone, under ~/.cache/op-follow (XDG_CACHE_HOME respected), so a fresh clone on the same
# machine rebuilds in seconds:
#   go/mod     GOMODCACHE      go/build   GOCACHE
#   cargo-target CARGO_TARGET_DIR        bin/<dir>  the built binaries
# Go binaries: bin/<dir> (a go.mod with a `tool` line builds that tool). Rust: cargo build --release, every binary copied to bin/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/op-follow"
export GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOFLAGS="-modcacherw -buildvcs=false" GOTOOLCHAIN=local
export CARGO_TARGET_DIR="$cache/cargo-target"
mkdir -p "$GOMODCACHE" "$GOCACHE" "$CARGO_TARGET_DIR" "$cache/bin"

dirs=()
if [ $# -gt 0 ]; then
  for d in "$@"; do dirs+=("$here/$d"); done
else
  for f in "$here"/*/go.mod "$here"/*/Cargo.toml; do [ -e "$f" ] && dirs+=("$(dirname "$f")"); done
fi

for d in "${dirs[@]}"; do
  name="$(basename "$d")"
  start=$SECONDS
  if [ -f "$d/go.mod" ]; then
    command -v go >/dev/null || { echo "build.sh: $name needs Go (not on PATH)" >&2; exit 1; }
    # A module naming a `tool` (e.g. promtool/: Prometheus's own promtool, pinned in its go.mod) builds
    # that package, its requirements resolved from the Go proxy (-mod=mod: no vendored go.sum of
    # Prometheus's hundreds of modules in the clone), at low priority: it is a large build.
    tool="$(sed -n 's/^tool[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' "$d/go.mod" | head -n 1)"
    if [ -n "$tool" ]; then
      (cd "$d" && GOFLAGS="$GOFLAGS -mod=mod" nice -n 10 go build -trimpath -o "$cache/bin/$name" "$tool")
    else
      (cd "$d" && go build -o "$cache/bin/$name" .)
    fi
    echo "built $name (go) → $cache/bin/$name in $((SECONDS - start)) s"
  elif [ -f "$d/Cargo.toml" ]; then
    command -v cargo >/dev/null || { echo "build.sh: $name needs cargo (not on PATH)" >&2; exit 1; }
    (cd "$d" && cargo build --release --locked --quiet 2>&1 || cargo build --release --quiet)
    # copy the crate's binaries (cargo metadata names them) next to the Go ones
    for bin in $(cd "$d" && cargo metadata --no-deps --format-version 1 | node -e 'const m=JSON.parse(require("fs").readFileSync(0,"utf8"));for(const p of m.packages)for(const t of p.targets)if(t.kind.includes("bin"))console.log(t.name)'); do
      cp -f "$CARGO_TARGET_DIR/release/$bin" "$cache/bin/$bin"
    done
    echo "built $name (cargo) → $cache/bin in $((SECONDS - start)) s"
  else
    echo "build.sh: $d has neither go.mod nor Cargo.toml" >&2; exit 1
  fi
done
