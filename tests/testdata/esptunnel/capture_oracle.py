#!/usr/bin/python3
"""Independent decoder for the ESP tunnel tests, on Debian's python3-scapy (scapy.layers.ipsec).

  capture_oracle.py PCAP KEYLOG PATTERNHEX [PORT]

Reads an underlay capture (pcap) and the VNET_ESP_KEYLOG file (Wireshark esp_sa lines), opens every ESP-in-UDP
datagram (RFC 3948, no non-ESP marker) to PORT (default 4500) with the SA its (source, destination, SPI) names, checks
the ICV, and prints one line of counts:
  esp=<datagrams> opened=<ok> failed=<bad ICV or no SA> frames=<Next Header 143> control=<253>
  pattern_inside=<opened payloads holding PATTERN> pattern_clear=<captured packets holding PATTERN in their raw bytes>
Extended sequence numbers: the high word is 0 (the tests send far fewer than 2^32 packets per SA).
"""
import csv
import struct
import sys

from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import raw
from scapy.utils import rdpcap


def make_sa(enc, enc_key, auth, auth_key, spi):
    """The scapy SA for a keylog line (Wireshark's algorithm names, SPEC §4.5 suites)."""
    if enc.startswith('AES-GCM'):
        return SecurityAssociation(ESP, spi=spi, crypt_algo='AES-GCM', crypt_key=enc_key, auth_algo='NULL', esn_en=True, esn=0)
    crypt = ('AES-CBC', enc_key) if enc.startswith('AES-CBC') else ('NULL', None)
    algo = 'SHA2-256-128' if auth.startswith('HMAC-SHA-256') else 'HMAC-SHA1-96'
    return SecurityAssociation(ESP, spi=spi, crypt_algo=crypt[0], crypt_key=crypt[1], auth_algo=algo, auth_key=auth_key,
                               esn_en=True, esn=0)


def key(text):
    return bytes.fromhex(text[2:]) if text.startswith('0x') else b''


def read_keylog(path):
    sas = {}
    with open(path) as f:
        for row in csv.reader(f):
            if len(row) < 8:
                continue
            _, src, dst, spi, enc, enc_key, auth, auth_key = row[:8]
            sas[(src, dst, int(spi, 16))] = make_sa(enc, key(enc_key), auth, key(auth_key), int(spi, 16))
    return sas


def open_esp(sa, esp):
    """Verifies the ICV (HMAC over the ESP bytes and the ESN high word, RFC 4303 §2.2.1) and decrypts."""
    if sa.auth_algo.icv_size:
        body, tag = raw(esp)[:-sa.auth_algo.icv_size], raw(esp)[-sa.auth_algo.icv_size:]
        mac = sa.auth_algo.new_mac(sa.auth_key)
        mac.update(body + struct.pack('!L', 0))
        if mac.finalize()[:sa.auth_algo.icv_size] != tag:
            raise ValueError('ICV mismatch')
    return sa.crypt_algo.decrypt(sa, esp, sa.crypt_key, sa.crypt_icv_size or sa.crypt_algo.icv_size or sa.auth_algo.icv_size,
                                 esn_en=True, esn=0)


def main():
    packets = rdpcap(sys.argv[1])
    sas = read_keylog(sys.argv[2])
    pattern = bytes.fromhex(sys.argv[3])
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 4500
    counts = dict(esp=0, opened=0, failed=0, frames=0, control=0, pattern_inside=0, pattern_clear=0)
    for pkt in packets:
        if pattern in raw(pkt):
            counts['pattern_clear'] += 1
        if not pkt.haslayer(IP) or not pkt.haslayer(UDP) or pkt[UDP].dport != port:
            continue
        counts['esp'] += 1
        ip = pkt[IP]
        esp = ESP(raw(pkt[UDP].payload))
        sa = sas.get((ip.src, ip.dst, esp.spi))
        try:
            if sa is None:
                raise ValueError('no SA')
            plain = open_esp(sa, esp)
        except Exception:  # scapy raises several types for a bad tag; any is a failure to count
            counts['failed'] += 1
            continue
        counts['opened'] += 1
        data = plain.data if isinstance(plain.data, bytes) else raw(plain.data)
        counts['frames' if plain.nh == 143 else 'control' if plain.nh == 253 else 'failed'] += 1
        if pattern in data:
            counts['pattern_inside'] += 1
    print(' '.join('%s=%d' % kv for kv in counts.items()))


main()
