"""Real servers on 127.0.0.1 for the remote-source and mail tests, started once per test run.

    python3 remote_servers.py WORKDIR

Starts, all on free ports of 127.0.0.1:
  - an HTTPS server (certificate from a test CA generated here) over WORKDIR/http;
  - Debian's sshd (unprivileged when not root) with a temporary host key and user key,
    serving WORKDIR/sftp over SFTP;
  - moto's S3 endpoint with IAM authentication on (signatures are verified), a user and
    its access key, and the bucket "exports";
  - two aiosmtpd servers capturing messages to WORKDIR/mail: one offering STARTTLS with
    AUTH, one offering neither.
Writes WORKDIR/servers.json (ports, file paths, credentials) last, so its presence means
ready. Exits, stopping sshd, when its parent process (the test runner) goes away.
"""
import datetime, hashlib, http.server, json, os, signal, socket, ssl, subprocess, sys, threading, time
from email.utils import formatdate

signal.pthread_sigmask(signal.SIG_SETMASK, [])
work = os.path.abspath(sys.argv[1])
parent = os.getppid()
for sub in ("http", "sftp", "mail", "tls", "ssh"):
    os.makedirs(os.path.join(work, sub), exist_ok=True)

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

# ---- test CA and server certificate (Python cryptography) ----
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import ipaddress

now = datetime.datetime.now(datetime.timezone.utc)
ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tierwatch test CA")])
ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
           .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
           .not_valid_after(now + datetime.timedelta(days=2))
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
           .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                        key_encipherment=False, data_encipherment=False, key_agreement=False,
                                        encipher_only=False, decipher_only=False), critical=True)
           .sign(ca_key, hashes.SHA256()))
server_key = ec.generate_private_key(ec.SECP256R1())
server_cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
               .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
               .sign(ca_key, hashes.SHA256()))
ca_file = os.path.join(work, "tls", "ca.pem")
cert_file = os.path.join(work, "tls", "server.pem")
key_file = os.path.join(work, "tls", "server.key")
with open(ca_file, "wb") as f:
    f.write(ca_cert.public_bytes(serialization.Encoding.PEM))
with open(cert_file, "wb") as f:
    f.write(server_cert.public_bytes(serialization.Encoding.PEM))
with open(key_file, "wb") as f:
    f.write(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

def tls_context():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context

# ---- HTTPS ----
HTTP_TOKEN = "export-token-7f3a91"
http_root = os.path.join(work, "http")
http_log = os.path.join(work, "http-requests.jsonl")
log_lock = threading.Lock()
flaky_seen = set()
changing_seen = set()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        with log_lock, open(http_log, "a") as f:
            f.write(json.dumps({"path": self.path, "status": status,
                                "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")

    def serve_file(self, relative, extra=()):
        path = os.path.join(http_root, relative)
        if not os.path.isfile(path):
            return self.answer(404, b"not found\n")
        data = open(path, "rb").read()
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        modified = formatdate(int(os.path.getmtime(path)), usegmt=True)
        validators = [("ETag", etag), ("Last-Modified", modified)]
        if self.headers.get("If-None-Match") == etag:
            return self.answer(304, b"", validators)
        return self.answer(200, data, validators + list(extra))

    def do_GET(self):
        path, _, query = self.path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        parts = path.strip("/").split("/")
        if parts[0] == "status":
            return self.answer(int(parts[1]), b"status\n")
        if self.headers.get("Authorization") != "Bearer " + HTTP_TOKEN:
            return self.answer(401, b"unauthorized\n", [("WWW-Authenticate", "Bearer")])
        if parts[0] == "files":
            return self.serve_file("/".join(parts[1:]))
        if parts[0] == "slow":
            # /slow/<file>: the file in 64-byte pieces, a quarter second apart (for kills mid-download).
            path = os.path.join(http_root, "/".join(parts[1:]))
            if not os.path.isfile(path):
                return self.answer(404, b"not found\n")
            data = open(path, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for start in range(0, len(data), 64):
                try:
                    self.wfile.write(data[start:start + 64])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.25)
            return
        if parts[0] == "hang":
            # /hang/<anything>: accepts the request and never answers.
            time.sleep(120)
            return
        if parts[0] == "flaky":
            key = "/".join(parts[1:])
            if key not in flaky_seen:
                flaky_seen.add(key)
                return self.answer(503, b"try later\n")
            return self.serve_file(key)
        if parts[0] == "changing":
            # /changing/<file>: the first answer promises all of <file> but breaks off half-way;
            # from then on the file has changed to <file>.v2 (a new ETag). A Range request
            # without a matching If-Range gets a slice of the new file, as from a real server,
            # so a client that resumes blindly splices two versions.
            key = "/".join(parts[1:])
            old = open(os.path.join(http_root, key), "rb").read()
            if key not in changing_seen:
                changing_seen.add(key)
                self.send_response(200)
                self.send_header("Content-Length", str(len(old)))
                self.send_header("ETag", '"v1"')
                self.end_headers()
                self.wfile.write(old[: len(old) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            new = open(os.path.join(http_root, key + ".v2"), "rb").read()
            wanted = self.headers.get("Range", "")
            if wanted.startswith("bytes=") and self.headers.get("If-Range") in (None, '"v2"'):
                start = int(wanted[6:].split("-")[0] or 0)
                return self.answer(206, new[start:], [("ETag", '"v2"'), ("Content-Range", "bytes %d-%d/%d" % (start, len(new) - 1, len(new)))])
            return self.answer(200, new, [("ETag", '"v2"')])
        if parts[0] == "pages":
            # /pages/<folder>/<file>: the files of <folder> in name order, each linking to the next.
            folder = os.path.join(http_root, parts[1])
            names = sorted(os.listdir(folder))
            index = names.index(parts[2]) if len(parts) > 2 else 0
            extra = []
            if index + 1 < len(names):
                extra.append(("Link", '</pages/%s/%s>; rel="next", </pages/%s/%s>; rel="first"' % (parts[1], names[index + 1], parts[1], names[0])))
            return self.serve_file(os.path.join(parts[1], names[index]), extra)
        if parts[0] == "jsonl":
            # /jsonl/<name>?cursor=C serves <name>.<C>.jsonl (C = 1 without a cursor).
            return self.serve_file("%s.%s.jsonl" % (parts[1], params.get("cursor", "1")))
        return self.answer(404, b"no route\n")

https = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
https.daemon_threads = True
https.socket = tls_context().wrap_socket(https.socket, server_side=True)
threading.Thread(target=https.serve_forever, daemon=True).start()

# ---- SFTP: sshd with temporary keys ----
ssh = os.path.join(work, "ssh")
for name in ("host_key", "other_host_key", "user_key"):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(ssh, name)], check=True)
os.chmod(os.path.join(ssh, "user_key"), 0o600)
authorized = os.path.join(ssh, "authorized_keys")
with open(authorized, "w") as f:
    f.write(open(os.path.join(ssh, "user_key.pub")).read())
os.chmod(authorized, 0o600)
sftp_port = free_port()
def host_line(key):
    kind, blob = open(os.path.join(ssh, key + ".pub")).read().split()[:2]
    return "[127.0.0.1]:%d %s %s\n" % (sftp_port, kind, blob)
with open(os.path.join(ssh, "known_hosts"), "w") as f:
    f.write(host_line("host_key"))
with open(os.path.join(ssh, "other_known_hosts"), "w") as f:
    f.write(host_line("other_host_key"))
config = os.path.join(ssh, "sshd_config")
with open(config, "w") as f:
    f.write("\n".join([
        "Port %d" % sftp_port, "ListenAddress 127.0.0.1", "HostKey " + os.path.join(ssh, "host_key"),
        "AuthorizedKeysFile " + authorized, "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes", "PermitRootLogin prohibit-password", "UsePAM no", "StrictModes no",
        "PidFile " + os.path.join(ssh, "sshd.pid"), "Subsystem sftp internal-sftp", "LogLevel ERROR", ""]))
if os.geteuid() == 0:
    os.makedirs("/run/sshd", exist_ok=True)  # the privilege-separation directory sshd wants as root
sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", config], stderr=open(os.path.join(ssh, "sshd.log"), "w"))
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", sftp_port), timeout=0.2).close()
        break
    except OSError:
        time.sleep(0.05)
import pwd
sftp_user = pwd.getpwuid(os.geteuid()).pw_name

# ---- S3: moto with signature checking ----
# The first four requests (IAM user, key, policy, bucket) are let through; every later one
# must be signed by that user's key (moto checks SigV4 against the secret).
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"
from moto.server import ThreadedMotoServer
import boto3
s3_port = free_port()
moto = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port, verbose=False)
moto.start()
endpoint = "http://127.0.0.1:%d" % s3_port
setup = dict(endpoint_url=endpoint, region_name="eu-north-1", aws_access_key_id="setup", aws_secret_access_key="setup")
iam = boto3.client("iam", **setup)
iam.create_user(UserName="tierwatch")
key = iam.create_access_key(UserName="tierwatch")["AccessKey"]
iam.put_user_policy(UserName="tierwatch", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
boto3.client("s3", **setup).create_bucket(Bucket="exports", CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})

# ---- SMTP: aiosmtpd, one with STARTTLS and AUTH, one with neither ----
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
mail_dir = os.path.join(work, "mail")
SMTP_USER, SMTP_PASSWORD = "reports", "mail-pass-91c2"
counter = [0]

class Capture:
    def __init__(self, name):
        self.name = name

    async def handle_DATA(self, server, session, envelope):
        with log_lock:
            counter[0] += 1
            base = os.path.join(mail_dir, "%s-%04d" % (self.name, counter[0]))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json.tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
                       "authenticated": session.authenticated}, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 OK"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok)

starttls = Controller(Capture("starttls"), hostname="127.0.0.1", port=free_port(), tls_context=tls_context(),
                      require_starttls=True, authenticator=authenticator, auth_require_tls=True)
starttls.start()
plain = Controller(Capture("plain"), hostname="127.0.0.1", port=free_port())
plain.start()
# Implicit TLS (SMTPS, port-465 style): TLS from the first byte, then AUTH.
# (aiosmtpd's auth_require_tls only counts STARTTLS, so it is off here: the transport is TLS.)
smtps = Controller(Capture("smtps"), hostname="127.0.0.1", port=free_port(), ssl_context=tls_context(),
                   authenticator=authenticator, auth_require_tls=False)
smtps.start()

info = {
    "ca_file": ca_file, "https_port": https.server_address[1], "http_root": http_root, "http_log": http_log,
    "http_token": HTTP_TOKEN, "sftp_port": sftp_port, "sftp_user": sftp_user, "sftp_root": os.path.join(work, "sftp"),
    "ssh_key": os.path.join(ssh, "user_key"), "known_hosts": os.path.join(ssh, "known_hosts"),
    "other_known_hosts": os.path.join(ssh, "other_known_hosts"), "s3_endpoint": endpoint,
    "aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"],
    "smtp_starttls_port": starttls.port, "smtp_plain_port": plain.port, "smtps_port": smtps.port, "smtp_user": SMTP_USER,
    "smtp_password": SMTP_PASSWORD, "mail_dir": mail_dir,
}
with open(os.path.join(work, "servers.json.tmp"), "w") as f:
    json.dump(info, f)
os.rename(os.path.join(work, "servers.json.tmp"), os.path.join(work, "servers.json"))

# Live as long as the test runner does.
try:
    while os.getppid() == parent:
        time.sleep(0.5)
finally:
    sshd.kill()
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    os._exit(0)
