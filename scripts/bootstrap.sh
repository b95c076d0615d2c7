#!/usr/bin/env bash
# Installs everything the project needs on a Debian/Ubuntu machine, idempotently:
#   - Debian packages (Finnish morphology, Chromium for browser tests, feed readers), when root;
#   - a virtualenv in .venv with the pinned Python packages;
#   - axe-core from the npm registry (accessibility checks in the browser tests).
# Re-running is cheap: each step is skipped when its inputs have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(voikko-fi libvoikko1 chromium newsboat sfeed rsstail make wrk)
PYTHON=${PYTHON:-python3}

missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing_apt+=("$pkg")
done
command -v npm >/dev/null 2>&1 || missing_apt+=(nodejs npm)
"$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing_apt+=(python3-venv)

if [ ${#missing_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing Debian packages: ${missing_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing_apt[@]}" >/dev/null
  else
    echo "bootstrap: not root, so these Debian packages are not installed: ${missing_apt[*]}" >&2
    echo "bootstrap: without them the tagger falls back to simplemma and browser/reader tests skip." >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "bootstrap: installing Python packages (pinned by constraints.txt)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev]'
  touch "$stamp"
fi

if command -v npm >/dev/null 2>&1 && [ -f package.json ]; then
  if [ ! -d node_modules/axe-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "bootstrap: installing axe-core from the npm registry"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
  fi
fi
