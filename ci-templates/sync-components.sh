#!/bin/sh
# Copies the templates to templates/, where GitLab's CI/CD catalog finds
# components (templates/<name>.yml). tests/ci_templates.rs checks the copies.
set -eu
cd "$(dirname "$0")/.."
mkdir -p templates
for f in ci-templates/*.yml; do cp "$f" "templates/$(basename "$f")"; done
