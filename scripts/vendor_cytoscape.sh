#!/bin/sh
# Refresh the vendored cytoscape.js that `casegraph serve` embeds in the
# binary (src/serve/assets/vendor/). Usage: scripts/vendor_cytoscape.sh [VERSION]
# Fetches the package tarball from the npm registry with npm itself, keeps
# only the minified build and the licence, and records the version and the
# tarball's integrity hash in VERSION.
set -eu
version="${1:-latest}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/serve/assets/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(npm pack "cytoscape@$version" --silent)"
tar -xzf "$tarball"
resolved="$(node -p 'require("./package/package.json").version')"
integrity="$(npm view "cytoscape@$resolved" dist.integrity)"
mkdir -p "$dest"
cp package/dist/cytoscape.min.js "$dest/cytoscape.min.js"
cp package/LICENSE "$dest/cytoscape.LICENSE"
printf 'cytoscape %s\nnpm integrity %s\nfiles: dist/cytoscape.min.js, LICENSE\n' "$resolved" "$integrity" > "$dest/cytoscape.VERSION"
echo "cytoscape $resolved vendored into $dest"
