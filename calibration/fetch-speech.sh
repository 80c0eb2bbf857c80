#!/usr/bin/env bash
# Installs the real speech recordings listed in calibration/speech.yaml and writes them to
# calibration/speech/<id>.wav. Idempotent and non-interactive (used by scripts/setup.sh and CI).
# Sources are Debian packages only (see calibration/README.md for each one's licence); nothing is
# downloaded from elsewhere and nothing is synthesized.
#   --packages-only   install the packages, do not write calibration/speech/
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[speech] %s\n' "$*"; }

PACKAGES=(alsa-utils pocketsphinx-testdata asterisk-core-sounds-en asterisk-core-sounds-en-wav gcin-voice vorbis-tools)
# What each package must have installed (so an already-provisioned machine skips apt entirely).
MARKERS=(/usr/share/sounds/alsa/Front_Center.wav
         /usr/share/pocketsphinx/test/data/librivox/transcription
         /usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz
         /usr/share/asterisk/sounds/en_US_f_Allison/vm-intro.wav
         /usr/share/gcin-voice/ogg
         /usr/bin/oggdec)

need=()
for i in "${!PACKAGES[@]}"; do
  [ -e "${MARKERS[$i]}" ] || need+=("${PACKAGES[$i]}")
done
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    say "missing ${need[*]} and no apt-get here; install them by hand (Debian/Ubuntu package names)"; exit 1
  fi
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo -n"
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" \
    || { $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends "${need[@]}"; }; } >/dev/null
fi
[ "${1:-}" = "--packages-only" ] && exit 0

npx --no-install tsx calibration/materialize.ts calibration/speech.yaml
