"""Writes the FuzzGzip and FuzzPostHogForm seeds (Fuzz/corpus/…) with Python's gzip, zlib and base64:
    python3 Fuzz/body_seeds.py
FuzzGzip reads each seed as a gzip body and as a payload; FuzzPostHogForm as a form body and as a payload.
"""
import base64, gzip, os, struct, urllib.parse, zlib
here = os.path.dirname(os.path.abspath(__file__))
batch = b'{"api_key":"phc_k","batch":[{"event":"$pageview","distinct_id":"u-1","properties":{"$current_url":"/"}}]}'
def write(target, name, data):
    d = os.path.join(here, "corpus", target); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "wb").write(data)
def member(data, level=6, header_flags=0, name=b"", extra=b"", comment=b""):
    """One gzip member written by hand (RFC 1952), so that every header flag can be set."""
    flags = header_flags | (4 if extra else 0) | (8 if name else 0) | (16 if comment else 0)
    head = bytes([0x1F, 0x8B, 8, flags]) + struct.pack("<I", 0) + bytes([0, 3])
    if extra: head += struct.pack("<H", len(extra)) + extra
    if name: head += name + b"\0"
    if comment: head += comment + b"\0"
    if flags & 2: head += struct.pack("<H", zlib.crc32(head) & 0xFFFF)
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return head + c.compress(data) + c.flush() + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)

write("FuzzGzip", "batch.gz", gzip.compress(batch, mtime=0))
write("FuzzGzip", "empty.gz", gzip.compress(b"", mtime=0))
write("FuzzGzip", "stored.gz", member(batch, level=0))
write("FuzzGzip", "headers.gz", member(batch, header_flags=2, name=b"batch.json", extra=b"RA\x02\x00hi", comment=b"seed"))
write("FuzzGzip", "two-members.gz", gzip.compress(b"[1]", mtime=0) + gzip.compress(b"[2]", mtime=0))
write("FuzzGzip", "over-limit.gz", gzip.compress(b"a" * 5000, mtime=0))      # 5,000 bytes: past FuzzGzip's 4,096
write("FuzzGzip", "at-limit.gz", gzip.compress(b"b" * 4096, mtime=0))
write("FuzzGzip", "cut.gz", gzip.compress(batch, mtime=0)[:-3])
write("FuzzGzip", "payload.json", batch)

b64 = base64.b64encode(batch).decode()
write("FuzzPostHogForm", "payload.json", batch)
write("FuzzPostHogForm", "form-base64", ("data=" + urllib.parse.quote(b64, safe="") + "&compression=base64").encode())
write("FuzzPostHogForm", "form-raw-plus", ("data=" + b64 + "&ver=1.130.0").encode())
write("FuzzPostHogForm", "form-urlsafe", ("data=" + base64.urlsafe_b64encode(batch).decode().rstrip("=")).encode())
write("FuzzPostHogForm", "form-json", ("data=" + urllib.parse.quote(batch.decode())).encode())
write("FuzzPostHogForm", "form-gzip-js", ("compression=gzip-js&data=" + urllib.parse.quote(base64.b64encode(gzip.compress(batch, mtime=0)).decode(), safe="")).encode())
