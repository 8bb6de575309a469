#!/usr/bin/env bash
# Makes the secrets the deployed suite reads, into OUT_DIR (default deploy/secrets, ignored by git):
#   client-key      the plain key the gateway and explain-service present to their dependencies
#                   (GLASSBOX_CLIENT_KEY_FILE), role client
#   admin-key       a plain key with role admin, for an operator (ReloadModel, bulk ingest)
#   api-keys        what every server accepts (GLASSBOX_API_KEYS_FILE): one line per key,
#                   "<role> <sha256-hex-of-key> <name>"; only hashes, never the keys
#   ca.crt, tls.crt, tls.key
#                   a private CA and one certificate for the four service names (server and client
#                   certificate, for mutual TLS; the key in PKCS#8 PEM)
#   secrets.yaml    the Kubernetes Secrets glassbox-api-keys, glassbox-client-key and glassbox-tls
#                   (kubectl apply -f OUT_DIR/secrets.yaml -n NAMESPACE)
# docker compose reads the files themselves. Needs openssl and sha256sum; kubectl for secrets.yaml.
#   deploy/make-secrets.sh [OUT_DIR] [--namespace NS] [--days N]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/deploy/secrets"
days=365
namespace=default
while [ $# -gt 0 ]; do
  case "$1" in
    --days) days="$2"; shift 2 ;;
    --namespace) namespace="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) out="$1"; shift ;;
  esac
done
mkdir -p "$out"
chmod 700 "$out"
cd "$out"
umask 077

# 32 random bytes as hex: a key nobody guesses, and plain ASCII for the authorization header.
openssl rand -hex 32 >client-key
openssl rand -hex 32 >admin-key
hash() { tr -d '\n' <"$1" | sha256sum | cut -d' ' -f1; }
{
  echo "client $(hash client-key) glassbox-internal"
  echo "admin $(hash admin-key) operator"
} >api-keys

# Every name a service is reached by: the short Service name (what the dns:/// targets and compose
# use), the forms qualified with the namespace, and localhost for port-forwards.
sans="DNS:localhost,IP:127.0.0.1"
for s in gateway feature-service model-service explain-service; do
  sans="$sans,DNS:$s,DNS:$s.$namespace.svc,DNS:$s.$namespace.svc.cluster.local"
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
  -days "$days" -subj "/CN=glassbox-ca" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tls.key -out tls.csr \
  -subj "/CN=glassbox" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n' "$sans" >tls.ext
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out tls.crt -days "$days" \
  -extfile tls.ext 2>/dev/null
rm -f tls.csr tls.ext ca.srl

if command -v kubectl >/dev/null 2>&1; then
  {
    kubectl create secret generic glassbox-api-keys --from-file=api-keys=api-keys --dry-run=client -o yaml
    echo ---
    kubectl create secret generic glassbox-client-key --from-file=client-key=client-key --dry-run=client -o yaml
    echo ---
    kubectl create secret generic glassbox-tls --type=kubernetes.io/tls --from-file=tls.crt=tls.crt \
      --from-file=tls.key=tls.key --from-file=ca.crt=ca.crt --dry-run=client -o yaml
  } >secrets.yaml
fi
# Readable by the containers' user through the bind mounts of docker compose.
chmod 644 client-key api-keys ca.crt tls.crt tls.key
echo "make-secrets: wrote $(ls | tr '\n' ' ')to $out (ca.key stays here: it signs new certificates)"
