"""Write a self-signed TLS certificate for the edge if none is there (first compose start).

Replace /etc/nginx/certs/tls.crt and tls.key with the agency's certificate in production.
"""

import datetime
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def main(directory: str = "/certs", host: str = "localhost") -> None:
    """Create tls.key and tls.crt in the directory unless both exist."""
    folder = Path(directory)
    crt, key_file = folder / "tls.crt", folder / "tls.key"
    if crt.exists() and key_file.exists():
        print("certificate present")
        return
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    print(f"self-signed certificate for {host} written to {folder}")


if __name__ == "__main__":
    main(*sys.argv[1:])
