# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Key material the stand generates: a TLS CA with a server certificate, and the token signing certificate.

Everything is made fresh per stand, so nothing secret is ever checked in.
"""

import dataclasses
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=7)
_CA_USAGE = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False)


@dataclasses.dataclass(frozen=True)
class TlsFiles:
    """Paths of the TLS material; ``ca_dir`` holds ``ca.crt`` for ``skopeo --src-cert-dir``."""

    ca_path: str
    ca_dir: str
    cert_path: str
    key_path: str


@dataclasses.dataclass(frozen=True)
class SigningKey:
    """The token signing key: the registries trust ``cert_path``; tokens carry ``cert_der`` in ``x5c``."""

    key: rsa.RSAPrivateKey
    cert_der: bytes
    cert_path: str


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject, issuer, public_key):
    now = datetime.datetime.now(datetime.UTC)
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY))


def _write(path, data):
    with open(path, 'wb') as handle:
        handle.write(data)


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def make_tls(directory):
    """Create a CA and a server certificate for 127.0.0.1 and localhost under ``directory``."""
    ca_dir = os.path.join(directory, 'ca')
    os.makedirs(ca_dir, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name('prewarm stand CA')
    ca_cert = (_builder(ca_name, ca_name, ca_key.public_key())
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(_CA_USAGE, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    server_key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
    server_cert = (_builder(_name('localhost'), ca_name, server_key.public_key())
                   .add_extension(san, critical=False)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                   .sign(ca_key, hashes.SHA256()))
    files = TlsFiles(ca_path=os.path.join(directory, 'ca.pem'), ca_dir=ca_dir,
                     cert_path=os.path.join(directory, 'server.pem'), key_path=os.path.join(directory, 'server.key'))
    _write(files.ca_path, _pem(ca_cert))
    _write(os.path.join(ca_dir, 'ca.crt'), _pem(ca_cert))
    _write(files.cert_path, _pem(server_cert) + _pem(ca_cert))
    _write(files.key_path, _key_pem(server_key))
    return files


def make_signing_key(directory):
    """Create the self-signed RSA certificate the registries use as ``rootcertbundle``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name('prewarm stand token signer')
    cert = _builder(name, name, key.public_key()).sign(key, hashes.SHA256())
    path = os.path.join(directory, 'token-signer.pem')
    _write(path, _pem(cert))
    return SigningKey(key=key, cert_der=cert.public_bytes(serialization.Encoding.DER), cert_path=path)
