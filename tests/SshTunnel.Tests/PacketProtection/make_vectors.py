import struct, hmac, hashlib
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.poly1305 import Poly1305

def pkt(payload, align, covers_len):
    # deterministic padding 0xA0.. so vectors are reproducible
    base = 1 + len(payload) + (4 if covers_len else 0)
    pad = align - (base % align)
    if pad < 4: pad += align
    body = bytes([pad]) + payload + bytes((0xA0 + i) & 0xff for i in range(pad))
    return struct.pack(">I", len(body)) + body

h = lambda b: b.hex()
p1 = pkt(b"\x5e" + bytes(range(40)), 16, False)
p2 = pkt(b"\x02" + b"hello, ssh", 16, False)
# GCM
# Regenerates PythonVectors.cs inputs (and the RFC cross-checks): python3 make_vectors.py
key = bytes(range(16))
iv = bytes.fromhex("a0a1a2a3fffffffffffffffe")  # invocation counter wraps within its 8 bytes on the third packet
def gcm(key, iv, p):
    ct = AESGCM(key).encrypt(iv, p[4:], p[:4])
    return p[:4] + ct[:-16], ct[-16:]
def inc(iv):
    c = (int.from_bytes(iv[4:], "big") + 1) % 2**64
    return iv[:4] + c.to_bytes(8, "big")
print("GCM128 key", h(key), "iv", h(iv))
for p in (p1, p2, p1):
    c, t = gcm(key, iv, p); print(" pt", h(p)); print(" ct", h(c)); print(" tag", h(t)); iv = inc(iv)
key = bytes(range(32, 64)); iv = bytes.fromhex("0102030400000000000000ff")
print("GCM256 key", h(key), "iv", h(iv))
c, t = gcm(key, iv, p2); print(" pt", h(p2)); print(" ct", h(c)); print(" tag", h(t))

# chacha20-poly1305@openssh.com
def chacha(k, ctr, seq, data):
    nonce = struct.pack("<Q", ctr) + struct.pack(">Q", seq)
    return Cipher(algorithms.ChaCha20(k, nonce), None).encryptor().update(data)
def cc_seal(key, seq, p):
    k2, k1 = key[:32], key[32:]
    elen = chacha(k1, 0, seq, p[:4])
    polykey = chacha(k2, 0, seq, bytes(32))
    ebody = chacha(k2, 1, seq, p[4:])
    ps = Poly1305(polykey); ps.update(elen + ebody)
    return elen + ebody, ps.finalize()
q1 = pkt(b"\x5e" + bytes(range(100)), 8, False)
q2 = pkt(b"\x15", 8, False)
key = bytes(range(64))
print("CHACHA key", h(key))
for seq, p in ((0, q1), (7, q2), (0xfffffffe, q1)):
    c, t = cc_seal(key, seq, p); print(" seq", seq); print(" pt", h(p)); print(" ct", h(c)); print(" tag", h(t))

# aes-ctr + hmac etm
def ctr_seal(key, iv, mackey, hashf, seqs_pkts):
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    for seq, p in seqs_pkts:
        c = p[:4] + enc.update(p[4:])
        t = hmac.new(mackey, struct.pack(">I", seq) + c, hashf).digest()
        print(" seq", seq); print(" pt", h(p)); print(" ct", h(c)); print(" tag", h(t))
for name, kl, hf, ml in (("CTR128-SHA256", 16, hashlib.sha256, 32), ("CTR192-SHA512", 24, hashlib.sha512, 64), ("CTR256-SHA256", 32, hashlib.sha256, 32)):
    key = bytes((0x40 + i) for i in range(kl)); iv = bytes.fromhex("00112233445566778899aabbfffffffe"); mk = bytes((0x80 + i) for i in range(ml))
    print(name, "key", h(key), "iv", h(iv), "mackey", h(mk))
    ctr_seal(key, iv, mk, hf, [(3, p1), (4, p2), (5, p1)])
print("RFC8439 checks")
def cc(k, nonce16, data): return Cipher(algorithms.ChaCha20(k, nonce16), None).encryptor().update(data)
print(" A.1#1", cc(bytes(32), bytes(16), bytes(64)).hex())
k = bytes(range(32)); pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."
print(" 2.4.2", cc(k, bytes.fromhex("01000000" "000000000000004a00000000"), pt).hex())
k = bytes(range(0x80, 0xa0))
print(" 2.6.2", cc(k, bytes.fromhex("00000000" "000000000001020304050607"), bytes(32)).hex())
ps = Poly1305(bytes.fromhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b")); ps.update(b"Cryptographic Forum Research Group"); print(" 2.5.2", ps.finalize().hex())
print(" A.1#2", cc(bytes(32), bytes.fromhex("01000000")+bytes(12), bytes(64)).hex())
print("TC2-256", hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha256).hexdigest())
print("TC2-512", hmac.new(b"Jefe", b"what do ya want for nothing?", hashlib.sha512).hexdigest())
P = bytes.fromhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
for k in ("2b7e151628aed2a6abf7158809cf4f3c", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"):
    print("F5", Cipher(algorithms.AES(bytes.fromhex(k)), modes.CTR(bytes.fromhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"))).encryptor().update(P).hex())
for iv in ("0011223344556677ffffffffffffffff", "ffffffffffffffffffffffffffffffff"):
    print("CARRY", iv, Cipher(algorithms.AES(bytes(range(16))), modes.CTR(bytes.fromhex(iv))).encryptor().update(bytes(48)).hex())
