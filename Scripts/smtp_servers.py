#!/usr/bin/env python3
"""SMTP servers for the probe's integration tests (aiosmtpd from PyPI), on loopback only.

  smtp_servers.py CA_DIR PORT
    CA_DIR holds the test CA (ca.pem, ca.key) made by Scripts/test_ca.sh; the servers'
    certificates are made here with Python's cryptography package.
    Every server listens on PORT at its own loopback address:
      127.0.0.2 good       STARTTLS (trusted, names mx-good.probe.test); bob@probe.test accepted, others 550
      127.0.0.3 reject     STARTTLS; every recipient 550 (a failover not configured for the domain)
      127.0.0.4 plain      no STARTTLS; bob accepted, others 550
      127.0.0.5 expired    STARTTLS with a certificate that expired yesterday
      127.0.0.6 acceptall  STARTTLS; any recipient accepted
      127.0.0.7 silent     accepts TCP connections and never answers
      127.0.0.8 wrongname  STARTTLS with a certificate for another name
      127.0.0.9 greylist   STARTTLS; every recipient 451 (deferred)
      127.0.0.10 slow      like good, but every EHLO answer waits 200 ms (for the probe benchmark)
      127.0.0.11 garbage   answers like a web server, not an SMTP server
      127.0.0.12 drop      sends its banner, then drops the connection after EHLO
      [::1]      good      the good server again, over IPv6 (when loopback has IPv6)
Runs until killed.
"""
import asyncio
import datetime
import ssl
import sys

from aiosmtpd.smtp import SMTP
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ca_dir, port = sys.argv[1], int(sys.argv[2])
ca_cert = x509.load_pem_x509_certificate(open(f"{ca_dir}/ca.pem", "rb").read())
ca_key = serialization.load_pem_private_key(open(f"{ca_dir}/ca.key", "rb").read(), password=None)
KNOWN = {"bob@probe.test", "bob@probe2.test"}


def certificate(name, names, days_from, days_to):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days_from))
            .not_valid_after(now + datetime.timedelta(days=days_to))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = f"{ca_dir}/{name}.pem", f"{ca_dir}/{name}.key"
    open(cert_path, "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    open(key_path, "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


class Handler:
    def __init__(self, mode):
        self.mode = mode

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "reject":
            return "550 5.7.1 <%s>: Relay access denied" % address
        if self.mode == "greylist":
            return "451 4.7.1 Greylisted, please try again later"
        if self.mode == "acceptall" or address.lower() in KNOWN:
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"
        return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        if self.mode == "slow":
            await asyncio.sleep(0.2)
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        return "554 5.7.0 this test server takes no mail"


good = ["mx-good.probe.test", "mx-reject.probe.test", "mx-acceptall.probe.test", "mx-greylist.probe.test", "mx-dual.probe.test"]
servers = {
    "127.0.0.2": ("good", certificate("good", good, -1, 365)),
    "127.0.0.3": ("reject", None),
    "127.0.0.4": ("plain", None),
    "127.0.0.5": ("expired", certificate("expired", ["mx-expired.probe.test"], -30, -1)),
    "127.0.0.6": ("acceptall", None),
    "127.0.0.8": ("wrongname", certificate("wrongname", ["mail.elsewhere.example"], -1, 365)),
    "127.0.0.9": ("greylist", None),
    "127.0.0.10": ("slow", None),
}


async def silent(reader, writer):
    await asyncio.sleep(3600)


async def garbage(reader, writer):
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    writer.close()


async def drop(reader, writer):
    writer.write(b"220 mx-drop.probe.test ESMTP\r\n")
    await writer.drain()
    await reader.readline()
    writer.close()


async def main():
    good_context = servers["127.0.0.2"][1]
    started = []
    for address, (mode, context) in servers.items():
        if mode in ("reject", "acceptall", "greylist", "slow"):
            context = good_context
        tls = None if mode == "plain" else context
        loop = asyncio.get_running_loop()
        factory = (lambda m=mode, t=tls: SMTP(Handler(m), hostname=f"mx-{m}.probe.test", tls_context=t,
                                              require_starttls=False, data_size_limit=10485760, ident="mxray test SMTP"))
        started.append(await loop.create_server(factory, host=address, port=port))
    try:
        ipv6 = lambda: SMTP(Handler("good"), hostname="mx-dual.probe.test", tls_context=good_context, require_starttls=False,
                            data_size_limit=10485760, ident="mxray test SMTP")
        started.append(await asyncio.get_running_loop().create_server(ipv6, host="::1", port=port))
    except OSError:
        print("smtp servers: no IPv6 loopback, [::1] skipped", file=sys.stderr, flush=True)
    started.append(await asyncio.start_server(silent, host="127.0.0.7", port=port))
    started.append(await asyncio.start_server(garbage, host="127.0.0.11", port=port))
    started.append(await asyncio.start_server(drop, host="127.0.0.12", port=port))
    print(f"smtp servers: 127.0.0.2-12 port {port}", file=sys.stderr, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
