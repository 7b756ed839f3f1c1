#!/usr/bin/python3
"""A second implementation of SPEC §4.5, written from the SPEC text alone (Python, hmac + cryptography), used as the
other host in the interop tests. Suite 1 (aes-gcm-128) only. All values are hex; addresses dotted quads.

  spec_peer.py init SECRET VNET EPOCH SPI NONCE NOW_MS SELF PEER            -> init message
  spec_peer.py respond SECRET INIT SPI NONCE NOW_MS SELF PEER               -> response message (after checking the init)
  spec_peer.py check SECRET MESSAGE NOW_MS SENDER RECEIVER [ECHO]           -> "ok" or exits non-zero
  spec_peer.py seal SECRET VNET EPOCH NA NB SENDER RECEIVER SPI SEQ NH PAYLOAD   -> ESP packet (UDP payload)
  spec_peer.py open SECRET VNET EPOCH NA NB SENDER RECEIVER PACKET               -> "NH PAYLOAD"
"""
import hashlib
import hmac
import socket
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SALT = b'vnet-esp-v1'


def hkdf(secret, info, length):
    return HKDF(hashes.SHA256(), length, SALT, info).derive(secret)


def addr(text):
    return socket.inet_aton(text)


def k_hello(secret, vnet, epoch):
    return hkdf(secret, b'hello' + vnet + bytes([epoch]), 32)


def message(secret, opcode, vnet, epoch, spi, nonce, echo, now_ms, sender, receiver):
    body = struct.pack('>HH', 4, opcode) + vnet + bytes([epoch, 1, 0, 0]) + struct.pack('>I', spi) + nonce + echo + struct.pack('>Q', now_ms)
    return body + hmac.new(k_hello(secret, vnet, epoch), body + addr(sender) + addr(receiver), hashlib.sha256).digest()


def check(secret, msg, now_ms, sender, receiver, echo=None):
    assert len(msg) == 100, 'length'
    typ, opcode = struct.unpack('>HH', msg[:4])
    assert typ == 4 and opcode in (1, 2), 'type/opcode'
    vnet, epoch, suite = msg[4:20], msg[20], msg[21]
    assert suite == 1 and msg[22:24] == b'\0\0', 'suite/zero'
    mac = hmac.new(k_hello(secret, vnet, epoch), msg[:68] + addr(sender) + addr(receiver), hashlib.sha256).digest()
    assert hmac.compare_digest(mac, msg[68:]), 'hmac'
    assert abs(struct.unpack('>Q', msg[60:68])[0] - now_ms) <= 120000, 'time'
    assert struct.unpack('>I', msg[24:28])[0] >= 256, 'spi'
    if opcode == 1:
        assert msg[44:60] == bytes(16), 'init echo must be zero'
    elif echo is not None:
        assert msg[44:60] == echo, 'echo'
    return vnet, epoch


def sa_key(secret, vnet, epoch, na, nb, sender, receiver):
    return hkdf(secret, b'sa' + vnet + addr(sender) + addr(receiver) + bytes([epoch, 1]) + na + nb, 20)


def main():
    a = sys.argv[1:]
    h = bytes.fromhex
    if a[0] == 'init':
        secret, vnet, epoch, spi, nonce, now, me, peer = h(a[1]), h(a[2]), int(a[3]), int(a[4], 16), h(a[5]), int(a[6]), a[7], a[8]
        print(message(secret, 1, vnet, epoch, spi, nonce, bytes(16), now, me, peer).hex())
    elif a[0] == 'respond':
        secret, init, spi, nonce, now, me, peer = h(a[1]), h(a[2]), int(a[3], 16), h(a[4]), int(a[5]), a[6], a[7]
        vnet, epoch = check(secret, init, now, peer, me)
        print(message(secret, 2, vnet, epoch, spi, nonce, init[28:44], now, me, peer).hex())
    elif a[0] == 'check':
        check(h(a[1]), h(a[2]), int(a[3]), a[4], a[5], h(a[6]) if len(a) > 6 else None)
        print('ok')
    elif a[0] == 'seal':
        secret, vnet, epoch, na, nb, sender, receiver, spi, seq, nh, payload = \
            h(a[1]), h(a[2]), int(a[3]), h(a[4]), h(a[5]), a[6], a[7], int(a[8], 16), int(a[9]), int(a[10]), h(a[11])
        key = sa_key(secret, vnet, epoch, na, nb, sender, receiver)
        pad = (-(len(payload) + 2)) % 4
        plain = payload + bytes(range(1, pad + 1)) + bytes([pad, nh])
        iv = struct.pack('>Q', seq)
        aad = struct.pack('>III', spi, seq >> 32, seq & 0xffffffff)
        sealed = AESGCM(key[:16]).encrypt(key[16:] + iv, plain, aad)
        print((struct.pack('>II', spi, seq & 0xffffffff) + iv + sealed).hex())
    elif a[0] == 'open':
        secret, vnet, epoch, na, nb, sender, receiver, packet = h(a[1]), h(a[2]), int(a[3]), h(a[4]), h(a[5]), a[6], a[7], h(a[8])
        key = sa_key(secret, vnet, epoch, na, nb, sender, receiver)
        spi, low = struct.unpack('>II', packet[:8])
        iv = packet[8:16]
        aad = struct.pack('>III', spi, 0, low)  # the first packets of an SA: sequence high word 0
        plain = AESGCM(key[:16]).decrypt(key[16:] + iv, packet[16:], aad)
        pad, nh = plain[-2], plain[-1]
        print(nh, plain[:len(plain) - 2 - pad].hex())


main()
