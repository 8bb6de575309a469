#!/usr/bin/env bash
# Checks deploy/make-secrets.sh by running it into throw-away folders: what it makes verifies
# against its CA; the shop's caller-key is made beside the suite's client-key, listed once as shop,
# in no Secret, and made with its line in a folder an older version left without it; a rerun keeps the CA, the service key and certificate and the API keys byte for
# byte (and the lines an operator added to api-keys); --renew replaces the service key and
# certificate only, still signed by the kept CA; --new-api-keys and --new-ca replace only what they
# name; the rotation in three steps (--rotate-api-keys: next keys accepted, kept as *.new;
# --use-new-api-keys: handed out, the old kept as *.old; --retire-old-api-keys: the old dropped)
# has every step's keys accepted by the api-keys before and after it, refuses steps out of order,
# --abandon-rotation after step 1 puts the keys back as before it,
# a step killed in the middle of its final moves is finished by the next run (which says what the
# step would have, and does only that; so is one killed after them, before secrets.yaml), a run
# killed before its moves leaves a folder the next deletes, a command that fails while the files
# are made (cp, awk, openssl) stops the run writing nothing, and a second run
# while one runs on the folder stops; a kept file that does not belong (a key that is not its certificate's, a certificate another
# CA signed, api-keys without the client key) stops it with a message and exit status 1, writing
# nothing; a certificate about to expire is reported.
# Run by deploy/check.sh; alone: bash deploy/check-secrets.sh (a few minutes). Needs openssl and
# sha256sum. Ends with "secrets-check: N passed, M failed"; exit status 1 on any failure.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
passed=0
failed=0
check() {
  local what="$1"
  shift
  if "$@" >/dev/null 2>&1; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: make-secrets.sh: $what; its last run said:"
    sed 's/^/    /' "$work/said"
  fi
}
# Runs the script; its output (both streams) is left in $work/said, its exit status returned. A
# folder in $stand_in comes first on its PATH.
make_secrets() { PATH="${stand_in:+$stand_in:}$PATH" bash "$root/deploy/make-secrets.sh" "$@" >"$work/said" 2>&1; }
said() { grep -qF -- "$1" "$work/said"; }
same() { local f; for f in "${@:3}"; do cmp -s "$1/$f" "$2/$f" || return 1; done; }
differ() { local f; for f in "${@:3}"; do ! cmp -s "$1/$f" "$2/$f" || return 1; done; }
verifies() { openssl verify -CAfile "$1/ca.crt" "$1/tls.crt"; }
belongs() { [ "$(openssl pkey -in "$1/tls.key" -pubout)" = "$(openssl x509 -in "$1/tls.crt" -noout -pubkey)" ]; }
hash() { tr -d '\n' <"$1" | sha256sum | cut -d' ' -f1; }
lists() { grep -qx "$2 $(hash "$1/$3") $4" "$1/api-keys"; }
# The script's three keys, each listed once under its name: the suite's own, the operator's and the shop's.
lists_ours() {
  lists "$1" client client-key glassbox-internal && lists "$1" admin admin-key operator \
    && lists "$1" client caller-key shop && test "$(grep -c -e " glassbox-internal$" -e " operator$" -e " shop$" "$1/api-keys")" = 3
}
ca=(ca.crt ca.key)
tls=(tls.crt tls.key)
keys=(client-key admin-key caller-key api-keys)
all=("${ca[@]}" "${tls[@]}" "${keys[@]}")
snapshot() { rm -rf "$2" && cp -a "$1" "$2"; }
# Modes: a file holding a secret is readable by its owner only (600), wherever a copy of the folder
# goes (cp -r, a tarball keep modes); client-key and api-keys (hashes only) stay readable (644) for
# the compose containers, which run as another user and read them through bind mounts that keep the
# host's owner and mode, and so do the certificates (public).
private=(admin-key caller-key ca.key tls.key secrets.yaml
         client-key.new admin-key.new caller-key.new client-key.old admin-key.old caller-key.old)
readable=(client-key api-keys ca.crt tls.crt)
modes() {  # folder: every file of it the script names at its mode
  local f
  for f in "${private[@]}"; do [ ! -e "$1/$f" ] || [ "$(stat -c %a "$1/$f")" = 600 ] || return 1; done
  for f in "${readable[@]}"; do [ ! -e "$1/$f" ] || [ "$(stat -c %a "$1/$f")" = 644 ] || return 1; done
}
# The servers' own rule (ApiKeys.parse): a role, 64 hex digits and a name of [A-Za-z0-9._@-]{1,64}.
servers_read() { eval '! grep -Evx "(client|admin) [0-9a-f]{64} [A-Za-z0-9._@-]{1,64}|[[:space:]]*(#.*)?" '"$1"/api-keys; }

# A fresh folder: everything made, the certificate signed by the CA.
check "a first run into an empty folder succeeds" make_secrets s
check "a first run says what it made" said "made client-key admin-key caller-key api-keys ca.key ca.crt tls.key tls.crt"
check "a first run makes every file" test -s s/ca.crt -a -s s/ca.key -a -s s/tls.crt -a -s s/tls.key \
  -a -s s/client-key -a -s s/admin-key -a -s s/caller-key -a -s s/api-keys
check "the certificate it makes verifies against its CA (openssl verify)" verifies s
check "api-keys lists the client key as client, the admin key as admin and the caller key as client, each once" lists_ours s
check "the caller key, for the shop's back end, is not the suite's own key" eval '! cmp -s s/client-key s/caller-key'
check "the caller key is readable by its owner only: no container reads it" test "$(stat -c %a s/caller-key)" = 600
check "a first run makes the private keys, the plain keys the containers do not read and secrets.yaml 600, the rest 644" modes s
check "secrets.yaml does not hand the caller key to the pods" eval '! command -v kubectl || ! grep -qF "$(base64 -w0 s/caller-key)" s/secrets.yaml'

# A rerun keeps everything, including a line an operator added for another application.
echo "client $(printf shop-app-key | sha256sum | cut -d' ' -f1) shop-app" >>s/api-keys
snapshot s s0
check "a rerun succeeds" make_secrets s
check "a rerun keeps the CA, the service key and certificate and the API keys byte for byte" same s0 s "${all[@]}"
check "a rerun says what it kept" said "kept client-key admin-key caller-key api-keys ca.key ca.crt tls.key tls.crt"

# A folder whose private files others can read (tls.key as older versions left it, files put back
# by hand or unpacked with another umask): a rerun takes their group and other bits away and says so.
snapshot s0 loose
chmod 755 loose/tls.key
chmod 644 loose/ca.key loose/admin-key
chmod 640 loose/caller-key
check "a rerun over private files others can read succeeds" make_secrets loose
check "... makes them 600, the others as they were" eval 'modes loose && same s0 loose "${all[@]}"'
check "... and says which it made private" said "made admin-key caller-key ca.key tls.key readable by their owner only"
check "... and the next rerun has none to tighten" eval 'make_secrets loose && ! said "readable by their owner only"'

# --renew: a new service key and certificate, the same CA and API keys.
check "--renew succeeds" make_secrets s --renew
check "--renew replaces tls.crt and tls.key" differ s0 s "${tls[@]}"
check "--renew keeps the CA and the API keys byte for byte" same s0 s "${ca[@]}" "${keys[@]}"
check "the renewed certificate verifies against the kept CA (openssl verify)" verifies s
check "the renewed key is the renewed certificate's" belongs s
check "--renew says what it replaced" said "replaced tls.key tls.crt"
check "--renew leaves the new tls.key at 600" modes s

# --new-api-keys: new plain keys, api-keys with their hashes and the operator's line still there.
snapshot s s1
check "--new-api-keys succeeds" make_secrets s --new-api-keys
check "--new-api-keys replaces client-key, admin-key and caller-key" differ s1 s client-key admin-key caller-key
check "--new-api-keys keeps the CA and the certificate byte for byte" same s1 s "${ca[@]}" "${tls[@]}"
check "--new-api-keys lists the new keys in api-keys" lists_ours s
check "--new-api-keys says the shop is refused until it has the new caller-key" \
  said "is refused from the moment a pod has the new api-keys until it presents the new caller-key"
check "--new-api-keys keeps the lines an operator added to api-keys" grep -q " shop-app$" s/api-keys
check "--new-api-keys leaves admin-key and caller-key at 600, client-key at 644" modes s
check "--new-api-keys drops the old keys from api-keys" \
  test "$(grep -c -e "$(hash s1/client-key)" -e "$(hash s1/admin-key)" -e "$(hash s1/caller-key)" s/api-keys)" = 0

# --new-ca: a new CA and certificate, with a warning of what stops being trusted.
snapshot s s2
check "--new-ca succeeds" make_secrets s --new-ca
check "--new-ca replaces the CA and the certificate" differ s2 s "${ca[@]}" "${tls[@]}"
check "--new-ca keeps the API keys byte for byte" same s2 s "${keys[@]}"
check "the certificate of the new CA verifies against it (openssl verify)" verifies s
check "--new-ca warns that what the old CA signed stops being trusted, naming it" \
  said "Every certificate the old CA signed stops being trusted: tls.crt here"
check "--new-ca leaves ca.key and tls.key at 600" modes s

# Kept files that do not belong together: exit status 1, a message naming them, nothing written.
broken_run() {  # folder, expected message, then options
  local dir="$1" message="$2"
  shift 2
  snapshot "$dir" "$dir.before"
  ! make_secrets "$dir" "$@" && said "$message" && said "nothing written" \
    && [ "$(ls -A "$dir")" = "$(ls -A "$dir.before")" ] && same "$dir.before" "$dir" $(ls -A "$dir")
}
snapshot s0 k
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out k/tls.key
check "a tls.key that is not tls.crt's key fails with a message, writing nothing" \
  broken_run k "tls.key is not the key of tls.crt"
check "... and --renew replaces it" make_secrets k --renew

snapshot s0 c
make_secrets other
cp other/tls.crt other/tls.key c/
check "a tls.crt another CA signed fails with a message, writing nothing" \
  broken_run c "tls.crt is not signed by ca.crt"

snapshot s0 a
cp other/ca.key a/ca.key
check "a ca.key that is not ca.crt's key fails with a message, writing nothing" \
  broken_run a "ca.key is not the key of ca.crt"

snapshot s0 l
cp other/client-key l/client-key
check "an api-keys that does not list client-key fails with a message, writing nothing" \
  broken_run l "api-keys does not accept client-key"

snapshot s0 m
rm m/client-key
check "a missing client-key next to api-keys fails with a message, writing nothing" \
  broken_run m "client-key is missing"
snapshot s0 m
rm m/admin-key
sed -i '/ operator$/d' m/api-keys
echo "admin $(printf alice-key | sha256sum | cut -d' ' -f1) alice" >>m/api-keys
check "an admin-key revoked (its file and line deleted, the operator's own admin line added) stops --renew with a message, not made again, writing nothing" \
  broken_run m "admin-key is missing" --renew
snapshot s0 m
rm m/client-key
sed -i '/ glassbox-internal$/d' m/api-keys
check "a client-key deleted with its line stops a rerun with a message, not made again, writing nothing" \
  broken_run m "client-key is missing"
snapshot s0 m
rm m/caller-key
check "a caller-key deleted beside its shop line: the line is kept (an older version's folder with the operator's own shop line looks the same), and the run says how to have caller-key made" \
  eval 'make_secrets m && same s0 m api-keys client-key admin-key && test ! -e m/caller-key \
    && said "rename that line"'

# A folder an older version made, without caller-key (the shop's key) or its line: a rerun makes
# them, keeping every other file byte for byte and every other line of api-keys where it stood.
older() {  # folder to make an older version's copy of, copy
  snapshot "$1" "$2"
  rm -f "$2"/caller-key*
  sed -i '/ shop\(\.retiring\)\?\r\?$/d' "$2/api-keys"
}
older s0 u
check "a rerun over a folder an older version made succeeds, making caller-key" \
  eval 'make_secrets u && said "made caller-key" && said "kept client-key admin-key"'
check "... and lists it in api-keys once, as shop with role client" lists_ours u
check "... keeping the other files byte for byte and the other lines of api-keys where they stood" \
  eval 'same s0 u client-key admin-key "${ca[@]}" "${tls[@]}" && diff <(grep -v " shop$" u/api-keys) <(grep -v " shop$" s0/api-keys) \
    && sed -n 3p u/api-keys | grep -q " shop$"'
snapshot u u1
check "... and the next rerun keeps it, byte for byte" eval 'make_secrets u && same u1 u "${all[@]}"'
# ... where the operator had added a line named shop for their shop's back end (the README of that
# version said to): that line is theirs, kept as it is by every run, and no caller-key is made.
own_shop() {  # folder: its shop line still the operator's, and no key of the script's named shop
  grep -qx "client $(printf myshop-key | sha256sum | cut -d' ' -f1) shop" "$1/api-keys" \
    && test "$(grep -c -e " shop$" -e " shop.retiring$" "$1/api-keys")" = 1 && test -z "$(ls "$1" | grep "^caller-key")"
}
older s0 v
echo "client $(printf myshop-key | sha256sum | cut -d' ' -f1) shop" >>v/api-keys
snapshot v v0
check "a rerun over an older version's folder with the operator's own shop line succeeds, keeping the line and saying so" \
  eval 'make_secrets v && own_shop v && same v0 v client-key admin-key api-keys "${ca[@]}" "${tls[@]}" \
    && said "a line named shop that this script did not write"'
check "... and so does --renew" eval 'make_secrets v --renew && own_shop v && same v0 v client-key admin-key api-keys'
check "... and --new-api-keys replaces the script's two keys, not the operator's shop line" \
  eval 'make_secrets v --new-api-keys && own_shop v && differ v0 v client-key admin-key \
    && lists v client client-key glassbox-internal && lists v admin admin-key operator && servers_read v'
snapshot v v1
check "... and a rotation rotates the script's two keys, leaving the operator's shop line alone" \
  eval 'make_secrets v --rotate-api-keys && own_shop v && test -s v/client-key.new \
    && make_secrets v --use-new-api-keys && own_shop v && make_secrets v --retire-old-api-keys && own_shop v \
    && lists v client client-key glassbox-internal && lists v admin admin-key operator && differ v1 v client-key admin-key \
    && ! grep -q retiring v/api-keys'
older s0 u
check "--rotate-api-keys over a folder an older version made makes caller-key, and the next keys of the two there" \
  eval 'make_secrets u --rotate-api-keys && lists u client caller-key shop && test ! -e u/caller-key.new \
    && lists u client client-key.new glassbox-internal && lists u admin admin-key.new operator \
    && said "made client-key.new admin-key.new caller-key" && servers_read u'
check "... and the rotation goes on to its end" eval 'make_secrets u --use-new-api-keys && make_secrets u --retire-old-api-keys \
  && lists_ours u && ! grep -q retiring u/api-keys && test -z "$(ls u | grep -e "\.old$" -e "\.new$")"'

# A rotation in three steps, no restart: the next keys accepted first, then handed out, then the
# old ones dropped. Pods see each Secret update at their own moment, so across every step the
# client-key, admin-key and caller-key of either side must be accepted by the api-keys of either side.
accepted_across() {  # folders before and after a step
  local a b key
  for a in "$1" "$2"; do for b in "$1" "$2"; do for key in client-key admin-key caller-key; do
    grep -q " $(hash "$b/$key") " "$a/api-keys" || return 1
  done; done; done
}
check "--retire-old-api-keys without a rotation under way fails with a message, writing nothing" \
  broken_run s "no rotation is under way" --retire-old-api-keys
check "--use-new-api-keys without a rotation under way fails with a message, writing nothing" \
  broken_run s "no new keys are waiting" --use-new-api-keys
# Below the script's own lines, a comment (whose third word is one of their names) and another line.
printf '%s\n' "# see operator runbook" "client $(printf billing-key | sha256sum | cut -d' ' -f1) billing" >>s/api-keys
snapshot s r0
check "--rotate-api-keys succeeds" make_secrets s --rotate-api-keys
check "--rotate-api-keys keeps client-key, admin-key and caller-key, the keys in use, byte for byte" same r0 s client-key admin-key caller-key
check "--rotate-api-keys makes client-key.new, admin-key.new and caller-key.new" \
  eval 'test -s s/client-key.new -a -s s/admin-key.new -a -s s/caller-key.new && ! cmp -s s/client-key.new r0/client-key \
    && ! cmp -s s/caller-key.new r0/caller-key'
check "--rotate-api-keys keeps the CA and the certificate byte for byte" same r0 s "${ca[@]}" "${tls[@]}"
check "after step 1, api-keys lists the next keys under the keys' names" \
  eval 'lists s client client-key.new glassbox-internal && lists s admin admin-key.new operator && lists s client caller-key.new shop'
check "after step 1, api-keys still lists the keys in use, named retiring" \
  eval 'lists s client client-key glassbox-internal.retiring && lists s admin admin-key operator.retiring \
    && lists s client caller-key shop.retiring'
check "after step 1, api-keys keeps the lines an operator added" grep -q " shop-app$" s/api-keys
check "after step 1, every api-keys line is one the servers read" servers_read s
check "step 1 refuses no call, whichever pods see it first" accepted_across r0 s
check "--rotate-api-keys leaves the .new keys at 600" eval 'test -e s/client-key.new && modes s'
check "step 1 says which api-keys every pod must have loaded" \
  said "glassbox_api_keys_loaded{version=\"$(sha256sum s/api-keys | cut -c1-16)\"}"
snapshot s r1
check "a rerun after step 1 keeps every file, the next keys too" \
  eval 'make_secrets s && same r1 s "${all[@]}" client-key.new admin-key.new caller-key.new'
check "a second --rotate-api-keys after step 1 fails with a message, writing nothing" \
  broken_run s "a rotation is under way" --rotate-api-keys
check "--retire-old-api-keys before the new keys are in use fails with a message, writing nothing" \
  broken_run s "--use-new-api-keys first" --retire-old-api-keys
snapshot s b
sed -i '/ glassbox-internal$/d' b/api-keys
check "after step 1, an api-keys that does not list client-key.new fails with a message, writing nothing" \
  broken_run b "api-keys does not accept client-key (in use until --use-new-api-keys)"
snapshot s b
check "--new-api-keys after step 1 drops the next keys and the retiring lines" eval 'make_secrets b --new-api-keys \
  && lists_ours b && test ! -e b/client-key.new -a ! -e b/admin-key.new -a ! -e b/caller-key.new && ! grep -q retiring b/api-keys'
check "--use-new-api-keys succeeds" make_secrets s --use-new-api-keys
check "--use-new-api-keys hands out the next keys" \
  eval 'cmp r1/client-key.new s/client-key && cmp r1/admin-key.new s/admin-key && cmp r1/caller-key.new s/caller-key'
check "--use-new-api-keys keeps the old keys as client-key.old, admin-key.old and caller-key.old" \
  eval 'cmp r0/client-key s/client-key.old && cmp r0/admin-key s/admin-key.old && cmp r0/caller-key s/caller-key.old \
    && test ! -e s/client-key.new -a ! -e s/admin-key.new -a ! -e s/caller-key.new'
check "--use-new-api-keys keeps api-keys, the CA and the certificate byte for byte" same r1 s api-keys "${ca[@]}" "${tls[@]}"
check "step 2 refuses no call, whichever pods see it first" accepted_across r1 s
check "--use-new-api-keys leaves the .old keys at 600, the new client-key at 644" eval 'test -e s/client-key.old && modes s'
check "step 2 says which client-key every caller must have loaded" \
  said "glassbox_client_key_loaded{version=\"$(printf 'glassbox client key %s' "$(cat s/client-key)" | sha256sum | cut -c1-8)\"}"
check "step 2 does not print the client key's own sha256, which /metrics would hand out" \
  eval '! grep -qF "$(hash s/client-key | cut -c1-8)" "$work/said" && ! grep -qF "$(sha256sum s/client-key | cut -c1-8)" "$work/said"'
check "the client key's version is the servers' (KeyReloadTest: example-key gives 1f8edb06)" \
  test "$(printf 'glassbox client key %s' example-key | sha256sum | cut -c1-8)" = 1f8edb06
snapshot s r2
check "step 2 says to switch the shop's copy of caller-key before step 3" said "switch the shop's copy of caller-key"
check "a rerun after step 2 keeps every file, the old keys too" \
  eval 'make_secrets s && same r2 s "${all[@]}" client-key.old admin-key.old caller-key.old'
check "a second --rotate-api-keys before --retire-old-api-keys fails with a message, writing nothing" \
  broken_run s "a rotation is under way" --rotate-api-keys
snapshot s b
sed -i '/ glassbox-internal.retiring$/d' b/api-keys
check "after step 2, an api-keys that no longer lists client-key.old fails with a message, writing nothing" \
  broken_run b "api-keys does not accept client-key.old"
snapshot s b
rm b/admin-key.old
check "after step 2, a missing admin-key.old next to its retiring line fails with a message, writing nothing" \
  broken_run b "admin-key.old, the key being rotated out, is not here"
snapshot s b
check "--new-api-keys after step 2 refuses the old keys too" eval 'make_secrets b --new-api-keys && lists_ours b \
  && test ! -e b/client-key.old -a ! -e b/admin-key.old -a ! -e b/caller-key.old && ! grep -q retiring b/api-keys'
check "--retire-old-api-keys succeeds" make_secrets s --retire-old-api-keys
check "--retire-old-api-keys drops the old keys from api-keys" \
  test "$(grep -c -e "$(hash r0/client-key)" -e "$(hash r0/admin-key)" -e "$(hash r0/caller-key)" s/api-keys)" = 0
check "--retire-old-api-keys removes client-key.old, admin-key.old and caller-key.old" \
  test ! -e s/client-key.old -a ! -e s/admin-key.old -a ! -e s/caller-key.old
check "--retire-old-api-keys keeps the new keys, their lines and the operator's" \
  eval 'same r2 s client-key admin-key caller-key "${ca[@]}" "${tls[@]}" && lists_ours s && grep -q " shop-app$" s/api-keys'
check "step 3 refuses no call, whichever pods see it first" accepted_across r2 s
check "--retire-old-api-keys leaves the modes as they were" modes s
check "--retire-old-api-keys says what it deleted" said "deleted client-key.old admin-key.old caller-key.old"

# Abandoning a rotation after step 1: the next keys go, api-keys as before it; not after step 2.
snapshot r1 ab
check "--abandon-rotation after step 1 drops the next keys, api-keys back as it was before step 1 (comments and other lines where they stood)" \
  eval 'make_secrets ab --abandon-rotation && same r0 ab "${all[@]}" \
    && test ! -e ab/client-key.new -a ! -e ab/admin-key.new -a ! -e ab/caller-key.new \
    && said "api-keys accepts only the keys in use again"'
check "abandoning refuses no call, whichever pods see it first" accepted_across r1 ab
check "--abandon-rotation leaves the modes as they were" modes ab
check "--abandon-rotation with no rotation under way fails with a message, writing nothing" \
  broken_run ab "--abandon-rotation: no rotation is under way" --abandon-rotation
snapshot r2 ab
check "--abandon-rotation after step 2 fails with a message, writing nothing" \
  broken_run ab "the new keys are handed out already" --abandon-rotation
# A folder an older version left in the middle of a rotation: a rerun makes caller-key (not rotated),
# and the rotation goes on.
older r1 u
check "a rerun after an older version's step 1 makes caller-key and keeps the rotation's files" \
  eval 'make_secrets u && said "made caller-key" && lists u client caller-key shop && test ! -e u/caller-key.new \
    && same r1 u client-key admin-key client-key.new admin-key.new && lists u client client-key.new glassbox-internal \
    && lists u client client-key glassbox-internal.retiring && lists u admin admin-key operator.retiring'
check "... and steps 2 and 3 follow, the new caller-key kept" eval 'cp u/caller-key u.caller-key \
  && make_secrets u --use-new-api-keys && cmp r1/client-key.new u/client-key && cmp r1/client-key u/client-key.old \
  && test ! -e u/caller-key.old && make_secrets u --retire-old-api-keys && cmp u.caller-key u/caller-key && lists_ours u \
  && ! grep -q retiring u/api-keys'
older r2 u
check "a rerun after an older version's step 2 makes caller-key; step 3 follows" \
  eval 'make_secrets u && said "made caller-key" && same r2 u client-key.old admin-key.old \
    && make_secrets u --retire-old-api-keys && lists_ours u && ! grep -q retiring u/api-keys'

# A step killed in the middle of its final moves: the next run finishes them, whatever state they
# left (step 1's next keys beside the api-keys before it, step 2's old keys beside the next ones),
# and does not send the operator to --new-api-keys, which would throw the rotation away.
mkdir crash-bin
cat >crash-bin/mv <<EOF
#!/usr/bin/env bash
# mv; once \$CRASH_AFTER of them are made (the first renames the run's folder .make-secrets.moving),
# its caller gets \$CRASH_SIGNAL (default KILL); its pid is left in \$CRASH_COUNT.pid.
$(command -v mv) "\$@" || exit
echo >>"\$CRASH_COUNT"
[ "\$(wc -l <"\$CRASH_COUNT")" -ne "\$CRASH_AFTER" ] || { kill -"\${CRASH_SIGNAL:-KILL}" "\$PPID"; echo "\$PPID" >"\$CRASH_COUNT.pid"; }
EOF
chmod +x crash-bin/mv
killed_run() {  # folder, moves before the kill (the rename counted), then options
  local dir="$1" after="$2"
  shift 2
  rm -f crash-count crash-count.pid
  # In a subshell of its own, whose stderr takes the shell's "Killed" notice.
  ! (PATH="$work/crash-bin:$PATH" CRASH_AFTER="$after" CRASH_COUNT="$work/crash-count" make_secrets "$dir" "$@") 2>/dev/null
}
finished() {  # folder, what the step says next: the rerun finished the moves, said so and the next
  # step, and its files are the compose containers'
  said "finishing it" && said "$2" && ! said --new-api-keys && test ! -e "$1/.make-secrets.moving" \
    && test "$(stat -c %a "$1/api-keys")" = 644
}
next1="then --use-new-api-keys" next2="then --retire-old-api-keys" next3="each pod refuses the old keys"
after_step1() {  # folder: as step 1 leaves it from r0
  same r0 "$1" client-key admin-key caller-key "${ca[@]}" "${tls[@]}" && lists "$1" client client-key.new glassbox-internal \
    && lists "$1" admin admin-key.new operator && lists "$1" client caller-key.new shop \
    && lists "$1" client client-key glassbox-internal.retiring && lists "$1" admin admin-key operator.retiring \
    && lists "$1" client caller-key shop.retiring
}
after_step2() {  # folder: as step 2 leaves it from r1
  cmp r1/client-key.new "$1/client-key" && cmp r1/admin-key.new "$1/admin-key" && cmp r1/caller-key.new "$1/caller-key" \
    && same r1 "$1" api-keys && cmp r1/client-key "$1/client-key.old" && cmp r1/admin-key "$1/admin-key.old" \
    && cmp r1/caller-key "$1/caller-key.old" && test ! -e "$1/client-key.new" -a ! -e "$1/admin-key.new" -a ! -e "$1/caller-key.new"
}
for n in 0 1 2 3; do
  snapshot r0 crash1-$n
  killed_run crash1-$n $((n + 1)) --rotate-api-keys
  check "--rotate-api-keys killed after $n of its 4 moves: a rerun finishes step 1" \
    eval "make_secrets crash1-$n && finished crash1-$n '$next1' && after_step1 crash1-$n"
done
for n in 1 2 3 4 5 6; do
  snapshot r1 crash2-$n
  killed_run crash2-$n $((n + 1)) --use-new-api-keys
  check "--use-new-api-keys killed after $n of its 6 moves (6: before deleting the .new keys): a rerun finishes step 2" \
    eval "make_secrets crash2-$n && finished crash2-$n '$next2' && after_step2 crash2-$n"
done
snapshot r2 crash3
killed_run crash3 2 --retire-old-api-keys
check "--retire-old-api-keys killed after moving api-keys in, before deleting the .old keys: a rerun finishes step 3" \
  eval 'make_secrets crash3 && finished crash3 "$next3" && said "deleted client-key.old admin-key.old caller-key.old" \
    && test ! -e crash3/client-key.old -a ! -e crash3/admin-key.old -a ! -e crash3/caller-key.old \
    && same r2 crash3 client-key admin-key caller-key \
    && lists_ours crash3 && ! grep -q retiring crash3/api-keys'
snapshot r0 crash-again
killed_run crash-again 3 --rotate-api-keys
check "the same --rotate-api-keys given again after the kill finishes step 1, and only that" \
  eval 'make_secrets crash-again --rotate-api-keys && finished crash-again "$next1" && ! said "run it again" \
    && after_step1 crash-again'
snapshot r0 crash-other
killed_run crash-other 3 --rotate-api-keys
check "other options after the kill: step 1 finished, the options not done, exit 1 asking to run them again" \
  eval '! make_secrets crash-other --renew --namespace prod && finished crash-other "$next1" \
    && said "run it again for its own options, --renew --namespace prod" && ! said "nothing written" && after_step1 crash-other'
snapshot r1 crash-skip
killed_run crash-skip 3 --use-new-api-keys
check "the next step after a killed step: that step finished, exit 1 asking to do what it says (the wait) before the next" \
  eval '! make_secrets crash-skip --retire-old-api-keys && finished crash-skip "$next2" && after_step2 crash-skip \
    && said "do what it says above first, then run it again for its own options, --retire-old-api-keys"'
snapshot r0 crash-order
killed_run crash-order 3 --new-api-keys --days 400
check "the same options in another order after the kill: the run finished, exit 0, not made again" \
  eval 'make_secrets crash-order --days 400 --new-api-keys && said "finishing it" && ! said "run it again" \
    && lists_ours crash-order && test ! -e crash-order/.make-secrets.moving'
snapshot r1 crash-twice
killed_run crash-twice 2 --use-new-api-keys
killed_run crash-twice 1
check "a run that finishes the one before, killed in turn: the next finishes step 2" \
  eval 'make_secrets crash-twice && finished crash-twice "$next2" && after_step2 crash-twice'
# Without kubectl, secrets.yaml is not rewritten: finishing a step must still say not to apply it.
mkdir no-kubectl
for dir in ${PATH//:/ }; do
  find "$dir" -maxdepth 1 ! -type d ! -name kubectl -exec ln -s -t no-kubectl {} + 2>/dev/null
done
snapshot s0 crash-nk
echo "the Secrets before" >crash-nk/secrets.yaml
killed_run crash-nk 2 --new-api-keys
check "without kubectl, finishing a killed --new-api-keys warns that secrets.yaml is not to be applied" \
  eval 'PATH="$work/no-kubectl" make_secrets crash-nk && said "WARNING no kubectl" && said "do not apply it"'
snapshot r1 crash-nk2
echo "the Secrets before" >crash-nk2/secrets.yaml
killed_run crash-nk2 7 --use-new-api-keys
check "... and so does finishing one killed with every file moved in (step 2, before deleting the .new keys)" \
  eval 'PATH="$work/no-kubectl" make_secrets crash-nk2 && said "WARNING no kubectl" && after_step2 crash-nk2'
# A command that fails while the files are made (a full disk, a file it cannot read): the run stops
# with the command's message, and the folder is as it was. stand-in-CMD/CMD is CMD, but its call
# numbered $FAIL_CALL (counted in $FAIL_COUNT; 0: none) fails, first sending its caller
# $FAIL_SIGNAL if that is set; failing CMD N runs the rest with it.
for cmd in cp awk chmod; do
  mkdir stand-in-$cmd
  cat >stand-in-$cmd/$cmd <<EOF
#!/usr/bin/env bash
echo >>"\$FAIL_COUNT"
[ "\$(wc -l <"\$FAIL_COUNT")" -ne "\$FAIL_CALL" ] \\
  || { [ -z "\${FAIL_SIGNAL:-}" ] || kill -"\$FAIL_SIGNAL" "\$PPID"; echo "$cmd: a stand-in failing" >&2; exit 1; }
exec $(command -v $cmd) "\$@"
EOF
  chmod +x stand-in-$cmd/$cmd
done
failing() { rm -f fail-count; stand_in="$work/stand-in-$1" FAIL_CALL="$2" FAIL_COUNT="$work/fail-count" "${@:3}"; }
# How many times a run with options ${@:3} on a copy of folder $2 calls CMD $1: its last call's number.
last_call() { snapshot "$2" "$2.$1-calls"; failing "$1" 0 make_secrets "$2.$1-calls" "${@:3}"; wc -l <fail-count; }
snapshot r1 fail-cp
check "--use-new-api-keys whose first copy of a key fails stops, writing nothing" \
  failing cp 1 broken_run fail-cp "stopped by the error above" --use-new-api-keys
# The last awk of a step 1 rewrites api-keys.
snapshot r0 fail-awk
check "--rotate-api-keys whose rewrite of api-keys fails stops, writing nothing" \
  failing awk "$(last_call awk r0 --rotate-api-keys)" broken_run fail-awk "stopped by the error above" --rotate-api-keys
# A run killed before it moved its files in leaves the folder it made them in, private keys and all
# (here client-key.old; an older version of the script named it .make-secrets.XXXXXX): the next
# run deletes it, and does what it was asked.
snapshot r1 stale
(FAIL_SIGNAL=KILL failing cp 2 make_secrets stale --use-new-api-keys) 2>/dev/null
mkdir -m 700 stale/.make-secrets.Ab12Cd && cp r1/ca.key stale/.make-secrets.Ab12Cd/
check "a run killed before moving its files in: the next deletes the folder they were in" \
  eval 'ls -d stale/.make-secrets?* | grep -v Ab12Cd && make_secrets stale && said "deleted .make-secrets.Ab12Cd" \
    && ! ls -A stale | grep -q "^\.make-secrets" && same r1 stale "${all[@]}" client-key.new admin-key.new caller-key.new'
# A run killed after moving its files in, before it has written secrets.yaml and said the next step
# (at its last chmod): the files are the compose containers' already, and the next run finishes it.
snapshot r0 late
(FAIL_SIGNAL=KILL failing chmod "$(last_call chmod r0 --rotate-api-keys)" make_secrets late --rotate-api-keys) 2>/dev/null
check "a step killed after moving its files in leaves api-keys readable (644) by the compose containers" \
  test "$(stat -c %a late/api-keys)" = 644
check "... and the next run finishes it, saying the next step" \
  eval 'make_secrets late && finished late "$next1" && after_step1 late'
snapshot r1 crash-ab
killed_run crash-ab 2 --abandon-rotation
check "--abandon-rotation killed after moving api-keys in, before deleting the .new keys: a rerun finishes it" \
  eval 'make_secrets crash-ab && finished crash-ab "api-keys accepts only the keys in use again" \
    && same r0 crash-ab "${all[@]}" && test ! -e crash-ab/client-key.new -a ! -e crash-ab/admin-key.new -a ! -e crash-ab/caller-key.new'
# Two runs at once: the second, started while the first is held between its rename and its moves,
# says so and touches nothing; the first then finishes.
snapshot r0 both
rm -f crash-count crash-count.pid
(PATH="$work/crash-bin:$PATH" CRASH_AFTER=1 CRASH_SIGNAL=STOP CRASH_COUNT="$work/crash-count" \
  bash "$root/deploy/make-secrets.sh" both --rotate-api-keys >both.said 2>&1) &
first=$!
until [ -s crash-count.pid ] || ! kill -0 $first 2>/dev/null; do sleep 0.1; done
snapshot both both.held
check "a second run while one runs on the folder says so and touches nothing" \
  eval '! make_secrets both && said "another make-secrets.sh is running" && same both.held both .make-secrets.moving/api-keys api-keys client-key'
kill -CONT "$(cat crash-count.pid)" 2>/dev/null
wait $first
first_status=$?
check "... and the first then finishes its step" eval 'test $first_status = 0 -a ! -e both/.make-secrets.moving && after_step1 both'
# What --new-api-keys does instead: a caller and a server that see it at different moments refuse.
snapshot s n0
make_secrets s --new-api-keys
check "... where --new-api-keys refuses calls while pods disagree (the check above can tell)" \
  eval '! accepted_across n0 s'
check "two ways of replacing the API keys at once are refused" \
  eval '! make_secrets x --new-api-keys --rotate-api-keys && said "one at a time" && test ! -e x'

# An api-keys saved with Windows line endings: the servers read it, this script's matching would not.
snapshot s0 w
sed -i 's/$/\r/' w/api-keys
check "an api-keys with CR LF line endings stops a rotation with a message, writing nothing" \
  broken_run w "api-keys has Windows line endings" --rotate-api-keys
check "... while a plain rerun, which does not rewrite api-keys, keeps it" \
  eval 'make_secrets w && same w.before w api-keys client-key admin-key caller-key'
older w w2
check "... and a rerun that would add caller-key to it stops with the message, writing nothing" \
  broken_run w2 "api-keys has Windows line endings"

# The CA key may be kept elsewhere: not needed to keep, needed to sign.
snapshot s0 o
rm o/ca.key
check "without ca.key a rerun keeps the rest" make_secrets o
check "without ca.key --renew fails with a message, writing nothing" broken_run o "ca.key is not here" --renew

# Names, and expiry.
make_secrets n --namespace shop
check "--renew without --namespace keeps the namespace of the certificate it replaces" \
  eval 'make_secrets n --renew && openssl x509 -in n/tls.crt -noout -text | grep -q "DNS:gateway.shop.svc,"'
check "a kept certificate for another namespace than --namespace fails with a message" \
  broken_run n "tls.crt does not name gateway.prod.svc" --namespace prod

check "a number of days openssl refuses stops the run with openssl's message, writing nothing" \
  eval '! make_secrets big --ca-days 99999999999 && said 99999999999 && said "stopped by the error above: nothing written" \
    && test -z "$(ls -A big)"'
check "a certificate that expires within 30 days is reported" \
  eval 'make_secrets e --days 10 && said "WARNING tls.crt expires on"'
check "... on every rerun" eval 'make_secrets e && said "WARNING tls.crt expires on"'
check "a certificate with longer to run is not reported" eval 'make_secrets s && ! said WARNING'

echo "secrets-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
