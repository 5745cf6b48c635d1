#!/bin/sh
# Rewrite tests/golden/export/ from the current export code (review the diff afterwards).
set -e
cd "$(dirname "$0")/.."
UPDATE_GOLDEN=1 cargo test --test it export::every_format_of_the_tiny_case_matches_its_golden_files
git status --short tests/golden/export
