#!/usr/bin/python3
"""Independent ESP decoder/encoder for the ESP tests, built on Debian's python3-scapy (scapy.layers.ipsec).

  esp_oracle.py open SUITE SPI KEYHEX PACKETHEX   -> prints "<next header> <payload hex>"
      PACKETHEX is a whole IPv4/UDP(4500)/ESP packet; scapy dissects it, verifies the ICV and decrypts.
  esp_oracle.py seal SUITE SPI KEYHEX SEQ NH PAYLOADHEX  -> prints the ESP packet (UDP payload) as hex

SUITE is the SPEC §4.5 suite number, KEYHEX the SA's HKDF key material. Extended sequence numbers are on
(SecurityAssociation(..., esn_en=True, esn=<high word>)). scapy 2.5.0's SecurityAssociation passes the ESN high word
to AES-GCM's AAD but not to the ESP ICV of HMAC algorithms (it does so only for AH), so for those the ICV is computed
here with scapy's own AuthAlgo MAC over the ESP bytes followed by the high word, as RFC 4303 §2.2.1 requires.
"""
import struct
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation, _ESPPlain
from scapy.packet import Raw, raw


def make_sa(suite, spi, key, esn):
    if suite == 1:
        return SecurityAssociation(ESP, spi=spi, crypt_algo='AES-GCM', crypt_key=key, auth_algo='NULL',
                                   esn_en=True, esn=esn)
    if suite == 2:
        return SecurityAssociation(ESP, spi=spi, crypt_algo='NULL', auth_algo='SHA2-256-128', auth_key=key,
                                   esn_en=True, esn=esn)
    if suite == 3:
        return SecurityAssociation(ESP, spi=spi, crypt_algo='NULL', auth_algo='HMAC-SHA1-96', auth_key=key,
                                   esn_en=True, esn=esn)
    if suite == 4:
        return SecurityAssociation(ESP, spi=spi, crypt_algo='AES-CBC', crypt_key=key[:16], auth_algo='HMAC-SHA1-96',
                                   auth_key=key[16:], esn_en=True, esn=esn)
    raise SystemExit('unknown suite %d' % suite)


def icv(sa, esp_bytes, esn):
    mac = sa.auth_algo.new_mac(sa.auth_key)
    mac.update(esp_bytes + struct.pack('!L', esn))
    return mac.finalize()[:sa.auth_algo.icv_size]


def open_packet(suite, spi, key, packet):
    pkt = IP(packet)
    assert pkt.haslayer(UDP) and pkt[UDP].dport == 4500, pkt.summary()
    esp = pkt[ESP]
    # scapy's ESP layer gives the SPI and the low 32 bits; the high word is what the receiver's window infers.
    esn = int(sys.argv[6]) if len(sys.argv) > 6 else 0
    sa = make_sa(suite, spi, key, esn)
    assert esp.spi == spi, 'spi %x' % esp.spi
    if sa.auth_algo.icv_size:
        body = raw(esp)[:-sa.auth_algo.icv_size]
        if raw(esp)[-sa.auth_algo.icv_size:] != icv(sa, body, esn):
            raise SystemExit('ICV mismatch')
    plain = sa.crypt_algo.decrypt(sa, esp, sa.crypt_key, sa.crypt_icv_size or sa.crypt_algo.icv_size or sa.auth_algo.icv_size,
                                  esn_en=True, esn=esn)
    print(plain.nh, raw(plain.data).hex() if not isinstance(plain.data, bytes) else plain.data.hex())


def seal_packet(suite, spi, key, seq, nh, payload):
    sa = make_sa(suite, spi, key, seq >> 32)
    iv = struct.pack('!Q', seq) if suite == 1 else None  # SPEC §4.5: the GCM IV is the 64-bit sequence number
    iv = iv if iv is not None else sa.crypt_algo.generate_iv()
    esp = _ESPPlain(spi=spi, seq=seq & 0xffffffff, iv=iv, data=payload, nh=nh)
    esp = sa.crypt_algo.pad(esp)
    esp = sa.crypt_algo.encrypt(sa, esp, sa.crypt_key, sa.crypt_icv_size, esn_en=True, esn=seq >> 32)
    wire = raw(esp)
    if sa.auth_algo.icv_size:
        wire += icv(sa, wire, seq >> 32)
    print(wire.hex())


def main():
    op, suite, spi, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0), bytes.fromhex(sys.argv[4])
    if op == 'open':
        open_packet(suite, spi, key, bytes.fromhex(sys.argv[5]))
    else:
        seal_packet(suite, spi, key, int(sys.argv[5], 0), int(sys.argv[6]), bytes.fromhex(sys.argv[7]))


main()
