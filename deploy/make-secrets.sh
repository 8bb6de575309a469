#!/usr/bin/env bash
# Makes the secrets the deployed suite reads, into OUT_DIR (default deploy/secrets, ignored by git):
#   client-key      the plain key the gateway and explain-service present to their dependencies
#                   (GLASSBOX_CLIENT_KEY_FILE), role client
#   admin-key       a plain key with role admin, for an operator (ReloadModel, bulk ingest)
#   caller-key      a plain key with role client, for the application that calls the gateway (the
#                   shop's back end; named shop in api-keys): not the suite's own key, so it is
#                   rate limited as that application and named in what the servers say about it
#   client-key.new, admin-key.new, caller-key.new
#                   only between --rotate-api-keys and --use-new-api-keys: the next keys, accepted
#                   but not yet handed out
#   client-key.old, admin-key.old, caller-key.old
#                   only between --use-new-api-keys and --retire-old-api-keys: the keys being retired
#   api-keys        what every server accepts (GLASSBOX_API_KEYS_FILE): one line per key,
#                   "<role> <sha256-hex-of-key> <name>"; only hashes, never the keys
#   ca.crt, ca.key  a private CA (--ca-days, default 3650); ca.key signs certificates
#   tls.crt, tls.key
#                   one certificate for the four service names (server and client certificate,
#                   for mutual TLS; the key in PKCS#8 PEM), signed by the CA (--days, default 365)
#   secrets.yaml    the Kubernetes Secrets glassbox-api-keys, glassbox-client-key and glassbox-tls
#                   (kubectl apply -f OUT_DIR/secrets.yaml -n NAMESPACE), rewritten on every run
# A rerun keeps every file that is there and makes only what is missing, so the keys and
# certificates already handed out stay valid; it says what it kept and what it made. What it keeps
# is checked first (each key belongs to its certificate, tls.crt is signed by ca.crt, api-keys
# lists client-key and caller-key as client and admin-key as admin, and a key being rotated under
# its name); caller-key with neither its file nor its line here (a folder an older version made) is
# made and its line added, while client-key or admin-key gone with its line stops the run:
# on a mismatch it writes nothing and exits 1, as it does when a command fails while it makes the files.
# A run that stopped while moving its files in, or before it wrote secrets.yaml and said what comes
# next (OUT_DIR/.make-secrets.moving is left), is finished
# by the next run, which does nothing else: it moves the rest in, deletes the key files it drops and
# says what that run would have said (the next rotation step, secrets.yaml); it exits 0 if it was
# given no options or the same ones (in any order), else 1, asking to be run again for its own
# (after the wait, if that run was a rotation step).
# Modes: the files holding a secret are readable by their owner only (600), kept ones from an older
# run too (it says which it changed), but for client-key, which the docker compose containers read
# as another user (644, with api-keys and the certificates); OUT_DIR itself is 700.
# Certificates in OUT_DIR that expire within 30 days are reported. Replacing is explicit:
#   --renew         a new tls.key and tls.crt signed by the kept CA: pods still trust each other
#                   while they roll
#   --new-api-keys  a new client-key, admin-key and caller-key, the old ones refused at once (a leaked key);
#                   api-keys keeps the lines you added (and comments) where they stood
#   --rotate-api-keys
#                   step 1 of 3 of replacing the keys with no call refused and no restart:
#                   client-key.new, admin-key.new and caller-key.new, accepted by api-keys beside the
#                   keys in use (whose lines are renamed glassbox-internal.retiring, operator.retiring
#                   and shop.retiring); client-key is unchanged. Apply secrets.yaml and wait until every pod has read
#                   the new api-keys (deploy/README.md, "Rotating the API keys")
#   --use-new-api-keys
#                   step 2: client-key, admin-key and caller-key become the new keys, the old ones
#                   kept as client-key.old, admin-key.old and caller-key.old, still accepted; api-keys
#                   is unchanged. Apply and wait until every gateway and explain-service pod presents
#                   the new key; hand the shop the new caller-key
#   --retire-old-api-keys
#                   step 3: api-keys stops accepting the keys in the *.old files,
#                   and those files go; apply secrets.yaml
#   --abandon-rotation
#                   after step 1 (not after step 2): the *.new keys go, and
#                   api-keys accepts only the keys in use again, as before step 1; apply secrets.yaml
#   --new-ca        a new CA, and so a new tls.key and tls.crt: everything the old CA signed stops
#                   being trusted, and old and new pods refuse each other until all have rolled
# One run at a time: a run started while another runs on OUT_DIR says so and exits 1.
# docker compose reads the files themselves. Needs openssl, sha256sum and flock (util-linux);
# kubectl for secrets.yaml.
#   deploy/make-secrets.sh [OUT_DIR] [--namespace NS] [--days N] [--ca-days N]
#                          [--renew] [--new-api-keys | --rotate-api-keys | --use-new-api-keys |
#                           --retire-old-api-keys | --abandon-rotation]
#                          [--new-ca]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/deploy/secrets"
warn_days=30
usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }
# The options, and in $given the ones given (all but OUT_DIR); a run that finishes the one before
# reads that one's again (below).
defaults() {
  days=365 ca_days=3650 namespace= renew=false new_api_keys=false rotate_api_keys=false
  use_new_api_keys=false retire_old_api_keys=false abandon_rotation=false new_ca=false given=()
}
# The options' values, to tell whether two runs were given the same options in any order.
option_values() {
  echo "$days $ca_days $namespace $renew $new_api_keys $rotate_api_keys $use_new_api_keys" \
       "$retire_old_api_keys $abandon_rotation $new_ca"
}
# A step of a rotation (or its abandoning): what it says next is a wait, not another run at once.
rotation_step() { $rotate_api_keys || $use_new_api_keys || $retire_old_api_keys || $abandon_rotation; }
parse() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --days|--ca-days|--namespace)
        [ $# -ge 2 ] || { echo "make-secrets: $1 needs a value" >&2; exit 2; }
        given+=("$1" "$2") ;;
      -*) given+=("$1") ;;
    esac
    case "$1" in
      --days) days="$2"; shift 2 ;;
      --ca-days) ca_days="$2"; shift 2 ;;
      --namespace) namespace="$2"; shift 2 ;;
      --renew) renew=true; shift ;;
      --new-api-keys) new_api_keys=true; shift ;;
      --rotate-api-keys) rotate_api_keys=true; shift ;;
      --use-new-api-keys) use_new_api_keys=true; shift ;;
      --retire-old-api-keys) retire_old_api_keys=true; shift ;;
      --abandon-rotation) abandon_rotation=true; shift ;;
      --new-ca) new_ca=true; shift ;;
      -h|--help) usage; exit 0 ;;
      -*) echo "make-secrets: unknown option $1 (--help lists them)" >&2; exit 2 ;;
      *) out="$1"; shift ;;
    esac
  done
}
defaults
parse "$@"
for n in "$days" "$ca_days"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "make-secrets: --days and --ca-days take a whole number of days, got '$n'" >&2; exit 2; }
done
key_options="$new_api_keys $rotate_api_keys $use_new_api_keys $retire_old_api_keys $abandon_rotation"
[[ "$key_options" != *true*true* ]] || { echo "make-secrets: --new-api-keys, --rotate-api-keys, --use-new-api-keys," \
  "--retire-old-api-keys and --abandon-rotation go one at a time" >&2; exit 2; }
[ -z "$namespace" ] || [[ "$namespace" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] \
  || { echo "make-secrets: --namespace must be a Kubernetes namespace name, got '$namespace'" >&2; exit 2; }

mkdir -p "$out"
chmod 700 "$out"
cd "$out"
out="$(pwd)"
umask 077
# Held until this run ends, however it ends: a second run would move its files in beside this one's.
exec 9<.
flock -n 9 || { [ $? -ne 1 ] || echo "make-secrets: $out: another make-secrets.sh is running on it: let it finish, then run again" >&2; exit 1; }

# A run makes its files in a folder of its own (stage_dir), then renames it $moving (below). One
# killed before that rename leaves its folder, with private keys in it: no run uses it any more
# (this one holds the lock), so it goes. Older versions named it .make-secrets.XXXXXX.
stage_dir() { mktemp -d "$out/.make-secrets-stage.XXXXXX"; }
for d in .make-secrets-stage.* .make-secrets.??????; do
  [ -d "$d" ] && [ "$d" != .make-secrets.moving ] || continue
  rm -rf "$d"
  echo "make-secrets: $out: deleted $d, the files of a run stopped before it moved them in"
done

kept=() made=() replaced=() problems=()
problem() { problems+=("$1"); }
# The public key of a private key or of a certificate, as PEM; empty when the file does not parse.
key_public() { openssl pkey -in "$1" -pubout 2>/dev/null || true; }
cert_public() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null || true; }
belongs() { local k c; k="$(key_public "$1")"; c="$(cert_public "$2")"; [ -n "$k" ] && [ "$k" = "$c" ]; }
# Signed by the CA; expiry is reported on its own, below.
signed_by() { openssl verify -no_check_time -CAfile "$1" "$2" >/dev/null 2>&1; }
hash() { tr -d '\n' <"$1" | sha256sum | cut -d' ' -f1; }
# The roles api-keys gives the key in file $1 (none when it is not listed), and "<role> <name>".
listed_as() { awk -v h="$(hash "$1")" '$1 !~ /^#/ && tolower($2) == h { print $1, $3 }' api-keys; }
roles_of() { listed_as "$1" | cut -d' ' -f1; }
# The script's keys, its role and the name of its api-keys line; a key being rotated out has its
# line as "<name>.retiring".
api_keys=(client-key admin-key caller-key)
key_role() { case "$1" in admin-key) echo admin ;; *) echo client ;; esac; }
line_name() { case "$1" in client-key) echo glassbox-internal ;; admin-key) echo operator ;; caller-key) echo shop ;; esac; }
# Whether api-keys has a line (not a comment) named $1.
named() { awk -v n="$1" '$1 !~ /^#/ && $3 == n { found = 1 } END { exit !found }' api-keys; }
dns_names() { openssl x509 -in "$1" -noout -text 2>/dev/null | grep -o 'DNS:[^,]*' | sed 's/^DNS://'; }
not_after() { openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//'; }
# The version each pod reports once it has read a file (server-kit/README.md): for api-keys, which
# holds only hashes, the first 16 hex digits of its sha256; for a key, 8 hex digits of the sha256
# of "glassbox client key <key>", which /metrics may show without handing out the key's hash.
api_keys_version() { sha256sum api-keys | cut -c1-16; }
key_version() { printf 'glassbox client key %s' "$(tr -d '\n' <"$1")" | sha256sum | cut -c1-8; }
cert_namespace() { dns_names tls.crt | sed -n 's/^gateway\.\(.*\)\.svc$/\1/p' | head -n 1; }
services=(gateway feature-service model-service explain-service)

# What a run has made moves in from $moving, one rename at a time, the old keys first, so that no
# moment has a new key in use and the old one gone; then the key files it drops (listed in
# $moving/drop) go. A run that stops part-way leaves the rest in $moving, for the next to finish:
# the files in between belong to neither step of a rotation (step 1's next keys beside the api-keys
# before it), and the checks below would take them for broken ones.
moving="$out/.make-secrets.moving"
# Readable by the containers' user through the bind mounts of docker compose, from the moment they
# are moved in: compose runs them as uid 10001 and a bind mount keeps the host file's owner and mode
# (compose applies no uid, gid or mode to a secret read from a file). client-key is the one secret
# among them; api-keys holds hashes only, the certificates are public.
readable=(client-key api-keys ca.crt tls.crt)
# Files holding a secret that no container reads through compose: readable by their owner only
# (600), whatever the folder's mode, since a copy of the folder (cp -r, a tarball, a volume) keeps
# each file's mode. Kept ones too: versions before 2026-12 left tls.key at 644, and a file put back
# by hand has the mode it was copied with.
private=(client-key.old admin-key.old caller-key.old client-key.new admin-key.new caller-key.new
         admin-key caller-key ca.key tls.key secrets.yaml)
retired=() gone=() dropped=() tightened=() linked=()
move_in() {
  local f
  [ ! -e "$moving/drop" ] || mapfile -t dropped <"$moving/drop"
  for f in client-key.old admin-key.old caller-key.old client-key.new admin-key.new caller-key.new \
           client-key admin-key caller-key api-keys ca.key ca.crt tls.key tls.crt; do
    case " ${dropped[*]} " in *" $f "*) continue ;; esac
    if [ -e "$moving/$f" ]; then
      if [ -e "$f" ]; then replaced+=("$f"); else made+=("$f"); fi
      mv -f "$moving/$f" "$f"
    elif [ -e "$f" ]; then
      kept+=("$f")
    fi
  done
  [ ${#dropped[@]} -eq 0 ] || rm -f "${dropped[@]}"
  # Kept files too (made by an older version of this script).
  chmod 644 "${readable[@]}"
  for f in "${private[@]}"; do
    if [ -h "$f" ]; then
      linked+=("$f")       # its mode is its target's, which may be anyone's file: left alone, said below
    elif [ -f "$f" ] && [ "$(stat -c %a "$f")" != 600 ]; then
      chmod 600 "$f"       # exactly 600, as said: not 700 for a key that was 755
      tightened+=("$f")
    fi
  done
}
# The end of a run (or of the one before, finished): its files moved in, secrets.yaml, what to do next.
finish() {
  move_in
  stage="$(stage_dir)"
  wrote_yaml=false
  if command -v kubectl >/dev/null 2>&1; then
    {
      kubectl create secret generic glassbox-api-keys --from-file=api-keys=api-keys --dry-run=client -o yaml
      echo ---
      kubectl create secret generic glassbox-client-key --from-file=client-key=client-key --dry-run=client -o yaml
      echo ---
      kubectl create secret generic glassbox-tls --type=kubernetes.io/tls --from-file=tls.crt=tls.crt \
        --from-file=tls.key=tls.key --from-file=ca.crt=ca.crt --dry-run=client -o yaml
    } >"$stage/secrets.yaml"
    mv -f "$stage/secrets.yaml" secrets.yaml
    wrote_yaml=true
  elif [ -e secrets.yaml ] && { [ ${#made[@]} -gt 0 ] || [ ${#replaced[@]} -gt 0 ] || $finishing; }; then
    echo "make-secrets: WARNING no kubectl, so secrets.yaml was not rewritten: it still holds the files" \
         "replaced here; do not apply it" >&2
  fi

  echo "make-secrets: in $out"
  [ ${#kept[@]} -eq 0 ] || echo "make-secrets: kept ${kept[*]} (checked: they belong together)"
  [ ${#made[@]} -eq 0 ] || echo "make-secrets: made ${made[*]}"
  [ ${#replaced[@]} -eq 0 ] || echo "make-secrets: replaced ${replaced[*]}"
  ! $new_api_keys || [[ " ${replaced[*]} " != *" caller-key "* ]] || echo "make-secrets: the shop's back" \
    "end is refused from the moment a pod has the new api-keys until it presents the new caller-key:" \
    "hand it over now (deploy/README.md, Secrets)"
  [ ${#dropped[@]} -eq 0 ] || echo "make-secrets: deleted ${dropped[*]}"
  [ ${#tightened[@]} -eq 0 ] || echo "make-secrets: made ${tightened[*]} readable by their owner only" \
    "(mode 600; they had another): they hold secrets, and a copy of the folder keeps each file's mode"
  [ ${#linked[@]} -eq 0 ] || echo "make-secrets: left ${linked[*]} as they are: symbolic links, whose mode" \
    "is their target's; make each a plain file of mode 600 (cp --remove-destination, chmod 600)"
  ! $own_shop || echo "make-secrets: api-keys has a line named shop that this script did not write" \
    "(caller-key is not here): taken as your own shop's key and left as it is, so no caller-key is" \
    "made and --new-api-keys and the rotation leave that line alone. To have this script make and" \
    "rotate caller-key, rename that line (e.g. to shop-own) and run again; hand the shop the new" \
    "caller-key, then delete the renamed line"
  [[ " ${made[*]} " != *" caller-key "* ]] || echo "make-secrets: caller-key is the key to hand the application" \
    "that calls the gateway (your shop's back end; named shop in api-keys), not client-key, the suite's own"
  local key waiting=() retiring=()
  for key in "${api_keys[@]}"; do
    [ ! -e "$key.new" ] || waiting+=("$key.new")
    [ ! -e "$key.old" ] || retiring+=("$key.old")
  done
  if $rotate_api_keys; then
    echo "make-secrets: ${waiting[*]} are made; api-keys accepts them and the keys" \
         "in use, client-key is unchanged. Apply secrets.yaml, wait until every pod has" \
         "glassbox_api_keys_loaded{version=\"$(api_keys_version)\"}, then --use-new-api-keys"
  elif $use_new_api_keys; then
    local copies="your own copies of admin-key to the new one (the old is refused"
    [ ! -e caller-key.old ] || copies="the shop's copy of caller-key and your own copies of admin-key to the new ones (the old ones are refused"
    echo "make-secrets: ${retiring[*]%.old} are the new keys; api-keys still accepts the old ones" \
         "(${retiring[*]}). Apply secrets.yaml, wait until every gateway and explain-service" \
         "pod has glassbox_client_key_loaded{version=\"$(key_version client-key)\"}, switch" \
         "$copies after the next step), then --retire-old-api-keys"
  elif $retire_old_api_keys; then
    echo "make-secrets: apply secrets.yaml: each pod refuses the old keys once it has" \
         "glassbox_api_keys_loaded{version=\"$(api_keys_version)\"}"
  elif $abandon_rotation; then
    echo "make-secrets: api-keys accepts only the keys in use again. Apply secrets.yaml: each pod" \
         "refuses the next keys once it has glassbox_api_keys_loaded{version=\"$(api_keys_version)\"}"
  fi
  if rotation_step; then
    echo "make-secrets: docker compose: no container reads a replaced file again (single-file bind" \
         "mounts do not follow it), so no glassbox_..._loaded changes there: run" \
         "docker compose up -d --force-recreate instead of waiting"
  fi
  echo "make-secrets: tls.crt names the Services in namespace $(cert_namespace), valid until" \
       "$(not_after tls.crt); ca.crt until $(not_after ca.crt)"
  ! $wrote_yaml || echo "make-secrets: wrote secrets.yaml, the three Secrets of these files"
  if [ -e ca.key ]; then
    echo "make-secrets: ca.key stays here: it signs new certificates (--renew)"
  else
    echo "make-secrets: ca.key is not here: it is needed only to sign (--renew)"
  fi

  # Certificates that have expired or will within $warn_days days: tls.crt and the CA, and any
  # certificate an operator issued here (a person's client certificate).
  for crt in *.crt; do
    end="$(not_after "$crt" 2>/dev/null)" || continue
    case "$crt" in
      ca.crt) fix="--new-ca makes a new CA" ;;
      tls.crt) fix="--renew makes a new one" ;;
      *) fix="issue a new one" ;;
    esac
    if ! openssl x509 -in "$crt" -noout -checkend 0 >/dev/null; then
      echo "make-secrets: WARNING $crt expired on $end: $fix" >&2
    elif ! openssl x509 -in "$crt" -noout -checkend $((warn_days * 86400)) >/dev/null; then
      echo "make-secrets: WARNING $crt expires on $end, within $warn_days days: $fix" >&2
    fi
  done
  if [[ " ${made[*]} ${replaced[*]} " == *" tls.crt "* ]] \
     && [ "$(date -d "$(not_after ca.crt)" +%s)" -lt "$(date -d "$(not_after tls.crt)" +%s)" ]; then
    echo "make-secrets: WARNING ca.crt expires before the new tls.crt: after that nothing it signed" \
         "verifies (--new-ca, with --ca-days, makes a longer-lived CA)" >&2
  fi
  # Last: a run killed before this point is finished by the next one, secrets.yaml and all.
  rm -rf "$moving"
}
# A run that stops before moving its files in (the error it printed above) leaves the folder as it was.
stage= making=false own_shop=false
on_exit() {
  rm -rf ${stage:+"$stage"}
  ! $making || [ "$1" -eq 0 ] || echo "make-secrets: $out: stopped by the error above: nothing written" >&2
}
trap 'on_exit $?' EXIT
# A run that finds the one before stopped while moving does only that run's end, with its options
# (in $moving/options), so that it says what that run would have; whatever this run was asked to
# replace was asked of files it had not seen.
finishing=false
if [ -d "$moving" ]; then
  finishing=true
  asked=("${given[@]}") asked_values="$(option_values)"
  defaults
  # Words: options and their values, checked when that run read them.
  [ ! -e "$moving/options" ] || parse $(<"$moving/options")
  echo "make-secrets: $out: the run before (make-secrets.sh ${given[*]}) stopped while moving its files in: finishing it"
  finish
  if [ ${#asked[@]} -eq 0 ] || [ "$asked_values" = "$(option_values)" ]; then exit 0; fi
  if rotation_step; then
    echo "make-secrets: this run only finished the one before, a step of a rotation: do what it says above" \
         "first, then run it again for its own options, ${asked[*]}" >&2
  else
    echo "make-secrets: this run only finished the one before: run it again for its own options, ${asked[*]}" >&2
  fi
  exit 1
fi

# ---- Decide what to keep and what to make, checking what is kept; nothing is written yet.

# A folder an older version made has no caller-key, and its README had operators add lines for
# their shop's back end: a line named shop there, with no caller-key file beside it, is theirs
# (a caller-key deleted beside the script's line looks the same, and its key is lost anyway). It is
# left as it is, by every option: the script makes no caller-key and writes no shop line.
if [ -e api-keys ] && [ ! -e caller-key ] && [ ! -e caller-key.new ] && [ ! -e caller-key.old ] && named shop; then
  own_shop=true
  api_keys=(client-key admin-key)
fi

# Keys made (new, or caller-key when neither its file nor its line is here), and
# step 1's next keys.
make_keys=() next_keys=()
# Keys of a rotation under way: the next ones (step 1 makes them, step 2 hands them out) and the
# ones being rotated out (step 2 keeps them, step 3 drops them).
new_keys=() old_keys=()
for key in "${api_keys[@]}"; do
  [ -e "$key.new" ] && new_keys+=("$key.new")
  [ -e "$key.old" ] && old_keys+=("$key.old")
done
if $new_api_keys; then
  make_keys=("${api_keys[@]}")
elif [ -e api-keys ]; then
  for key in "${api_keys[@]}"; do
    role="$(key_role "$key")"
    retiring="$(line_name "$key").retiring"
    # Only caller-key: an older version made the other two, so one of them gone with its line was
    # revoked (an operator's own admin line instead, say), not missing, and is not made again.
    if [ "$key" = caller-key ] && [ ! -e "$key" ] && [ ! -e "$key.new" ] && [ ! -e "$key.old" ] \
       && ! named "$(line_name "$key")" && ! named "$retiring"; then
      # Made by an older version, which did not make this key.
      make_keys+=("$key")
      continue
    fi
    if [ ! -s "$key" ]; then
      problem "$key is missing (or empty) but api-keys is here: put $key back, or --new-api-keys makes new keys (the lines you added to api-keys stay)"
    elif [ -e "$key.new" ]; then
      [ "$(listed_as "$key")" = "$role $retiring" ] && [ "$(listed_as "$key.new")" = "$role $(line_name "$key")" ] \
        || problem "api-keys does not accept $key (in use until --use-new-api-keys) as $retiring and $key.new as $(line_name "$key"), both with role $role: put back the api-keys that goes with them, or --new-api-keys"
    elif [ "$(roles_of "$key")" != "$role" ]; then
      problem "api-keys does not accept $key with role $role (it is not listed, or listed otherwise): put back the api-keys that goes with it, or --new-api-keys"
    fi
    if [ -e "$key.old" ]; then
      [ "$(listed_as "$key.old")" = "$role $retiring" ] \
        || problem "api-keys does not accept $key.old (the key being rotated out) with role $role as $retiring: put back the api-keys that goes with it, or --new-api-keys refuses the old keys at once"
    elif [ ! -e "$key.new" ] && named "$retiring"; then
      problem "api-keys accepts a key named $retiring but $key.old, the key being rotated out, is not here: put $key.old back (--retire-old-api-keys then drops both), or delete that line"
    fi
  done
  if [ ${#new_keys[@]} -gt 0 ] && [ ${#old_keys[@]} -gt 0 ]; then
    problem "${new_keys[*]} and ${old_keys[*]} are here together, which no step leaves: put back the files of one step, or --new-api-keys"
  elif $rotate_api_keys && [ ${#new_keys[@]} -gt 0 ]; then
    problem "a rotation is under way (${new_keys[*]} here): --use-new-api-keys (once every pod has the new api-keys), then --retire-old-api-keys, before starting another; or --abandon-rotation drops them"
  elif $rotate_api_keys && [ ${#old_keys[@]} -gt 0 ]; then
    problem "a rotation is under way (${old_keys[*]} here): finish it with --retire-old-api-keys (once every caller presents the new key) before starting another"
  elif $rotate_api_keys; then
    # The keys in use; one made here (above) is new already.
    for key in "${api_keys[@]}"; do
      [[ " ${make_keys[*]} " == *" $key "* ]] || next_keys+=("$key")
    done
  fi
else
  for key in "${api_keys[@]}"; do [ -s "$key" ] || make_keys+=("$key"); done
  [ ${#old_keys[@]} -eq 0 ] && [ ${#new_keys[@]} -eq 0 ] \
    || problem "${old_keys[*]} ${new_keys[*]} (keys being rotated) here but api-keys is not: put back the api-keys that accepts them"
  ! $rotate_api_keys \
    || problem "--rotate-api-keys replaces the keys in use, but api-keys is not here: a run without it makes new keys"
fi
$use_new_api_keys && [ ${#new_keys[@]} -eq 0 ] \
  && problem "--use-new-api-keys: no new keys are waiting (no client-key.new, admin-key.new or caller-key.new here): --rotate-api-keys makes them"
if $retire_old_api_keys && [ ${#new_keys[@]} -gt 0 ]; then
  problem "--retire-old-api-keys: the new keys are not in use yet (${new_keys[*]} here): --use-new-api-keys first"
elif $retire_old_api_keys && [ ${#old_keys[@]} -eq 0 ]; then
  problem "--retire-old-api-keys: no rotation is under way (no client-key.old, admin-key.old or caller-key.old here), so there is no old key to retire: --rotate-api-keys starts one"
fi
if $abandon_rotation && [ ${#old_keys[@]} -gt 0 ]; then
  problem "--abandon-rotation: the new keys are handed out already (${old_keys[*]} here, step 2 ran): finish with --retire-old-api-keys once every caller presents them, or --new-api-keys"
elif $abandon_rotation && [ ${#new_keys[@]} -eq 0 ]; then
  problem "--abandon-rotation: no rotation is under way (no client-key.new, admin-key.new or caller-key.new here)"
fi

# The servers read a CR LF api-keys (Java trims each line); the awk below would not match its names
# when it rewrites the file: a rotation would list the old keys twice, which no server starts with.
if [ -e api-keys ] && grep -q $'\r' api-keys && { [[ "$key_options" == *true* ]] || [ ${#make_keys[@]} -gt 0 ]; }; then
  echo "make-secrets: $out: api-keys has Windows line endings (CR LF): convert it (sed -i 's/\r\$//' $out/api-keys) and run again" >&2
  echo "make-secrets: nothing written" >&2
  exit 1
fi

ca_problem=false
ca_warning=
if $new_ca; then
  if [ -e ca.crt ]; then
    # What stops being trusted: every certificate here the old CA signed (tls.crt, people's ones).
    signed=()
    for crt in *.crt; do
      [ "$crt" != ca.crt ] && signed_by ca.crt "$crt" && signed+=("$crt")
    done
    ca_warning="WARNING --new-ca replaces ca.crt and ca.key.
  Every certificate the old CA signed stops being trusted: ${signed[*]:-tls.crt} here, and any
  client certificate issued from it elsewhere (a browser's .p12). A running cluster trusts only the
  old CA: pods started with the new glassbox-tls and pods still running refuse each other's calls
  until every Deployment has rolled (kubectl rollout restart). --renew would make a new tls.crt
  with the kept CA instead."
  fi
elif [ -e ca.crt ]; then
  if [ -z "$(cert_public ca.crt)" ]; then
    problem "ca.crt is not a PEM certificate"; ca_problem=true
  elif [ -e ca.key ] && ! belongs ca.key ca.crt; then
    problem "ca.key is not the key of ca.crt: put back the pair that belongs together, or --new-ca (invalidates every certificate the old CA signed)"
    ca_problem=true
  fi
elif [ -e ca.key ]; then
  problem "ca.key is here but ca.crt is not: put ca.crt back, or --new-ca (invalidates every certificate the old CA signed)"
  ca_problem=true
elif [ -e tls.crt ] || [ -e tls.key ]; then
  problem "tls.crt or tls.key is here but the CA that signed it (ca.crt) is not: put ca.crt and ca.key back, or --new-ca makes a new CA and certificate"
  ca_problem=true
fi
make_ca=false
if $new_ca || { [ ! -e ca.crt ] && ! $ca_problem; }; then make_ca=true; fi

make_tls=false
if $renew || $make_ca; then
  make_tls=true
elif [ -e tls.crt ] && [ -e tls.key ]; then
  if [ "$(head -n 1 tls.key)" != "-----BEGIN PRIVATE KEY-----" ]; then
    problem "tls.key is not an unencrypted PKCS#8 PEM key (what the servers read): --renew makes a new pair"
  elif ! belongs tls.key tls.crt; then
    problem "tls.key is not the key of tls.crt: put back the pair that belongs together, or --renew makes a new one"
  elif ! $ca_problem && ! signed_by ca.crt tls.crt; then
    problem "tls.crt is not signed by ca.crt: put back the CA that signed it, or --renew makes one signed by ca.crt"
  elif [ -n "$namespace" ]; then
    for s in "${services[@]}"; do
      if ! dns_names tls.crt | grep -qxF "$s.$namespace.svc"; then
        problem "tls.crt does not name $s.$namespace.svc (it was made for another namespace): --renew --namespace $namespace makes one that does"
        break
      fi
    done
  fi
elif [ -e tls.crt ] || [ -e tls.key ]; then
  problem "$( [ -e tls.crt ] && echo 'tls.crt is here but tls.key is not' || echo 'tls.key is here but tls.crt is not'):" \
          "put it back, or --renew makes a new pair"
else
  make_tls=true
fi
if $make_tls && ! $make_ca && ! $ca_problem && [ ! -e ca.key ]; then
  problem "ca.key is not here, and it is needed to sign a new tls.crt: put it back (the key of ca.crt), or --new-ca (invalidates every certificate the old CA signed)"
fi
# A new certificate keeps the namespace of the one it replaces unless told otherwise.
if [ -z "$namespace" ] && [ -e tls.crt ]; then namespace="$(cert_namespace)"; fi
namespace="${namespace:-default}"

if [ ${#problems[@]} -gt 0 ]; then
  for p in "${problems[@]}"; do echo "make-secrets: $out: $p" >&2; done
  echo "make-secrets: nothing written" >&2
  exit 1
fi
[ -z "$ca_warning" ] || echo "make-secrets: $ca_warning" >&2

# ---- Make what is missing or asked for, in a folder of its own, then move it in.

making=true
stage="$(stage_dir)"

# 32 random bytes as hex: a key nobody guesses, and plain ASCII for the authorization header.
# Step 1 of a rotation makes the next keys beside the ones in use.
for key in "${make_keys[@]}"; do openssl rand -hex 32 >"$stage/$key"; done
for key in "${next_keys[@]}"; do openssl rand -hex 32 >"$stage/$key.new"; done
# Step 2: the next keys are handed out, the ones in use become the old ones, still accepted.
if $use_new_api_keys; then
  for new in "${new_keys[@]}"; do
    cp "${new%.new}" "$stage/${new%.new}.old"
    cp "$new" "$stage/${new%.new}"
  done
fi
# Step 3, or new keys at once: the keys being rotated out go, with their lines.
if $retire_old_api_keys || $new_api_keys; then retired=("${old_keys[@]}"); gone=("${new_keys[@]}"); fi
! $use_new_api_keys || gone=("${new_keys[@]}")
# Abandoning step 1: the next keys go, with their lines.
! $abandon_rotation || retired=("${new_keys[@]}")
dropped=("${retired[@]}" "${gone[@]}")
# A key file as this run leaves it: made here, else here and not dropped (a rotation under way,
# when a key is added to a folder an older version made in the middle of one).
left() { if [ -e "$stage/$1" ]; then echo "$stage/$1"; elif [ -e "$1" ] && [[ " ${dropped[*]} " != *" $1 "* ]]; then echo "$1"; fi; }
if [ ${#make_keys[@]} -gt 0 ] || [ ${#next_keys[@]} -gt 0 ] || [ ! -e api-keys ] || [ ${#retired[@]} -gt 0 ]; then
  # The script's own lines: the keys' (the next ones while they wait), and the keys being rotated
  # out (after step 1 the ones in use, after step 2 the old ones), named as such.
  {
    for key in "${api_keys[@]}"; do
      file="$(left "$key.new")"
      h="$(hash "${file:-$(left "$key")}")"
      echo "$(key_role "$key") $h $(line_name "$key")"
    done
    for key in "${api_keys[@]}"; do
      file="$(left "$key.old")"
      [ -z "$(left "$key.new")" ] || file="$key"
      if [ -n "$file" ]; then
        h="$(hash "$file")"
        echo "$(key_role "$key") $h $(line_name "$key").retiring"
      fi
    done
  } >"$stage/ours"
  # They replace the ones there, together where the first of them stood (so --abandon-rotation
  # gives back the api-keys before step 1); what else is there (other applications' keys, comments,
  # blank lines) stays as it is.
  lines=/dev/null; [ ! -e api-keys ] || lines=api-keys
  names="$(for key in "${api_keys[@]}"; do line_name "$key"; done | paste -sd '|')"
  awk -v names="^($names)(\\.retiring)?\$" -v ours="$stage/ours" '
    function put(line) { if (!done++) while ((getline line <ours) > 0) print line }
    $1 !~ /^#/ && $3 ~ names { put(); next }
    { print }
    END { put() }' "$lines" >"$stage/api-keys"
  rm "$stage/ours"
fi

# openssl prints its progress on stderr: shown only when it fails, to say why.
openssl_quiet() { openssl "$@" 2>"$stage/openssl.err" || { cat "$stage/openssl.err" >&2; return 1; }; rm "$stage/openssl.err"; }
ca_crt=ca.crt ca_key=ca.key
if $make_ca; then
  openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$stage/ca.key" \
    -out "$stage/ca.crt" -days "$ca_days" -subj "/CN=glassbox-ca"
  ca_crt="$stage/ca.crt" ca_key="$stage/ca.key"
fi
if $make_tls; then
  # Every name a service is reached by: the short Service name (what the dns:/// targets and
  # compose use), the forms qualified with the namespace, and localhost for port-forwards.
  sans="DNS:localhost,IP:127.0.0.1"
  for s in "${services[@]}"; do
    sans="$sans,DNS:$s,DNS:$s.$namespace.svc,DNS:$s.$namespace.svc.cluster.local"
  done
  openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$stage/tls.key" \
    -out "$stage/tls.csr" -subj "/CN=glassbox"
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' \
    "$sans" >"$stage/tls.ext"
  # A random serial, so no serial file (ca.srl) is written or needed next to the CA.
  serial="$(openssl rand -hex 16)"
  openssl_quiet x509 -req -in "$stage/tls.csr" -CA "$ca_crt" -CAkey "$ca_key" \
    -set_serial "0x$serial" -out "$stage/tls.crt" -days "$days" -extfile "$stage/tls.ext"
  rm -f "$stage/tls.csr" "$stage/tls.ext"
fi

# Everything is made: from here on the next run finishes the moves if this one stops, and says
# what this one would have (its options).
[ ${#dropped[@]} -eq 0 ] || printf '%s\n' "${dropped[@]}" >"$stage/drop"
printf '%s\n' "${given[*]}" >"$stage/options"
for f in "${readable[@]}"; do [ ! -e "$stage/$f" ] || chmod 644 "$stage/$f"; done
mv -T "$stage" "$moving"
making=false
finish
