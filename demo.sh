#!/bin/bash
# Installs what is missing, builds vigil, and runs the demo: a two-node lab
# in network namespaces (lb1 and lb2 on a bridge), one vigild in each.
# Run as root.  Ctrl-C stops the demo and removes the namespaces.
#   ./demo.sh [--seconds N]
set -eu
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
scripts/install-deps.sh
[ -f configure ] || autoreconf -fi >/dev/null
mkdir -p _build/demo
(cd _build/demo && { [ -f Makefile ] || ../../configure -q; } && make -j"$(nproc)" >/dev/null)
export VIGIL_SRCDIR="$top" VIGIL_BUILDDIR="$top/_build/demo"
exec bash tests/demo.sh "$@"
