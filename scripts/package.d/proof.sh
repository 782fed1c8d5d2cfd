# shellcheck shell=bash
# Shared by the proofs of the packaged zscan (scripts/package-proof, scripts/precommit-wheel-proof):
# sourced, never run. The caller sets `proof` (its name, for messages) and `root` (the checkout).

fail() { printf '%s: FAILED: %s\n' "${proof:?}" "$*" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }

# dist_artifact GLOB: the one file of dist/ that GLOB matches (scripts/package writes one of each).
dist_artifact() {
    local matches
    matches=$(cd "${root:?}/dist" 2>/dev/null && compgen -G "$1") || true
    { [ -n "$matches" ] && [ "$(wc -l <<<"$matches")" -eq 1 ]; } || fail "dist/ must hold one $1: run scripts/package"
    echo "$root/dist/$matches"
}

# build_fixture: sets `fixture` to a release zscan-fixture, built while Swift is on PATH (or
# ZSCAN_FIXTURE, a built one; ZSCAN_SCRATCH, the scratch path to build it in). A test helper that
# plants real zombies; it is not part of any artifact.
build_fixture() {
    if [ -n "${ZSCAN_FIXTURE:-}" ]; then
        fixture=$(realpath -- "$ZSCAN_FIXTURE")
    else
        if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        fi
        local scratch=()
        [ -n "${ZSCAN_SCRATCH:-}" ] && scratch=(--scratch-path "$ZSCAN_SCRATCH")
        (cd "$root" && swift build -c release --product zscan-fixture "${scratch[@]}" >/dev/null)
        fixture="$(cd "$root" && swift build -c release --show-bin-path "${scratch[@]}")/zscan-fixture"
    fi
    [ -x "$fixture" ] || fail "no $fixture"
    echo "$fixture"
}

# drop_swift_from_path: PATH without every directory that holds a `swift`, as on a machine that
# never had a toolchain; fails unless `command -v swift` then finds nothing.
drop_swift_from_path() {
    local path="" dir entries
    IFS=: read -r -a entries <<<"$PATH"
    for dir in "${entries[@]}"; do
        [ -n "$dir" ] && [ ! -x "$dir/swift" ] && path=${path:+$path:}$dir
    done
    export PATH=$path
    ! command -v swift >/dev/null 2>&1 || fail "swift is still on PATH: $(command -v swift)"
    echo "PATH=$PATH (no swift)"
}

# start_fixture MARKER READY-FILE: one zombie under a zscan-fixture whose command line carries
# MARKER; sets fixture_pid (its parent) and zombie_pid. end_fixture ends it by its pid, and its
# zombie with it.
start_fixture() {
    "$fixture" zombies --count 1 --marker "$1" --ttl 600 >"$2" &
    fixture_pid=$!
    for _ in $(seq 100); do
        [ -s "$2" ] && break
        kill -0 "$fixture_pid" 2>/dev/null || fail "zscan-fixture exited before it was ready"
        sleep 0.1
    done
    local ready
    ready=$(head -n 1 "$2")
    zombie_pid=$(sed -n 's/.*"zombies":\[\([0-9]*\).*/\1/p' <<<"$ready")
    [ -n "$zombie_pid" ] || fail "unexpected ready line from zscan-fixture: $ready"
    echo "fixture $fixture_pid, zombie $zombie_pid"
}
end_fixture() {
    if [ -n "${fixture_pid:-}" ]; then
        kill -TERM "$fixture_pid" 2>/dev/null || true
        wait "$fixture_pid" 2>/dev/null || true
        fixture_pid=""
    fi
}
