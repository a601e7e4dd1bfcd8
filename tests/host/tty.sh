#!/bin/sh
# tests/host/tty.sh HOST HISTFILE: drive the REPL on a pseudo-terminal
# (util-linux `script`) with readline: an expression, a Tab completion,
# Ctrl-C at the prompt and at a continuation prompt, a statement, Ctrl-D.
# Waits for each line to reach the history file before typing on, so the
# Ctrl-Cs arrive at a prompt, not during an evaluation.  Prints the session
# with carriage returns and bracketed-paste toggles removed, then
# "rc=N" (the host's exit status).
# `script` runs its command with "$SHELL -c"; the host is exec'd so that it is
# script's direct child: dash (/bin/sh, used when SHELL is unset) does not exec
# a lone command, and a non-interactive dash dies of the first Ctrl-C while the
# host catches it, which made script report rc=130 after a correct session.
host=$1; hist=$2
rm -f "$hist"
wait_hist() {
  i=0
  while ! grep -qxF "$1" "$hist" 2>/dev/null && [ $i -lt 300 ]; do
    sleep 0.05; i=$((i + 1))
  done
}
out=$(mktemp)
{
  printf '40 + 2\n';           wait_hist '40 + 2'
  printf 'credo.versi\t\n';    wait_hist 'credo.version'
  sleep 0.3
  printf 'abandoned\003';      sleep 0.3
  printf 'for i = 1, 2 do\n';  sleep 0.3
  printf '\003';               sleep 0.3
  printf 'y = 1\n';            wait_hist 'y = 1'
  sleep 0.3
  printf '\004'
} | CREDO_HISTORY="$hist" script -qfec "exec $host" /dev/null >"$out" 2>&1
rc=$?
tr -d '\r' <"$out" | sed 's/\x1b\[?2004[hl]//g'
echo "rc=$rc"
rm -f "$out"
