"""The TFRecord post: CRC32C, masked CRC, record reader/writer and the tf.train.Example codec."""

import io
import random
import struct

import pytest
from postcode import load_broken_post_code, load_post_code

SLUG = "tfrecord"


@pytest.fixture(scope="module")
def ns():
    return load_post_code(SLUG)


def crc32c_bitwise(data):
    """Reference CRC-32C, one bit at a time (no table)."""
    c = 0xFFFFFFFF
    for byte in data:
        c ^= byte
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    return c ^ 0xFFFFFFFF


def test_crc32c_known_values(ns):
    crc = ns["crc32c"]
    assert crc(b"123456789") == 0xE3069283
    assert crc(b"") == 0
    # RFC 3720 (iSCSI) appendix B.4 test vectors
    assert crc(bytes(32)) == 0x8A9136AA
    assert crc(b"\xff" * 32) == 0x62A8AB43
    assert crc(bytes(range(32))) == 0x46DD794E
    assert crc(bytes(range(31, -1, -1))) == 0x113FDB5C


def test_crc32c_matches_bitwise_and_is_incremental(ns):
    rng = random.Random(0)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
        assert ns["crc32c"](data) == crc32c_bitwise(data)
        cut = rng.randrange(0, len(data) + 1)
        assert ns["crc32c"](data[cut:], ns["crc32c"](data[:cut])) == ns["crc32c"](data)


def test_mask_formula(ns):
    rng = random.Random(1)
    for _ in range(500):
        c = rng.getrandbits(32)
        expect = ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) % 2**32
        assert ns["mask_crc"](c) == expect
        assert ns["unmask_crc"](expect) == c
    assert ns["masked_crc32c"](b"123456789") == ns["mask_crc"](0xE3069283)


def build_record(data):
    """Independent encoder of one record, straight from the format description."""
    header = struct.pack("<Q", len(data))

    def m(b):
        c = crc32c_bitwise(b)
        return struct.pack("<I", ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) % 2**32)

    return header + m(header) + data + m(data)


def test_writer_output_matches_format(ns):
    buf = io.BytesIO()
    with ns["TFRecordWriter"](buf) as w:
        w.write(b"hello")
        w.write(b"")
    assert buf.getvalue() == build_record(b"hello") + build_record(b"")
    assert len(build_record(b"hello")) == 5 + 16


def test_round_trip_random_records(ns):
    rng = random.Random(2)
    for _ in range(20):
        records = [
            bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 7, 100, 600])))
            for _ in range(rng.randrange(0, 8))
        ]
        buf = io.BytesIO()
        for r in records:
            assert ns["write_record"](buf, r) == len(r) + 16
        assert list(ns["read_records"](io.BytesIO(buf.getvalue()))) == records
        assert (
            list(ns["read_records"](io.BytesIO(b"".join(build_record(r) for r in records))))
            == records
        )


def test_every_bit_flip_and_truncation_is_detected(ns):
    records = [b"abc", b"", b"tfrecord!"]
    raw = b"".join(build_record(r) for r in records)
    err = ns["CorruptRecordError"]
    for pos in range(len(raw)):
        for bit in range(8):
            bad = bytearray(raw)
            bad[pos] ^= 1 << bit
            with pytest.raises(err):
                list(ns["read_records"](io.BytesIO(bytes(bad))))
    boundaries = {0}
    total = 0
    for r in records:
        total += len(r) + 16
        boundaries.add(total)
    for cut in range(len(raw)):
        if cut in boundaries:
            n = sorted(boundaries).index(cut)
            assert list(ns["read_records"](io.BytesIO(raw[:cut]))) == records[:n]
        else:
            with pytest.raises(err):
                list(ns["read_records"](io.BytesIO(raw[:cut])))
    # verify=False skips the CRC checks (like a reader without checksums)
    bad = bytearray(raw)
    bad[12] ^= 1  # first byte of the first record's data
    assert next(iter(ns["read_records"](io.BytesIO(bytes(bad)), verify=False))) == b"`bc"


def test_example_known_bytes(ns):
    enc = ns["encode_example"]
    assert enc({"a": [1]}) == b"\x0a\x0c\x0a\x0a\x0a\x01a\x12\x05\x1a\x03\x0a\x01\x01"
    # float_list packed: Feature{float_list{value:[1.0]}} = 12 06 0a 04 00 00 80 3f
    assert enc({"f": [1.0]}) == b"\x0a\x0f\x0a\x0d\x0a\x01f\x12\x08\x12\x06\x0a\x04\x00\x00\x80\x3f"
    # bytes_list: Feature{bytes_list{value:["xy"]}} = 0a 04 0a 02 78 79
    assert enc({"b": [b"xy"]}) == b"\x0a\x0d\x0a\x0b\x0a\x01b\x12\x06\x0a\x04\x0a\x02xy"
    # negative int64 is a 10-byte varint
    assert enc({"n": [-1]})[-10:] == b"\xff" * 9 + b"\x01"
    assert enc({}) == b"\x0a\x00"


def test_example_round_trip_random(ns):
    rng = random.Random(3)
    for _ in range(200):
        feats, expect = {}, {}
        for k in range(rng.randrange(0, 5)):
            name = f"f{k}/" + rng.choice(["x", "名字", "image/encoded"])
            kind = rng.choice(["bytes_list", "float_list", "int64_list"])
            n = rng.randrange(0, 5)
            if kind == "bytes_list":
                vals = [
                    bytes(rng.randrange(256) for _ in range(rng.randrange(0, 20))) for _ in range(n)
                ]
                out = vals
            elif kind == "float_list":
                vals = [rng.uniform(-1e6, 1e6) for _ in range(n)]
                out = [struct.unpack("<f", struct.pack("<f", v))[0] for v in vals]
            else:
                vals = [
                    rng.choice([0, 1, -1, 2**63 - 1, -(2**63), rng.getrandbits(40) - 2**39])
                    for _ in range(n)
                ]
                out = vals
            feats[name] = (kind, vals)
            expect[name] = (kind, out)
        assert ns["decode_example"](ns["encode_example"](feats)) == expect


def test_decoder_accepts_unpacked_and_skips_unknown(ns):
    # FloatList with two unpacked floats (wire type 5), Int64List with unpacked varints (type 0)
    floats = b"\x0d" + struct.pack("<f", 2.5) + b"\x0d" + struct.pack("<f", -1.0)
    ints = b"\x08\x05\x08\x07"
    feature_f = b"\x12" + bytes([len(floats)]) + floats
    feature_i = b"\x1a" + bytes([len(ints)]) + ints
    entry_f = b"\x0a\x01f\x12" + bytes([len(feature_f)]) + feature_f
    entry_i = b"\x0a\x01i\x12" + bytes([len(feature_i)]) + feature_i
    unknown = b"\x10\x2a"  # field 2, varint 42: not part of Features, must be skipped
    features = (
        b"\x0a"
        + bytes([len(entry_f)])
        + entry_f
        + b"\x0a"
        + bytes([len(entry_i)])
        + entry_i
        + unknown
    )
    example = b"\x0a" + bytes([len(features)]) + features
    assert ns["decode_example"](example) == {
        "f": ("float_list", [2.5, -1.0]),
        "i": ("int64_list", [5, 7]),
    }
    with pytest.raises(ValueError):
        ns["decode_example"](example[:-3])


def test_encode_rejects_bad_values(ns):
    with pytest.raises(ValueError):
        ns["encode_example"]({"e": []})
    with pytest.raises(TypeError):
        ns["encode_example"]({"m": [1, b"x"]})
    with pytest.raises(OverflowError):
        ns["encode_example"]({"big": [2**63]})


def test_broken_post_fails():
    old = "c = (c >> 1) ^ poly if c & 1 else c >> 1"
    with pytest.raises(AssertionError) as caught:
        load_broken_post_code(SLUG, old, "c = (c >> 1) ^ poly if c & 2 else c >> 1")
    assert "exactly once" not in str(caught.value)  # the broken code failed, not a stale `old`
