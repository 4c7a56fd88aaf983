#!/usr/bin/env bash
# ensure-chromium.sh finds Chromium and the CJK fonts the web client's
# browser tests need, and prints the browser's path as the last line on
# stdout. When either is missing and we run as root, Debian's packages
# `chromium` and `fonts-noto-cjk` are installed (without the fonts every
# Chinese character renders as a box); as any other user the script fails
# with a hint. No tool ever downloads a browser of its own.
set -euo pipefail

log() { printf 'ensure-chromium: %s\n' "$*" >&2; }

browser=${CHROMIUM:-/usr/bin/chromium}
have_fonts() { compgen -G '/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc' >/dev/null; }

if [[ ! -x $browser ]] || ! have_fonts; then
	if [[ $(id -u) -ne 0 ]]; then
		log "Chromium ($browser) or the Noto CJK fonts are missing; as root run: apt-get install -y chromium fonts-noto-cjk"
		exit 1
	fi
	log "installing Debian's chromium and fonts-noto-cjk"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q chromium fonts-noto-cjk >&2; then
		apt-get update -q >&2
		apt-get install -y -q chromium fonts-noto-cjk >&2
	fi
fi
[[ -x $browser ]] || { log "no Chromium at $browser"; exit 1; }
log "$("$browser" --version 2>/dev/null || echo chromium)"
printf '%s\n' "$browser"
